"""A first roster rolled forward a few days at a time, every agent at once: for long horizons.

Built agent by agent (`wfm.roster.construct`), each agent is solved over the whole horizon,
blind to the agents after it: on a long horizon each of those models is large, and the later
agents find the cover already bent out of shape. Here the horizon is rolled forward instead:
every agent is solved over the first STRIDE_DAYS + LOOKAHEAD_DAYS days, the first STRIDE_DAYS
are kept, and the next step starts there with the days before it held (`wfm.roster.lns.
neighbourhood`). Each step is a problem of the days so far (`prefix`). Its limits over the whole
horizon are prorated there: working weekends and shifts per template to their share,
and each agent's paid hours to the share of its available days, give or take PACE_SLACK_SHIFTS
of its longest shifts times the share still to come, and never below what the days after them
could not make up (`_capacity_after`). The last step has the horizon's own limits. A step but
the last also prices a weekend an agent works on one day only (`wfm.roster.rules.sequence.
split_weekends`): it spends a whole weekend of a limited allowance.

Every hard rule is an agent's own, so a step with no roster has an agent who cannot keep pace
with the shifts it has: each agent is then solved alone on the step's days, those with no
roster are solved again alone from the first day, and the step is solved again, hinted with
every agent's shifts found alone.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time

from ortools.sat.python import cp_model

from wfm.config import Contract, SolverConfig
from wfm.domain import Horizon
from wfm.roster.construct import RETRY_BRANCHING, _retried
from wfm.roster.incumbent import Incumbent, chosen_shifts
from wfm.roster.lns import Progress, merge, neighbourhood, portfolio_solver, solve_step
from wfm.roster.model import build_model, default_rules
from wfm.roster.problem import OBJECTIVE_UNIT, RosterProblem
from wfm.roster.rules.sequence import (
    SPLIT_WEEKENDS,
    split_shadow,
    split_weekends,
    weekend_day_price,
    weekends,
)

# A step keeps STRIDE_DAYS of the STRIDE_DAYS + LOOKAHEAD_DAYS it solves: a run of working days
# or days off it keeps is one its look ahead could finish, so the next step can too. (Whole
# weeks, so that each step's weekly rules see whole weeks.)
STRIDE_DAYS = 14
LOOKAHEAD_DAYS = 7
# Each step's CP-SAT portfolio gets a share of the time left, by the days it solves, less what
# the step before took beyond its search (`_step_seconds`). Public benchmark, Instance23 (100
# agents, 364 days), a step of days 71-91: with 8 s its days cost 4,500-7,000 more than the days
# held; with 30 s, 310; with 90 s, 240 (CP-SAT's bound: 90).
# A step's search starts after CP-SAT's presolve: one pass of it is enough here (21 days of 100
# agents: 1.1-1.4 s against 2.3-3.3 s with three, and no worse a roster in 8 s).
PRESOLVE_PASSES = 1
# Paid hours so far may fall behind or run ahead of the pace by this many of the agent's
# longest shifts, times the share of the horizon still to come. Public benchmark, Instance21,
# 100 agents over 182 days, 200 s: with one shift, the cost of the first 70 days was 4,636;
# with three, 3,246.
PACE_SLACK_SHIFTS = 3
AGENT_CHECK_UNITS = 0.2  # deterministic units for an agent alone, when a step found none


def prefix(problem: RosterProblem, days: int) -> RosterProblem:
    """The problem of the horizon's first `days` days, its horizon-wide limits prorated."""
    full = problem.horizon.days
    horizon = Horizon(problem.horizon.start, days, problem.horizon.interval_minutes)
    n = days * horizon.intervals_per_day
    spans = weekends(problem)
    weekend_share = sum(span[0] < days for span in spans) / len(spans) if spans else 1.0
    contracts = {
        name: _prorated(contract, days / full, weekend_share)
        for name, contract in problem.config.contracts.items()
    }
    return dataclasses.replace(
        problem,
        horizon=horizon,
        config=problem.config.model_copy(update={"contracts": contracts}),
        agent_options=tuple(
            tuple(o for o in mine if problem.options[o].day < days)
            for mine in problem.agent_options
        ),
        required=problem.required[:n],
        open_channel=problem.open_channel[:n],
        under_weight=problem.under_weight[:n],
        wishes=tuple(t for t in problem.wishes if t.day < days),
        locks=tuple(lock for lock in problem.locks if lock[1] < days),
        shift_cover=tuple(c for c in problem.shift_cover if c[0] < days),
        shortage_steps={k: s for k, s in problem.shortage_steps.items() if k[0] < n},
        total_minutes=tuple(_paced_minutes(problem, a, days) for a in range(len(problem.agents))),
    )


