"""Rest between shifts, and shift sequences that may not follow one another."""

from __future__ import annotations

from collections.abc import Callable

from wfm.roster.model import PenaltyTerms, RosterVars
from wfm.roster.problem import RosterProblem, ShiftOption


def _forbid_next_day(
    problem: RosterProblem,
    v: RosterVars,
    rule: str,
    clash: Callable[[ShiftOption, ShiftOption], bool],
) -> None:
    """For each shift, forbid the next-day shifts that clash with it.

    With one shift a day, at most one of the clashing next-day shifts can be chosen, so a single
    `x[o] + sum(clashes) <= 1` per shift encodes every forbidden pair at once.
    """
    for a in range(len(problem.agents)):
        by_day = problem.options_by_day[a]
        for o in problem.agent_options[a]:
            option = problem.options[o]
            if v.pinned_span(problem, option.day, option.day + 1):
                continue
            clashes = [
                later
                for later in by_day.get(option.day + 1, ())
                if clash(option, problem.options[later])
            ]
            if clashes:
                ct = v.model.add(v.x[a, o] + sum(v.x[a, c] for c in clashes) <= 1)
                v.hard(ct, rule, a)


def add_min_rest_between_shifts(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """No shift may start sooner than min_rest_hours after the previous day's shift ended."""
    rest = problem.config.rules.min_rest_hours * 60
    _forbid_next_day(
        problem,
        v,
        "min_rest_between_shifts",
        lambda first, then: then.start_minute + 1440 - first.end_minute < rest,
    )
    return []


def add_forbidden_sequences(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Shift pairs that may not follow one another on consecutive days (e.g. late -> early)."""
    pairs = {(s.first, s.then) for s in problem.config.rules.forbidden_sequences}
    if pairs:
        _forbid_next_day(
            problem,
            v,
            "forbidden_sequences",
            lambda first, then: (first.template, then.template) in pairs,
        )
    return []
