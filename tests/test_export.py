"""Export stage: contract CSVs, roster.xlsx, summary.md, and the all-or-nothing write."""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from wfm.config import Config
from wfm.domain import (
    ASSIGNMENT_COLUMNS,
    COVERAGE_COLUMNS,
    FORECAST_COLUMNS,
    REQUIREMENT_COLUMNS,
    ROSTER_COLUMNS,
    SIMULATION_COLUMNS,
    Agent,
    AgentPreferences,
    ForecastResult,
    Horizon,
    PlanResult,
    RosterResult,
    Unavailability,
    Wish,
)
from wfm.export import csvs, export_plan, report, summarise, xlsx

START = dt.date(2026, 11, 22)  # a Sunday, so one of the two days is a weekend day
OPEN_HOURS = range(8, 14)
CHANNELS = ("phone", "chat")
EXPECTED_FILES = {
    "forecast.csv",
    "requirements.csv",
    "roster.csv",
    "assignments.csv",
    "coverage.csv",
    "wishes.csv",
    "roster.xlsx",
    "summary.md",
    "plots/coverage_phone.png",
    "plots/coverage_chat.png",
    "plots/forecast_phone.png",
    "plots/forecast_chat.png",
    "agents/A1.ics",
    "agents/A2.ics",
    "agents/A3.ics",
}


@pytest.fixture
def config() -> Config:
    return make_config()


def make_config() -> Config:
    return Config.model_validate(
        {
            "site": {"name": "测试中心"},
            "planning": {"days": 2, "interval_minutes": 60},
            "channels": {
                "phone": {"kind": "voice", "label": "热线", "aht_seconds": 300},
                "chat": {"kind": "chat", "aht_seconds": 360, "concurrency": 2},
            },
            "shifts": [
                {
                    "name": "early",
                    "family": "early",
                    "length_minutes": 240,
                    "earliest_start": "08:00",
                    "latest_start": "10:00",
                },
                {
                    "name": "late",
                    "family": "late",
                    "length_minutes": 480,
                    "earliest_start": "12:00",
                    "latest_start": "12:00",
                },
            ],
        }
    )


def _required(stamp: pd.Timestamp, channel: str) -> int:
    return (2 if channel == "phone" else 1) if stamp.hour in OPEN_HOURS else 0


def _scheduled(stamp: pd.Timestamp, channel: str) -> int:
    # Short on phone at 08:00 both days (worst on day one), over on chat at 12:00.
    if stamp.hour not in OPEN_HOURS:
        return 0
    if channel == "phone" and stamp.hour == 8:
        return 0 if stamp.day == 22 else 1
    if channel == "chat" and stamp.hour == 12:
        return 2
    return _required(stamp, channel)


