"""Solve Curtois & Qu shift-scheduling instances with wfm's own roster engine.

Each instance is loaded into wfm's roster model through the library API (the same
build_roster_problem / solve_roster that `wfm roster` uses), solved, and scored by
shift_evaluator.py, which is written independently of the model.

    python benchmarks/shift_benchmark.py INSTANCE.txt --time-limit S --solution OUT.csv
    python benchmarks/shift_benchmark.py --all --time-limit 60          # every instance

The last line printed for one instance is a JSON object
{"instance": ..., "objective": ..., "bound": ..., "seconds": ...}.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shift_evaluator import Instance, evaluate, parse_instance  # noqa: E402

from wfm.config import Config  # noqa: E402
from wfm.domain import Agent, AgentPreferences, Horizon, ShiftCover  # noqa: E402
from wfm.roster import build_roster_problem, solve_roster  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "shift_scheduling_benchmark"
MONDAY = dt.date(2024, 1, 1)  # every instance starts on a Monday


def to_wfm(inst: Instance, time_limit: float, seed: int, workers: int, deterministic: bool):
    """The instance in wfm's own terms: one contract per employee, shifts as templates."""
    config = Config.model_validate(
        {
            "site": {"country": None},
            "planning": {
                "week_start": MONDAY.isoformat(),
                "days": inst.horizon,
                "interval_minutes": 60,
            },
            "channels": {"work": {"kind": "voice", "aht_seconds": 60, "hours": "00:00-24:00"}},
            "shifts": [
                {
                    "name": name,
                    "length_minutes": minutes,
                    "earliest_start": "00:00",
                    "latest_start": "00:00",
                }
                for name, minutes in inst.shift_minutes.items()
            ],
            "contracts": {
                sid: {
                    "min_hours_per_week": 0,
                    "max_hours_per_week": 168,
                    "max_days_per_week": 7,
                    "min_hours_total": rules["min_minutes"] / 60,
                    "max_hours_total": rules["max_minutes"] / 60,
                    "max_shifts": rules["max_shifts"],
                    "max_consecutive_days": rules["max_consecutive"],
                    "min_consecutive_days": max(1, rules["min_consecutive"]),
                    "min_consecutive_days_off": max(1, rules["min_days_off"]),
                    "max_weekends": rules["max_weekends"],
                }
                for sid, rules in inst.staff.items()
            },
            "rules": {
                "min_rest_hours": 0,
                "forbidden_sequences": [
                    {"first": first, "then": then}
                    for first, banned in inst.cannot_follow.items()
                    for then in sorted(banned)
                ],
            },
            "objective": {"under_coverage": 0, "over_coverage": 0, "wish_point": 1},
            # The benchmark's objective has no fairness terms: switch wfm's off to score alike.
            "fairness": {"worst_off_weight": 0, "spread_weight": 0},
            "solver": {
                "time_limit_seconds": time_limit,
                "seed": seed,
                "workers": workers,
                "deterministic": deterministic,
            },
        }
    )
    agents = [Agent(id=sid, name=sid, skills=("work",), contract=sid) for sid in inst.staff]
    day = {d: MONDAY + dt.timedelta(days=d) for d in range(inst.horizon)}
    wishes: dict[str, list[dict]] = {sid: [] for sid in inst.staff}
    for e, d, sh, w in inst.on_requests:
        wishes[e].append({"shift": sh, "day": day[d], "priority": w})
    for e, d, sh, w in inst.off_requests:
        wishes[e].append({"avoid_shift": sh, "day": day[d], "priority": w})
    preferences = {
        sid: AgentPreferences.model_validate(
            {
                "agent_id": sid,
                "wishes": wishes[sid],
                "unavailable": [
                    {"day": day[d], "reason": "day off"} for d in sorted(inst.days_off.get(sid, ()))
                ],
            }
        )
        for sid in inst.staff
    }
    cover = [
        ShiftCover(date=day[d], shift=sh, required=req, under_weight=wu, over_weight=wo)
        for d, sh, req, wu, wo in inst.cover
    ]
    return config, agents, preferences, cover


