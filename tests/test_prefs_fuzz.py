"""Property tests: whatever a preference file holds, the checker answers with file:line
messages — never an exception — and `wfm prefs check` exits 0 or 2, never a traceback."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projectkit import AGENTS, CONFIG, write_project
from wfm.cli import DEFAULT_CONFIG  # noqa: F401 - wfm.cli first: wfm.cli_prefs builds on it
from wfm.cli_prefs import prefs
from wfm.config import Config
from wfm.domain import Agent
from wfm.io.preferences import check_preferences, render_template

CONFIG_MODEL = Config.model_validate(CONFIG)
AGENT_MODELS = [Agent.model_validate(a) for a in AGENTS]
# WFM_FUZZ_EXAMPLES=5000 for a longer hunt; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("WFM_FUZZ_EXAMPLES", "300"))
PROBLEM_LINE = re.compile(r"^  .+\.yaml:\d+:\d+: \S")

KEYS = [
    "agent_id", "week", "wishes", "unavailable", "day_off", "shift", "avoid_shift",
    "start_window", "day", "days", "priority", "note", "time", "reason", "prio", "T00",
]  # fmt: skip
WORDS = [
    "T00", "T01", "X9", "mon", "fri", "Sunday", "funday", "early", "late", "erly",
    "08:00-10:00", "10:00-08:00", "25:00-26:00", "18:00", "2026-11-23", "2026-11-25",
    "2026-02-30", "夜校", "孩子生日", "", " ", "~", "yes", "no",
]  # fmt: skip
TOKENS = [
    ":", "-", " ", "\n", "\t", "[", "]", "{", "}", ",", "'", '"', "&a", "*a", "!!int",
    "!!python/object", "?", "|", ">", "#", "<<", "%YAML", "---", "...", "\x00", "\ufeff", "日",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(WORDS),
    st.text(max_size=12),
)
structures = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=5),
    ),
    max_leaves=25,
)
documents = st.one_of(
    structures,
    st.fixed_dictionaries(
        {"agent_id": st.sampled_from(["T00", "T01", 7, None])},
        optional={
            "week": scalars,
            "wishes": st.lists(
                st.dictionaries(st.sampled_from(KEYS), structures, max_size=5), max_size=4
            ),
            "unavailable": st.one_of(
                structures,
                st.lists(st.dictionaries(st.sampled_from(KEYS), structures, max_size=4)),
            ),
        },
    ),
)
TEMPLATE = render_template(AGENT_MODELS[0], CONFIG_MODEL, dt.date(2026, 11, 23))
VALID = TEMPLATE.replace("  # - ", "  - ").replace("  #   ", "    ")


def _assert_located(path: Path, text: bytes) -> None:
    path.write_bytes(text)
    result = check_preferences(path.parent, CONFIG_MODEL, AGENT_MODELS)
    for problem in result.problems:
        assert problem.line is not None and problem.line >= 1, problem
        assert problem.column is not None and problem.column >= 1, problem
        assert str(problem).startswith(f"{path}:{problem.line}:{problem.column}: ")
        assert "please report" not in problem.message, problem  # a checker bug, caught
        assert len(str(problem).splitlines()) == 1, problem  # one line per problem
    if not result.problems:
        assert len(result.preferences) == 1


def _check_bytes(text: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _assert_located(Path(folder) / "T00.yaml", text)


@settings(max_examples=EXAMPLES, deadline=None)
@given(documents, st.booleans())
def test_any_yaml_structure_gets_located_problems(data: object, flow: bool) -> None:
    _check_bytes(yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow).encode())


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(TOKENS + KEYS + WORDS), st.text(max_size=3))))
def test_any_text_gets_located_problems(pieces: list[str]) -> None:
    _check_bytes("".join(pieces).encode("utf-8", "surrogatepass"))


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_get_located_problems(data: bytes) -> None:
    _check_bytes(data)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.data())
def test_edits_of_a_valid_file_get_located_problems(data: st.DataObject) -> None:
    text = VALID
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 12)))
        insert = data.draw(st.sampled_from(["", *TOKENS, *WORDS]))
        text = text[:start] + insert + text[end:]
    _check_bytes(text.encode("utf-8", "surrogatepass"))


def test_the_valid_file_really_is_valid() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "T00.yaml"
        path.write_text(VALID, encoding="utf-8")
        result = check_preferences(path, CONFIG_MODEL, AGENT_MODELS)
        assert result.problems == [] and len(result.preferences) == 1


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("fuzz-project"))


@settings(
    max_examples=EXAMPLES // 5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.one_of(documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True).encode()),
                 st.binary(max_size=80)))  # fmt: skip
def test_prefs_check_command_exits_0_or_2_with_located_lines(project: Path, text: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "T00.yaml").write_bytes(text)
        result = CliRunner().invoke(prefs, ["check", folder, "--config", str(project)])
    assert result.exit_code in (0, 2), result.output
    assert (
        "Traceback" not in result.output
        and result.exception is None
        or (isinstance(result.exception, SystemExit))
    )
    if result.exit_code == 2:
        head, *lines = result.output.splitlines()
        assert re.fullmatch(r"wfm: \d+ problem\(s\) in the inputs:", head)
        assert lines and all(PROBLEM_LINE.match(line) for line in lines), result.output
