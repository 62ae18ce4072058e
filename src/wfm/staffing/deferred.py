"""Deferred channels (email, social posts): work from a backlog within a response-time goal.

Items are not answered while they wait in a queue of callers but taken from a backlog, so the
question is not "how many agents for a service level" but "how much capacity, when, so that
no item is answered later than its goal". The model is a fluid one (work in seconds flows in
and out at constant rates within an interval; Koole, *Call Center Optimization*, 2013, ch. 9
treats email the same way):

- Work arriving in an open interval arrives evenly across it; work arriving while the channel
  is closed joins the backlog at the next opening.
- The response clock runs in open time: an item is due once `response_seconds` of opening
  time have passed since it arrived, or since the next opening if it arrived while closed.
  Inside opening hours this is arrival + goal; an item that arrives at 20:55 with a 15-minute
  goal at a 21:00 close is due at 08:10 the next morning, not at 21:10 while nobody works.
  So closed time is simply cut out of the time line ("open time" below) and no agent is ever
  needed while the channel is closed.
- Agents work first-in first-out and never sit on available work; each delivers
  `max_occupancy` seconds of work per second.
- Staffing: each open interval gets the fewest agents whose constant rate, from the start of
  the interval, finishes the work already in hand (including what arrives during the interval)
  by each of its due times. Work due later is spread evenly over the time left rather than
  left to the last moment, so a burst is worked off smoothly instead of as a spike just before
  its deadline; because every due time inside the interval is among those checked, cumulative
  completed work never falls behind cumulative due work.

Random arrivals: the fluid model is exact when a goal spans many intervals (the randomness of
many items averages out) and optimistic when it is short: 24 posts an hour of 5 minutes each
with a 15-minute goal are 2 agents of work, which the fluid model clears with 2 agents at
100%, while in truth the queue of a fully loaded team grows without bound. `deferred_
requirements` therefore adds a queueing floor when the channel has a service target (the
share answered within the goal): Erlang C at T = the goal, for the work arriving over the
goal's window (open time, from the interval on), each agent working at `max_occupancy`;
`evaluate_deferred` reports the lower of the two service levels. Over a window of a day the
floor is about the day's mean work, at most one agent above what the fluid model asks.

`evaluate_backlog` replays any staffing through the same fluid queue and reports, per interval
of arrival: the share of items answered within the goal (1.0 when staffed by
`backlog_requirements`), and the mean delay from arrival to the answer in wall-clock seconds
(so overnight waits count), sampled at 20 evenly spaced items of each interval. In the fluid
model an item is answered the moment the cumulative completed work reaches it, so an interval
whose capacity keeps up with arrivals shows a delay of 0: randomness within the interval is
ignored. Items still waiting at the end of the horizon count as answered exactly at their goal
(the next plan serves them) when that falls after the horizon, and as late otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wfm.staffing.erlang import (
    FloatArray,
    IntArray,
    IntervalStaffing,
    agents_needed,
    evaluate_staffing,
)

BoolArray = npt.NDArray[np.bool_]

_SAMPLES_PER_INTERVAL = 20
# agents are whole: a rate of 3.0000000001 agents is 3 agents, not 4
_RATE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class _OpenTime:
    """The horizon with closed time cut out: open interval k spans [k·L, (k+1)·L) of open time.

    Work is in seconds. `queued[k]` arrived while closed before the k-th opening (index K: after
    the last one); `arriving[k]` arrives evenly during open interval k; `before[k]` is all work
    that arrived before open interval k started (so before[k] + queued[k] is in hand then).
    """

    interval_seconds: float
    is_open: BoolArray
    work: FloatArray
    rank: IntArray  # per interval: how many open intervals come before it
    open_positions: IntArray  # interval index of each open interval
    queued: FloatArray
    arriving: FloatArray
    before: FloatArray

    @classmethod
    def build(
        cls,
        contacts: npt.ArrayLike,
        aht_seconds: npt.ArrayLike,
        is_open: npt.ArrayLike,
        interval_seconds: float,
    ) -> _OpenTime:
        count = np.asarray(contacts, dtype=float)
        aht = np.broadcast_to(np.asarray(aht_seconds, dtype=float), count.shape)
        opened = np.broadcast_to(np.asarray(is_open, dtype=bool), count.shape)
        if count.ndim != 1:
            raise ValueError("deferred work must be one series of intervals")
        if np.any(~np.isfinite(count)) or np.any(count < 0):
            raise ValueError("contacts must be finite and >= 0")
        if np.any(~(aht > 0)) or np.any(~np.isfinite(aht)):
            raise ValueError("aht_seconds must be finite and > 0")
        if not interval_seconds > 0:
            raise ValueError("interval_seconds must be > 0")
        work = count * aht
        rank = np.cumsum(opened) - opened
        total_open = int(opened.sum())
        queued = np.bincount(rank[~opened], weights=work[~opened], minlength=total_open + 1)
        arriving = work[opened]
        before = np.concatenate(([0.0], np.cumsum(queued[:total_open] + arriving)))
        return cls(
            interval_seconds=float(interval_seconds),
            is_open=np.array(opened),
            work=work,
            rank=rank.astype(np.int64),
            open_positions=np.flatnonzero(opened).astype(np.int64),
            queued=queued.astype(float),
            arriving=arriving,
            before=before,
        )

    @property
    def open_intervals(self) -> int:
        return int(self.open_positions.size)

    def wall_seconds(self, open_time: FloatArray) -> FloatArray:
        """Wall-clock seconds from the horizon start of moments in open time.

        A moment on the boundary between two open intervals belongs to the earlier one (the
        end of its interval), since work finished then is finished before any closed gap.
        """
        length = self.interval_seconds
        k = np.clip(np.ceil(open_time / length) - 1, 0, self.open_intervals - 1).astype(np.int64)
        return np.asarray(self.open_positions[k] * length + (open_time - k * length))


def backlog_requirements(
    contacts: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    is_open: npt.ArrayLike,
    interval_seconds: float,
    response_seconds: float,
    max_occupancy: float = 1.0,
) -> IntervalStaffing:
    """Agents per interval for a backlog channel, and the service they give (see module doc).

    Inputs are consecutive intervals of `interval_seconds`; `contacts` arrive in each, each
    taking `aht_seconds` of work, and must be answered within `response_seconds` of open time.
    Closed intervals always get 0 agents.
    """
    if not response_seconds > 0 or not 0 < max_occupancy <= 1:
        raise ValueError("response_seconds must be > 0 and max_occupancy in (0, 1]")
    line = _OpenTime.build(contacts, aht_seconds, is_open, interval_seconds)
    length, goal = line.interval_seconds, float(response_seconds)
    in_hand_at_start = line.before + line.queued  # arrived by each opening, backlog included
    agents_open = np.zeros(line.open_intervals, dtype=np.int64)
    done = 0.0
    for k in range(line.open_intervals):
        in_hand = float(line.before[k + 1])  # everything that has arrived by the interval's end
        # Due work only steps at m·L + goal (items of open interval m fall due evenly after it),
        # so the binding due times of work in hand are those up to (k+1)·L + goal.
        first = max(0, math.floor(k - goal / length) + 1)
        due_at = np.arange(first, k + 2) * length + goal - k * length
        due_work = np.minimum(in_hand_at_start[first : k + 2], in_hand) - done
        usable = due_at > 0
        rate = float(np.max(due_work[usable] / due_at[usable], initial=0.0))
        agents = max(0, math.ceil(rate / max_occupancy - _RATE_TOLERANCE))
        agents_open[k] = agents
        done += min(agents * max_occupancy * length, in_hand - done)
    agents_all = np.zeros(line.work.shape, dtype=np.int64)
    agents_all[line.open_positions] = agents_open
    return _evaluate(line, agents_all, goal, max_occupancy)


def deferred_requirements(
    contacts: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    is_open: npt.ArrayLike,
    interval_seconds: float,
    response_seconds: float,
    max_occupancy: float = 1.0,
    target_sl: float | None = None,
) -> IntervalStaffing:
    """The backlog model's agents, raised to the queueing floor for `target_sl` (module doc)."""
    fluid = backlog_requirements(
        contacts, aht_seconds, is_open, interval_seconds, response_seconds, max_occupancy
    )
    if target_sl is None:
        return fluid
    opened = np.broadcast_to(np.asarray(is_open, dtype=bool), fluid.agents_needed.shape)
    traffic, handle = _window_load(
        contacts, aht_seconds, opened, interval_seconds, response_seconds, max_occupancy
    )
    floor = agents_needed(traffic, handle, response_seconds, target_sl)
    agents = np.where(opened, np.maximum(fluid.agents_needed, floor), 0)
    return evaluate_deferred(
        agents,
        contacts,
        aht_seconds,
        opened,
        interval_seconds,
        response_seconds,
        max_occupancy,
        target_sl,
    )