def make_plan(status: str = "FEASIBLE", objective: float = 100.0) -> PlanResult:
    horizon = Horizon(START, 2, 60)
    stamps = horizon.intervals()
    grid = [(t, c) for t in stamps for c in CHANNELS]
    open_ = [t.hour in OPEN_HOURS for t, _ in grid]
    forecast = pd.DataFrame(
        {
            "interval_start": [t for t, _ in grid],
            "channel": [c for _, c in grid],
            "contacts": [12.345678 if o else 0.0 for o in open_],
            "lower": [10.0 if o else 0.0 for o in open_],
            "upper": [15.5 if o else 0.0 for o in open_],
            "aht_seconds": [300.0 if c == "phone" else 360.0 for _, c in grid],
        }
    )
    requirements = forecast[["interval_start", "channel", "contacts", "aht_seconds"]].assign(
        agents_needed=[_required(t, c) for t, c in grid],
        staff_needed=[_required(t, c) + 1 for t, c in grid],
        expected_service_level=[0.81234 if o else np.nan for o in open_],
        expected_asa_seconds=[9.87654 if o else np.nan for o in open_],
        occupancy=[0.7 if o else np.nan for o in open_],
    )
    required = [_required(t, c) for t, c in grid]
    scheduled = [_scheduled(t, c) for t, c in grid]
    coverage = pd.DataFrame(
        {
            "interval_start": [t for t, _ in grid],
            "channel": [c for _, c in grid],
            "required": required,
            "scheduled": scheduled,
            "gap": [s - r for s, r in zip(scheduled, required, strict=True)],
            "expected_service_level": [
                (0.5 if s < r else 0.9) if o else np.nan
                for s, r, o in zip(scheduled, required, open_, strict=True)
            ],
        }
    )
    day1, day2 = horizon.dates
    shifts = pd.DataFrame(
        [
            ("A1", day1, "08:00", "12:00", 240, "", "张伟", "early", "early"),
            ("A1", day2, "09:00", "13:00", 240, "", "张伟", "early", "early"),
            ("A2", day2, "12:00", "20:00", 420, "15:00-16:00", "Li Na", "late", None),
        ],
        columns=[*ROSTER_COLUMNS, "agent_name", "shift", "family"],
    )
    assignments = pd.DataFrame(
        {
            "interval_start": [pd.Timestamp("2026-11-22 08:00"), pd.Timestamp("2026-11-22 09:00")],
            "agent_id": ["A1", "A1"],
            "activity": ["phone", "break"],
        }
    )
    wishes = pd.DataFrame(
        {
            "agent_id": ["A1", "A2", "A3"],
            "wish": ["day off 2026-11-23", "shift early on mon", "想休息 sun"],
            "priority": [3, 3, 1],
            "granted": [False, True, True],
            "reason": ["needed for coverage", "", ""],
            "wish_index": [0, 0, 0],
        }
    )
    roster = RosterResult(
        status=status,
        objective=objective,
        best_bound=objective * 0.98,
        wall_seconds=1.5,
        shifts=shifts,
        assignments=assignments,
        coverage=coverage,
        wishes=wishes,
        penalties={"under_coverage": 80.0, "wishes": 20.0},
    )
    backtest = pd.DataFrame(
        {
            "channel": ["phone", "chat"],
            "model": ["ets", "seasonal_naive"],
            "wape": [0.12, 0.2],
            "seasonal_naive_wape": [0.18, 0.2],
            "interval_coverage": [0.8, 0.75],
            "weeks": [2, 2],
        }
    )
    agents = (
        Agent(id="A1", name="张伟", team="T1", skills=("phone", "chat")),
        Agent(id="A2", name="Li Na", team="T1", skills=("phone",), contract="part_time"),
        Agent(id="A3", name="王芳", skills=("chat",)),
    )
    return PlanResult(
        horizon=horizon,
        forecast=ForecastResult(forecast, backtest, {"phone": "ets", "chat": "seasonal_naive"}),
        requirements=requirements,
        roster=roster,
        agents=agents,
        inputs={"history": "data/history.csv", "seed": "1"},
        preferences=PREFERENCES,
    )


# A1 wants Monday off (refused); A2 has evening class on Monday, the day it works late;
# A3 cannot work at all on Sunday.
PREFERENCES = {
    "A1": AgentPreferences(
        agent_id="A1",
        wishes=(
            Wish(day_off=True, days=(START + dt.timedelta(days=1),), priority=3, note="孩子生日"),
        ),
    ),
    "A2": AgentPreferences(
        agent_id="A2",
        wishes=(Wish(shift="early", days=("mon",), priority=3),),
        unavailable=(Unavailability(days=("mon",), time="18:00-20:00", reason="夜校"),),
    ),
    "A3": AgentPreferences(
        agent_id="A3", unavailable=(Unavailability(days=("sun",), reason="照顾老人"),)
    ),
}


@pytest.fixture
def exported(tmp_path: Path, config: Config) -> Path:
    out = tmp_path / "out"
    export_plan(make_plan(), config, out)
    return out


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- CSV files --------------------------------------------------------------------------


def test_export_writes_every_file_and_returns_their_paths(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "new" / "out"
    paths = export_plan(make_plan(), config, out)
    assert _files(out) == EXPECTED_FILES
    assert {p.relative_to(out).as_posix() for p in paths} == EXPECTED_FILES
    assert all(p.is_file() for p in paths)


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("forecast.csv", FORECAST_COLUMNS),
        ("requirements.csv", REQUIREMENT_COLUMNS),
        ("roster.csv", ROSTER_COLUMNS),
        ("assignments.csv", ASSIGNMENT_COLUMNS),
        ("coverage.csv", COVERAGE_COLUMNS),
        ("wishes.csv", report.WISH_COLUMNS),
    ],
)
def test_csv_header_is_exactly_the_contract(exported: Path, name: str, columns: tuple) -> None:
    first_line = (exported / name).read_text(encoding="utf-8").split("\n", 1)[0]
    assert first_line == ",".join(columns)


