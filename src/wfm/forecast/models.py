"""Forecasters behind one small protocol: `fit(y, X)` then `predict(X, level)`.

`y` holds the observed open intervals only (indexed by interval_start): a closed or missing
interval is absent, never a zero. `X` is the calendar design of those intervals (see
features.CalendarDesign); models that only need the time stamps read `X.index`.

- `SeasonalNaive` and `MeanOfWeeks` are the baselines a planner would use by hand.
- `MSTLForecaster` is the multi-seasonal smoother: MSTL (daily × weekly) and simple
  exponential smoothing of the seasonally adjusted series.
- `NegativeBinomialGLM` is the calendar regression. Contact-centre volume is a count observed
  only while the centre is open, with whole days missing; a log-link count regression on
  weekday × time-of-day dummies is fitted on exactly the observed intervals, captures daily and
  weekly seasonality jointly, and takes trend, holidays, promotions, month turns and catch-up
  days as ordinary regressors whose uplift is *estimated* as a multiplier. The negative
  binomial (NB2, variance mu + alpha·mu²) adds the day-to-day over-dispersion a Poisson misses.
- `Combination` averages other forecasters (Bates & Granger 1969: different model classes make
  different errors).

Every model's interval can be replaced by an NB interval around its mean whose dispersion is
calibrated on that model's own out-of-sample errors (`calibrated_alpha`, `nb_interval`): that
is how the backtest keeps the 80% interval honest.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import linalg, stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.seasonal import MSTL

from wfm.forecast.features import (
    OPTIONAL_FEATURES,
    cell_codes,
    feature_family,
    history_step_minutes,
    usual_weekdays,
)

PREDICTION_COLUMNS = ("mean", "lower", "upper")
POISSON_ALPHA = 1e-8  # below this the NB is a Poisson for every practical count
MAX_ALPHA = 4.0  # a CV of 2 is no forecast; beyond ~10 the NB piles up at 0 and covers less
MAX_LOOKBACK_WEEKS = 52
BASELINE_CALIBRATION_WEEKS = 8
MSTL_WEEKS = 16  # enough weekly cycles for stable seasonal components, recent enough to matter
MSTL_SEASONAL_WINDOW = 101  # in cycles: longer than the data, i.e. (nearly) fixed seasonality


class Forecaster(Protocol):
    """What the backtest and the forecast stage need from a model."""

    name: str

    def fit(self, y: pd.Series, X: pd.DataFrame) -> Forecaster:
        """Learn from counts `y` (indexed by interval_start) and their design rows `X`."""
        ...

    def predict(self, X: pd.DataFrame, level: float) -> pd.DataFrame:
        """Mean, lower and upper (central `level` interval) for each row of `X`."""
        ...

    def describe(self) -> str: ...


def quantile_bounds(level: float) -> tuple[float, float]:
    """The quantiles of a central prediction interval: 0.8 -> (0.1, 0.9)."""
    return (1 - level) / 2, (1 + level) / 2


class NegativeBinomialGLM:
    """The calendar regression: log-link NB2 with dispersion estimated by the method of moments.

    `features` names the optional feature families it uses ('month_turn', 'catch_up'); the
    other design columns are always used. statsmodels' GLM needs alpha fixed, so it is
    estimated in between: a Poisson fit (whose means are consistent whatever the dispersion),
    the Cameron–Trivedi moment estimate of alpha from its residuals, then the NB fit. Much
    faster than full maximum likelihood over ~100 dummies and just as good for the intervals.
    """

    def __init__(self, features: Sequence[str] = ()) -> None:
        unknown = set(features) - set(OPTIONAL_FEATURES)
        if unknown:
            raise ValueError(f"unknown feature families {sorted(unknown)}")
        self.features = tuple(f for f in OPTIONAL_FEATURES if f in features)
        self.name = "+".join(("calendar_glm", *self.features))
        self.params: np.ndarray = np.zeros(0)
        self.cov: np.ndarray = np.zeros((0, 0))
        self.alpha = POISSON_ALPHA
        self.kept: list[str] = []
        self.zero_columns: list[str] = []
        self.rows = 0

    def usable(self, X: pd.DataFrame) -> list[str]:
        left_out = set(OPTIONAL_FEATURES) - set(self.features)
        return [c for c in X.columns if feature_family(str(c)) not in left_out]

    def fit(self, y: pd.Series, X: pd.DataFrame) -> NegativeBinomialGLM:
        columns = self.usable(X)
        values = np.asarray(y, dtype=float)
        design = X[columns].to_numpy(dtype=float)
        # An indicator whose rows never saw a contact has an ML coefficient of -inf (IRLS would
        # crawl towards it): treat it as a structural zero — drop it and its rows, predict 0.
        indicator = np.all((design == 0) | (design == 1), axis=0)
        silent = indicator & (np.asarray((design > 0).T @ values) == 0)
        rows = ~np.any(design[:, silent] > 0, axis=1)
        values, design = values[rows], design[rows]
        used = ~silent & np.any(design != 0, axis=0)
        self.zero_columns = [c for c, s in zip(columns, silent, strict=True) if s]
        design = design[:, used]
        gram = design.T @ design
        independent = _independent(gram)
        used[used] = independent
        self.kept = [c for c, u in zip(columns, used, strict=True) if u]
        design, gram = design[:, independent], gram[np.ix_(independent, independent)]
        self.rows = len(values)
        if not self.rows or not values.any():
            self.kept = []  # no contacts ever: every prediction is a structural zero
            return self

        # least squares on log counts is a start close enough for Newton to need ~3 steps
        start = np.linalg.solve(gram, design.T @ np.log(values + 0.5))
        poisson = _glm(values, design, sm.families.Poisson(), start=start)
        self.alpha = _moment_alpha(values, poisson.mu, design.shape[1])
        family = sm.families.NegativeBinomial(alpha=self.alpha)
        result = _glm(values, design, family, start=poisson.params)
        self.params = np.asarray(result.params)
        self.cov = np.asarray(result.cov_params())
        return self

    def predict(self, X: pd.DataFrame, level: float) -> pd.DataFrame:
        if not self.kept:
            zeros = np.zeros(len(X))
            return _bounded(zeros, zeros, zeros, X.index)
        design = X[self.kept].to_numpy(dtype=float)
        eta = design @ self.params
        se = np.sqrt(np.maximum(np.sum((design @ self.cov) * design, axis=1), 0.0))
        # mean of exp(eta + N(0, se²)), and the NB whose first two moments match the
        # NB-lognormal mixture: alpha' = (1 + alpha)·exp(se²) − 1.
        mean = np.exp(eta + se**2 / 2)
        alpha = (1 + self.alpha) * np.exp(se**2) - 1
        lower, upper = nb_interval(mean, alpha, level)
        if self.zero_columns:
            silent = np.any(X[self.zero_columns].to_numpy() > 0, axis=1)
            mean, lower, upper = (np.where(silent, 0.0, a) for a in (mean, lower, upper))
        return _bounded(mean, lower, upper, X.index)

    def describe(self) -> str:
        return f"negative binomial GLM, log link (alpha={self.alpha:.3g}, {self.rows} intervals)"


class _Lookback:
    """Shared by the baselines: the same interval k weeks earlier, for k = 1, 2, …

    A week in which the interval was not observed (closed, missing) is looked through, never
    read as zero. Both baselines look only at earlier weeks, so their forecasts of the last
    training weeks are genuine out-of-sample forecasts: those errors size their interval.
    """

    name = "lookback"
    weeks = 1

    def __init__(self) -> None:
        self.history = pd.Series(dtype=float)
        self.alpha = POISSON_ALPHA

    def fit(self, y: pd.Series, X: pd.DataFrame) -> _Lookback:
        index = pd.DatetimeIndex(y.index)
        self.history = pd.Series(np.asarray(y, dtype=float), index=index)
        recent = index >= index.max() - pd.Timedelta(weeks=BASELINE_CALIBRATION_WEEKS)
        predicted = self._means(index[recent])
        known = ~np.isnan(predicted)
        actual = self.history.to_numpy()[recent][known]
        self.alpha = calibrated_alpha(actual, predicted[known], 0.8) if known.any() else 0.0
        return self

    def _means(self, index: pd.DatetimeIndex) -> np.ndarray:
        return lookback_mean(self.history, index, self.weeks)

    def predict(self, X: pd.DataFrame, level: float) -> pd.DataFrame:
        index = pd.DatetimeIndex(X.index)
        mean = self._means(index)
        lower, upper = nb_interval(np.nan_to_num(mean), np.full(len(mean), self.alpha), level)
        known = ~np.isnan(mean)
        frame = _bounded(np.nan_to_num(mean), lower, upper, index)
        frame.loc[~known, :] = np.nan  # never observed: unknown, not zero
        return frame

    def describe(self) -> str:
        return self.name


class SeasonalNaive(_Lookback):
    """The same interval one week earlier, or in the latest earlier week it was open."""

    name = "seasonal_naive"
    weeks = 1

    def describe(self) -> str:
        return "seasonal naive (same interval in the last week it was open)"


class MeanOfWeeks(_Lookback):
    """The mean of the same interval over the last 4 weeks in which it was open."""

    name = "mean_4_weeks"
    weeks = 4

    def describe(self) -> str:
        return "mean of the same interval over the last 4 weeks it was open"


class MSTLForecaster:
    """MSTL (daily and weekly seasonality) plus exponential smoothing of what is left.

    MSTL needs a regular series, so the last `MSTL_WEEKS` weeks are laid on a grid of the
    centre's working days × the time slots it opens; an interval missing from history (a
    closed day, an outage) is filled with its weekday-and-slot mean — imputed, never zero —
    and a slot the weekday never opens is 0. Seasonal components are forecast by their last
    cycle, the seasonally adjusted series by simple exponential smoothing (the level).
    """

    name = "mstl"

    def __init__(self, weeks: int = MSTL_WEEKS) -> None:
        self.weeks = weeks
        self.minutes = 60
        self.slots: np.ndarray = np.zeros(0, dtype=np.int64)
        self.weekdays: tuple[int, ...] = ()
        self.last_day = pd.Timestamp(0)
        self.seasonal: list[tuple[int, np.ndarray]] = []
        self.level = 0.0
        self.cell_means = pd.Series(dtype=float)
        self.alpha = POISSON_ALPHA
        self.periods: tuple[int, ...] = ()

    def fit(self, y: pd.Series, X: pd.DataFrame) -> MSTLForecaster:
        index = pd.DatetimeIndex(y.index)
        recent = index >= index.max().normalize() - pd.Timedelta(weeks=self.weeks)
        y = pd.Series(np.asarray(y, dtype=float)[recent], index=index[recent])
        index = pd.DatetimeIndex(y.index)
        self.minutes = history_step_minutes(pd.Series(index))
        self.weekdays = tuple(sorted(usual_weekdays(index.normalize().unique().date)))
        slot_of = np.asarray(index.hour * 60 + index.minute) // self.minutes
        self.slots = np.unique(slot_of[np.isin(index.day_of_week, self.weekdays)])
        self.cell_means = y.groupby(cell_codes(index, self.minutes)).mean()
        self.last_day = index.max().normalize()
        grid = self._grid(index.min().normalize(), self.last_day)
        values = self._filled(y.reindex(grid).to_numpy(), grid)
        daily, weekly = len(self.slots), len(self.slots) * len(self.weekdays)
        self.periods = tuple(p for p in dict.fromkeys((daily, weekly)) if p > 1)
        if len(values) < 2 * max(self.periods, default=1) + 1:
            self.periods = ()  # too short for a seasonal decomposition: the cell means stand
            return self
        # LOESS evaluated every few points and interpolated in between (Cleveland et al. 1990
        # suggest jumps of about a tenth of the window): 20× faster, the same decomposition
        jump = max(1, daily // 5)
        decomposition = MSTL(
            values,
            periods=self.periods,
            windows=[MSTL_SEASONAL_WINDOW] * len(self.periods),
            stl_kwargs={"seasonal_jump": 10, "trend_jump": jump, "low_pass_jump": jump},
        ).fit()
        components = np.asarray(decomposition.seasonal).reshape(len(values), -1)
        self.seasonal = [(period, components[-period:, i]) for i, period in enumerate(self.periods)]
        adjusted = values - components.sum(axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            smoother = ExponentialSmoothing(adjusted, initialization_method="estimated").fit()
        self.level = float(np.asarray(smoother.forecast(1))[0])
        fitted = np.asarray(smoother.fittedvalues) + components.sum(axis=1)
        observed = ~np.isnan(y.reindex(grid).to_numpy())
        self.alpha = calibrated_alpha(values[observed], np.maximum(fitted[observed], 0), 0.8)
        return self

    def _grid(self, first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
        days = pd.date_range(first, last, freq="D")
        days = days[np.isin(days.day_of_week, self.weekdays)]
        offsets = pd.to_timedelta(self.slots * self.minutes, unit="min")
        return pd.DatetimeIndex((days.values[:, None] + offsets.values[None, :]).ravel())

    def _filled(self, values: np.ndarray, grid: pd.DatetimeIndex) -> np.ndarray:
        missing = np.isnan(values)
        cells = pd.Series(cell_codes(grid[missing], self.minutes))
        values = values.copy()
        values[missing] = cells.map(self.cell_means).fillna(0.0).to_numpy()
        return values

    def predict(self, X: pd.DataFrame, level: float) -> pd.DataFrame:
        index = pd.DatetimeIndex(X.index)
        fallback = pd.Series(cell_codes(index, self.minutes)).map(self.cell_means)
        mean = fallback.fillna(0.0).to_numpy(dtype=float)
        if self.periods and len(index):
            future = self._grid(self.last_day + pd.Timedelta(days=1), index.max().normalize())
            steps = np.arange(len(future))
            path = np.full(len(future), self.level)
            for period, last_cycle in self.seasonal:
                path += last_cycle[steps % period]  # the last cycle ends where the grid did
            on_grid = pd.Series(path, index=future).reindex(index).to_numpy()
            mean = np.where(np.isnan(on_grid), mean, np.maximum(on_grid, 0.0))
        lower, upper = nb_interval(mean, np.full(len(mean), self.alpha), level)
        return _bounded(mean, lower, upper, index)

    def describe(self) -> str:
        periods = " and ".join(str(p) for p in self.periods) or "no"
        return (
            f"MSTL (periods {periods} intervals) + exponential smoothing of the adjusted "
            f"series, last {self.weeks} weeks"
        )


class Combination:
    """Equal-weight mean of other forecasters' means; its interval comes from calibration."""

    name = "combination"

    def __init__(self, members: Sequence[Forecaster]) -> None:
        self.members = list(members)

    def fit(self, y: pd.Series, X: pd.DataFrame) -> Combination:
        for member in self.members:
            member.fit(y, X)
        return self

    def predict(self, X: pd.DataFrame, level: float) -> pd.DataFrame:
        parts = [member.predict(X, level).to_numpy() for member in self.members]
        return pd.DataFrame(np.mean(parts, axis=0), index=X.index, columns=list(PREDICTION_COLUMNS))

    def describe(self) -> str:
        return "mean of " + " and ".join(member.name for member in self.members)


