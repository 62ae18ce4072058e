"""Solve a RosterProblem with CP-SAT and read the solution back as the output frames."""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from wfm.config import SolverConfig
from wfm.domain import (
    ASSIGNMENT_COLUMNS,
    BREAK_ACTIVITY,
    COVERAGE_COLUMNS,
    ROSTER_COLUMNS,
    RosterResult,
)
from wfm.errors import Problem, WfmInputError
from wfm.roster.construct import agent_by_agent, first_pass_units
from wfm.roster.hint import Guide, greedy_roster
from wfm.roster.incumbent import chosen_shifts, hand_out_breaks, solve_fixed, tightened
from wfm.roster.lns import LANES, Budget, improve_roster
from wfm.roster.lpbound import Relaxation, lp_relaxation
from wfm.roster.model import RosterVars, build_model, objective_floor
from wfm.roster.problem import OBJECTIVE_UNIT, RosterProblem, WishTerm
from wfm.roster.rolling import day_by_day
from wfm.roster.windows import WINDOW_MIN_CHOICES, sweep_windows, windows_follow
from wfm.timeutil import format_clock

Progress = Callable[[str], None]


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Reports each improving roster, at most every two seconds, so long solves show life, and
    keeps each one's time and cost (`found`)."""

    def __init__(self, progress: Progress | None) -> None:
        super().__init__()
        self._progress = progress
        self._last = -1e9
        self.found: list[tuple[float, float]] = []

    def on_solution_callback(self) -> None:
        now = self.wall_time
        self.found.append((now, self.objective_value))
        if self._progress is not None and now - self._last >= 2:
            self._last = now
            self._progress(
                f"roster: solution {len(self.found)}, cost "
                f"{self.objective_value / OBJECTIVE_UNIT:,.0f}"
                f" (bound {self.best_objective_bound / OBJECTIVE_UNIT:,.0f}) after {now:.0f} s"
            )

    def gain_after(self, seconds: float, cost: float) -> float:
        """How far the cost fell after `seconds` into the solve, from `cost` at its start."""
        before = cost
        for at, value in self.found:
            if at <= seconds:
                before = value
        return before - min([cost, *(value for _, value in self.found)])


def solver_parameters(settings: SolverConfig) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.random_seed = settings.seed
    params.max_time_in_seconds = settings.time_limit_seconds
    if settings.deterministic:
        # One search worker stopped by CP-SAT's deterministic clock (work done, not seconds)
        # gives the same roster on every run and machine. On this model it also beat CP-SAT's
        # interleaved deterministic portfolio by a wide margin. The wall limit stays a ceiling.
        params.num_workers = 1
        params.max_deterministic_time = settings.time_limit_seconds * DETERMINISTIC_SHARE
    else:
        params.num_workers = settings.workers
    return solver


# The LP relaxation (computed beside the greedy roster) has this share of the time limit; it is
# waited for at least LP_MIN_SECONDS more.
LP_SHARE = 0.6
LP_MIN_SECONDS = 1.0
# In the parallel mode the relaxation only reports a bound, and holds a core the first roster
# and the search need: a model this large gets none (CP-SAT's bound is reported). Public
# benchmark, 2 shared cores: on Instance21 (131,200 shift choices) HiGHS took 275 s alone and
# proved 11,912 (best known 21,133); on Instance23 (524,800) it did not finish in 360 s, and the
# roster built agent by agent beside it took about 420 s instead of 265-330 s.
PARALLEL_LP_MAX_CHOICES = 100_000

