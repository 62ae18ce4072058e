"""The first roster built agent by agent, for rules over runs of days the greedy cannot see."""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace

import pytest
from ortools.sat.python import cp_model

from rosterkit import MONDAY, agents, horizon_of, inner_runs, prefs, requirements, tiny_config
from wfm.domain import LockedShift
from wfm.roster import build_roster_problem, construct, solve_roster, windows
from wfm.roster.construct import agent_by_agent
from wfm.roster.hint import greedy_roster
from wfm.roster.incumbent import Incumbent
from wfm.roster.model import build_model
from wfm.roster.problem import OBJECTIVE_UNIT, RosterProblem
from wfm.roster.solve import _solve_shifts


def _lone_days_problem(locks=()):
    """Two agents of three 4-hour shifts a week, demand on Tuesday, Thursday and Saturday only;
    a working day alone inside the week is banned, so each must work runs of two or more."""
    config = tiny_config(
        planning={"days": 7},
        contracts={
            "flex": {
                "min_hours_per_week": 12,
                "max_hours_per_week": 12,
                "max_days_per_week": 7,
                "min_consecutive_days": 2,
            }
        },
    )
    need = {("phone", d, h): 1 for d in (1, 3, 5) for h in (8, 9, 10, 11)}
    team = agents(("a1", ("phone",)), ("a2", ("phone",)))
    horizon = horizon_of(config)
    problem = build_roster_problem(config, team, {}, requirements(config, need), horizon, locks)
    return config, problem


def test_agent_by_agent_keeps_the_rules_the_greedy_breaks() -> None:
    config, problem = _lone_days_problem()
    v = build_model(problem)
    # the greedy takes the three demanded days, each alone inside the week
    assert _solve_shifts(v, greedy_roster(problem), config.solver) is None
    built = agent_by_agent(problem, config.solver, time.perf_counter() + 60)
    assert built is not None
    assert _solve_shifts(v, built, config.solver) is not None
    for a in range(len(problem.agents)):
        days = [problem.options[o].day for b, o in built if b == a]
        assert len(days) == 3
        inner = inner_runs(sorted(days), 7)
        assert all(len(run) >= 2 for run in inner)
    # the second agent sees the first one's shifts: together they cover the three demanded days
    worked = {problem.options[o].day for _, o in built}
    assert {1, 3, 5} <= worked


def test_agent_by_agent_keeps_the_planners_locks() -> None:
    # a1 is pinned to a late shift on Monday, a day nobody needs
    lock = LockedShift(agent_id="a1", date=MONDAY, shift="late")
    config, problem = _lone_days_problem([lock])
    built = agent_by_agent(problem, config.solver, time.perf_counter() + 60)
    assert built is not None
    a1 = [(problem.options[o].day, problem.options[o].template) for a, o in built if a == 0]
    assert (0, "late") in a1


def test_agent_by_agent_gives_up_at_its_deadline() -> None:
    config, problem = _lone_days_problem()
    assert agent_by_agent(problem, config.solver, time.perf_counter() - 1) is None


