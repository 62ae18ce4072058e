"""Tiny rostering situations for rule tests, and an independent checker of hard rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from ortools.sat.python import cp_model

from wfm.config import Config
from wfm.domain import Agent, AgentPreferences, Horizon
from wfm.roster import build_roster_problem
from wfm.roster.model import RosterVars
from wfm.roster.problem import RosterProblem

MONDAY = dt.date(2026, 11, 23)


def tiny_config(**overrides: Any) -> Config:
    """Two channels open 08:00-20:00, two shift templates, 60-minute intervals."""
    data: dict[str, Any] = {
        "planning": {"week_start": MONDAY.isoformat(), "days": 2, "interval_minutes": 60},
        "site": {"country": None},
        "channels": {
            "phone": {"kind": "voice", "aht_seconds": 300, "hours": "08:00-20:00"},
            "chat": {"kind": "chat", "aht_seconds": 300, "hours": "08:00-20:00", "concurrency": 2},
        },
        "shifts": [
            {
                "name": "early",
                "family": "early",
                "length_minutes": 240,
                "earliest_start": "08:00",
                "latest_start": "08:00",
            },
            {
                "name": "late",
                "family": "late",
                "length_minutes": 240,
                "earliest_start": "16:00",
                "latest_start": "16:00",
            },
        ],
        "contracts": {
            "flex": {"min_hours_per_week": 0, "max_hours_per_week": 40, "max_days_per_week": 7}
        },
        "objective": {"under_coverage": 100, "over_coverage": 5, "wish_point": 20},
        "solver": {"time_limit_seconds": 10, "seed": 1, "workers": 1},
    }
    for key, value in overrides.items():
        if (
            isinstance(value, dict)
            and isinstance(data.get(key), dict)
            and key
            not in {
                "channels",
                "contracts",
            }
        ):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Config.model_validate(data)


def agents(*specs: tuple[str, tuple[str, ...]], contract: str = "flex") -> list[Agent]:
    return [Agent(id=i, name=i, skills=skills, contract=contract) for i, skills in specs]


def requirements(config: Config, need: dict[tuple[str, int, int], int]) -> pd.DataFrame:
    """staff_needed per (channel, day, hour); every other interval needs nobody."""
    horizon = horizon_of(config)
    rows = []
    for channel in config.channels:
        for ts in horizon.intervals():
            day = (ts.date() - horizon.start).days
            rows.append(
                {
                    "interval_start": ts,
                    "channel": channel,
                    "staff_needed": need.get((channel, day, ts.hour), 0),
                }
            )
    return pd.DataFrame(rows)


def horizon_of(config: Config) -> Horizon:
    assert config.planning.week_start is not None
    return Horizon(
        config.planning.week_start, config.planning.days, config.planning.interval_minutes
    )


def prefs(agent_id: str, **data: Any) -> AgentPreferences:
    return AgentPreferences.model_validate({"agent_id": agent_id, **data})


def inner_runs(days: list[int], horizon_days: int) -> list[list[int]]:
    """Runs of consecutive working days that touch neither end of the horizon."""
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return [r for r in runs if r[0] > 0 and r[-1] < horizon_days - 1]


def evening_problem() -> tuple[Config, RosterProblem]:
    """Eight phone agents over four days: two heads needed 08:00-16:00, four until 20:00."""
    config = tiny_config(planning={"days": 4})
    team = agents(*((f"a{i}", ("phone",)) for i in range(8)))
    need = {("phone", d, h): 2 + (h >= 16) * 2 for d in range(4) for h in range(8, 20)}
    return config, build_roster_problem(
        config, team, {}, requirements(config, need), horizon_of(config)
    )


def without_late_shifts(problem: RosterProblem, v: RosterVars) -> cp_model.CpSolver:
    """A poor roster of `v`'s model: nobody works the late shift, so the evenings go
    unstaffed (the best such roster, solved to optimality)."""
    trial = v.model.clone()
    for (_, o), var in v.x.items():
        if problem.options[o].template == "late":
            trial.add(trial.get_bool_var_from_proto_index(var.index) == 0)
    start = cp_model.CpSolver()
    start.parameters.num_workers = 1
    assert start.solve(trial) == cp_model.OPTIMAL
    return start
