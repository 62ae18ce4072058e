"""A solved roster in named form: each agent's shifts and breaks, and each group's channel split.

The model decides breaks and channel splits per skill group (agents of a group are
interchangeable there); reading a solution hands them out to named agents. The neighbourhood
search keeps its incumbent in this form, because it re-solves a few agents at a time in models
of their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from wfm.roster.model import RosterVars
from wfm.roster.problem import RosterProblem

Value = Callable[[cp_model.LinearExprT], int]


@dataclass(frozen=True)
class Incumbent:
    shifts: tuple[dict[int, int], ...]  # per agent: day -> option
    breaks: dict[tuple[int, int], list[tuple[int, int]]]  # (agent, option) -> (rule, offset)s
    split: dict[tuple[int, int, int], int]  # (interval, group, channel) -> heads serving
    objective: float  # in objective units


def chosen_shifts(problem: RosterProblem, v: RosterVars, value: Value) -> list[dict[int, int]]:
    """Per agent of the model: day -> the option it works."""
    chosen: list[dict[int, int]] = [{} for _ in problem.agents]
    for (a, o), var in v.x.items():
        if value(var):
            chosen[a][problem.options[o].day] = o
    return chosen


def hand_out_breaks(
    problem: RosterProblem, v: RosterVars, value: Value, chosen: list[dict[int, int]]
) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """(agent, option) -> (break rule, offset) per break, from the per-group break counts.

    Agents get the counted offsets in agent order, so the result is reproducible.
    """
    on_option: dict[tuple[int, int], list[int]] = defaultdict(list)
    for a, days in enumerate(chosen):
        for o in days.values():
            on_option[o, problem.agent_group[a]].append(a)
    found: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for (o, group), agents in sorted(on_option.items()):
        if (o, group) not in v.option_group:
            continue  # a shift pinned in a neighbourhood: its breaks are held, not modelled
        for choice in problem.options[o].breaks:
            slots: list[int] = []
            for offset in choice.offsets:
                slots += [offset] * value(v.breaks[o, group, choice.rule, offset])
            for a, offset in zip(agents, slots, strict=True):
                found[a, o].append((choice.rule, offset))
    return dict(found)


def read_incumbent(problem: RosterProblem, v: RosterVars, solver: cp_model.CpSolver) -> Incumbent:
    chosen = chosen_shifts(problem, v, solver.value)
    return Incumbent(
        shifts=tuple(chosen),
        breaks=hand_out_breaks(problem, v, solver.value, chosen),
        split={key: int(solver.value(expr)) for key, expr in v.serving.items()},
        objective=solver.objective_value,
    )


def solve_fixed(
    v: RosterVars,
    shifts: set[tuple[int, int]],
    seed: int,
    deterministic_time: float,
    seconds: float,
    hints: Mapping[int, int] | None = None,
) -> cp_model.CpSolver | None:
    """Solve a copy of the model with the shift variables fixed to `shifts` ((agent, option)
    pairs worked); `hints` (proto index -> value) may start the breaks and channel splits.

    The copy has the model's variable indices, so the response reads as one of the model.
    None when no roster with those shifts is found (it breaks a rule, or time ran out).
    """
    trial = v.model.clone()
    trial.clear_hints()
    for key, var in v.x.items():
        trial.add(trial.get_bool_var_from_proto_index(var.index) == int(key in shifts))
    for index, value in (hints or {}).items():
        trial.add_hint(trial.get_int_var_from_proto_index(index), value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = deterministic_time
    solver.parameters.max_time_in_seconds = seconds
    if solver.solve(trial) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return solver


def tightened(
    v: RosterVars,
    solver: cp_model.CpSolver,
    seed: int,
    deterministic_time: float,
    seconds: float,
) -> cp_model.CpSolver:
    """`solver`'s roster solved again with its shifts fixed (`solve_fixed`), when that costs less.

    An answer CP-SAT gives before its proof may count a cost its shifts do not incur: a
    shortfall or surplus variable above the gap it measures (a neighbourhood search may hold
    one where it was while other agents fill the gap). With every shift fixed, CP-SAT sets what
    is left. (Public benchmark, Instance23, session 9: the model counted 104,564 for a roster
    the independent evaluator scores 104,463.)
    """
    shifts = {key for key, var in v.x.items() if solver.boolean_value(var)}
    tight = solve_fixed(v, shifts, seed, deterministic_time, seconds)
    if tight is not None and tight.objective_value < solver.objective_value - 1e-6:
        return tight
    return solver
