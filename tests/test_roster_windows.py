"""Windows of every agent over a few days (`wfm.roster.windows`), on a small roster."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from ortools.sat.python import cp_model

from rosterkit import (
    MONDAY,
    agents,
    evening_problem,
    horizon_of,
    requirements,
    tiny_config,
    without_late_shifts,
)
from wfm.domain import ShiftCover
from wfm.roster import build_roster_problem, solve_roster, windows
from wfm.roster import solve as solve_module
from wfm.roster.incumbent import read_incumbent, tightened
from wfm.roster.model import build_model, objective_floor
from wfm.roster.problem import OBJECTIVE_UNIT, RosterProblem
from wfm.roster.windows import sweep_windows, window_starts


def test_windows_slide_by_their_stride_and_the_last_ends_on_the_last_day() -> None:
    assert window_starts(4) == [0]
    assert window_starts(14) == [0]
    assert window_starts(28) == [0, 7, 14]
    assert window_starts(30) == [0, 7, 14, 16]


def test_windows_of_every_agent_improve_a_poor_roster_day_by_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, problem = evening_problem()
    monkeypatch.setattr(windows, "WINDOW_DAYS", 2)
    monkeypatch.setattr(windows, "WINDOW_STRIDE", 1)
    monkeypatch.setattr(windows, "WINDOW_SECONDS", 2.0)
    v = build_model(problem)
    start = without_late_shifts(problem, v)
    seen: list[tuple[int, int, int]] = []
    original = windows.neighbourhood

    costs: list[float] = []

    def record(problem, incumbent, free, first, last, **kw):
        seen.append((len(free), first, last))
        costs.append(incumbent.objective)
        return original(problem, incumbent, free, first, last, **kw)

    monkeypatch.setattr(windows, "neighbourhood", record)
    messages: list[str] = []
    settings = config.solver.model_copy(update={"deterministic": False, "workers": 2})
    began = time.perf_counter()
    found = sweep_windows(problem, v, start, settings, began + 60, messages.append)
    assert seen[:4] == [(8, 0, 1), (8, 1, 2), (8, 2, 3), (8, 0, 1)]  # every agent, sliding
    # sweeps go on while they improve: the last whole sweep (3 windows) improved nothing
    assert len(seen) % 3 == 0 and len(seen) >= 6 and time.perf_counter() - began < 60
    assert len(set(costs[-3:])) == 1 and costs[-4] > costs[-1]
    assert found is not start and found.objective_value < start.objective_value
    # the response is the whole model's: every rule holds, and its roster works late shifts
    roster = read_incumbent(problem, v, found)
    late = [
        o for days in roster.shifts for o in days.values() if problem.options[o].template == "late"
    ]
    assert late and any("improve the cost" in m for m in messages)


def test_windows_with_no_time_keep_the_first_roster() -> None:
    config, problem = evening_problem()
    v = build_model(problem)
    start = without_late_shifts(problem, v)
    settings = config.solver.model_copy(update={"deterministic": False})
    assert sweep_windows(problem, v, start, settings, time.perf_counter()) is start


@pytest.mark.parametrize(
    "deterministic, large, swept",
    [(False, "choices", 1), (False, "days", 1), (False, None, 0), (True, "choices", 0)],
)
def test_only_the_parallel_search_of_a_large_model_or_long_horizon_starts_with_windows(
    monkeypatch: pytest.MonkeyPatch, deterministic: bool, large: str | None, swept: int
) -> None:
    config, problem = evening_problem()
    if large == "choices":
        monkeypatch.setattr(windows, "WINDOW_MIN_CHOICES", 1)
    elif large == "days":  # the evening problem's 4 days as a long horizon
        monkeypatch.setattr(windows, "WINDOW_MIN_DAYS", 4)
    calls: list[float] = []
    original = solve_module.sweep_windows

    def record(problem, v, start, settings, deadline, progress=None):
        calls.append(deadline - time.perf_counter())
        return original(problem, v, start, settings, deadline, progress)

    monkeypatch.setattr(solve_module, "sweep_windows", record)
    settings = config.solver.model_copy(
        update={"deterministic": deterministic, "workers": 2, "time_limit_seconds": 20}
    )
    result = solve_roster(problem, settings)
    assert len(calls) == swept and len(result.shifts) > 0
    if swept:  # the windows may run to the end, less the margin and the time to settle
        assert 10 < calls[0] < 20 * (1 - solve_module.WALL_MARGIN)


@pytest.mark.parametrize("sweeps_end_early", [True, False])
def test_the_whole_model_is_searched_after_the_windows_only_when_they_end_early(
    monkeypatch: pytest.MonkeyPatch, sweeps_end_early: bool
) -> None:
    """Windows that still improve run to their deadline; the roster they reach is kept, with
    the bound that needs no search. Windows that end early leave the whole model its phases."""
    config, problem = evening_problem()
    monkeypatch.setattr(windows, "WINDOW_MIN_CHOICES", 1)
    monkeypatch.setattr(solve_module, "PARALLEL_LP_MAX_CHOICES", 1)
    original = solve_module.sweep_windows

    def sweep(problem, v, start, settings, deadline, progress=None):
        found = original(problem, v, start, settings, deadline, progress)
        if not sweeps_end_early:  # sweeps that improve up to the deadline
            time.sleep(max(0.0, deadline - time.perf_counter()))
        return found

    monkeypatch.setattr(solve_module, "sweep_windows", sweep)
    phases: list[object] = []
    real_phases = solve_module._improve_then_prove

    def record(*args):
        phases.append(args)
        return real_phases(*args)

    monkeypatch.setattr(solve_module, "_improve_then_prove", record)
    settings = config.solver.model_copy(
        update={"deterministic": False, "workers": 2, "time_limit_seconds": 8}
    )
    result = solve_roster(problem, settings)
    assert len(phases) == sweeps_end_early and len(result.shifts) > 0
    if not sweeps_end_early:
        floor = objective_floor(build_model(problem).model) / OBJECTIVE_UNIT
        assert result.status == "FEASIBLE" and result.best_bound == pytest.approx(floor)
        assert floor <= result.objective


def test_the_objective_floor_takes_each_variable_at_its_cheapest_end() -> None:
    model = cp_model.CpModel()
    x, y = model.new_int_var(2, 5, "x"), model.new_int_var(-1, 3, "y")
    flag = model.new_bool_var("flag")
    model.minimize(3 * x - 2 * y + 4 * flag.Not() + 7)
    # 3 * 2 - 2 * 3 + 4 * 0 + 7
    assert objective_floor(model) == 7
    model.minimize(-3 * x + 2 * y)
    assert objective_floor(model) == -15 - 2


def test_a_roster_with_a_slack_cost_is_tightened_to_what_its_shifts_cost() -> None:
    """A response may count a shortfall its shifts no longer have (a neighbourhood held the
    variable): solved again with the shifts fixed, the cost is the roster's own."""
    config, problem = evening_problem()
    v = build_model(problem)
    loose = v.model.clone()
    # an evening interval (4 heads needed), its shortfall held at 3 whatever the shifts
    slack = next(var for (i, _), var in v.under.items() if problem.required[i].sum() == 4)
    loose.add(loose.get_int_var_from_proto_index(slack.index) >= 3)
    response = cp_model.CpSolver()
    response.parameters.num_workers = 1
    assert response.solve(loose) == cp_model.OPTIMAL
    settings = config.solver.model_copy(update={"deterministic": False})
    tight = tightened(v, response, settings.seed, deterministic_time=1.0, seconds=10)
    assert tight.objective_value < response.objective_value
    assert tight.value(slack) < 3
    worked = {key for key, var in v.x.items() if response.boolean_value(var)}
    assert worked == {key for key, var in v.x.items() if tight.boolean_value(var)}
    # a response already tight comes back as it is
    assert tightened(v, tight, settings.seed, deterministic_time=1.0, seconds=10) is tight


