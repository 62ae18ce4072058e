"""Build the CP-SAT model from a RosterProblem, one named rule at a time.

The decision is `x[agent, option]`: agent works that concrete shift. Breaks and the split of a
multi-skilled agent's time between channels are decided in aggregate — per (shift, skill group)
and per (interval, skill group) — because agents of one skill group are interchangeable there;
`solve.py` hands the counts back out to named agents. This keeps the model small at 100+ agents
while staying exact: any aggregate solution can be disaggregated.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from wfm.roster.problem import RosterProblem

PenaltyTerms = list[tuple[int, cp_model.LinearExprT]]  # (coefficient, expression)


@dataclass
class RosterVars:
    """Handles to the model's variables that rules and the solution reader share."""

    model: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    # per (option, group): agents of the group working it; sum over the group's x
    option_group: dict[tuple[int, int], list[cp_model.IntVar]] = field(default_factory=dict)
    # per (option, group): that count as one variable (the x itself for a group of one), so that
    # the interval rows name each shift once, not once per agent who may work it. Made for
    # every shift, used by rules or not: CP-SAT searches better with the counts as variables
    # (the public benchmark, which has no interval rows, gained 7-10% on Instances 5-11).
    option_heads: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    # per (option, group, break rule, offset): how many of them take that break there
    breaks: dict[tuple[int, int, int, int], cp_model.IntVar] = field(default_factory=dict)
    # per (interval, group, channel): heads of that group serving that channel
    serving: dict[tuple[int, int, int], cp_model.LinearExprT] = field(default_factory=dict)
    under: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    over: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    penalties: dict[str, PenaltyTerms] = field(default_factory=dict)
    explain: bool = False  # guard each agent's hard rules with a literal, to explain infeasibility
    guards: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    _works: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    _weekends: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    _window: tuple[int, ...] | None = None  # sorted `HeldRoster.window`, once asked for

    def pinned_span(self, problem: RosterProblem, first: int, last: int) -> bool:
        """Whether every agent of the model is pinned on each of days first..last: a neighbourhood
        (`wfm.roster.lns.neighbourhood`) pins its free agents outside its window of days to a
        roster that holds every rule, so a rule's constraint over those days alone would hold
        already and is left out. (Public benchmark, Instance23: a window of two weekends built
        in 1.49 s instead of 1.69 s.)"""
        if problem.held is None or problem.held.window is None:
            return False
        if self._window is None:
            self._window = tuple(sorted(problem.held.window))
        at = bisect_left(self._window, first)
        return at == len(self._window) or self._window[at] > last

    def hard(self, constraint: cp_model.Constraint, rule: str, agent: int) -> None:
        """Register an agent's hard constraint; when explaining, it holds only if its guard does.

        Solving with every guard assumed true and asking CP-SAT for a sufficient set of failed
        assumptions names the agents and rules that cannot hold together.
        """
        if not self.explain:
            return
        key = (rule, agent)
        if key not in self.guards:
            self.guards[key] = self.model.new_bool_var(f"guard_{rule}_{agent}")
        constraint.only_enforce_if(self.guards[key])

    def agent_day(self, problem: RosterProblem, agent: int, day: int) -> list[cp_model.IntVar]:
        return [self.x[agent, o] for o in problem.options_by_day[agent].get(day, ())]

    def works(self, problem: RosterProblem, agent: int, day: int) -> cp_model.IntVar:
        """A literal that is true when the agent works on that day (made once, then shared)."""
        key = (agent, day)
        if key not in self._works:
            day_vars = self.agent_day(problem, agent, day)
            if len(day_vars) == 1:
                self._works[key] = day_vars[0]
            else:
                var = self.model.new_bool_var(f"works_{agent}_{day}")
                self.model.add(var == sum(day_vars))
                self._works[key] = var
        return self._works[key]

    def works_weekend(self, problem: RosterProblem, agent: int, span: list[int]) -> cp_model.IntVar:
        """A literal that is true when the agent works on any day of the weekend `span` (its
        days, `rules.sequence.weekends`), made once, then shared."""
        key = (agent, span[0])
        if key not in self._weekends:
            flag = self.model.new_bool_var(f"weekend_{agent}_{span[0]}")
            self.model.add_max_equality(flag, [self.works(problem, agent, d) for d in span])
            self._weekends[key] = flag
        return self._weekends[key]


