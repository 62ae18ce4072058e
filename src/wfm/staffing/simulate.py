"""What service a roster really delivers: a discrete-event simulation over replications.

The Erlang formulas assume a steady state inside every interval; real days start empty, carry
queues across interval boundaries, lose agents to breaks and see handle times that are not
exponential. This module plays the roster's agents (assignments.csv) against random contacts
and reports, per interval of arrival and channel, the share answered within the target time,
the ASA and the abandonment, each as the mean over independent replications with a confidence
interval.

Model, per channel (channels do not share agents within an interval: the roster assigns each
agent one activity per interval):

- Arrivals are Poisson at the forecast rate, constant within an interval; or the actual
  arrivals of a history file (per-interval counts spread uniformly over their interval, which
  is what a Poisson process looks like given its count, or one row per contact).
- Handle times are exponential or lognormal (mean = the interval's AHT, given coefficient of
  variation); patience is exponential with the channel's mean `patience_seconds` (no patience:
  nobody hangs up).
- Agents on the channel in an interval are its heads less shrinkage, rounded down as
  `evaluate_coverage` does (or all heads). When the count drops at an interval boundary, agents
  finish the contact in hand first, and the first to be free are the ones who leave (the
  cautious reading: no contact starts while as many agents are busy as the roster provides).
  One FIFO queue per channel.
- Voice and chat: a contact still waiting when the channel closes (opening hours), or arriving
  while it is closed, is lost (counted as abandoned). Chat is the staffing model's slots queue:
  agents × concurrency slots, each chat holding a slot for the chat's duration (`aht_seconds`).
- Deferred (email, social): items never hang up and wait through closed hours; each agent
  works at `max_occupancy` (handle times stretched by 1 / max_occupancy), and the response
  clock runs in open time only, as in `wfm.staffing.deferred`. The service level is the share
  answered within `response_minutes`; items still waiting when the horizon ends count as on
  time when their due time lies beyond it (the next plan serves them), as late otherwise, and
  are left out of the ASA.

Statistics: over R replications the service level of an interval is the ratio estimator
Σ answered in time / Σ offered, with a t-interval from the replications' residuals (delta
method); the ASA is Σ waits / Σ answered, the abandonment Σ abandoned / Σ offered. An interval
without contacts counts as perfect service, as in the requirements. `meets_target` compares the
estimates with the channel's SL target (and ASA goal, when set).

The event loop takes contacts in order of arrival and keeps a heap of the times at which the
agents already committed (serving, or reserved by contacts queued ahead) become free. FIFO
makes this exact: a contact starts at the first moment after its arrival at which fewer agents
are committed than are on the channel, unless that is after it hangs up, and nobody behind it
can start earlier. Replications are independent seeded streams, so the result does not depend
on how many worker processes run them.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from wfm.calendar_days import closed_dates, open_mask
from wfm.config import ChannelKind, Config
from wfm.domain import BREAK_ACTIVITY, SIMULATION_COLUMNS, ServiceCheck
from wfm.errors import Problem, WfmInputError
from wfm.staffing.erlang import FloatArray, IntArray
from wfm.staffing.evaluate import productive_agents

BoolArray = npt.NDArray[np.bool_]
HandleTimeModel = Literal["exponential", "lognormal"]
QueueKind = Literal["realtime", "deferred"]



@dataclass(frozen=True)
class ChannelSimulation:
    """One channel as the simulator sees it, over the intervals of the horizon.

    Arrivals are either Poisson (`expected_contacts` per interval) or given: `arrival_seconds`
    (from the horizon start, sorted) with optional `handle_seconds` per contact. Handle times not
    given are drawn with mean `aht_seconds` of the contact's interval.
    """

    name: str
    kind: QueueKind
    servers: IntArray  # per interval: agents on the channel (chat: slots)
    is_open: BoolArray  # per interval
    aht_seconds: FloatArray  # per interval
    answer_seconds: float  # SL threshold; deferred: the response goal in seconds
    target_sl: float | None
    target_asa: float | None = None
    patience_seconds: float = math.inf
    expected_contacts: FloatArray | None = None
    arrival_seconds: FloatArray | None = None
    handle_seconds: FloatArray | None = None
    work_factor: float = 1.0  # deferred: handle times are stretched by 1 / max_occupancy
    fixed_counts: bool = False  # expected_contacts are actual counts: no Poisson draw

    def __post_init__(self) -> None:
        size = self.servers.size
        for name in ("is_open", "aht_seconds"):
            if getattr(self, name).shape != (size,):
                raise ValueError(f"{self.name}: {name} needs one value per interval")
        if (self.expected_contacts is None) == (self.arrival_seconds is None):
            raise ValueError(f"{self.name}: give expected_contacts or arrival_seconds, not both")
        if self.expected_contacts is not None and self.expected_contacts.shape != (size,):
            raise ValueError(f"{self.name}: expected_contacts needs one value per interval")
        if np.any(self.servers < 0) or not self.patience_seconds > 0:
            raise ValueError(f"{self.name}: servers must be >= 0 and patience > 0")


@dataclass(frozen=True)
class SimulationProblem:
    interval_starts: pd.DatetimeIndex
    interval_seconds: float
    channels: tuple[ChannelSimulation, ...]
    notes: tuple[str, ...] = ()  # what building it left out, for the planner


@dataclass(frozen=True)
class SimulationSettings:
    replications: int = 20
    seed: int = 1
    handle_time: HandleTimeModel = "exponential"
    handle_cv: float = 1.0  # lognormal: standard deviation / mean of handle times
    confidence: float = 0.95
    workers: int = 1

    def __post_init__(self) -> None:
        if self.replications < 1 or self.workers < 1:
            raise ValueError("replications and workers must be >= 1")
        if not 0 < self.confidence < 1 or not self.handle_cv > 0:
            raise ValueError("confidence must be in (0, 1) and handle_cv > 0")


@dataclass(frozen=True)
class SimulationResult:
    """Per interval and channel (SIMULATION_COLUMNS), per channel over the horizon, run facts."""

    frame: pd.DataFrame
    channels: pd.DataFrame  # channel, offered, service_level(+low/high), asa, abandon, missed
    settings: SimulationSettings
    contacts_simulated: int
    wall_seconds: float = 0.0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Tally:
    """One replication's counts per channel and interval of arrival, shape (channels, K)."""

    offered: FloatArray
    in_time: FloatArray
    answered: FloatArray
    abandoned: FloatArray
    wait_sum: FloatArray


