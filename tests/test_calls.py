"""Call-level files: every validation problem located, counting into open intervals, and the
Anonymous Bank's 1999 calls reproducing its published hourly file."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from projectkit import write_project
from wfm.errors import WfmInputError
from wfm.io.calls import (
    CallRecords,
    aggregate_calls,
    is_call_file,
    load_call_history,
    load_calls,
)
from wfm.io.inputs import load_history, load_inputs

BANK = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "anonymous_bank"
HEADER = "call_id,arrival,channel,queue_seconds,outcome,service_seconds,server"


def write(folder: Path, *rows: str, header: str = HEADER, name: str = "calls.csv") -> Path:
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def problems_of(path: Path, **kwargs: object) -> list[str]:
    with pytest.raises(WfmInputError) as caught:
        load_calls(path, **kwargs)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


# --- reading ---------------------------------------------------------------------------------


def test_reads_calls_ignoring_extra_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c2,2024-03-04 09:10:00,phone,12,answered,300,Ann",
        "c1,2024-03-04 09:05:00,phone,40,abandoned,,",
        "c3,2024-03-04T09:20:00,phone,0,other,,",
    )
    calls = load_calls(path, ["phone"])
    frame = calls.frame
    assert list(frame.columns) == [
        "arrival",
        "channel",
        "queue_seconds",
        "outcome",
        "service_seconds",
    ]
    assert list(frame.outcome) == ["abandoned", "answered", "other"]  # sorted by arrival
    assert frame.arrival.iloc[0] == pd.Timestamp("2024-03-04 09:05")
    assert np.isnan(frame.service_seconds.iloc[0])
    assert frame.service_seconds.iloc[1] == 300
    assert calls.channels == ("phone",)
    assert calls.has_queue_times and calls.has_outcomes
    assert calls.notes == ()


def test_service_type_is_the_channel_and_matches_configured_names_ignoring_case(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "2024-03-04 09:00:00,PS,1,answered,60",
        "2024-03-04 09:01:00,Ps,1,answered,60",
        "2024-03-04 09:02:00,PE,1,answered,60",
        "2024-03-04 09:03:00,PE,1,abandoned,",
        "2024-03-04 09:04:00,NW,1,answered,60",
        header="arrival,service_type,queue_seconds,outcome,service_seconds",
    )
    calls = load_calls(path, ["nw", "ps", "email"])
    assert calls.channels == ("nw", "ps")  # configured order; email has no calls
    assert sorted(calls.frame.channel) == ["nw", "ps", "ps"]
    assert calls.notes == (
        f"{path}: 2 call(s) of types that are not configured channels skipped: PE 2",
    )
    everything = load_calls(path)  # no configured channels: every type, lower-cased
    assert everything.channels == ("nw", "pe", "ps")


def test_minimal_file_takes_every_call_as_answered(tmp_path: Path) -> None:
    path = write(tmp_path, "2024-03-04 09:00:00,phone", header="arrival,channel")
    calls = load_calls(path)
    assert list(calls.frame.outcome) == ["answered"]
    assert not calls.has_queue_times and not calls.has_outcomes
    assert calls.notes == (f"{path}: no outcome column; every call is taken as answered",)


def test_reads_gzip_and_tells_a_call_file_from_a_history(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("arrival,channel,outcome\n2024-03-04 09:00:00,phone,answered\n")
    history = write(tmp_path, "2024-03-04T09:00,phone,3", header="timestamp,channel,contacts")
    assert is_call_file(path) and not is_call_file(history)
    assert not is_call_file(tmp_path / "missing.csv")
    assert len(load_calls(path).frame) == 1


# --- every problem, located ------------------------------------------------------------------


def test_every_row_problem_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c1,2024-03-04 09:00:00,phone,10,answered,200,",
        "c2,2024-13-04 09:00:00,phone,10,answered,200,",
        "",  # a blank line keeps its number and is skipped
        "c3,,phone,10,answered,200,",
        "c4,2024-03-04 09:00:00,,10,answered,200,",
        "c5,2024-03-04 09:00:00,phone,-3,abandoned,,",
        "c6,2024-03-04 09:00:00,phone,10,answered,ten,",
        "c7,2024-03-04 09:00:00,phone,10,hung up,,",
        "c8,soon,phone,x,maybe,,",
    )
    name = str(path)
    assert problems_of(path, channels=["phone"]) == [
        f"{name}:3: arrival: '2024-13-04 09:00:00' is not a date and time (YYYY-MM-DD HH:MM:SS)",
        f"{name}:5: arrival: '' is blank; every call needs one",
        f"{name}:6: channel: '' is blank; every call needs one",
        f"{name}:7: queue_seconds: '-3' is negative; durations are seconds >= 0",
        f"{name}:8: service_seconds: 'ten' is not a number of seconds",
        f"{name}:9: outcome: 'hung up' is not an outcome; use answered, abandoned, other",
        f"{name}:10: arrival: 'soon' is not a date and time (YYYY-MM-DD HH:MM:SS)",
        f"{name}:10: queue_seconds: 'x' is not a number of seconds",
        f"{name}:10: outcome: 'maybe' is not an outcome; use answered, abandoned, other",
    ]


def test_arrivals_outside_the_window_are_problems(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c1,2024-03-03 23:59:59,phone,0,answered,60,",
        "c2,2024-03-04 00:00:00,phone,0,answered,60,",
        "c3,2024-03-11 00:00:00,phone,0,answered,60,",
    )
    window = (dt.datetime(2024, 3, 4), dt.datetime(2024, 3, 11))
    outside = "is outside 2024-03-04 00:00:00 to 2024-03-11 00:00:00 (end excluded)"
    assert problems_of(path, window=window) == [
        f"{path}:2: arrival: '2024-03-03 23:59:59' {outside}",
        f"{path}:4: arrival: '2024-03-11 00:00:00' {outside}",
    ]


def test_problems_are_capped_with_a_count_of_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, *[f"c{i},2024-03-04 09:00:00,phone,-1,answered,60," for i in range(70)])
    found = problems_of(path)
    assert len(found) == 51
    assert found[0] == f"{path}:2: queue_seconds: '-1' is negative; durations are seconds >= 0"
    assert found[-1] == f"{path}: 20 more problem(s) not listed"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "empty file; expected a header line"),
        (
            "when,queue\n2024-03-04 09:00:00,PS\n",
            ":1: header needs column(s) arrival, channel (or service_type) "
            "(found: ['when', 'queue'])",
        ),
        ("arrival,channel\n2024-03-04 09:00:00,a,b\n", ":2: more fields than the header has"),
        (
            "arrival,channel\n2024-03-04 09:00:00,phone\n2024-03-04 09:01:00,phone,extra\n",
            ":3: expected 2 fields, found 3",
        ),
        ("arrival,channel\n", "no calls"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(content, encoding="utf-8")
    (problem,) = problems_of(path)
    assert problem.startswith(str(path)) and problem.endswith(expected)


def test_missing_file_bad_gzip_and_only_unconfigured_types(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "none.csv") == [f"{tmp_path / 'none.csv'}: file not found"]
    fake = tmp_path / "calls.csv.gz"
    fake.write_text("arrival,channel\n", encoding="utf-8")
    (problem,) = problems_of(fake)
    assert problem.startswith(f"{fake}: cannot read")
    path = write(tmp_path, "2024-03-04 09:00:00,PE", header="arrival,service_type")
    assert problems_of(path, channels=["ps"]) == [
        f"{path}: no call of a configured channel (ps); the file has types PE"
    ]


# --- counting into open intervals ------------------------------------------------------------

DAY_HEADER = "arrival,channel,queue_seconds,outcome,service_seconds"
DAY_ROWS = (
    # 2024-03-04: first answered arrival at or after 06:00 is 07:50, last 09:40
    "2024-03-04 05:30:00,phone,0,answered,100",  # before 06:00: opens nothing, not counted
    "2024-03-04 07:40:00,phone,30,abandoned,",  # before the first answered call's quarter
    "2024-03-04 07:50:00,phone,0,answered,100",
    "2024-03-04 07:55:00,chat,5,answered,0",  # service 0: a contact, but no handle time
    "2024-03-04 08:10:00,phone,20,abandoned,",
    "2024-03-04 08:20:00,phone,0,answered,300",
    "2024-03-04 08:25:00,phone,4,other,",
    "2024-03-04 09:40:00,chat,0,answered,200",
    "2024-03-04 09:50:00,phone,60,abandoned,",  # after the last answered call's quarter
    # 2024-03-05 has no record at all; 2024-03-06 only a call that hung up
    "2024-03-06 10:00:00,phone,10,abandoned,",
)


@pytest.fixture
def day_calls(tmp_path: Path) -> CallRecords:
    path = write(tmp_path, *DAY_ROWS, header=DAY_HEADER)
    return load_calls(path, ["phone", "chat"])


def rows(history: pd.DataFrame) -> list[tuple[str, str, float, float | None]]:
    return [
        (
            row.channel,
            f"{row.interval_start:%H:%M}",
            row.contacts,
            None if np.isnan(row.aht_seconds) else row.aht_seconds,
        )
        for row in history.itertuples(index=False)
    ]


def test_hourly_rows_cover_the_open_hours_of_each_date(day_calls: CallRecords) -> None:
    history = aggregate_calls(day_calls, 60)
    assert list(history.columns) == ["interval_start", "channel", "contacts", "aht_seconds"]
    assert set(history.interval_start.dt.date) == {dt.date(2024, 3, 4)}  # other days: no rows
    assert rows(history) == [
        ("chat", "07:00", 1.0, None),
        ("chat", "08:00", 0.0, None),
        ("chat", "09:00", 1.0, 200.0),
        ("phone", "07:00", 2.0, 100.0),
        ("phone", "08:00", 3.0, 300.0),
        ("phone", "09:00", 1.0, None),
    ]


def test_half_hour_rows(day_calls: CallRecords) -> None:
    assert rows(aggregate_calls(day_calls, 30)) == [
        ("chat", "07:30", 1.0, None),
        ("chat", "08:00", 0.0, None),
        ("chat", "08:30", 0.0, None),
        ("chat", "09:00", 0.0, None),
        ("chat", "09:30", 1.0, 200.0),
        ("phone", "07:30", 2.0, 100.0),
        ("phone", "08:00", 3.0, 300.0),
        ("phone", "08:30", 0.0, None),
        ("phone", "09:00", 0.0, None),
        ("phone", "09:30", 1.0, None),
    ]


def test_quarter_hour_rows_and_what_was_left_out(day_calls: CallRecords, tmp_path: Path) -> None:
    history = aggregate_calls(day_calls, 15)
    assert history.interval_start.min() == pd.Timestamp("2024-03-04 07:45")
    assert history.interval_start.max() == pd.Timestamp("2024-03-04 09:30")
    assert len(history) == 2 * 8
    phone = history[history.channel == "phone"].set_index("interval_start").contacts
    assert phone[phone > 0].to_dict() == {
        pd.Timestamp("2024-03-04 07:45"): 1.0,
        pd.Timestamp("2024-03-04 08:00"): 1.0,
        pd.Timestamp("2024-03-04 08:15"): 2.0,
    }
    loaded = load_call_history(tmp_path / "calls.csv", ["phone", "chat"], 15)
    pd.testing.assert_frame_equal(loaded.frame, history)
    assert loaded.notes[-1] == (
        f"{tmp_path / 'calls.csv'}: 4 call(s) outside the open intervals (per date, from the "
        "first to the last answered arrival, from 06:00) not counted"
    )


def test_interval_must_divide_a_day(day_calls: CallRecords) -> None:
    with pytest.raises(ValueError, match="divide a day"):
        aggregate_calls(day_calls, 7)


def test_load_history_counts_a_call_file_at_the_planning_interval(tmp_path: Path) -> None:
    path = write(tmp_path, *DAY_ROWS, header=DAY_HEADER)
    history = load_history(path, ["phone", "chat"], interval_minutes=30)
    pd.testing.assert_frame_equal(history, aggregate_calls(load_calls(path, ["phone", "chat"]), 30))
    assert set(load_history(path, []).channel) == {"chat", "phone"}  # no channels: the file's


def test_a_config_can_point_its_history_at_a_call_file(tmp_path: Path) -> None:
    config_path = write_project(tmp_path, weeks=3)
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["history"] = "data/calls.csv.gz"
    config["planning"]["interval_minutes"] = 30
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    lines = ["arrival,channel,queue_seconds,outcome,service_seconds"]
    for day in pd.date_range("2026-11-02", "2026-11-22", freq="D"):
        for channel in ("PHONE", "Chat", "email"):
            for minute in range(9 * 60, 18 * 60, 20):
                stamp = day + pd.Timedelta(minutes=minute)
                lines.append(f"{stamp:%Y-%m-%d %H:%M:%S},{channel},5,answered,240")
    with gzip.open(tmp_path / "data" / "calls.csv.gz", "wt", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    inputs = load_inputs(config_path)
    history = inputs.history
    assert set(history.channel) == {"phone", "chat", "email"}
    assert len(history) == 3 * 21 * 18  # 09:00-17:30 every day, in half hours
    assert history.interval_start.dt.minute.isin([0, 30]).all()
    assert history.groupby("channel").contacts.sum().to_dict() == {
        "chat": 21 * 27.0,
        "email": 21 * 27.0,
        "phone": 21 * 27.0,
    }
    assert (history.aht_seconds == 240).all()


# --- the Anonymous Bank, 1999 ----------------------------------------------------------------

needs_bank = pytest.mark.skipif(
    not (BANK / "calls_1999.csv.gz").exists(), reason="shared Anonymous Bank data not present"
)
BANK_CHANNELS = ["ps", "nw", "ne", "in", "tt"]


@pytest.fixture(scope="module")
def bank_calls() -> CallRecords:
    return load_calls(BANK / "calls_1999.csv.gz")


@needs_bank
def test_bank_outcomes_per_type_match_the_readme(bank_calls: CallRecords) -> None:
    counts = bank_calls.frame.groupby(["channel", "outcome"]).size().unstack(fill_value=0)
    assert counts.loc[:, ["answered", "abandoned", "other"]].to_dict("index") == {
        "ps": {"answered": 160_383, "abandoned": 23_811, "other": 1_727},
        "nw": {"answered": 27_522, "abandoned": 14_310, "other": 209},
        "ne": {"answered": 21_820, "abandoned": 2_198, "other": 95},
        "tt": {"answered": 8_302, "abandoned": 521, "other": 401},
        "in": {"answered": 4_600, "abandoned": 1_492, "other": 67},
        "pe": {"answered": 799, "abandoned": 240, "other": 12},
    }
    assert len(bank_calls.frame) == 268_509


@needs_bank
def test_bank_calls_counted_hourly_reproduce_the_hourly_file(bank_calls: CallRecords) -> None:
    frame = bank_calls.frame
    five = CallRecords(
        bank_calls.source,
        frame[frame.channel.isin(BANK_CHANNELS)],
        tuple(BANK_CHANNELS),
        bank_calls.columns,
    )
    history = aggregate_calls(five, 60)
    expected = pd.read_csv(BANK / "hourly_1999.csv", parse_dates=["timestamp"])
    expected = expected.sort_values(["channel", "timestamp"]).reset_index(drop=True)
    assert len(history) == len(expected) == 16_335
    assert (history.interval_start == expected.timestamp).all()
    assert (history.channel == expected.channel).all()
    assert (history.contacts == expected.contacts).all()
    assert history.groupby("channel").contacts.sum().to_dict() == {
        "ps": 185_786,
        "nw": 42_001,
        "ne": 24_112,
        "in": 6_158,
        "tt": 9_213,
    }
    # the hourly file rounds aht_seconds to 0.1 s
    assert (history.aht_seconds.isna() == expected.aht_seconds.isna()).all()
    difference = (history.aht_seconds - expected.aht_seconds).abs().dropna()
    assert difference.max() <= 0.05 + 1e-9


@needs_bank
def test_bank_file_as_history_skips_pe_with_a_note() -> None:
    loaded = load_call_history(BANK / "calls_1999.csv.gz", BANK_CHANNELS, 60)
    assert len(loaded.frame) == 16_335
    assert "PE 1,051" in loaded.notes[0]
    assert "188 call(s) outside the open intervals" in loaded.notes[1]