def lookback_mean(history: pd.Series, index: pd.DatetimeIndex, weeks: int) -> np.ndarray:
    """Mean of the same interval in the last `weeks` earlier weeks it was observed (NaN if none)."""
    total = np.zeros(len(index))
    found = np.zeros(len(index), dtype=int)
    for back in range(1, MAX_LOOKBACK_WEEKS + 1):
        todo = found < weeks
        if not todo.any():
            break
        earlier = history.reindex(index[todo] - pd.Timedelta(weeks=back)).to_numpy()
        seen = ~np.isnan(earlier)
        rows = np.flatnonzero(todo)[seen]
        total[rows] += earlier[seen]
        found[rows] += 1
    with np.errstate(invalid="ignore"):
        return np.where(found > 0, total / np.maximum(found, 1), np.nan)


def nb_interval(mean: np.ndarray, alpha: np.ndarray, level: float) -> tuple[np.ndarray, ...]:
    """The central `level` interval of NB2(mean, alpha) — a Poisson where alpha is ~0."""
    low_q, high_q = quantile_bounds(level)
    return _nb_quantiles(mean, alpha, low_q), _nb_quantiles(mean, alpha, high_q)


def interval_hits(actual: np.ndarray, mean: np.ndarray, alpha: float, level: float) -> np.ndarray:
    """Whether each actual lies inside the NB interval — by the CDF, no quantile search.

    For a discrete distribution, y >= ppf(q) exactly when cdf(y) >= q, and y <= ppf(q) exactly
    when cdf(y − 1) < q.
    """
    low_q, high_q = quantile_bounds(level)
    y = np.floor(np.asarray(actual, dtype=float) + 1e-9)
    mean = np.maximum(np.asarray(mean, dtype=float), 1e-12)
    # the distributions' own cdf, not a frozen law: freezing builds a docstring every call,
    # half the time of the calibration's bisection
    if alpha > POISSON_ALPHA * 10:
        n = 1.0 / alpha
        p = n / (n + mean)
        below, at = stats.nbinom.cdf(y - 1, n, p), stats.nbinom.cdf(y, n, p)
    else:
        below, at = stats.poisson.cdf(y - 1, mean), stats.poisson.cdf(y, mean)
    return (at >= low_q - 1e-12) & (below < high_q)