def test_csv_values_use_iso_times_plain_dates_and_three_decimals(exported: Path) -> None:
    forecast = _rows(exported / "forecast.csv")
    assert forecast[0]["interval_start"] == "2026-11-22T00:00:00"
    assert forecast[16]["interval_start"] == "2026-11-22T08:00:00"
    assert forecast[16]["contacts"] == "12.346"
    requirements = _rows(exported / "requirements.csv")
    assert requirements[0]["expected_service_level"] == ""  # closed: NaN -> empty
    assert requirements[16]["expected_asa_seconds"] == "9.877"
    roster = _rows(exported / "roster.csv")
    assert [r["date"] for r in roster] == ["2026-11-22", "2026-11-23", "2026-11-23"]
    assert roster[2]["breaks"] == "15:00-16:00"
    assert roster[2]["paid_minutes"] == "420"
    assert _rows(exported / "assignments.csv")[1] == {
        "interval_start": "2026-11-22T09:00:00",
        "agent_id": "A1",
        "activity": "break",
    }


def test_csv_is_plain_utf8_with_chinese_text(exported: Path) -> None:
    raw = (exported / "wishes.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert "想休息 sun" in raw.decode("utf-8")
    assert b"\r\n" not in raw


def test_zone_aware_times_are_written_as_site_local_time() -> None:
    frame = pd.DataFrame(
        {"interval_start": pd.to_datetime(["2026-11-22T00:00:00Z"]), "date": [START]}
    )
    formatted = csvs.format_for_csv(frame, "Asia/Shanghai")
    assert formatted.iloc[0].tolist() == ["2026-11-22T08:00:00", "2026-11-22"]


def test_missing_contract_column_is_reported_and_nothing_written(
    tmp_path: Path, config: Config
) -> None:
    plan = make_plan()
    broken = replace(plan, requirements=plan.requirements.drop(columns=["occupancy"]))
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="requirements: .*occupancy"):
        export_plan(broken, config, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


# --- roster.xlsx ------------------------------------------------------------------------


SHEETS_EN = ["Summary", "Roster", "Coverage phone", "Coverage chat", "Agents", "Wishes", "Inputs"]
SHEETS_ZH = ["概要", "排班表", "覆盖 phone", "覆盖 chat", "坐席", "愿望", "输入"]
GRID_DAYS = {"Sun 11-22": "2026-11-22", "Mon 11-23": "2026-11-23"}


def test_workbook_has_the_planner_sheets_in_order(exported: Path, config: Config) -> None:
    book = openpyxl.load_workbook(exported / "roster.xlsx")
    assert book.sheetnames == SHEETS_EN == xlsx.sheet_names(make_plan(), config)
    assert all(len(name) <= 31 for name in book.sheetnames)


def test_roster_grid_matches_roster_csv(exported: Path) -> None:
    sheet = openpyxl.load_workbook(exported / "roster.xlsx")["Roster"]
    header = [c.value for c in sheet[1]]
    assert header == [
        "ID", "Name", "Team", "Skills", "Contract", "Sun 11-22", "Mon 11-23", "Days", "Paid hours",
    ]  # fmt: skip
    expected = {
        (r["agent_id"], r["date"]): f"{r['shift_start']}-{r['shift_end']}"
        for r in _rows(exported / "roster.csv")
    }
    whole_day_unavailable = {("A3", "2026-11-22")}
    seen = set()
    for row in sheet.iter_rows(min_row=2, max_row=4):
        values = {header[i]: cell.value for i, cell in enumerate(row)}
        for label, date in GRID_DAYS.items():
            key = (values["ID"], date)
            blank = "UNAVAILABLE" if key in whole_day_unavailable else "OFF"
            assert values[label] == expected.get(key, blank), key
            seen.add(key)
    assert set(expected) <= seen
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == "A1:I4"


def test_roster_grid_rows_carry_agent_details_and_paid_hours(exported: Path) -> None:
    sheet = openpyxl.load_workbook(exported / "roster.xlsx")["Roster"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2, max_row=4)]
    assert [r[:5] for r in rows] == [
        ["A1", "张伟", "T1", "phone, chat", "full_time"],
        ["A2", "Li Na", "T1", "phone", "part_time"],
        ["A3", "王芳", None, "chat", "full_time"],
    ]
    assert [(r[7], r[8]) for r in rows] == [(2, 8.0), (1, 7.0), (0, 0.0)]


