"""Score forecasters on the last weeks of history, the same way for every model.

The hold-out imitates real use: fit on everything before a cut-off (trimmed to the same
`history_weeks` window the live forecast uses), forecast the held-out open intervals, and
compare with what happened. WAPE (sum |error| / sum actual) is the headline because it weighs
busy intervals — those that drive staffing — more than quiet ones, and stays defined when
single intervals have zero contacts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.forecast.features import last_weeks
from wfm.forecast.models import Forecaster

MIN_TRAINING_WEEKS = 4

# (training index, hold-out index) -> (X_train, X_holdout): the design is learned on training only
DesignFor = Callable[[pd.DatetimeIndex, pd.DatetimeIndex], tuple[pd.DataFrame, pd.DataFrame]]


@dataclass(frozen=True)
class BacktestScore:
    """How a model and the seasonal-naive baseline did on the held-out weeks."""

    model: str
    wape: float
    seasonal_naive_wape: float
    interval_coverage: float
    weeks: int
    intervals: int


def wape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Weighted absolute percentage error: sum |actual − predicted| / sum actual."""
    total = float(np.sum(actual))
    return float(np.sum(np.abs(actual - predicted))) / total if total > 0 else float("nan")


def holdout_start(index: pd.DatetimeIndex, weeks: int) -> pd.Timestamp | None:
    """Midnight starting the last `weeks` weeks, or None if too little would be left to fit."""
    if weeks <= 0 or not len(index):
        return None
    end = pd.Timestamp(index.max()).normalize() + pd.Timedelta(days=1)
    cutoff = end - pd.Timedelta(weeks=weeks)
    if cutoff - pd.Timestamp(index.min()).normalize() < pd.Timedelta(weeks=MIN_TRAINING_WEEKS):
        return None
    return cutoff


def backtest(
    y: pd.Series,
    design_for: DesignFor,
    model: Callable[[], Forecaster],
    baseline: Callable[[], Forecaster],
    weeks: int,
    level: float,
    history_weeks: int | None = None,
) -> BacktestScore | None:
    """Hold out the last `weeks` weeks of the observed open intervals `y` and score both models.

    The baseline's WAPE and the model's are computed on the same intervals (those the baseline
    can forecast); coverage is the share of actuals inside the model's `level` interval.
    Returns None when the history is too short to hold anything out.
    """
    cutoff = holdout_start(pd.DatetimeIndex(y.index), weeks)
    if cutoff is None:
        return None
    train = last_weeks(y[y.index < cutoff], history_weeks)
    test = y[y.index >= cutoff]
    if train.empty or test.empty:
        return None
    X_train, X_test = design_for(pd.DatetimeIndex(train.index), pd.DatetimeIndex(test.index))
    fitted = model().fit(train, X_train)
    predicted = fitted.predict(X_test, level)
    naive = baseline().fit(train, X_train).predict(X_test, level)
    actual = test.to_numpy(dtype=float)
    scored = ~np.isnan(naive["mean"].to_numpy())
    inside = (actual >= predicted["lower"].to_numpy()) & (actual <= predicted["upper"].to_numpy())
    return BacktestScore(
        model=fitted.name,
        wape=wape(actual[scored], predicted["mean"].to_numpy()[scored]),
        seasonal_naive_wape=wape(actual[scored], naive["mean"].to_numpy()[scored]),
        interval_coverage=float(np.mean(inside)),
        weeks=weeks,
        intervals=int(len(actual)),
    )
