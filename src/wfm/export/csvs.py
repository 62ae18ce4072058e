"""The contract CSV files: exactly the *_COLUMNS of domain.py, in order, in plain text.

Downstream tools (payroll imports, BI dashboards) read these files, so the formatting is
fixed: ISO-8601 local times without a zone, `YYYY-MM-DD` dates, floats rounded to three
decimals, UTF-8 without a byte-order mark, `\\n` line ends, empty cells for missing values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from wfm.domain import (
    ASSIGNMENT_COLUMNS,
    COVERAGE_COLUMNS,
    FORECAST_COLUMNS,
    REQUIREMENT_COLUMNS,
    ROSTER_COLUMNS,
    SIMULATION_COLUMNS,
    PlanResult,
)
from wfm.export.report import WISH_COLUMNS, wishes_frame

FLOAT_DECIMALS = 3
DATE_COLUMNS = frozenset({"date"})


def contract_frame(frame: pd.DataFrame, columns: Sequence[str], name: str) -> pd.DataFrame:
    """The contract columns of `frame`, in order; a missing column is a bug upstream."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{name}: the frame lacks column(s) {', '.join(missing)}; "
            f"the contract is {', '.join(columns)}"
        )
    return frame.loc[:, list(columns)]


def format_for_csv(frame: pd.DataFrame, timezone: str | None = None) -> pd.DataFrame:
    """Render times, dates and floats the way the contract spells them.

    Zone-aware timestamps are converted to `timezone` (the site's) before the zone is
    dropped, so every file speaks the planners' wall-clock time.
    """
    out = frame.copy()
    for column in out.columns:
        out[column] = _format_column(out[column], str(column) in DATE_COLUMNS, timezone)
    return out


def _format_column(values: pd.Series, date_only: bool, timezone: str | None) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert(timezone or values.dt.tz).dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.map(lambda v: _format_scalar(v, date_only, timezone))
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype):
        return values
    if pd.api.types.is_float_dtype(values.dtype):
        return values.round(FLOAT_DECIMALS)
    return values.map(lambda v: _format_scalar(v, date_only, timezone))


def _format_scalar(value: object, date_only: bool, timezone: str | None) -> object:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):  # includes pd.Timestamp
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert(timezone or stamp.tzinfo).tz_localize(None)
        return stamp.strftime("%Y-%m-%d") if date_only else stamp.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, FLOAT_DECIMALS)
    return value


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def write_csvs(plan: PlanResult, directory: Path, timezone: str | None = None) -> list[Path]:
    """Write the CSV files of a plan (six, and simulation.csv when checked); returns paths."""
    roster = plan.roster
    files: list[tuple[str, pd.DataFrame]] = [
        ("forecast.csv", contract_frame(plan.forecast.frame, FORECAST_COLUMNS, "forecast")),
        (
            "requirements.csv",
            contract_frame(plan.requirements, REQUIREMENT_COLUMNS, "requirements"),
        ),
        ("roster.csv", contract_frame(roster.shifts, ROSTER_COLUMNS, "roster")),
        ("assignments.csv", contract_frame(roster.assignments, ASSIGNMENT_COLUMNS, "assignments")),
        ("coverage.csv", contract_frame(roster.coverage, COVERAGE_COLUMNS, "coverage")),
        ("wishes.csv", contract_frame(wishes_frame(plan), WISH_COLUMNS, "wishes")),
    ]
    if plan.simulation is not None:
        check = contract_frame(plan.simulation.intervals, SIMULATION_COLUMNS, "simulation")
        files.append(("simulation.csv", check))
    return [write_csv(format_for_csv(frame, timezone), directory / name) for name, frame in files]