def calibrated_alpha(actual: np.ndarray, mean: np.ndarray, level: float) -> float:
    """The NB dispersion whose `level` intervals around `mean` cover that share of `actual`.

    Found by bisection on log alpha (coverage grows with alpha). With out-of-sample forecasts
    this is a split-conformal calibration of the interval width: honest by construction.
    """
    actual, mean = np.asarray(actual, dtype=float), np.asarray(mean, dtype=float)
    if not len(actual):
        return POISSON_ALPHA
    if interval_hits(actual, mean, POISSON_ALPHA, level).mean() >= level:
        return POISSON_ALPHA
    low, high = np.log(1e-6), np.log(MAX_ALPHA)
    if interval_hits(actual, mean, MAX_ALPHA, level).mean() < level:
        return MAX_ALPHA
    for _ in range(16):  # log alpha to within 17 / 2**16: far finer than coverage can tell
        middle = (low + high) / 2
        if interval_hits(actual, mean, float(np.exp(middle)), level).mean() >= level:
            high = middle
        else:
            low = middle
    return float(np.exp(high))


def shrunk_cell_means(
    values: np.ndarray, weights: np.ndarray, cells: np.ndarray
) -> tuple[pd.Series, float]:
    """Weighted per-cell means shrunk toward the overall mean by empirical Bayes.

    Used for handle time: each row is an interval's mean AHT over `weights` contacts. The
    per-contact variance s² comes from the spread of intervals within their cell, the real
    between-cell variance tau² from the spread of cell means beyond their sampling noise; a
    cell is then pulled toward the channel mean with a prior worth s²/tau² contacts. Thin
    cells (early mornings) do not swing on a few long calls, busy ones keep their own mean.
    """
    overall = float(np.sum(weights * values) / np.sum(weights))
    codes, position = np.unique(cells, return_inverse=True)
    total = np.bincount(position, weights=weights)
    means = np.bincount(position, weights=weights * values) / total
    dof = len(values) - len(codes)
    if dof <= 0:
        return pd.Series(means, index=codes), overall
    per_contact = np.sum(weights * (values - means[position]) ** 2) / dof
    between = np.sum(total * (means - overall) ** 2) / np.sum(total)
    tau2 = between - per_contact * len(codes) / np.sum(total)
    if tau2 <= 0:
        return pd.Series(overall, index=codes), overall
    prior = per_contact / tau2
    return pd.Series((total * means + prior * overall) / (total + prior), index=codes), overall


