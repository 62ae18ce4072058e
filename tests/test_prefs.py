"""Agents' preference files: every problem located, all at once; the starter file; the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from projectkit import write_project
from wfm.cli import main
from wfm.cli_prefs import prefs
from wfm.domain import Horizon
from wfm.errors import WfmInputError
from wfm.io.config_file import load_config
from wfm.io.inputs import load_agents, load_inputs
from wfm.io.preferences import check_preferences, load_preferences

ROOT = Path(__file__).resolve().parents[1]
LOCATED = re.compile(r"^  .+\.ya?ml:\d+:\d+: ")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project (agents T00..T07, shifts early and late); returns its config path."""
    return write_project(tmp_path)


def _folder(config_path: Path) -> Path:
    return config_path.parents[1] / "data" / "preferences"


def _write(config_path: Path, name: str, text: str) -> Path:
    path = _folder(config_path) / name
    path.write_text(text, encoding="utf-8")
    return path


def _check(config_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(prefs, ["check", "--config", str(config_path), *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _problems(config_path: Path, name: str, text: str) -> list[str]:
    path = _write(config_path, name, text)
    config = load_config(config_path)
    agents = load_agents(config_path.parents[1] / config.agents, config)
    return [str(p) for p in check_preferences(path, config, agents).problems]


# Each case: file name, its text, and the one problem expected as `name:line:column: text`.
CASES = {
    "unknown key, did you mean": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - day_off: mon\n    prio: 3\n",
        "T01.yaml:4:5: wishes.0.prio: unknown key 'prio' (did you mean 'priority'?)",
    ),
    "unknown top-level key": (
        "T01.yaml",
        "agent_id: T01\nunavailability:\n  - day: mon\n    reason: study\n",
        "T01.yaml:2:1: unavailability: unknown key 'unavailability' (did you mean 'unavailable'?)",
    ),
    "bad time": (
        "T01.yaml",
        'agent_id: T01\nwishes:\n  - start_window: "9-11"\n    days: [mon]\n',
        "T01.yaml:3:19: wishes.0.start_window: '9-11' is not a time window HH:MM-HH:MM",
    ),
    "time without quotes": (
        "T01.yaml",
        "agent_id: T01\nunavailable:\n  - day: mon\n    time: 18:00\n    reason: study\n",
        "T01.yaml:4:11: unavailable.0.time: '18:00' is not a time window; write it in quotes",
    ),
    "window ends before it starts": (
        "T01.yaml",
        'agent_id: T01\nunavailable:\n  - day: mon\n    time: "21:00-18:00"\n    reason: x\n',
        "T01.yaml:4:11: unavailable.0.time: window '21:00-18:00' ends before it starts",
    ),
    "impossible date": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - day_off: 2026-11-31\n",
        "T01.yaml:3:14: wishes.0.day_off: '2026-11-31' is not a date in the calendar",
    ),
    "misspelt weekday": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - shift: early\n    days: [mon, thurs]\n",
        "T01.yaml:4:17: wishes.0.days.1: 'thurs' is not a weekday or date (did you mean 'thu'?)",
    ),
    "date outside the file's week": (
        "T01.yaml",
        "agent_id: T01\nweek: 2026-11-23\nwishes:\n  - day_off: 2026-12-01\n",
        "T01.yaml:4:14: wishes.0.day_off: 2026-12-01 is not in the week of this file "
        "(2026-11-23 to 2026-11-29)",
    ),
    "week not a Monday": (
        "T01.yaml",
        "agent_id: T01\nweek: 2026-11-25\n",
        "T01.yaml:2:7: week: 2026-11-25 is a Wednesday; give the Monday the week starts on "
        "(did you mean 2026-11-23?)",
    ),
    "unknown agent": (
        "T0.yaml",
        "agent_id: T0\n",
        "T0.yaml:1:11: agent_id: unknown agent 'T0' (did you mean T00?)",
    ),
    "file name does not match": (
        "T01.yaml",
        "agent_id: T03\n",
        "T01.yaml:1:11: agent_id: the file is named T01.yaml but holds agent_id T03; "
        "name it T03.yaml",
    ),
    "points over budget": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - day_off: mon\n    priority: 7\n"
        "  - day_off: tue\n    priority: 6\n",
        "T01.yaml:2:1: wishes: the priorities add up to 13 points, over the weekly budget of 12",
    ),
    "priority out of range": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - day_off: mon\n    priority: 0\n",
        "T01.yaml:4:15: wishes.0.priority: '0' is not a whole number from 1 to 10",
    ),
    "unknown shift": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - shift: erly\n    day: mon\n",
        "T01.yaml:3:12: wishes.0.shift: unknown shift 'erly' (did you mean 'early'?); "
        "shifts: early, late",
    ),
    "duplicate wish": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - day_off: fri\n  - day_off: [thu, fri]\n",
        "T01.yaml:4:5: wishes.1: duplicate: repeats an earlier wish on fri — wishes.0 (line 3)",
    ),
    "wants and does not want the same shift": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - shift: late\n    days: [mon, tue]\n"
        "  - avoid_shift: late\n    day: tue\n",
        "T01.yaml:5:5: wishes.1: contradiction: wants and does not want the late shift on tue",
    ),
    "day off and a shift on the same day": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - day_off: 2026-11-27\n  - shift: early\n    days: [fri]\n",
        "T01.yaml:4:5: wishes.1: contradiction: a day off and work wanted on fri 2026-11-27",
    ),
    "work wanted on a day unavailable": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - shift: early\n    day: wed\n"
        "unavailable:\n  - day: wed\n    reason: 搬家\n",
        "T01.yaml:3:5: wishes.0: contradiction: wants to work on wed but is unavailable all day",
    ),
    "key given twice": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - day_off: mon\n    priority: 2\n    priority: 3\n",
        "T01.yaml:5:5: wishes.0.priority: 'priority' is given twice (first on line 4)",
    ),
    "missing reason": (
        "T01.yaml",
        "agent_id: T01\nunavailable:\n  - day: mon\n",
        "T01.yaml:3:5: unavailable.0: a reason is required",
    ),
    "two kinds in one wish": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - shift: early\n    avoid_shift: late\n    day: mon\n",
        "T01.yaml:4:5: wishes.0.avoid_shift: a wish has one of day_off, shift, avoid_shift, "
        "start_window; this one has shift and avoid_shift",
    ),
    "no days": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - shift: early\n",
        "T01.yaml:3:5: wishes.0: say on which days",
    ),
    "missing agent_id": (
        "T01.yaml",
        "wishes:\n  - day_off: mon\n",
        "T01.yaml:1:1: 'agent_id' is missing; add `agent_id: T01`",
    ),
    "not a mapping": (
        "T01.yaml",
        "- day_off: mon\n",
        "T01.yaml:1:1: expected keys agent_id, week, wishes, unavailable; found a list",
    ),
    "empty file": ("T01.yaml", "# nothing yet\n", "T01.yaml:1:1: the file is empty"),
    "broken YAML": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n  - day_off: [mon\n",
        "T01.yaml:4:1: invalid YAML: expected ',' or ']'",
    ),
    "tab indentation": (
        "T01.yaml",
        "agent_id: T01\nwishes:\n\t- day_off: mon\n",
        "T01.yaml:3:1: invalid YAML: found character '\\t' that cannot start any token",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_problem_is_located_and_explained(project: Path, case: str) -> None:
    name, text, expected = CASES[case]
    found = _problems(project, name, text)
    assert any(expected in problem for problem in found), found
    assert all(re.match(r"^.+\.ya?ml:\d+:\d+: ", problem) for problem in found), found


def test_gbk_file_is_named_as_such(project: Path) -> None:
    path = _folder(project) / "T01.yaml"
    path.write_bytes("agent_id: T01\nwishes:\n  - day_off: mon\n    note: 孩子生日\n".encode("gbk"))
    config = load_config(project)
    (problem,) = check_preferences(path, config, None).problems
    assert str(problem).startswith(f"{path}:4:11: not UTF-8 text")
    assert "GBK" in problem.message


def test_all_problems_of_all_files_at_once(project: Path) -> None:
    _write(project, "T01.yaml", "agent_id: T01\nwishes:\n  - day_off: mon\n    prio: 3\n")
    _write(project, "T03.yaml", "agent_id: T03\nwishes:\n  - shift: erly\n    days: [mon, xx]\n")
    _write(project, "T04.yml", "agent_id: T04\nwishes: [\n")
    code, output = _check(project)
    assert code == 2
    lines = output.splitlines()
    assert lines[0] == "wfm: 4 problem(s) in the inputs:"
    assert all(LOCATED.match(line) for line in lines[1:]), output
    where = [re.sub(r"^  .*/", "", line).split(": ")[0] for line in lines[1:]]
    assert where == ["T01.yaml:4:5", "T03.yaml:3:12", "T03.yaml:4:17", "T04.yml:3:1"]


def test_the_demo_preferences_pass() -> None:
    code, output = _check(ROOT / "configs" / "wfm.yaml")
    assert code == 0, output
    assert output.startswith("OK: 75 preference file(s)")


def test_chinese_names_and_notes_in_utf8_with_or_without_bom(project: Path) -> None:
    text = (
        "# 王芳的排班偏好\nagent_id: T01\nwishes:\n  - day_off: fri\n    priority: 3\n"
        "    note: 孩子生日 (child's birthday)\nunavailable:\n  - day: wed\n"
        '    time: "13:00-18:00"\n    reason: 夜校\n'
    )
    (_folder(project) / "T01.yaml").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    config = load_config(project)
    agents = load_agents(project.parents[1] / config.agents, config)
    result = check_preferences(_folder(project), config, agents)
    assert result.problems == []
    loaded = {p.agent_id: p for p in result.preferences.values()}["T01"]
    assert loaded.wishes[0].note == "孩子生日 (child's birthday)"
    assert loaded.unavailable[0].reason == "夜校"


def test_plan_stops_with_the_same_messages(project: Path, tmp_path: Path) -> None:
    _write(project, "T01.yaml", "agent_id: T01\nwishes:\n  - day_off: mon\n    prio: 3\n")
    _write(project, "T03.yaml", "agent_id: T03\nwishes:\n  - shift: late\n    day: mon\n"
                                "  - avoid_shift: late\n    day: mon\n")  # fmt: skip
    _, checked = _check(project)
    planned = CliRunner().invoke(
        main, ["plan", "--config", str(project), "--out", str(tmp_path / "out"), "--quiet"]
    )
    assert planned.exit_code == 2
    assert planned.output == checked
    with pytest.raises(WfmInputError) as caught:
        load_inputs(project)
    assert [f"  {p}" for p in caught.value.problems] == checked.splitlines()[1:]


def test_other_weeks_are_skipped_with_a_notice(project: Path) -> None:
    _write(project, "T01.yaml", "agent_id: T01\nweek: 2026-12-07\nwishes:\n  - day_off: mon\n")
    inputs = load_inputs(project)
    assert "T01" not in inputs.preferences and {"T00", "T02"} <= set(inputs.preferences)
    assert any("T01.yaml: preferences for the week of 2026-12-07" in n for n in inputs.notices)
    code, output = _check(project, "--week", "2026-11-23")
    assert code == 0
    assert "T01.yaml: for the week of 2026-12-07, not used for 2026-11-23" in output


def test_folder_rules_other_files_and_second_file_for_an_agent(project: Path) -> None:
    folder = _folder(project)
    (folder / "README.md").write_text("how to\n", encoding="utf-8")
    (folder / "notes.txt").write_text("x\n", encoding="utf-8")
    (folder / "T01.YAML").write_text("agent_id: T01\nwishes:\n  - day_of: mon\n", "utf-8")
    (folder / "T00.yml").write_text("agent_id: T00\n", encoding="utf-8")
    code, output = _check(project)
    assert code == 2
    assert "note: " in output and "notes.txt: ignored" in output and "README" not in output
    assert "T01.YAML:3:5: wishes.0.day_of: unknown key 'day_of' (did you mean 'day_off'?)" in output
    assert "T00.yml:1:1: agent_id: a second file for agent T00 (the first is T00.yaml)" in output


def test_missing_folder(project: Path, tmp_path: Path) -> None:
    code, output = _check(project, str(tmp_path / "nowhere"))
    assert code == 2 and "nowhere: no such folder or file" in output
    config = load_config(project)
    agents = load_agents(project.parents[1] / config.agents, config)
    horizon_free = load_preferences(tmp_path / "nowhere", agents, config, _horizon(project))
    assert horizon_free == ({}, [f"{tmp_path / 'nowhere'}: no preference folder; "
                                  "rostering without wishes"])  # fmt: skip


def _horizon(config_path: Path) -> Horizon:
    return load_inputs(config_path).horizon


def test_broken_agents_file_is_reported_and_preferences_still_checked(project: Path) -> None:
    agents = project.parents[1] / "data" / "agents.yaml"
    agents.write_text(agents.read_text(encoding="utf-8").replace("std", "gold", 1), "utf-8")
    _write(project, "T01.yaml", "agent_id: T01\nwishes:\n  - day_off: mon\n    prio: 3\n")
    code, output = _check(project)
    assert code == 2
    assert "unknown contract 'gold'" in output and "T01.yaml:4:5:" in output


# --- the starter file ------------------------------------------------------------------------


def test_template_writes_a_commented_file_that_passes_the_check(project: Path) -> None:
    (_folder(project) / "T00.yaml").unlink()
    result = CliRunner().invoke(
        prefs, ["template", "T00", "--week", "2026-11-23", "--config", str(project)]
    )
    assert result.exit_code == 0, result.output
    path = _folder(project) / "T00.yaml"
    text = path.read_text(encoding="utf-8")
    assert "李雷 (T00)" in text and "week: 2026-11-23" in text and "wfm prefs check" in text
    assert "early        starts 09:00-10:00" in text and "at most 12 points" in text
    code, output = _check(project)
    assert code == 0, output
    loaded = load_inputs(project).preferences["T00"]
    assert loaded.wishes == () and loaded.unavailable == ()


def test_template_examples_are_valid_once_uncommented(project: Path) -> None:
    result = CliRunner().invoke(prefs, ["template", "T05", "--config", str(project), "--stdout"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    body = [line.replace("  # ", "  ", 1) if line.startswith("  # ") else line for line in lines]
    problems = _problems(project, "T05.yaml", "\n".join(body) + "\n")
    assert problems == []
    config = load_config(project)
    agents = load_agents(project.parents[1] / config.agents, config)
    loaded = check_preferences(_folder(project) / "T05.yaml", config, agents).preferences
    (prefs_t05,) = loaded.values()
    assert [w.kind for w in prefs_t05.wishes] == ["day_off", "shift", "avoid_shift", "start_window"]
    assert prefs_t05.week is None and prefs_t05.unavailable[0].reason == "夜校 (evening class)"


def test_template_keeps_an_existing_file_and_names_unknown_agents(project: Path) -> None:
    before = (_folder(project) / "T00.yaml").read_text(encoding="utf-8")
    kept = CliRunner().invoke(prefs, ["template", "T00", "--config", str(project)])
    assert kept.exit_code == 2 and "already exists" in kept.output
    assert (_folder(project) / "T00.yaml").read_text(encoding="utf-8") == before
    forced = CliRunner().invoke(prefs, ["template", "T00", "--config", str(project), "--force"])
    assert forced.exit_code == 0
    unknown = CliRunner().invoke(prefs, ["template", "T99", "--config", str(project)])
    assert unknown.exit_code == 2 and "unknown agent 'T99'" in unknown.output
    monday = CliRunner().invoke(
        prefs, ["template", "T01", "--week", "2026-11-25", "--config", str(project)]
    )
    assert monday.exit_code == 2 and "2026-11-25 is a Wednesday" in monday.output


def test_the_documented_example_passes_the_check(tmp_path: Path) -> None:
    readme = (ROOT / "data" / "preferences" / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    path = tmp_path / "A001.yaml"
    path.write_text(example, encoding="utf-8")
    config = load_config(ROOT / "configs" / "wfm.yaml")
    agents = load_agents(ROOT / "data" / "agents.yaml", config)
    result = check_preferences(path, config, agents)
    assert result.problems == []
    (loaded,) = result.preferences.values()
    assert [w.kind for w in loaded.wishes] == ["day_off", "shift", "avoid_shift", "start_window"]
    assert loaded.wishes[0].note == "孩子生日 (child's birthday)"