# Deterministic time per second of time limit for a whole-model search (one worker), and for the
# neighbourhoods that replace it when the roster is far from its bound. Measured (2 shared
# cores), one unit of deterministic time takes 2-5 s of wall time. A search for a proof comes
# last and has what is left of the time limit: the demo (100 agents, hourly) is proved optimal
# within it, but on a slow machine the wall clock may stop a search first (the roster is then
# the neighbourhoods' own or a better one found in time).
DETERMINISTIC_SHARE = 0.15
# Deterministic time per second of time limit and per lane (core) for the neighbourhood search
# (wfm.roster.lns). It stops on the deterministic budget alone (so the roster does not depend
# on the machine's load); the wall-clock ceiling LNS_CEILING × limit only guards against a stall.
LNS_SHARE = 0.15
LNS_CEILING = 1.0
# When the greedy roster breaks a rule, a roster is built agent by agent (`agent_by_agent`)
# within this share of the limit; past it, the whole-model search starts from the greedy's
# shifts as a hint (and, in the deterministic mode, the rounded LP roster may still be a start).
# Where the greedy fails the whole-model search rarely finds a roster of its own (public
# benchmark, Instances 21 and 23: none in 600 s), so the build may take most of the limit.
# Instance23's 100 agents over 364 days took 265-330 s on their own, and about 420 s in
# `solve_roster` beside the LP relaxation's thread, starting after the model and the greedy;
# with 0.7 of its 600 s the build projected an overrun and gave up at 318 s. (In the
# deterministic mode a long build leaves the neighbourhoods only the rest of the wall clock.)
CONSTRUCT_SHARE = 0.85
# On a large model in the parallel mode whose agent-by-agent build would start with
# ROLLING_FROM_UNITS deterministic units per second of limit or more, the first roster is rolled
# forward a few days at a time instead (`wfm.roster.rolling`), by ROLLING_SHARE of the limit at
# the latest: its steps gain more from time than the windows after them. Public benchmark,
# 600 s: Instance23 (105 units; the build took 390 s, 97,630) was rolled forward by 323 s at
# 77,761 and reached 68,216 with windows after it (0.7 of the limit, 8 s a step); with 0.9 of
# the limit, 20 s a step, it was rolled forward at 54,119.
# Instance21 (26 units; built in 108 s at 58,982) was rolled forward only by 352+ s: its tight
# agents (115 shifts in 164 days, every other weekend) fell behind the pace at every step.
# Since windows of two weekends follow (`wfm.roster.windows`), each worth 15-740 on Instance23,
# the build has 0.6 of the limit: 29,640 and 30,784 (built at 370 s, 17-19 windows), against
# 37,148 with 0.9 on the same day (built at 551 s, one window) and 33,195 with 0.4 (built at
# 250 s at 50,929: its steps were starved).
ROLLING_FROM_UNITS = 0.1
ROLLING_SHARE = 0.6