def test_roster_cells_are_coloured_by_shift_family(exported: Path) -> None:
    sheet = openpyxl.load_workbook(exported / "roster.xlsx")["Roster"]

    def colour(ref: str) -> str:
        return str(sheet[ref].fill.fgColor.rgb)[-6:]

    assert colour("F2") == xlsx.FAMILY_COLOURS["early"][1:]
    # A2's shift has no family in the frame; the template in the config supplies "late".
    assert colour("G3") == xlsx.FAMILY_COLOURS["late"][1:]
    assert colour("G4") == xlsx.OFF_COLOUR[1:]
    assert colour("F4") == xlsx.UNAVAILABLE_COLOUR[1:]


def test_roster_grid_marks_unavailability_with_its_reason(exported: Path) -> None:
    sheet = openpyxl.load_workbook(exported / "roster.xlsx")["Roster"]
    # A3 cannot work on Sunday at all: the cell says so and the note gives the reason.
    assert sheet["F4"].value == "UNAVAILABLE"
    assert sheet["F4"].comment.text == "Unavailable all day: 照顾老人"
    # A2 works Monday 12:00-20:00 but has evening class 18:00-20:00: shift kept, border + note.
    assert sheet["G3"].value == "12:00-20:00"
    assert sheet["G3"].comment.text == "Unavailable 18:00-20:00: 夜校"
    assert sheet["G3"].border.left.style == "medium"
    assert str(sheet["G3"].border.left.color.rgb)[-6:] == xlsx.PARTIAL_BORDER[1:]
    assert sheet["F2"].comment is None and sheet["F2"].border.left.style == "thin"


def test_coverage_sheet_per_channel_is_interval_by_day(exported: Path) -> None:
    book = openpyxl.load_workbook(exported / "roster.xlsx")
    coverage = make_plan().roster.coverage.set_index(["interval_start", "channel"])
    for channel, label in (("phone", "热线 (phone)"), ("chat", "chat (chat)")):
        sheet = book[f"Coverage {channel}"]
        assert sheet["A1"].value.startswith(label)
        assert [sheet.cell(3, c).value for c in (2, 6)] == list(GRID_DAYS)
        assert sheet["A3"].value == "Time"
        assert [c.value for c in sheet[4]][1:9] == [*xlsx_fields(), *xlsx_fields()]
        times = [sheet.cell(r, 1).value for r in range(5, 5 + len(OPEN_HOURS))]
        assert times == [f"{h:02d}:00" for h in OPEN_HOURS]
        for r, hour in enumerate(OPEN_HOURS, start=5):
            for d, date in enumerate(GRID_DAYS.values()):
                want = coverage.loc[(pd.Timestamp(f"{date} {hour:02d}:00"), channel)]
                got = [sheet.cell(r, 2 + 4 * d + k).value for k in range(4)]
                assert got == [
                    want["required"], want["scheduled"], want["gap"],
                    want["expected_service_level"],
                ]  # fmt: skip
        assert sheet.freeze_panes == "B5"
        rules = {
            str(rng.sqref): [r.operator for r in rng.rules] for rng in sheet.conditional_formatting
        }
        assert rules["D5:D10"] == ["lessThan", "greaterThan"]  # gap: short red, over green
        assert rules["E5:E10"] == ["lessThan"]  # expected SL below target
        assert len(sheet._charts) == 1


def xlsx_fields() -> list[str]:
    return ["Required", "Scheduled", "Gap", "Expected SL"]


def test_coverage_timeline_feeds_the_chart_in_time_order(exported: Path) -> None:
    sheet = openpyxl.load_workbook(exported / "roster.xlsx")["Coverage phone"]
    first_column = [c.value for c in sheet["A"]]
    header = first_column.index("Interval start") + 1  # 1-based row of the timeline header
    assert header > 10 + xlsx.CHART_ROWS  # below the grid and the chart
    assert [c.value for c in sheet[header]][:5] == ["Interval start", *xlsx_fields()]
    first, last = header + 1, header + 2 * len(OPEN_HOURS)
    stamps = [sheet.cell(r, 1).value for r in range(first, last + 1)]
    assert stamps == sorted(stamps) and stamps[0] == dt.datetime(2026, 11, 22, 8)
    assert sheet.cell(last + 1, 1).value is None
    assert [sheet.cell(first, c).value for c in (2, 3, 4)] == [2, 0, -2]
    chart = sheet._charts[0]
    assert [series.val.numRef.f for series in chart.series] == [
        f"'Coverage phone'!$B${first}:$B${last}",
        f"'Coverage phone'!$C${first}:$C${last}",
    ]
    assert chart.series[0].cat.numRef.f == f"'Coverage phone'!$A${first}:$A${last}"


