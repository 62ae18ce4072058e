"""Read back one stage's output files so the next stage can run as its own command."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from wfm.config import Config
from wfm.domain import (
    ASSIGNMENT_COLUMNS,
    COVERAGE_COLUMNS,
    FORECAST_COLUMNS,
    REQUIREMENT_COLUMNS,
    ROSTER_COLUMNS,
    Agent,
    ForecastResult,
    RosterResult,
)
from wfm.errors import Problem, WfmInputError
from wfm.timeutil import format_clock, parse_clock

RUN_FILE = "roster_run.json"


def read_frame(path: Path, columns: Sequence[str], producer: str) -> pd.DataFrame:
    """A stage output with its contract columns; timestamps parsed, errors located."""
    if not path.exists():
        raise WfmInputError([Problem(str(path), f"not found; run `wfm {producer}` first")])
    try:
        frame = pd.read_csv(path, dtype={"breaks": str, "agent_id": str})
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise WfmInputError([Problem(str(path), f"cannot read: {exc}")]) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise WfmInputError([Problem(str(path), f"missing column(s) {', '.join(missing)}", 1)])
    if "interval_start" in frame.columns:
        try:
            frame["interval_start"] = pd.to_datetime(frame["interval_start"])
        except (ValueError, TypeError) as exc:
            raise WfmInputError(
                [Problem(str(path), f"bad timestamp: {exc}", field="interval_start")]
            ) from None
    return frame


def read_forecast(out_dir: Path) -> ForecastResult:
    """forecast.csv plus backtest.csv (the per-fold table `wfm forecast` writes), if present."""
    from wfm.forecast.backtest import summarise_backtest

    frame = read_frame(out_dir / "forecast.csv", FORECAST_COLUMNS, "forecast")
    backtest_path = out_dir / "backtest.csv"
    folds = pd.read_csv(backtest_path) if backtest_path.exists() else pd.DataFrame()
    if "fold_start" in folds.columns:
        backtest = summarise_backtest(folds)
    else:
        backtest, folds = folds, pd.DataFrame()
    names = (
        dict(zip(backtest.channel, backtest.model, strict=True))
        if {"channel", "model"} <= set(backtest.columns)
        else {}
    )
    return ForecastResult(frame, backtest, names, backtest_folds=folds)


def read_requirements(out_dir: Path) -> pd.DataFrame:
    return read_frame(out_dir / "requirements.csv", REQUIREMENT_COLUMNS, "staff")


def run_facts(roster: RosterResult) -> dict[str, Any]:
    """What roster.csv cannot say: the solver's verdict, for `wfm export` to report."""
    return {
        "status": roster.status,
        "objective": roster.objective,
        "best_bound": roster.best_bound,
        "wall_seconds": roster.wall_seconds,
        "penalties": roster.penalties,
    }


def write_run_facts(roster: RosterResult, path: Path) -> Path:
    path.write_text(json.dumps(run_facts(roster), indent=2), encoding="utf-8")
    return path


def read_roster(out_dir: Path, agents: Sequence[Agent], config: Config) -> RosterResult:
    """Rebuild the RosterResult from roster.csv, assignments.csv, coverage.csv, wishes.csv."""
    shifts = read_frame(out_dir / "roster.csv", ROSTER_COLUMNS, "roster")
    assignments = read_frame(out_dir / "assignments.csv", ASSIGNMENT_COLUMNS, "roster")
    coverage = read_frame(out_dir / "coverage.csv", COVERAGE_COLUMNS, "roster")
    wishes_path = out_dir / "wishes.csv"
    wishes = (
        pd.read_csv(wishes_path, dtype={"agent_id": str})
        if wishes_path.exists()
        else (pd.DataFrame(columns=["agent_id", "wish", "priority", "granted", "reason"]))
    )
    facts_path = out_dir / RUN_FILE
    facts = json.loads(facts_path.read_text(encoding="utf-8")) if facts_path.exists() else {}
    shifts["breaks"] = shifts["breaks"].fillna("")
    shifts["date"] = [dt.date.fromisoformat(str(d)) for d in shifts["date"]]
    names = {agent.id: agent.name for agent in agents}
    shifts["agent_name"] = [names.get(a, "") for a in shifts.agent_id]
    templates = [_template_of(row, config) for row in shifts.itertuples()]
    shifts["shift"] = [t.name if t else "" for t in templates]
    shifts["family"] = [t.family if t else None for t in templates]
    return RosterResult(
        status=str(facts.get("status", "UNKNOWN")),
        objective=float(facts.get("objective", float("nan"))),
        best_bound=float(facts.get("best_bound", float("nan"))),
        wall_seconds=float(facts.get("wall_seconds", 0.0)),
        shifts=shifts,
        assignments=assignments,
        coverage=coverage,
        wishes=wishes,
        penalties=dict(facts.get("penalties", {})),
    )


def _template_of(row: Any, config: Config) -> Any:
    start = parse_clock(row.shift_start)
    for template in config.shifts:
        if start in template.start_minutes() and row.shift_end == format_clock(
            (start + template.length_minutes) % 1440
        ):
            return template
    return None
