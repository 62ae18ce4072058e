"""A first roster built one agent at a time, for rules the greedy roster cannot see.

The greedy roster (`wfm.roster.hint`) sees one day at a time, so rules over runs of days
(minimum consecutive days on and off, working weekends) can defeat it. Here each agent in turn
gets the best roster CP-SAT finds for it over the whole horizon, under all of its own rules,
against the shifts of the agents before it (those after it work nothing yet): a model of that
agent alone, built as a neighbourhood (`wfm.roster.lns.neighbourhood`).

Each solve is bounded by CP-SAT's deterministic clock, and whether a second pass runs depends on
deterministic units too, so the roster is the same on every machine unless it runs short of
time. The wall-clock deadline is a ceiling: past it the build gives up, and a second pass stops
where it is. When the first agents show that the first pass would end past it, the agents after
them take the first roster CP-SAT finds for them: the neighbourhood searches then have a roster
to improve. (Public benchmark, Instance23, 100 agents over 364 days: on a loaded machine the
build used to give up at 422 s of its 510, and the whole model, searched instead, found no roster.)

In the parallel mode (more than one worker, not deterministic), a long build (projected past
PAIRS_FROM of its time) solves two agents side by side, and an agent's retries race two
searches (RACE_SEED): there the roster may also depend on how fast the first agents were built.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import repeat
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from wfm.config import SolverConfig
from wfm.roster.incumbent import Incumbent
from wfm.roster.lns import merge, model_charge, neighbourhood, solve_step
from wfm.roster.model import build_model, default_rules
from wfm.roster.problem import RosterProblem
from wfm.roster.rules.sequence import (
    SPLIT_WEEKENDS,
    split_shadow,
    split_weekends,
    weekend_day_price,
)
from wfm.roster.windows import windows_follow

if TYPE_CHECKING:
    from wfm.roster.lns import SearchBranching

# Where windows follow the build (`wfm.roster.windows.windows_follow`: a large model or a long
# horizon), an agent's days off in a weekend it works are priced (`split_weekends`). Public
# benchmark: Instance21 (131,200 choices, 600 s) went from 32,079 to 28,201; Instance19 (84
# days, 300 s) is measured with windows and price together. On small models the neighbourhood
# searches after the build do better from the unpriced roster: Instance11 (60 s, 2 shared
# cores) gave 3,961 and 4,077 priced, 3,781 unpriced.
# The least deterministic units for one agent's model, and how many times the build goes
# over the agents at most (the later times solve each agent again, against all the others).
# A later pass runs only when the first took LATER_PASS_UNITS deterministic units per second
# of time limit or more: then the whole-model search, which starts from this roster, has
# little time per agent and gains from a better start (public benchmark, Instance13, 300 s:
# a pass is 11.8 units; 2,833 after two passes, 3,148 after one). On small models that search
# finds better rosters itself, and a start already polished agent by agent held it near that
# start (Instances 5 and 7, 60 s: passes of 0.25 and 0.35 units; 1,243-1,247 and 1,169-1,173
# after two passes, 1,157 and 1,075 after one).
AGENT_DETERMINISTIC_TIME = 0.2
# A long horizon gives an agent more shift choices, and its model more units
# (AGENT_UNITS_PER_CHOICE per choice, at least AGENT_DETERMINISTIC_TIME). Public benchmark,
# Instance23 (364 days, 5,248 shift choices per agent): the default search's first roster for
# an agent came after 0.75-1.1 s (about 0.4-0.5 units) on 9 of 10 agents, none within 0.2.
AGENT_UNITS_PER_CHOICE = 2e-4
AGENT_PASSES = 2
LATER_PASS_UNITS = 0.02
LATER_PASS_PROVEN = 0.5  # ... and when the first pass proved this share of its agents optimal
# An agent CP-SAT finds no roster for in its units is tried again with RETRY_FACTOR times as
# many, up to AGENT_RETRIES times, and with RETRY_BRANCHING: a portfolio of search strategies
# that restarts often. The default single-worker search can dive into a corner it never leaves
# when the total-hours window is tight against the pattern rules. Public benchmark, Instance21
# (182 days, a window of 115-117 eight-hour shifts, runs of 2-5 days, days off in pairs, 13
# weekends): for agent G alone the default search found nothing in 10 s, the restarting
# portfolio a roster in 0.035 units; all 100 agents were built in 27.9 units, 81 s.
AGENT_RETRIES = 2
RETRY_FACTOR = 4
RETRY_BRANCHING = cp_model.PORTFOLIO_WITH_QUICK_RESTART_SEARCH
# When the first agents show the first pass would take PAIRS_FROM of the time to the deadline
# or more, in the parallel mode (more than one worker, not deterministic), the agents are built
# PAIR at a time, side by side (CP-SAT releases the interpreter while it solves): each of a pair
# against the agents before the pair, blind to the other. Public benchmark, 600 s: Instance21's
# build ended at 108 s, cost 58,982 (one at a time: 140-153 s, 60,576-60,689); Instance23's first 8
# agents took 14 s (2.9 s an agent one at a time), but its build still ended at 476 s: the
# later agents' retries, one at a time, took most of it (below).
PAIR = 2
PAIRS_FROM = 0.2
# In the parallel mode, each retry races the default search, seeded RACE_SEED further on,
# beside RETRY_BRANCHING, and keeps the cheaper roster. Neither search finds every agent's
# roster: Instance23, agents 0, 10, 20, 30 and 40 against a finished roster, 1.77 units each,
# the default search found one for 20, 30 and 40, the restarting portfolio for 0 and 10. In
# a build one at a time, 8 of agents 55-68 found none in their first 1.41 units; their
# retries took 8 s (4x the units) and, for two of them, 25-29 s more (16x).
RACE_SEED = 7919


def agent_by_agent(
    problem: RosterProblem, settings: SolverConfig, deadline: float
) -> set[tuple[int, int]] | None:
    """The (agent, option) pairs worked in a roster built one agent at a time.

    None when CP-SAT finds no roster for an agent (its own rules cannot hold, or it finds none
    in its units, even retried with more), or when `deadline` (a `time.perf_counter()` moment)
    passes first. When the agents so far show that the first pass would end past it, the
    agents after them take the first roster CP-SAT finds for them (`hurry`).
    """
    agents = len(problem.agents)
    roster = Incumbent(tuple({} for _ in problem.agents), {}, {}, float("inf"))
    began = time.perf_counter()
    units = 0.0
    proven = 0  # agents whose shifts CP-SAT proved optimal against the agents before them
    hurry = paired = False
    parallel = settings.workers > 1 and not settings.deterministic
    with ThreadPoolExecutor(PAIR) as pool:
        a = 0
        while a < agents:
            now = time.perf_counter()
            if now > deadline:
                return None
            end = began + (now - began) * agents / a if a else now  # projected
            hurry = hurry or end > deadline
            paired = paired or (parallel and end - began >= PAIRS_FROM * (deadline - began))
            batch = range(a, min(agents, a + (PAIR if paired else 1)))
            firsts = list(  # each of the batch against the roster before it
                pool.map(
                    _agent_step,
                    repeat(problem),
                    repeat(roster),
                    batch,
                    repeat(settings),
                    repeat(deadline),
                    [_agent_units(problem, b) for b in batch],
                    repeat(cp_model.AUTOMATIC_SEARCH),
                    repeat(hurry),
                )
            )
            race = pool if parallel else None
            for b, first in zip(batch, firsts, strict=True):
                status, better, spent = _retried(
                    problem, roster, b, settings, deadline, hurry, first, race
                )
                units += spent
                if better is None:
                    return None
                proven += status == cp_model.OPTIMAL
                # solved against the roster as it stands (the first of the batch, or retried
                # after the others), or beside an agent since added
                fresh = b == batch.start or first[1] is None
                roster = better if fresh else _with_agent(problem, roster, better, b)
            a = batch.stop
    # A later pass keeps only proven optima: where the first proved few, it would keep little
    # (Instance23: no agent proved in its 1.05 units; the pass took ~100 s and changed nothing).
    # A build that had to hurry has no time for one.
    if (
        not hurry
        and units >= LATER_PASS_UNITS * settings.time_limit_seconds
        and proven >= LATER_PASS_PROVEN * agents
    ):
        for _ in range(AGENT_PASSES - 1):
            for a in range(agents):
                if time.perf_counter() > deadline:
                    break
                status, better, _ = _agent_step(
                    problem, roster, a, settings, deadline, _agent_units(problem, a)
                )
                # only a proven optimum is sure to be no worse than the agent's roster so far
                if status == cp_model.OPTIMAL and better is not None:
                    roster = better
    return {(a, o) for a, shifts in enumerate(roster.shifts) for o in shifts.values()}


def _retried(
    problem: RosterProblem,
    roster: Incumbent,
    agent: int,
    settings: SolverConfig,
    deadline: float,
    hurry: bool,
    first: tuple[cp_model.CpSolverStatus, Incumbent | None, float],
    pool: ThreadPoolExecutor | None = None,
) -> tuple[cp_model.CpSolverStatus, Incumbent | None, float]:
    """The agent's `first` solve, or when it found no roster, solves against `roster` with
    RETRY_FACTOR times the units and RETRY_BRANCHING, up to AGENT_RETRIES times. With a `pool`,
    each retry races the default search (another seed) beside it and keeps the cheaper roster."""
    status, better, units = first
    for attempt in range(1, AGENT_RETRIES + 1):
        if better is not None or status == cp_model.INFEASIBLE:
            break
        budget = _agent_units(problem, agent) * RETRY_FACTOR**attempt
        hows, branchings = [settings], [RETRY_BRANCHING]
        if pool is not None:
            hows.append(settings.model_copy(update={"seed": settings.seed + RACE_SEED}))
            branchings.append(cp_model.AUTOMATIC_SEARCH)
        found = list(
            (pool.map if pool is not None else map)(
                partial(_agent_step, problem, roster, agent),
                hows,
                repeat(deadline),
                repeat(budget),
                branchings,
                repeat(hurry),
            )
        )
        units += sum(spent for _, _, spent in found)
        status, better, _ = min(found, key=_rank)
    return status, better, units


def _rank(found: tuple[cp_model.CpSolverStatus, Incumbent | None, float]) -> tuple[int, float]:
    """A roster before none, a cheaper one first; with none, a proof that none exists first."""
    status, better, _ = found
    if better is None:
        return (1, 0.0 if status == cp_model.INFEASIBLE else 1.0)
    return (0, better.objective)


def _with_agent(
    problem: RosterProblem, roster: Incumbent, other: Incumbent, agent: int
) -> Incumbent:
    """`roster` with the agent's shifts and breaks from `other`, a roster solved beside it that
    differs from an earlier `roster` in that agent alone. Channel splits at the intervals the
    agent's shifts may reach are dropped: neither roster's counts all heads there, and a later
    model then splits them anew."""
    shifts = list(roster.shifts)
    shifts[agent] = other.shifts[agent]
    breaks = {key: value for key, value in roster.breaks.items() if key[0] != agent}
    breaks.update({key: value for key, value in other.breaks.items() if key[0] == agent})
    reach: set[int] = set()
    for o in problem.agent_options[agent]:
        option = problem.options[o]
        reach.update(range(option.first_interval, option.first_interval + option.n_intervals))
    split = {key: heads for key, heads in roster.split.items() if key[0] not in reach}
    return Incumbent(tuple(shifts), breaks, split, other.objective)


def first_pass_units(problem: RosterProblem) -> float:
    """Deterministic units the first pass over every agent starts with (retries aside)."""
    return sum(_agent_units(problem, a) for a in range(len(problem.agents)))


def _agent_units(problem: RosterProblem, agent: int) -> float:
    """Deterministic units for a first solve of one agent's model."""
    choices = len(problem.agent_options[agent])
    return max(AGENT_DETERMINISTIC_TIME, AGENT_UNITS_PER_CHOICE * choices)


