"""Rolling-origin backtest, model selection and interval calibration — the same for every model.

Each held-out week imitates real use: weeks start on the planning week's weekday, and every
candidate is fitted on all observed intervals before the week's first day 00:00 — or as many
weeks before it as the plan lies beyond the end of history — and forecasts the week's observed
open intervals (days absent from history are closed and not scored). WAPE (sum |error| /
sum actual) is the headline: it weighs the busy intervals that drive staffing and stays
defined when an interval has no contacts. MASE divides the mean absolute error by the
in-sample seasonal-naive one; bias is (sum forecast − sum actual) / sum actual, positive
when the model over-forecasts.

Selection never looks at the week it is scored on: the model used for a week is the one with
the lowest mean WAPE over the `selection_weeks` held-out weeks before it, and its 80% interval
is an NB interval whose dispersion is calibrated on its errors in those same earlier weeks.
The planning week is forecast exactly the same way from the last held-out weeks. That is a
method one can apply to a new centre's data, and the backtest measures the method itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm.forecast.features import last_weeks
from wfm.forecast.models import (
    Combination,
    Forecaster,
    MeanOfWeeks,
    MSTLForecaster,
    NegativeBinomialGLM,
    SeasonalNaive,
    calibrated_alpha,
    interval_hits,
    lookback_mean,
)

MIN_TRAINING_WEEKS = 4
MIN_CALIBRATION_WEEKS = 2  # fewer held-out weeks than this: the model's own interval is used
SCORED_LEVEL = 0.8
BASELINES = ("seasonal_naive", "mean_4_weeks")
CALENDAR_MODELS = (
    "calendar_glm",
    "calendar_glm+month_turn",
    "calendar_glm+catch_up",
    "calendar_glm+month_turn+catch_up",
)
COMBINATION = "combination"
DEFAULT_MODEL = "calendar_glm"  # used until there are held-out weeks to choose by
FOLD_COLUMNS = (
    "channel",
    "model",
    "fold_start",
    "wape",
    "mase",
    "bias",
    "coverage80",
    "selected",
)
SUMMARY_COLUMNS = (
    "channel",
    "model",
    "wape",
    "seasonal_naive_wape",
    "interval_coverage",
    "weeks",
)

# (training index, held-out index, forecast origin) -> (X_train, X_held_out)
DesignFor = Callable[
    [pd.DatetimeIndex, pd.DatetimeIndex, pd.Timestamp], tuple[pd.DataFrame, pd.DataFrame]
]

_FACTORIES: dict[str, Callable[[], Forecaster]] = {
    "seasonal_naive": SeasonalNaive,
    "mean_4_weeks": MeanOfWeeks,
    "mstl": MSTLForecaster,
    "calendar_glm": NegativeBinomialGLM,
    "calendar_glm+month_turn": lambda: NegativeBinomialGLM(("month_turn",)),
    "calendar_glm+catch_up": lambda: NegativeBinomialGLM(("catch_up",)),
    "calendar_glm+month_turn+catch_up": lambda: NegativeBinomialGLM(("month_turn", "catch_up")),
}
MODEL_NAMES = (*_FACTORIES, COMBINATION)


def wape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Weighted absolute percentage error: sum |actual − predicted| / sum actual."""
    total = float(np.sum(actual))
    return float(np.sum(np.abs(actual - predicted))) / total if total > 0 else float("nan")


@dataclass
class HeldOutWeek:
    """Every candidate's forecast of one held-out week, made from the data before it."""

    start: pd.Timestamp
    actual: np.ndarray
    scale: float  # in-sample mean absolute error of seasonal naive: the MASE denominator
    means: dict[str, np.ndarray] = field(default_factory=dict)
    bounds: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # own 80%

    def wape(self, model: str) -> float:
        return wape(self.actual, self.means[model])


@dataclass(frozen=True)
class Selection:
    """The model picked from earlier held-out weeks, and its calibrated dispersion."""

    model: str
    alpha: float | None  # None: too few held-out weeks, the model's own interval is used
    scores: dict[str, float]
    calendar_model: str  # the best calendar regression: the combination's first member


