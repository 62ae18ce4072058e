"""Shift-level rules: one shift a day, breaks placed inside their windows."""

from __future__ import annotations

from wfm.roster.model import PenaltyTerms, RosterVars
from wfm.roster.problem import RosterProblem


def add_one_shift_per_day(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    for a in range(len(problem.agents)):
        for day in range(problem.horizon.days):
            day_vars = v.agent_day(problem, a, day)
            if len(day_vars) > 1:
                v.model.add_at_most_one(day_vars)
    return []


def add_breaks_inside_shifts(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Every worked shift takes each of its breaks at one allowed offset.

    Counted per (shift, skill group): of the n agents of a group on a shift, exactly n take the
    break, spread over the allowed offsets. Agents of a group are interchangeable for coverage,
    so this is exact and far smaller than a break variable per agent.
    """
    for (o, group), workers in v.option_group.items():
        option = problem.options[o]
        for choice in option.breaks:
            counts = []
            for offset in choice.offsets:
                var = v.model.new_int_var(
                    0, len(workers), f"brk_{o}_{group}_{choice.rule}_{offset}"
                )
                v.breaks[o, group, choice.rule, offset] = var
                counts.append(var)
            v.model.add(sum(counts) == v.option_heads[o, group])
    return []


def add_locked_shifts(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """A planner's pins hold: the agent works one of the pinned options that day, or is off."""
    for agent, day, allowed in problem.locks:
        day_vars = v.agent_day(problem, agent, day)
        pinned = [v.x[agent, o] for o in allowed]
        if pinned:
            v.hard(v.model.add(sum(pinned) == 1), "locked_shifts", agent)
        else:
            for var in day_vars:
                v.hard(v.model.add(var == 0), "locked_shifts", agent)
    return []