def evaluate_deferred(
    agents: npt.ArrayLike,
    contacts: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    is_open: npt.ArrayLike,
    interval_seconds: float,
    response_seconds: float,
    max_occupancy: float = 1.0,
    target_sl: float | None = None,
) -> IntervalStaffing:
    """Service of a staffing: the backlog model's, capped by the queueing view when there is
    a target. The queueing view averages agents and work over the goal's window."""
    fluid = evaluate_backlog(
        agents, contacts, aht_seconds, is_open, interval_seconds, response_seconds, max_occupancy
    )
    if target_sl is None:
        return fluid
    opened = np.broadcast_to(np.asarray(is_open, dtype=bool), fluid.agents_needed.shape)
    traffic, handle = _window_load(
        contacts, aht_seconds, opened, interval_seconds, response_seconds, max_occupancy
    )
    heads = _window_mean(
        fluid.agents_needed.astype(float), opened, interval_seconds, response_seconds
    )
    queue = evaluate_staffing(
        np.floor(heads + 1e-9).astype(np.int64), traffic, handle, response_seconds
    )
    checked = opened & (traffic > 0)
    return IntervalStaffing(
        fluid.agents_needed,
        np.where(checked, np.minimum(fluid.expected_service_level, queue.expected_service_level),
                 fluid.expected_service_level),
        np.where(checked, np.maximum(fluid.expected_asa_seconds, queue.expected_asa_seconds),
                 fluid.expected_asa_seconds),
        fluid.occupancy,
    )  # fmt: skip


