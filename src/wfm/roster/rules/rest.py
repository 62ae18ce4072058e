"""Rest between shifts."""

from __future__ import annotations

from wfm.roster.model import PenaltyTerms, RosterVars
from wfm.roster.problem import RosterProblem


def add_min_rest_between_shifts(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """No shift may start sooner than min_rest_hours after the previous day's shift ended.

    With one shift a day, at most one of the conflicting next-day shifts can be chosen, so a
    single `x[o] + sum(conflicts) <= 1` per shift encodes every forbidden pair at once.
    """
    rest = problem.config.rules.min_rest_hours * 60
    for a in range(len(problem.agents)):
        by_day: dict[int, list[int]] = {}
        for o in problem.agent_options[a]:
            by_day.setdefault(problem.options[o].day, []).append(o)
        for o in problem.agent_options[a]:
            option = problem.options[o]
            conflicts = [
                later
                for later in by_day.get(option.day + 1, [])
                if problem.options[later].start_minute + 1440 - option.end_minute < rest
            ]
            if conflicts:
                ct = v.model.add(v.x[a, o] + sum(v.x[a, c] for c in conflicts) <= 1)
                v.hard(ct, "min_rest_between_shifts", a)
    return []


def add_forbidden_sequences(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Shift pairs that may not follow one another on consecutive days (e.g. late -> early)."""
    pairs = {(s.first, s.then) for s in problem.config.rules.forbidden_sequences}
    if not pairs:
        return []
    for a in range(len(problem.agents)):
        by_day: dict[int, list[int]] = {}
        for o in problem.agent_options[a]:
            by_day.setdefault(problem.options[o].day, []).append(o)
        for o in problem.agent_options[a]:
            option = problem.options[o]
            banned = [
                later
                for later in by_day.get(option.day + 1, [])
                if (option.template, problem.options[later].template) in pairs
            ]
            if banned:
                ct = v.model.add(v.x[a, o] + sum(v.x[a, b] for b in banned) <= 1)
                v.hard(ct, "forbidden_sequences", a)
    return []