def _paced_minutes(problem: RosterProblem, agent: int, days: int) -> tuple[int, int]:
    """The agent's paid minutes over the first `days` days: its contract's totals times the
    share of its available days that fall there, give or take PACE_SLACK_SHIFTS of its longest
    shifts times the share still to come; and at least what the days after them cannot make up
    (`_capacity_after`), which wins over the pace's top where the two meet."""
    contract = problem.config.contracts[problem.agents[agent].contract]
    longest_on = _longest_on(problem, agent)
    share = sum(day < days for day in longest_on) / len(longest_on) if longest_on else 1.0
    slack = (1 - share) * max(longest_on.values(), default=0) * PACE_SLACK_SHIFTS
    most = sum(minutes for day, minutes in longest_on.items() if day < days)
    if contract.max_hours_total is not None:
        most = min(most, math.floor(contract.max_hours_total * 60))
    least = (contract.min_hours_total or 0) * 60
    floor = least - _capacity_after(problem, agent, days, longest_on) if least > 0 else 0
    low = min(most, math.floor(max(0.0, least * share - slack, floor)))
    high = most
    if contract.max_hours_total is not None:
        high = min(most, max(low, math.ceil(contract.max_hours_total * 60 * share + slack)))
    return low, high


def _longest_on(problem: RosterProblem, agent: int) -> dict[int, int]:
    """Day -> the agent's longest paid shift that day, on the days it has any."""
    longest_on: dict[int, int] = {}
    for o in problem.agent_options[agent]:
        option = problem.options[o]
        longest_on[option.day] = max(longest_on.get(option.day, 0), option.paid_minutes)
    return longest_on


def _capacity_after(
    problem: RosterProblem, agent: int, days: int, longest_on: dict[int, int]
) -> int:
    """At most how many paid minutes the agent can work from day `days` to the horizon's end:
    its longest shift (`longest_on`, per day) on each of as many of its available days as runs
    of at most the contract's maximum consecutive days, parted by at least its minimum days off,
    allow."""
    contract = problem.config.contracts[problem.agents[agent].contract]
    left = problem.horizon.days - days
    most_on = min(contract.max_consecutive_days or left + 1, left + 1)
    least_off = contract.min_consecutive_days_off or 1
    # state: days worked in a row (1..most_on), or -(days off in a row, capped at least_off);
    # any state may start the rest of the horizon
    best: dict[int, int] = {k: 0 for k in range(1, most_on + 1)}
    best.update({-k: 0 for k in range(1, least_off + 1)})
    for day in range(problem.horizon.days - 1, days - 1, -1):
        # best[state] so far: most minutes worked after `day` entering it in `state`
        step: dict[int, int] = {}
        for state in best:
            rest = best[-1] if state > 0 else best[-min(-state + 1, least_off)]
            work = -1
            if day in longest_on and (0 < state < most_on or state == -least_off):
                work = longest_on[day] + best[state + 1 if state > 0 else 1]
            step[state] = max(rest, work)
        best = step
    return max(best.values())