def fold_starts(
    index: pd.DatetimeIndex,
    weekdays: frozenset[int],
    weeks: int,
    first_weekday: int = 0,
    lead_weeks: int = 0,
) -> list[pd.Timestamp]:
    """First days of the last `weeks` whole weeks inside the observed series, oldest first.

    Weeks start on `first_weekday` (0 = Monday … 6 = Sunday), the weekday the planning
    horizon starts on, so a Sunday–Thursday centre is scored on its own weeks. A week counts
    once the history reaches its last working day (a centre closed at weekends has its last
    week complete on Friday); weeks without `MIN_TRAINING_WEEKS` of training before them —
    `lead_weeks` earlier, see `held_out_weeks` — are left out.
    """
    if weeks <= 0 or not len(index):
        return []
    last_day = pd.Timestamp(index.max()).normalize()
    first = last_day - pd.Timedelta(days=(last_day.day_of_week - first_weekday) % 7)
    later = [last_day + pd.Timedelta(days=d) for d in range(1, 7 - (last_day - first).days)]
    if any(day.day_of_week in weekdays for day in later):
        first -= pd.Timedelta(weeks=1)
    earliest = pd.Timestamp(index.min()).normalize() + pd.Timedelta(
        weeks=MIN_TRAINING_WEEKS + lead_weeks
    )
    starts = [first - pd.Timedelta(weeks=k) for k in range(weeks)]
    return sorted(start for start in starts if start >= earliest)


def factory(name: str) -> Callable[[], Forecaster]:
    return _FACTORIES[name]


def held_out_weeks(
    y: pd.Series,
    starts: Sequence[pd.Timestamp],
    design_for: DesignFor,
    models: Sequence[str],
    selection_weeks: int,
    history_weeks: int | None = None,
    deadline: float | None = None,
    progress: Callable[[str], None] | None = None,
    lead_weeks: int = 0,
) -> list[HeldOutWeek]:
    """Forecast each week starting at `starts` with every model in `models`.

    Weeks are done latest first, so when `deadline` (time.monotonic) passes, the earliest
    weeks are the ones dropped. 'combination' in `models` is the mean of the best calendar
    regression so far and MSTL, computed from their forecasts without another fit.

    `lead_weeks` imitates a plan made that many weeks before its week (history ending in
    July, planning September): each week is forecast from the data before `lead_weeks` weeks
    ahead of it, so selection and intervals are judged at the lead the plan will really have.
    """
    base = [m for m in models if m in _FACTORIES]
    done: list[HeldOutWeek] = []
    for number, start in enumerate(reversed(starts), start=1):
        if done and deadline is not None and time.monotonic() > deadline:
            if progress:
                progress(f"time limit: backtest stopped after {len(done)} of {len(starts)} weeks")
            break
        if progress:
            progress(f"backtest week {number}/{len(starts)} ({start:%Y-%m-%d})")
        week = _forecast_week(y, start, design_for, base, history_weeks, lead_weeks)
        if week is not None:
            done.append(week)
    done.reverse()
    if COMBINATION in models:
        _add_combination(done, selection_weeks)
    return done


def _forecast_week(
    y: pd.Series,
    start: pd.Timestamp,
    design_for: DesignFor,
    models: Sequence[str],
    history_weeks: int | None,
    lead_weeks: int = 0,
) -> HeldOutWeek | None:
    train = last_weeks(y[y.index < start - pd.Timedelta(weeks=lead_weeks)], history_weeks)
    test = y[(y.index >= start) & (y.index < start + pd.Timedelta(weeks=1))]
    if train.empty or test.empty:
        return None
    X_train, X_test = design_for(pd.DatetimeIndex(train.index), pd.DatetimeIndex(test.index), start)
    week = HeldOutWeek(start=start, actual=test.to_numpy(dtype=float), scale=naive_scale(train))
    same_columns: dict[tuple[str, ...], str] = {}
    for name in models:
        model = _FACTORIES[name]()
        if isinstance(model, NegativeBinomialGLM):
            # a feature the training weeks never saw adds no column: the fit would repeat
            columns = tuple(model.usable(X_train))
            if columns in same_columns:
                week.means[name] = week.means[same_columns[columns]]
                week.bounds[name] = week.bounds[same_columns[columns]]
                continue
            same_columns[columns] = name
        predicted = model.fit(train, X_train).predict(X_test, SCORED_LEVEL)
        week.means[name] = predicted["mean"].to_numpy()
        week.bounds[name] = (predicted["lower"].to_numpy(), predicted["upper"].to_numpy())
    _fill_unknown(week)
    return week


