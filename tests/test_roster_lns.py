"""Neighbourhood search, the LP bound and the LP-guided first roster, on small rosters."""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter

import numpy as np
import pytest
from ortools.sat.python import cp_model

from rosterkit import (
    agents,
    evening_problem,
    horizon_of,
    prefs,
    requirements,
    tiny_config,
    without_late_shifts,
)
from wfm.roster import build_roster_problem, lns, solve_roster
from wfm.roster import solve as solve_module
from wfm.roster.hint import Guide, greedy_roster
from wfm.roster.incumbent import Incumbent, chosen_shifts, read_incumbent, solve_fixed
from wfm.roster.lns import (
    Budget,
    denied_wishes,
    improve_roster,
    neighbourhood,
    pick_agents,
    window_weights,
)
from wfm.roster.lpbound import lp_relaxation
from wfm.roster.model import RosterVars, build_model
from wfm.roster.problem import OBJECTIVE_UNIT, RosterProblem
from wfm.roster.rules.wishes import wish_violations
from wfm.roster.solve import guided_roster


def test_neighbourhoods_improve_a_poor_roster_and_repeat_exactly() -> None:
    config, problem = evening_problem()
    v = build_model(problem)
    start = without_late_shifts(problem, v)  # a poor start: the evenings go unstaffed
    optimum = cp_model.CpSolver()
    optimum.parameters.num_workers = 1
    assert optimum.solve(v.model) == cp_model.OPTIMAL
    assert start.objective_value > optimum.objective_value

    runs = [
        improve_roster(problem, v, start, config.solver, budget=2.0, deadline=1e18)
        for _ in range(2)
    ]
    assert runs[0].objective_value < start.objective_value
    assert runs[0].objective_value == runs[1].objective_value
    assert list(runs[0].response_proto.solution) == list(runs[1].response_proto.solution)
    assert runs[0].objective_value >= optimum.objective_value


def test_solve_roster_reports_a_bound_no_worse_than_the_lp() -> None:
    config, problem = evening_problem()
    result = solve_roster(problem, config.solver)
    assert result.status == "OPTIMAL"
    assert result.best_bound <= result.objective + 1e-9


