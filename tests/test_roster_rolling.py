"""A roster rolled forward a few days at a time (`wfm.roster.rolling`), and the per-shift cover
its long horizons are stated in."""

from __future__ import annotations

import datetime as dt
import itertools
import time

import pytest
from ortools.sat.python import cp_model

from rosterkit import MONDAY, agents, horizon_of, prefs, requirements, tiny_config
from wfm.config import Contract
from wfm.domain import ShiftCover
from wfm.roster import build_roster_problem, construct, rolling, solve_roster, windows
from wfm.roster import solve as solve_module
from wfm.roster.incumbent import Incumbent
from wfm.roster.lns import neighbourhood
from wfm.roster.model import build_model, default_rules
from wfm.roster.problem import OBJECTIVE_UNIT, RosterProblem
from wfm.roster.rolling import _capacity_after, day_by_day, prefix
from wfm.roster.rules import sequence
from wfm.roster.solve import _solve_shifts

HOURS = 4  # every shift of tiny_config is 4 hours


def _contract(**rules: object) -> dict:
    return {"min_hours_per_week": 0, "max_hours_per_week": 40, "max_days_per_week": 7, **rules}


def _late_demand_problem(days: int = 28, shifts: int = 16) -> RosterProblem:
    """Three agents who must each work `shifts` 4-hour shifts over four weeks, in runs of at
    most 5 days with days off in pairs; a head is needed on the early shift, but only in the
    last two weeks (which alone cannot hold 16 shifts of an agent: 10 at most)."""
    config = tiny_config(
        planning={"days": days},
        channels={"phone": {"kind": "voice", "aht_seconds": 300, "hours": "08:00-20:00"}},
        contracts={
            "flex": _contract(
                min_hours_total=shifts * HOURS,
                max_hours_total=shifts * HOURS,
                max_consecutive_days=5,
                min_consecutive_days_off=2,
            )
        },
    )
    team = agents(*((f"a{i}", ("phone",)) for i in range(3)))
    need = {("phone", d, h): 1 for d in range(days // 2, days) for h in range(8, 12)}
    return build_roster_problem(config, team, {}, requirements(config, need), horizon_of(config))


def _paid_hours(problem: RosterProblem, built: set[tuple[int, int]], agent: int) -> float:
    return sum(problem.options[o].paid_minutes for a, o in built if a == agent) / 60


def _most_days(available: list[bool], most_on: int, least_off: int) -> int:
    """Brute force: the most working days on `available` days, runs of work at most `most_on`
    long, runs off strictly inside at least `least_off` long."""
    best = 0
    for pattern in itertools.product((0, 1), repeat=len(available)):
        if any(p and not ok for p, ok in zip(pattern, available, strict=True)):
            continue
        runs = [(k, len(list(g))) for k, g in itertools.groupby(pattern)]
        if any(k == 1 and n > most_on for k, n in runs):
            continue
        if any(k == 0 and n < least_off for k, n in runs[1:-1]):
            continue
        best = max(best, sum(pattern))
    return best


@pytest.mark.parametrize("off_days", [(), (2,), (3, 7), (0, 5, 6)])
def test_capacity_after_a_day_is_the_most_its_runs_allow(off_days: tuple[int, ...]) -> None:
    days = 10
    config = tiny_config(
        planning={"days": days},
        contracts={"flex": _contract(max_consecutive_days=3, min_consecutive_days_off=2)},
    )
    unavailable = [{"day": MONDAY + dt.timedelta(days=d), "reason": "leave"} for d in off_days]
    team = agents(("a1", ("phone",)))
    problem = build_roster_problem(
        config,
        team,
        {"a1": prefs("a1", unavailable=unavailable)},
        requirements(config, {}),
        horizon_of(config),
    )
    for start in (0, 4, days):
        available = [d not in off_days for d in range(start, days)]
        expected = _most_days(available, 3, 2) * HOURS * 60
        assert _capacity_after(problem, 0, start, rolling._longest_on(problem, 0)) == expected


def test_a_prefix_has_the_first_days_and_its_share_of_the_horizons_limits() -> None:
    problem = _late_demand_problem()
    part = prefix(problem, 14)
    assert part.horizon.days == 14 and part.required.shape[0] == 14 * 24
    assert all(problem.options[o].day < 14 for mine in part.agent_options for o in mine)
    low, high = part.total_minutes[0]  # half of 64 hours, give or take three shifts' worth
    slack = 0.5 * rolling.PACE_SLACK_SHIFTS * HOURS * 60
    assert high == 32 * 60 + slack
    # ... but at least what the last 14 days cannot hold: 64 h less 10 shifts
    assert low == max(32 * 60 - slack, (64 - 10 * HOURS) * 60)
    whole = prefix(problem, 28)  # the horizon's own limits at its end
    assert whole.total_minutes == ((64 * 60, 64 * 60),) * 3


def test_a_prefix_holds_its_share_of_weekends_and_of_each_shift_rounded_up() -> None:
    contract = Contract(max_weekends=13, max_shifts={"early": 10, "late": 0, "night": 3})
    share = rolling._prorated(contract, share=0.25, weekend_share=0.5)
    assert share.max_weekends == 7
    assert share.max_shifts == {"early": 3, "late": 0, "night": 1}
    assert rolling._prorated(contract, 1.0, 1.0) == contract


def test_a_prefix_asks_at_least_what_the_days_after_it_cannot_make_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rolling, "PACE_SLACK_SHIFTS", 10)  # a pace that asks for little
    low, high = prefix(_late_demand_problem(), 14).total_minutes[0]
    # the last 14 days hold 10 shifts at most (runs of 5, days off in pairs): 64 h less 40 h
    assert low == (64 - 10 * HOURS) * 60 and high >= low


def test_each_agent_of_a_neighbourhood_keeps_its_own_paced_hours() -> None:
    problem = _late_demand_problem()
    away = {"a2": prefs("a2", unavailable=[{"day": MONDAY, "reason": "leave"}])}
    problem = build_roster_problem(
        problem.config,
        problem.agents,
        away,
        requirements(problem.config, {}),
        horizon_of(problem.config),
    )
    part = prefix(problem, 14)
    assert part.total_minutes[2] != part.total_minutes[0]  # a2 has a day fewer there
    empty = Incumbent(tuple({} for _ in problem.agents), {}, {}, 0.0)
    sub, _ = neighbourhood(part, empty, [2], 0, 13)
    assert sub.total_minutes == (part.total_minutes[2],)


def _roll(
    problem: RosterProblem, monkeypatch: pytest.MonkeyPatch
) -> tuple[set[tuple[int, int]] | None, list[str]]:
    monkeypatch.setattr(rolling, "STRIDE_DAYS", 7)
    monkeypatch.setattr(rolling, "LOOKAHEAD_DAYS", 7)
    settings = problem.config.solver.model_copy(update={"workers": 2})
    messages: list[str] = []
    built = day_by_day(problem, settings, time.perf_counter() + 60, messages.append)
    return built, messages


def test_a_rolled_roster_keeps_pace_with_the_contracts_totals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _late_demand_problem()
    built, messages = _roll(problem, monkeypatch)
    assert built is not None
    # a step a week, the last two weeks in one
    assert [m.split(" of every")[0] for m in messages if "of every agent" in m] == [
        "roster: days 1-7",
        "roster: days 8-14",
        "roster: days 15-28",
    ]
    assert not any("re-solved" in m for m in messages)  # nobody fell behind
    for a in range(3):
        assert _paid_hours(problem, built, a) == 64
    # every rule of the whole horizon holds, and the demanded days are covered
    v = build_model(problem)
    assert _solve_shifts(v, built, problem.config.solver) is not None
    covered = {problem.options[o].day for _, o in built if problem.options[o].template == "early"}
    assert set(range(14, 28)) <= covered


def test_an_agent_that_falls_behind_is_solved_again_from_the_first_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With no pace, the first weeks (no demand) are left empty, and the last two cannot hold
    16 shifts: each agent is solved again alone from day one, and the roster still holds."""
    problem = _late_demand_problem()

    def unpaced(problem: RosterProblem, agent: int, days: int) -> tuple[int, int]:
        contract = problem.config.contracts[problem.agents[agent].contract]
        most = round((contract.max_hours_total or 0) * 60)
        return (most, most) if days == problem.horizon.days else (0, most)

    monkeypatch.setattr(rolling, "_paced_minutes", unpaced)
    built, messages = _roll(problem, monkeypatch)
    assert built is not None
    assert any("3 agents re-solved to keep pace" in m for m in messages)
    for a in range(3):
        assert _paid_hours(problem, built, a) == 64
    assert _solve_shifts(build_model(problem), built, problem.config.solver) is not None


def test_a_rolled_roster_gives_up_when_out_of_time() -> None:
    problem = _late_demand_problem()
    assert day_by_day(problem, problem.config.solver, time.perf_counter() - 1) is None


def _cover_problem() -> RosterProblem:
    """Three agents over three days, demand stated per day and shift: two early, one late."""
    config = tiny_config(planning={"days": 3}, objective={"under_coverage": 0, "over_coverage": 0})
    team = agents(*((f"a{i}", ("phone",)) for i in range(3)))
    cover = [
        ShiftCover(
            date=MONDAY + dt.timedelta(days=d), shift=s, required=n, under_weight=100, over_weight=1
        )
        for d in range(3)
        for s, n in (("early", 2), ("late", 1))
    ]
    return build_roster_problem(
        config, team, {}, requirements(config, {}), horizon_of(config), shift_cover=cover
    )


def test_a_step_searches_for_its_days_share_of_the_time_left_after_each_steps_overhead() -> None:
    deadline = time.perf_counter() + 100
    assert rolling._step_seconds(deadline, [21, 21, 28], 0.0) == pytest.approx(30, abs=0.1)
    assert rolling._step_seconds(deadline, [28], 0.0) == pytest.approx(100, abs=0.1)
    assert rolling._step_seconds(deadline, [21, 21, 28], 5.0) == pytest.approx(25.5, abs=0.1)


def test_shift_cover_prices_missing_and_surplus_heads_per_day_and_shift() -> None:
    problem = _cover_problem()
    v = build_model(problem)
    # everyone early on day 0 (one surplus, the late one missing), nobody works after
    for (_, o), var in v.x.items():
        option = problem.options[o]
        v.model.add(var == int(option.day == 0 and option.template == "early"))
    solver = cp_model.CpSolver()
    assert solver.solve(v.model) == cp_model.OPTIMAL
    # day 0: 1 surplus early, 1 late missing; days 1-2: 2 early and 1 late missing each
    assert solver.objective_value == (1 * 1 + 1 * 100 + 2 * 3 * 100) * OBJECTIVE_UNIT


def test_a_days_cover_no_free_shift_reaches_is_a_constant_of_the_neighbourhood() -> None:
    problem = _cover_problem()
    early = {
        a: next(o for o in problem.agent_options[a] if problem.options[o].template == "early")
        for a in range(3)
    }  # day 0's early shift of each agent
    roster = Incumbent(tuple({0: early[a]} for a in range(3)), {}, {}, 0.0)
    sub, held_cost = neighbourhood(problem, roster, [0], 1, 2)  # agent a0 on days 1-2
    sv = build_model(sub)
    names = [var.name for var in sv.model.proto.variables]
    assert not any(
        name.startswith("scover_") and name.endswith(("_0_early", "_0_late")) for name in names
    )
    assert any(name.startswith("scover_under_1_") for name in names)
    solver = cp_model.CpSolver()
    assert solver.solve(sv.model) == cp_model.OPTIMAL
    # day 0 costs what it costs whatever a0 does on days 1-2: one surplus early, the late
    # missing; a0 covers one shift on day 1 and one on day 2
    day0 = (1 + 100) * OBJECTIVE_UNIT
    assert solver.objective_value + held_cost == pytest.approx(day0 + 2 * 2 * 100 * OBJECTIVE_UNIT)
    # the whole model, the others and a0's day 0 fixed alike, costs the same
    whole = build_model(problem)
    for (a, o), var in whole.x.items():
        if a != 0 or problem.options[o].day == 0:
            whole.model.add(var == int(o == early[a]))
    check = cp_model.CpSolver()
    assert check.solve(whole.model) == cp_model.OPTIMAL
    assert check.objective_value == pytest.approx(solver.objective_value + held_cost)


@pytest.mark.parametrize(
    "deterministic, rolled, built",
    [(False, True, "a few days at a time"), (False, False, "agent by agent"), (True, None, "")],
)
def test_the_parallel_search_of_a_large_model_rolls_its_first_roster_forward(
    monkeypatch: pytest.MonkeyPatch, deterministic: bool, rolled: bool | None, built: str
) -> None:
    """Where the greedy breaks a rule over runs of days: rolled forward in the parallel mode,
    built agent by agent when that finds none (or in the deterministic mode)."""
    problem = _late_demand_problem()
    monkeypatch.setattr(solve_module, "WINDOW_MIN_CHOICES", 1)  # rolled forward ...
    monkeypatch.setattr(windows, "WINDOW_MIN_CHOICES", 1)  # ... and windows after it
    monkeypatch.setattr(solve_module, "ROLLING_FROM_UNITS", 0.0)
    monkeypatch.setattr(rolling, "STRIDE_DAYS", 7)
    calls: list[str] = []
    original = solve_module.day_by_day

    def roll(problem, settings, deadline, progress=None):
        calls.append("rolled")
        return original(problem, settings, deadline, progress) if rolled else None

    real_build = solve_module.agent_by_agent

    def build(problem, settings, deadline):
        calls.append("agent by agent")
        return real_build(problem, settings, deadline)

    monkeypatch.setattr(solve_module, "day_by_day", roll)
    monkeypatch.setattr(solve_module, "agent_by_agent", build)
    settings = problem.config.solver.model_copy(
        update={"deterministic": deterministic, "workers": 2, "time_limit_seconds": 20}
    )
    messages: list[str] = []
    result = solve_roster(problem, settings, messages.append)
    expected = {True: ["rolled"], False: ["rolled", "agent by agent"], None: ["agent by agent"]}
    assert calls == expected[rolled]
    assert any(f"built {built or 'agent by agent'}, the first roster" in m for m in messages)
    assert len(result.shifts) > 0


def test_a_short_agent_by_agent_build_is_not_rolled_forward(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _late_demand_problem()
    monkeypatch.setattr(solve_module, "WINDOW_MIN_CHOICES", 1)  # rolled forward ...
    monkeypatch.setattr(windows, "WINDOW_MIN_CHOICES", 1)  # ... and windows after it
    calls: list[str] = []
    monkeypatch.setattr(solve_module, "day_by_day", lambda *args: calls.append("rolled"))
    settings = problem.config.solver.model_copy(
        update={"deterministic": False, "workers": 2, "time_limit_seconds": 20}
    )
    # 3 agents of 0.2 units each: 0.6 units, below 0.1 per second of 20 s
    assert construct.first_pass_units(problem) == pytest.approx(0.6)
    solve_roster(problem, settings)
    assert calls == []


def test_a_step_prices_a_weekend_worked_on_one_day_only_where_weekends_are_limited() -> None:
    config = tiny_config(
        planning={"days": 14},
        channels={"phone": {"kind": "voice", "aht_seconds": 300, "hours": "08:00-20:00"}},
        contracts={"flex": _contract(max_weekends=1)},
    )
    need = {("phone", 5, h): 1 for h in range(8, 12)}  # Saturday's early shift only
    problem = build_roster_problem(
        config, agents(("a1", ("phone",))), {}, requirements(config, need), horizon_of(config)
    )
    price = sequence.weekend_day_price(problem)
    # a 4-hour shift's missing head, times the share
    assert price == int(sequence.SPLIT_WEEKEND_SHARE * 4 * problem.under_weight[5 * 24 + 8, 0])

    def weekend_days(rules: list) -> set[int]:
        v = build_model(problem, rules)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.solve(v.model) == cp_model.OPTIMAL
        worked = {problem.options[o].day for (_, o), var in v.x.items() if solver.value(var)}
        return worked & {5, 6}

    plain = default_rules()
    assert weekend_days(plain) == {5}  # Sunday's shift would only be surplus
    # Saturday alone spends a whole weekend of the allowance: Sunday is worth working too
    assert weekend_days([*plain, ("split_weekends", sequence.split_weekends(0, price))]) == {5, 6}
    # ... but not on the days a step holds
    assert weekend_days([*plain, ("split_weekends", sequence.split_weekends(7, price))]) == {5}
    # ... nor where the agent may work every weekend: the first week, with its share of one
    problem = prefix(problem, 7)
    assert weekend_days([*plain, ("split_weekends", sequence.split_weekends(0, price))]) == {5}


def test_a_steps_cost_leaves_out_the_price_of_its_split_weekends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tiny_config(
        planning={"days": 14},
        channels={"phone": {"kind": "voice", "aht_seconds": 300, "hours": "08:00-20:00"}},
        contracts={"flex": _contract(max_weekends=1, max_consecutive_days=1)},
    )
    need = {("phone", 5, h): 1 for h in range(8, 12)}  # Saturday's early shift only
    problem = build_roster_problem(
        config, agents(("a1", ("phone",))), {}, requirements(config, need), horizon_of(config)
    )
    monkeypatch.setattr(rolling, "weekend_day_price", lambda part: 7)
    empty = Incumbent(({},), {}, {}, 0.0)
    step = rolling._solve_days(problem, empty, 0, {}, 1, 1, 10.0)
    assert step is not None and set(step.shifts[0]) == {5}  # Saturday alone: a split weekend
    worked = {(0, o) for o in step.shifts[0].values()}
    scored = _solve_shifts(build_model(problem), worked, problem.config.solver)
    assert scored is not None and step.objective == scored.objective_value


def test_a_weekend_day_is_priced_by_the_median_weight_of_its_shift_cover() -> None:
    config = tiny_config(planning={"days": 7}, objective={"under_coverage": 0, "over_coverage": 0})
    cover = [
        ShiftCover(
            date=MONDAY + dt.timedelta(days=d),
            shift="early",
            required=1,
            under_weight=w,
            over_weight=1,
        )
        for d, w in ((0, 900), (5, 100), (6, 300), (6, 0))  # Monday's and unweighted left out
    ]
    problem = build_roster_problem(
        config,
        agents(("a1", ("phone",))),
        {},
        requirements(config, {}),
        horizon_of(config),
        shift_cover=cover,
    )
    expected = sequence.SPLIT_WEEKEND_SHARE * 200 * OBJECTIVE_UNIT
    assert sequence.weekend_day_price(problem) == int(expected)
