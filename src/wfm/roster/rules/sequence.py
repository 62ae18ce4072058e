"""Patterns over consecutive days: runs of work and rest, and weekends."""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from wfm.roster.model import PenaltyTerms, RosterVars, Rule
from wfm.roster.problem import RosterProblem

# A roster built a part at a time (a step of the roster rolled forward, `wfm.roster.rolling`, or
# one agent of the agent-by-agent build, `wfm.roster.construct`) prices each day off in a
# weekend an agent works, where the agent may not work every weekend, at SPLIT_WEEKEND_SHARE
# times a head missing for a weekend shift (`split_weekends`): such a weekend spends a whole
# one of the allowance for half its heads, and the weekends the part does not see go short.
# Public benchmark, Instance23 rolled forward (its weekends need 92% of what the agents may
# work), 600 s: an earlier roster, unpriced, had 827 split weekends, and weekend shortfall made
# 77,200 of its 81,220; priced at 1.0, 384 and 28,500 of 35,854; at 1.5, 290-313 and
# 25,200-28,900 of 32,502-36,772 (three runs); at 2.5, 312 and 29,400 of 37,337. Instance21
# built agent by agent, 600 s: unpriced, the first roster cost 62,351 and the roster 32,079
# (199 split weekends); priced at 1.5, 43,847 and 28,201 (156).
SPLIT_WEEKEND_SHARE = 1.5
SPLIT_WEEKENDS = "split_weekends"  # the rule's name, under which its price is found


def add_max_consecutive_days(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Every window of max+1 consecutive days holds at least one day off."""
    days = problem.horizon.days
    for a, agent in enumerate(problem.agents):
        limit = problem.config.contracts[agent.contract].max_consecutive_days
        if limit is None or limit >= days:
            continue
        for start in range(days - limit):
            if v.pinned_span(problem, start, start + limit):
                continue
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
            if v.pinned_span(problem, before, after):
                continue
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


def weekend_limit(problem: RosterProblem, agent: int, count: int) -> int | None:
    """The agent's max_weekends where it is below the horizon's `count` weekends; else None
    (the agent may work every weekend)."""
    limit = problem.config.contracts[problem.agents[agent].contract].max_weekends
    return None if limit is None or limit >= count else limit


def add_max_weekends(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """A weekend counts as worked if either of its days is; at most max_weekends of them."""
    spans = weekends(problem)
    for a in range(len(problem.agents)):
        limit = weekend_limit(problem, a, len(spans))
        if limit is None:
            continue
        worked = [v.works_weekend(problem, a, span) for span in spans]
        v.hard(v.model.add(sum(worked) <= limit), "max_weekends", a)
    return []


def weekend_day_price(problem: RosterProblem) -> int:
    """SPLIT_WEEKEND_SHARE times what a head missing for a shift on a weekend day typically
    costs (objective units): the median under weight of the weekend's shift cover, else of its
    intervals times the median shift's length in intervals."""
    days = {day for span in weekends(problem) for day in span}
    weights = [w for day, _, need, w, _ in problem.shift_cover if day in days and need and w]
    if weights:
        return int(SPLIT_WEEKEND_SHARE * np.median(weights))
    per_day = problem.horizon.intervals_per_day
    mask = np.zeros(problem.n_intervals, dtype=bool)
    for day in days:
        mask[day * per_day : (day + 1) * per_day] = True
    interval = problem.under_weight[mask]
    interval = interval[interval > 0]
    if not interval.size or not problem.options:
        return 0
    length = np.median([option.n_intervals for option in problem.options])
    return int(SPLIT_WEEKEND_SHARE * np.median(interval) * length)


def split_weekends(first: int, price: int) -> Rule:
    """A rule for a roster built a part at a time: each day off in a weekend an agent works
    from day `first` on costs `price`, where the agent may not work every weekend. The part's
    own objective does not see that a weekend worked on one day only spends a whole one of a
    scarce allowance, and the weekends it does not see go short. (A price, not a cost: the
    part's cost leaves it out, `split_shadow`.)"""

    def add(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
        terms: PenaltyTerms = []
        if price <= 0:
            return terms
        every = weekends(problem)
        spans = [span for span in every if span[0] >= first and len(span) > 1]
        for a in range(len(problem.agents)):
            if weekend_limit(problem, a, len(every)) is None:
                continue
            for span in spans:
                if not all(problem.options_by_day[a].get(day) for day in span):
                    continue
                worked = v.works_weekend(problem, a, span)  # shared with `max_weekends`
                for day in span:
                    idle = v.model.new_bool_var(f"idle_{a}_{day}")
                    v.model.add(idle >= worked - v.works(problem, a, day))
                    terms.append((price, idle))
        return terms

    return add


def split_shadow(v: RosterVars, solver: cp_model.CpSolver) -> float:
    """What `split_weekends` adds to the objective of the solution in `solver`."""
    return float(
        sum(coef * solver.value(expr) for coef, expr in v.penalties.get(SPLIT_WEEKENDS, []))
    )