def test_summary_sheet_headline_figures(exported: Path) -> None:
    sheet = openpyxl.load_workbook(exported / "roster.xlsx")["Summary"]
    figures = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}
    assert figures["Planning week"] == "2026-11-22 to 2026-11-23 (ISO week 47)"
    assert figures["Agents rostered / total"] == "2 / 3"
    assert figures["Total paid hours"] == 15.0
    assert figures["Under-staffed intervals (gap < 0)"] == 2
    assert figures["Wishes granted / total"] == "2 / 3"
    assert figures["Solver status"] == "FEASIBLE"
    assert figures["Gap"] == pytest.approx(0.02)
    assert figures["Solve time (s)"] == 1.5
    # the per-channel table follows its header row
    labels = [row[0] for row in sheet.iter_rows(values_only=True)]
    phone = list(sheet.iter_rows(values_only=True))[labels.index("phone")]
    assert phone[:6] == ("phone", "热线", 24.0, 21.0, pytest.approx(21 / 24), 2)
    assert phone[8:11] == ("ets", 0.12, 0.18)


def test_agents_sheet_hours_shifts_wishes_and_points(exported: Path) -> None:
    agents = list(openpyxl.load_workbook(exported / "roster.xlsx")["Agents"].values)
    assert agents[0] == (
        "ID", "Name", "Team", "Contract", "Paid hours", "Shifts", "Weekend shifts",
        "Evening shifts (end after 19:00)", "Wishes granted", "Wishes denied",
        "Priority points granted", "Priority points denied", "Points used (budget 12)",
        "Unavailable",
    )  # fmt: skip
    by_id = {row[0]: row for row in agents[1:]}
    assert by_id["A1"][4:] == (8.0, 2, 1, 0, 0, 1, 0, 3, 3, None)
    assert by_id["A2"][4:] == (7.0, 1, 0, 1, 1, 0, 3, 0, 3, "Mon 18:00-20:00 夜校")
    assert by_id["A3"][4:] == (0.0, 0, 0, 0, 1, 0, 1, 0, 1, "Sun all day 照顾老人")


def test_wishes_sheet_lists_every_wish_with_outcome_reason_and_note(exported: Path) -> None:
    wishes = list(openpyxl.load_workbook(exported / "roster.xlsx")["Wishes"].values)
    assert wishes[0] == ("Agent ID", "Name", "Wish", "Priority", "Granted", "Reason", "Note")
    assert wishes[1:] == [
        ("A1", "张伟", "day off 2026-11-23", 3, "no", "needed for coverage", "孩子生日"),
        ("A2", "Li Na", "shift early on Mon", 3, "yes", None, None),
        ("A3", "王芳", "想休息 sun", 1, "yes", None, None),  # no preferences: the roster's text
    ]


def test_inputs_sheet_lists_inputs_channels_and_shifts(exported: Path) -> None:
    sheet = openpyxl.load_workbook(exported / "roster.xlsx")["Inputs"]
    first_column = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert {
        "history",
        "seed",
        "Channels",
        "Shift templates",
        "phone",
        "chat",
        "early",
        "late",
        "wish points budget",
    } <= set(first_column)
    phone = list(sheet.iter_rows(values_only=True))[first_column.index("phone")]
    assert phone[:5] == ("phone", "热线", "voice", "08:00-21:00", 0.8)


def test_every_sheet_prints_one_page_wide(exported: Path) -> None:
    for sheet in openpyxl.load_workbook(exported / "roster.xlsx"):
        # fitToWidth is 1 when absent; fitToHeight 0 lets the pages run down as needed.
        assert sheet.page_setup.fitToWidth in (None, 1), sheet.title
        assert sheet.page_setup.fitToHeight == 0, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title


# --- Chinese ---------------------------------------------------------------------------------


@pytest.fixture
def exported_zh(tmp_path: Path, config: Config) -> Path:
    out = tmp_path / "out-zh"
    export_plan(make_plan(), config, out, lang="zh")
    return out