def _prorated(contract: Contract, share: float, weekend_share: float) -> Contract:
    """A contract's upper limits over the whole horizon cut to `share` of it (of its weekends,
    `weekend_share`), rounded up. (Its paid hours are paced per agent: `_paced_minutes`.)

    Rounded up, each agent may end a step a weekend ahead of its share, and the last step pays
    (public benchmark, Instance23, 600 s: its last 28 days cost 9,000, where 98 of 100 agents
    had worked all their weekends). Tried and worse: rounded down after adding one times the
    share still to come, the limit stood still for weeks mid-year (a step cost 14,700; 58,069
    in all against 54,119); cut to the share of the days a step keeps, the days it looks
    ahead had none (61,426)."""
    update: dict[str, object] = {}
    if contract.max_weekends is not None:
        update["max_weekends"] = math.ceil(contract.max_weekends * weekend_share)
    update["max_shifts"] = {
        template: math.ceil(limit * share) for template, limit in contract.max_shifts.items()
    }
    return contract.model_copy(update=update)


def day_by_day(
    problem: RosterProblem,
    settings: SolverConfig,
    deadline: float,
    progress: Progress | None = None,
) -> set[tuple[int, int]] | None:
    """The (agent, option) pairs worked in a roster rolled forward STRIDE_DAYS at a time.

    Each step solves every agent over STRIDE_DAYS + LOOKAHEAD_DAYS days and keeps the first
    STRIDE_DAYS: a run of days the step ends on is one it could finish, so the next step can
    too. Each step's time is its days' share of what is left to `deadline` (`_step_seconds`).
    None when a step finds no roster.
    """
    days = problem.horizon.days
    agents = list(range(len(problem.agents)))
    roster = Incumbent(tuple({} for _ in agents), {}, {}, float("inf"))
    # the last step solves all the days left, up to twice STRIDE_DAYS: the contracts' own
    # limits then bind over more than the last few days
    final = max(0, math.ceil((days - 2 * STRIDE_DAYS) / STRIDE_DAYS) * STRIDE_DAYS)
    starts = list(range(0, final + 1, STRIDE_DAYS))
    ends = [min(days, first + STRIDE_DAYS + LOOKAHEAD_DAYS) for first in starts[:-1]] + [days]
    spans = [end - first for first, end in zip(starts, ends, strict=True)]
    workers = min(settings.workers, os.cpu_count() or 1)
    hint: dict[int, dict[int, int]] = {}  # agent -> day -> option, on days after the roster
    overhead = 0.0  # seconds a step took beyond its search, the last time
    for k, first in enumerate(starts):
        began = time.perf_counter()
        last = k == len(starts) - 1
        stop = days if last else first + STRIDE_DAYS
        end = ends[k]
        part = prefix(problem, end)
        seconds = _step_seconds(deadline, spans[k:], overhead)
        if seconds < 0.5:
            return None
        step = _solve_days(part, roster, first, hint, settings.seed + k, workers, seconds, last)
        direct = step is not None
        behind: frozenset[int] = frozenset()
        if step is None:
            # every hard rule is an agent's own: each agent alone shows whether it can keep
            # pace; those who cannot are re-solved from the first day, and all hint the step
            behind, hint = _alone(part, roster, first, end, settings.seed, deadline)
            for a in behind:
                caught_up = _catch_up(part, roster, a, settings, deadline)
                if caught_up is None:
                    if progress:
                        progress(f"roster: agent {problem.agents[a].id} cannot keep pace")
                    return None
                hint[a] = {d: o for d, o in caught_up.shifts[a].items() if d >= first}
                roster = _before(part, caught_up, first)
            seconds = _step_seconds(deadline, spans[k:], overhead)
            if seconds < 0.5:
                return None
            step = _solve_days(part, roster, first, hint, settings.seed + k, workers, seconds, last)
            if step is None:
                if progress:
                    progress(f"roster: days {first + 1}-{stop}: no roster in time")
                return None
        hint = {
            a: {d: o for d, o in mine.items() if d >= stop} for a, mine in enumerate(step.shifts)
        }
        roster = _before(part, step, stop)
        if direct:  # (a step solved again is not the steps' usual work)
            overhead = max(0.0, time.perf_counter() - began - seconds)
        if progress:
            progress(
                f"roster: days {first + 1}-{stop} of every agent, "
                f"cost so far {step.objective / OBJECTIVE_UNIT:,.0f}"
                + (f" ({len(behind)} agents re-solved to keep pace)" if behind else "")
            )
    return {(a, o) for a, shifts in enumerate(roster.shifts) for o in shifts.values()}


