"""Every agent over a window of days at a time: neighbourhoods for long horizons.

On a long horizon the whole model is large (public benchmark, Instance21: 100 agents over 182
days, 131,200 shift choices), and each of CP-SAT's own neighbourhoods pays for presolving and
copying all of it. A window of WINDOW_DAYS with every agent free in it, everything else held
(`wfm.roster.lns.neighbourhood`), is a model a tenth of the size, which CP-SAT's portfolio
improves in seconds; the windows slide over the horizon, each overlapping the one before it.

Instance21, from the same roster built agent by agent (cost 60,689), 2 shared cores: windows of
14 days sliding by 7, 8 s each, reached 46,697 in 120 s and 36,392 in 240 s (one sweep not yet
done); CP-SAT's neighbourhoods on the whole model reached 51,300 and 42,586. Windows of 7 days
(4 s each): 52,295 in 120 s; of 28 days (16 s each): 47,453; CP-SAT's neighbourhoods alone inside
each window: 48,570. On Instance19 (40 agents over 84 days, 15,200 choices) windows did no better
than CP-SAT on the whole model (6,084 from 15,613 in 150 s), so they ran on large models only
(WINDOW_MIN_CHOICES) until the windows of two weekends below; now on long horizons as well
(WINDOW_MIN_DAYS). In `solve_roster` (600 s), Instance21: 40,245 with CP-SAT's
neighbourhoods alone after the build; 36,427 with windows for 2/3 of the time left and the LP
relaxation beside them (the windows took 60,689 to 37,632 in 283 s, CP-SAT's neighbourhoods
then 1,200 more in 90 s, the whole portfolio nothing in 45 s); 32,662 with windows for 0.8 of
the time left and no LP relaxation (`PARALLEL_LP_MAX_CHOICES`); 30,945 with the windows up to
the end and the first roster built two agents at a time (`wfm.roster.solve.WHOLE_MODEL_LOADS`,
`wfm.roster.construct.PAIR`).

An agent may take a weekend in a window only by giving up another in it: where its weekends
are limited and it spends them all, consecutive days cannot move its allowance from a weekend
with heads to spare to one short of them months later. So each sweep starts with windows of
two weekends (`_pairs`), PAIR_MARGIN days either side of each: the weekend shortest of heads
with the least short one, the next shortest with the next, while the one is shorter than the
other. Instance21, 600 s: with them after the first sweep, 27,252 (29,263 after the sweep;
all 12 improved it); before it, 24,696 (one run each).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator

import numpy as np
from ortools.sat.python import cp_model

from wfm.config import SolverConfig
from wfm.roster.incumbent import Incumbent, read_incumbent, tightened
from wfm.roster.lns import (
    Progress,
    interval_shortfall,
    merge,
    neighbourhood,
    portfolio_solver,
    settle,
)
from wfm.roster.model import RosterVars, build_model
from wfm.roster.problem import OBJECTIVE_UNIT, RosterProblem
from wfm.roster.rules.sequence import weekend_limit, weekends

WINDOW_DAYS = 14
WINDOW_STRIDE = 7
WINDOW_SECONDS = 8.0  # a window's wall-clock limit
WINDOW_MIN_CHOICES = 100_000  # the whole model's shift choices from which windows pay
# ... or a horizon of so many days, however few the choices: its many weekends need windows of
# two weekends (`_pairs`). Public benchmark, 300 s, windows and the build's split-weekend price
# against CP-SAT's neighbourhoods on the whole model, one run each on the same day: Instance19
# (84 days, 15,200 choices) 4,244 against 5,051 (best known 3,149); Instance15 (42 days)
# 5,337 against 5,733; Instance17 (56 days) 6,889, earlier runs 6,886-7,113; Instance13 (28
# days) 3,310, earlier runs 2,010-3,628.
WINDOW_MIN_DAYS = 84
PAIR_MARGIN = 2  # days either side of a weekend in a window of two weekends (`_pairs`)
TIGHT_DETERMINISTIC_TIME = 0.5  # pricing a window's answer with its shifts fixed
TIGHT_SECONDS = 4.0


def windows_follow(problem: RosterProblem, choices: int) -> bool:
    """Whether windows improve the first roster (in the parallel mode) of a problem whose whole
    model has `choices` shift choices: a large model, or a long horizon."""
    return choices >= WINDOW_MIN_CHOICES or problem.horizon.days >= WINDOW_MIN_DAYS


def window_starts(days: int) -> list[int]:
    """The first day of each window in one sweep: every WINDOW_STRIDE days, the last window
    ending on the horizon's last day."""
    if days <= WINDOW_DAYS:
        return [0]
    starts = list(range(0, days - WINDOW_DAYS + 1, WINDOW_STRIDE))
    if starts[-1] != days - WINDOW_DAYS:
        starts.append(days - WINDOW_DAYS)
    return starts


