"""Coverage: heads serving each channel in each interval against the requirement."""

from __future__ import annotations

import math
from collections import defaultdict

from ortools.sat.python import cp_model

from wfm.roster.model import PenaltyTerms, RosterVars
from wfm.roster.problem import RosterProblem


def group_heads(problem: RosterProblem, v: RosterVars) -> dict[tuple[int, int], list]:
    """Per (interval, group): + the group's heads on each shift covering it (one variable per
    shift, `RosterVars.option_heads`), - break counts for those on break, and the held agents
    on duty there as a constant."""
    heads: dict[tuple[int, int], list] = defaultdict(list)
    if problem.held is not None:
        for i, group in zip(*problem.held.heads.nonzero(), strict=True):
            heads[int(i), int(group)].append(int(problem.held.heads[i, group]))
    for (o, group), on_shift in v.option_heads.items():
        option = problem.options[o]
        for i in range(option.first_interval, option.first_interval + option.n_intervals):
            if i < problem.n_intervals:
                heads[i, group].append(on_shift)
    for (o, group, rule, offset), count in v.breaks.items():
        option = problem.options[o]
        start = option.first_interval + offset
        for i in range(start, start + option.break_length(rule)):
            if i < problem.n_intervals:
                heads[i, group].append(-count)
    return heads