class _IndependentColumnsGLM(sm.GLM):
    """statsmodels' GLM told its rank: `fit` keeps only linearly independent columns, so the
    SVD that GLM runs to count them (a third of the fitting time) is skipped."""

    def initialize(self) -> None:
        self.df_model = self.exog.shape[1] - 1
        self.wnobs = self.exog.shape[0]
        self.df_resid = self.wnobs - self.df_model - 1


def _glm(y: np.ndarray, design: np.ndarray, family: sm.families.Family, start: np.ndarray) -> Any:
    """Fit a GLM by Newton's method, falling back to IRLS if it does not converge.

    Newton needs only X'WX (one BLAS product) per step, where statsmodels' IRLS factorises the
    full n × p matrix every iteration — ten times slower on a year of hourly data. `hasconst`:
    the cell dummies sum to one, an implicit intercept; saying so spares a rank computation.
    """
    model = _IndependentColumnsGLM(y, design, family=family, hasconst=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = model.fit(method="newton", start_params=start, disp=0, maxiter=50)
        if not result.mle_retvals.get("converged", False):
            result = model.fit(start_params=start)
    return result


def _independent(gram: np.ndarray) -> np.ndarray:
    """Columns that are not linear combinations of others, from a pivoted QR of X'X.

    Collinear columns (an event that always fell on a public holiday) would make the Hessian
    singular; dropping one of a collinear pair leaves the fitted means unchanged.
    """
    keep = np.zeros(len(gram), dtype=bool)
    if not len(gram):
        return keep
    _, r, pivot = linalg.qr(gram, pivoting=True, mode="economic")
    diagonal = np.abs(np.diag(r))
    keep[pivot[: int(np.sum(diagonal > diagonal[0] * 1e-10))]] = True
    return keep


def _moment_alpha(y: np.ndarray, mu: np.ndarray, n_params: int) -> float:
    """Cameron & Trivedi's estimate: regress ((y−mu)² − y)/mu on mu without intercept."""
    dof = max(len(y) - n_params, 1)
    alpha = float(np.sum((y - mu) ** 2 - y) / np.sum(mu**2)) * len(y) / dof
    return max(alpha, POISSON_ALPHA)


def _nb_quantiles(mean: np.ndarray, alpha: np.ndarray, q: float) -> np.ndarray:
    mean = np.asarray(mean, dtype=float)
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), mean.shape)
    n = 1.0 / np.maximum(alpha, POISSON_ALPHA)
    with np.errstate(invalid="ignore", divide="ignore"):
        nb = stats.nbinom.ppf(q, n, n / (n + mean))
        poisson = stats.poisson.ppf(q, mean)
    values = np.where(alpha > POISSON_ALPHA * 10, nb, poisson).astype(float)
    return np.where(mean > 0, values, 0.0)


def _bounded(
    mean: np.ndarray, lower: np.ndarray, upper: np.ndarray, index: pd.Index
) -> pd.DataFrame:
    """Clip to counts >= 0 with lower <= mean <= upper (discrete quantiles can cross the mean)."""
    mean = np.maximum(mean, 0.0)
    lower = np.minimum(np.maximum(lower, 0.0), mean)
    upper = np.maximum(upper, mean)
    return pd.DataFrame({"mean": mean, "lower": lower, "upper": upper}, index=index)


__all__ = [
    "Combination",
    "Forecaster",
    "MSTLForecaster",
    "MeanOfWeeks",
    "NegativeBinomialGLM",
    "SeasonalNaive",
    "calibrated_alpha",
    "interval_hits",
    "lookback_mean",
    "nb_interval",
    "shrunk_cell_means",
]
