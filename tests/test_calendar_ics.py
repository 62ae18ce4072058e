"""Per-agent calendars: agents/<agent_id>.ics with each shift in the site's time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd
import pytest

from test_export import make_config, make_plan
from wfm.export import export_plan
from wfm.export.calendar import calendar_name

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _events(path: Path) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return list(calendar.walk("VEVENT"))


@pytest.fixture
def out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    export_plan(make_plan(), make_config(), out)
    return out


def test_one_calendar_per_agent_with_one_event_per_shift(out: Path) -> None:
    assert sorted(p.name for p in (out / "agents").iterdir()) == ["A1.ics", "A2.ics", "A3.ics"]
    shifts = pd.read_csv(out / "roster.csv")
    for agent_id in ("A1", "A2", "A3"):
        events = _events(out / "agents" / f"{agent_id}.ics")
        own = shifts[shifts.agent_id == agent_id]
        starts = [e.decoded("dtstart").replace(tzinfo=None) for e in events]
        expected = [
            dt.datetime.fromisoformat(f"{d}T{s}")
            for d, s in zip(own.date, own.shift_start, strict=True)
        ]
        assert starts == expected
        assert len({str(e["uid"]) for e in events}) == len(events)


def test_events_carry_times_zone_shift_and_breaks(out: Path) -> None:
    calendar = icalendar.Calendar.from_ical((out / "agents" / "A2.ics").read_bytes())
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert "Li Na" in str(calendar["x-wr-calname"])
    (event,) = calendar.walk("VEVENT")
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == dt.datetime(2026, 11, 23, 12, tzinfo=SHANGHAI)
    assert end == dt.datetime(2026, 11, 23, 20, tzinfo=SHANGHAI)
    assert start.tzinfo is not None and start.utcoffset() == dt.timedelta(hours=8)
    assert str(event["summary"]) == "Shift late 12:00-20:00"
    assert str(event["description"]) == "Breaks: 15:00-16:00"
    assert str(event["location"]) == "测试中心"
    assert b"TZID=Asia/Shanghai:20261123T120000" in (out / "agents" / "A2.ics").read_bytes()


def test_agent_without_shifts_gets_a_valid_empty_calendar(out: Path) -> None:
    calendar = icalendar.Calendar.from_ical((out / "agents" / "A3.ics").read_bytes())
    assert str(calendar["version"]) == "2.0" and not list(calendar.walk("VEVENT"))


def test_time_zone_comes_from_the_site(tmp_path: Path) -> None:
    config = make_config()
    berlin = config.model_copy(
        update={"site": config.site.model_copy(update={"timezone": "Europe/Berlin"})}
    )
    export_plan(make_plan(), berlin, tmp_path / "out")
    (first, _) = _events(tmp_path / "out" / "agents" / "A1.ics")
    assert first.decoded("dtstart") == dt.datetime(
        2026, 11, 22, 8, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert first.decoded("dtstart").utcoffset() == dt.timedelta(hours=1)


def test_shift_past_midnight_ends_the_next_day(tmp_path: Path) -> None:
    plan = make_plan()
    night = plan.roster.shifts.copy()
    night.loc[0, ["shift_start", "shift_end"]] = ["22:00", "06:00"]
    plan = replace(plan, roster=replace(plan.roster, shifts=night))
    export_plan(plan, make_config(), tmp_path / "out")
    first = _events(tmp_path / "out" / "agents" / "A1.ics")[0]
    assert first.decoded("dtend") - first.decoded("dtstart") == dt.timedelta(hours=8)
    assert first.decoded("dtend").date() == dt.date(2026, 11, 23)


def test_chinese_calendar_and_safe_file_names(tmp_path: Path) -> None:
    export_plan(make_plan(), make_config(), tmp_path / "out", lang="zh")
    first = _events(tmp_path / "out" / "agents" / "A1.ics")[0]
    assert str(first["summary"]) == "班次 early 08:00-12:00"
    assert calendar_name("T1/张伟 ") == "T1_张伟.ics"
    assert calendar_name("..") == "agent.ics"
