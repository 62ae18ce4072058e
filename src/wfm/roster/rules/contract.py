"""Contract rules: paid hours and working days per week."""

from __future__ import annotations

import math

from wfm.roster.model import PenaltyTerms, RosterVars
from wfm.roster.problem import RosterProblem


def _weeks(problem: RosterProblem) -> list[range]:
    """The horizon cut into weeks of seven days (the last may be shorter)."""
    days = problem.horizon.days
    return [range(start, min(start + 7, days)) for start in range(0, days, 7)]


def add_contract_hours(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Paid minutes per week within the contract's min and max (prorated for a short week)."""
    for a, agent in enumerate(problem.agents):
        contract = problem.config.contracts[agent.contract]
        for week in _weeks(problem):
            share = len(week) / 7
            terms = [
                problem.options[o].paid_minutes * v.x[a, o]
                for o in problem.agent_options[a]
                if problem.options[o].day in week
            ]
            low = math.floor(contract.min_hours_per_week * 60 * share)
            high = math.ceil(contract.max_hours_per_week * 60 * share)
            v.model.add_linear_constraint(sum(terms), low, high)
    return []


def add_max_working_days(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    for a, agent in enumerate(problem.agents):
        contract = problem.config.contracts[agent.contract]
        for week in _weeks(problem):
            worked = [v.x[a, o] for o in problem.agent_options[a] if problem.options[o].day in week]
            limit = math.ceil(contract.max_days_per_week * len(week) / 7)
            if len(worked) > limit:
                v.model.add(sum(worked) <= limit)
    return []
