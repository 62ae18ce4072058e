"""The rostering problem in solver-neutral form: who may work which shift when, and the demand.

Building this is separate from the CP-SAT model so that hard rules that only *remove* choices
(shift templates, allowed days, contract shifts, unavailability, opening hours) are applied once
here, and the model only carries the rules that couple choices.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from wfm.calendar_days import closed_dates, open_mask
from wfm.config import Config
from wfm.domain import Agent, AgentPreferences, Horizon, LockedShift, ShiftCover, Wish
from wfm.errors import Problem, WfmInputError
from wfm.roster.service_cost import service_shortage_steps
from wfm.timeutil import format_clock, parse_clock, parse_weekday, parse_window


@dataclass(frozen=True)
class BreakChoice:
    """Where one break of a shift may go: its rule index, length and allowed start offsets."""

    rule: int
    name: str
    length: int  # in intervals
    offsets: tuple[int, ...]  # from the shift start, in intervals


@dataclass(frozen=True)
class ShiftOption:
    """A concrete shift: template started at a clock time on one day of the horizon."""

    day: int
    template: str
    family: str | None
    start_minute: int  # after midnight of `day`
    length_minutes: int
    paid_minutes: int
    first_interval: int  # index into the horizon's intervals
    n_intervals: int
    breaks: tuple[BreakChoice, ...]

    @property
    def end_minute(self) -> int:
        return self.start_minute + self.length_minutes

    @property
    def label(self) -> str:
        return f"{format_clock(self.start_minute)}-{format_clock(self.end_minute % 1440)}"

    def break_length(self, rule: int) -> int:
        """Intervals taken by this shift's break of that rule."""
        return next(choice.length for choice in self.breaks if choice.rule == rule)


@dataclass(frozen=True)
class WishTerm:
    """A wish resolved to one day of the horizon: which options grant or violate it."""

    agent: int
    wish_index: int
    wish: Wish
    day: int
    penalty: int  # objective units when violated
    violating_options: tuple[int, ...]  # option indices (into the agent's options) that break it
    violated_when_off: bool  # a wanted shift is also missed by a day off

    @property
    def can_be_denied(self) -> bool:
        """Whether some roster breaks it (else no rule counts it: it is granted whatever)."""
        return self.violated_when_off or bool(self.violating_options)

    def violated_by(self, option: int | None) -> bool:
        """Whether working `option` that day (None: a day off) breaks this wish."""
        if option is None:
            return self.violated_when_off
        return option in self.violating_options


@dataclass(frozen=True)
class HeldRoster:
    """The part of a roster kept out of the model: agents who keep the shifts they have.

    A neighbourhood search re-solves a few agents at a time; the others are held, and reach the
    model only through what they add to the rules that couple agents — heads on duty per
    interval and skill group, heads per day and shift, and their side of the fairness rules.
    """

    agents: int  # how many agents are held
    heads: np.ndarray  # [interval, group]: held agents on duty (on shift, not on break)
    shift_heads: Mapping[tuple[int, str], int]  # (day, template) -> held agents on that shift
    wish_shares: tuple[int, ...]  # per held agent with wishes: granted share, whole percent
    undesirable: Mapping[str, tuple[int, ...]]  # contract -> held agents' undesirable shifts
    # Where no modelled shift can be on duty, the held channel split stands as it is:
    split: Mapping[tuple[int, int, int], int] = field(default_factory=dict)
    # (agent, option) pairs of the model pinned to their held shift: they count for the agent's
    # own rules, but their heads are already in `heads`
    frozen: frozenset[tuple[int, int]] = frozenset()
    # The days the modelled agents may change, when not all: on every other day each of them is
    # pinned to its held shift or day off, and a rule over such days only holds already
    # (`RosterVars.pinned_span`).
    window: frozenset[int] | None = None


