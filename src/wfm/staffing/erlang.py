"""Erlang B and Erlang C (M/M/N queues) vectorised over intervals, and their inverse.

Conventions are the textbook ones (Cooper, *Introduction to Queueing Theory*, 2nd ed., ch. 3;
Koole, *Call Center Optimization*, 2013, ch. 5), which are also what pyworkforce and the CRAN
`ErlangC` package print:

- offered load A = contacts × AHT / interval length (Erlangs);
- Erlang B by the recursion B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)), which needs no
  factorials or powers and so neither overflows nor underflows, from 0.1 to 10,000 Erlangs
  (every step maps (0, 1] into (0, 1]);
- Erlang C, the probability of waiting, Pw = N·B / (N − A·(1 − B)) for N > A; with N ≤ A the
  queue is unstable and every contact waits (Pw = 1);
- service level SL(t) = P(wait ≤ t) = 1 − Pw·exp(−(N − A)·t / AHT), 0 when N ≤ A;
- average speed of answer ASA = Pw·AHT / (N − A), infinite when N ≤ A;
- occupancy A / N.

Scalars and arrays broadcast together; results have the broadcast shape (0-d for scalars).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# A/N == max_occupancy exactly (21 Erlangs, 30 agents, 70%) must count as allowed although
# 21 / 0.7 evaluates to 30.000000000000004.
OCCUPANCY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class IntervalStaffing:
    """Productive agents per interval and the service they are expected to give.

    Every stage of staffing (voice, chat, deferred) returns this, one entry per interval.
    """

    agents_needed: IntArray
    expected_service_level: FloatArray
    expected_asa_seconds: FloatArray
    occupancy: FloatArray


def traffic_erlangs(
    contacts: npt.ArrayLike, aht_seconds: npt.ArrayLike, interval_seconds: float
) -> FloatArray:
    """Offered load A = contacts × AHT / interval length, in Erlangs."""
    return (
        np.asarray(contacts, dtype=float) * np.asarray(aht_seconds, dtype=float) / interval_seconds
    )


def erlang_b(agents: npt.ArrayLike, traffic: npt.ArrayLike) -> FloatArray:
    """Blocking probability of an M/M/N/N system (Erlang B) by the stable forward recursion."""
    n, a = np.broadcast_arrays(_as_agents(agents), _as_traffic(traffic))
    return _erlang_b_flat(n.ravel(), a.ravel()).reshape(n.shape)


def erlang_c(agents: npt.ArrayLike, traffic: npt.ArrayLike) -> FloatArray:
    """Probability that a contact waits (Erlang C); 1.0 where agents <= traffic."""
    n, a = np.broadcast_arrays(_as_agents(agents), _as_traffic(traffic))
    b = _erlang_b_flat(n.ravel(), a.ravel()).reshape(n.shape)
    stable = n > a
    pw = np.ones(n.shape)
    pw[stable] = _wait_probability(n[stable].astype(float), a[stable], b[stable])
    return pw


def service_level(
    agents: npt.ArrayLike,
    traffic: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_seconds: npt.ArrayLike,
) -> FloatArray:
    """Share of contacts answered within `answer_seconds`: 1 − Pw·exp(−(N−A)·t/AHT); 0 if N <= A."""
    n, a, aht, t = np.broadcast_arrays(
        _as_agents(agents),
        _as_traffic(traffic),
        _positive(aht_seconds),
        _non_negative(answer_seconds),
    )
    pw = erlang_c(n, a)
    stable = n > a
    sl = np.zeros(n.shape)
    sl[stable] = _service_level(
        pw[stable], n[stable].astype(float), a[stable], aht[stable], t[stable]
    )
    return sl


def asa_seconds(
    agents: npt.ArrayLike, traffic: npt.ArrayLike, aht_seconds: npt.ArrayLike
) -> FloatArray:
    """Average speed of answer Pw·AHT/(N−A) in seconds; infinite where N <= A."""
    n, a, aht = np.broadcast_arrays(
        _as_agents(agents), _as_traffic(traffic), _positive(aht_seconds)
    )
    pw = erlang_c(n, a)
    stable = n > a
    asa = np.full(n.shape, np.inf)
    asa[stable] = _asa(pw[stable], n[stable].astype(float), a[stable], aht[stable])
    return asa


def occupancy(agents: npt.ArrayLike, traffic: npt.ArrayLike) -> FloatArray:
    """Share of agents' time on contacts, A/N (0 without traffic, inf with traffic, no agents)."""
    n, a = np.broadcast_arrays(_as_agents(agents), _as_traffic(traffic))
    out = np.where(a > 0, np.inf, 0.0)
    staffed = n > 0
    out[staffed] = a[staffed] / n[staffed]
    return out