def add_shift_cover(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Demand per day and shift template: heads on that shift against the requirement.

    A day and shift that no modelled choice can change (only held or pinned shifts reach it)
    costs a constant: a neighbourhood of a few agents over a long horizon then adds no
    variables for the days outside its window.
    """
    terms: PenaltyTerms = []
    by_shift: dict[tuple[int, str], list] = defaultdict(list)
    fixed: dict[tuple[int, str], int] = defaultdict(int)
    frozen = problem.held.frozen if problem.held is not None else frozenset()
    for (a, o), var in v.x.items():
        option = problem.options[o]
        if (a, o) in frozen:  # pinned to work it
            fixed[option.day, option.template] += 1
        else:
            by_shift[option.day, option.template].append(var)
    held = problem.held.shift_heads if problem.held is not None else {}
    for day, template, need, under_weight, over_weight in problem.shift_cover:
        constant = fixed[day, template] + held.get((day, template), 0)
        free = by_shift.get((day, template))
        if not free:
            terms += [
                (under_weight, max(0, need - constant)),
                (over_weight, max(0, constant - need)),
            ]
            continue
        heads = sum(free) + constant
        if need and under_weight:
            under = v.model.new_int_var(0, need, f"scover_under_{day}_{template}")
            v.model.add(under >= need - heads)
            terms.append((under_weight, under))
        if over_weight:
            over = v.model.new_int_var(0, problem.max_heads, f"scover_over_{day}_{template}")
            v.model.add(over >= heads - need)
            terms.append((over_weight, over))
    return terms


def _interval_cover_matters(problem: RosterProblem) -> bool:
    # A problem stated only per shift (no interval demand, surplus free) needs no interval model.
    return bool(problem.required.any()) or problem.over_weight > 0


def add_coverage(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Split each group's heads over its open channels; penalise under-coverage.

    Under-coverage is weighted per interval (peaks weigh more), so the solver puts scarce agents
    where the planner said a missing head hurts most.
    """
    model = v.model
    if not _interval_cover_matters(problem):
        return []
    heads = group_heads(problem, v)
    n_agents = problem.max_heads
    held_split = problem.held.split if problem.held is not None else {}
    for (i, group), parts in heads.items():
        on_duty = sum(parts)
        channels = [
            c
            for c, name in enumerate(problem.channels)
            if name in problem.groups[group] and problem.open_channel[i, c]
        ]
        if isinstance(on_duty, int) and all((i, group, c) in held_split for c in channels):
            for c in channels:  # only held heads here, split as they are
                v.serving[i, group, c] = held_split[i, group, c]
            continue
        if len(channels) == 1:
            v.serving[i, group, channels[0]] = on_duty
            continue
        split = []
        for c in channels:
            var = model.new_int_var(0, n_agents, f"srv_{i}_{group}_{c}")
            v.serving[i, group, c] = var
            split.append(var)
        model.add(sum(split) == on_duty)
    terms: PenaltyTerms = []
    served = scheduled_heads(v)
    for (i, c), scheduled in served.items():
        need = int(problem.required[i, c])
        if need > 0:
            steps = _steps(problem, i, c)
            if isinstance(scheduled, int):  # held heads only: the shortfall is known
                terms.append((1, _step_cost(steps, need - scheduled)))
                continue
            under = model.new_int_var(0, need, f"under_{i}_{c}")
            model.add(under >= need - scheduled)
            v.under[i, c] = under
            terms += _shortage_steps(model, under, steps, i, c)
    for i, c in zip(*problem.required.nonzero(), strict=True):
        if (int(i), int(c)) not in served:  # demand nobody can serve: a constant penalty
            terms.append(
                (1, _step_cost(_steps(problem, int(i), int(c)), int(problem.required[i, c])))
            )
    return terms


def _steps(problem: RosterProblem, i: int, c: int) -> list[tuple[int, int]]:
    """(cost per head, heads) steps of a shortfall at (interval, channel): service-priced where
    known, else the headcount tiers at the interval's under-coverage weight."""
    need = int(problem.required[i, c])
    return problem.shortage_steps.get((i, c)) or [
        (int(problem.under_weight[i, c]) * m, n) for m, n in shortage_tiers(need)
    ]


def _step_cost(steps: list[tuple[int, int]], missing: int) -> int:
    """What `missing` heads cost when the cheapest steps fill first (0 when none are missing)."""
    cost = 0
    for per_head, size in steps:
        take = min(size, max(0, missing))
        cost += per_head * take
        missing -= take
    return cost


# A shortage costs more per head the deeper it cuts into an interval's requirement: the first
# 10% missing at the base weight, up to 25% at twice it, beyond that four times. Service falls
# ever faster as heads go missing, so two channels each a little short beat one channel
# empty. The costs rise with depth, so the piecewise-linear penalty is convex and the solver
# fills the cheap tier first by itself: no ordering constraints are needed.
SHORTAGE_TIERS = ((0.10, 1), (0.25, 2), (1.00, 4))


def shortage_tiers(need: int) -> list[tuple[int, int]]:
    """(multiplier, heads) per tier for an interval needing `need` heads."""
    tiers = []
    covered = 0
    for share, multiplier in SHORTAGE_TIERS:
        upto = max(covered + 1, math.ceil(share * need)) if share < 1 else need
        upto = min(upto, need)
        if upto > covered:
            tiers.append((multiplier, upto - covered))
            covered = upto
    return tiers


def _shortage_steps(
    model: cp_model.CpModel, under: cp_model.IntVar, steps: list[tuple[int, int]], i: int, c: int
) -> PenaltyTerms:
    """Split the shortfall into steps of rising cost; convexity makes the cheap ones fill first."""
    if len(steps) == 1:
        return [(steps[0][0], under)]
    parts = []
    terms: PenaltyTerms = []
    for k, (cost, size) in enumerate(steps):
        part = model.new_int_var(0, size, f"under_{i}_{c}_s{k}")
        parts.append(part)
        terms.append((cost, part))
    model.add(sum(parts) == under)
    return terms


def scheduled_heads(v: RosterVars) -> dict[tuple[int, int], cp_model.LinearExprT]:
    """Per (interval, channel): heads serving it, summed over skill groups."""
    by_slot: dict[tuple[int, int], list] = defaultdict(list)
    for (i, _group, c), expr in v.serving.items():
        by_slot[i, c].append(expr)
    return {key: sum(parts) for key, parts in by_slot.items()}


def add_over_coverage(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Penalise heads beyond the requirement, so spare capacity goes where it is needed."""
    terms: PenaltyTerms = []
    if problem.over_weight == 0:
        return terms
    for (i, c), scheduled in scheduled_heads(v).items():
        if isinstance(scheduled, int):  # held heads only: the surplus is known
            terms.append((problem.over_weight, max(0, scheduled - int(problem.required[i, c]))))
            continue
        over = v.model.new_int_var(0, problem.max_heads, f"over_{i}_{c}")
        v.model.add(over >= scheduled - int(problem.required[i, c]))
        v.over[i, c] = over
        terms.append((problem.over_weight, over))
    return terms
