"""Neighbourhood search and the LP bound inside solve_roster, on small rosters."""

from __future__ import annotations

from ortools.sat.python import cp_model

from rosterkit import agents, horizon_of, requirements, tiny_config
from wfm.roster import build_roster_problem, solve_roster
from wfm.roster.lns import improve_roster
from wfm.roster.model import build_model


def _problem():
    config = tiny_config(planning={"days": 4})
    team = agents(*((f"a{i}", ("phone",)) for i in range(8)))
    need = {("phone", d, h): 2 + (h >= 16) * 2 for d in range(4) for h in range(8, 20)}
    return config, build_roster_problem(
        config, team, {}, requirements(config, need), horizon_of(config)
    )


def test_neighbourhoods_improve_a_poor_roster_and_repeat_exactly() -> None:
    config, problem = _problem()
    v = build_model(problem)
    # a poor start: nobody works the late shift, so the evening goes unstaffed
    trial = v.model.clone()
    for (_, o), var in v.x.items():
        if problem.options[o].template == "late":
            trial.add(trial.get_bool_var_from_proto_index(var.index) == 0)
    start = cp_model.CpSolver()
    start.parameters.num_workers = 1
    assert start.solve(trial) == cp_model.OPTIMAL
    optimum = cp_model.CpSolver()
    optimum.parameters.num_workers = 1
    assert optimum.solve(v.model) == cp_model.OPTIMAL
    assert start.objective_value > optimum.objective_value

    runs = [
        improve_roster(problem, v, start, config.solver, budget=20.0, deadline=1e18)
        for _ in range(2)
    ]
    assert runs[0].objective_value < start.objective_value
    assert runs[0].objective_value == runs[1].objective_value
    assert list(runs[0].response_proto.solution) == list(runs[1].response_proto.solution)
    assert runs[0].objective_value >= optimum.objective_value


def test_solve_roster_reports_a_bound_no_worse_than_the_lp() -> None:
    config, problem = _problem()
    result = solve_roster(problem, config.solver)
    assert result.status == "OPTIMAL"
    assert result.best_bound <= result.objective + 1e-9
