"""A picture of the forecast: recent history, the forecast and its interval, one panel per channel.

Returns a matplotlib Figure (no pyplot, no backend state, no file I/O); the caller saves it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure

HISTORY_WEEKS_SHOWN = 3


def forecast_figure(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    level: float = 0.8,
    model_names: Mapping[str, str] | None = None,
    history_weeks: int = HISTORY_WEEKS_SHOWN,
) -> Figure:
    """History (`interval_start, channel, contacts`) of the last weeks before the forecast,
    summed to the forecast's interval, with the forecast (FORECAST_COLUMNS) and its interval.

    History is drawn on a regular time axis with gaps where nothing was observed: a closed
    night or a missing day shows as a gap, never as zero.
    """
    channels = list(dict.fromkeys(forecast["channel"]))
    figure = Figure(figsize=(12, 2.6 * max(len(channels), 1)), layout="constrained")
    axes = figure.subplots(max(len(channels), 1), 1, squeeze=False)[:, 0]
    for axis, channel in zip(axes, channels, strict=False):
        ahead = forecast[forecast["channel"] == channel].sort_values("interval_start")
        starts = pd.DatetimeIndex(ahead["interval_start"])
        step = starts[1] - starts[0] if len(starts) > 1 else pd.Timedelta(hours=1)
        first = starts.min() - pd.Timedelta(weeks=history_weeks)
        past = history[(history["channel"] == channel) & (history["interval_start"] >= first)]
        past_starts = pd.DatetimeIndex(past["interval_start"]).floor(step)
        summed = past["contacts"].groupby(past_starts).sum()
        if len(summed):
            regular = pd.date_range(summed.index.min(), summed.index.max(), freq=step)
            summed = summed.reindex(regular)
            axis.plot(summed.index, summed.to_numpy(), color="0.35", lw=0.8, label="history")
        axis.fill_between(
            starts,
            ahead["lower"].to_numpy(dtype=float),
            ahead["upper"].to_numpy(dtype=float),
            color="tab:blue",
            alpha=0.25,
            lw=0,
            label=f"{level:.0%} interval",
        )
        axis.plot(starts, ahead["contacts"].to_numpy(dtype=float), color="tab:blue", lw=1.0)
        axis.lines[-1].set_label("forecast")
        model = (model_names or {}).get(str(channel), "")
        axis.set_title(f"{channel}" + (f" — {model.split(':')[0]}" if model else ""), loc="left")
        axis.set_ylabel("contacts per interval")
        axis.set_ylim(bottom=0)
        axis.legend(loc="upper left", fontsize="small", ncols=3)
    return figure
