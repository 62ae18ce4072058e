"""The forecast stage: contact history -> contacts, prediction interval and handle time per
channel and planning interval.

Per channel: put the history on the model grid (finer history is summed to the planning
interval; coarser history is modelled at its own resolution and each forecast is split evenly
over the open planning intervals inside it) and keep the open intervals that were observed (a
missing day stays missing, never zero). Then a rolling-origin backtest forecasts each of the
last weeks (starting on the planning week's weekday) with every candidate model — the two
baselines, MSTL, the calendar regression with and without month-turn and catch-up features,
and a combination — from the data before it, or as many weeks before it as the planning week
lies beyond the end of history;
the model with the lowest WAPE over the last `selection_weeks` weeks forecasts the planning
week, with an 80% interval calibrated on its own errors in those weeks (see backtest.py).
Closed intervals are exactly 0. No file I/O here.

Without a config (`forecast_history`) the centre's working days and opening hours are read off
the history itself: a day absent from history is a closed day.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from wfm.calendar_days import closed_dates, event_days, open_mask, public_holidays
from wfm.config import ChannelConfig, Config, ForecastConfig, SiteConfig
from wfm.domain import FORECAST_COLUMNS, ForecastResult, Horizon
from wfm.errors import Problem, WfmInputError
from wfm.forecast.backtest import (
    BASELINES,
    COMBINATION,
    FOLD_COLUMNS,
    MODEL_NAMES,
    SUMMARY_COLUMNS,
    HeldOutWeek,
    Selection,
    backtest_table,
    build_model,
    fold_starts,
    fold_table,
    held_out_weeks,
    select,
    summarise_backtest,
)
from wfm.forecast.features import (
    OPTIONAL_FEATURES,
    Calendar,
    CalendarDesign,
    absent_days,
    cell_codes,
    history_step_minutes,
    last_weeks,
    model_step_minutes,
    on_grid,
    open_on_grid,
    usual_weekdays,
)
from wfm.forecast.models import (
    Forecaster,
    MeanOfWeeks,
    MSTLForecaster,
    NegativeBinomialGLM,
    SeasonalNaive,
    nb_interval,
    shrunk_cell_means,
)

__all__ = [
    "BACKTEST_COLUMNS",
    "FOLD_COLUMNS",
    "MODEL_NAMES",
    "Forecaster",
    "MSTLForecaster",
    "MeanOfWeeks",
    "NegativeBinomialGLM",
    "SeasonalNaive",
    "backtest_table",
    "forecast",
    "forecast_history",
    "lead_weeks",
    "next_week",
    "summarise_backtest",
]

HISTORY_COLUMNS = ("interval_start", "channel", "contacts", "aht_seconds")
BACKTEST_COLUMNS = SUMMARY_COLUMNS  # the per-channel summary in ForecastResult.backtest
AHT_WINDOW_WEEKS = 13  # handle time drifts with products and processes: use the last quarter
OPENING_WEEKS = 4  # without a config, opening hours are those of the last four weeks
Progress = Callable[[str], None]


@dataclass(frozen=True)
class _Channel:
    """One channel's history on its model grid and the calendar it is forecast with."""

    name: str
    grid: pd.DataFrame  # contacts, aht_weight, aht_seconds on the model grid
    observed: pd.Series  # contacts of the observed open intervals
    minutes: int  # the model grid
    calendar: Calendar
    horizon_open: np.ndarray  # per planning interval of the horizon
    default_aht: float


@dataclass(frozen=True)
class _ChannelForecast:
    frame: pd.DataFrame
    folds: pd.DataFrame
    summary: dict[str, Any]
    description: str


