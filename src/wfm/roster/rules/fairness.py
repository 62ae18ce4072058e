"""Fairness: nobody is left with every wish denied, and unpopular shifts are shared evenly."""

from __future__ import annotations

from collections import defaultdict

from wfm.roster.model import PenaltyTerms, RosterVars
from wfm.roster.problem import OBJECTIVE_UNIT, RosterProblem
from wfm.roster.rules.wishes import wish_violations

SHARE_SCALE = 100  # the worst-off share is modelled in whole percent


def add_fair_wish_share(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Reward the smallest share of wish points granted to any agent (max-min fairness).

    With `worst` <= granted_a / points_a for every agent with wishes, maximising `worst` lifts
    the agent who got least, instead of letting one agent absorb every refusal.
    """
    weight = problem.config.fairness.worst_off_weight
    by_agent: dict[int, list] = defaultdict(list)
    for term, violated in wish_violations(problem, v):
        by_agent[term.agent].append((term.wish.priority, violated))
    held = problem.held.wish_shares if problem.held is not None else ()
    if weight <= 0 or len(by_agent) + len(held) < 2:
        return []
    worst = v.model.new_int_var(0, min((SHARE_SCALE, *held)), "worst_wish_share")
    for items in by_agent.values():
        points = sum(p for p, _ in items)
        denied = sum(p * violated for p, violated in items)
        # worst / SCALE <= (points - denied) / points
        v.model.add(worst * points <= SHARE_SCALE * (points - denied))
    per_percent = int(round(weight * OBJECTIVE_UNIT / 10))
    return [(per_percent, SHARE_SCALE - worst)]


def wish_share(granted: int, points: int) -> int:
    """The whole-percent share the max-min rule credits an agent granted `granted` of `points`."""
    return SHARE_SCALE * granted // points


def undesirable_options(problem: RosterProblem) -> set[int]:
    """Options that count as undesirable: an undesirable family, or a weekend day."""
    rules = problem.config.fairness
    families = set(rules.undesirable_families)
    weekend = (
        {
            day
            for day, date in enumerate(problem.horizon.dates)
            if date.weekday() in problem.config.site.weekend_days
        }
        if rules.weekends_undesirable
        else set()
    )
    return {
        o
        for o, option in enumerate(problem.options)
        if option.family in families or option.day in weekend
    }


def add_even_undesirable_shifts(problem: RosterProblem, v: RosterVars) -> PenaltyTerms:
    """Penalise the spread of late and weekend shifts between agents on the same contract."""
    rules = problem.config.fairness
    if rules.spread_weight <= 0:
        return []
    undesirable = undesirable_options(problem)
    counts: dict[str, list] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        load = [v.x[a, o] for o in problem.agent_options[a] if o in undesirable]
        counts[agent.contract].append(sum(load))
    held = problem.held.undesirable if problem.held is not None else {}
    for contract, constant in held.items():
        counts[contract].extend(constant)
    terms: PenaltyTerms = []
    weight = int(round(rules.spread_weight * OBJECTIVE_UNIT))
    for contract, loads in counts.items():
        if len(loads) < 2:
            continue
        days = problem.horizon.days
        high = v.model.new_int_var(0, days, f"undesirable_max_{contract}")
        low = v.model.new_int_var(0, days, f"undesirable_min_{contract}")
        for one in loads:
            v.model.add(high >= one)
            v.model.add(low <= one)
        terms.append((weight, high - low))
    return terms
