"""Agents' wishes from their preference files, as weighted soft rules."""

from __future__ import annotations

from wfm.roster.model import PenaltyTerms, RosterVars
from wfm.roster.problem import RosterProblem


def add_wish_penalties(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Penalise each day a wish is not met by its priority.

    Every wish day is linear in the shift variables (one shift a day makes `sum(violating)` a
    0/1 quantity), so no extra variables are needed.
    """
    terms: PenaltyTerms = []
    for term in problem.wishes:
        violated = sum(v.x[term.agent, o] for o in term.violating_options)
        if term.violated_when_off:
            # Wanted shift: missed by any other shift and by a day off = 1 - (wanted shift worked).
            wanted = [
                v.x[term.agent, o]
                for o in problem.agent_options[term.agent]
                if problem.options[o].day == term.day and o not in term.violating_options
            ]
            terms.append((term.penalty, 1 - sum(wanted)))
        elif term.violating_options:
            terms.append((term.penalty, violated))
    return terms
