"""Erlang A (M/M/N+M): Erlang C's queue where callers hang up after an exponential patience.

Erlang C assumes nobody hangs up, so it overstaffs a line whose callers do: every caller who
gives up shortens the wait of those behind. Palm's M/M/N+M model ("Erlang A") adds a patience
time, exponential with mean `patience_seconds`, to each caller. With A = λ·AHT offered Erlangs,
N agents and the ratio r = patience / AHT, write a = N·r and x = A·r. The formulas are the
closed forms of Mandelbaum & Zeltyn (*Service engineering in action: the Palm/Erlang-A queue*,
2007) and Garnett, Mandelbaum & Reiman (*Designing a call center with impatient customers*,
M&SOM 2002), rearranged here into ratios that neither overflow nor underflow:

- S = Σ_j x^j / ((a+1)(a+2)…(a+j)) = e^x x^−a Γ(a+1) P(a, x), the weight of the waiting states
  relative to "all agents busy, nobody waiting" (P is the regularised lower incomplete gamma);
- K = 1/B(N, A) − 1 = Q(N, A)·e^A·N!/A^N, the weight of the states with a free agent
  (B is Erlang B, Q the regularised upper incomplete gamma);
- probability of waiting Pw = S / (S + K) = 1 / (1 + K/S);
- of those who wait, a share (a/x)(1 − 1/S) is answered, the rest hang up, so the abandonment
  rate is Pw·(1 − (a/x)(1 − 1/S));
- of those who wait, a share R(t) = (a/x)·[P(a+1, x) − P(a+1, x·e^(−t/patience))] / P(a, x)
  is answered within t seconds.

Definitions (the planner's, chosen so that infinite patience gives Erlang C exactly):

- service level SL(t): share of *offered* contacts answered within t seconds, 1 − Pw + Pw·R(t);
  a caller who hangs up counts as missed, even one who hangs up before t;
- ASA: mean wait of the *answered* contacts (those answered at once count 0 s);
- abandonment: share of offered contacts who hang up;
- mean wait of everyone, answered or not (Little's law on the queue): P(abandon)·patience;
- occupancy: answered load over agents, A·(1 − P(abandon)) / N.

The waits of answered callers have no closed-form mean (it needs the derivative of the
incomplete gamma in its first argument), so the ASA comes from a Gauss–Legendre quadrature of
the answered-wait density, which in s = wait / patience is ∝ exp(−(a+1)s − x·e^(−s)): smooth,
unimodal, cut where it has fallen by e^−45, exact to ~1e-14. The same quadrature stands in for
P(a, x) where that underflows (far more agents than traffic, with long patience), and K comes
from its own fast series Σ_i N(N−1)…(N−i+1)/A^i where Q(N, A) underflows (far fewer agents
than Erlangs). The prefactor e^x x^−a Γ(a+1) is evaluated through Stirling's series so that
its three large terms do not cancel (it would lose 5 digits at a = 10^5).

With no agents every caller hangs up; without traffic the service is perfect (SL 1, ASA 0).
Infinite patience is Erlang C (`wfm.staffing.erlang`), evaluated by that module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from wfm.staffing.erlang import (
    OCCUPANCY_TOLERANCE,
    FloatArray,
    IntArray,
    IntervalStaffing,
    _as_agents,
    _as_traffic,
    _non_negative,
    _positive,
    _target,
    agents_needed,
    asa_seconds,
    erlang_c,
    service_level,
)

# Regularised incomplete gammas below this are treated as underflowed: the quadrature or the
# series takes over. Far above the double-precision floor so that ratios of two stay exact.
_TINY = 1e-250
# the integrands are cut where they have fallen by e^-45 from their peak (< 1e-19)
_DROP = 45.0
# panel edges at the peak ± scale × these; Gauss–Legendre nodes per panel
_STEPS = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0])
_LEFT = 6  # left of the peak the integrand falls doubly exponentially: 6 panels reach 16 scales
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(12)
_UNIT_NODES, _UNIT_WEIGHTS = (_NODES + 1.0) / 2.0, _WEIGHTS / 2.0


@dataclass(frozen=True)
class ErlangAMetrics:
    """What N agents give an M/M/N+M queue; one entry per interval (0-d for scalars)."""

    wait_probability: FloatArray
    service_level: FloatArray
    asa_seconds: FloatArray
    abandon_rate: FloatArray
    mean_wait_seconds: FloatArray  # over every caller, answered or not
    occupancy: FloatArray


def erlang_a(
    agents: npt.ArrayLike,
    traffic: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    patience_seconds: npt.ArrayLike,
    answer_seconds: npt.ArrayLike = 0.0,
) -> ErlangAMetrics:
    """Probability of waiting, SL(answer_seconds), ASA, abandonment, mean wait and occupancy.

    Arguments broadcast together; `patience_seconds` may be `inf` (Erlang C, no abandonment).
    """
    n, a, aht, patience, t = np.broadcast_arrays(
        _as_agents(agents),
        _as_traffic(traffic),
        _positive(aht_seconds),
        _patience(patience_seconds),
        _non_negative(answer_seconds),
    )
    flat = (np.array(v).ravel() for v in (n, a, aht, patience, t))
    result = _evaluate(*flat, with_asa=True)
    return ErlangAMetrics(*(np.asarray(v).reshape(n.shape) for v in result))


def erlang_a_agents_needed(
    traffic: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_seconds: npt.ArrayLike,
    patience_seconds: npt.ArrayLike,
    target_sl: npt.ArrayLike | None = None,
    target_asa: npt.ArrayLike | None = None,
    max_occupancy: npt.ArrayLike = 1.0,
) -> IntArray:
    """Fewest agents meeting every given goal at once under Erlang A: SL(answer_seconds) >=
    target_sl, ASA <= target_asa and occupancy (answered load / agents) <= max_occupancy.

    Zero traffic needs 0 agents; NaN in a goal array means "no goal" for that entry; entries
    with infinite patience are Erlang C's `agents_needed`. Each goal improves with every agent
    added, so a vectorised bisection finds the fewest: it starts between a bound no smaller
    staffing can beat (SL <= N/A, since at most N·AHT seconds of calls are answered per second)
    and doubling steps up from Erlang C's answer, about log2(A) evaluations per interval.
    """
    a, aht, t, patience, sl_goal, asa_goal, max_occ = (
        np.array(v, dtype=float)
        for v in np.broadcast_arrays(
            _as_traffic(traffic),
            _positive(aht_seconds),
            _non_negative(answer_seconds),
            _patience(patience_seconds),
            _target(target_sl, "target_sl", upper=1.0),
            _target(target_asa, "target_asa", upper=math.inf),
            _target(max_occupancy, "max_occupancy", upper=1.0, inclusive_upper=True),
        )
    )
    shape = a.shape
    a, aht, t, patience, sl_goal, asa_goal, max_occ = (
        v.ravel() for v in (a, aht, t, patience, sl_goal, asa_goal, max_occ)
    )
    max_occ = np.where(np.isnan(max_occ), 1.0, max_occ)
    result = np.zeros(a.shape, dtype=np.int64)

    patient = np.isinf(patience) & (a > 0)
    if patient.any():
        result[patient] = agents_needed(
            a[patient],
            aht[patient],
            t[patient],
            sl_goal[patient],
            asa_goal[patient],
            max_occ[patient],
        )
    todo = np.flatnonzero(~np.isinf(patience) & (a > 0))
    if todo.size:
        result[todo] = _bisect(
            a[todo],
            aht[todo],
            t[todo],
            patience[todo],
            sl_goal[todo],
            asa_goal[todo],
            max_occ[todo],
        )
    return result.reshape(shape)


def erlang_a_requirements(
    traffic: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_seconds: float,
    patience_seconds: float,
    target_sl: float | None = None,
    target_asa: float | None = None,
    max_occupancy: float = 1.0,
) -> IntervalStaffing:
    """Agents per interval for a queue whose callers hang up, with the SL, ASA and occupancy
    they give (the Erlang A counterpart of `voice_requirements`)."""
    n = erlang_a_agents_needed(
        traffic, aht_seconds, answer_seconds, patience_seconds, target_sl, target_asa, max_occupancy
    )
    return evaluate_erlang_a(n, traffic, aht_seconds, answer_seconds, patience_seconds)


def evaluate_erlang_a(
    agents: npt.ArrayLike,
    traffic: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_seconds: npt.ArrayLike,
    patience_seconds: npt.ArrayLike,
) -> IntervalStaffing:
    """SL, ASA and occupancy that given agents achieve; intervals without traffic are perfect."""
    metrics = erlang_a(agents, traffic, aht_seconds, patience_seconds, answer_seconds)
    n = np.broadcast_to(np.asarray(agents), metrics.service_level.shape)
    return IntervalStaffing(
        n.astype(np.int64), metrics.service_level, metrics.asa_seconds, metrics.occupancy
    )


# --- evaluation -------------------------------------------------------------------------------


def _evaluate(
    n: IntArray,
    a: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    t: FloatArray,
    *,
    with_asa: bool,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """The six metrics for 1-D arrays; ASA is NaN unless `with_asa` (it costs a quadrature)."""
    t = _non_negative(t)
    size = n.size
    pw, sl, asa = np.ones(size), np.zeros(size), np.full(size, np.inf)
    abandon, wait_all = np.ones(size), np.zeros(size)
    occ = np.where(a > 0, np.inf, 0.0)

    idle = a <= 0
    pw[idle], sl[idle], asa[idle], abandon[idle] = 0.0, 1.0, 0.0, 0.0

    patient = ~idle & np.isinf(patience)
    if patient.any():
        nn, aa, hh, tt = n[patient], a[patient], aht[patient], t[patient]
        pw[patient] = erlang_c(nn, aa)
        sl[patient] = service_level(nn, aa, hh, tt)
        asa[patient] = asa_seconds(nn, aa, hh)
        abandon[patient] = 0.0
        wait_all[patient] = asa[patient]
        staffed = nn > 0
        occ[np.flatnonzero(patient)[staffed]] = aa[staffed] / nn[staffed]

    # no agents: every caller waits until hanging up
    empty = ~idle & ~patient & (n == 0)
    wait_all[empty] = patience[empty]

    live = np.flatnonzero(~idle & ~patient & (n > 0))
    if live.size:
        agents = n[live].astype(float)
        load, handle, pp = a[live], aht[live], patience[live]
        r = pp / handle
        big_a, x = agents * r, load * r
        log_k = _log_free_agent_weight(agents, load)
        p = special.gammainc(big_a, x)
        log_s = _log_waiting_weight(big_a, x, p)
        # K/S beyond e^700 only says nobody waits; clamped so that exp cannot overflow
        wait = 1.0 / (1.0 + np.exp(np.minimum(log_k - log_s, 700.0)))
        answered_of_waiting = big_a / x * -np.expm1(-log_s)
        pab = wait * (1.0 - answered_of_waiting)
        pw[live] = wait
        abandon[live] = pab
        sl[live] = 1.0 - wait + wait * _answered_within(big_a, x, t[live] / pp, p)
        wait_all[live] = pab * pp
        occ[live] = load * (1.0 - pab) / agents
        if with_asa:
            mean_s = _mean_answered_wait(big_a, x)
            asa[live] = wait * answered_of_waiting * mean_s * pp / (1.0 - pab)
    if not with_asa:
        asa[~idle & ~patient] = np.nan
    return pw, sl, asa, abandon, wait_all, occ


def _log_free_agent_weight(n: FloatArray, a: FloatArray) -> FloatArray:
    """log(1/B(n, a) − 1) = log Σ_{k<n} a^k/k! − log a^n/n!, for n >= 1 and a > 0."""
    q = special.gammaincc(n, a)
    out = np.log(np.maximum(q, _TINY)) + _log_gamma_over_power(n, a)
    low = q < _TINY
    if low.any():
        # far fewer agents than Erlangs: Σ_{i=1..n} n(n−1)…(n−i+1)/a^i converges fast
        out[low] = np.log(_falling_series(n[low], a[low]))
    return out


def _falling_series(n: FloatArray, a: FloatArray) -> FloatArray:
    term, total = np.ones(n.shape), np.zeros(n.shape)
    active = np.arange(n.size)
    i = 0
    while active.size:
        term[active] *= (n[active] - i) / a[active]
        total[active] += term[active]
        i += 1
        keep = (term[active] > 1e-17 * total[active]) & (n[active] > i)
        active = active[keep]
    return total


def _log_waiting_weight(
    big_a: FloatArray, x: FloatArray, p: FloatArray | None = None
) -> FloatArray:
    """log S(a, x) = log Σ_j x^j / ((a+1)…(a+j)) = x − a·log x + lnΓ(a+1) + log P(a, x).

    `p` is P(a, x) when the caller has it already.
    """
    p = special.gammainc(big_a, x) if p is None else p
    out = _log_gamma_over_power(big_a, x) + np.log(np.maximum(p, _TINY))
    low = p < _TINY
    if low.any():
        # S = a·∫_0^∞ exp(−a·s + x(1 − e^−s)) ds
        out[low] = np.log(big_a[low]) + _log_integral(big_a[low], x[low])[0]
    return out


def _log_gamma_over_power(a: FloatArray, x: FloatArray) -> FloatArray:
    """log(Γ(a+1)·e^x / x^a), without the cancellation of its three large terms.

    With u = (x − a)/a it is a·(u − log(1+u)) + ½·log(2πa) + c(a), c being Stirling's
    correction to lnΓ(a+1); the direct sum would lose ~log10(a·log x) digits for large a.
    """
    u = (x - a) / a
    small = np.abs(u) < 0.01
    excess = u - np.log1p(u)
    if small.any():
        v = u[small]  # u − log(1+u) = Σ_{k>=2} (−1)^k u^k / k
        series = np.zeros(v.shape)
        for k in range(12, 1, -1):
            series = series * v + (-1.0) ** k / k
        excess[small] = v * v * series
    large = a >= 10.0
    c = np.zeros(a.shape)
    big = a[large]
    inv2 = 1.0 / (big * big)
    # lnΓ(a+1) − ((a+½)·ln a − a + ½·ln 2π), Bernoulli terms up to a^−11 (next < 3e-15)
    c[large] = (
        1.0
        / big
        * (
            1.0 / 12.0
            - inv2
            * (
                1.0 / 360.0
                - inv2
                * (
                    1.0 / 1260.0
                    - inv2 * (1.0 / 1680.0 - inv2 * (1.0 / 1188.0 - inv2 * 691.0 / 360360.0))
                )
            )
        )
    )
    stirling = a * excess + 0.5 * np.log(2.0 * np.pi * a) + c
    direct = x - a * np.log(x) + special.gammaln(a + 1.0)
    return np.where(large, stirling, direct)


def _answered_within(big_a: FloatArray, x: FloatArray, s: FloatArray, p: FloatArray) -> FloatArray:
    """R: share of waiting callers answered within s patience-units of waiting; p = P(a, x)."""
    y = x * np.exp(-s)
    b = big_a + 1.0
    # the difference of the regularised gammas, from whichever side avoids cancellation
    diff = np.empty(b.shape)
    upper = y >= b
    bu, bl = b[upper], b[~upper]
    diff[upper] = special.gammaincc(bu, y[upper]) - special.gammaincc(bu, x[upper])
    diff[~upper] = special.gammainc(bl, x[~upper]) - special.gammainc(bl, y[~upper])
    share = big_a / x * diff / np.maximum(p, _TINY)
    low = p < _TINY
    if low.any():
        within = _log_integral(b[low], x[low], upper=s[low])[0]
        everything = _log_integral(big_a[low], x[low])[0]
        share[low] = np.exp(within - everything)
    return np.clip(share, 0.0, 1.0)


def _mean_answered_wait(big_a: FloatArray, x: FloatArray) -> FloatArray:
    """Mean wait, in patience units, of the callers who wait and are answered."""
    return _log_integral(big_a + 1.0, x, moment=True)[1]


def _log_integral(
    b: FloatArray, x: FloatArray, upper: FloatArray | None = None, *, moment: bool = False
) -> tuple[FloatArray, FloatArray]:
    """log ∫_0^U exp(φ(s)) ds with φ(s) = −b·s + x·(1 − e^−s), and the mean of s under it.

    φ is concave with its peak at s* = max(0, log(x/b)). The integral is taken where φ is
    within `_DROP` of the peak, a range found in closed form from g(d) = d − 1 + e^−d: around
    an inner peak φ(s* + d) = φ(s*) − b·g(d); at a peak on s = 0 (x <= b),
    φ(s) = −(b − x)·s − x·g(s). That range is cut into Gauss–Legendre panels that double in
    width away from the peak, starting at the peak's own scale: the integrand is a narrow
    bump near the peak and a slow exponential far out (rate b, which can be tiny).
    """
    inner = x > b
    peak = np.where(inner, np.log(np.where(inner, x / b, 1.0)), 0.0)
    top = np.where(inner, x - b - b * peak, 0.0)
    slope = b - x
    # right of an inner peak: b·g(d) >= DROP for d >= sqrt(3·DROP/b) when that is <= 1,
    # else for d >= 1 + DROP/b; left of it b·g(−d) >= b·d²/2
    right = np.sqrt(3.0 * _DROP / b)
    right = np.where(right <= 1.0, right, 1.0 + _DROP / b)
    left = np.sqrt(2.0 * _DROP / b)
    edge = np.sqrt(3.0 * _DROP / x)
    edge = np.where(edge <= 1.0, edge, 1.0 + _DROP / x)
    edge = np.minimum(edge, np.divide(_DROP, slope, out=np.full(b.shape, np.inf), where=slope > 0))
    lo = np.where(inner, np.maximum(peak - left, 0.0), 0.0)
    hi = np.where(inner, peak + right, edge)
    if upper is not None:
        hi = np.minimum(hi, upper)
    scale = np.where(inner, 1.0 / np.sqrt(b), 1.0 / (np.maximum(slope, 0.0) + np.sqrt(x)))
    steps = scale[:, None] * _STEPS[None, :]
    edges = np.concatenate(
        [peak[:, None] - steps[:, _LEFT - 1 :: -1], peak[:, None], peak[:, None] + steps],
        axis=1,
    )
    edges = np.concatenate([edges, hi[:, None]], axis=1)
    edges = np.clip(edges, lo[:, None], np.maximum(hi, lo)[:, None])
    log_value, mean = np.empty(b.size), np.full(b.size, np.nan)
    for part in _chunks(b.size):
        panels = np.diff(edges[part], axis=1)
        used = panels.any(axis=0)  # most entries need far fewer than all the right panels
        start, width = edges[part, :-1][:, used], panels[:, used]
        nodes = (start[:, :, None] + width[:, :, None] * _UNIT_NODES).reshape(start.shape[0], -1)
        weights = (width[:, :, None] * _UNIT_WEIGHTS).reshape(start.shape[0], -1)
        on_peak = inner[part, None]
        g = _g(np.where(on_peak, nodes - peak[part, None], nodes))
        phi = np.where(on_peak, -b[part, None] * g, -slope[part, None] * nodes - x[part, None] * g)
        mass = np.exp(phi) * weights
        total = mass.sum(axis=1)
        with np.errstate(divide="ignore"):
            log_value[part] = top[part] + np.log(total)
        if moment:
            mean[part] = (mass * nodes).sum(axis=1) / total
    return log_value, mean


def _chunks(size: int, rows: int = 4096) -> list[slice]:
    return [slice(i, min(i + rows, size)) for i in range(0, size, rows)]


def _g(d: FloatArray) -> FloatArray:
    """d − 1 + e^−d, accurate for small |d| too (its series there)."""
    out = d + np.expm1(-d)
    small = np.abs(d) < 0.1
    if small.any():
        # Σ_{k=2..14} (−d)^k / k! by Horner; the next term is below 1e-24 for |d| < 0.1
        e = -d[small]
        inner = np.zeros(e.shape)
        for k in range(14, 1, -1):
            inner = inner * e + 1.0 / math.factorial(k)
        out[small] = e * e * inner
    return out


# --- the search -------------------------------------------------------------------------------


def _bisect(
    a: FloatArray,
    aht: FloatArray,
    t: FloatArray,
    patience: FloatArray,
    sl_goal: FloatArray,
    asa_goal: FloatArray,
    max_occ: FloatArray,
) -> IntArray:
    """Fewest N meeting the goals, for entries with traffic > 0 and finite patience."""

    def meets(n: IntArray, rows: IntArray) -> npt.NDArray[np.bool_]:
        check_asa = bool(np.any(~np.isnan(asa_goal[rows])))
        pw, sl, asa, _, _, occ = _evaluate(
            n, a[rows], aht[rows], patience[rows], t[rows], with_asa=check_asa
        )
        ok = occ <= max_occ[rows] + OCCUPANCY_TOLERANCE
        ok &= np.isnan(sl_goal[rows]) | (sl >= sl_goal[rows])
        if check_asa:
            ok &= np.isnan(asa_goal[rows]) | (asa <= asa_goal[rows])
        return np.asarray(ok & (n > 0))

    # below `lo` nothing meets the SL goal: SL <= share answered <= N / A
    lo = np.where(np.isnan(sl_goal), 0.0, np.ceil(np.nan_to_num(sl_goal) * a - 1e-9) - 1.0)
    lo = np.maximum(lo, 0.0).astype(np.int64)
    # Erlang C's answer for the SL goal and the occupancy cap is a close first upper end; where
    # it falls short (callers hang up before the SL threshold), step up in doubling strides
    hi = np.maximum(agents_needed(a, aht, t, sl_goal, None, max_occ), lo + 1)
    ok = meets(hi, np.arange(a.size))
    stride = np.maximum(hi // 8, 1)
    while not ok.all():
        short = np.flatnonzero(~ok)
        lo[short] = hi[short]
        hi[short] += stride[short]
        stride[short] *= 2
        ok[short] = meets(hi[short], short)
    # bisect: lo never meets the goals (or is 0), hi always does
    open_ = np.flatnonzero(hi - lo > 1)
    while open_.size:
        mid = (lo[open_] + hi[open_]) // 2
        good = meets(mid, open_)
        hi[open_[good]] = mid[good]
        lo[open_[~good]] = mid[~good]
        open_ = open_[hi[open_] - lo[open_] > 1]
    return hi


# --- input checks (the Erlang C module's, plus patience) ---------------------------------------


def _patience(values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=float)
    if np.any(~(array > 0)):
        raise ValueError("patience_seconds must be > 0 (inf: nobody hangs up)")
    return array
