"""The bundled demo data (made by scripts/make_demo_data.py) is valid and looks realistic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml

from wfm.domain import Agent, AgentPreferences
from wfm.io.config_file import load_config

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
OUTAGE_DAY = dt.date(2025, 8, 14)


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "history.csv")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], format="%Y-%m-%dT%H:%M:%S")
    return frame


@pytest.fixture(scope="module")
def agents() -> list[Agent]:
    records = yaml.safe_load((DATA / "agents.yaml").read_text(encoding="utf-8"))
    return [Agent.model_validate(record) for record in records]


@pytest.fixture(scope="module")
def preferences() -> dict[str, AgentPreferences]:
    result = {}
    for path in sorted((DATA / "preferences").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        result[path.stem] = AgentPreferences.model_validate(data)
    return result


def _daily(history: pd.DataFrame, channel: str) -> pd.Series:
    rows = history[history["channel"] == channel]
    return rows.groupby(rows["timestamp"].dt.normalize())["contacts"].sum()


# --------------------------------------------------------------------------- history


def test_history_columns_and_types(history: pd.DataFrame) -> None:
    assert list(history.columns) == ["timestamp", "channel", "contacts", "aht_seconds"]
    assert set(history["channel"]) == {"phone", "chat", "social"}
    assert pd.api.types.is_integer_dtype(history["contacts"])
    assert (history["contacts"] >= 0).all()
    assert history["aht_seconds"].notna().all() and (history["aht_seconds"] > 0).all()
    assert not history.duplicated(["timestamp", "channel"]).any()


def test_history_is_hourly_and_spans_two_years(history: pd.DataFrame) -> None:
    ts = history["timestamp"]
    assert (ts.dt.minute == 0).all() and (ts.dt.second == 0).all()
    assert ts.min() == pd.Timestamp("2024-11-25 08:00")
    assert ts.max() == pd.Timestamp("2026-11-22 20:00")
    for _, rows in history.groupby("channel"):
        per_day = rows.groupby(rows["timestamp"].dt.normalize())["timestamp"]
        # within a day the hours are consecutive: no holes inside the opening hours
        assert (
            per_day.count() == per_day.agg(lambda s: s.dt.hour.max() - s.dt.hour.min() + 1)
        ).all()


def test_history_only_in_opening_hours(history: pd.DataFrame) -> None:
    config = load_config(ROOT / "configs" / "wfm.yaml")
    for channel, rows in history.groupby("channel"):
        windows = config.channels[channel].windows()
        minutes = rows["timestamp"].dt.hour * 60
        weekday = rows["timestamp"].dt.day_of_week
        inside = pd.Series(False, index=rows.index)
        for day, day_windows in windows.items():
            for start, end in day_windows:
                inside |= (weekday == day) & (minutes >= start) & (minutes < end)
        assert inside.all(), f"{channel}: rows outside opening hours"
        # and every open hour of a recorded day is there (Sunday social: 09..17)
        hours = rows.groupby(weekday)["timestamp"].agg(lambda s: sorted(set(s.dt.hour)))
        for day, day_windows in windows.items():
            expected = sorted(
                h for start, end in day_windows for h in range(start // 60, end // 60)
            )
            assert hours[day] == expected


def test_outage_day_is_missing_not_zero(history: pd.DataFrame) -> None:
    dates = set(history["timestamp"].dt.date)
    assert OUTAGE_DAY not in dates
    assert OUTAGE_DAY - dt.timedelta(days=1) in dates
    assert OUTAGE_DAY + dt.timedelta(days=1) in dates
    expected = pd.date_range("2024-11-25", "2026-11-22", freq="D").date
    assert set(expected) - dates == {OUTAGE_DAY}


def test_channel_shares(history: pd.DataFrame) -> None:
    shares = history.groupby("channel")["contacts"].sum() / history["contacts"].sum()
    assert 0.55 <= shares["phone"] <= 0.65
    assert 0.25 <= shares["chat"] <= 0.35
    assert 0.07 <= shares["social"] <= 0.13


def test_weekly_pattern(history: pd.DataFrame) -> None:
    daily = _daily(history, "phone")
    by_weekday = daily.groupby(daily.index.day_of_week).mean()
    assert by_weekday[0] > by_weekday[2] > by_weekday[6]
    assert 1500 < by_weekday[:5].mean() < 3000  # roughly 2,200 calls on a weekday
    assert 0.5 < by_weekday[5:].mean() / by_weekday[:5].mean() < 0.8


def test_morning_peak_on_weekdays(history: pd.DataFrame) -> None:
    phone = history[(history["channel"] == "phone") & (history["timestamp"].dt.day_of_week < 5)]
    by_hour = phone.groupby(phone["timestamp"].dt.hour)["contacts"].mean()
    assert by_hour.idxmax() == 10
    assert by_hour[12] < by_hour[11] and by_hour[12] < by_hour[14]  # lunch dip
    assert by_hour.loc[18:].min() > 0.25 * by_hour.max()  # evening duty is real


@pytest.mark.parametrize("year", [2025, 2026])
def test_double_11_lifts_volume(history: pd.DataFrame, year: int) -> None:
    event = pd.Timestamp(year, 11, 11)
    for channel in ("phone", "chat", "social"):
        daily = _daily(history, channel)
        assert daily[event] > 1.5 * daily[event - pd.Timedelta(days=7)], channel


def test_public_holidays_are_quiet(history: pd.DataFrame) -> None:
    daily = _daily(history, "phone")
    national_day = daily[pd.Timestamp("2025-10-02")]
    assert national_day < 0.7 * daily[pd.Timestamp("2025-10-16")]  # same weekday, two weeks on


# --------------------------------------------------------------------------- agents


def test_agents(agents: list[Agent]) -> None:
    config = load_config(ROOT / "configs" / "wfm.yaml")
    ids = [a.id for a in agents]
    assert len(ids) == len(set(ids))
    assert 90 <= len(agents) <= 110
    for agent in agents:
        assert agent.contract in config.contracts
        assert set(agent.skills) <= set(config.channels)
        assert agent.name and agent.team
    part_time = sum(a.contract == "part_time" for a in agents)
    assert 8 <= part_time <= 16
    assert sum("social" in a.skills for a in agents) >= 15


def test_preferences_match_agents_and_contracts(
    agents: list[Agent], preferences: dict[str, AgentPreferences]
) -> None:
    config = load_config(ROOT / "configs" / "wfm.yaml")
    by_id = {a.id: a for a in agents}
    assert 60 <= len(preferences) <= 90
    for stem, prefs in preferences.items():
        assert stem == prefs.agent_id
        assert prefs.agent_id in by_id
        allowed = config.contracts[by_id[prefs.agent_id].contract].shifts
        for wish in prefs.wishes:
            for shift in (wish.shift, wish.avoid_shift):
                if shift is not None:
                    assert allowed is None or shift in allowed, (stem, shift)
        assert prefs.wishes or prefs.unavailable, stem


def test_unavailability_is_modest(preferences: dict[str, AgentPreferences]) -> None:
    week = [dt.date(2026, 11, 23) + dt.timedelta(days=i) for i in range(7)]
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    with_absence = 0
    for prefs in preferences.values():
        days = set()
        for entry in prefs.unavailable:
            assert entry.reason.strip()
            for ref in entry.days:
                days.add(ref if isinstance(ref, dt.date) else week[names.index(ref)])
        assert days <= set(week)
        assert len(days) <= 2, prefs.agent_id
        with_absence += bool(days)
    assert 10 <= with_absence <= 20