def _fill_unknown(week: HeldOutWeek) -> None:
    """A baseline cannot forecast an interval it never saw: use the other models' mean there."""
    stacked = np.array(list(week.means.values()))
    known = ~np.isnan(stacked)
    counts = known.sum(axis=0)
    consensus = np.where(counts > 0, np.nansum(stacked, axis=0) / np.maximum(counts, 1), 0.0)
    for name, mean in week.means.items():
        unknown = np.isnan(mean)
        if unknown.any():
            week.means[name] = np.where(unknown, consensus, mean)
            lower, upper = week.bounds[name]
            week.bounds[name] = (
                np.where(unknown, consensus, lower),
                np.where(unknown, consensus, upper),
            )


def _add_combination(weeks: list[HeldOutWeek], selection_weeks: int) -> None:
    for number, week in enumerate(weeks):
        earlier = weeks[max(0, number - selection_weeks) : number]
        calendar = best_calendar_model(earlier, list(week.means))
        if calendar is None or "mstl" not in week.means:
            continue
        members = (calendar, "mstl")
        week.means[COMBINATION] = np.mean([week.means[m] for m in members], axis=0)
        lower = np.mean([week.bounds[m][0] for m in members], axis=0)
        upper = np.mean([week.bounds[m][1] for m in members], axis=0)
        week.bounds[COMBINATION] = (lower, upper)


def best_calendar_model(weeks: Sequence[HeldOutWeek], available: Sequence[str]) -> str | None:
    calendar = [m for m in CALENDAR_MODELS if m in available]
    if not calendar:
        return None
    scores = mean_wapes(weeks, calendar)
    scored = {m: s for m, s in scores.items() if np.isfinite(s)}
    if not scored:
        return calendar[0]
    return min(calendar, key=lambda m: scored.get(m, np.inf))


