"""Rostering: a CP-SAT model of shifts, breaks, skills, contracts, rest and wishes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from wfm.config import Config
from wfm.domain import Agent, AgentPreferences, Horizon, LockedShift, RosterResult
from wfm.roster.problem import RosterProblem, build_roster_problem, check_feasible_inputs
from wfm.roster.solve import Progress, solve_roster

__all__ = ["RosterProblem", "build_roster_problem", "make_roster", "solve_roster"]


def make_roster(
    config: Config,
    agents: Sequence[Agent],
    preferences: Mapping[str, AgentPreferences],
    requirements: pd.DataFrame,
    horizon: Horizon,
    progress: Progress | None = None,
    locks: Sequence[LockedShift] = (),
) -> RosterResult:
    """Roster the team against the requirements (staff_needed per interval and channel).

    `locks` pin shifts (or days off) that the roster must keep, e.g. from a planner's edits.
    """
    problem = build_roster_problem(config, agents, preferences, requirements, horizon, locks)
    check_feasible_inputs(problem)
    return solve_roster(problem, config.solver, progress)