def build_simulation(
    config: Config,
    assignments: pd.DataFrame,
    *,
    demand: pd.DataFrame | None = None,
    arrivals: pd.DataFrame | None = None,
    patience_seconds: float | None = None,
    use_shrinkage: bool = True,
    sources: dict[str, str] | None = None,
) -> SimulationProblem:
    """The simulation of a roster against `demand` (expected contacts, Poisson) or `arrivals`.

    `assignments` has ASSIGNMENT_COLUMNS. `demand` is a forecast or requirements frame
    (`interval_start, channel, contacts[, aht_seconds]`); `arrivals` is either per-interval
    counts in the same shape or one row per contact (`arrival, channel[, handle_seconds]`).
    `patience_seconds` overrides every real-time channel's; otherwise a channel's configured
    `patience_seconds` applies, and without one nobody hangs up. `sources` names the inputs in
    error messages (keys "assignments", "demand", "arrivals").
    """
    if (demand is None) == (arrivals is None):
        raise ValueError("give demand or arrivals")
    names = {"assignments": "assignments", "demand": "demand", "arrivals": "arrivals"}
    names.update(sources or {})
    length = config.planning.interval_minutes * 60.0
    step = pd.Timedelta(seconds=length)
    contacts_frame = demand if demand is not None else arrivals
    assert contacts_frame is not None
    label = names["demand" if demand is not None else "arrivals"]
    call_level = "contacts" not in contacts_frame.columns
    time_column = "arrival" if call_level else "interval_start"
    for frame, what, needed in (
        (assignments, names["assignments"], ("interval_start", "agent_id", "activity")),
        (contacts_frame, label, (time_column, "channel")),
    ):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise WfmInputError([Problem(what, f"missing column(s) {', '.join(missing)}", 1)])

    if call_level and "outcome" in contacts_frame.columns:
        # phantom records ("other": virtual calls to be ignored) are no contacts
        phantom = contacts_frame["outcome"].astype(str).str.lower().eq("other")
        contacts_frame = contacts_frame.loc[~phantom.to_numpy()]
    problems: list[Problem] = []
    channels = list(config.channels)
    activity = assignments["activity"].astype(str)
    unknown = ~activity.isin([*channels, BREAK_ACTIVITY])
    for row in np.flatnonzero(unknown.to_numpy())[:20]:
        problems.append(
            Problem(
                names["assignments"],
                f"unknown activity '{activity.iloc[row]}'; "
                f"allowed: {', '.join(channels)}, {BREAK_ACTIVITY}",
                int(row) + 2,
                field="activity",
            )
        )
    wanted = contacts_frame["channel"].astype(str)
    for row in np.flatnonzero(~wanted.isin(channels).to_numpy())[:20]:
        problems.append(
            Problem(
                label,
                f"unknown channel '{wanted.iloc[row]}'; configured: {', '.join(channels)}",
                _line(contacts_frame, int(row)),
                field="channel",
            )
        )
    if problems:
        raise WfmInputError(problems)

    # the horizon: every whole day with contacts; the roster is read inside it
    stamps = pd.DatetimeIndex(pd.to_datetime(contacts_frame[time_column]))
    slots = pd.DatetimeIndex(pd.to_datetime(assignments["interval_start"]))
    if not len(stamps):
        raise WfmInputError([Problem(label, "no contacts to simulate")])
    first = stamps.min().normalize()
    days = int((stamps.max().normalize() - first) / pd.Timedelta(days=1)) + 1
    starts = pd.date_range(first, periods=int(days * 86400 / length), freq=step)
    inside = np.asarray((slots >= first) & (slots < first + pd.Timedelta(days=days)))
    notes: list[str] = []
    if len(slots) and not inside.any():
        raise WfmInputError(
            [
                Problem(
                    names["assignments"],
                    f"the roster ({slots.min().date()} to {slots.max().date()}) has no interval "
                    f"on the days with contacts ({first.date()} to {stamps.max().date()})",
                )
            ]
        )
    if not inside.all():
        notes.append(f"{int((~inside).sum())} roster row(s) outside the days with contacts ignored")
    for frame_stamps, what in ((slots, names["assignments"]), (stamps, label)):
        if call_level and what == label:
            continue
        off_grid = np.flatnonzero(np.asarray((frame_stamps - first) % step != pd.Timedelta(0)))
        if off_grid.size:
            raise WfmInputError(
                [
                    Problem(
                        what,
                        f"{frame_stamps[off_grid[0]]} is not on the "
                        f"{config.planning.interval_minutes}-minute grid of the config",
                        int(off_grid[0]) + 2,
                        field="interval_start",
                    )
                ]
            )

    size = len(starts)
    closed = closed_dates(config, starts[0].date(), starts[-1].date())
    slot_of_row = _slot(slots[inside], first, length)
    activity = activity[inside]
    result: list[ChannelSimulation] = []
    for name, channel in config.channels.items():
        rows = np.flatnonzero((wanted == name).to_numpy())
        if not rows.size:
            continue
        part = contacts_frame.iloc[rows]
        working = (activity == name).to_numpy()
        on_channel = np.bincount(slot_of_row[working], minlength=size).astype(float)
        shrinkage = channel.shrinkage if use_shrinkage else 0.0
        agents = productive_agents(on_channel, shrinkage)
        deferred = channel.kind is ChannelKind.DEFERRED
        servers = agents * (channel.concurrency if channel.kind is ChannelKind.CHAT else 1)
        aht = np.full(size, channel.aht_seconds)
        expected: FloatArray | None = None
        moments: FloatArray | None = None
        handle: FloatArray | None = None
        if call_level:
            moments = np.asarray((stamps[rows] - first) / pd.Timedelta(seconds=1), dtype=float)
            order = np.argsort(moments, kind="stable")
            moments = moments[order]
            handle_column = next(
                (c for c in ("handle_seconds", "service_seconds") if c in part.columns), None
            )
            if handle_column is not None:
                # a call's own handle time where known; NaN (abandoned, not recorded) is drawn
                # from the handle-time model around the interval's mean of the known ones
                given = pd.to_numeric(part[handle_column], errors="coerce").to_numpy(float)
                given = np.where(np.isfinite(given) & (given > 0), given, np.nan)[order]
                handle = given
                slot = np.minimum((moments // length).astype(np.int64), size - 1)
                known = np.isfinite(given)
                total = np.bincount(slot[known], weights=given[known], minlength=size)
                count = np.bincount(slot[known], minlength=size)
                aht = np.where(count > 0, total / np.maximum(count, 1), channel.aht_seconds)
        else:
            k = _slot(stamps[rows], first, length)
            counts = part["contacts"].to_numpy(dtype=float)
            expected = np.bincount(k, weights=counts, minlength=size).astype(float)
            if "aht_seconds" in part.columns:
                given = part["aht_seconds"].to_numpy(dtype=float)
                usable = np.isfinite(given) & (given > 0)
                aht[k[usable]] = given[usable]
        result.append(
            ChannelSimulation(
                name=name,
                kind="deferred" if deferred else "realtime",
                servers=servers.astype(np.int64),
                is_open=open_mask(channel, starts, closed),
                aht_seconds=aht,
                answer_seconds=(
                    (channel.response_minutes or 0.0) * 60.0
                    if deferred
                    else channel.service.answer_seconds
                ),
                target_sl=channel.service.target,
                target_asa=None if deferred else channel.service.asa_seconds,
                patience_seconds=(
                    math.inf
                    if deferred
                    else (patience_seconds or channel.patience_seconds or math.inf)
                ),
                expected_contacts=expected,
                arrival_seconds=moments,
                handle_seconds=handle,
                work_factor=channel.max_occupancy if deferred else 1.0,
                fixed_counts=demand is None,
            )
        )
    if not result:
        raise WfmInputError([Problem(label, "no contacts for any configured channel")])
    return SimulationProblem(starts, length, tuple(result), tuple(notes))


def check_roster(
    config: Config, assignments: pd.DataFrame, requirements: pd.DataFrame
) -> ServiceCheck:
    """The service check of a plan: the roster against Poisson contacts at the forecast rate.

    Uses the config's `simulation` settings (replications, seed, handle-time model) and each
    channel's patience; the contacts and handle times per interval are the requirements'.
    """
    settings = config.simulation
    problem = build_simulation(config, assignments, demand=requirements)
    result = simulate(
        problem,
        SimulationSettings(
            replications=settings.replications,
            seed=settings.seed,
            handle_time=settings.handle_time,
            handle_cv=settings.handle_cv,
            confidence=settings.confidence,
        ),
    )
    return ServiceCheck(
        intervals=result.frame.loc[:, list(SIMULATION_COLUMNS)],
        channels=result.channels,
        replications=settings.replications,
        confidence=settings.confidence,
        handle_time=settings.handle_time,
        wall_seconds=result.wall_seconds,
    )


def _line(frame: pd.DataFrame, row: int) -> int:
    """The file line of a frame's row: its label + 2 when the frame was read with a range
    index (header on line 1), else its position + 2."""
    label = frame.index[row]
    return int(label) + 2 if isinstance(label, (int, np.integer)) else row + 2


def _slot(stamps: pd.DatetimeIndex, first: pd.Timestamp, length: float) -> IntArray:
    return np.asarray((stamps - first) // pd.Timedelta(seconds=length), dtype=np.int64)


def simulate(problem: SimulationProblem, settings: SimulationSettings) -> SimulationResult:
    """Run `settings.replications` independent replications and summarise them."""
    started = time.perf_counter()
    streams = np.random.SeedSequence(settings.seed).spawn(settings.replications)
    jobs = [(problem, settings, stream) for stream in streams]
    if settings.workers > 1 and settings.replications > 1:
        with ProcessPoolExecutor(max_workers=settings.workers) as pool:
            tallies = list(pool.map(_replicate_job, jobs))
    else:
        tallies = [_replicate_job(job) for job in jobs]
    frame, per_channel = _summarise(problem, settings, tallies)
    contacts = int(sum(t.offered.sum() for t in tallies))
    return SimulationResult(frame, per_channel, settings, contacts, time.perf_counter() - started)


def _replicate_job(
    job: tuple[SimulationProblem, SimulationSettings, np.random.SeedSequence],
) -> _Tally:
    problem, settings, stream = job
    return replicate(problem, settings, np.random.default_rng(stream))


def replicate(
    problem: SimulationProblem, settings: SimulationSettings, rng: np.random.Generator
) -> _Tally:
    """One replication of every channel."""
    k = len(problem.interval_starts)
    shape = (len(problem.channels), k)
    tally = _Tally(*(np.zeros(shape) for _ in range(5)))
    for row, channel in enumerate(problem.channels):
        _simulate_channel(problem, channel, settings, rng, tally, row)
    return tally


def _simulate_channel(
    problem: SimulationProblem,
    channel: ChannelSimulation,
    settings: SimulationSettings,
    rng: np.random.Generator,
    tally: _Tally,
    row: int,
) -> None:
    length = problem.interval_seconds
    size = channel.servers.size
    if channel.arrival_seconds is None:
        assert channel.expected_contacts is not None
        expected = channel.expected_contacts
        counts = (
            np.rint(expected).astype(np.int64) if channel.fixed_counts else rng.poisson(expected)
        )
        interval = np.repeat(np.arange(size), counts)
        arrivals = np.sort((interval + rng.random(interval.size)) * length)
        interval = np.minimum((arrivals // length).astype(np.int64), size - 1)
        given = None
    else:
        arrivals = channel.arrival_seconds
        interval = np.minimum((arrivals // length).astype(np.int64), size - 1)
        given = channel.handle_seconds
    mean_handle = channel.aht_seconds[interval]
    handles = _handle_times(mean_handle, settings, rng) if given is None else given
    if given is not None and np.isnan(given).any():
        missing = np.isnan(given)
        handles = np.where(missing, _handle_times(mean_handle, settings, rng), given)
    handles = handles / channel.work_factor
    deferred = channel.kind == "deferred"
    if deferred or math.isinf(channel.patience_seconds):
        deadlines = np.full(arrivals.size, math.inf)
    else:
        deadlines = arrivals + rng.exponential(channel.patience_seconds, arrivals.size)

    starts, left = _serve_fifo(
        arrivals.tolist(),
        handles.tolist(),
        deadlines.tolist(),
        channel.servers.tolist(),
        channel.is_open.tolist(),
        length,
        drop_when_closed=not deferred,
    )
    answered = ~np.isnan(starts)
    waited = np.where(answered, starts - arrivals, 0.0)
    if deferred:
        # the response clock runs in open time only
        opened = np.concatenate(([0.0], np.cumsum(channel.is_open * length)))

        def open_clock(moment: FloatArray) -> FloatArray:
            k = np.minimum((moment // length).astype(np.int64), size - 1)
            inside = np.where(channel.is_open[k], np.minimum(moment - k * length, length), 0.0)
            return np.asarray(opened[k] + inside)

        due = open_clock(arrivals) + channel.answer_seconds
        reached = open_clock(np.where(answered, starts, 0.0))
        on_time = np.where(answered, reached <= due + 1e-9, due > opened[-1])
        abandoned = np.zeros(arrivals.size, dtype=bool)
    else:
        on_time = answered & (waited <= channel.answer_seconds)
        abandoned = ~answered & ~np.isnan(left)
    tally.offered[row] += np.bincount(interval, minlength=size)
    tally.in_time[row] += np.bincount(interval, weights=on_time, minlength=size)
    tally.answered[row] += np.bincount(interval, weights=answered, minlength=size)
    tally.abandoned[row] += np.bincount(interval, weights=abandoned, minlength=size)
    tally.wait_sum[row] += np.bincount(interval, weights=waited, minlength=size)


def _handle_times(
    mean: FloatArray, settings: SimulationSettings, rng: np.random.Generator
) -> FloatArray:
    if settings.handle_time == "exponential":
        return rng.exponential(1.0, mean.size) * mean
    sigma2 = math.log1p(settings.handle_cv**2)
    return np.asarray(mean * rng.lognormal(-sigma2 / 2.0, math.sqrt(sigma2), mean.size))


def _serve_fifo(
    arrivals: Sequence[float],
    handles: Sequence[float],
    deadlines: Sequence[float],
    servers: Sequence[int],
    is_open: Sequence[bool],
    length: float,
    *,
    drop_when_closed: bool,
) -> tuple[FloatArray, FloatArray]:
    """Start time of each contact (NaN: never answered) and when the unanswered ones left
    (NaN for answered ones and for those still waiting at the horizon's end)."""
    count, last = len(arrivals), len(servers) - 1
    starts = [math.nan] * count
    left = [math.nan] * count
    committed: list[float] = []  # when each committed agent becomes free
    push, pop = heapq.heappush, heapq.heappop
    for i in range(count):
        now = arrivals[i]
        while committed and committed[0] <= now:
            pop(committed)
        k = min(int(now // length), last)
        if drop_when_closed and not is_open[k]:
            left[i] = now
            continue
        busy = len(committed)
        if busy < servers[k]:
            starts[i] = now
            push(committed, now + handles[i])
            continue
        # wait: walk through the coming completions and interval boundaries in time order
        deadline = deadlines[i]
        freed: list[float] = []
        start = math.nan
        leave = deadline
        while True:
            boundary = (k + 1) * length
            done = committed[0] if committed else math.inf
            if done <= boundary:
                if done > deadline:
                    break
                freed.append(pop(committed))
                busy -= 1
                if busy < servers[k]:
                    start = done
                    break
            else:
                if boundary > deadline:
                    break
                k += 1
                if k > last:
                    leave = math.nan  # still waiting when the horizon ends
                    break
                if drop_when_closed and not is_open[k]:
                    leave = boundary
                    break
                if busy < servers[k]:
                    start = boundary
                    break
        if start == start:  # not NaN: answered; agents freed before `start` matter to nobody
            starts[i] = start
            push(committed, start + handles[i])
        else:
            for moment in freed:
                push(committed, moment)
            left[i] = leave
    return np.array(starts), np.array(left)


def _summarise(
    problem: SimulationProblem, settings: SimulationSettings, tallies: list[_Tally]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    offered = np.stack([t.offered for t in tallies])  # (R, channels, K)
    in_time = np.stack([t.in_time for t in tallies])
    answered = np.stack([t.answered for t in tallies])
    abandoned = np.stack([t.abandoned for t in tallies])
    wait_sum = np.stack([t.wait_sum for t in tallies])

    sl, low, high = _ratio_interval(in_time, offered, settings.confidence)
    asa = _ratio(wait_sum.sum(axis=0), answered.sum(axis=0), empty=0.0)
    abandon = _ratio(abandoned.sum(axis=0), offered.sum(axis=0), empty=0.0)
    targets_sl = np.array(
        [np.nan if c.target_sl is None else c.target_sl for c in problem.channels]
    )
    targets_asa = np.array(
        [np.nan if c.target_asa is None else c.target_asa for c in problem.channels]
    )
    meets = _meets(sl, asa, targets_sl[:, None], targets_asa[:, None])

    channels = len(problem.channels)
    k = len(problem.interval_starts)
    frame = pd.DataFrame(
        {
            "interval_start": np.tile(problem.interval_starts.to_numpy(), channels),
            "channel": np.repeat([c.name for c in problem.channels], k),
            "offered": offered.mean(axis=0).ravel(),
            "service_level": sl.ravel(),
            "service_level_low": low.ravel(),
            "service_level_high": high.ravel(),
            "asa_seconds": asa.ravel(),
            "abandon_rate": abandon.ravel(),
            "meets_target": meets.ravel(),
        }
    )

    total = (offered.sum(axis=2), in_time.sum(axis=2))
    week_sl, week_low, week_high = _ratio_interval(total[1], total[0], settings.confidence)
    busy = offered.sum(axis=0) > 0
    per_channel = pd.DataFrame(
        {
            "channel": [c.name for c in problem.channels],
            "offered": total[0].mean(axis=0),
            "service_level": week_sl,
            "service_level_low": week_low,
            "service_level_high": week_high,
            "asa_seconds": _ratio(wait_sum.sum(axis=(0, 2)), answered.sum(axis=(0, 2)), empty=0.0),
            "abandon_rate": _ratio(abandoned.sum(axis=(0, 2)), offered.sum(axis=(0, 2)), empty=0.0),
            "target_sl": targets_sl,
            "intervals_with_contacts": busy.sum(axis=1),
            "intervals_missed": (~meets & busy).sum(axis=1),
        }
    )
    return frame, per_channel


def _ratio(numerator: FloatArray, denominator: FloatArray, *, empty: float) -> FloatArray:
    return np.divide(
        numerator,
        denominator,
        out=np.full(np.shape(numerator), empty),
        where=np.asarray(denominator) > 0,
    )


def _ratio_interval(
    hits: FloatArray, trials: FloatArray, confidence: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Ratio estimator Σhits / Σtrials over replications (axis 0) and its t-interval.

    Var(R̂) ≈ Σ_r (hits_r − R̂·trials_r)² / (R(R − 1)·mean(trials)²), the delta method for a
    ratio of means; no trials at all counts as perfect (1, 1, 1); one replication has no
    interval (NaN).
    """
    runs = hits.shape[0]
    ratio = _ratio(hits.sum(axis=0), trials.sum(axis=0), empty=1.0)
    if runs < 2:
        nan = np.full(ratio.shape, np.nan)
        return (
            ratio,
            np.where(trials.sum(axis=0) > 0, nan, 1.0),
            np.where(trials.sum(axis=0) > 0, nan, 1.0),
        )
    residual = hits - ratio[None] * trials
    mean_trials = trials.mean(axis=0)
    variance = _ratio((residual**2).sum(axis=0), runs * (runs - 1) * mean_trials**2, empty=0.0)
    half = float(stats.t.ppf(0.5 + confidence / 2.0, runs - 1)) * np.sqrt(variance)
    return ratio, np.clip(ratio - half, 0.0, 1.0), np.clip(ratio + half, 0.0, 1.0)


def _meets(
    sl: FloatArray, asa: FloatArray, target_sl: FloatArray, target_asa: FloatArray
) -> BoolArray:
    ok = np.isnan(target_sl) | (sl >= target_sl - 1e-12)
    ok &= np.isnan(target_asa) | (asa <= target_asa)
    return np.asarray(ok)
