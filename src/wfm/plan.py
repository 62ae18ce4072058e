"""The library entry point: inputs -> forecast -> requirements -> roster -> service check.

    from wfm.io.inputs import load_inputs
    from wfm.plan import plan
    result = plan(load_inputs(Path("configs/wfm.yaml")))

Each stage is also callable alone (wfm.forecast.forecast, wfm.staffing.compute_requirements,
wfm.roster.make_roster) with the previous stage's typed result.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from wfm.config import Config
from wfm.domain import PlanResult, RosterResult, ServiceCheck
from wfm.forecast import forecast
from wfm.io.inputs import Inputs
from wfm.roster import make_roster
from wfm.staffing import compute_requirements, evaluate_coverage
from wfm.staffing.simulate import check_roster

Progress = Callable[[str], None]


def plan(inputs: Inputs, progress: Progress | None = None) -> PlanResult:
    """Run every stage on checked inputs and return the complete plan (nothing is written)."""
    config, horizon = inputs.config, inputs.horizon
    say = progress or (lambda _msg: None)
    say(f"forecasting {', '.join(config.channels)} for {horizon.start} + {horizon.days} days")
    predicted = forecast(inputs.history, config, horizon, progress)
    say("staffing every interval")
    requirements = compute_requirements(predicted.frame, config)
    roster = make_roster(
        config,
        inputs.agents,
        inputs.preferences,
        requirements,
        horizon,
        progress,
        locks=inputs.locks,
    )
    roster = evaluate_coverage(roster, requirements, config)
    say(f"roster {roster.status}: cost {roster.objective:,.0f}, gap {roster.gap:.1%}")
    if config.simulation.enabled:
        say(f"checking the roster's service in {config.simulation.replications} simulated weeks")
    simulation = service_check(config, roster, requirements)
    return PlanResult(
        horizon=horizon,
        forecast=predicted,
        requirements=requirements,
        roster=roster,
        agents=inputs.agents,
        inputs=describe_inputs(inputs),
        preferences=dict(inputs.preferences),
        simulation=simulation,
    )


def service_check(
    config: Config, roster: RosterResult, requirements: pd.DataFrame
) -> ServiceCheck | None:
    """The roster's simulated service, or None when the config turns the check off."""
    if not config.simulation.enabled:
        return None
    return check_roster(config, roster.assignments, requirements)


def describe_inputs(inputs: Inputs) -> dict[str, str]:
    """What the plan was made from, for the spreadsheet's Inputs sheet and the summary."""
    config = inputs.config
    history = inputs.history
    return {
        "config": str(inputs.config_path),
        "site": config.site.name,
        "planning week": f"{inputs.horizon.start} ({inputs.horizon.days} days)",
        "interval": f"{inputs.horizon.interval_minutes} min",
        "history": (
            f"{config.history}: {len(history):,} rows, "
            f"{history.interval_start.min():%Y-%m-%d} to {history.interval_start.max():%Y-%m-%d}"
        ),
        "agents": f"{config.agents}: {len(inputs.agents)} agents",
        "preferences": f"{config.preferences}: {len(inputs.preferences)} files used",
        "solver": (
            f"time limit {config.solver.time_limit_seconds:g} s, seed {config.solver.seed}, "
            f"{config.solver.workers} workers, deterministic={config.solver.deterministic}"
        ),
        "notices": " | ".join(inputs.notices) or "none",
    }
