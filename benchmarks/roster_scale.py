"""Roster a generated contact-centre week at 15-minute intervals at growing team sizes.

Three channels (phone, chat, social), multi-skilled agents, lunch breaks, contracts, rest,
wishes from most agents; demand scaled to the team. Prints objective, bound, gap, time and peak
memory per size, through the same library calls `wfm roster` makes.

    python benchmarks/roster_scale.py --agents 100 300 1000 --time-limit 60 300
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time

import numpy as np
import pandas as pd

from wfm.config import Config
from wfm.domain import Agent, AgentPreferences, Horizon
from wfm.roster import build_roster_problem, solve_roster
from wfm.staffing import compute_requirements

MONDAY = dt.date(2026, 11, 23)
SKILLS = [("phone",), ("phone", "chat"), ("chat", "social"), ("phone", "chat", "social")]
SKILL_SHARE = [0.4, 0.35, 0.15, 0.10]


def make_config(time_limit: float, workers: int, deterministic: bool, seed: int = 1) -> Config:
    lunch = {
        "name": "lunch",
        "length_minutes": 60,
        "earliest_start_after_minutes": 180,
        "latest_start_after_minutes": 300,
    }
    return Config.model_validate(
        {
            "site": {"country": None},
            "planning": {"week_start": MONDAY.isoformat(), "days": 7, "interval_minutes": 15},
            "channels": {
                "phone": {"kind": "voice", "aht_seconds": 390, "hours": "08:00-21:00"},
                "chat": {
                    "kind": "chat",
                    "aht_seconds": 360,
                    "concurrency": 2,
                    "hours": "08:00-21:00",
                    "service": {"target": 0.9, "answer_seconds": 30},
                },
                "social": {
                    "kind": "deferred",
                    "aht_seconds": 300,
                    "response_minutes": 60,
                    "hours": "08:00-21:00",
                },
            },
            "shifts": [
                {
                    "name": "early",
                    "family": "early",
                    "length_minutes": 540,
                    "earliest_start": "08:00",
                    "latest_start": "09:00",
                    "start_step_minutes": 30,
                    "breaks": [lunch],
                },
                {
                    "name": "day",
                    "family": "day",
                    "length_minutes": 540,
                    "earliest_start": "09:30",
                    "latest_start": "11:00",
                    "start_step_minutes": 30,
                    "breaks": [lunch],
                },
                {
                    "name": "late",
                    "family": "late",
                    "length_minutes": 540,
                    "earliest_start": "11:30",
                    "latest_start": "12:00",
                    "start_step_minutes": 30,
                    "breaks": [lunch],
                },
                {
                    "name": "part",
                    "family": "part",
                    "length_minutes": 240,
                    "earliest_start": "08:00",
                    "latest_start": "17:00",
                    "start_step_minutes": 60,
                },
            ],
            "contracts": {
                "full_time": {
                    "min_hours_per_week": 32,
                    "max_hours_per_week": 40,
                    "max_days_per_week": 5,
                    "shifts": ["early", "day", "late"],
                },
                "part_time": {
                    "min_hours_per_week": 12,
                    "max_hours_per_week": 24,
                    "max_days_per_week": 5,
                    "shifts": ["part"],
                },
            },
            "rules": {"min_rest_hours": 11},
            "peaks": {
                "daily": [
                    {
                        "days": ["mon", "tue", "wed", "thu", "fri"],
                        "start": "10:00",
                        "end": "11:00",
                        "weight": 3,
                    }
                ]
            },
            "solver": {
                "time_limit_seconds": time_limit,
                "seed": seed,
                "workers": workers,
                "deterministic": deterministic,
            },
        }
    )


def make_team(n: int, rng: np.random.Generator) -> tuple[list[Agent], dict[str, AgentPreferences]]:
    agents, prefs = [], {}
    for k in range(n):
        skills = SKILLS[rng.choice(len(SKILLS), p=SKILL_SHARE)]
        contract = "part_time" if rng.random() < 0.12 else "full_time"
        aid = f"A{k:04d}"
        agents.append(Agent(id=aid, name=aid, skills=skills, contract=contract))
        if rng.random() < 0.75:
            wishes = []
            day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][rng.integers(7)]
            wishes.append({"day_off": day, "priority": int(rng.integers(1, 5))})
            if contract == "full_time" and rng.random() < 0.5:
                wishes.append(
                    {
                        "avoid_shift": "late",
                        "days": ["sat", "sun"],
                        "priority": int(rng.integers(1, 4)),
                    }
                )
            prefs[aid] = AgentPreferences.model_validate({"agent_id": aid, "wishes": wishes})
    return agents, prefs


def make_requirements(config: Config, horizon: Horizon, n_agents: int) -> pd.DataFrame:
    """Demand shaped like a real centre (peaks 10-11 and 14-16), sized to the team."""
    stamps = horizon.intervals()
    hour = stamps.hour + stamps.minute / 60
    profile = 0.6 + 0.5 * np.exp(-((hour - 10.5) ** 2) / 2) + 0.35 * np.exp(-((hour - 15) ** 2) / 3)
    weekday = np.where(stamps.day_of_week >= 5, 0.65, 1.0) * np.where(
        stamps.day_of_week == 0, 1.1, 1
    )
    rows = []
    for name, share, aht in (("phone", 0.6, 390), ("chat", 0.3, 360), ("social", 0.1, 300)):
        # Calls per 15 minutes: about 0.75 agent-equivalents of work per agent on the team.
        base = n_agents * share * 0.75 * 900 / aht * 0.42
        contacts = np.where((hour >= 8) & (hour < 21), base * profile * weekday, 0.0)
        rows.append(
            pd.DataFrame(
                {
                    "interval_start": stamps,
                    "channel": name,
                    "contacts": contacts,
                    "lower": contacts,
                    "upper": contacts,
                    "aht_seconds": float(aht),
                }
            )
        )
    return compute_requirements(pd.concat(rows, ignore_index=True), config)


def _reporter(started: float):
    def report(message: str) -> None:
        print(f"  {time.perf_counter() - started:6.1f} s  {message}", flush=True)

    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--time-limit", type=float, nargs="+", default=[60, 60, 300])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--deterministic", action="store_true")
    parser.add_argument("--seed", type=int, default=1, help="the solver's seed (the team is fixed)")
    parser.add_argument("--progress", action="store_true", help="print the solver's progress")
    args = parser.parse_args()
    limits = args.time_limit + [args.time_limit[-1]] * (len(args.agents) - len(args.time_limit))
    print(f"# {' '.join(sys.argv)}")
    print(
        "| agents | shift choices | required staff-h | objective | bound | gap % | status | "
        "seconds | peak memory MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n, limit in zip(args.agents, limits, strict=False):
        rng = np.random.default_rng(n)
        config = make_config(limit, args.workers, args.deterministic, args.seed)
        horizon = Horizon(MONDAY, 7, 15)
        agents, prefs = make_team(n, rng)
        requirements = make_requirements(config, horizon, n)
        started = time.perf_counter()
        problem = build_roster_problem(config, agents, prefs, requirements, horizon)
        result = solve_roster(problem, config.solver, _reporter(started) if args.progress else None)
        seconds = time.perf_counter() - started
        memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        choices = sum(len(options) for options in problem.agent_options)
        print(
            f"| {n} | {choices:,} | {requirements.staff_needed.sum() / 4:,.0f} | "
            f"{result.objective:,.0f} | {result.best_bound:,.0f} | {100 * result.gap:.2f} | "
            f"{result.status} | {seconds:.1f} | {memory:,.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
