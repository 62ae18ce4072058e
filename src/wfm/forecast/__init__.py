"""The forecast stage: contact history -> contacts, prediction interval and handle time per
channel and planning interval.

Per channel: put the history on the model grid (finer history is summed to the planning
interval; coarser history is modelled at its own resolution and each forecast is split evenly
over the open planning intervals inside it), keep the open intervals that were observed (a
missing day stays missing, never zero), backtest on the last weeks against seasonal naive,
fit the negative-binomial calendar GLM on the (optionally trimmed) history and predict the
horizon. Closed intervals are exactly 0. No file I/O here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.calendar_days import closed_dates, event_days, open_mask, public_holidays
from wfm.config import ChannelConfig, Config
from wfm.domain import FORECAST_COLUMNS, ForecastResult, Horizon
from wfm.errors import Problem, WfmInputError
from wfm.forecast.backtest import BacktestScore, backtest
from wfm.forecast.features import (
    Calendar,
    CalendarDesign,
    cell_codes,
    history_step_minutes,
    last_weeks,
    model_step_minutes,
    on_grid,
    open_on_grid,
)
from wfm.forecast.models import (
    Forecaster,
    NegativeBinomialGLM,
    SeasonalNaive,
    shrunk_cell_means,
)

__all__ = [
    "BACKTEST_COLUMNS",
    "Forecaster",
    "NegativeBinomialGLM",
    "SeasonalNaive",
    "forecast",
]

HISTORY_COLUMNS = ("interval_start", "channel", "contacts", "aht_seconds")
BACKTEST_COLUMNS = (
    "channel",
    "model",
    "wape",
    "seasonal_naive_wape",
    "interval_coverage",
    "weeks",
)
AHT_WINDOW_WEEKS = 13  # handle time drifts with products and processes: use the last quarter


@dataclass(frozen=True)
class _ChannelForecast:
    frame: pd.DataFrame
    score: BacktestScore | None
    description: str


def forecast(
    history: pd.DataFrame,
    config: Config,
    horizon: Horizon,
    progress: Callable[[str], None] | None = None,
) -> ForecastResult:
    """Forecast every configured channel over `horizon` from its interval history.

    Channels in the history that the config does not name are ignored; a configured channel
    without history is an input error (reported against file 'history').
    """
    _check_history(history)
    # a row without a count is an interval nobody observed: missing, never zero
    rows = history[history["channel"].isin(list(config.channels)) & history["contacts"].notna()]
    present = set(rows["channel"])
    missing = [name for name in config.channels if name not in present]
    if missing:
        raise WfmInputError(
            Problem(
                file="history",
                message=f"channel '{name}' has no history rows — add its contacts to the "
                f"history or remove it from the config (channels with history: "
                f"{', '.join(sorted(map(str, set(history['channel'])))) or 'none'})",
            )
            for name in missing
        )
    first_day = pd.Timestamp(rows["interval_start"].min()).date()
    calendar = Calendar(
        holidays=frozenset(public_holidays(config.site, first_day, horizon.end)),
        events=event_days(config.events, first_day, horizon.end),
    )
    results: dict[str, _ChannelForecast] = {}
    for number, (name, channel) in enumerate(config.channels.items(), start=1):
        if progress:
            progress(f"forecast {name} ({number}/{len(config.channels)}): fitting")
        part = rows[rows["channel"] == name]
        results[name] = _forecast_channel(name, channel, part, config, horizon, calendar)
        if progress:
            progress(f"forecast {name}: {_score_text(results[name].score)}")
    return ForecastResult(
        frame=pd.concat([r.frame for r in results.values()], ignore_index=True),
        backtest=pd.DataFrame(
            [_score_row(name, r.score) for name, r in results.items()],
            columns=list(BACKTEST_COLUMNS),
        ),
        model_names={name: r.description for name, r in results.items()},
    )


def _check_history(history: pd.DataFrame) -> None:
    absent = [c for c in HISTORY_COLUMNS if c not in history.columns]
    if absent:
        raise WfmInputError(
            [Problem(file="history", message=f"missing column(s) {', '.join(absent)}")]
        )
    if (history["contacts"] < 0).any():
        raise WfmInputError([Problem(file="history", message="contacts must be >= 0")])


def _forecast_channel(
    name: str,
    channel: ChannelConfig,
    history: pd.DataFrame,
    config: Config,
    horizon: Horizon,
    calendar: Calendar,
) -> _ChannelForecast:
    interval = horizon.interval_minutes
    minutes = model_step_minutes(history_step_minutes(history["interval_start"]), interval)
    grid = on_grid(history, minutes)
    starts = pd.DatetimeIndex(grid.index)
    closed = closed_dates(config, starts.min().date(), starts.max().date() + dt.timedelta(days=1))
    observed = grid["contacts"][open_on_grid(channel, starts, minutes, interval, closed)]
    if observed.empty:
        raise WfmInputError(
            [
                Problem(
                    file="history",
                    message=f"channel '{name}' has no history inside its opening hours "
                    f"({channel.hours}) — check the hours or the history's time stamps",
                )
            ]
        )
    level = config.forecast.prediction_level

    def design_for(
        train: pd.DatetimeIndex, test: pd.DatetimeIndex
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        design = CalendarDesign.learn(train, calendar, minutes)
        return design.matrix(train), design.matrix(test)

    score = backtest(
        observed,
        design_for,
        NegativeBinomialGLM,
        SeasonalNaive,
        weeks=config.forecast.backtest_weeks,
        level=level,
        history_weeks=config.forecast.history_weeks,
    )
    train = last_weeks(observed, config.forecast.history_weeks)
    design = CalendarDesign.learn(pd.DatetimeIndex(train.index), calendar, minutes)
    model = NegativeBinomialGLM().fit(train, design.matrix(pd.DatetimeIndex(train.index)))

    frame = _on_planning_intervals(model, design, channel, config, horizon, minutes)
    frame.insert(1, "channel", name)
    parts = minutes // horizon.interval_minutes
    model_starts = pd.DatetimeIndex(frame["interval_start"])[::parts]
    aht = _handle_time(grid, channel.aht_seconds, minutes, model_starts)
    frame["aht_seconds"] = np.repeat(aht, parts)
    description = f"{model.describe()} on {design.describe()}"
    return _ChannelForecast(
        frame=frame[list(FORECAST_COLUMNS)], score=score, description=description
    )


def _on_planning_intervals(
    model: Forecaster,
    design: CalendarDesign,
    channel: ChannelConfig,
    config: Config,
    horizon: Horizon,
    minutes: int,
) -> pd.DataFrame:
    """Predict the horizon on the model grid and split it evenly over the open planning
    intervals inside each model interval; closed intervals get exactly 0."""
    fine = horizon.intervals().as_unit("ns")
    fine_open = open_mask(channel, fine, closed_dates(config, horizon.start, horizon.end))
    parts = minutes // horizon.interval_minutes
    open_parts = fine_open.reshape(-1, parts).sum(axis=1)
    predicted = np.zeros((len(open_parts), 3))
    wanted = open_parts > 0
    if wanted.any():
        level = config.forecast.prediction_level
        prediction = model.predict(design.matrix(fine[::parts][wanted]), level)
        predicted[wanted] = prediction[["mean", "lower", "upper"]].to_numpy()
    per_part = predicted / np.maximum(open_parts, 1)[:, None]
    values = np.repeat(per_part, parts, axis=0) * fine_open[:, None]
    return pd.DataFrame(
        {
            "interval_start": fine,
            "contacts": values[:, 0],
            "lower": values[:, 1],
            "upper": values[:, 2],
        }
    )


def _handle_time(
    grid: pd.DataFrame, default: float, minutes: int, starts: pd.DatetimeIndex
) -> np.ndarray:
    """Forecast AHT per interval: the recent weekday × time-of-day mean, shrunk to the channel's.

    Cells never seen recently get the channel mean; without any handle times in history the
    configured aht_seconds is used.
    """
    recent = grid[grid.index >= grid.index.max() - pd.Timedelta(weeks=AHT_WINDOW_WEEKS)]
    recent = recent[recent["aht_weight"] > 0]
    if recent.empty:
        return np.full(len(starts), float(default))
    cells, channel_mean = shrunk_cell_means(
        recent["aht_seconds"].to_numpy(),
        recent["aht_weight"].to_numpy(),
        cell_codes(pd.DatetimeIndex(recent.index), minutes),
    )
    wanted = pd.Series(cell_codes(starts, minutes))
    return wanted.map(cells).fillna(channel_mean).to_numpy(dtype=float)


def _score_row(channel: str, score: BacktestScore | None) -> dict[str, object]:
    if score is None:
        return {
            "channel": channel,
            "model": NegativeBinomialGLM.name,
            "wape": float("nan"),
            "seasonal_naive_wape": float("nan"),
            "interval_coverage": float("nan"),
            "weeks": 0,
        }
    return {
        "channel": channel,
        "model": score.model,
        "wape": score.wape,
        "seasonal_naive_wape": score.seasonal_naive_wape,
        "interval_coverage": score.interval_coverage,
        "weeks": score.weeks,
    }


def _score_text(score: BacktestScore | None) -> str:
    if score is None:
        return "too little history to backtest"
    return (
        f"backtest WAPE {score.wape:.1%} (seasonal naive {score.seasonal_naive_wape:.1%}), "
        f"{score.interval_coverage:.0%} inside the interval, {score.weeks} weeks"
    )
