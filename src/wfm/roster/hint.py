"""A fast greedy roster, given to CP-SAT as a hint so large problems start from a good place.

Agents are taken most-constrained first; each takes, day by day, the shift that covers most of
the demand still open for its skills, until its contract is met and no shift helps any more.
The greedy keeps the rules it can check locally (one shift a day, rest, forbidden sequences,
weekly hours and days, per-type and total limits, locks); CP-SAT repairs whatever else it
breaks. It is a hint, never the answer: the solver's result replaces it.
"""

from __future__ import annotations

import math

import numpy as np

from wfm.roster.problem import RosterProblem


def greedy_roster(problem: RosterProblem) -> set[tuple[int, int]]:
    """(agent, option) pairs of a quick roster."""
    residual = problem.required.astype(float).copy()
    skill_cols = [
        [problem.channels.index(ch) for ch in problem.groups[g]] for g in range(len(problem.groups))
    ]
    cover_need = {(day, t): need for day, t, need, *_ in problem.shift_cover}
    locked = {(a, day): allowed for a, day, allowed in problem.locks}
    rest = problem.config.rules.min_rest_hours * 60
    banned = {(s.first, s.then) for s in problem.config.rules.forbidden_sequences}
    order = sorted(range(len(problem.agents)), key=lambda a: len(problem.agent_options[a]))
    chosen: set[tuple[int, int]] = set()
    for a in order:
        agent = problem.agents[a]
        contract = problem.config.contracts[agent.contract]
        cols = skill_cols[problem.agent_group[a]]
        by_day: dict[int, list[int]] = {}
        for o in problem.agent_options[a]:
            by_day.setdefault(problem.options[o].day, []).append(o)
        week_minutes: dict[int, int] = {}
        week_days: dict[int, int] = {}
        per_type: dict[str, int] = {}
        mine: dict[int, int] = {}
        total = 0
        max_total = (
            contract.max_hours_total * 60 if contract.max_hours_total is not None else math.inf
        )
        min_total = max(
            (contract.min_hours_total or 0) * 60,
            contract.min_hours_per_week * 60 * problem.horizon.days / 7,
        )

        def value(o: int) -> float:
            option = problem.options[o]
            span = slice(option.first_interval, option.first_interval + option.n_intervals)
            gain = float(np.clip(residual[span][:, cols], 0, None).sum()) if cols else 0.0
            gain += max(0, cover_need.get((option.day, option.template), 0)) * 10
            return gain

        def allowed(o: int) -> bool:
            option = problem.options[o]
            week = option.day // 7
            share = min(7, problem.horizon.days - 7 * week) / 7
            if option.day in mine or (a, option.day) in locked and o not in locked[a, option.day]:
                return False
            if week_days.get(week, 0) + 1 > math.ceil(contract.max_days_per_week * share):
                return False
            if (
                week_minutes.get(week, 0) + option.paid_minutes
                > contract.max_hours_per_week * 60 * share
            ):
                return False
            if total + option.paid_minutes > max_total:
                return False
            limit = contract.max_shifts.get(option.template)
            if limit is not None and per_type.get(option.template, 0) >= limit:
                return False
            for other_day, sign in ((option.day - 1, -1), (option.day + 1, 1)):
                other = mine.get(other_day)
                if other is None:
                    continue
                first, then = (
                    (problem.options[other], option)
                    if sign < 0
                    else (option, problem.options[other])
                )
                if then.start_minute + 1440 - first.end_minute < rest:
                    return False
                if (first.template, then.template) in banned:
                    return False
            return True

        for (la, day), allowed_options in locked.items():
            if la == a and allowed_options:
                _take(a, allowed_options[0], problem, residual, cols, mine, chosen)
        while True:
            candidates = [o for opts in by_day.values() for o in opts if allowed(o)]
            if not candidates:
                break
            best = max(candidates, key=lambda o: (value(o), -o))
            if value(best) <= 0 and total >= min_total:
                break
            option = problem.options[best]
            _take(a, best, problem, residual, cols, mine, chosen)
            week = option.day // 7
            week_minutes[week] = week_minutes.get(week, 0) + option.paid_minutes
            week_days[week] = week_days.get(week, 0) + 1
            per_type[option.template] = per_type.get(option.template, 0) + 1
            total += option.paid_minutes
            if (option.day, option.template) in cover_need:
                cover_need[option.day, option.template] -= 1
    return chosen


def _take(
    a: int,
    o: int,
    problem: RosterProblem,
    residual: np.ndarray,
    cols: list[int],
    mine: dict[int, int],
    chosen: set[tuple[int, int]],
) -> None:
    option = problem.options[o]
    mine[option.day] = o
    chosen.add((a, o))
    if not cols:
        return
    span = range(
        option.first_interval, min(option.first_interval + option.n_intervals, residual.shape[0])
    )
    for i in span:
        # Count the head once, on the skill channel that still needs it most.
        c = max(cols, key=lambda col: residual[i, col])
        residual[i, c] -= 1