Rule = Callable[[RosterProblem, RosterVars], PenaltyTerms]


def default_rules() -> list[tuple[str, Rule]]:
    """The rules every roster obeys, in the order they are added (coverage needs breaks)."""
    from wfm.roster.rules import contract, coverage, fairness, rest, sequence, shifts, wishes

    return [
        ("one_shift_per_day", shifts.add_one_shift_per_day),
        ("breaks_inside_shifts", shifts.add_breaks_inside_shifts),
        ("locked_shifts", shifts.add_locked_shifts),
        ("contract_hours", contract.add_contract_hours),
        ("contract_total_hours", contract.add_contract_total_hours),
        ("max_working_days", contract.add_max_working_days),
        ("max_shifts_per_type", contract.add_max_shifts_per_type),
        ("max_consecutive_days", sequence.add_max_consecutive_days),
        ("min_consecutive_days", sequence.add_min_consecutive_days),
        ("min_consecutive_days_off", sequence.add_min_consecutive_days_off),
        ("max_weekends", sequence.add_max_weekends),
        ("min_rest_between_shifts", rest.add_min_rest_between_shifts),
        ("forbidden_sequences", rest.add_forbidden_sequences),
        ("under_coverage", coverage.add_coverage),
        ("over_coverage", coverage.add_over_coverage),
        ("shift_cover", coverage.add_shift_cover),
        ("wishes", wishes.add_wish_penalties),
        ("fair_wish_share", fairness.add_fair_wish_share),
        ("even_undesirable_shifts", fairness.add_even_undesirable_shifts),
    ]


def build_model(
    problem: RosterProblem, rules: list[tuple[str, Rule]] | None = None, explain: bool = False
) -> RosterVars:
    """Create the shift variables, then let each rule add its constraints and penalties."""
    model = cp_model.CpModel()
    v = RosterVars(model, explain=explain)
    frozen = problem.held.frozen if problem.held is not None else frozenset()
    for a, options in enumerate(problem.agent_options):
        group = problem.agent_group[a]
        for o in options:
            v.x[a, o] = model.new_bool_var(f"x_{a}_{o}")
            if (a, o) not in frozen:  # a frozen shift's heads and breaks are held constants
                v.option_group.setdefault((o, group), []).append(v.x[a, o])
    for (o, group), workers in v.option_group.items():
        if len(workers) == 1:
            v.option_heads[o, group] = workers[0]
        else:
            heads = model.new_int_var(0, len(workers), f"heads_{o}_{group}")
            model.add(heads == sum(workers))
            v.option_heads[o, group] = heads
    for name, rule in rules if rules is not None else default_rules():
        terms = rule(problem, v)
        if terms:
            v.penalties[name] = terms
    model.minimize(sum(coef * expr for terms in v.penalties.values() for coef, expr in terms))
    return v


def objective_floor(model: cp_model.CpModel) -> float:
    """The least value the model's objective takes with every variable anywhere in its domain:
    a lower bound that needs no search, for when no search had time to prove one."""
    objective = model.proto.objective
    total = float(objective.offset)
    for ref, coeff in zip(objective.vars, objective.coeffs, strict=True):
        domain = model.proto.variables[ref if ref >= 0 else -ref - 1].domain
        least, most = domain[0], domain[len(domain) - 1]  # (the proto's lists index from 0 only)
        low, high = (least, most) if ref >= 0 else (-most, -least)  # a negative ref is -x
        total += min(coeff * low, coeff * high)
    return total * (objective.scaling_factor or 1.0)
