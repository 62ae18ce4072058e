"""End to end through the command line: a real plan, and bad inputs that must exit with 2."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from hardrules import violations
from projectkit import plan_fails, write_project
from wfm.cli import main
from wfm.domain import (
    ASSIGNMENT_COLUMNS,
    COVERAGE_COLUMNS,
    FORECAST_COLUMNS,
    REQUIREMENT_COLUMNS,
    ROSTER_COLUMNS,
    SIMULATION_COLUMNS,
)
from wfm.io.inputs import load_inputs


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("project")
    config_path = write_project(root)
    out = root / "out"
    result = CliRunner().invoke(
        main, ["plan", "--config", str(config_path), "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    return config_path, out


def test_plan_writes_every_output_with_the_contract_columns(planned: tuple[Path, Path]) -> None:
    _, out = planned
    expected = {
        "forecast.csv": FORECAST_COLUMNS,
        "requirements.csv": REQUIREMENT_COLUMNS,
        "roster.csv": ROSTER_COLUMNS,
        "assignments.csv": ASSIGNMENT_COLUMNS,
        "coverage.csv": COVERAGE_COLUMNS,
        "simulation.csv": SIMULATION_COLUMNS,
    }
    for name, columns in expected.items():
        frame = pd.read_csv(out / name)
        assert tuple(frame.columns) == columns, name
        assert len(frame) > 0, name
    assert (out / "roster.xlsx").stat().st_size > 0
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "gap" in summary.lower()
    assert "## Service check (simulation)" in summary


def test_planned_week_is_the_monday_after_history(planned: tuple[Path, Path]) -> None:
    _, out = planned
    forecast = pd.read_csv(out / "forecast.csv", parse_dates=["interval_start"])
    assert forecast.interval_start.min() == pd.Timestamp("2026-11-23")
    assert forecast.interval_start.max() < pd.Timestamp("2026-11-30")
    closed = forecast[forecast.interval_start.dt.hour < 9]
    assert (closed.contacts == 0).all()


def test_roster_obeys_every_hard_rule(planned: tuple[Path, Path]) -> None:
    config_path, out = planned
    inputs = load_inputs(config_path)
    roster = pd.read_csv(out / "roster.csv", dtype={"breaks": str})
    roster["date"] = pd.to_datetime(roster["date"]).dt.date
    assignments = pd.read_csv(out / "assignments.csv", parse_dates=["interval_start"])
    found = violations(
        inputs.config,
        inputs.agents,
        inputs.preferences,
        roster,
        assignments,
        inputs.horizon.dates,
    )
    assert found == []
    # Every agent is on the roster: contracts require 8 h a week.
    assert set(roster.agent_id) == {a.id for a in inputs.agents}


def test_coverage_matches_assignments(planned: tuple[Path, Path]) -> None:
    _, out = planned
    coverage = pd.read_csv(out / "coverage.csv", parse_dates=["interval_start"])
    assignments = pd.read_csv(out / "assignments.csv", parse_dates=["interval_start"])
    working = assignments[assignments.activity != "break"]
    counted = working.groupby(["interval_start", "activity"]).size()
    for row in coverage.itertuples():
        assert counted.get((row.interval_start, row.channel), 0) == row.scheduled
        assert row.gap == row.scheduled - row.required


def test_same_seed_gives_the_same_plan(planned: tuple[Path, Path], tmp_path: Path) -> None:
    config_path, out = planned
    again = tmp_path / "again"
    result = CliRunner().invoke(
        main, ["plan", "--config", str(config_path), "--out", str(again), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    for name in ("forecast.csv", "requirements.csv", "roster.csv", "assignments.csv"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_malformed_config_yaml_names_file_and_line(tmp_path: Path) -> None:
    config_path = write_project(tmp_path)
    text = config_path.read_text(encoding="utf-8").replace("channels:", "channels: [", 1)
    config_path.write_text(text, encoding="utf-8")
    output = plan_fails(config_path, tmp_path / "out-bad")
    assert "wfm.yaml:" in output and "invalid YAML" in output


def test_config_field_error_names_the_field_and_line(tmp_path: Path) -> None:
    config_path = write_project(tmp_path)
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    data["channels"]["phone"]["shrinkage"] = 1.5
    data["channels"]["chat"]["colour"] = "blue"
    config_path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    output = plan_fails(config_path, tmp_path / "out-bad")
    assert "channels.phone.shrinkage" in output
    assert "channels.chat.colour: unknown key" in output
    line = next(
        i
        for i, text in enumerate(config_path.read_text().splitlines(), 1)
        if "shrinkage: 1.5" in text
    )
    assert f"wfm.yaml:{line}:" in output


def test_negative_volume_in_history_names_the_line(tmp_path: Path) -> None:
    config_path = write_project(tmp_path)
    history = tmp_path / "data" / "history.csv"
    lines = history.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].split(",")[0] + ",phone,-4,300"
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = plan_fails(config_path, tmp_path / "out-bad")
    assert "history.csv:6:" in output and "contacts" in output


def test_unknown_agent_in_preferences(tmp_path: Path) -> None:
    config_path = write_project(tmp_path)
    (tmp_path / "data" / "preferences" / "X99.yaml").write_text(
        "agent_id: X99\nwishes:\n  - day_off: mon\n", encoding="utf-8"
    )
    output = plan_fails(config_path, tmp_path / "out-bad")
    assert "X99.yaml:1:" in output and "unknown agent 'X99'" in output


def test_agent_with_unknown_skill(tmp_path: Path) -> None:
    config_path = write_project(tmp_path)
    agents_path = tmp_path / "data" / "agents.yaml"
    agents = yaml.safe_load(agents_path.read_text(encoding="utf-8"))
    agents[3]["skills"] = ["phone", "video"]
    agents_path.write_text(yaml.safe_dump(agents, allow_unicode=True), encoding="utf-8")
    output = plan_fails(config_path, tmp_path / "out-bad")
    assert "agents.yaml:" in output and "'video'" in output


def test_impossible_contract_is_exit_2_naming_the_agent(tmp_path: Path) -> None:
    config_path = write_project(tmp_path)
    prefs = tmp_path / "data" / "preferences" / "T05.yaml"
    days = ", ".join(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    prefs.write_text(
        f"agent_id: T05\nunavailable:\n  - days: [{days}]\n    reason: long leave\n",
        encoding="utf-8",
    )
    output = plan_fails(config_path, tmp_path / "out-bad")
    assert "agent T05" in output


def test_gap_in_history_is_reported_not_fatal(tmp_path: Path) -> None:
    config_path = write_project(tmp_path)
    history = tmp_path / "data" / "history.csv"
    lines = history.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("2026-11-04")]
    history.write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    assert "2026-11-04" in result.output and "missing" in result.output


def test_too_little_history_is_an_error(tmp_path: Path) -> None:
    config_path = write_project(tmp_path, weeks=1)
    result = CliRunner().invoke(main, ["validate", "--config", str(config_path)])
    assert result.exit_code == 2
    assert "at least 14 needed" in result.output


def test_validate_reports_problems_in_several_files_at_once(tmp_path: Path) -> None:
    config_path = write_project(tmp_path)
    history = tmp_path / "data" / "history.csv"
    history.write_text(
        history.read_text(encoding="utf-8").replace(",phone,", ",fone,", 1), encoding="utf-8"
    )
    agents_path = tmp_path / "data" / "agents.yaml"
    agents_path.write_text(
        agents_path.read_text(encoding="utf-8").replace("contract: std", "contract: gold", 1),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", "--config", str(config_path)])
    assert result.exit_code == 2
    assert "did you mean 'phone'" in result.output
    assert "unknown contract 'gold'" in result.output


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["plan", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml: file not found" in result.output


def test_week_option_plans_another_week(tmp_path: Path) -> None:
    config_path = write_project(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "plan",
            "--config",
            str(config_path),
            "--out",
            str(out),
            "--week",
            "2026-11-30",
            "--time-limit",
            "5",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    roster = pd.read_csv(out / "roster.csv")
    dates = {dt.date.fromisoformat(d) for d in roster.date}
    assert min(dates) >= dt.date(2026, 11, 30)


def test_agents_can_come_from_csv(tmp_path: Path) -> None:
    config_path = write_project(tmp_path)
    agents = yaml.safe_load((tmp_path / "data" / "agents.yaml").read_text(encoding="utf-8"))
    lines = ["id,name,team,skills,contract"]
    lines += [
        f"{a['id']},{a['name']},{a['team']},{';'.join(a['skills'])},{a['contract']}" for a in agents
    ]
    (tmp_path / "data" / "agents.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    data["agents"] = "data/agents.csv"
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    inputs = load_inputs(config_path)
    assert [a.id for a in inputs.agents] == [a["id"] for a in agents]
    assert inputs.agents[6].skills == ("phone", "chat", "email")
    assert inputs.agents[0].name == "李雷"
    bad = (
        (tmp_path / "data" / "agents.csv")
        .read_text(encoding="utf-8")
        .replace("phone;chat;email", "phone;fax", 1)
    )
    (tmp_path / "data" / "agents.csv").write_text(bad, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--config", str(config_path)])
    assert result.exit_code == 2
    assert "agents.csv:8:" in result.output and "'fax'" in result.output


def test_the_default_week_starts_on_the_sites_first_weekday() -> None:
    from wfm.config import Config
    from wfm.io.inputs import planning_horizon

    history = pd.DataFrame({"interval_start": pd.to_datetime(["2026-11-19 10:00"])})  # Thursday
    base = yaml.safe_load((Path(__file__).parents[1] / "configs" / "wfm.yaml").read_text("utf-8"))
    config = Config.model_validate(base)
    assert planning_horizon(config, history).start == dt.date(2026, 11, 23)  # Monday
    base["site"]["week_starts_on"] = "sun"
    sunday = Config.model_validate(base)
    assert planning_horizon(sunday, history).start == dt.date(2026, 11, 22)
    history = pd.DataFrame({"interval_start": pd.to_datetime(["2026-11-22 10:00"])})  # Sunday
    assert planning_horizon(sunday, history).start == dt.date(2026, 11, 29)


def test_a_channel_no_agent_is_skilled_for_is_named(tmp_path: Path) -> None:
    config_path = write_project(tmp_path)
    assert not [n for n in load_inputs(config_path).notices if "no agent has the skill" in n]
    agents_path = tmp_path / "data" / "agents.yaml"
    team = yaml.safe_load(agents_path.read_text("utf-8"))
    for agent in team:
        agent["skills"] = [s for s in agent["skills"] if s != "email"]
    agents_path.write_text(yaml.safe_dump(team, allow_unicode=True), "utf-8")
    named = [n for n in load_inputs(config_path).notices if "no agent has the skill" in n]
    assert named == [
        "data/agents.yaml: no agent has the skill for channel email, which is open: the roster "
        "leaves all its hours uncovered"
    ]