def test_chinese_workbook_names_sheets_and_headers_in_chinese(
    exported_zh: Path, config: Config
) -> None:
    book = openpyxl.load_workbook(exported_zh / "roster.xlsx")
    assert book.sheetnames == SHEETS_ZH == xlsx.sheet_names(make_plan(), config, "zh")
    roster = book["排班表"]
    assert [c.value for c in roster[1]] == [
        "工号", "姓名", "班组", "技能", "合同", "周日 11-22", "周一 11-23", "上班天数", "带薪工时",
    ]  # fmt: skip
    assert [roster["G4"].value, roster["F4"].value] == ["休", "不可排班"]
    assert roster["F4"].comment.text == "不可排班 全天：照顾老人"
    summary = {row[0]: row[1] for row in book["概要"].iter_rows(values_only=True) if row[0]}
    assert summary["计划周"] == "2026-11-22 至 2026-11-23（ISO 第 47 周）"
    assert summary["求解状态"] == "FEASIBLE"
    coverage = book["覆盖 phone"]
    assert [coverage["A3"].value, *(coverage.cell(4, c).value for c in range(2, 6))] == [
        "时间", "需求", "排班", "缺口", "预计服务水平",
    ]  # fmt: skip
    wishes = list(book["愿望"].values)
    assert wishes[0] == ("工号", "姓名", "愿望", "优先级", "是否满足", "原因", "备注")
    assert wishes[1][2:5] == ("休息：2026-11-23", 3, "否")
    assert wishes[2][2] == "上 early 班：周一"
    assert list(book["坐席"].values)[0][-2:] == ("已用点数（预算 12）", "不可排班时间")


def test_chinese_summary_markdown(exported_zh: Path) -> None:
    text = (exported_zh / "summary.md").read_text(encoding="utf-8")
    assert text.startswith("# 排班计划 — 测试中心\n")
    assert "计划周 2026-11-22 至 2026-11-23（ISO 第 47 周）" in text
    assert "| 周日 2026-11-22 08:00 | phone | 2 | 0 | -2 |" in text
    assert "共 3 个愿望，满足 2 个。" in text
    assert "## 求解器" in text and "FEASIBLE" in text
    # the CSV contract does not change with the language
    assert (
        (exported_zh / "wishes.csv")
        .read_text(encoding="utf-8")
        .startswith(",".join(report.WISH_COLUMNS))
    )


def test_unknown_language_is_refused_before_anything_is_written(
    tmp_path: Path, config: Config
) -> None:
    with pytest.raises(ValueError, match="language 'fr'"):
        export_plan(make_plan(), config, tmp_path / "out", lang="fr")
    assert list(tmp_path.iterdir()) == []


def test_every_text_key_has_both_languages() -> None:
    from wfm.export import i18n

    for lang in i18n.LANGS:
        t = i18n.Text(lang)
        for key in i18n.all_keys():
            assert t(key, **_FIELDS).strip(), (lang, key)
        for name in ("sheet.summary", "sheet.roster", "sheet.agents", "sheet.wishes"):
            assert len(t(name)) <= 31 and not set(t(name)) & set("[]:*?/\\")


_FIELDS = dict.fromkeys(
    [
        *("site", "first", "last", "week", "count", "label", "target", "channel", "budget"),
        *("time", "reason", "shift", "days", "window", "name", "length", "paid", "part"),
        *("whole", "status", "gap", "seconds", "minutes", "objective", "bound", "granted"),
        *("total", "sheet", "what", "missed"),
    ],
    "x",
)


# --- summary.md and figures ------------------------------------------------------------------


def test_summary_markdown_names_status_gap_and_worst_intervals(exported: Path) -> None:
    text = (exported / "summary.md").read_text(encoding="utf-8")
    assert "FEASIBLE" in text
    assert "gap 2.00 %" in text
    assert "| Sun 2026-11-22 08:00 | phone | 2 | 0 | -2 |" in text
    assert "| Mon 2026-11-23 08:00 | phone | 2 | 1 | -1 |" in text
    assert "2 of 3 granted" in text
    assert "### Wishes not granted, per agent" in text
    assert "| A1 | 张伟 | day off 2026-11-23 | 3 | needed for coverage |" in text
    for plot in ("coverage_phone", "forecast_chat"):
        assert f"(plots/{plot}.png)" in text
        assert (exported / "plots" / f"{plot}.png").read_bytes().startswith(b"\x89PNG")


