"""Contract rules: paid hours and working days per week."""

from __future__ import annotations

import math

from wfm.roster.model import PenaltyTerms, RosterVars
from wfm.roster.problem import RosterProblem


def _weeks(problem: RosterProblem) -> list[range]:
    """The horizon cut into weeks of seven days (the last may be shorter)."""
    days = problem.horizon.days
    return [range(start, min(start + 7, days)) for start in range(0, days, 7)]


def _options_on_days(problem: RosterProblem, agent: int, days: range) -> list[int]:
    """The agent's options on those days."""
    by_day = problem.options_by_day[agent]
    return [o for day in days for o in by_day.get(day, ())]


def add_contract_hours(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Paid minutes per week within the contract's min and max (prorated for a short week)."""
    for a, agent in enumerate(problem.agents):
        contract = problem.config.contracts[agent.contract]
        for week in _weeks(problem):
            share = len(week) / 7
            terms = [
                problem.options[o].paid_minutes * v.x[a, o]
                for o in _options_on_days(problem, a, week)
            ]
            low = math.floor(contract.min_hours_per_week * 60 * share)
            high = math.ceil(contract.max_hours_per_week * 60 * share)
            v.hard(v.model.add_linear_constraint(sum(terms), low, high), "contract_hours", a)
    return []


def add_max_working_days(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    for a, agent in enumerate(problem.agents):
        contract = problem.config.contracts[agent.contract]
        for week in _weeks(problem):
            worked = [v.x[a, o] for o in _options_on_days(problem, a, week)]
            limit = math.ceil(contract.max_days_per_week * len(week) / 7)
            if len(worked) > limit:
                v.hard(v.model.add(sum(worked) <= limit), "max_working_days", a)
    return []


def add_contract_total_hours(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Paid minutes over the whole horizon within the contract's total limits, where set, or
    within the problem's own per agent (`total_minutes`: the first days of a roster rolled
    forward hold their share of the contract's, `wfm.roster.rolling`)."""
    for a, agent in enumerate(problem.agents):
        contract = problem.config.contracts[agent.contract]
        if problem.total_minutes is not None:
            low, high = problem.total_minutes[a]
        elif contract.min_hours_total is None and contract.max_hours_total is None:
            continue
        else:
            low = math.floor((contract.min_hours_total or 0) * 60)
            high = (
                math.ceil(contract.max_hours_total * 60)
                if contract.max_hours_total is not None
                else sum(problem.options[o].paid_minutes for o in problem.agent_options[a])
            )
        paid = sum(problem.options[o].paid_minutes * v.x[a, o] for o in problem.agent_options[a])
        v.hard(v.model.add_linear_constraint(paid, low, high), "contract_total_hours", a)
    return []


def add_max_shifts_per_type(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """At most so many shifts of a template over the horizon (0 forbids the template)."""
    for a, agent in enumerate(problem.agents):
        limits = problem.config.contracts[agent.contract].max_shifts
        for template, limit in limits.items():
            chosen = [
                v.x[a, o]
                for o in problem.agent_options[a]
                if problem.options[o].template == template
            ]
            if len(chosen) > limit:
                v.hard(v.model.add(sum(chosen) <= limit), "max_shifts_per_type", a)
    return []
