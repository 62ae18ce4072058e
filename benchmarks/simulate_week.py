"""A week of a 100-agent centre through the roster simulator, 20 replications, timed.

    python benchmarks/simulate_week.py [--replications 20] [--interval 15] [--workers 1 2]

The week is synthetic but shaped like the demo centre (phone, chat with two chats per agent,
social posts from a backlog; 08:00-21:00; ~19,000 contacts): requirements come from
`compute_requirements`, and 100 agents on staggered 9-hour shifts (a lunch hour, 5 days a
week) are spread over the channels every interval in proportion to those requirements, which
gives the assignments a roster would. The timing covers `build_simulation` (roster ->
servers per interval) and `simulate`. Prints a table per worker count and the command.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.domain import FORECAST_COLUMNS
from wfm.io.config_file import load_config
from wfm.staffing import compute_requirements
from wfm.staffing.simulate import SimulationSettings, build_simulation, simulate

ROOT = Path(__file__).resolve().parents[1]
AGENTS = 100
WEEKLY = {"phone": (11_300.0, 390.0), "chat": (5_600.0, 360.0), "social": (1_900.0, 300.0)}


def week(interval_minutes: int) -> pd.DataFrame:
    starts = pd.date_range(
        "2026-11-23", periods=7 * 24 * 60 // interval_minutes, freq=f"{interval_minutes}min"
    )
    hour = np.asarray(starts.hour + starts.minute / 60.0)
    shape = np.exp(-0.5 * ((hour - 10.5) / 2.0) ** 2) + 0.8 * np.exp(
        -0.5 * ((hour - 15) / 2.5) ** 2
    )
    shape *= (hour >= 8) & (hour < 21)
    shape *= np.array([1.15, 1.05, 1.0, 1.0, 1.0, 0.85, 0.7])[starts.day_of_week]
    shape /= shape.sum()
    frames = [
        pd.DataFrame(
            {
                "interval_start": starts,
                "channel": name,
                "contacts": total * shape,
                "lower": total * shape,
                "upper": total * shape,
                "aht_seconds": aht,
            }
        )
        for name, (total, aht) in WEEKLY.items()
    ]
    return pd.concat(frames, ignore_index=True).loc[:, list(FORECAST_COLUMNS)]


def roster(requirements: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """100 agents, 5 days a week, 9 hours from 08:00-12:00 with a lunch hour, split over the
    channels each interval in proportion to staff_needed (largest remainders)."""
    need = requirements.pivot(index="interval_start", columns="channel", values="staff_needed")
    starts = need.index
    per_hour = 60 // interval_minutes
    rows = []
    on_shift: dict[pd.Timestamp, list[str]] = {stamp: [] for stamp in starts}
    for agent in range(AGENTS):
        begin = 8 + agent % 5  # 08:00 .. 12:00
        off = {(agent + d) % 7 for d in (0, 1)}  # two days off, rotating
        for day in range(7):
            if day in off:
                continue
            first = day * 24 * per_hour + begin * per_hour
            lunch = first + 4 * per_hour
            for k in range(first, first + 9 * per_hour):
                if not lunch <= k < lunch + per_hour and k < len(starts):
                    on_shift[starts[k]].append(f"A{agent:03d}")
    for stamp, agents in on_shift.items():
        wanted = need.loc[stamp].to_numpy(dtype=float)
        if not agents:
            continue
        share = wanted / wanted.sum() * len(agents) if wanted.sum() else np.zeros(wanted.size)
        counts = np.floor(share).astype(int)
        counts[np.argsort(counts - share)[: len(agents) - counts.sum()]] += 1
        channel_of = np.repeat(need.columns.to_numpy(), counts)
        rows += [(stamp, agent, channel) for agent, channel in zip(agents, channel_of, strict=True)]
    return pd.DataFrame(rows, columns=["interval_start", "agent_id", "activity"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--interval", type=int, default=15, choices=[15, 30, 60])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    config = load_config(ROOT / "configs" / "wfm.yaml")
    config = config.model_copy(
        update={"planning": config.planning.model_copy(update={"interval_minutes": args.interval})}
    )
    forecast = week(args.interval)
    requirements = compute_requirements(forecast, config)
    assignments = roster(requirements, args.interval)
    print(f"# a week of a {AGENTS}-agent centre, {args.interval}-minute intervals")
    print(f"python {' '.join(sys.argv)}   # {platform.python_version()}, {platform.machine()}")
    print(f"{'workers':>7} {'replications':>12} {'contacts':>10} {'seconds':>8} {'us/contact':>10}")
    result = None
    for workers in args.workers:
        started = time.perf_counter()
        problem = build_simulation(config, assignments, demand=forecast)
        settings = SimulationSettings(replications=args.replications, seed=1, workers=workers)
        result = simulate(problem, settings)
        seconds = time.perf_counter() - started
        print(
            f"{workers:>7} {args.replications:>12} {result.contacts_simulated:>10,} "
            f"{seconds:8.2f} {1e6 * seconds / result.contacts_simulated:10.2f}"
        )
    assert result is not None
    heads = assignments.groupby("interval_start").agent_id.nunique().max()
    print(f"roster: {assignments.agent_id.nunique()} agents, at most {heads} at once")
    for row in result.channels.itertuples():
        print(
            f"  {row.channel}: SL {row.service_level:.1%} "
            f"[{row.service_level_low:.1%}-{row.service_level_high:.1%}], "
            f"ASA {row.asa_seconds:.1f} s, {row.intervals_missed} of "
            f"{row.intervals_with_contacts} intervals below target"
        )


if __name__ == "__main__":
    main()