@dataclass(frozen=True)
class RosterProblem:
    horizon: Horizon
    config: Config
    agents: tuple[Agent, ...]
    channels: tuple[str, ...]
    options: tuple[ShiftOption, ...]  # every distinct concrete shift
    agent_options: tuple[tuple[int, ...], ...]  # per agent: indices into `options`
    groups: tuple[tuple[str, ...], ...]  # distinct skill sets, channel order
    agent_group: tuple[int, ...]
    required: np.ndarray  # [interval, channel] heads required
    open_channel: np.ndarray  # [interval, channel] bool
    under_weight: np.ndarray  # [interval, channel] objective units per missing head
    over_weight: int  # objective units per surplus head-interval
    wishes: tuple[WishTerm, ...]
    unmet_wishes: tuple[tuple[int, int, Wish, str], ...] = field(default_factory=tuple)
    # (agent, wish_index, wish, reason) for wish days no roster could grant
    locks: tuple[tuple[int, int, tuple[int, ...]], ...] = field(default_factory=tuple)
    # (agent, day, options allowed) — an empty tuple locks a day off
    shift_cover: tuple[tuple[int, str, int, int, int], ...] = field(default_factory=tuple)
    # (day, template, required, under weight, over weight) in objective units
    shortage_steps: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=dict)
    # per (interval, channel): convex (cost per head, heads) steps of missing heads; where
    # absent, coverage.py uses its headcount tiers
    held: HeldRoster | None = None  # agents outside the model who keep their shifts
    # per agent: (least, most) paid minutes over the horizon in place of the contract's totals
    # (the first days of a longer horizon, with their share of them: `wfm.roster.rolling`)
    total_minutes: tuple[tuple[int, int], ...] | None = None

    @property
    def n_intervals(self) -> int:
        return self.required.shape[0]

    @cached_property
    def options_by_day(self) -> tuple[dict[int, tuple[int, ...]], ...]:
        """Per agent: its options on each day it has any, in `agent_options` order."""
        return tuple(_options_by_day(self.options, mine) for mine in self.agent_options)

    @property
    def max_heads(self) -> int:
        """The most heads that can be on duty at once: modelled agents plus held ones."""
        return len(self.agents) + (self.held.agents if self.held else 0)


def _options_by_day(
    options: Sequence[ShiftOption], mine: Sequence[int]
) -> dict[int, tuple[int, ...]]:
    """An agent's options (`mine`, indices into `options`) grouped by day, in their order."""
    by_day: dict[int, list[int]] = defaultdict(list)
    for o in mine:
        by_day[options[o].day].append(o)
    return {day: tuple(on_day) for day, on_day in by_day.items()}


OBJECTIVE_UNIT = 10  # CP-SAT needs integer coefficients: weights are kept to one decimal


def _objective_scale(config: Config) -> float:
    # Coverage weights are per agent-hour; a finer grid makes each interval count for less.
    return OBJECTIVE_UNIT * config.planning.interval_minutes / 60.0


def peak_weights(config: Config, horizon: Horizon) -> np.ndarray:
    """Per interval: the largest daily-peak weight times the largest dated-peak weight."""
    stamps = horizon.intervals()
    minutes = np.asarray(stamps.hour * 60 + stamps.minute)
    weekdays = np.asarray(stamps.day_of_week)
    dates = np.asarray([ts.date() for ts in stamps])
    daily = np.ones(len(stamps))
    for peak in config.peaks.daily:
        days = {parse_weekday(day) for day in peak.days}
        start, end = parse_window(f"{peak.start}-{peak.end}")
        hit = np.isin(weekdays, list(days)) & (minutes >= start) & (minutes < end)
        daily = np.where(hit, np.maximum(daily, peak.weight), daily)
    dated = np.ones(len(stamps))
    for dated_peak in config.peaks.dated:
        hit = (dates >= dated_peak.start_date) & (dates <= dated_peak.end_date)
        dated = np.where(hit, np.maximum(dated, dated_peak.weight), dated)
    return daily * dated