def test_summarise_computes_coverage_service_level_and_wishes(config: Config) -> None:
    summary = summarise(make_plan(), config)
    assert summary.coverage_share == pytest.approx((21 + 12) / (24 + 12))
    phone, chat = summary.channels
    assert (phone.required_agent_hours, phone.scheduled_agent_hours) == (24.0, 21.0)
    # equal workloads: 2 of 12 open phone intervals at 0.5, the rest at 0.9
    assert phone.expected_service_level == pytest.approx((2 * 0.5 + 10 * 0.9) / 12)
    assert chat.understaffed_intervals == 0 and chat.coverage_share == 1.0
    assert summary.worst_intervals["gap"].tolist() == [-2, -1]
    assert summary.wishes_by_priority.to_dict("records") == [
        {"priority": 3, "granted": 1, "total": 2},
        {"priority": 1, "granted": 1, "total": 1},
    ]


def test_service_level_is_weighted_by_workload(config: Config) -> None:
    plan = make_plan()
    busy = plan.requirements["interval_start"].dt.hour == 8
    heavier = plan.requirements.assign(
        contacts=np.where(busy, 100.0, plan.requirements["contacts"])
    )
    phone = summarise(replace(plan, requirements=heavier), config).channels[0]
    expected = (2 * 100 * 0.5 + 10 * 12.345678 * 0.9) / (2 * 100 + 10 * 12.345678)
    assert phone.expected_service_level == pytest.approx(expected)
    assert not math.isnan(phone.expected_service_level)


# --- atomic write ---------------------------------------------------------------------------


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("disk on fire")


@pytest.mark.parametrize(
    ("module", "name"),
    [(xlsx, "write_workbook"), (report, "write_plots"), (report, "write_summary")],
)
def test_failure_midway_leaves_out_dir_untouched(
    tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch, module: object, name: str
) -> None:
    out = tmp_path / "out"
    export_plan(make_plan(status="OPTIMAL"), config, out)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = _snapshot(out)
    monkeypatch.setattr(module, name, _boom)
    rerun = make_plan(status="FEASIBLE", objective=555.0)
    # every file of the rerun differs from the first run's, so any early write would show
    rerun = replace(
        rerun, forecast=replace(rerun.forecast, frame=rerun.forecast.frame.assign(contacts=1.0))
    )
    with pytest.raises(RuntimeError, match="disk on fire"):
        export_plan(rerun, config, out)
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


def test_failure_before_first_export_creates_nothing(
    tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "write_workbook", _boom)
    with pytest.raises(RuntimeError):
        export_plan(make_plan(), config, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_rerun_overwrites_cleanly(tmp_path: Path, config: Config) -> None:
    out = tmp_path / "out"
    export_plan(make_plan(status="FEASIBLE"), config, out)
    (out / "plots" / "coverage_email.png").write_bytes(b"stale")  # a channel since removed
    (out / "agents" / "A9.ics").write_bytes(b"stale")  # an agent since gone
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    export_plan(make_plan(status="OPTIMAL", objective=50.0), config, out)
    assert _files(out) == EXPECTED_FILES | {"notes.txt"}
    text = (out / "summary.md").read_text(encoding="utf-8")
    assert "OPTIMAL" in text and "FEASIBLE" not in text
    summary = openpyxl.load_workbook(out / "roster.xlsx")["Summary"]
    figures = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row[0]}
    assert figures["Objective"] == 50.0
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


# --- the service check (simulation) in the exports ---------------------------------------


def _staffed_assignments(config: Config) -> pd.DataFrame:
    """Five agents on phone and four on chat every open hour, except nobody on phone at
    08:00 on day one: the simulation must find that hour wanting, and the queue it leaves."""
    rows = []
    for stamp in Horizon(START, 2, 60).intervals():
        if stamp.hour not in OPEN_HOURS:
            continue
        phone = 0 if (stamp.day == 22 and stamp.hour == 8) else 5
        rows += [(stamp, f"P{i}", "phone") for i in range(phone)]
        rows += [(stamp, f"C{i}", "chat") for i in range(4)]
    return pd.DataFrame(rows, columns=list(ASSIGNMENT_COLUMNS))