@pytest.mark.parametrize("deterministic, relaxed", [(False, 0), (True, 1)])
def test_a_large_model_searched_in_parallel_gets_no_lp_relaxation(
    monkeypatch: pytest.MonkeyPatch, deterministic: bool, relaxed: int
) -> None:
    config, problem = evening_problem()
    monkeypatch.setattr(solve_module, "PARALLEL_LP_MAX_CHOICES", 1)
    calls: list[float] = []
    original = solve_module.lp_relaxation

    def record(model, seconds):
        calls.append(seconds)
        return original(model, seconds)

    monkeypatch.setattr(solve_module, "lp_relaxation", record)
    settings = config.solver.model_copy(
        update={"deterministic": deterministic, "workers": 2, "time_limit_seconds": 10}
    )
    result = solve_roster(problem, settings)
    assert len(calls) == relaxed and len(result.shifts) > 0
    assert result.best_bound <= result.objective


def test_a_window_is_hinted_with_the_roster_as_it_stands() -> None:
    """Held to its hint, a window's model is the roster itself, at the roster's cost."""
    config, problem = evening_problem()
    v = build_model(problem)
    best = read_incumbent(problem, v, without_late_shifts(problem, v))
    free = list(range(len(problem.agents)))
    sub, held_cost = windows.neighbourhood(problem, best, free, 1, 2)
    sv = build_model(sub)
    windows._hint(sub, sv, best, free)
    held = cp_model.CpSolver()
    held.parameters.num_workers = 1
    held.parameters.fix_variables_to_their_hinted_value = True
    assert held.solve(sv.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert held.objective_value + held_cost == pytest.approx(best.objective)


def test_the_parallel_search_reports_its_last_roster_tightened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The parallel phases are made to end on a roster that counts a shortfall its shifts do
    not have: `solve_roster` reports the roster's own cost."""
    config, problem = evening_problem()
    loose_costs: list[float] = []

    def loose_roster(v, settings, started, shifts, first_cost, progress):
        loose = v.model.clone()
        loose.clear_hints()
        slack = next(var for (i, _), var in v.under.items() if problem.required[i].sum() == 4)
        loose.add(loose.get_int_var_from_proto_index(slack.index) >= 3)
        response = cp_model.CpSolver()
        response.parameters.num_workers = 1
        assert response.solve(loose) == cp_model.OPTIMAL
        loose_costs.append(response.objective_value / OBJECTIVE_UNIT)
        return response, cp_model.FEASIBLE, -float("inf")

    monkeypatch.setattr(solve_module, "_improve_then_prove", loose_roster)
    settings = config.solver.model_copy(update={"deterministic": False, "time_limit_seconds": 20})
    result = solve_roster(problem, settings)
    assert result.status == "FEASIBLE" and result.objective < loose_costs[0]


def _late_weekends_problem() -> RosterProblem:
    """Two agents who may work two of four weekends; heads are wanted on the last two only."""
    config = tiny_config(
        planning={"days": 28},
        objective={"under_coverage": 0, "over_coverage": 0},
        contracts={
            "flex": {
                "min_hours_per_week": 0,
                "max_hours_per_week": 40,
                "max_days_per_week": 7,
                "max_weekends": 2,
            }
        },
    )
    cover = [
        ShiftCover(
            date=MONDAY + dt.timedelta(days=d),
            shift="early",
            required=2,
            under_weight=100,
            over_weight=1,
        )
        for d in (19, 20, 26, 27)
    ]
    return build_roster_problem(
        config,
        agents(("a1", ("phone",)), ("a2", ("phone",))),
        {},
        requirements(config, {}),
        horizon_of(config),
        shift_cover=cover,
    )


def test_a_window_of_two_weekends_moves_an_allowance_spent_early_to_where_heads_are_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _late_weekends_problem()
    v = build_model(problem)
    # both agents spend their two weekends on the first two, where nobody is wanted
    trial = v.model.clone()
    for (_, o), var in v.x.items():
        option = problem.options[o]
        early_weekend = option.day in (5, 6, 12, 13) and option.template == "early"
        trial.add(trial.get_bool_var_from_proto_index(var.index) == int(early_weekend))
    start = cp_model.CpSolver()
    assert start.solve(trial) == cp_model.OPTIMAL
    roster = read_incumbent(problem, v, start)
    missing = 2 * 100 * OBJECTIVE_UNIT  # two heads a day
    assert windows.day_shortfall(problem, roster)[[19, 20, 26, 27]].tolist() == [missing] * 4
    # a week at a time, no window holds two weekends
    monkeypatch.setattr(windows, "WINDOW_DAYS", 7)
    monkeypatch.setattr(windows, "WINDOW_STRIDE", 7)
    monkeypatch.setattr(windows, "WINDOW_SECONDS", 2.0)
    settings = problem.config.solver.model_copy(update={"deterministic": False, "workers": 2})
    pairs = windows._pairs(problem, roster)
    # the shortest weekend with the least short one, two days either side of each
    assert pairs[0] == frozenset(range(3, 9)) | frozenset(range(24, 28))
    found = sweep_windows(problem, v, start, settings, time.perf_counter() + 60)
    assert found.objective_value < start.objective_value
    worked = read_incumbent(problem, v, found)
    assert windows.day_shortfall(problem, worked).sum() == 0

    # windows of consecutive days alone cannot
    monkeypatch.setattr(windows, "_pairs", lambda problem, best: [])
    alone = sweep_windows(problem, v, start, settings, time.perf_counter() + 60)
    assert alone is start