def build_roster_problem(
    config: Config,
    agents: Sequence[Agent],
    preferences: Mapping[str, AgentPreferences],
    requirements: pd.DataFrame,
    horizon: Horizon,
    locks: Sequence[LockedShift] = (),
    shift_cover: Sequence[ShiftCover] = (),
) -> RosterProblem:
    """Enumerate every shift each agent may work and the demand per interval and channel."""
    channels = tuple(config.channels)
    stamps = horizon.intervals()
    n_stamps = len(stamps)
    step = horizon.interval_minutes
    per_day = horizon.intervals_per_day

    required = np.zeros((len(stamps), len(channels)), dtype=int)
    index = {ts: i for i, ts in enumerate(stamps)}
    for c, channel in enumerate(channels):
        rows = requirements[requirements.channel == channel]
        for ts, need in zip(rows.interval_start, rows.staff_needed, strict=True):
            i = index.get(pd.Timestamp(ts))
            if i is not None:
                required[i, c] = int(need)
    closed = closed_dates(config, horizon.start, horizon.end)
    open_channel = np.column_stack(
        [open_mask(config.channels[ch], stamps, closed) for ch in channels]
    )

    options: list[ShiftOption] = []
    for day, date in enumerate(horizon.dates):
        for template in config.shifts:
            if date.weekday() not in template.weekdays():
                continue
            for start in template.start_minutes():
                first = day * per_day + start // step
                breaks = tuple(
                    BreakChoice(
                        rule=r,
                        name=rule.name,
                        length=rule.length_minutes // step,
                        offsets=tuple(
                            range(
                                rule.earliest_start_after_minutes // step,
                                rule.latest_start_after_minutes // step + 1,
                            )
                        ),
                    )
                    for r, rule in enumerate(template.breaks)
                )
                options.append(
                    ShiftOption(
                        day=day,
                        template=template.name,
                        family=template.family,
                        start_minute=start,
                        length_minutes=template.length_minutes,
                        paid_minutes=template.paid_minutes,
                        first_interval=first,
                        n_intervals=template.length_minutes // step,
                        breaks=breaks,
                    )
                )

    groups: list[tuple[str, ...]] = []
    agent_group: list[int] = []
    agent_options: list[tuple[int, ...]] = []
    for agent in agents:
        skills = tuple(ch for ch in channels if ch in agent.skills)
        if skills not in groups:
            groups.append(skills)
        agent_group.append(groups.index(skills))
        skill_cols = [channels.index(ch) for ch in skills]
        serves: np.ndarray = np.asarray(open_channel[:, skill_cols].any(axis=1))
        blocked = _blocked_intervals(preferences.get(agent.id), horizon)
        allowed_templates = config.contracts[agent.contract].shifts
        mine = []
        for o, option in enumerate(options):
            if allowed_templates is not None and option.template not in allowed_templates:
                continue
            span = range(option.first_interval, option.first_interval + option.n_intervals)
            inside = [i for i in span if i < n_stamps]
            if not all(serves[i] for i in inside) or any(i in blocked for i in span):
                continue
            mine.append(o)
        agent_options.append(tuple(mine))

    scale = _objective_scale(config)
    under_weight = np.rint(
        config.objective.under_coverage * scale * peak_weights(config, horizon)
    ).astype(int)[:, None] * np.ones((1, len(channels)), dtype=int)
    over_weight = int(round(config.objective.over_coverage * scale))
    steps = {}
    if config.objective.coverage_cost == "service" and {"contacts", "aht_seconds"} <= set(
        requirements.columns
    ):
        steps = service_shortage_steps(config, requirements, index, channels, under_weight)

    wishes, unmet = _resolve_wishes(config, agents, preferences, horizon, options, agent_options)
    resolved_locks = _resolve_locks(locks, agents, horizon, options, agent_options)
    return RosterProblem(
        horizon=horizon,
        config=config,
        agents=tuple(agents),
        channels=channels,
        options=tuple(options),
        agent_options=tuple(agent_options),
        groups=tuple(groups),
        agent_group=tuple(agent_group),
        required=required,
        open_channel=open_channel,
        under_weight=under_weight,
        over_weight=over_weight,
        wishes=tuple(wishes),
        unmet_wishes=tuple(unmet),
        locks=resolved_locks,
        shortage_steps=steps,
        shift_cover=tuple(
            (
                (cover.date - horizon.start).days,
                cover.shift,
                cover.required,
                int(round(cover.under_weight * OBJECTIVE_UNIT)),
                int(round(cover.over_weight * OBJECTIVE_UNIT)),
            )
            for cover in shift_cover
            if horizon.start <= cover.date < horizon.end
        ),
    )


def _resolve_locks(
    locks: Sequence[LockedShift],
    agents: Sequence[Agent],
    horizon: Horizon,
    options: Sequence[ShiftOption],
    agent_options: Sequence[tuple[int, ...]],
) -> tuple[tuple[int, int, tuple[int, ...]], ...]:
    """Map each pin to the agent's shift options it allows; a pin no rule allows is an error."""
    index = {agent.id: a for a, agent in enumerate(agents)}
    resolved: list[tuple[int, int, tuple[int, ...]]] = []
    problems = []
    for lock in locks:
        where = f"lock {lock.agent_id} {lock.date}"
        if lock.agent_id not in index:
            problems.append(Problem("locks", f"{where}: unknown agent '{lock.agent_id}'"))
            continue
        if not horizon.start <= lock.date < horizon.end:
            continue  # pins outside the planned days do not bind this roster
        a, day = index[lock.agent_id], (lock.date - horizon.start).days
        if lock.shift is None:
            resolved.append((a, day, ()))
            continue
        start = parse_clock(lock.start) if lock.start else None
        allowed = tuple(
            o
            for o in agent_options[a]
            if options[o].day == day
            and options[o].template == lock.shift
            and (start is None or options[o].start_minute == start)
        )
        if not allowed:
            problems.append(
                Problem(
                    "locks",
                    f"{where}: shift {lock.shift} {lock.start or ''} is not possible for this "
                    "agent that day (template days, contract, opening hours or unavailability)",
                )
            )
            continue
        resolved.append((a, day, allowed))
    if problems:
        raise WfmInputError(problems)
    return tuple(resolved)