def solve_roster(
    problem: RosterProblem, settings: SolverConfig, progress: Progress | None = None
) -> RosterResult:
    """Build and solve the model; raise WfmInputError naming the rules when none can hold.

    The first roster is the greedy one, or, when that breaks a rule over runs of days, one built
    agent by agent (`wfm.roster.construct`), or on a long horizon in the parallel mode, where
    that build would be long, one rolled forward a few days at a time (`wfm.roster.rolling`).
    The deterministic mode starts from the better of it and the LP relaxation rounded and
    improves it by neighbourhood search, with more units
    while it is far from the LP bound. A roster as cheap as the bound is optimal; one within
    PROVE_GAP of it is handed to a whole-model search, which may prove it so. Without a start
    or an LP bound (no first roster in time, or the LP ran out of time), the whole model is
    searched first and neighbourhoods follow. The parallel mode hands the first roster to
    CP-SAT as a hint: its neighbourhood searches alone improve it first, in rounds while they
    gain, then the whole portfolio (see IMPROVE_SHARE); on a large model or a long horizon,
    windows of every agent over a few days improve it instead, up to the end
    (`wfm.roster.windows`), and the phases follow only when the windows end early.
    """
    started = time.perf_counter()
    limit = settings.time_limit_seconds
    v = build_model(problem)
    if progress:
        progress(
            f"roster: {len(problem.agents)} agents, {len(v.x):,} shift choices, "
            f"time limit {limit:g} s"
        )
    # The LP relaxation (of a copy: the hints change below) runs beside the greedy roster
    # (HiGHS releases the GIL), but not beside the parallel search of a large model.
    pool = ThreadPoolExecutor(max_workers=1)
    lp_future: Future[Relaxation | None] | None = None
    if settings.deterministic or len(v.x) < PARALLEL_LP_MAX_CHOICES:
        lp_future = pool.submit(lp_relaxation, v.model.clone(), limit * LP_SHARE)
    greedy = greedy_roster(problem)
    # the neighbourhood search ends early enough for one more solve of this kind (`settle`)
    start, reserve = _timed_solve_shifts(v, greedy, settings)
    if start is None:
        # The greedy broke a rule over runs of days: on a long horizon, build the roster a
        # few days at a time (every agent at once), else, or failing that, one agent at a time.
        how = "agent by agent"
        built = None
        long_build = first_pass_units(problem) >= ROLLING_FROM_UNITS * limit
        if not settings.deterministic and len(v.x) >= WINDOW_MIN_CHOICES and long_build:
            built = day_by_day(problem, settings, started + limit * ROLLING_SHARE, progress)
            how = "a few days at a time"
        if built is not None:
            start, reserve = _timed_solve_shifts(v, built, settings)
        if start is None:
            built = agent_by_agent(problem, settings, started + limit * CONSTRUCT_SHARE)
            how = "agent by agent"
            if built is not None:
                start, reserve = _timed_solve_shifts(v, built, settings)
        if built is not None:
            greedy = built
        if progress:
            progress(
                f"roster: no first roster {how} either; the whole model is searched"
                if start is None
                else f"roster: built {how}, the first roster costs "
                f"{start.objective_value / OBJECTIVE_UNIT:,.0f}"
            )
    relaxation: Relaxation | None = None
    if settings.deterministic:
        # The relaxation has a time limit of its own: waiting for it keeps the roster
        # independent of the machine's speed. (The parallel portfolio starts at once.)
        relaxation = _result(lp_future, limit * LP_SHARE + LP_MIN_SECONDS)
        if relaxation is not None:
            start = _better(start, guided_roster(problem, v, relaxation, settings, progress))
    deadline = started + limit * LNS_CEILING - reserve
    bound = -float("inf")
    if settings.deterministic and start is not None and relaxation is not None:
        # Neighbourhoods first: on large rosters one worker searching the whole model finds
        # little in its budget, while neighbourhoods of a few agents keep improving.
        budget = Budget(
            units=limit * LNS_SHARE * LANES,
            extra=limit * DETERMINISTIC_SHARE,
            bound=relaxation.bound,
            near=PROVE_GAP,
        )
        solver = improve_roster(problem, v, start, settings, budget, deadline, progress)
        status = cp_model.FEASIBLE
        if budget.proves(solver.objective_value):
            status = cp_model.OPTIMAL  # the LP relaxation proves it
            bound = solver.objective_value
        elif (
            budget.near_bound(solver.objective_value)
            and _time_left(started, limit) > 1 + WALL_MARGIN * limit
        ):
            add_complete_hint(v, solver, greedy)
            proof, found = _main_search(v, settings, started, progress)
            if found == cp_model.OPTIMAL or (
                found == cp_model.FEASIBLE and proof.objective_value < solver.objective_value
            ):
                solver, status = proof, found
            if found in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                bound = proof.best_objective_bound
    else:
        windows = not settings.deterministic and windows_follow(problem, len(v.x))
        if start is not None and windows:
            # a long horizon: windows of every agent first (`wfm.roster.windows`), up to the
            # end, less the time to settle their roster in the whole model
            until = started + limit * (1 - WALL_MARGIN) - reserve
            start = sweep_windows(problem, v, start, settings, until, progress)
        add_complete_hint(v, start, greedy)
        whole = _time_left(started, limit) - WALL_MARGIN * limit > WHOLE_MODEL_LOADS * reserve
        if start is not None and windows and not whole:
            solver, status, bound = start, cp_model.FEASIBLE, objective_floor(v.model)
        elif start is not None and not settings.deterministic:
            solver, status, bound = _improve_then_prove(
                v, settings, started, greedy, start.objective_value, progress
            )
        else:
            solver, status = _main_search(v, settings, started, progress)
            bound = solver.best_objective_bound
        if status == cp_model.UNKNOWN and start is not None:
            # no better roster in time, but the verified start holds every rule: keep it
            solver, status = start, cp_model.FEASIBLE
            if progress:
                progress("roster: the search found nothing in time; keeping the roster so far")
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            pool.shutdown(wait=False, cancel_futures=True)
            raise WfmInputError(explain_infeasible(problem, settings, solver.status_name(status)))
        left = _time_left(started, limit)
        if status == cp_model.FEASIBLE and not settings.deterministic and left > 2 * reserve + 1:
            # the last answer may count a shortfall its shifts do not have (`tightened`)
            solver = tightened(v, solver, settings.seed, _fixed_units(settings), left - 1)
        if status == cp_model.FEASIBLE and settings.deterministic:
            # no start or bound to search neighbourhoods from before: search them from here
            solver = improve_roster(
                problem, v, solver, settings, limit * LNS_SHARE * LANES, deadline, progress
            )
    result = read_solution(problem, v, solver)
    if status != cp_model.OPTIMAL:
        # CP-SAT's own bound moves slowly on large rosters; the LP relaxation proves more
        if relaxation is None:
            left = limit - (time.perf_counter() - started)
            relaxation = _result(lp_future, max(left, LP_MIN_SECONDS))
        if relaxation is not None and relaxation.bound > bound:
            bound = min(relaxation.bound, solver.objective_value)
            if progress:
                progress(f"roster: the LP relaxation proves cost >= {bound / OBJECTIVE_UNIT:,.0f}")
    pool.shutdown(wait=False, cancel_futures=True)
    wall = time.perf_counter() - started
    return RosterResult(
        status=solver.status_name(status),
        objective=solver.objective_value / OBJECTIVE_UNIT,
        best_bound=bound / OBJECTIVE_UNIT,
        wall_seconds=wall,
        **result,
    )