def forecast(
    history: pd.DataFrame,
    config: Config,
    horizon: Horizon,
    progress: Progress | None = None,
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
    holidays = frozenset(public_holidays(config.site, first_day, horizon.end))
    events = event_days(config.events, first_day, horizon.end)
    channels = [
        _configured_channel(
            name, channel, rows[rows["channel"] == name], config, horizon, holidays, events
        )
        for name, channel in config.channels.items()
    ]
    return _forecast_channels(channels, horizon, config.forecast, progress)


def forecast_history(
    history: pd.DataFrame,
    interval_minutes: int = 60,
    settings: ForecastConfig | None = None,
    site: SiteConfig | None = None,
    horizon: Horizon | None = None,
    progress: Progress | None = None,
) -> ForecastResult:
    """Forecast every channel in `history` without a config (the `wfm forecast --history` path).

    Working days and opening hours are those the history shows; public holidays come from
    `site.country` (none by default) and count as closed if the centre was closed on most
    past ones. `horizon` defaults to the week after the history (`next_week`).
    """
    _check_history(history)
    rows = history[history["contacts"].notna()]
    if rows.empty:
        raise WfmInputError([Problem(file="history", message="no history rows with contacts")])
    horizon = horizon or next_week(rows, interval_minutes)
    site = site or SiteConfig(country=None)
    first_day = pd.Timestamp(rows["interval_start"].min()).date()
    holidays = frozenset(public_holidays(site, first_day, horizon.end))
    channels = [
        _learned_channel(str(name), part, horizon, holidays)
        for name, part in rows.groupby("channel", sort=False)
    ]
    return _forecast_channels(channels, horizon, settings or ForecastConfig(), progress)


def next_week(
    history: pd.DataFrame, interval_minutes: int = 60, days: int = 7, first_weekday: int = 0
) -> Horizon:
    """The planning horizon right after the history: from the first `first_weekday`
    (0 = Monday … 6 = Sunday) after its last day."""
    last = pd.Timestamp(history["interval_start"].max()).date()
    ahead = 7 - (last.weekday() - first_weekday) % 7
    return Horizon(last + dt.timedelta(days=ahead), days, interval_minutes)


def _check_history(history: pd.DataFrame) -> None:
    absent = [c for c in HISTORY_COLUMNS if c not in history.columns]
    if absent:
        raise WfmInputError(
            [Problem(file="history", message=f"missing column(s) {', '.join(absent)}")]
        )
    if (history["contacts"] < 0).any():
        raise WfmInputError([Problem(file="history", message="contacts must be >= 0")])


def _configured_channel(
    name: str,
    channel: ChannelConfig,
    rows: pd.DataFrame,
    config: Config,
    horizon: Horizon,
    holidays: frozenset[dt.date],
    events: dict[dt.date, tuple[str, int]],
) -> _Channel:
    interval = horizon.interval_minutes
    minutes = model_step_minutes(history_step_minutes(rows["interval_start"]), interval)
    grid = on_grid(rows, minutes)
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
    weekdays = frozenset(day for day, windows in channel.windows().items() if windows)
    days = pd.DatetimeIndex(observed.index).normalize().unique().date
    future_closed = closed_dates(config, horizon.start, horizon.end)
    fine = horizon.intervals().as_unit("ns")
    return _Channel(
        name=name,
        grid=grid,
        observed=observed,
        minutes=minutes,
        calendar=Calendar(
            holidays=holidays,
            events=events,
            closed=frozenset(closed | future_closed | absent_days(days, weekdays)),
            open_weekdays=weekdays,
        ),
        horizon_open=open_mask(channel, fine, future_closed),
        default_aht=float(channel.aht_seconds),
    )


def _learned_channel(
    name: str, rows: pd.DataFrame, horizon: Horizon, holidays: frozenset[dt.date]
) -> _Channel:
    """A channel whose working days and hours are read off its history."""
    minutes = model_step_minutes(
        history_step_minutes(rows["interval_start"]), horizon.interval_minutes
    )
    grid = on_grid(rows, minutes)
    observed = grid["contacts"]
    days = pd.DatetimeIndex(observed.index).normalize().unique().date
    weekdays = usual_weekdays(days)
    absent = absent_days(days, weekdays)
    # closed on holidays if it was closed on most of the past ones that fell on working days
    past = [d for d in holidays if min(days) <= d <= max(days) and d.weekday() in weekdays]
    closes = bool(past) and np.mean([d in absent for d in past]) >= 0.5
    future = frozenset(d for d in holidays if d > max(days)) if closes else frozenset()
    cells = _usual_cells(observed, minutes, weekdays)
    fine = horizon.intervals().as_unit("ns")
    fine_cells = cell_codes(fine.floor(f"{minutes}min"), minutes)
    closed_days = pd.DatetimeIndex(sorted(future), dtype="datetime64[ns]")
    fine_open = np.isin(fine_cells, cells) & ~fine.normalize().isin(closed_days)
    return _Channel(
        name=name,
        grid=grid,
        observed=observed,
        minutes=minutes,
        calendar=Calendar(
            holidays=holidays, closed=frozenset(absent | future), open_weekdays=weekdays
        ),
        horizon_open=np.asarray(fine_open),
        default_aht=float("nan"),
    )


def _usual_cells(observed: pd.Series, minutes: int, weekdays: frozenset[int]) -> np.ndarray:
    """Weekday × time cells open on at least half of their weekday's days in recent weeks."""
    index = pd.DatetimeIndex(observed.index)
    recent = index[index >= index.max().normalize() - pd.Timedelta(weeks=OPENING_WEEKS)]
    recent = recent[np.isin(recent.day_of_week, list(weekdays))]
    days_per_weekday = pd.Series(recent.normalize()).groupby(recent.day_of_week).nunique()
    counts = pd.Series(cell_codes(recent, minutes)).value_counts()
    slots_per_day = 24 * 60 // minutes
    needed = days_per_weekday.reindex(counts.index // slots_per_day).to_numpy() / 2
    return np.asarray(counts.index[counts.to_numpy() >= needed], dtype=np.int64)


def _forecast_channels(
    channels: list[_Channel],
    horizon: Horizon,
    settings: ForecastConfig,
    progress: Progress | None,
) -> ForecastResult:
    deadline = time.monotonic() + settings.time_limit_seconds
    results: dict[str, _ChannelForecast] = {}
    # BLAS threads fight over a small box and slow these small fits tenfold: use one
    with threadpool_limits(limits=1, user_api="blas"):
        for number, channel in enumerate(channels, start=1):
            budget = (deadline - time.monotonic()) / (len(channels) - number + 1)
            say = _prefixed(progress, f"forecast {channel.name} ({number}/{len(channels)})")
            results[channel.name] = _forecast_channel(channel, horizon, settings, budget, say)
    folds = [r.folds for r in results.values() if not r.folds.empty]
    return ForecastResult(
        frame=pd.concat([r.frame for r in results.values()], ignore_index=True),
        backtest=pd.DataFrame([r.summary for r in results.values()], columns=list(SUMMARY_COLUMNS)),
        model_names={name: r.description for name, r in results.items()},
        backtest_folds=pd.concat(folds, ignore_index=True)
        if folds
        else pd.DataFrame(columns=list(FOLD_COLUMNS)),
    )


def _prefixed(progress: Progress | None, prefix: str) -> Progress | None:
    if progress is None:
        return None
    return lambda message: progress(f"{prefix}: {message}")


def _forecast_channel(
    channel: _Channel,
    horizon: Horizon,
    settings: ForecastConfig,
    budget_seconds: float,
    progress: Progress | None,
) -> _ChannelForecast:
    y, calendar, minutes = channel.observed, channel.calendar, channel.minutes
    allowed = list(settings.models or MODEL_NAMES)
    computed = _models_to_compute(allowed, settings.backtest_weeks > 0)

    def design_for(
        train: pd.DatetimeIndex, test: pd.DatetimeIndex, origin: pd.Timestamp
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        design = CalendarDesign.learn(train, calendar, minutes, origin)
        return design.matrix(train), design.matrix(test)

    lead = lead_weeks(pd.DatetimeIndex(y.index), horizon)
    starts = fold_starts(
        pd.DatetimeIndex(y.index),
        calendar.open_weekdays,
        settings.backtest_weeks + settings.selection_weeks,
        first_weekday=horizon.start.weekday(),
        lead_weeks=lead,
    )
    weeks = held_out_weeks(
        y,
        starts,
        design_for,
        computed,
        settings.selection_weeks,
        settings.history_weeks,
        deadline=time.monotonic() + budget_seconds,
        progress=progress,
        lead_weeks=lead,
    )
    folds = _fold_rows(channel.name, weeks, settings, allowed)
    selection = select(weeks[-settings.selection_weeks :], allowed, settings.prediction_level)

    train = last_weeks(y, settings.history_weeks)
    design = CalendarDesign.learn(
        pd.DatetimeIndex(train.index), calendar, minutes, pd.Timestamp(horizon.start)
    )
    model = build_model(selection.model, selection)
    model.fit(train, design.matrix(pd.DatetimeIndex(train.index)))
    frame = _on_planning_intervals(
        model, design, train, channel, horizon, selection, settings.prediction_level
    )
    frame.insert(1, "channel", channel.name)
    parts = minutes // horizon.interval_minutes
    model_starts = pd.DatetimeIndex(frame["interval_start"])[::parts]
    aht = _handle_time(channel.grid, channel.default_aht, minutes, model_starts)
    frame["aht_seconds"] = np.repeat(aht, parts)
    summary = _summary_row(channel.name, folds, selection.model)
    if progress:
        progress(_score_text(summary, selection))
    return _ChannelForecast(
        frame=frame[list(FORECAST_COLUMNS)],
        folds=folds,
        summary=summary,
        description=_describe(selection, model, design),
    )


def lead_weeks(observed: pd.DatetimeIndex, horizon: Horizon) -> int:
    """Whole weeks between the end of history and the planning week (0 for the next week).

    History that ends in July for a plan of September leaves a gap the backtest must imitate:
    a model judged on next-week forecasts may extrapolate a trend five weeks too far.
    """
    if not len(observed):
        return 0
    first_unseen = pd.Timestamp(observed.max()).normalize() + pd.Timedelta(days=1)
    return max(0, (pd.Timestamp(horizon.start) - first_unseen).days // 7)


def _models_to_compute(allowed: list[str], with_baselines: bool) -> list[str]:
    wanted = list(allowed)
    if with_baselines:
        wanted += [b for b in BASELINES if b not in wanted]
    if COMBINATION in wanted:
        # the combination is built from the calendar regressions' and MSTL's forecasts
        wanted += [m for m in MODEL_NAMES if m.startswith("calendar_glm") or m == "mstl"]
    return list(dict.fromkeys(m for m in MODEL_NAMES if m in wanted))


def _fold_rows(
    name: str, weeks: list[HeldOutWeek], settings: ForecastConfig, allowed: list[str]
) -> pd.DataFrame:
    folds = fold_table(weeks, settings.backtest_weeks, settings.selection_weeks, allowed)
    folds.insert(0, "channel", name)
    return folds


def _on_planning_intervals(
    model: Forecaster,
    design: CalendarDesign,
    train: pd.Series,
    channel: _Channel,
    horizon: Horizon,
    selection: Selection,
    level: float,
) -> pd.DataFrame:
    """Predict the horizon on the model grid and split it evenly over the open planning
    intervals inside each model interval; closed intervals get exactly 0."""
    fine = horizon.intervals().as_unit("ns")
    parts = channel.minutes // horizon.interval_minutes
    open_parts = channel.horizon_open.reshape(-1, parts).sum(axis=1)
    predicted = np.zeros((len(open_parts), 3))
    wanted = open_parts > 0
    if wanted.any():
        X = design.matrix(fine[::parts][wanted])
        prediction = model.predict(X, level)
        unknown = prediction["mean"].isna().to_numpy()
        if unknown.any():  # a baseline never saw these intervals: the regression fills in
            regression = NegativeBinomialGLM()
            regression.fit(train, design.matrix(pd.DatetimeIndex(train.index)))
            filled = regression.predict(X, level).to_numpy()
            prediction.loc[unknown, :] = filled[unknown]
        if selection.alpha is not None:
            mean = prediction["mean"].to_numpy()
            lower, upper = nb_interval(mean, np.full(len(mean), selection.alpha), level)
            prediction["lower"] = np.minimum(lower, mean)
            prediction["upper"] = np.maximum(upper, mean)
        predicted[wanted] = prediction[["mean", "lower", "upper"]].to_numpy()
        predicted = from_nearest_seen_time(
            pd.DatetimeIndex(fine[::parts]), wanted, _times_of_day(channel.observed), predicted
        )
    per_part = predicted / np.maximum(open_parts, 1)[:, None]
    values = np.repeat(per_part, parts, axis=0) * channel.horizon_open[:, None]
    return pd.DataFrame(
        {
            "interval_start": fine,
            "contacts": values[:, 0],
            "lower": values[:, 1],
            "upper": values[:, 2],
        }
    )


def _times_of_day(observed: pd.Series) -> frozenset[int]:
    """Minutes after midnight of the intervals the history saw open."""
    stamps = pd.DatetimeIndex(observed.index)
    return frozenset((stamps.hour * 60 + stamps.minute).unique().tolist())


def from_nearest_seen_time(
    starts: pd.DatetimeIndex, wanted: np.ndarray, seen: frozenset[int], predicted: np.ndarray
) -> np.ndarray:
    """Rows of `predicted` (one per interval of `starts`) at a time of day the history never saw
    open — hours opened on a date only (`dated_hours`), such as Double-11 until midnight —
    take the prediction of the same day's nearest interval at a time it did see (the earlier
    one on a tie). The models have no evidence there: the calendar terms alone would put the
    channel's average hour there, more than its evening tail."""
    minutes = np.asarray(starts.hour * 60 + starts.minute)
    known = wanted & np.isin(minutes, list(seen))
    unseen = np.flatnonzero(wanted & ~known)
    if not unseen.size or not known.any():
        return predicted
    days = np.asarray(starts.normalize())
    filled = predicted.copy()
    for row in unseen:
        same_day = np.flatnonzero(known & (days == days[row]))
        if same_day.size:
            nearest = same_day[np.argmin(np.abs(minutes[same_day] - minutes[row]))]
            filled[row] = predicted[nearest]
    return filled


def _handle_time(
    grid: pd.DataFrame, default: float, minutes: int, starts: pd.DatetimeIndex
) -> np.ndarray:
    """Forecast AHT per interval: the recent weekday × time-of-day mean, shrunk to the channel's.

    Cells never seen recently get the channel mean; without any handle times in history the
    configured aht_seconds is used (NaN without a config).
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


def _summary_row(channel: str, folds: pd.DataFrame, model: str) -> dict[str, Any]:
    if folds.empty:
        return {
            "channel": channel,
            "model": model,
            "wape": float("nan"),
            "seasonal_naive_wape": float("nan"),
            "interval_coverage": float("nan"),
            "weeks": 0,
        }
    row = summarise_backtest(folds, {channel: model}).iloc[0]
    return {str(key): value for key, value in row.items()}


def _describe(selection: Selection, model: Forecaster, design: CalendarDesign) -> str:
    text = f"{selection.model}: {model.describe()}"
    if selection.model.startswith("calendar_glm") or selection.model == COMBINATION:
        features = selection.model.split("+")[1:]
        if selection.model == COMBINATION:
            features = selection.calendar_model.split("+")[1:]
        text += f" on {design.describe([f for f in features if f in OPTIONAL_FEATURES])}"
    return text


def _score_text(summary: dict[str, Any], selection: Selection) -> str:
    weeks = int(str(summary["weeks"]))
    if not weeks:
        return f"using {selection.model} (too little history to backtest)"
    return (
        f"using {selection.model}; backtest WAPE {float(str(summary['wape'])):.1%} "
        f"(seasonal naive {float(str(summary['seasonal_naive_wape'])):.1%}), "
        f"{float(str(summary['interval_coverage'])):.0%} inside the 80% interval, {weeks} weeks"
    )