def _window_load(
    contacts: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    opened: npt.NDArray[np.bool_],
    interval_seconds: float,
    response_seconds: float,
    max_occupancy: float,
) -> tuple[FloatArray, FloatArray]:
    """Traffic (Erlangs of stretched work) and mean stretched handle time over each open
    interval's goal window; closed intervals get none."""
    count = np.broadcast_to(np.asarray(contacts, dtype=float), opened.shape)
    aht = np.broadcast_to(np.asarray(aht_seconds, dtype=float), opened.shape)
    work = np.where(opened, count * aht, 0.0) / max_occupancy
    items = np.where(opened, count, 0.0)
    mean_work = _window_mean(work, opened, interval_seconds, response_seconds)
    mean_items = _window_mean(items, opened, interval_seconds, response_seconds)
    handle = np.divide(
        mean_work, mean_items, out=np.broadcast_to(aht / max_occupancy, opened.shape).copy(),
        where=mean_items > 0,
    )  # fmt: skip
    return mean_work / interval_seconds, handle


def _window_mean(
    values: FloatArray,
    opened: npt.NDArray[np.bool_],
    interval_seconds: float,
    response_seconds: float,
) -> FloatArray:
    """Mean of `values` over each open interval and the open intervals after it that the
    response goal spans (ceil(goal / interval) of them, fewer at the end); 0 when closed."""
    width = max(1, math.ceil(response_seconds / interval_seconds - 1e-9))
    positions = np.flatnonzero(opened)
    series = values[positions]
    sums = np.concatenate(([0.0], np.cumsum(series)))
    ends = np.minimum(np.arange(series.size) + width, series.size)
    result = np.zeros(values.shape)
    result[positions] = (sums[ends] - sums[: series.size]) / (ends - np.arange(series.size))
    return result