def sweep_windows(
    problem: RosterProblem,
    v: RosterVars,
    start: cp_model.CpSolver,
    settings: SolverConfig,
    deadline: float,
    progress: Progress | None = None,
) -> cp_model.CpSolver:
    """The best response found by solving every agent over one window of days after another,
    from `start` (returned when no window finds a cheaper roster). The sweeps stop at
    `deadline` (a `time.perf_counter()` moment) or after a whole sweep over the horizon that
    improves nothing. Each window is CP-SAT's portfolio, one worker per core, hinted with the
    roster."""
    best = read_incumbent(problem, v, start)
    first_value = best.objective
    agents = list(range(len(problem.agents)))
    workers = min(settings.workers, os.cpu_count() or 1)
    solved = 0
    out_of_time = False
    swept_from = float("inf")
    while not out_of_time and best.objective < swept_from - 1e-6:  # a sweep improved it
        swept_from = best.objective
        for window in _sweep(problem, best):
            if deadline - time.perf_counter() < 1:
                out_of_time = True
                break
            first, last = min(window), max(window)
            sub, held_cost = neighbourhood(problem, best, agents, first, last, days=window)
            sv = build_model(sub)
            _hint(sub, sv, best, agents)
            # (an answer kept may take TIGHT_SECONDS more to price)
            seconds = min(WINDOW_SECONDS, deadline - time.perf_counter() - TIGHT_SECONDS)
            out_of_time = seconds < 1
            if out_of_time:
                break
            solver = portfolio_solver(workers, settings.seed + solved, seconds)
            status = solver.solve(sv.model)
            solved += 1
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                continue
            value = solver.objective_value + held_cost
            if value < best.objective - 1e-6:
                if status == cp_model.FEASIBLE:
                    # kept, so priced at what its shifts cost: a later window is then not
                    # taken for a gain it does not make
                    solver = tightened(
                        sv, solver, settings.seed, TIGHT_DETERMINISTIC_TIME, TIGHT_SECONDS
                    )
                    value = solver.objective_value + held_cost
                best = merge(problem, best, sub, sv, solver, agents, value)
                if progress:
                    where = _days_label(window)
                    progress(
                        f"roster: {where}, every agent, improve the cost to "
                        f"{value / OBJECTIVE_UNIT:,.0f}"
                    )
    return _settled(problem, v, start, best, first_value, settings, solved, progress)


def _sweep(problem: RosterProblem, start: Incumbent) -> Iterator[frozenset[int]]:
    """The days of each window of a sweep: the pairs of weekends of the roster at the sweep's
    `start` (`_pairs`), then WINDOW_DAYS at a time over the horizon."""
    yield from _pairs(problem, start)
    days = problem.horizon.days
    for first in window_starts(days):
        yield frozenset(range(first, min(days, first + WINDOW_DAYS)))


def _pairs(problem: RosterProblem, best: Incumbent) -> list[frozenset[int]]:
    """Pairs of weekends, each with PAIR_MARGIN days either side, one short of heads and one
    short the least: their windows together let an agent give up one weekend for the other,
    where its allowance of weekends is spent. (Windows of consecutive days cannot: an agent
    may take a weekend in one only by giving up another in it.)"""
    every = weekends(problem)
    limited = any(
        weekend_limit(problem, a, len(every)) is not None for a in range(len(problem.agents))
    )
    if not limited or len(every) < 2:
        return []
    short = day_shortfall(problem, best)
    cost = [float(short[span].sum()) for span in every]
    order = sorted(range(len(every)), key=lambda w: cost[w])
    days = problem.horizon.days

    def block(w: int) -> frozenset[int]:
        span = every[w]
        return frozenset(
            range(max(0, span[0] - PAIR_MARGIN), min(days, span[-1] + PAIR_MARGIN + 1))
        )

    pairs = []
    used: set[int] = set()
    for w in reversed(order):  # the shortest first
        if cost[w] <= 0 or w in used:
            break
        donor = next(
            (d for d in order if d not in used and d != w and not block(d) & block(w)), None
        )
        if donor is None or cost[donor] >= cost[w]:
            break
        used.update((w, donor))
        pairs.append(block(w) | block(donor))
    return pairs


def day_shortfall(problem: RosterProblem, roster: Incumbent) -> np.ndarray:
    """Per day, the priced heads the roster is short of: per interval and channel
    (`interval_shortfall`), and per day and shift."""
    per_day = interval_shortfall(problem, roster)
    if problem.shift_cover:
        on = Counter(
            (problem.options[o].day, problem.options[o].template)
            for mine in roster.shifts
            for o in mine.values()
        )
        for day, template, need, weight, _ in problem.shift_cover:
            per_day[day] += max(0, need - on[day, template]) * weight
    return per_day


def _days_label(window: frozenset[int]) -> str:
    """`days 3-16`, or `days 3-9 and 45-51` for a window of two runs of days."""
    runs: list[list[int]] = []
    for day in sorted(window):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return "days " + " and ".join(f"{run[0] + 1}-{run[-1] + 1}" for run in runs)


def _hint(sub: RosterProblem, sv: RosterVars, best: Incumbent, free: list[int]) -> None:
    """Hint the window's model with the roster: each free agent's shift on each day."""
    for (k, o), var in sv.x.items():
        day = sub.options[o].day
        sv.model.add_hint(var, best.shifts[free[k]].get(day) == o)


def _settled(
    problem: RosterProblem,
    v: RosterVars,
    start: cp_model.CpSolver,
    best: Incumbent,
    first_value: float,
    settings: SolverConfig,
    solved: int,
    progress: Progress | None,
) -> cp_model.CpSolver:
    """The whole model's response for `best`, or `start` when the windows gained nothing."""
    if progress:
        progress(f"roster: {solved} windows of every agent searched")
    if best.objective >= first_value - 1e-6:
        return start
    settled = settle(problem, v, best, settings)
    if settled is None and progress:
        progress("roster: the windows' roster did not solve as a whole in time; it is dropped")
    if settled is None or settled.objective_value >= first_value - 1e-6:
        return start
    return settled
