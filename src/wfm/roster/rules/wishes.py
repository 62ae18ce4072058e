"""Agents' wishes from their preference files, as weighted soft rules."""

from __future__ import annotations

from ortools.sat.python.cp_model import LinearExprT

from wfm.roster.model import PenaltyTerms, RosterVars
from wfm.roster.problem import RosterProblem, WishTerm


def wish_violations(problem: RosterProblem, v: RosterVars) -> list[tuple[WishTerm, LinearExprT]]:
    """Per wish day, a 0/1 expression that is 1 when the roster breaks it.

    Every wish day is linear in the shift variables (one shift a day makes `sum(violating)` a
    0/1 quantity), so no extra variables are needed.
    """
    found: list[tuple[WishTerm, LinearExprT]] = []
    for term in problem.wishes:
        if term.violated_when_off:
            # Wanted shift: missed by any other shift and by a day off = 1 - (wanted shift worked).
            wanted = [
                v.x[term.agent, o]
                for o in problem.options_by_day[term.agent].get(term.day, ())
                if o not in term.violating_options
            ]
            found.append((term, 1 - sum(wanted)))
        elif term.violating_options:
            # a neighbourhood models only some of the agent's options: the others are not worked
            worked = [v.x[key] for o in term.violating_options if (key := (term.agent, o)) in v.x]
            found.append((term, sum(worked)))
    return found


def add_wish_penalties(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Penalise each day a wish is not met by its priority points."""
    return [(term.penalty, violated) for term, violated in wish_violations(problem, v)]