def solve_instance(
    path: Path,
    time_limit: float,
    seed: int,
    workers: int,
    deterministic: bool,
    progress: bool = False,
):
    inst = parse_instance(path)
    config, agents, preferences, cover = to_wfm(inst, time_limit, seed, workers, deterministic)
    horizon = Horizon(MONDAY, inst.horizon, 60)
    started = time.perf_counter()
    empty = _no_interval_demand()
    problem = build_roster_problem(config, agents, preferences, empty, horizon, shift_cover=cover)
    report = (
        (lambda line: print(f"  {time.perf_counter() - started:6.1f} s  {line}", file=sys.stderr))
        if progress
        else None
    )
    result = solve_roster(problem, config.solver, report)
    seconds = time.perf_counter() - started
    rows = [(r.agent_id, (r.date - MONDAY).days, r.shift) for r in result.shifts.itertuples()]
    objective, violations = evaluate(inst, rows)
    return inst, result, rows, objective, violations, seconds


def _no_interval_demand():
    import pandas as pd

    return pd.DataFrame(columns=["interval_start", "channel", "staff_needed"])


def _gap(objective: float, known: str | None) -> str:
    """The gap to the best known value in %, or '–' without one."""
    return f"{100 * (objective - float(known)) / float(known):.2f}" if known else "–"


def _best_known() -> dict[str, dict[str, str]]:
    with (DATA / "best_known.csv").open() as handle:
        return {f"Instance{row['instance']}": row for row in csv.DictReader(handle)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("instances", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every instance in shared/data")
    parser.add_argument("--only", type=str, help="with --all: comma-separated numbers, e.g. 1,3,5")
    parser.add_argument("--time-limit", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="solve each instance this many times, seeds --seed, --seed+1, ...: the parallel "
        "search's answers spread from run to run, and one run cannot tell two versions apart",
    )
    # CP-SAT's full portfolio (LP bounds, core search, LNS) needs about eight workers; on two
    # cores they share time, which still beats two workers by far on these instances.
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument(
        "--deterministic",
        action="store_true",
        help="one worker on the deterministic clock (default: parallel workers)",
    )
    parser.add_argument("--solution", type=Path, help="write employee,day,shift rows here")
    parser.add_argument("--progress", action="store_true", help="the solver's progress on stderr")
    args = parser.parse_args()
    paths = list(args.instances)
    if args.all:
        paths = sorted(
            (DATA / "instances").glob("Instance*.txt"),
            key=lambda p: int(p.stem.removeprefix("Instance")),
        )
        if args.only:
            wanted = {f"Instance{n.strip()}" for n in args.only.split(",")}
            paths = [p for p in paths if p.stem in wanted]
    best = _best_known() if (DATA / "best_known.csv").exists() else {}
    print(f"# {' '.join(sys.argv)}")
    print(
        "| instance | seed | objective | best known | gap % | bound | status | seconds | "
        "violations |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    last = {}
    for path in paths:
        runs = []
        for seed in range(args.seed, args.seed + max(1, args.runs)):
            inst, result, rows, objective, violations, seconds = solve_instance(
                path, args.time_limit, seed, args.workers, args.deterministic, args.progress
            )
            known = best.get(inst.name, {}).get("best_known_ub")
            print(
                f"| {inst.name} | {seed} | {objective} | {known or '–'} | {_gap(objective, known)} "
                f"| {result.best_bound:.0f} | {result.status} | {seconds:.1f} | "
                f"{len(violations)} |",
                flush=True,
            )
            if abs(objective - result.objective) > 1e-6:
                print(
                    f"  note: model objective {result.objective} differs from evaluator {objective}"
                )
            for violation in violations[:5]:
                print(f"  violation: {violation}")
            runs.append((objective + (1e12 if violations else 0), objective, result, rows, seconds))
        _, objective, result, rows, seconds = min(runs, key=lambda run: run[0])
        if len(runs) > 1:
            spread = sorted(run[1] for run in runs)
            median = float(np.median(spread))
            print(
                f"  {inst.name} over {len(runs)} runs: "
                f"best {spread[0]} ({_gap(spread[0], known)}%), "
                f"median {median:g} ({_gap(median, known)}%), "
                f"worst {spread[-1]} ({_gap(spread[-1], known)}%)"
            )
        if args.solution:  # the best run's roster
            with args.solution.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["employee", "day", "shift"])
                writer.writerows(rows)
        last = {
            "instance": inst.name,
            "objective": objective,
            "bound": result.best_bound,
            "seconds": round(seconds, 2),
        }
        if len(runs) > 1:
            last["runs"] = [run[1] for run in runs]
    print(json.dumps(last))


if __name__ == "__main__":
    main()
