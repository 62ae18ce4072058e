"""Large-neighbourhood search: re-solve part of a roster with the rest held, keep what improves.

One deterministic CP-SAT worker explores a large roster slowly: at 15-minute intervals and a
few hundred agents its first minute ends far from the optimum, and with one worker CP-SAT runs
none of its own neighbourhood searches. Here the incumbent roster is improved the classic way:
free a neighbourhood — a random group of agents over the whole horizon, or a larger group over
a window of two days — hold every other shift choice at its incumbent value, and solve that much
smaller model from the incumbent (hinted, so it starts feasible). An improvement becomes the new
incumbent. The neighbourhood grows when its solves finish early and shrinks when they time out.

Everything is deterministic: neighbourhoods come from a generator seeded with the solver seed,
each solve is bounded by CP-SAT's deterministic clock (plus a fixed charge per step for
building it), and the search stops once its deterministic budget is spent. The wall-clock
deadline is only a ceiling against a stall; set it well beyond the budget's expected length.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model

from wfm.config import SolverConfig
from wfm.roster.model import RosterVars
from wfm.roster.problem import OBJECTIVE_UNIT, RosterProblem

Progress = Callable[[str], None]

STEP_DETERMINISTIC_TIME = 0.5  # per neighbourhood solve
WINDOW_DAYS = 2
WINDOW_FACTOR = 3  # a two-day window frees this many times the agents of a whole-week one
WHOLE_WEEK_EVERY = 4  # one neighbourhood in four frees whole weeks: windows improve more
START_AGENTS = 6
MIN_AGENTS = 3
# Deterministic units charged per step and model variable for cloning, hinting and presolving
# the step's model, which CP-SAT's clock does not count (measured: ~1 s of wall per step on a
# 17,000-variable roster, against ~0.5 units counted).
STEP_OVERHEAD_PER_VARIABLE = 2e-5


def improve_roster(
    problem: RosterProblem,
    v: RosterVars,
    incumbent: cp_model.CpSolver,
    settings: SolverConfig,
    budget: float,
    deadline: float,
    progress: Progress | None = None,
) -> cp_model.CpSolver:
    """The best solver response found by neighbourhood search from `incumbent`.

    `budget` is in CP-SAT deterministic time units; `deadline` is a `time.perf_counter()`
    moment after which no new neighbourhood starts. Returns `incumbent` when nothing improves.
    """
    best = incumbent
    best_value = incumbent.objective_value
    values = list(incumbent.response_proto.solution)
    rng = np.random.default_rng(settings.seed)
    agents = len(problem.agents)
    days = problem.horizon.days
    size = min(agents, START_AGENTS)
    option_day = [option.day for option in problem.options]
    overhead = STEP_OVERHEAD_PER_VARIABLE * len(values)
    spent = 0.0
    step = 0
    while spent < budget and time.perf_counter() < deadline and agents > 1:
        window = step % WHOLE_WEEK_EVERY != 0 and days > WINDOW_DAYS
        count = min(agents, size * WINDOW_FACTOR if window else size)
        free_agents = set(rng.choice(agents, size=count, replace=False).tolist())
        first, last = 0, days - 1
        if window:
            first = int(rng.integers(0, days - WINDOW_DAYS + 1))
            last = first + WINDOW_DAYS - 1
        trial = v.model.clone()
        trial.clear_hints()
        for index, value in enumerate(values):
            trial.add_hint(trial.get_int_var_from_proto_index(index), value)
        for (a, o), var in v.x.items():
            if a not in free_agents or not first <= option_day[o] <= last:
                trial.add(trial.get_bool_var_from_proto_index(var.index) == values[var.index])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = settings.seed + step
        solver.parameters.max_deterministic_time = min(STEP_DETERMINISTIC_TIME, budget - spent)
        solver.parameters.max_time_in_seconds = max(0.1, deadline - time.perf_counter())
        status = solver.solve(trial)
        # building each step's model costs time CP-SAT does not count; charge it, so tiny
        # models that solve in no measurable time still finish
        spent += solver.response_proto.deterministic_time + overhead
        step += 1
        whole = len(free_agents) == agents and first == 0 and last == days - 1
        if whole and status == cp_model.OPTIMAL:
            if solver.objective_value < best_value - 1e-6:
                best, best_value = solver, solver.objective_value
            break  # the whole roster was solved to optimality: nothing left to gain
        if status == cp_model.OPTIMAL:
            size = min(agents, round(size * 1.2) + 1)  # solved to the end: try a bigger one
        else:
            size = max(MIN_AGENTS, round(size * 0.8))
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (
            solver.objective_value < best_value - 1e-6
        ):
            best, best_value = solver, solver.objective_value
            values = list(solver.response_proto.solution)
            if progress:
                progress(
                    f"roster: neighbourhood {step} improves the cost to "
                    f"{best_value / OBJECTIVE_UNIT:,.0f}"
                )
    return best