def _blocked_intervals(prefs: AgentPreferences | None, horizon: Horizon) -> set[int]:
    """Horizon intervals an agent declared unavailable (hard)."""
    if prefs is None:
        return set()
    step = horizon.interval_minutes
    per_day = horizon.intervals_per_day
    blocked: set[int] = set()
    for item in prefs.unavailable:
        start, end = parse_window(item.time) if item.time else (0, 1440)
        for date in horizon.resolve_days(item.days):
            day = (date - horizon.start).days
            first = day * per_day + start // step
            last = day * per_day + -(-end // step)  # an interval touched at all is blocked
            blocked.update(range(first, last))
    return blocked


def _resolve_wishes(
    config: Config,
    agents: Sequence[Agent],
    preferences: Mapping[str, AgentPreferences],
    horizon: Horizon,
    options: Sequence[ShiftOption],
    agent_options: Sequence[tuple[int, ...]],
) -> tuple[list[WishTerm], list[tuple[int, int, Wish, str]]]:
    terms: list[WishTerm] = []
    unmet: list[tuple[int, int, Wish, str]] = []
    for a, agent in enumerate(agents):
        prefs = preferences.get(agent.id)
        if prefs is None:
            continue
        by_day = _options_by_day(options, agent_options[a])
        for w, wish in enumerate(prefs.wishes):
            days = horizon.resolve_days(wish.days)
            if not days:
                unmet.append((a, w, wish, "no day of this planning week matches"))
                continue
            penalty = int(round(config.objective.wish_point * OBJECTIVE_UNIT * wish.priority))
            for date in days:
                day = (date - horizon.start).days
                mine = by_day.get(day, ())
                violating, when_off = _violations(wish, mine, options)
                if wish.shift and not any(options[o].template == wish.shift for o in mine):
                    unmet.append(
                        (
                            a,
                            w,
                            wish,
                            f"shift {wish.shift} cannot be worked on {date} under the rules",
                        )
                    )
                    continue
                terms.append(WishTerm(a, w, wish, day, penalty, tuple(violating), when_off))
    return terms, unmet


def _violations(
    wish: Wish, mine: Sequence[int], options: Sequence[ShiftOption]
) -> tuple[list[int], bool]:
    if wish.day_off:
        return list(mine), False
    if wish.shift:
        return [o for o in mine if options[o].template != wish.shift], True
    if wish.avoid_shift:
        return [o for o in mine if options[o].template == wish.avoid_shift], False
    assert wish.start_window is not None
    start, end = parse_window(wish.start_window)
    return [o for o in mine if not start <= options[o].start_minute <= end], False


def check_feasible_inputs(problem: RosterProblem) -> None:
    """Fail early, naming the agent, when a contract cannot be met from the shifts left."""
    problems = []
    for a, agent in enumerate(problem.agents):
        contract = problem.config.contracts[agent.contract]
        weeks = problem.horizon.days / 7
        need = contract.min_hours_per_week * 60 * weeks
        days: dict[int, int] = {}
        for o in problem.agent_options[a]:
            option = problem.options[o]
            days[option.day] = max(days.get(option.day, 0), option.paid_minutes)
        max_days = int(np.ceil(contract.max_days_per_week * weeks))
        best = sum(sorted(days.values(), reverse=True)[:max_days])
        if best < need:
            problems.append(
                Problem(
                    "roster",
                    f"agent {agent.id}: contract '{agent.contract}' needs at least "
                    f"{need / 60:.0f} h but the shifts left after unavailability, opening hours "
                    f"and skills allow at most {best / 60:.0f} h",
                    field=agent.id,
                )
            )
    if problems:
        raise WfmInputError(problems)