def _step_seconds(deadline: float, spans: list[int], overhead: float) -> float:
    """The search time of the next of steps solving `spans` days each: its days' share of the
    time left to `deadline`, once every step has had `overhead` seconds of its own."""
    left = deadline - time.perf_counter() - overhead * len(spans)
    return left * spans[0] / sum(spans)


def _solve_days(
    part: RosterProblem,
    roster: Incumbent,
    first: int,
    hint: dict[int, dict[int, int]],
    seed: int,
    workers: int,
    seconds: float,
    last: bool = False,
) -> Incumbent | None:
    """The roster with every agent's best shifts CP-SAT finds in `seconds` from day `first`
    to the end of `part`, the days before held; None when it finds none. `hint` gives shifts
    (agent -> day -> option) for some of those days: those up to its last day for an agent."""
    agents = list(range(len(part.agents)))
    sub, held_cost = neighbourhood(part, roster, agents, first, part.horizon.days - 1)
    rules = default_rules()
    if not last:
        rules.append((SPLIT_WEEKENDS, split_weekends(first, weekend_day_price(part))))
    sv = build_model(sub, rules)
    reach = {a: max(mine) for a, mine in hint.items() if mine}
    for (a, o), var in sv.x.items():
        day = sub.options[o].day
        if day <= reach.get(a, -1):
            sv.model.add_hint(var, hint[a].get(day) == o)
    solver = portfolio_solver(workers, seed, seconds)
    solver.parameters.max_presolve_iterations = PRESOLVE_PASSES
    status = solver.solve(sv.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    cost = solver.objective_value - split_shadow(sv, solver) + held_cost
    return merge(part, roster, sub, sv, solver, agents, cost)


def _catch_up(
    part: RosterProblem, roster: Incumbent, agent: int, settings: SolverConfig, deadline: float
) -> Incumbent | None:
    """The roster with the agent's shifts from the first day to the end of `part` solved
    again, alone, the others held: for an agent whose shifts so far cannot keep pace. Tried
    with more units and the restarting portfolio as an agent's retries are (`_retried`)."""
    unsolved = (cp_model.UNKNOWN, None, 0.0)
    _, better, _ = _retried(part, roster, agent, settings, deadline, False, unsolved)
    return better


def _alone(
    part: RosterProblem, roster: Incumbent, first: int, end: int, seed: int, deadline: float
) -> tuple[frozenset[int], dict[int, dict[int, int]]]:
    """Each agent solved alone on days first..end-1 for its own rules, against the roster
    before them: the agents with no shifts that keep them (none found in AGENT_CHECK_UNITS
    counts as none), and the others' shifts found (day -> option)."""
    behind: set[int] = set()
    found: dict[int, dict[int, int]] = {}
    for a in range(len(part.agents)):
        if time.perf_counter() > deadline:
            return frozenset(range(a, len(part.agents))) | behind, found
        sub, _ = neighbourhood(part, roster, [a], first, end - 1)
        sv = build_model(sub)
        sv.model.clear_objective()
        status, solver = solve_step(sv, seed, AGENT_CHECK_UNITS, deadline, RETRY_BRANCHING, True)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found[a] = chosen_shifts(sub, sv, solver.value)[0]
        else:
            behind.add(a)
    return frozenset(behind), found


def _before(problem: RosterProblem, roster: Incumbent, stop: int) -> Incumbent:
    """The roster's shifts, breaks and channel splits on the days before `stop`."""
    shifts = tuple({d: o for d, o in mine.items() if d < stop} for mine in roster.shifts)
    breaks = {
        key: taken for key, taken in roster.breaks.items() if problem.options[key[1]].day < stop
    }
    end = stop * problem.horizon.intervals_per_day
    split = {key: heads for key, heads in roster.split.items() if key[0] < end}
    return Incumbent(shifts, breaks, split, roster.objective)
