"""Forecasters behind one small protocol: `fit(y, X)` then `predict(X, level)`.

Why a negative-binomial GLM on calendar cells (and not MSTL, ETS or SARIMA)?
Contact-centre volume is a count that is only observed while the centre is open, with whole
days missing and closed nights and weekends in between. MSTL/ETS/SARIMA want a regular,
gap-free series and would read closed hours or missing days as zeros (or need imputation).
A log-link count regression on weekday × time-of-day dummies is fitted on exactly the open,
observed intervals, captures daily and weekly seasonality jointly (Monday mornings may differ
from Friday mornings), and takes trend, yearly Fourier terms, public holidays and
per-day-offset promotion dummies as ordinary regressors, so their uplift is *estimated* as a
multiplier. The negative binomial (NB2, variance mu + alpha·mu²) adds the day-to-day
over-dispersion that a Poisson model misses, which matters for honest prediction intervals.
statsmodels' GLM fits it by IRLS in milliseconds for ~10,000 intervals × ~100 columns.

Intervals come from the fitted predictive distribution: the NB for the count, widened by the
standard error of the linear predictor (parameter uncertainty, a lognormal on the mean) by
moment matching, so the result is again an NB and quantiles are exact and deterministic.
"""

from __future__ import annotations

import warnings
from typing import Any, Protocol

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import linalg, stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning

PREDICTION_COLUMNS = ("mean", "lower", "upper")
POISSON_ALPHA = 1e-8  # below this the NB is a Poisson for every practical count
MAX_LOOKBACK_WEEKS = 52


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
    """Log-link NB2 regression with dispersion estimated by the method of moments.

    statsmodels' GLM needs alpha fixed, so it is estimated in between: a Poisson fit (whose
    means are consistent whatever the dispersion), the Cameron–Trivedi moment estimate of
    alpha from its residuals, then the NB fit. That is much faster than full maximum
    likelihood over ~100 dummies and just as good for the intervals.
    """

    name = "negbin-glm"

    def __init__(self) -> None:
        self.params: np.ndarray = np.zeros(0)
        self.cov: np.ndarray = np.zeros((0, 0))
        self.alpha = POISSON_ALPHA
        self.kept: list[str] = []
        self.zero_columns: list[str] = []
        self.rows = 0

    def fit(self, y: pd.Series, X: pd.DataFrame) -> NegativeBinomialGLM:
        values = np.asarray(y, dtype=float)
        design = X.to_numpy(dtype=float)
        # An indicator whose rows never saw a contact has an ML coefficient of -inf (IRLS would
        # crawl towards it): treat it as a structural zero — drop it and its rows, predict 0.
        indicator = np.all((design == 0) | (design == 1), axis=0)
        silent = indicator & (np.asarray((design > 0).T @ values) == 0)
        rows = ~np.any(design[:, silent] > 0, axis=1)
        values, design = values[rows], design[rows]
        used = ~silent & np.any(design != 0, axis=0)
        self.zero_columns = [c for c, s in zip(X.columns, silent, strict=True) if s]
        design = design[:, used]
        gram = design.T @ design
        independent = _independent(gram)
        used[used] = independent
        self.kept = [c for c, u in zip(X.columns, used, strict=True) if u]
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
        design = X[self.kept].to_numpy(dtype=float)
        eta = design @ self.params
        se = np.sqrt(np.maximum(np.sum((design @ self.cov) * design, axis=1), 0.0))
        # mean of exp(eta + N(0, se²)), and the NB whose first two moments match the
        # NB-lognormal mixture: alpha' = (1 + alpha)·exp(se²) − 1.
        mean = np.exp(eta + se**2 / 2)
        alpha = (1 + self.alpha) * np.exp(se**2) - 1
        low_q, high_q = quantile_bounds(level)
        lower, upper = _nb_quantiles(mean, alpha, low_q), _nb_quantiles(mean, alpha, high_q)
        if self.zero_columns:
            silent = np.any(X[self.zero_columns].to_numpy() > 0, axis=1)
            mean, lower, upper = (np.where(silent, 0.0, a) for a in (mean, lower, upper))
        return _bounded(mean, lower, upper, X.index)

    def describe(self) -> str:
        return f"negative binomial GLM, log link (alpha={self.alpha:.3g}, {self.rows} intervals)"


class SeasonalNaive:
    """The same interval one week earlier; if that was not observed, a week before that.

    A missing week is looked through, never read as zero. Intervals come from the empirical
    quantiles of in-sample week-on-week changes, widened by sqrt(weeks looked back).
    """

    name = "seasonal-naive"

    def __init__(self) -> None:
        self.history = pd.Series(dtype=float)
        self.changes = np.zeros(0)

    def fit(self, y: pd.Series, X: pd.DataFrame) -> SeasonalNaive:
        index = pd.DatetimeIndex(y.index)
        self.history = pd.Series(np.asarray(y, dtype=float), index=index)
        previous = self.history.reindex(index - pd.Timedelta(weeks=1))
        changes = self.history.to_numpy() - previous.to_numpy()
        self.changes = changes[~np.isnan(changes)]
        return self

    def predict(self, X: pd.DataFrame, level: float) -> pd.DataFrame:
        index = pd.DatetimeIndex(X.index)
        mean = np.full(len(index), np.nan)
        weeks_back = np.full(len(index), np.nan)
        for weeks in range(1, MAX_LOOKBACK_WEEKS + 1):
            todo = np.isnan(mean)
            if not todo.any():
                break
            found = self.history.reindex(index[todo] - pd.Timedelta(weeks=weeks)).to_numpy()
            fill = np.flatnonzero(todo)[~np.isnan(found)]
            mean[fill] = found[~np.isnan(found)]
            weeks_back[fill] = weeks
        low_q, high_q = quantile_bounds(level)
        if len(self.changes):
            low, high = np.quantile(self.changes, [low_q, high_q])
        else:
            low = high = 0.0
        spread = np.sqrt(weeks_back)
        return _bounded(mean, mean + low * spread, mean + high * spread, index)

    def describe(self) -> str:
        return "seasonal naive (same interval last observed week)"


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


def _glm(y: np.ndarray, design: np.ndarray, family: sm.families.Family, start: np.ndarray) -> Any:
    """Fit a GLM by Newton's method, falling back to IRLS if it does not converge.

    Newton needs only X'WX (one BLAS product) per step, where statsmodels' IRLS factorises the
    full n × p matrix every iteration — ten times slower on a year of hourly data. `hasconst`:
    the cell dummies sum to one, an implicit intercept; saying so spares a rank computation.
    """
    model = sm.GLM(y, design, family=family, hasconst=True)
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
    n = 1.0 / np.maximum(alpha, POISSON_ALPHA)
    nb = stats.nbinom.ppf(q, n, n / (n + mean))
    poisson = stats.poisson.ppf(q, mean)
    return np.where(alpha > POISSON_ALPHA * 10, nb, poisson).astype(float)


def _bounded(
    mean: np.ndarray, lower: np.ndarray, upper: np.ndarray, index: pd.Index
) -> pd.DataFrame:
    """Clip to counts >= 0 with lower <= mean <= upper (discrete quantiles can cross the mean)."""
    mean = np.maximum(mean, 0.0)
    lower = np.minimum(np.maximum(lower, 0.0), mean)
    upper = np.maximum(upper, mean)
    return pd.DataFrame({"mean": mean, "lower": lower, "upper": upper}, index=index)