def checked_plan(config: Config) -> PlanResult:
    from wfm.staffing.simulate import check_roster

    plan = make_plan()
    assignments = _staffed_assignments(config)
    check = check_roster(config, assignments, plan.requirements)
    return replace(plan, roster=replace(plan.roster, assignments=assignments), simulation=check)


def test_check_roster_is_reproducible_and_finds_the_empty_hour(config: Config) -> None:
    plan = checked_plan(config)
    again = checked_plan(config)
    assert plan.simulation is not None and again.simulation is not None
    pd.testing.assert_frame_equal(plan.simulation.intervals, again.simulation.intervals)
    assert plan.simulation.replications == config.simulation.replications
    rows = plan.simulation.intervals
    missed = rows[~rows["meets_target"] & (rows["offered"] > 0)]
    # the empty hour, and the next one, which inherits its queue (Erlang cannot see that)
    assert set(zip(missed["interval_start"].astype(str), missed["channel"], strict=True)) == {
        ("2026-11-22 08:00:00", "phone"),
        ("2026-11-22 09:00:00", "phone"),
    }
    phone = rows[rows["channel"] == "phone"].set_index("interval_start")["service_level"]
    assert phone[pd.Timestamp("2026-11-22 08:00")] < 0.05
    assert phone[pd.Timestamp("2026-11-22 08:00")] < phone[pd.Timestamp("2026-11-22 09:00")]


def test_summary_markdown_shows_the_simulated_service(tmp_path: Path, config: Config) -> None:
    plan = checked_plan(config)
    export_plan(plan, config, tmp_path / "out")
    text = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "## Service check (simulation)" in text
    assert "2 interval(s) with contacts miss the target" in text
    assert plan.simulation is not None
    phone = plan.simulation.channels.set_index("channel").loc["phone"]
    line = next(row for row in text.splitlines() if row.startswith("| 热线 (phone)") and "[" in row)
    assert (
        report.ci_text(
            phone["service_level"], phone["service_level_low"], phone["service_level_high"]
        )
        in line
    )
    assert "2 of 12" in line  # missed of the intervals with contacts
    worst = text.split("### Simulated intervals furthest below target", 1)[1]
    assert worst.splitlines()[4].startswith("| Sun 2026-11-22 08:00 | phone |")


def test_simulation_csv_and_workbook_carry_the_check(tmp_path: Path, config: Config) -> None:
    plan = checked_plan(config)
    assert plan.simulation is not None
    export_plan(plan, config, tmp_path / "out")
    frame = pd.read_csv(tmp_path / "out" / "simulation.csv")
    assert tuple(frame.columns) == SIMULATION_COLUMNS
    assert len(frame) == len(plan.simulation.intervals)

    book = openpyxl.load_workbook(tmp_path / "out" / "roster.xlsx")
    sheet = book["Coverage phone"]
    assert [c.value for c in sheet[4]][1:6] == [*xlsx_fields(), "Simulated SL"]
    simulated = plan.simulation.intervals.set_index(["interval_start", "channel"])
    for r, hour in enumerate(OPEN_HOURS, start=5):
        for d, date in enumerate(GRID_DAYS.values()):
            want = simulated.at[(pd.Timestamp(f"{date} {hour:02d}:00"), "phone"), "service_level"]
            assert sheet.cell(r, 2 + 5 * d + 4).value == pytest.approx(want)
    rules = {
        str(rng.sqref): [r.operator for r in rng.rules] for rng in sheet.conditional_formatting
    }
    assert rules["F5:F10"] == ["lessThan"]  # simulated SL below target, orange too

    summary = book["Summary"]
    cells = [c for row in summary.iter_rows() for c in row if c.value is not None]
    assert "Service check (simulation)" in [c.value for c in cells]
    header = next(c for c in cells if c.value == "Simulated SL")  # the per-channel table
    phone_row = next(
        r for r in range(header.row + 1, header.row + 4) if summary.cell(r, 1).value == "phone"
    )
    got = summary.cell(phone_row, header.column).value
    assert got == pytest.approx(
        plan.simulation.channels.set_index("channel").at["phone", "service_level"]
    )


def test_unsimulated_plan_says_so_and_writes_no_simulation_csv(
    tmp_path: Path, config: Config
) -> None:
    export_plan(make_plan(), config, tmp_path / "out")
    assert not (tmp_path / "out" / "simulation.csv").exists()
    text = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "Not simulated (simulation.enabled is false in the config)." in text