def evaluate_backlog(
    agents: npt.ArrayLike,
    contacts: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    is_open: npt.ArrayLike,
    interval_seconds: float,
    response_seconds: float,
    max_occupancy: float = 1.0,
) -> IntervalStaffing:
    """Service a given staffing gives a backlog channel (agents in closed intervals are idle)."""
    if not response_seconds > 0 or not 0 < max_occupancy <= 1:
        raise ValueError("response_seconds must be > 0 and max_occupancy in (0, 1]")
    line = _OpenTime.build(contacts, aht_seconds, is_open, interval_seconds)
    heads = np.broadcast_to(np.asarray(agents), line.work.shape)
    if np.any(heads < 0) or np.any(heads != np.round(heads)):
        raise ValueError("agents must be whole numbers >= 0")
    return _evaluate(line, heads.astype(np.int64), float(response_seconds), max_occupancy)


def _evaluate(
    line: _OpenTime, agents: IntArray, goal: float, max_occupancy: float
) -> IntervalStaffing:
    length = line.interval_seconds
    agents = np.where(line.is_open, agents, 0)
    rates = agents[line.open_positions].astype(np.float64) * max_occupancy
    times, completed, worked = _completion_curve(line, rates)

    busy = np.zeros(line.work.shape)
    busy[line.open_positions] = worked
    capacity = agents * length
    occupancy = np.divide(busy, capacity, out=np.zeros_like(busy), where=capacity > 0)

    service = np.ones(line.work.shape)
    delay = np.zeros(line.work.shape)
    has_work = np.flatnonzero(line.work > 0)
    if has_work.size:
        share = (np.arange(_SAMPLES_PER_INTERVAL) + 0.5) / _SAMPLES_PER_INTERVAL
        before = np.concatenate(([0.0], np.cumsum(line.work)))[has_work, None]
        position = before + share * line.work[has_work, None]  # FIFO place of each sampled item
        arrived_wall = (has_work[:, None] + share) * length
        start = line.rank[has_work, None] * length
        arrived_open = np.where(line.is_open[has_work, None], start + share * length, start)
        due = arrived_open + goal
        end = line.open_intervals * length
        reached = position <= completed[-1]
        finished = _first_time_reaching(times, completed, np.where(reached, position, 0.0))
        on_time = np.where(reached, finished <= due + 1e-6 * length, due > end)
        if line.open_intervals:
            answered_wall = line.wall_seconds(np.where(reached, finished, end))
        else:
            answered_wall = np.zeros(position.shape)
        waited = np.where(reached | (due <= end), answered_wall - arrived_wall, goal)
        waited[waited < 1e-6 * length] = 0.0  # rounding noise where capacity kept up
        service[has_work] = on_time.mean(axis=1)
        delay[has_work] = waited.mean(axis=1)
    return IntervalStaffing(agents.astype(np.int64), service, delay, occupancy)


def _completion_curve(
    line: _OpenTime, rates: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Cumulative completed work as knots (open time, work) of a piecewise-linear curve, and
    the work done in each open interval.

    Within open interval k with backlog b0 at its start, arrival rate a and capacity rate c,
    completed work after τ seconds is min(c·τ, b0 + a·τ): it bends where the backlog clears.
    """
    length = line.interval_seconds
    times, values = [0.0], [0.0]
    worked = np.zeros(line.open_intervals)
    done = 0.0
    for k in range(line.open_intervals):
        start = k * length
        backlog = float(line.before[k] + line.queued[k]) - done
        arrival_rate = float(line.arriving[k]) / length
        rate = float(rates[k])
        if rate > arrival_rate and backlog > 0:
            clears = backlog / (rate - arrival_rate)
            if clears < length:
                times.append(start + clears)
                values.append(done + rate * clears)
        worked[k] = min(rate * length, backlog + float(line.arriving[k]))
        done += worked[k]
        times.append(start + length)
        values.append(done)
    return np.array(times), np.array(values), worked


def _first_time_reaching(times: FloatArray, values: FloatArray, target: FloatArray) -> FloatArray:
    """Earliest time a non-decreasing piecewise-linear curve reaches each target (<= its end)."""
    after = np.clip(np.searchsorted(values, target, side="left"), 1, max(values.size - 1, 1))
    if values.size == 1:
        return np.full(target.shape, times[0])
    v0, v1 = values[after - 1], values[after]
    t0, t1 = times[after - 1], times[after]
    rise = v1 - v0
    fraction = np.divide(target - v0, rise, out=np.ones_like(target), where=rise > 0)
    result = t0 + np.clip(fraction, 0.0, 1.0) * (t1 - t0)
    return np.where(target <= values[0], times[0], result)
