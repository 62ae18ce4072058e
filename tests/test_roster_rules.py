"""One tiny situation per roster rule: each test fails if its rule is taken out of the model."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest
from ortools.sat.python import cp_model

from rosterkit import MONDAY, agents, horizon_of, inner_runs, prefs, requirements, tiny_config
from wfm.errors import WfmInputError
from wfm.roster import build_roster_problem, solve_roster
from wfm.roster.model import build_model, default_rules
from wfm.roster.problem import check_feasible_inputs


def solve(config, team, need, preferences=None, without: str | None = None):
    problem = build_roster_problem(
        config, team, preferences or {}, requirements(config, need), horizon_of(config)
    )
    if without is None:
        return solve_roster(problem, config.solver)
    # Solving without one rule shows the situation really exercises it.
    v = build_model(problem, [(n, r) for n, r in default_rules() if n != without])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(v.model) == cp_model.OPTIMAL
    return {
        (problem.agents[a].id, problem.options[o].day, problem.options[o].template)
        for (a, o), var in v.x.items()
        if solver.value(var)
    }


def shifts_of(result) -> set[tuple[str, int, str]]:
    start = result.shifts.date.min()
    return {
        (row.agent_id, (row.date - start).days if len(result.shifts) else 0, row.shift)
        for row in result.shifts.itertuples()
    }


def worked(result) -> set[tuple[str, str, str]]:
    return {(r.agent_id, str(r.date), r.shift) for r in result.shifts.itertuples()}


def test_one_shift_per_day():
    config = tiny_config(planning={"days": 7})
    need = {("phone", 0, h): 1 for h in (8, 9, 10, 11, 16, 17, 18, 19)}
    result = solve(config, agents(("a1", ("phone",))), need)
    assert len(result.shifts) == 1
    assert len(solve(config, agents(("a1", ("phone",))), need, without="one_shift_per_day")) == 2


def test_breaks_are_taken_inside_their_window():
    config = tiny_config(
        planning={"days": 1},
        shifts=[
            {
                "name": "long",
                "length_minutes": 360,
                "earliest_start": "08:00",
                "latest_start": "08:00",
                "breaks": [
                    {
                        "name": "lunch",
                        "length_minutes": 60,
                        "earliest_start_after_minutes": 180,
                        "latest_start_after_minutes": 240,
                    }
                ],
            }
        ],
    )
    need = {("phone", 0, h): 1 for h in range(8, 14)}
    result = solve(config, agents(("a1", ("phone",))), need)
    assert result.shifts.breaks.tolist() in (["11:00-12:00"], ["12:00-13:00"])
    lunch = result.assignments[result.assignments.activity == "break"]
    assert len(lunch) == 1
    # One of six required hours is lost to lunch: exactly one head-hour short.
    assert result.penalties["under_coverage"] == pytest.approx(100)


def test_contract_minimum_hours_make_an_agent_work_without_demand():
    config = tiny_config(
        planning={"days": 7},
        contracts={
            "part": {"min_hours_per_week": 8, "max_hours_per_week": 8, "max_days_per_week": 7}
        },
    )
    team = agents(("a1", ("phone",)), contract="part")
    result = solve(config, team, {})
    assert result.shifts.paid_minutes.sum() == 8 * 60
    assert solve(config, team, {}, without="contract_hours") == set()


def test_contract_maximum_hours_cap_work_despite_demand():
    config = tiny_config(
        contracts={
            "part": {"min_hours_per_week": 0, "max_hours_per_week": 14, "max_days_per_week": 7}
        },
    )
    # 14 h a week prorated to the 2-day horizon is 4 h: one 4-hour shift.
    need = {("phone", d, h): 1 for d in (0, 1) for h in (8, 9, 10, 11)}
    team = agents(("a1", ("phone",)), contract="part")
    assert len(solve(config, team, need).shifts) == 1
    assert len(solve(config, team, need, without="contract_hours")) == 2


def test_max_working_days():
    config = tiny_config(
        contracts={
            "flex": {"min_hours_per_week": 0, "max_hours_per_week": 40, "max_days_per_week": 3}
        },
    )
    # 3 days a week prorated to 2 days rounds up to 1 (ceil(3 * 2 / 7)).
    need = {("phone", d, h): 1 for d in (0, 1) for h in (8, 9, 10, 11)}
    team = agents(("a1", ("phone",)))
    assert len(solve(config, team, need).shifts) == 1
    assert len(solve(config, team, need, without="max_working_days")) == 2


def test_min_rest_between_late_and_next_early():
    config = tiny_config(rules={"min_rest_hours": 13})
    # Late day 0 ends 20:00; early day 1 starts 08:00 = 12 h rest < 13 h.
    need = {("phone", 0, h): 1 for h in (16, 17, 18, 19)}
    need |= {("phone", 1, h): 1 for h in (8, 9, 10, 11)}
    team = agents(("a1", ("phone",)))
    assert len(solve(config, team, need).shifts) == 1
    assert len(solve(config, team, need, without="min_rest_between_shifts")) == 2


def test_agents_only_serve_channels_they_are_skilled_for():
    config = tiny_config(planning={"days": 1})
    need = {("chat", 0, h): 1 for h in (8, 9, 10, 11)}
    result = solve(config, agents(("a1", ("phone",)), ("a2", ("chat",))), need)
    assert set(result.shifts.agent_id) == {"a2"}
    assert set(result.assignments.activity) == {"chat"}
    assert result.penalties["under_coverage"] == 0


def test_multi_skilled_agent_is_split_to_where_demand_is():
    config = tiny_config(planning={"days": 1})
    need = {("phone", 0, 8): 1, ("phone", 0, 9): 1, ("chat", 0, 10): 1, ("chat", 0, 11): 1}
    result = solve(config, agents(("a1", ("phone", "chat"))), need)
    activity = dict(
        zip(result.assignments.interval_start.dt.hour, result.assignments.activity, strict=True)
    )
    assert activity == {8: "phone", 9: "phone", 10: "chat", 11: "chat"}


def test_under_coverage_penalty_counts_missing_head_hours():
    config = tiny_config(planning={"days": 1})
    need = {("phone", 0, h): 2 for h in (8, 9, 10, 11)}
    result = solve(config, agents(("a1", ("phone",))), need)
    assert result.penalties["under_coverage"] == pytest.approx(4 * 100)
    assert (result.coverage.gap < 0).sum() == 4


def test_over_coverage_penalty_counts_surplus_head_hours():
    config = tiny_config(
        planning={"days": 1},
        contracts={
            "flex": {"min_hours_per_week": 1, "max_hours_per_week": 40, "max_days_per_week": 7}
        },
    )
    result = solve(config, agents(("a1", ("phone",))), {})
    assert result.penalties["over_coverage"] == pytest.approx(4 * 5)


def test_peak_periods_get_the_scarce_agent():
    need = {("phone", 0, h): 1 for h in (8, 9, 10, 11)}
    need |= {("phone", 0, h): 1 for h in (16, 17, 18)}
    team = agents(("a1", ("phone",)))
    plain = tiny_config(planning={"days": 1})
    assert set(solve(plain, team, need).shifts["shift"]) == {"early"}
    peaked = tiny_config(
        planning={"days": 1},
        peaks={"daily": [{"days": ["mon"], "start": "16:00", "end": "19:00", "weight": 2}]},
    )
    assert set(solve(peaked, team, need).shifts["shift"]) == {"late"}


def test_unavailability_is_hard():
    config = tiny_config(planning={"days": 1})
    need = {("phone", 0, h): 1 for h in (16, 17, 18, 19)}
    unavailable = {
        "a1": prefs(
            "a1", unavailable=[{"day": "mon", "time": "17:00-18:00", "reason": "childcare"}]
        )
    }
    result = solve(config, agents(("a1", ("phone",))), need, unavailable)
    assert result.shifts.empty
    assert result.penalties["under_coverage"] == pytest.approx(400)


def test_wanted_shift_is_granted_against_a_small_over_coverage_cost():
    config = tiny_config(planning={"days": 1})
    wish = {"a1": prefs("a1", wishes=[{"shift": "late", "day": "mon", "priority": 2}])}
    result = solve(config, agents(("a1", ("phone",))), {}, wish)
    assert set(result.shifts["shift"]) == {"late"}
    assert result.wishes.granted.tolist() == [True]
    assert solve(config, agents(("a1", ("phone",))), {}, wish, without="wishes") == set()


def test_day_off_wish_moves_work_to_a_colleague():
    config = tiny_config(
        planning={"days": 2},
        contracts={
            "flex": {"min_hours_per_week": 0, "max_hours_per_week": 40, "max_days_per_week": 7},
            "fixed": {"min_hours_per_week": 14, "max_hours_per_week": 14, "max_days_per_week": 7},
        },
    )
    need = {("phone", 1, h): 1 for h in (8, 9, 10, 11)}
    # a1 must work one 4-hour shift; Tuesday needs one head. Without the wish a1 takes it.
    team = [*agents(("a1", ("phone",)), contract="fixed"), *agents(("a2", ("phone",)))]
    wishes = {"a1": prefs("a1", wishes=[{"day_off": "tue", "priority": 5}])}
    result = solve(config, team, need, wishes)
    assert {(a, d) for a, d, _ in worked(result)} == {("a1", "2026-11-23"), ("a2", "2026-11-24")}
    assert result.wishes.granted.tolist() == [True]
    assert solve(config, team, need, wishes, without="wishes") == {("a1", 1, "early")}


def test_denied_wish_is_reported_with_the_reason():
    config = tiny_config(planning={"days": 1})
    need = {("phone", 0, h): 1 for h in (8, 9, 10, 11)}
    wishes = {"a1": prefs("a1", wishes=[{"avoid_shift": "early", "day": "mon", "priority": 1}])}
    result = solve(config, agents(("a1", ("phone",))), need, wishes)
    row = result.wishes.iloc[0]
    assert not row.granted
    assert "outweighed" in row.reason and "2026-11-23" in row.reason


def test_start_window_wish():
    config = tiny_config(planning={"days": 1})
    need = {("phone", 0, h): 1 for h in (8, 9, 10, 11, 16, 17, 18, 19)}
    team = agents(("a1", ("phone",)))
    wish = {
        "a1": prefs("a1", wishes=[{"start_window": "12:00-17:00", "day": "mon", "priority": 1}])
    }
    # Both shifts cover 4 needed hours; only the wish decides.
    assert set(solve(config, team, need, wish).shifts["shift"]) == {"late"}


def test_impossible_contract_is_reported_with_the_agent():
    config = tiny_config(
        planning={"days": 7},
        contracts={
            "flex": {"min_hours_per_week": 30, "max_hours_per_week": 40, "max_days_per_week": 5}
        },
    )
    problem = build_roster_problem(
        config, agents(("a1", ("phone",))), {}, requirements(config, {}), horizon_of(config)
    )
    with pytest.raises(WfmInputError, match="agent a1"):
        check_feasible_inputs(problem)


def test_hard_conflict_names_the_rules():
    config = tiny_config(
        planning={"days": 2},
        contracts={
            "flex": {"min_hours_per_week": 28, "max_hours_per_week": 40, "max_days_per_week": 7}
        },
        rules={"min_rest_hours": 30},
    )
    # 28 h prorated to 2 days = 8 h = both days, but 30 h rest forbids two days in a row.
    problem = build_roster_problem(
        config, agents(("a1", ("phone",))), {}, requirements(config, {}), horizon_of(config)
    )
    with pytest.raises(WfmInputError) as info:
        solve_roster(problem, config.solver)
    message = str(info.value)
    assert "agent a1: contract_hours + min_rest_between_shifts cannot all hold" in message


def test_infeasibility_names_only_the_agents_in_conflict():
    config = tiny_config(
        planning={"days": 7},
        contracts={
            "flex": {"min_hours_per_week": 0, "max_hours_per_week": 40, "max_days_per_week": 7},
            "tight": {
                "min_hours_per_week": 24,
                "max_hours_per_week": 40,
                "max_days_per_week": 7,
                "max_consecutive_days": 3,
            },
        },
    )
    # b1 needs six 4-hour shifts but is away on Wednesday, so Thursday to Sunday must all be
    # worked: four days in a row where at most three are allowed.
    team = [
        *agents(("a1", ("phone",)), ("a2", ("phone",))),
        *agents(("b1", ("phone",)), contract="tight"),
    ]
    unavailable = {"b1": prefs("b1", unavailable=[{"day": "wed", "reason": "study"}])}
    problem = build_roster_problem(
        config, team, unavailable, requirements(config, {}), horizon_of(config)
    )
    with pytest.raises(WfmInputError) as info:
        solve_roster(problem, config.solver)
    lines = [str(p) for p in info.value.problems]
    assert len(lines) == 1
    assert "agent b1" in lines[0] and "max_consecutive_days" in lines[0]
    assert "contract_hours" in lines[0]


def test_same_inputs_and_seed_give_the_same_roster():
    config = tiny_config(planning={"days": 2})
    need = {("phone", d, h): 2 for d in (0, 1) for h in range(8, 20)}
    team = agents(*((f"a{i}", ("phone", "chat")) for i in range(6)))
    first = solve(config, team, need)
    second = solve(config, team, need)
    pd.testing.assert_frame_equal(first.assignments, second.assignments)


def test_shortage_is_spread_across_channels_not_dumped_on_one():
    config = tiny_config(planning={"days": 1})
    need = {(ch, 0, h): 4 for ch in ("phone", "chat") for h in (8, 9, 10, 11)}
    team = agents(*((f"a{i}", ("phone", "chat")) for i in range(4)))
    result = solve(config, team, need)
    scheduled = result.coverage.groupby("channel").scheduled.sum().to_dict()
    # Four heads for eight needed (tiers for 4: 1 head at 1x, 1 at 2x, 2 at 4x): two short on
    # each channel costs 2 x (1x + 2x) = 600 an hour; four short on one costs 1x+2x+4x+4x = 1100.
    assert scheduled == {"phone": 8, "chat": 8}
    assert result.penalties["under_coverage"] == pytest.approx(4 * 2 * (100 + 200))


def _every_day(hours=(8, 9, 10, 11), days=range(7), heads=1):
    return {("phone", d, h): heads for d in days for h in hours}


def _flex(**limits):
    base = {"min_hours_per_week": 0, "max_hours_per_week": 60, "max_days_per_week": 7}
    return {"flex": {**base, **limits}}


def _days_worked(result) -> list[int]:
    return sorted((d - MONDAY).days for d in result.shifts.date)


def test_max_consecutive_days():
    config = tiny_config(planning={"days": 7}, contracts=_flex(max_consecutive_days=3))
    team = agents(("a1", ("phone",)))
    days = _days_worked(solve(config, team, _every_day()))
    assert days == [0, 1, 2, 4, 5, 6]
    assert len(solve(config, team, _every_day(), without="max_consecutive_days")) == 7


def test_min_consecutive_days():
    # Three 4-hour shifts; demand on Tue, Thu, Sat. Lone working days inside the week are banned.
    config = tiny_config(
        planning={"days": 7},
        contracts=_flex(min_consecutive_days=2, min_hours_per_week=12, max_hours_per_week=12),
    )
    team = agents(("a1", ("phone",)))
    need = _every_day(days=(1, 3, 5))
    days = _days_worked(solve(config, team, need))
    assert all(len(run) >= 2 for run in inner_runs(days, 7))
    assert {d for _, d, _ in solve(config, team, need, without="min_consecutive_days")} == {1, 3, 5}


def test_min_consecutive_days_off():
    # Six shifts in seven days leave one day off; demand is lowest on Wednesday, but a single
    # day off inside the week is banned, so the day off moves to an end of the horizon.
    config = tiny_config(
        planning={"days": 7},
        contracts=_flex(min_consecutive_days_off=2, min_hours_per_week=24, max_hours_per_week=24),
    )
    team = agents(("a1", ("phone",)))
    need = _every_day(days=(0, 1, 3, 4, 5, 6))
    off = set(range(7)) - set(_days_worked(solve(config, team, need)))
    assert len(off) == 1 and off <= {0, 6}
    worked_without = {
        d for _, d, _ in solve(config, team, need, without="min_consecutive_days_off")
    }
    assert set(range(7)) - worked_without == {2}


def test_max_weekends():
    config = tiny_config(planning={"days": 14}, contracts=_flex(max_weekends=1))
    team = agents(("a1", ("phone",)))
    need = _every_day(days=(5, 6, 12, 13))
    days = _days_worked(solve(config, team, need))
    assert len({d // 7 for d in days}) == 1
    assert len(solve(config, team, need, without="max_weekends")) == 4


def test_max_weekends_follow_the_sites_weekend():
    # An Israeli site: the weekend is Friday and Saturday (days 4-5 and 11-12 from Monday);
    # Saturday-Sunday work counts as one weekend only there, not two half weekends.
    config = tiny_config(
        site={"country": None, "weekend": ["fri", "sat"]},
        planning={"days": 14},
        contracts=_flex(max_weekends=1),
    )
    team = agents(("a1", ("phone",)))
    need = _every_day(days=(4, 5, 11, 12))
    days = _days_worked(solve(config, team, need))
    assert len({d // 7 for d in days}) == 1 and len(days) == 2
    assert len(solve(config, team, need, without="max_weekends")) == 4
    # Sunday is a weekday there: Sunday work is not limited
    sundays = _every_day(days=(6, 13))
    assert len(_days_worked(solve(config, team, sundays))) == 2


def test_max_shifts_per_type():
    config = tiny_config(planning={"days": 7}, contracts=_flex(max_shifts={"late": 2}))
    team = agents(("a1", ("phone",)))
    need = _every_day(hours=(16, 17, 18, 19))
    assert len(solve(config, team, need).shifts) == 2
    assert len(solve(config, team, need, without="max_shifts_per_type")) == 7


def test_contract_total_hours_over_the_horizon():
    config = tiny_config(planning={"days": 14}, contracts=_flex(max_hours_total=12))
    team = agents(("a1", ("phone",)))
    need = _every_day(days=range(14))
    assert solve(config, team, need).shifts.paid_minutes.sum() == 12 * 60
    assert len(solve(config, team, need, without="contract_total_hours")) == 14


def test_forbidden_sequence_late_then_early():
    config = tiny_config(
        rules={"min_rest_hours": 0, "forbidden_sequences": [{"first": "late", "then": "early"}]}
    )
    need = {("phone", 0, h): 1 for h in (16, 17, 18, 19)}
    need |= {("phone", 1, h): 1 for h in (8, 9, 10, 11)}
    team = agents(("a1", ("phone",)))
    assert len(solve(config, team, need).shifts) == 1
    assert len(solve(config, team, need, without="forbidden_sequences")) == 2


def test_locked_shift_holds_against_coverage():
    from wfm.domain import LockedShift

    config = tiny_config(planning={"days": 2})
    need = {("phone", 0, h): 1 for h in (8, 9, 10, 11)}
    team = agents(("a1", ("phone",)))
    locks = [
        LockedShift(agent_id="a1", date=horizon_of(config).start, shift="late"),
        LockedShift(agent_id="a1", date=horizon_of(config).dates[1], shift=None),
    ]
    problem = build_roster_problem(
        config, team, {}, requirements(config, need), horizon_of(config), locks
    )
    result = solve_roster(problem, config.solver)
    assert worked(result) == {("a1", "2026-11-23", "late")}
    free = build_roster_problem(config, team, {}, requirements(config, need), horizon_of(config))
    assert worked(solve_roster(free, config.solver)) == {("a1", "2026-11-23", "early")}


def test_impossible_lock_is_an_input_error():
    from wfm.domain import LockedShift

    config = tiny_config(planning={"days": 1})
    team = agents(("a1", ("phone",)))
    lock = LockedShift(agent_id="a1", date=horizon_of(config).start, shift="late", start="09:00")
    with pytest.raises(WfmInputError, match="lock a1 2026-11-23"):
        build_roster_problem(config, team, {}, requirements(config, {}), horizon_of(config), [lock])


def _two_queues(mode: str, calls_b: float = 24.0, floor_b: int = 0, **b_extra: Any):
    """Two voice queues with the same load in Erlangs: A has 4x the calls, each 4x shorter
    (unless `calls_b` says otherwise); B keeps `floor_b` agents while open."""
    from wfm.staffing import compute_requirements

    b = {"kind": "voice", "aht_seconds": 600, "hours": "08:00-20:00", "shrinkage": 0, **b_extra}
    config = tiny_config(
        planning={"days": 1},
        objective={"coverage_cost": mode},
        channels={
            "a": {"kind": "voice", "aht_seconds": 150, "hours": "08:00-20:00", "shrinkage": 0},
            "b": {**b, "min_agents": floor_b},
        },
    )
    horizon = horizon_of(config)
    rows = [
        {
            "interval_start": ts,
            "channel": ch,
            "contacts": calls if 8 <= ts.hour < 12 else 0.0,
            "lower": 0.0,
            "upper": 0.0,
            "aht_seconds": aht,
        }
        for ch, calls, aht in (("a", 96.0, 150.0), ("b", calls_b, 600.0))
        for ts in horizon.intervals()
    ]
    req = compute_requirements(pd.DataFrame(rows), config)
    team = agents(("x1", ("a", "b")))
    return build_roster_problem(config, team, {}, req, horizon), config


def test_service_aware_cost_is_convex_and_follows_the_calls():
    problem, _ = _two_queues("service")
    steps_a, steps_b = problem.shortage_steps[8, 0], problem.shortage_steps[8, 1]
    for steps in (steps_a, steps_b):
        costs = [cost for cost, _ in steps]
        assert costs == sorted(costs)  # convex: each further missing head costs at least as much
    # Same heads needed, but a missing head on A leaves four times the callers waiting.
    assert steps_a[0][0] > 2 * steps_b[0][0]
    headcount, _ = _two_queues("headcount")
    assert headcount.shortage_steps == {}


def test_service_aware_cost_of_impatient_callers_follows_erlang_a():
    # B's callers hang up after 60 s on average: its requirement and its missing heads' cost
    # both come from Erlang A. A keeps Erlang C.
    from wfm.staffing import evaluate_erlang_a, evaluate_staffing

    problem, _ = _two_queues("service", queue_model="erlang_a", patience_seconds=60)

    def losses(calls: float, aht: float, need: int, patience: float | None) -> np.ndarray:
        agents = np.arange(need, -1, -1)
        traffic = np.full(len(agents), calls * aht / 3600)
        level = (
            evaluate_staffing(agents, traffic, aht, 20)
            if patience is None
            else evaluate_erlang_a(agents, traffic, aht, 20, patience)
        ).expected_service_level
        return np.maximum.accumulate(np.maximum(calls * -np.diff(level), 0.0))

    def heads(c: int) -> int:
        return sum(n for _, n in problem.shortage_steps[8, c])

    a, b = losses(96.0, 150.0, heads(0), None), losses(24.0, 600.0, heads(1), 60.0)
    ratio = problem.shortage_steps[8, 1][0][0] / problem.shortage_steps[8, 0][0][0]
    assert ratio == pytest.approx(b[0] / a[0], rel=0.02)
    as_erlang_c = losses(24.0, 600.0, heads(1), None)
    assert abs(as_erlang_c[0] / a[0] - ratio) > 0.1 * ratio  # Erlang C would price B otherwise


def test_a_channels_minimum_heads_cost_a_deep_shortage_however_quiet():
    # One call an hour on B: its single head costs little service; its floor of two does.
    from wfm.roster.service_cost import FLOOR_TIER

    quiet, _ = _two_queues("service", calls_b=1.0)
    floored, _ = _two_queues("service", calls_b=1.0, floor_b=2)
    weight = int(floored.under_weight[8, 1])
    assert sum(n for _, n in quiet.shortage_steps[8, 1]) == 1
    assert quiet.shortage_steps[8, 1][0][0] < FLOOR_TIER * weight
    steps = floored.shortage_steps[8, 1]
    assert sum(n for _, n in steps) == 2
    assert all(cost >= FLOOR_TIER * weight for cost, _ in steps)


def test_service_aware_coverage_sends_the_scarce_agent_to_the_busier_queue():
    problem, config = _two_queues("service")
    result = solve_roster(problem, config.solver)
    assert set(result.assignments.activity) == {"a"}


def test_worst_off_agent_is_not_left_with_every_wish_denied():
    # Tuesday needs one head; each agent works exactly one 4-hour shift in three days.
    contracts = {
        "one": {
            "min_hours_per_week": 0,
            "max_hours_per_week": 40,
            "max_days_per_week": 7,
            "min_hours_total": 4,
            "max_hours_total": 4,
        }
    }
    config = tiny_config(planning={"days": 3}, contracts=contracts, fairness={"spread_weight": 0})
    team = agents(("a1", ("phone",)), ("a2", ("phone",)), contract="one")
    wishes = {
        "a1": prefs("a1", wishes=[{"day_off": "tue", "priority": 2}]),
        "a2": prefs(
            "a2", wishes=[{"day_off": "tue", "priority": 3}, {"day_off": "wed", "priority": 2}]
        ),
    }
    need = {("phone", 1, h): 1 for h in (8, 9, 10, 11)}
    result = solve(config, team, need, wishes)
    # Refusing a1's only wish would cost fewer points, but leave a1 with nothing granted.
    assert ("a2", "2026-11-24") in {(a, d) for a, d, _ in worked(result)}
    assert ("a1", 1, "early") in solve(config, team, need, wishes, without="fair_wish_share")


def test_late_shifts_are_shared_evenly():
    contracts = {
        "two": {
            "min_hours_per_week": 0,
            "max_hours_per_week": 40,
            "max_days_per_week": 7,
            "min_hours_total": 8,
            "max_hours_total": 8,
        }
    }
    config = tiny_config(
        planning={"days": 2},
        contracts=contracts,
        fairness={"spread_weight": 30, "worst_off_weight": 0},
    )
    team = agents(("a1", ("phone",)), ("a2", ("phone",)), contract="two")
    need = {("phone", d, h): 1 for d in (0, 1) for h in (8, 9, 10, 11, 16, 17, 18, 19)}
    wishes = {"a1": prefs("a1", wishes=[{"shift": "late", "days": ["mon", "tue"], "priority": 1}])}
    lates = solve(config, team, need, wishes).shifts.query("shift == 'late'")
    assert lates.agent_id.value_counts().to_dict() == {"a1": 1, "a2": 1}
    unfair = solve(config, team, need, wishes, without="even_undesirable_shifts")
    assert {(a, t) for a, _, t in unfair if t == "late"} == {("a1", "late")}
    assert sum(1 for a, _, t in unfair if a == "a1" and t == "late") == 2


def test_interval_rows_count_each_shift_once_not_once_per_agent():
    """Heads per (shift, skill group) are one variable: an agent's shift variable is in a few
    rows (its day, contract, that count), not in every interval the shift covers."""
    config = tiny_config(planning={"days": 2, "interval_minutes": 15})
    team = agents(*((f"a{i}", ("phone",)) for i in range(6)))
    need = {("phone", d, h): 2 for d in range(2) for h in range(8, 20)}
    problem = build_roster_problem(config, team, {}, requirements(config, need), horizon_of(config))
    v = build_model(problem)
    rows_of = Counter(
        index
        for constraint in v.model.proto.constraints
        if constraint.has_linear()
        for index in constraint.linear.vars
    )
    shortest = min(problem.options[o].n_intervals for _, o in v.x)
    assert shortest == 16  # four hours at 15 minutes
    assert max(rows_of[var.index] for var in v.x.values()) < shortest / 2