def agents_needed(
    traffic: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_seconds: npt.ArrayLike,
    target_sl: npt.ArrayLike | None = None,
    target_asa: npt.ArrayLike | None = None,
    max_occupancy: npt.ArrayLike = 1.0,
) -> IntArray:
    """Fewest agents N meeting every given target at once: SL(answer_seconds) >= target_sl,
    ASA <= target_asa, A/N <= max_occupancy, and always N > A (a stable queue).

    Zero traffic needs 0 agents. A NaN target in an array means "no target" for that entry;
    `answer_seconds=0` with `target_sl=1-p` asks for a probability of waiting of at most p.

    The search runs the Erlang-B recursion for every interval at once, n = 1, 2, …: the
    recursion has to start at n = 0, but the targets are only tested from the lower bound
    max(floor(A) + 1, ceil(A / max_occupancy)) on, and an interval leaves the working set as
    soon as it is satisfied (intervals are sorted by lower bound, so finished ones form a prefix
    that is sliced off). Work is O(N) per interval, a few vector operations per step.
    """
    arrays = np.broadcast_arrays(
        _as_traffic(traffic),
        _positive(aht_seconds),
        _non_negative(answer_seconds),
        _target(target_sl, "target_sl", upper=1.0),
        _target(target_asa, "target_asa", upper=math.inf),
        _target(max_occupancy, "max_occupancy", upper=1.0, inclusive_upper=True),
    )
    shape = arrays[0].shape
    a, aht, t, sl_goal, asa_goal, max_occ = (np.array(x, dtype=float).ravel() for x in arrays)
    max_occ = np.where(np.isnan(max_occ), 1.0, max_occ)

    result = np.zeros(a.shape, dtype=np.int64)
    lower = np.maximum(np.floor(a) + 1.0, np.ceil(a / max_occ - OCCUPANCY_TOLERANCE)).astype(
        np.int64
    )
    has_goal = ~(np.isnan(sl_goal) & np.isnan(asa_goal))
    only_bound = (a > 0) & ~has_goal
    result[only_bound] = lower[only_bound]

    todo = np.flatnonzero((a > 0) & has_goal)
    if todo.size:
        todo = todo[np.argsort(lower[todo], kind="stable")]
        result[todo] = _search(
            a[todo], lower[todo], aht[todo], t[todo], sl_goal[todo], asa_goal[todo]
        )
    return result.reshape(shape)


def staff_from_agents(agents: npt.ArrayLike, shrinkage: npt.ArrayLike) -> IntArray:
    """Heads to schedule so that `agents` remain productive: ceil(agents / (1 − shrinkage)).

    The quotient is rounded to 9 decimals before the ceiling: 21 / (1 − 0.3) is
    30.000000000000004 in floating point and must give 30 heads, not 31.
    """
    n = np.asarray(agents, dtype=float)
    s = np.asarray(shrinkage, dtype=float)
    if np.any(n < 0) or np.any((s < 0) | (s >= 1)):
        raise ValueError("agents must be >= 0 and shrinkage in [0, 1)")
    return np.ceil(np.round(n / (1.0 - s), 9)).astype(np.int64)


def voice_requirements(
    traffic: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_seconds: float,
    target_sl: float | None = None,
    target_asa: float | None = None,
    max_occupancy: float = 1.0,
) -> IntervalStaffing:
    """Agents per interval for a voice queue, with the SL, ASA and occupancy they give.

    Intervals without traffic need nobody and count as perfect service (SL 1, ASA 0).
    """
    a, aht = np.broadcast_arrays(_as_traffic(traffic), _positive(aht_seconds))
    n = agents_needed(a, aht, answer_seconds, target_sl, target_asa, max_occupancy)
    return evaluate_staffing(n, a, aht, answer_seconds)


def evaluate_staffing(
    agents: npt.ArrayLike,
    traffic: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_seconds: npt.ArrayLike,
) -> IntervalStaffing:
    """SL, ASA and occupancy that given agents achieve; intervals without traffic are perfect."""
    n, a = np.broadcast_arrays(_as_agents(agents), _as_traffic(traffic))
    idle = a <= 0
    sl = np.where(idle, 1.0, service_level(n, a, aht_seconds, answer_seconds))
    asa = np.where(idle, 0.0, asa_seconds(n, a, aht_seconds))
    occ = np.where(idle, 0.0, occupancy(n, a))
    return IntervalStaffing(n.astype(np.int64), sl, asa, occ)


# --- the search and the shared formulas -------------------------------------------------------
# agents_needed and the public functions evaluate the very same expressions in the same order,
# so "N meets the target and N − 1 does not" holds exactly when checked with the public ones.


def _wait_probability(n: FloatArray | float, a: FloatArray, b: FloatArray) -> FloatArray:
    return np.asarray(n * b / (n - a * (1.0 - b)))


def _service_level(
    pw: FloatArray, n: FloatArray | float, a: FloatArray, aht: FloatArray, t: FloatArray
) -> FloatArray:
    return np.asarray(1.0 - pw * np.exp(-(n - a) * t / aht))


