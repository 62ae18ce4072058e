"""Pinned shifts from a planner's lock file: kept by the roster, and bad rows named by line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from click.testing import CliRunner

from projectkit import plan_fails, write_project
from wfm.cli import main


def _with_locks(tmp_path: Path, rows: list[str]) -> Path:
    config_path = write_project(tmp_path)
    (tmp_path / "data" / "locks.csv").write_text(
        "\n".join(["agent_id,date,shift,start", *rows]) + "\n", encoding="utf-8"
    )
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    data["locks"] = "data/locks.csv"
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return config_path


def _plan(config_path: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["plan", "--config", str(config_path), "--out", str(out), "--time-limit", "5", "--quiet"],
    )
    return result.exit_code, result.output


def test_the_roster_keeps_pinned_shifts_and_days_off(tmp_path: Path) -> None:
    # T00 wished Friday off (priority 3); the planner pins a late shift there all the same.
    config_path = _with_locks(
        tmp_path,
        ["T00,2026-11-27,late,", "T01,2026-11-23,,", "T07,2026-11-24,early,10:00"],
    )
    code, output = _plan(config_path, tmp_path / "out")
    assert code == 0, output
    roster = pd.read_csv(tmp_path / "out" / "roster.csv", dtype=str)
    shifts = {(row.agent_id, row.date): row.shift_start for row in roster.itertuples()}
    assert shifts.get(("T00", "2026-11-27")) == "13:00"
    assert ("T01", "2026-11-23") not in shifts
    assert shifts.get(("T07", "2026-11-24")) == "10:00"
    wishes = pd.read_csv(tmp_path / "out" / "wishes.csv")
    assert not wishes[wishes.agent_id == "T00"].granted.any()


def test_bad_lock_rows_are_named_by_line_and_nothing_is_written(tmp_path: Path) -> None:
    config_path = _with_locks(
        tmp_path,
        [
            "T99,2026-11-23,late,",
            "T01,23/11/2026,late,",
            "T02,2026-11-24,night,",
            "T03,2026-11-24,early,11:00",
            "T04,2026-11-25,,09:00",
            "T05,2026-11-25,early,",
            "T05,2026-11-25,,",
        ],
    )
    output = plan_fails(config_path, tmp_path / "out", "--time-limit", "5")
    assert "locks.csv:2: agent_id: unknown agent 'T99'" in output
    assert "locks.csv:3: date: '23/11/2026' is not a date" in output
    assert "locks.csv:4: shift: unknown shift template 'night'" in output
    assert "locks.csv:5: start: shift early cannot start at 11:00" in output
    assert "locks.csv:6: start: a start needs a shift" in output
    assert "locks.csv:8: agent T05 is already pinned on 2026-11-25 (line 7)" in output


def test_pins_that_break_a_rule_are_exit_2_naming_agent_and_rules(tmp_path: Path) -> None:
    # A late shift may not be followed by an early one (the project's forbidden sequence).
    config_path = _with_locks(tmp_path, ["T01,2026-11-23,late,", "T01,2026-11-24,early,09:00"])
    output = plan_fails(config_path, tmp_path / "out", "--time-limit", "5")
    assert "agent T01: forbidden_sequences + locked_shifts cannot all hold" in output