def _record_calls(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list:
    """Wrap `module.name` so that each call still runs; returns the list of its results."""
    results: list = []
    original = getattr(module, name)

    def spy(*args, **kwargs):
        results.append(original(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(module, name, spy)
    return results


def test_only_a_roster_near_its_lp_bound_is_handed_to_the_whole_model_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After the neighbourhoods, the whole model is searched (for a proof) only when the LP
    bound is near; further off, neighbourhoods go on instead."""
    config, problem = _mixed_problem()  # the LP bound is 0.3% below the optimum
    searches = _record_calls(monkeypatch, solve_module, "_main_search")
    # the neighbourhoods' units of a 10 s limit, in a limit that leaves the proof time after
    # them however loaded the machine is
    roomy = config.solver.model_copy(update={"time_limit_seconds": 20})
    monkeypatch.setattr(solve_module, "LNS_SHARE", solve_module.LNS_SHARE / 2)
    near = solve_roster(problem, roomy)
    assert len(searches) == 1
    assert near.best_bound <= near.objective
    monkeypatch.setattr(solve_module, "PROVE_GAP", -1.0)  # never near
    far = solve_roster(problem, roomy)
    assert len(searches) == 1
    assert far.status == "FEASIBLE" and far.best_bound < far.objective


def test_a_roster_as_cheap_as_the_lp_bound_is_optimal_without_more_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, problem = evening_problem()  # its LP relaxation is tight
    monkeypatch.setattr(solve_module, "_main_search", None)  # fails if called
    result = solve_roster(problem, config.solver)
    assert result.status == "OPTIMAL" and result.best_bound == result.objective


def test_a_search_that_finds_nothing_in_time_keeps_the_first_roster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, problem = evening_problem()
    settings = config.solver.model_copy(update={"deterministic": False})

    def nothing_found(*args):
        solver = cp_model.CpSolver()
        solver.solve(cp_model.CpModel())  # a response to read, but no roster
        return solver, cp_model.UNKNOWN, -float("inf")

    monkeypatch.setattr(solve_module, "_improve_then_prove", nothing_found)
    messages: list[str] = []
    result = solve_roster(problem, settings, messages.append)
    assert result.status == "FEASIBLE" and len(result.shifts) > 0
    assert any("found nothing in time" in m for m in messages)


def test_the_parallel_search_improves_in_phases_then_proves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From a first roster, the parallel portfolio runs neighbourhoods only (one worker per
    core), then whole, hinted with the roster found: the whole portfolio proves the small
    roster optimal."""
    config, problem = evening_problem()
    settings = config.solver.model_copy(update={"deterministic": False, "workers": 16})
    solvers: list[cp_model.CpSolver] = []
    made = solve_module.solver_parameters

    def make(settings):
        solvers.append(made(settings))
        if len(solvers) <= len(solve_module.IMPROVE_PHASES):
            # the improving phases stop at their first roster, short of a proof
            solvers[-1].parameters.stop_after_first_solution = True
        return solvers[-1]

    monkeypatch.setattr(solve_module, "solver_parameters", make)
    hints: list[int] = []
    original = solve_module.add_complete_hint

    def hinted(v, start, shifts):
        hints.append(0 if start is None else len(v.model.proto.variables))
        original(v, start, shifts)

    monkeypatch.setattr(solve_module, "add_complete_hint", hinted)
    result = solve_roster(problem, settings)
    assert [s.parameters.use_lns_only for s in solvers] == [True, False]
    assert [s.parameters.num_workers for s in solvers] == [os.cpu_count() or 1, 16]
    assert len(hints) == 2 and all(hints)  # each phase starts from a whole roster
    assert result.status == "OPTIMAL" and result.best_bound == result.objective


@pytest.mark.parametrize("gain, phases", [(-1.0, [True] * 3), (float("inf"), [True, False])])
def test_neighbourhoods_go_on_in_rounds_while_each_gains_enough(
    monkeypatch: pytest.MonkeyPatch, gain: float, phases: list[bool]
) -> None:
    """Each search stops at its first roster. With any gain enough, rounds of neighbourhoods go
    on while the time allows (the third one is made to start near the end, and is the last);
    with none enough, one round, then the whole portfolio."""
    config, problem = evening_problem()
    settings = config.solver.model_copy(
        update={"deterministic": False, "workers": 2, "time_limit_seconds": 20}
    )
    monkeypatch.setattr(solve_module, "ROUND_GAIN", gain)
    monkeypatch.setattr(solve_module, "ROUND_MIN_SECONDS", 0.5)
    solvers: list[cp_model.CpSolver] = []
    made = solve_module.solver_parameters
    started = time.perf_counter()

    def make(settings):
        solvers.append(made(settings))
        solvers[-1].parameters.stop_after_first_solution = True
        if len(solvers) == 3:
            time.sleep(max(0.0, started + 19.5 - time.perf_counter()))
        return solvers[-1]

    monkeypatch.setattr(solve_module, "solver_parameters", make)
    result = solve_roster(problem, settings)
    assert [s.parameters.use_lns_only for s in solvers] == phases
    assert len(result.shifts) > 0


def test_a_rounds_late_gain_counts_only_the_rosters_found_after_its_start() -> None:
    trace = solve_module._Reporter(None)
    trace.found = [(0.1, 100.0), (5.0, 90.0), (9.0, 70.0)]
    assert trace.gain_after(6.0, 120.0) == 20.0  # from 90, the cost at 6 s
    assert trace.gain_after(0.05, 120.0) == 50.0  # from the round's start
    assert trace.gain_after(10.0, 120.0) == 0.0
    assert solve_module._Reporter(None).gain_after(1.0, 120.0) == 0.0  # nothing found


def test_an_improving_phase_that_proves_its_roster_optimal_ends_the_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, problem = evening_problem()
    settings = config.solver.model_copy(update={"deterministic": False, "workers": 4})
    monkeypatch.setattr(solve_module, "_main_search", None)  # fails if called
    result = solve_roster(problem, settings)
    assert result.status == "OPTIMAL" and result.best_bound == result.objective


def test_a_last_phase_that_finds_nothing_keeps_the_improving_phases_roster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, problem = evening_problem()
    settings = config.solver.model_copy(update={"deterministic": False, "workers": 4})
    first = _record_calls(monkeypatch, solve_module, "_improve_then_prove")

    calls: list[int] = []

    def nothing_found(*args):
        calls.append(1)
        solver = cp_model.CpSolver()
        solver.solve(cp_model.CpModel())
        return solver, cp_model.UNKNOWN

    made = solve_module.solver_parameters

    def first_roster_only(settings):
        solver = made(settings)
        solver.parameters.stop_after_first_solution = True  # short of a proof
        return solver

    monkeypatch.setattr(solve_module, "solver_parameters", first_roster_only)
    monkeypatch.setattr(solve_module, "_main_search", nothing_found)
    result = solve_roster(problem, settings)
    improved, status, _ = first[0]
    assert calls == [1] and len(result.shifts) > 0
    assert result.objective == pytest.approx(improved.objective_value / OBJECTIVE_UNIT)
    assert result.status == improved.status_name(status)


def test_budget_grows_while_far_from_the_bound_and_stalls_near_it() -> None:
    budget = Budget(units=2.0, extra=3.0, bound=1000.0, near=0.01, patience=4)
    assert budget.units_for(1005.0) == 2.0 and budget.units_for(1200.0) == 5.0
    assert budget.stalled(1005.0, idle=4) and not budget.stalled(1005.0, idle=3)
    assert not budget.stalled(1200.0, idle=100)
    assert Budget(units=2.0, extra=3.0).units_for(1005.0) == 5.0  # no bound: never near


def _searched(messages: list[str]) -> int:
    return next(int(m.split()[1]) for m in messages if "neighbourhoods searched" in m)


def test_a_search_near_its_bound_stops_after_steps_that_improve_nothing() -> None:
    config, problem = evening_problem()
    v = build_model(problem)
    optimum = cp_model.CpSolver()
    optimum.parameters.num_workers = 1
    assert optimum.solve(v.model) == cp_model.OPTIMAL
    counts = []
    # near the bound (just below the optimum, as an LP bound may be), then with no bound
    for bound in (optimum.objective_value - 1, None):
        messages: list[str] = []
        budget = Budget(units=3.0, bound=bound, near=0.01, patience=2)
        improve_roster(problem, v, optimum, config.solver, budget, 1e18, messages.append)
        counts.append(_searched(messages))
    assert counts[0] == 2 < counts[1]  # one round of two lanes, then it stops


def _mixed_problem():
    """Two channels, three skill sets, a lunch break, wishes, fairness and surplus costs."""
    config = tiny_config(
        planning={"days": 4},
        shifts=[
            {
                "name": "early",
                "family": "early",
                "length_minutes": 360,
                "earliest_start": "08:00",
                "latest_start": "09:00",
                "breaks": [
                    {
                        "name": "lunch",
                        "length_minutes": 60,
                        "earliest_start_after_minutes": 120,
                        "latest_start_after_minutes": 240,
                    }
                ],
            },
            {
                "name": "late",
                "family": "late",
                "length_minutes": 240,
                "earliest_start": "15:00",
                "latest_start": "16:00",
            },
        ],
        fairness={"worst_off_weight": 30, "spread_weight": 10},
    )
    skills = [("phone",), ("phone", "chat"), ("chat",), ("phone", "chat"), ("phone",)] * 2
    team = agents(*((f"a{i}", s) for i, s in enumerate(skills)))
    wishes = {
        "a0": prefs("a0", wishes=[{"day_off": "tue", "priority": 3}]),
        "a1": prefs("a1", wishes=[{"shift": "late", "day": "wed", "priority": 2}]),
        "a3": prefs("a3", wishes=[{"avoid_shift": "late", "days": ["mon", "thu"], "priority": 4}]),
        "a6": prefs("a6", wishes=[{"day_off": "mon", "priority": 1}]),
    }
    need = {}
    for d in range(4):
        for h in range(8, 20):
            need["phone", d, h] = 3 + (10 <= h < 12) * 2 - (d == 3)
            need["chat", d, h] = 1 + (h >= 15)
    return config, build_roster_problem(
        config, team, wishes, requirements(config, need), horizon_of(config)
    )


def _optimum(
    problem: RosterProblem, v: RosterVars, model: cp_model.CpModel | None = None
) -> tuple[cp_model.CpSolver, Incumbent]:
    """`model` (the whole model by default) solved to optimality, and its roster."""
    whole = cp_model.CpSolver()
    whole.parameters.num_workers = 1
    assert whole.solve(model if model is not None else v.model) == cp_model.OPTIMAL
    return whole, read_incumbent(problem, v, whole)


def _pinned_cost(
    sub: RosterProblem, incumbent: Incumbent, free: list[int], first: int, last: int
) -> float:
    """The neighbourhood's optimum with its free agents pinned to the incumbent's shifts."""
    pins = tuple(
        (k, day, (incumbent.shifts[a][day],) if day in incumbent.shifts[a] else ())
        for k, a in enumerate(free)
        for day in range(first, last + 1)
    )
    pinned = build_model(dataclasses.replace(sub, locks=sub.locks + pins))
    part = cp_model.CpSolver()
    part.parameters.num_workers = 1
    assert part.solve(pinned.model) == cp_model.OPTIMAL
    return part.objective_value


@pytest.mark.parametrize(
    ("free", "first", "last", "keep_days"),
    [([0, 3, 6], 1, 2, False), ([1, 2, 8, 9], 0, 1, False), ([0, 3, 6], 1, 2, True)],
)
def test_a_neighbourhood_prices_the_held_roster_exactly(free, first, last, keep_days) -> None:
    """Pinning the free agents to their own optimal shifts, the neighbourhood's model plus the
    held agents' wish cost gives back the whole roster's optimum: every rule that couples agents
    (coverage with its channel split, surplus, wishes, both fairness rules) sees the held part."""
    config, problem = _mixed_problem()
    v = build_model(problem)
    whole, incumbent = _optimum(problem, v)
    sub, held_cost = neighbourhood(problem, incumbent, free, first, last, keep_days)
    assert len(sub.agents) == len(free) and sub.held is not None
    assert sub.held.heads.sum() > 0 and sub.held.frozen
    pinned = _pinned_cost(sub, incumbent, free, first, last)
    assert pinned + held_cost == pytest.approx(whole.objective_value)
    # Left free, the neighbourhood can do no better than the whole roster's optimum.
    free_model = build_model(sub)
    part = cp_model.CpSolver()
    part.parameters.num_workers = 1
    part.parameters.max_deterministic_time = 2.0
    assert part.solve(free_model.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert part.objective_value + held_cost >= whole.objective_value - 1e-6


def test_some_windows_free_many_agents_who_keep_their_days() -> None:
    """About RETIME_SHARE of the two-day windows free RETIME_FACTOR times the agents, each with
    no shift on a window day it has off."""
    _, problem = _mixed_problem()
    _, best = _optimum(problem, build_model(problem))
    rng = np.random.default_rng(3)
    sizes = Counter()
    for _ in range(40):
        step = next(lns._draw(problem, best, 1, rng))
        if step.last - step.first == problem.horizon.days - 1:
            continue  # a whole-horizon neighbourhood
        sizes[len(step.free)] += 1
        for k, a in enumerate(step.free):
            off = {d for d in range(step.first, step.last + 1) if d not in best.shifts[a]}
            on_off_day = [o for o in step.sub.agent_options[k] if problem.options[o].day in off]
            assert not on_off_day or len(step.free) == 1
    assert set(sizes) == {1, lns.RETIME_FACTOR}
    assert 0.1 < sizes[lns.RETIME_FACTOR] / sizes.total() < 0.6


def test_the_agents_at_either_end_of_the_undesirable_spread_are_wanted() -> None:
    """Agents with the most and the fewest late shifts of their contract, once those differ by
    more than one; an even roster wants nobody."""
    config = tiny_config(planning={"days": 4}, fairness={"spread_weight": 10})
    problem = build_roster_problem(
        config,
        agents(*((f"a{i}", ("phone",)) for i in range(4))),
        {},
        requirements(config, {}),
        horizon_of(config),
    )

    def late(days: range) -> dict[int, int]:
        options = problem.agent_options[0]
        return {
            d: next(
                o
                for o in options
                if problem.options[o].day == d and "late" in problem.options[o].template
            )
            for d in days
        }

    uneven = (late(range(3)), late(range(1)), late(range(1)), {})
    assert lns.loaded_extremes(problem, Incumbent(uneven, {}, {}, 0.0)) == [0, 3]
    even = (late(range(2)), late(range(1)), late(range(1)), late(range(2)))
    assert lns.loaded_extremes(problem, Incumbent(even, {}, {}, 0.0)) == []


def test_a_neighbourhood_prices_a_wish_granted_outside_its_window() -> None:
    """a3 wishes no late shift on Monday and Thursday; the roster grants Monday and denies
    Thursday. Freed over Wednesday-Thursday, a3's Monday option is the pinned shift alone, yet
    the granted Monday still counts for its share of wish points (the worst-off rule)."""
    _, problem = _mixed_problem()
    v = build_model(problem)
    late = [o for o in problem.agent_options[3] if problem.options[o].template == "late"]
    forced = v.model.clone()
    forced.add(sum(v.x[3, o] for o in late if problem.options[o].day == 3) == 1)
    forced.add(sum(v.x[3, o] for o in late if problem.options[o].day == 0) == 0)
    forced.add(sum(v.agent_day(problem, 3, 0)) == 1)  # works Monday, early
    for term, violated in wish_violations(problem, v):
        if term.agent != 3:  # every other wish granted: a3 is the worst-off agent
            forced.add(violated == 0)
    whole, incumbent = _optimum(problem, v, forced)
    free, first, last = [3, 5], 2, 3
    sub, held_cost = neighbourhood(problem, incumbent, free, first, last)
    pinned = _pinned_cost(sub, incumbent, free, first, last)
    assert pinned + held_cost == pytest.approx(whole.objective_value)


def test_a_neighbourhood_models_only_the_shifts_its_agents_may_change() -> None:
    """Outside the window a free agent has only the shift it works (pinned); inside, every
    shift, or with `keep_days` the shifts of the days it works, which it must keep working."""
    config = tiny_config(planning={"days": 4})
    team = agents(*((f"a{i}", ("phone",)) for i in range(4)))
    need = {("phone", d, h): 1 for d in range(4) for h in (8, 9, 10, 11, 16, 17, 18, 19)}
    problem = build_roster_problem(config, team, {}, requirements(config, need), horizon_of(config))
    v = build_model(problem)
    # a roster with everyone on duty every day but a0 on Wednesday: about twice the heads needed
    forced = v.model.clone()
    for a in range(4):
        for day in range(4):
            forced.add(sum(v.agent_day(problem, a, day)) == int((a, day) != (0, 2)))
    _, incumbent = _optimum(problem, v, forced)
    free, first, last = [0, 1, 2], 1, 2
    for keep_days in (False, True):
        sub, _ = neighbourhood(problem, incumbent, free, first, last, keep_days)
        for k, a in enumerate(free):
            worked = incumbent.shifts[a]
            for o in problem.agent_options[a]:
                day = problem.options[o].day
                if not first <= day <= last:
                    expected = worked.get(day) == o
                else:
                    expected = day in worked or not keep_days
                assert (o in sub.agent_options[k]) == expected
        sv = build_model(sub)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.solve(sv.model) == cp_model.OPTIMAL
        worked_days = [
            {d for d in shifts if first <= d <= last}
            for shifts in chosen_shifts(sub, sv, solver.value)
        ]
        # left free, the surplus agents take days off; keeping their days, they work them all
        kept = [{d for d in incumbent.shifts[a] if first <= d <= last} for a in free]
        assert kept == [{1}, {1, 2}, {1, 2}]
        assert (worked_days == kept) == keep_days


def test_windows_are_picked_mostly_where_heads_are_missing() -> None:
    config = tiny_config(planning={"days": 5})
    team = agents(*((f"a{i}", ("phone",)) for i in range(4)))
    need = {("phone", 3, h): 2 for h in range(8, 20)}  # only Thursday needs anyone
    problem = build_roster_problem(config, team, {}, requirements(config, need), horizon_of(config))
    nobody = Incumbent(shifts=({},) * 4, breaks={}, split={}, objective=0.0)
    weights = window_weights(problem, nobody)
    assert len(weights) == 4 and weights.sum() == pytest.approx(1)
    # windows (Wed, Thu) and (Thu, Fri) hold the shortfall; the others keep a small floor
    assert weights[2] == pytest.approx(weights[3])
    assert weights[2] > 4 * weights[0] and weights[0] > 0
    # once Thursday is covered, the weights even out
    covered = {(3 * 24 + h, 0, 0): 2 for h in range(8, 20)}  # (interval, group, channel)
    even = window_weights(problem, Incumbent(({},) * 4, {}, covered, 0.0))
    assert even == pytest.approx(np.full(4, 0.25))


def test_an_integral_relaxation_rounds_to_the_optimum() -> None:
    """Where the LP relaxation is integral already, the guided greedy works exactly its shifts:
    nothing more for coverage (the relaxation weighed the surplus), so its cost is the bound."""
    config, problem = evening_problem()
    v = build_model(problem)
    relaxation = lp_relaxation(v.model)
    assert relaxation is not None
    worked = [relaxation.values[var.index] for var in v.x.values()]
    assert all(min(value, 1 - value) < 1e-6 for value in worked)  # integral
    plain = solve_fixed(v, greedy_roster(problem), seed=1, deterministic_time=5, seconds=10)
    rounded = guided_roster(problem, v, relaxation, config.solver)
    assert plain is not None and rounded is not None
    assert rounded.objective_value == relaxation.bound < plain.objective_value


def test_the_greedy_keeps_wishes_unless_the_contract_needs_the_shift() -> None:
    """A day off wished for is kept even where coverage wants the agent, while the contract's
    minimum allows; a shift that denies a wish is taken only to reach that minimum."""

    def worked(min_hours: int) -> set[tuple[int, int]]:
        flex = {"min_hours_per_week": min_hours, "max_hours_per_week": 40, "max_days_per_week": 7}
        config = tiny_config(planning={"days": 4}, contracts={"flex": flex})
        team = agents(("a0", ("phone",)), ("a1", ("phone",)))
        need = {("phone", d, h): 3 for d in range(4) for h in range(8, 20)}
        wishes = {"a0": prefs("a0", wishes=[{"day_off": "tue", "priority": 3}])}
        problem = build_roster_problem(
            config, team, wishes, requirements(config, need), horizon_of(config)
        )
        return {(a, problem.options[o].day) for a, o in greedy_roster(problem)}

    loose = worked(0)
    assert (0, 1) not in loose and (1, 1) in loose  # a0 is off on Tuesday, a1 works it
    assert {(0, d) for d in (0, 2, 3)} <= loose  # coverage still wants a0 every other day
    # 28 h a week is 16 h over four days: a 4-hour shift on each, Tuesday too
    assert (0, 1) in worked(28)


def test_the_guide_decides_which_shifts_the_greedy_takes() -> None:
    _, problem = evening_problem()
    plain = greedy_roster(problem)
    assert any(problem.options[o].template == "early" for _, o in plain)
    late = {
        (a, o): 1.0
        for a in range(len(problem.agents))
        for o in problem.agent_options[a]
        if problem.options[o].template == "late"
    }
    heads = {(o, problem.agent_group[a]): 2.0 for a, o in late}
    guided = greedy_roster(problem, Guide(shifts=late, heads=heads))
    assert guided and all(problem.options[o].template == "late" for _, o in guided)
    # no more agents on a shift than the relaxation's head count wants
    assert max(Counter(o for _, o in guided).values()) == 2


def test_neighbourhoods_go_where_wishes_are_denied() -> None:
    """A denied wish weighs its window like missing heads do, and the agent who wished it is
    freed with it (only then can the wish be granted)."""
    config = tiny_config(planning={"days": 5})
    team = agents(*((f"a{i}", ("phone",)) for i in range(9)))
    wishes = {"a4": prefs("a4", wishes=[{"day_off": "thu", "priority": 3}])}
    problem = build_roster_problem(
        config, team, wishes, requirements(config, {}), horizon_of(config)
    )
    thursday_late = next(o for o in problem.agent_options[4] if problem.options[o].day == 3)
    worked = tuple({3: thursday_late} if a == 4 else {} for a in range(9))
    denied = denied_wishes(problem, Incumbent(worked, {}, {}, 0.0))
    assert [(t.agent, t.day) for t in denied] == [(4, 3)]
    weights = window_weights(problem, Incumbent(worked, {}, {}, 0.0), denied)
    assert weights[2] == pytest.approx(weights[3]) and weights[2] > 4 * weights[0]
    rng = np.random.default_rng(0)
    picks = [pick_agents(9, 3, [4], rng) for _ in range(20)]
    assert all(4 in free and len(free) == 3 for free in picks)
    assert len({tuple(free) for free in picks}) > 1  # the others are still drawn at random
    assert sum(4 in pick_agents(9, 3, [], rng) for _ in range(60)) < 40


def _cost(message: str) -> float:
    return float(message.split()[-1].replace(",", ""))


def test_two_lanes_merge_exactly_and_repeat(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neighbourhoods solved two at a time: when both improve, the second is priced again
    against the roster the first left, so the reported cost is what the roster costs; and the
    run repeats exactly."""
    config = tiny_config(planning={"days": 4})
    team = agents(*((f"a{i}", ("phone",)) for i in range(40)))
    need = {("phone", d, h): 8 + (h >= 16) * 8 for d in range(4) for h in range(8, 20)}
    problem = build_roster_problem(config, team, {}, requirements(config, need), horizon_of(config))
    v = build_model(problem)
    early = {(a, o) for (a, o) in v.x if problem.options[o].template == "early"}
    start = solve_fixed(v, early, seed=1, deterministic_time=5, seconds=10)
    assert start is not None
    repriced = _record_calls(monkeypatch, lns, "_reprice")
    runs, reported = [], []
    for _ in range(2):
        costs: list[str] = []
        runs.append(
            improve_roster(
                problem,
                v,
                start,
                config.solver,
                budget=3.0,
                deadline=1e18,
                progress=costs.append,
            )
        )
        reported.append([_cost(m) for m in costs if "improves the cost" in m])
    assert any(r is not None for r in repriced)  # both lanes of a round improved
    assert runs[0].objective_value < start.objective_value
    # no breaks and one channel: nothing is left for the last solve to improve, so the roster
    # costs exactly the last cost reported
    assert runs[0].objective_value / OBJECTIVE_UNIT == pytest.approx(reported[0][-1])
    assert reported[0] == reported[1]
    assert list(runs[0].response_proto.solution) == list(runs[1].response_proto.solution)


def test_a_neighbourhood_leaves_out_rules_over_pinned_days_only() -> None:
    """Runs of days and next-day shifts bind here (every day needs more heads than agents who
    may work it). A neighbourhood of every agent over two days leaves out the constraints over
    days that are all pinned, and finds the same optimum as with every constraint in."""
    days = 8
    config = tiny_config(
        planning={"days": days},
        contracts={
            "flex": {
                "min_hours_per_week": 0,
                "max_hours_per_week": 40,
                "max_days_per_week": 7,
                "max_consecutive_days": 3,
                "min_consecutive_days": 2,
                "min_consecutive_days_off": 2,
            }
        },
        rules={"forbidden_sequences": [{"first": "late", "then": "early"}]},
    )
    need = {("phone", d, h): 3 for d in range(days) for h in range(8, 20)}
    team = agents(*((f"a{i}", ("phone",)) for i in range(4)))
    problem = build_roster_problem(config, team, {}, requirements(config, need), horizon_of(config))
    v = build_model(problem)
    start = cp_model.CpSolver()
    start.parameters.num_workers = 1
    start.parameters.max_deterministic_time = 0.5
    assert start.solve(v.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    incumbent = read_incumbent(problem, v, start)
    for first in (0, 3, days - 2):
        sub, _ = neighbourhood(problem, incumbent, list(range(4)), first, first + 1)
        assert sub.held is not None and sub.held.window == frozenset({first, first + 1})
        every = dataclasses.replace(sub, held=dataclasses.replace(sub.held, window=None))
        trimmed, full = build_model(sub), build_model(every)
        assert len(trimmed.model.proto.constraints) < len(full.model.proto.constraints)
        values = []
        for model in (trimmed, full):
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            assert solver.solve(model.model) == cp_model.OPTIMAL
            values.append(solver.objective_value)
        assert values[0] == pytest.approx(values[1])