# The whole model is searched after the neighbourhoods only when the roster is within this
# share of the LP bound: then a proof of optimality is within reach (the demo's roster is
# 0.1% above its bound and is proved in a few seconds); further off, the search would only
# improve it, which neighbourhoods do faster.
PROVE_GAP = 0.005
# CP-SAT overruns its wall limit on a large model (by about 1 s at 300 agents), and reading the
# roster takes time after it: the whole-model search stops this share of the limit early.
WALL_MARGIN = 0.04


def _main_search(
    v: RosterVars, settings: SolverConfig, started: float, progress: Progress | None
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """CP-SAT on the whole model (hinted beforehand), within what is left of the time limit
    less WALL_MARGIN of it."""
    solver = solver_parameters(settings)
    limit = settings.time_limit_seconds
    solver.parameters.max_time_in_seconds = max(
        0.1, _time_left(started, limit) - WALL_MARGIN * limit
    )
    if progress:
        return solver, solver.solve(v.model, _Reporter(progress))
    return solver, solver.solve(v.model)


# The parallel portfolio from a first roster searches in phases. From a first roster, CP-SAT's
# neighbourhood searches find the improvements, while its complete searches (LP, core, probing,
# shaving), most of the default portfolio, find few and hold most of the cores. So for
# IMPROVE_SHARE of the time left only neighbourhoods run, one worker per core (`use_lns_only`);
# the rest goes to the default portfolio, hinted with the roster found, which proves small
# rosters optimal. (IMPROVE_PHASES may list more phases, each with that share.)
# Public benchmark, one built roster, 8 workers on 2 shared cores (default portfolio; one
# complete worker; neighbourhoods only, 2 workers): Instance13, 240 s: 3,659; 3,229; 2,299.
# 90 s: 4,795; 3,480 and 3,814; 2,931 and 3,136. In `solve_roster`, 300 s: Instance13 2,833
# before; 2,837, 2,619 and 2,911 with both improving phases; 2,428 with neighbourhoods only (and
# Instance17 7,113; 7,106; 6,889; Instance19 5,521; -; 5,362). Instance3 with one complete
# worker alone stops at 1,003 in 60 s, unproved; the default portfolio proves 1,001 optimal
# after an improving phase too.
IMPROVE_SHARE = 2 / 3
# On a large model (`wfm.roster.windows`), windows of every agent take the time left after the
# first roster. Only when their sweeps end early, with time for WHOLE_MODEL_LOADS solves of the
# whole model (each pays to load it, about as long as its first solve with the shifts fixed),
# do the phases above follow. Public benchmark, Instance21, 600 s: with 0.8 of the time left to
# the windows and the phases after them, the windows reached 32,922 at 491 s, still gaining about
# 50 a second; the phases then gained 260 in 90 s (32,662). Instance23: the phases loaded the
# model for about 15 of their 20 s and found nothing. With the windows to the end (and the build
# in pairs): Instance21 30,945. The bound is then `objective_floor`: no search proved one.
WHOLE_MODEL_LOADS = 4
# A phase goes on in rounds of ROUND_SHARE of its first length while the last ROUND_SHARE of the
# round before gained ROUND_GAIN of the cost or more (and ROUND_MIN_SECONDS are left). Public
# benchmark, Instance13, 300 s: in one run the neighbourhoods still gained 12% in the last 25 s
# of their 2/3 (3,552 to 3,131), and the phases after them 3% in 157 s (to 2,913); in another
# they had settled at 2,728 long before their end. Rounds on the whole gain of a round, not its
# end, gave a second round to every instance (Instance3 was then proved optimal at 51 s, not 41).
ROUND_SHARE = 0.25
ROUND_GAIN = 0.01
ROUND_MIN_SECONDS = 5.0
IMPROVE_PHASES: tuple[tuple[str, dict[str, bool | int]], ...] = (
    ("neighbourhoods only", {"use_lns_only": True}),
)


def _improve_then_prove(
    v: RosterVars,
    settings: SolverConfig,
    started: float,
    shifts: set[tuple[int, int]],
    first_cost: float,
    progress: Progress | None,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus, float]:
    """The parallel portfolio in phases (see IMPROVE_PHASES) from the hinted first roster (of
    `first_cost`): the best response, its status and the best bound any phase proved."""
    limit = settings.time_limit_seconds
    share = (_time_left(started, limit) - WALL_MARGIN * limit) * IMPROVE_SHARE
    best: tuple[cp_model.CpSolver, cp_model.CpSolverStatus] | None = None
    bound = -float("inf")
    for name, changes in IMPROVE_PHASES:
        seconds = share
        cost = first_cost if best is None else best[0].objective_value
        while True:
            solver = _phase_solver(settings, changes, seconds)
            if progress:
                progress(f"roster: {name} for {seconds:.0f} s")
            trace = _Reporter(progress)
            found = solver.solve(v.model, trace)
            best, bound = _keep_better(best, solver, found), max(bound, solver.best_objective_bound)
            if best[1] != cp_model.FEASIBLE:
                return (*best, bound)  # proved optimal, or no roster at all
            add_complete_hint(v, best[0], shifts)
            # another round while the end of the last still gained enough
            late = trace.gain_after(seconds * (1 - ROUND_SHARE), cost)
            cost = best[0].objective_value
            seconds = min(share * ROUND_SHARE, _time_left(started, limit) - WALL_MARGIN * limit)
            if late <= ROUND_GAIN * abs(cost) or seconds < ROUND_MIN_SECONDS:
                break
    assert best is not None
    if _time_left(started, limit) <= 1 + WALL_MARGIN * limit:
        return (*best, bound)
    if progress:
        progress("roster: the whole portfolio searches on")
    prove, found = _main_search(v, settings, started, progress)
    best = _keep_better(best, prove, found)
    return (*best, max(bound, prove.best_objective_bound))


def _phase_solver(
    settings: SolverConfig, changes: dict[str, bool | int], seconds: float
) -> cp_model.CpSolver:
    """The portfolio with a phase's parameter changes, for `seconds`; neighbourhoods only get
    one worker per core."""
    solver = solver_parameters(settings)
    for key, value in changes.items():
        setattr(solver.parameters, key, value)
    if changes.get("use_lns_only"):
        solver.parameters.num_workers = min(settings.workers, os.cpu_count() or 1)
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    return solver


def _keep_better(
    best: tuple[cp_model.CpSolver, cp_model.CpSolverStatus] | None,
    solver: cp_model.CpSolver,
    status: cp_model.CpSolverStatus,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """`solver` when it proved its roster optimal or found a cheaper one than `best`."""
    if best is None or status == cp_model.OPTIMAL:
        return solver, status
    if status == cp_model.FEASIBLE and solver.objective_value < best[0].objective_value:
        return solver, status
    return best


def _time_left(started: float, limit: float) -> float:
    return limit - (time.perf_counter() - started)


def _result(future: Future[Relaxation | None] | None, timeout: float) -> Relaxation | None:
    if future is None:  # no relaxation was started
        return None
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        return None


def _better(
    solver: cp_model.CpSolver | None, other: cp_model.CpSolver | None
) -> cp_model.CpSolver | None:
    """The response with the lower cost (the first on a tie; None only if both are)."""
    if other is None or (solver is not None and other.objective_value >= solver.objective_value):
        return solver
    return other


def guided_roster(
    problem: RosterProblem,
    v: RosterVars,
    relaxation: Relaxation,
    settings: SolverConfig,
    progress: Progress | None = None,
) -> cp_model.CpSolver | None:
    """The LP relaxation rounded to a roster (`greedy_roster` guided by it), breaks and channel
    splits solved for its shifts; None when the rounding breaks a rule the greedy cannot see."""
    values = relaxation.values
    guide = Guide(
        shifts={key: float(values[var.index]) for key, var in v.x.items()},
        heads={key: float(values[var.index]) for key, var in v.option_heads.items()},
    )
    rounded = _solve_shifts(v, greedy_roster(problem, guide), settings)
    if rounded is not None and progress:
        progress(
            f"roster: the LP relaxation rounded to a roster costs "
            f"{rounded.objective_value / OBJECTIVE_UNIT:,.0f}"
        )
    return rounded


def _solve_shifts(
    v: RosterVars, shifts: set[tuple[int, int]], settings: SolverConfig
) -> cp_model.CpSolver | None:
    """A roster working exactly `shifts`, with its breaks and channel splits solved."""
    limit = settings.time_limit_seconds
    return solve_fixed(
        v,
        shifts,
        settings.seed,
        deterministic_time=_fixed_units(settings),
        seconds=max(1.0, limit * 0.1),
    )


def _fixed_units(settings: SolverConfig) -> float:
    """Deterministic units for solving the model with every shift fixed."""
    return max(0.5, settings.time_limit_seconds * 0.02)


def _timed_solve_shifts(
    v: RosterVars, shifts: set[tuple[int, int]], settings: SolverConfig
) -> tuple[cp_model.CpSolver | None, float]:
    """`_solve_shifts` and the seconds it took."""
    began = time.perf_counter()
    solved = _solve_shifts(v, shifts, settings)
    return solved, time.perf_counter() - began


def add_complete_hint(
    v: RosterVars, start: cp_model.CpSolver | None, shifts: set[tuple[int, int]]
) -> None:
    """Hint every variable, not only the shifts: `start`'s whole roster.

    A full assignment lets CP-SAT start from a feasible roster at once; with the shifts alone it
    may still spend its budget finding breaks and channel splits. Without `start` (the first
    roster broke a rule only the solver could see) only `shifts` are hinted.
    """
    v.model.clear_hints()
    if start is None:
        for key, var in v.x.items():
            v.model.add_hint(var, key in shifts)
        return
    for index in range(len(v.model.proto.variables)):
        var = v.model.get_int_var_from_proto_index(index)
        v.model.add_hint(var, start.value(var))


def explain_infeasible(
    problem: RosterProblem, settings: SolverConfig, status: str
) -> list[Problem]:
    """Name the agents and rules that cannot all hold, from a minimal set of failed guards."""
    if status != "INFEASIBLE":
        return [
            Problem(
                "roster",
                f"no roster found within {settings.time_limit_seconds:g} s ({status}); "
                "raise solver.time_limit_seconds",
            )
        ]
    core = infeasible_core(problem, min(30.0, settings.time_limit_seconds))
    if not core:
        return [Problem("roster", "the hard rules cannot all hold together")]
    by_agent: dict[int, list[str]] = defaultdict(list)
    for rule, agent in core:
        by_agent[agent].append(rule)
    return [
        Problem(
            "roster",
            f"agent {problem.agents[a].id}: {' + '.join(sorted(rules))} cannot all hold "
            "with the shifts left after templates, opening hours, skills and unavailability",
            field=problem.agents[a].id,
        )
        for a, rules in sorted(by_agent.items())
    ]


def infeasible_core(problem: RosterProblem, time_limit: float) -> list[tuple[str, int]]:
    """(rule, agent) pairs whose guards CP-SAT reports as a reason, then shrunk one by one."""
    v = build_model(problem, explain=True)
    v.model.clear_objective()
    guards = dict(v.guards)
    if not guards:
        return []

    def infeasible(keys: list[tuple[str, int]]) -> bool:
        v.model.clear_assumptions()
        v.model.add_assumptions([guards[k] for k in keys])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = time_limit
        return solver.solve(v.model) == cp_model.INFEASIBLE

    v.model.add_assumptions(list(guards.values()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    if solver.solve(v.model) != cp_model.INFEASIBLE:
        return []
    index = {var.index: key for key, var in guards.items()}
    core = [index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in index]
    # Deletion filter: drop each guard whose removal keeps the rest infeasible (small cores).
    for key in list(core):
        rest = [k for k in core if k != key]
        if len(core) <= 12 and rest and infeasible(rest):
            core = rest
    return core


def read_solution(problem: RosterProblem, v: RosterVars, solver: cp_model.CpSolver) -> dict:
    """Turn variable values into roster, assignment, coverage and wish frames."""
    horizon = problem.horizon
    stamps = horizon.intervals()
    shifts = chosen_shifts(problem, v, solver.value)
    chosen = dict(enumerate(shifts))
    break_starts: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for (a, o), taken in hand_out_breaks(problem, v, solver.value, shifts).items():
        option = problem.options[o]
        break_starts[a, o] = [(offset, option.break_length(rule)) for rule, offset in taken]

    shift_rows = []
    status: dict[int, dict[int, str | None]] = defaultdict(dict)  # interval -> agent -> state
    for a, days in sorted(chosen.items()):
        agent = problem.agents[a]
        for day, o in sorted(days.items()):
            option = problem.options[o]
            on_break: set[int] = set()
            texts = []
            for offset, length in sorted(break_starts[a, o]):
                first = option.first_interval + offset
                on_break.update(range(first, first + length))
                start = option.start_minute + offset * horizon.interval_minutes
                texts.append(
                    f"{format_clock(start % 1440)}-"
                    f"{format_clock((start + length * horizon.interval_minutes) % 1440)}"
                )
            for i in range(option.first_interval, option.first_interval + option.n_intervals):
                if i < len(stamps):
                    status[i][a] = BREAK_ACTIVITY if i in on_break else None
            shift_rows.append(
                {
                    "agent_id": agent.id,
                    "date": horizon.dates[day],
                    "shift_start": format_clock(option.start_minute),
                    "shift_end": format_clock(option.end_minute % 1440),
                    "paid_minutes": option.paid_minutes,
                    "breaks": ";".join(texts),
                    "agent_name": agent.name,
                    "shift": option.template,
                    "family": option.family,
                }
            )

    assignment_rows = []
    scheduled = np.zeros(problem.required.shape, dtype=int)
    previous: dict[int, str] = {}
    for i in sorted(status):
        by_group: dict[int, list[int]] = defaultdict(list)
        for a, state in sorted(status[i].items()):
            if state is None:
                by_group[problem.agent_group[a]].append(a)
            else:
                assignment_rows.append((stamps[i], problem.agents[a].id, state))
        for group, agents in by_group.items():
            quota = {
                c: int(solver.value(v.serving[i, group, c]))
                for c in range(len(problem.channels))
                if (i, group, c) in v.serving
            }
            if not quota:  # no interval demand was modelled: agents stay on their first skill
                quota = {problem.channels.index(problem.groups[group][0]): len(agents)}
            for a, c in _assign_channels(agents, quota, previous, problem.channels):
                name = problem.channels[c]
                previous[a] = name
                scheduled[i, c] += 1
                assignment_rows.append((stamps[i], problem.agents[a].id, name))

    coverage_rows = []
    for c, channel in enumerate(problem.channels):
        for i, ts in enumerate(stamps):
            need, have = int(problem.required[i, c]), int(scheduled[i, c])
            if problem.open_channel[i, c] or need or have:
                coverage_rows.append((ts, channel, need, have, have - need, np.nan))

    penalties = {
        name: sum(
            coef * solver.value(expr) if not isinstance(expr, int) else coef * expr
            for coef, expr in terms
        )
        / OBJECTIVE_UNIT
        for name, terms in v.penalties.items()
    }
    return {
        "shifts": pd.DataFrame(
            shift_rows, columns=[*ROSTER_COLUMNS, "agent_name", "shift", "family"]
        ),
        "assignments": pd.DataFrame(assignment_rows, columns=list(ASSIGNMENT_COLUMNS)),
        "coverage": pd.DataFrame(coverage_rows, columns=list(COVERAGE_COLUMNS)),
        "wishes": wish_outcomes(problem, chosen),
        "penalties": penalties,
    }


def _assign_channels(
    agents: list[int],
    quota: dict[int, int],
    previous: dict[int, str],
    channels: tuple[str, ...],
) -> list[tuple[int, int]]:
    """Give each working agent a channel, keeping agents on the channel they had before."""
    left = dict(quota)
    result = []
    waiting = []
    for a in agents:
        c = channels.index(previous[a]) if a in previous else -1
        if left.get(c, 0) > 0:
            left[c] -= 1
            result.append((a, c))
        else:
            waiting.append(a)
    for a in waiting:
        c = next(ch for ch, n in sorted(left.items()) if n > 0)
        left[c] -= 1
        result.append((a, c))
    return result


def wish_outcomes(problem: RosterProblem, chosen: dict[int, dict[int, int]]) -> pd.DataFrame:
    """Every submitted wish, whether the roster grants it, and why not where it does not.

    A wish spans days and is granted only when all of them are. The reason names each day
    it was not, what the agent was rostered instead, and the facts a planner checks next:
    whether the contract's minimum hours needed that shift, and how many colleagues were
    granted a day off they wished for on the same day.
    """
    dates = problem.horizon.dates
    rows = []
    terms_by_wish: dict[tuple[int, int], list[WishTerm]] = defaultdict(list)
    for term in problem.wishes:
        terms_by_wish[term.agent, term.wish_index].append(term)
    impossible: dict[tuple[int, int], list[str]] = defaultdict(list)
    wishes = {(t.agent, t.wish_index): t.wish for t in problem.wishes}
    for a, w, wish, reason in problem.unmet_wishes:
        impossible[a, w].append(reason)
        wishes[a, w] = wish
    days_off_granted: dict[int, int] = defaultdict(int)
    for term in problem.wishes:
        if term.wish.day_off and chosen[term.agent].get(term.day) is None:
            days_off_granted[term.day] += 1
    paid = {
        a: sum(problem.options[o].paid_minutes for o in days.values()) for a, days in chosen.items()
    }
    for (a, w), wish in sorted(wishes.items()):
        agent = problem.agents[a]
        contract = problem.config.contracts.get(agent.contract)
        minimum = (contract.min_hours_per_week if contract else 0) * 60 * len(dates) / 7
        denied, granted = [], []
        for term in sorted(terms_by_wish.get((a, w), []), key=lambda t: t.day):
            option = chosen[a].get(term.day)
            day = f"{dates[term.day]:%a} {dates[term.day].isoformat()}"
            if not term.violated_by(option):
                granted.append(day)
                continue
            if option is None:
                instead = "rostered off"
            else:
                shift = problem.options[option]
                instead = f"rostered {shift.template} {shift.label}"
                if paid.get(a, 0) - shift.paid_minutes < minimum:
                    instead += f"; without it the contract's {minimum / 60:g} h minimum is not met"
            if wish.day_off and days_off_granted[term.day]:
                instead += f"; {days_off_granted[term.day]} colleague(s) got this day off as wished"
            denied.append(f"{day} ({instead})")
        reasons = list(impossible.get((a, w), []))
        if denied:
            reasons.append("outweighed by coverage or other wishes on " + ", ".join(denied))
        if reasons and granted:
            reasons.append("granted on " + ", ".join(granted))
        rows.append(
            {
                "agent_id": agent.id,
                "wish": wish.describe(),
                "priority": wish.priority,
                "granted": not reasons,
                "reason": "; ".join(reasons),
                "wish_index": w,
            }
        )
    return pd.DataFrame(
        rows, columns=["agent_id", "wish", "priority", "granted", "reason", "wish_index"]
    )