def test_agents_hurry_when_the_first_agents_show_the_build_would_overrun(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The build's own clock ticks 6 s a reading: after the first of two agents (at 12 s), the
    projected end (24 s) is past the deadline (15 s), though the deadline itself has not passed:
    the second agent takes the first roster CP-SAT finds for it, and the build ends."""
    config, problem = _lone_days_problem()
    clock = iter(range(0, 1000, 6))
    monkeypatch.setattr(construct, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    solved: list[tuple[int, bool]] = []
    real_solve = construct.solve_step

    def solve(sv, seed, units, deadline, branching, first_only=False):
        solved.append((seed - config.solver.seed, first_only))
        status, solver = real_solve(sv, seed, units, 1e18, branching, first_only)
        assert solver.parameters.stop_after_first_solution == first_only
        return status, solver

    monkeypatch.setattr(construct, "solve_step", solve)
    built = agent_by_agent(problem, config.solver, 15)
    assert built is not None and {a for a, _ in built} == {0, 1}
    assert solved == [(0, False), (1, True)]


@pytest.mark.parametrize(
    "pairs_from, workers, deterministic, second_sees_first",
    [
        (0.0, 2, False, False),
        (float("inf"), 2, False, True),
        (0.0, 1, False, True),
        (0.0, 2, True, True),
    ],
)
def test_agents_are_built_in_pairs_side_by_side_when_the_build_would_be_long(
    monkeypatch: pytest.MonkeyPatch,
    pairs_from: float,
    workers: int,
    deterministic: bool,
    second_sees_first: bool,
) -> None:
    """In the parallel mode with two workers, a build projected past PAIRS_FROM of its time
    solves the two agents side by side, each against the roster before the pair (here: empty);
    each keeps the shifts its own solve chose. Otherwise (one worker, or the deterministic
    mode) the second is solved against the first's shifts."""
    config, problem = _lone_days_problem()
    settings = config.solver.model_copy(update={"workers": workers, "deterministic": deterministic})
    monkeypatch.setattr(construct, "PAIRS_FROM", pairs_from)
    seen: dict[int, list[dict[int, int]]] = {}
    chosen: dict[int, dict[int, int]] = {}
    real_step = construct._agent_step

    def step(problem, roster, agent, settings, deadline, budget, branching, hurry=False):
        seen[agent] = [dict(shifts) for shifts in roster.shifts]
        status, better, units = real_step(
            problem, roster, agent, settings, deadline, budget, branching, hurry
        )
        chosen[agent] = dict(better.shifts[agent])
        return status, better, units

    monkeypatch.setattr(construct, "_agent_step", step)
    built = agent_by_agent(problem, settings, time.perf_counter() + 60)
    assert built is not None
    assert seen[0] == [{}, {}]
    assert seen[1][0] == (chosen[0] if second_sees_first else {})
    assert len(chosen[0]) == len(chosen[1]) == 3
    assert built == {(a, o) for a in (0, 1) for o in chosen[a].values()}


def test_no_later_pass_when_the_first_proved_few_agents_optimal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first pass's answers are reported merely feasible: a later pass, which keeps only
    proven optima, is skipped, though the first pass was long enough for one."""
    config, problem = _myopic_problem()
    monkeypatch.setattr(construct, "AGENT_PASSES", 2)
    monkeypatch.setattr(construct, "LATER_PASS_UNITS", 0.0)
    solved: list[int] = []
    real_step = construct._agent_step

    def step(problem, roster, agent, settings, deadline, budget, branching, hurry=False):
        solved.append(agent)
        status, better, units = real_step(
            problem, roster, agent, settings, deadline, budget, branching, hurry
        )
        return (cp_model.FEASIBLE if better is not None else status), better, units

    monkeypatch.setattr(construct, "_agent_step", step)
    built = agent_by_agent(problem, config.solver, time.perf_counter() + 60)
    assert built is not None
    assert solved == [0, 1]
    worked = {problem.agents[a].id: problem.options[o].template for a, o in built}
    assert worked == {"a1": "early", "a2": "early"}  # the myopic first choice stands


def test_an_agent_the_default_search_finds_nothing_for_is_retried_with_restarts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The default search is made to find nothing for the first agent: the build goes on with
    the restarting portfolio and more units, and still builds every agent."""
    config, problem = _lone_days_problem()
    tried: list[tuple[int, object, float]] = []
    real_solve = construct.solve_step

    def solve(sv, seed, units, deadline, branching, first_only=False):
        agent = seed - config.solver.seed
        tried.append((agent, branching, units))
        status, solver = real_solve(sv, seed, units, deadline, branching, first_only)
        if agent == 0 and branching == cp_model.AUTOMATIC_SEARCH:
            return cp_model.UNKNOWN, solver
        return status, solver

    monkeypatch.setattr(construct, "solve_step", solve)
    built = agent_by_agent(problem, config.solver, time.perf_counter() + 60)
    assert built is not None
    assert {a for a, _ in built} == {0, 1}
    first = construct.AGENT_DETERMINISTIC_TIME
    assert tried[:3] == [
        (0, cp_model.AUTOMATIC_SEARCH, first),
        (0, construct.RETRY_BRANCHING, first * construct.RETRY_FACTOR),
        (1, cp_model.AUTOMATIC_SEARCH, first),
    ]


@pytest.mark.parametrize("workers, deterministic", [(1, False), (2, True), (2, False)])
def test_in_parallel_a_retry_races_the_default_search_beside_the_restarts(
    monkeypatch: pytest.MonkeyPatch, workers: int, deterministic: bool
) -> None:
    """For the first agent, the default search with the build's seed and the restarting
    portfolio are made to find nothing: only the default search with another seed, raced
    beside the restarts in the parallel mode with two workers, finds its roster."""
    config, problem = _lone_days_problem()
    settings = config.solver.model_copy(update={"workers": workers, "deterministic": deterministic})
    tried: list[tuple[int, object]] = []
    real_solve = construct.solve_step

    def solve(sv, seed, units, deadline, branching, first_only=False):
        status, solver = real_solve(sv, seed, units, deadline, branching, first_only)
        tried.append((seed - settings.seed, branching))
        blind = seed == settings.seed or branching == construct.RETRY_BRANCHING
        return (cp_model.UNKNOWN if blind else status), solver

    monkeypatch.setattr(construct, "solve_step", solve)
    built = agent_by_agent(problem, settings, time.perf_counter() + 60)
    raced = (construct.RACE_SEED, cp_model.AUTOMATIC_SEARCH)
    if workers == 1 or deterministic:
        assert built is None and raced not in tried
    else:
        assert built is not None and {a for a, _ in built} == {0, 1}
        assert raced in tried


def test_an_agent_with_more_shift_choices_gets_more_units(monkeypatch: pytest.MonkeyPatch) -> None:
    config, problem = _lone_days_problem()
    # a2 is away on Sunday, a day nobody needs: it has fewer shift choices than a1
    away = prefs("a2", unavailable=[{"day": MONDAY + dt.timedelta(days=6), "reason": "away"}])
    team = agents(("a1", ("phone",)), ("a2", ("phone",)))
    need = {("phone", d, h): 1 for d in (1, 3, 5) for h in (8, 9, 10, 11)}
    problem = build_roster_problem(
        config, team, {"a2": away}, requirements(config, need), horizon_of(config)
    )
    choices = [len(options) for options in problem.agent_options]
    assert choices[0] > choices[1]
    budgets: list[float] = []
    real_step = construct._agent_step

    def step(problem, roster, agent, settings, deadline, budget, branching, hurry=False):
        budgets.append(budget)
        return real_step(problem, roster, agent, settings, deadline, budget, branching, hurry)

    monkeypatch.setattr(construct, "_agent_step", step)
    assert construct.AGENT_UNITS_PER_CHOICE * choices[0] < construct.AGENT_DETERMINISTIC_TIME
    assert agent_by_agent(problem, config.solver, time.perf_counter() + 60) is not None
    assert budgets == [construct.AGENT_DETERMINISTIC_TIME] * 2  # a week: the floor for both
    budgets.clear()
    monkeypatch.setattr(construct, "AGENT_UNITS_PER_CHOICE", 0.1)
    assert agent_by_agent(problem, config.solver, time.perf_counter() + 60) is not None
    assert budgets == pytest.approx([0.1 * choices[0], 0.1 * choices[1]])


def test_solve_roster_starts_from_the_roster_built_agent_by_agent() -> None:
    config, problem = _lone_days_problem()
    built = agent_by_agent(problem, config.solver, time.perf_counter() + 60)
    assert built is not None
    first = _solve_shifts(build_model(problem), built, config.solver)
    assert first is not None
    messages: list[str] = []
    result = solve_roster(problem, config.solver, messages.append)
    assert any("built agent by agent" in m for m in messages)
    assert result.objective <= first.objective_value / OBJECTIVE_UNIT + 1e-9


def _myopic_problem():
    """a1 may work either shift and wishes for the early one; a2 may work only the early one.
    Built in order, a1 takes the early shift before it knows that a2 can work nothing else."""
    shifts_needed = {"min_hours_per_week": 0, "max_hours_per_week": 40, "max_days_per_week": 7}
    config = tiny_config(
        planning={"days": 1},
        contracts={
            "any": {**shifts_needed, "min_hours_total": 4},
            "early_only": {**shifts_needed, "min_hours_total": 4, "max_shifts": {"late": 0}},
        },
    )
    need = {("phone", 0, h): 1 for h in (8, 9, 10, 11, 16, 17, 18, 19)}
    team = [
        *agents(("a1", ("phone",)), contract="any"),
        *agents(("a2", ("phone",)), contract="early_only"),
    ]
    wish = prefs("a1", wishes=[{"shift": "early", "day": MONDAY, "priority": 1}])
    problem = build_roster_problem(
        config, team, {"a1": wish}, requirements(config, need), horizon_of(config)
    )
    return config, problem


@pytest.mark.parametrize(
    "passes, share, a1_works",
    [(1, 0.0, "early"), (2, 0.0, "late"), (2, 1.0, "early")],
)
def test_later_passes_solve_each_agent_against_all_the_others(
    monkeypatch: pytest.MonkeyPatch, passes: int, share: float, a1_works: str
) -> None:
    # (2, 1.0): a first pass this short (far below one unit per second of limit) is not repeated
    config, problem = _myopic_problem()
    monkeypatch.setattr(construct, "AGENT_PASSES", passes)
    monkeypatch.setattr(construct, "LATER_PASS_UNITS", share)
    built = agent_by_agent(problem, config.solver, time.perf_counter() + 60)
    assert built is not None
    worked = {problem.agents[a].id: problem.options[o].template for a, o in built}
    assert worked == {"a1": a1_works, "a2": "early"}


def test_an_agent_solved_beside_another_brings_its_shifts_but_no_stale_channel_splits() -> None:
    config, problem = _lone_days_problem()
    reach = {
        i
        for o in problem.agent_options[1]
        for i in range(
            problem.options[o].first_interval,
            problem.options[o].first_interval + problem.options[o].n_intervals,
        )
    }
    beyond = next(i for i in range(problem.n_intervals) if i not in reach)
    inside = min(reach)
    o0, o1 = problem.agent_options[0][0], problem.agent_options[1][0]
    roster = Incumbent(({0: o0}, {}), {}, {(inside, 0, 0): 2, (beyond, 0, 0): 1}, 10.0)
    other = Incumbent(({}, {1: o1}), {(1, o1): [(0, 60)]}, {(inside, 0, 0): 1}, 7.0)
    merged = construct._with_agent(problem, roster, other, 1)
    assert merged.shifts == ({0: o0}, {1: o1})
    assert merged.breaks == {(1, o1): [(0, 60)]}
    assert merged.split == {(beyond, 0, 0): 1}  # the agent's reach is split anew later


def _saturday_problem(**rules: object) -> RosterProblem:
    """One agent over a fortnight who may work one weekend; a head is wanted on Saturday only."""
    config = tiny_config(
        planning={"days": 14},
        channels={"phone": {"kind": "voice", "aht_seconds": 300, "hours": "08:00-20:00"}},
        contracts={
            "flex": {
                "min_hours_per_week": 0,
                "max_hours_per_week": 40,
                "max_days_per_week": 7,
                "max_weekends": 1,
                **rules,
            }
        },
    )
    need = {("phone", 5, h): 1 for h in range(8, 12)}
    return build_roster_problem(
        config, agents(("a1", ("phone",))), {}, requirements(config, need), horizon_of(config)
    )


def _built_alone(problem: RosterProblem) -> Incumbent:
    empty = Incumbent(({},), {}, {}, float("inf"))
    deadline = time.perf_counter() + 30
    settings = problem.config.solver
    status, roster, _ = construct._agent_step(problem, empty, 0, settings, deadline, 5.0)
    assert status == cp_model.OPTIMAL and roster is not None
    return roster


def test_an_agent_of_a_large_model_works_both_days_of_a_weekend_its_allowance_is_spent_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _saturday_problem()
    # a small model is not priced: Saturday alone is the agent's best
    assert set(_built_alone(problem).shifts[0]) == {5}
    # a large one is: the agents after it would find Sunday short, and Saturday alone spends
    # the whole weekend
    monkeypatch.setattr(windows, "WINDOW_MIN_CHOICES", 0)
    assert set(_built_alone(problem).shifts[0]) == {5, 6}
    # and so is a long horizon, however few its choices
    monkeypatch.setattr(windows, "WINDOW_MIN_CHOICES", 10**9)
    monkeypatch.setattr(windows, "WINDOW_MIN_DAYS", problem.horizon.days)
    assert set(_built_alone(problem).shifts[0]) == {5, 6}


def test_an_agent_built_alone_costs_what_its_shifts_cost_without_the_split_weekends_price(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = _saturday_problem(max_consecutive_days=1)  # Saturday alone, priced
    monkeypatch.setattr(windows, "WINDOW_MIN_CHOICES", 0)
    monkeypatch.setattr(construct, "weekend_day_price", lambda problem: 7)
    roster = _built_alone(problem)
    assert set(roster.shifts[0]) == {5}
    worked = {(0, o) for o in roster.shifts[0].values()}
    scored = _solve_shifts(build_model(problem), worked, problem.config.solver)
    assert scored is not None
    assert roster.objective == pytest.approx(scored.objective_value, abs=1e-6)