def _asa(pw: FloatArray, n: FloatArray | float, a: FloatArray, aht: FloatArray) -> FloatArray:
    return np.asarray(pw * aht / (n - a))


def _erlang_b_flat(agents: IntArray, traffic: FloatArray) -> FloatArray:
    """B(agents_i, traffic_i) for 1-D arrays; the recursion stops for each entry at its own N."""
    b = np.ones(agents.shape)
    if not agents.size:
        return b
    order = np.argsort(-agents, kind="stable")
    a_sorted = traffic[order]
    b_sorted = b[order]
    top = int(agents.max())
    # entries still recursing at step n are those with agents >= n: a prefix of the sort
    still = np.searchsorted(-agents[order], -np.arange(1, top + 1), side="right")
    for n, k in zip(range(1, top + 1), still.tolist(), strict=True):
        ab = a_sorted[:k] * b_sorted[:k]
        b_sorted[:k] = ab / (n + ab)
    b[order] = b_sorted
    return b


def _search(
    a: FloatArray,
    lower: IntArray,
    aht: FloatArray,
    t: FloatArray,
    sl_goal: FloatArray,
    asa_goal: FloatArray,
) -> IntArray:
    """First n >= lower meeting the goals, for entries sorted by `lower` (all traffic > 0)."""
    size = a.size
    found = np.zeros(size, dtype=np.int64)
    done = np.zeros(size, dtype=bool)
    b = np.ones(size)
    pos = np.arange(size)
    check_sl, check_asa = bool(np.any(~np.isnan(sl_goal))), bool(np.any(~np.isnan(asa_goal)))
    n = finished = 0
    while size:
        n += 1
        ab = a * b
        b = ab / (n + ab)
        k = int(np.searchsorted(lower, n, side="right"))
        if k == 0:
            continue
        band = slice(0, k)
        pw = _wait_probability(n, a[band], b[band])
        ok = ~done[band]
        if check_sl:
            sl = _service_level(pw, n, a[band], aht[band], t[band])
            ok &= np.isnan(sl_goal[band]) | (sl >= sl_goal[band])
        if check_asa:
            asa = _asa(pw, n, a[band], aht[band])
            ok &= np.isnan(asa_goal[band]) | (asa <= asa_goal[band])
        if not ok.any():
            continue
        found[pos[band][ok]] = n
        done[band] |= ok
        finished += int(ok.sum())
        # Drop finished entries: they mostly lead (sorted by lower bound), and slicing a prefix
        # off is free; stragglers behind a slow entry are compacted once they are half the set.
        if 2 * finished >= size:
            keep: slice | npt.NDArray[np.bool_] = ~done
            finished = 0
        else:
            lead = int(np.argmin(done[band])) if not done[band].all() else k
            if lead == 0:
                continue
            keep = slice(lead, None)
            finished -= lead
        a, b, lower, aht, t = a[keep], b[keep], lower[keep], aht[keep], t[keep]
        sl_goal, asa_goal, pos, done = sl_goal[keep], asa_goal[keep], pos[keep], done[keep]
        size = a.size
    return found


# --- input checks -----------------------------------------------------------------------------


def _as_agents(agents: npt.ArrayLike) -> IntArray:
    values = np.asarray(agents)
    if values.dtype.kind == "f":
        if np.any(~np.isfinite(values)) or np.any(values != np.round(values)):
            raise ValueError("agents must be whole numbers")
    elif values.dtype.kind not in "iub":
        raise ValueError("agents must be whole numbers")
    result = values.astype(np.int64)
    if np.any(result < 0):
        raise ValueError("agents must be >= 0")
    return result


def _as_traffic(traffic: npt.ArrayLike) -> FloatArray:
    values = np.asarray(traffic, dtype=float)
    if np.any(~np.isfinite(values)) or np.any(values < 0):
        raise ValueError("traffic must be finite and >= 0 Erlangs")
    return values


def _positive(values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=float)
    if np.any(~(array > 0)) or np.any(~np.isfinite(array)):
        raise ValueError("handling times must be finite and > 0 seconds")
    return array


def _non_negative(values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=float)
    if np.any(~(array >= 0)) or np.any(~np.isfinite(array)):
        raise ValueError("answer_seconds must be finite and >= 0")
    return array


def _target(
    value: npt.ArrayLike | None, name: str, *, upper: float, inclusive_upper: bool = False
) -> FloatArray:
    """A goal as a float array, NaN meaning 'no goal'; SL goals must be < 1 to be reachable."""
    if value is None:
        return np.array(np.nan)
    array = np.asarray(value, dtype=float)
    given = array[~np.isnan(array)]
    too_high = given > upper if inclusive_upper else given >= upper
    if np.any(given <= 0) or np.any(too_high):
        bound = f"<= {upper}" if inclusive_upper else f"< {upper}"
        raise ValueError(f"{name} must be > 0 and {bound}")
    return array