def _agent_step(
    problem: RosterProblem,
    roster: Incumbent,
    agent: int,
    settings: SolverConfig,
    deadline: float,
    budget: float,
    branching: SearchBranching = cp_model.AUTOMATIC_SEARCH,
    hurry: bool = False,
) -> tuple[cp_model.CpSolverStatus, Incumbent | None, float]:
    """The roster with the agent's best shifts over the whole horizon, everyone else held (None
    when CP-SAT finds none in `budget` units; with `hurry`, its first roster), its solve status
    and the units it took. On a large model or a long horizon, a weekend the agent works on one
    day only is priced (`split_weekends`): the agents after it find the other day short."""
    sub, held_cost = neighbourhood(problem, roster, [agent], 0, problem.horizon.days - 1)
    rules = default_rules()
    if windows_follow(problem, sum(map(len, problem.agent_options))):
        rules.append((SPLIT_WEEKENDS, split_weekends(0, weekend_day_price(problem))))
    sv = build_model(sub, rules)
    status, solver = solve_step(sv, settings.seed + agent, budget, deadline, branching, hurry)
    units = solver.response_proto.deterministic_time + model_charge(sv)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, None, units
    # the roster's, with the agents after it off (the split weekends' price left out)
    cost = solver.objective_value - split_shadow(sv, solver) + held_cost
    return status, merge(problem, roster, sub, sv, solver, [agent], cost), units