def mean_wapes(weeks: Sequence[HeldOutWeek], models: Sequence[str]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for model in models:
        values = [w.wape(model) for w in weeks if model in w.means]
        finite = [v for v in values if np.isfinite(v)]
        scores[model] = float(np.mean(finite)) if finite else float("nan")
    return scores


def select(weeks: Sequence[HeldOutWeek], allowed: Sequence[str], level: float) -> Selection:
    """The allowed model with the lowest mean WAPE over `weeks`, with its calibrated alpha.

    Ties go to the model listed first; without any scored week it is the calendar regression.
    """
    available = [m for m in allowed if all(m in w.means for w in weeks)] if weeks else []
    scores = mean_wapes(weeks, available)
    scored = [m for m in available if np.isfinite(scores[m])]
    fallback = DEFAULT_MODEL if DEFAULT_MODEL in allowed else allowed[0]
    model = min(scored, key=lambda m: scores[m]) if scored else fallback
    alpha = None
    if model in available and len(weeks) >= MIN_CALIBRATION_WEEKS:
        actual = np.concatenate([w.actual for w in weeks])
        mean = np.concatenate([w.means[model] for w in weeks])
        alpha = calibrated_alpha(actual, mean, level)
    calendar = best_calendar_model(weeks, list(weeks[0].means) if weeks else CALENDAR_MODELS)
    return Selection(model, alpha, scores, calendar or DEFAULT_MODEL)


def fold_table(
    weeks: Sequence[HeldOutWeek], reported: int, selection_weeks: int, allowed: Sequence[str]
) -> pd.DataFrame:
    """One row per model and reported week (the last `reported`), columns FOLD_COLUMNS less
    channel; `selected` marks the model chosen for that week from the weeks before it."""
    rows: list[dict[str, object]] = []
    first = max(0, len(weeks) - reported)
    for number in range(first, len(weeks)):
        week = weeks[number]
        earlier = weeks[max(0, number - selection_weeks) : number]
        chosen = select(earlier, allowed, SCORED_LEVEL).model
        for model, mean in week.means.items():
            fitted_before = [w for w in earlier if model in w.means]
            if len(fitted_before) >= MIN_CALIBRATION_WEEKS:
                alpha = calibrated_alpha(
                    np.concatenate([w.actual for w in fitted_before]),
                    np.concatenate([w.means[model] for w in fitted_before]),
                    SCORED_LEVEL,
                )
                inside = interval_hits(week.actual, mean, alpha, SCORED_LEVEL)
            else:
                lower, upper = week.bounds[model]
                inside = (week.actual >= lower) & (week.actual <= upper)
            total = float(week.actual.sum())
            rows.append(
                {
                    "model": model,
                    "fold_start": week.start.date(),
                    "wape": week.wape(model),
                    "mase": float(np.mean(np.abs(week.actual - mean))) / week.scale
                    if week.scale > 0
                    else float("nan"),
                    "bias": (float(mean.sum()) - total) / total if total > 0 else float("nan"),
                    "coverage80": float(np.mean(inside)),
                    "selected": model == chosen,
                }
            )
    return pd.DataFrame(rows, columns=list(FOLD_COLUMNS[1:]))


def summarise_backtest(folds: pd.DataFrame, chosen: dict[str, str] | None = None) -> pd.DataFrame:
    """The per-channel summary (SUMMARY_COLUMNS) of a fold table (FOLD_COLUMNS).

    `wape` and `interval_coverage` are those of the model selected week by week, i.e. of wfm's
    forecasting method; `model` is the one used for the planning week (`chosen`, else the one
    selected for the latest week).
    """
    rows = []
    for channel, part in folds.groupby("channel", sort=False):
        selected = part[part["selected"].astype(bool)]
        latest = selected.sort_values("fold_start")["model"]
        model = (chosen or {}).get(str(channel)) or (latest.iloc[-1] if len(latest) else None)
        naive = part[part["model"] == "seasonal_naive"]["wape"]
        rows.append(
            {
                "channel": channel,
                "model": model,
                "wape": float(selected["wape"].mean()) if len(selected) else float("nan"),
                "seasonal_naive_wape": float(naive.mean()) if len(naive) else float("nan"),
                "interval_coverage": float(selected["coverage80"].mean())
                if len(selected)
                else float("nan"),
                "weeks": int(part["fold_start"].nunique()),
            }
        )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def naive_scale(train: pd.Series) -> float:
    """Mean absolute in-sample error of seasonal naive, the denominator of MASE."""
    if train.empty:
        return float("nan")
    history = pd.Series(train.to_numpy(dtype=float), index=pd.DatetimeIndex(train.index))
    predicted = lookback_mean(history, pd.DatetimeIndex(train.index), 1)
    known = ~np.isnan(predicted)
    if not known.any():
        return float("nan")
    return float(np.mean(np.abs(train.to_numpy(dtype=float)[known] - predicted[known])))


def build_model(name: str, selection: Selection) -> Forecaster:
    """A fresh, unfitted instance of the selected model."""
    if name == COMBINATION:
        return Combination([_FACTORIES[selection.calendar_model](), MSTLForecaster()])
    return _FACTORIES[name]()


def backtest_table(folds: pd.DataFrame) -> pd.DataFrame:
    """Per channel and model: mean WAPE, MASE, bias and 80% coverage over the held-out weeks,
    and in how many of them the model was the one selected; best WAPE first per channel."""
    table = (
        folds.groupby(["channel", "model"], sort=False)
        .agg(
            wape=("wape", "mean"),
            mase=("mase", "mean"),
            bias=("bias", "mean"),
            coverage80=("coverage80", "mean"),
            weeks=("fold_start", "nunique"),
            selected=("selected", "sum"),
        )
        .reset_index()
    )
    channel_order = {c: i for i, c in enumerate(dict.fromkeys(folds["channel"]))}
    table = table.sort_values(
        ["channel", "wape"], key=lambda s: s.map(channel_order) if s.name == "channel" else s
    )
    return table.round({"wape": 4, "mase": 3, "bias": 4, "coverage80": 3})
