"""Patterns over consecutive days: runs of work and rest, and weekends."""

from __future__ import annotations

from wfm.roster.model import PenaltyTerms, RosterVars
from wfm.roster.problem import RosterProblem


def add_max_consecutive_days(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Every window of max+1 consecutive days holds at least one day off."""
    days = problem.horizon.days
    for a, agent in enumerate(problem.agents):
        limit = problem.config.contracts[agent.contract].max_consecutive_days
        if limit is None or limit >= days:
            continue
        for start in range(days - limit):
            window = sum(v.works(problem, a, d) for d in range(start, start + limit + 1))
            v.hard(v.model.add(window <= limit), "max_consecutive_days", a)
    return []


def _forbid_short_runs(
    problem: RosterProblem, v: RosterVars, agent: int, minimum: int, working: bool
) -> None:
    """No run of working (or off) days shorter than `minimum` strictly inside the horizon.

    A run of length L between two days of the other kind is forbidden by one clause:
    not (other at d, same at d+1..d+L, other at d+L+1). Runs touching day 0 or the last day are
    left alone: they continue into weeks that are not being planned.
    """
    rule = "min_consecutive_days" if working else "min_consecutive_days_off"
    days = problem.horizon.days
    for length in range(1, minimum):
        for before in range(0, days - length - 1):
            after = before + length + 1
            run = [v.works(problem, agent, d) for d in range(before + 1, after)]
            edge = [v.works(problem, agent, before), v.works(problem, agent, after)]
            if working:
                ct = v.model.add_bool_or([*edge, *(lit.Not() for lit in run)])
            else:
                ct = v.model.add_bool_or([*(lit.Not() for lit in edge), *run])
            v.hard(ct, rule, agent)


def add_min_consecutive_days(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    for a, agent in enumerate(problem.agents):
        minimum = problem.config.contracts[agent.contract].min_consecutive_days
        if minimum is not None and minimum > 1:
            _forbid_short_runs(problem, v, a, minimum, working=True)
    return []


def add_min_consecutive_days_off(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    for a, agent in enumerate(problem.agents):
        minimum = problem.config.contracts[agent.contract].min_consecutive_days_off
        if minimum is not None and minimum > 1:
            _forbid_short_runs(problem, v, a, minimum, working=False)
    return []


def weekends(problem: RosterProblem) -> list[list[int]]:
    """Day indices of each weekend in the horizon: each run of consecutive weekend days
    (site.weekend: Saturday and Sunday by default, Friday and Saturday in Israel)."""
    weekend = problem.config.site.weekend_days
    found: list[list[int]] = []
    for day, date in enumerate(problem.horizon.dates):
        if date.weekday() not in weekend:
            continue
        if found and found[-1][-1] == day - 1 and len(found[-1]) < len(weekend):
            found[-1].append(day)
        else:
            found.append([day])
    return found


def add_max_weekends(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """A weekend counts as worked if either of its days is; at most max_weekends of them."""
    spans = weekends(problem)
    for a, agent in enumerate(problem.agents):
        limit = problem.config.contracts[agent.contract].max_weekends
        if limit is None or limit >= len(spans):
            continue
        worked = [v.works_weekend(problem, a, span) for span in spans]
        v.hard(v.model.add(sum(worked) <= limit), "max_weekends", a)
    return []
