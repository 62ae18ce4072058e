"""The forecast on a centre that does not work Monday to Friday: the Anonymous Bank, 1999.

Sunday–Thursday all day, Friday mornings, Saturday evenings only, closed on Israeli holidays;
history January–July (August is missing from the data), forecasting September, five weeks
after the end of history. Opening hours are learned from history (`hours: learn`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from wfm.calendar_days import closed_dates, open_mask
from wfm.config import Config
from wfm.domain import ForecastResult, Horizon
from wfm.forecast import forecast, lead_weeks
from wfm.forecast.backtest import fold_starts, held_out_weeks
from wfm.forecast.features import Calendar, CalendarDesign
from wfm.opening import resolve_learned_hours

HOURLY = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "anonymous_bank"
    / "hourly_1999.csv"
)

CHANNELS = ("ps", "nw", "ne", "in", "tt")
SCORED = ("ps", "ne", "nw")
WEEK = dt.date(1999, 9, 5)  # a Sunday: the centre's week starts on Sunday
HISTORY_END = pd.Timestamp("1999-08-01")
SHIFT = {"name": "d", "length_minutes": 480, "earliest_start": "07:00", "latest_start": "16:00"}


def centre_week_hours(first: str, weeks: int) -> pd.DatetimeIndex:
    """Sunday–Thursday 07-24, Friday 07-14, Saturday 21-24: the bank's week, synthetic."""
    index = pd.date_range(first, periods=weeks * 7 * 24, freq="h")
    day, hour = np.asarray(index.day_of_week), np.asarray(index.hour)
    long_day = np.isin(day, [6, 0, 1, 2, 3]) & (hour >= 7)
    return index[long_day | ((day == 4) & (hour >= 7) & (hour < 14)) | ((day == 5) & (hour >= 21))]


def test_fold_weeks_start_on_the_plan_s_weekday() -> None:
    index = centre_week_hours("1999-05-02", 13)  # Sun 2 May .. Sat 31 Jul
    weekdays = frozenset(range(7))

    sundays = fold_starts(index, weekdays, 3, first_weekday=6)
    assert sundays == [pd.Timestamp(d) for d in ("1999-07-11", "1999-07-18", "1999-07-25")]
    # Monday weeks: the last one (26 Jul .. 1 Aug) is not complete, Sunday 1 Aug is a work day
    assert fold_starts(index, weekdays, 1)[-1] == pd.Timestamp("1999-07-19")
    # five weeks of lead need five more weeks of history before the first fold
    assert fold_starts(index, weekdays, 20, first_weekday=6)[0] == pd.Timestamp("1999-05-30")
    assert fold_starts(index, weekdays, 20, 6, lead_weeks=5)[0] == pd.Timestamp("1999-07-04")


def test_the_backtest_keeps_the_plan_s_lead() -> None:
    """History to Saturday 31 July, a plan from Sunday 5 September: each held-out week is
    forecast from data ending five weeks before it."""
    index = centre_week_hours("1999-05-02", 13)
    y = pd.Series(10.0, index=index)
    assert lead_weeks(index, Horizon(dt.date(1999, 9, 5), 7, 60)) == 5
    assert lead_weeks(index, Horizon(dt.date(1999, 8, 1), 7, 60)) == 0
    assert lead_weeks(index, Horizon(dt.date(1999, 8, 2), 7, 60)) == 0

    seen: list[tuple[pd.Timestamp, pd.Timestamp]] = []

    def design_for(
        train: pd.DatetimeIndex, test: pd.DatetimeIndex, origin: pd.Timestamp
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        seen.append((train.max(), origin))
        design = CalendarDesign.learn(train, Calendar(), 60, origin)
        return design.matrix(train), design.matrix(test)

    start = pd.Timestamp("1999-07-25")
    held_out_weeks(y, [start], design_for, ["seasonal_naive"], 1, lead_weeks=5)
    assert seen == [(pd.Timestamp("1999-06-19 23:00"), start)]


def test_a_trend_is_not_ridden_across_a_gap_in_history() -> None:
    index = centre_week_hours("1999-01-03", 30)  # to Sat 31 Jul
    design = CalendarDesign.learn(index, Calendar(), 60, pd.Timestamp("1999-09-05"))
    later = pd.DatetimeIndex(["1999-08-05 10:00", "1999-09-05 10:00", "1999-09-30 10:00"])
    trend = design.matrix(later)["trend_weeks"].to_numpy()

    assert trend[0] < trend[1]
    assert trend[1] == trend[2]  # held flat a week past the last day of history
    assert trend[1] == pytest.approx((pd.Timestamp("1999-08-08") - design.origin).days / 7)


@pytest.fixture(scope="module")
def bank() -> pd.DataFrame:
    """The hourly file in the shape `load_history` returns (all of 1999 that is there)."""
    if not HOURLY.exists():
        pytest.skip("needs ../shared/data/anonymous_bank/hourly_1999.csv")
    raw = pd.read_csv(HOURLY, parse_dates=["timestamp"])
    frame = pd.DataFrame(
        {
            "interval_start": raw["timestamp"],
            "channel": raw["channel"],
            "contacts": raw["contacts"].astype(float),
            "aht_seconds": raw["aht_seconds"].astype(float),
        }
    )
    return frame.sort_values(["channel", "interval_start"], kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def history(bank: pd.DataFrame) -> pd.DataFrame:
    return bank[bank["interval_start"] < HISTORY_END].reset_index(drop=True)


def bank_config(hours: Any, week: dt.date, channels: tuple[str, ...] = CHANNELS, **extra: Any):
    return Config.model_validate(
        {
            "site": {"name": "Anonymous Bank", "timezone": "Asia/Jerusalem", "country": "IL"}
            | extra.pop("site", {"closed_on_holidays": True}),
            "planning": {"week_start": week.isoformat(), "days": 7, "interval_minutes": 60},
            "channels": {
                name: {"kind": "voice", "aht_seconds": 180, "hours": hours} for name in channels
            },
            "shifts": [SHIFT],
            **extra,
        }
    )


@pytest.fixture(scope="module")
def september(history: pd.DataFrame) -> tuple[Config, list[str], ForecastResult]:
    config, notices = resolve_learned_hours(bank_config("learn", WEEK), history)
    result = forecast(history, config, Horizon(WEEK, 7, 60))
    return config, notices, result


def channel_frame(result: ForecastResult, channel: str) -> pd.DataFrame:
    frame = result.frame[result.frame["channel"] == channel]
    return frame.set_index("interval_start")


def test_opening_hours_are_learned_from_the_last_eight_weeks(
    september: tuple[Config, list[str], ForecastResult],
) -> None:
    config, notices, _ = september
    windows = config.channels["ps"].windows()

    assert len(notices) == len(CHANNELS)
    assert notices[0].startswith(
        "ps: opening hours learned from the 8 weeks to 1999-07-31: sun-thu"
    )
    for weekday in (6, 0, 1, 2, 3):  # Sunday to Thursday: early morning to midnight
        ((start, end),) = windows[weekday]
        assert start <= 7 * 60 and end == 24 * 60
    ((start, end),) = windows[4]  # Friday: a morning
    assert start <= 7 * 60 and 14 * 60 <= end <= 15 * 60
    assert windows[5] == [(21 * 60, 24 * 60)]  # Saturday: the evening only (summer hours)


def test_closed_hours_are_exactly_zero(
    september: tuple[Config, list[str], ForecastResult],
) -> None:
    config, _, result = september
    holidays = closed_dates(config, WEEK, WEEK + dt.timedelta(days=7))
    for channel in CHANNELS:
        frame = channel_frame(result, channel)
        is_open = open_mask(config.channels[channel], pd.DatetimeIndex(frame.index), holidays)
        closed = frame[~is_open]
        assert len(frame) == 7 * 24
        assert (closed[["contacts", "lower", "upper"]].to_numpy() == 0).all(), channel
    ps = channel_frame(result, "ps")
    ps_open = open_mask(config.channels["ps"], pd.DatetimeIndex(ps.index), holidays)
    assert (ps["contacts"][ps_open] > 0).all()


def test_friday_and_saturday_follow_the_centre_s_week(
    september: tuple[Config, list[str], ForecastResult],
) -> None:
    ps = channel_frame(september[2], "ps")["contacts"]
    day = ps.groupby(ps.index.date).sum()
    friday = ps[ps.index.date == dt.date(1999, 9, 10)]

    assert (friday[friday.index.hour >= 15] == 0).all()
    assert (friday[(friday.index.hour >= 8) & (friday.index.hour < 13)] > 10).all()
    assert day[dt.date(1999, 9, 10)] < 0.6 * day[dt.date(1999, 9, 5)]
    # Sunday is a full working day, not a weekend
    assert (ps[ps.index.date == dt.date(1999, 9, 5)].between_time("08:00", "23:00") > 10).all()
    # Saturday 11 September is Rosh Hashana: closed even in the evening
    assert day[dt.date(1999, 9, 11)] == 0


def test_holidays_are_closed_when_the_site_closes_on_them(history: pd.DataFrame) -> None:
    """Rosh Hashana (Sun 12 Sep) and Yom Kippur (Mon 20 Sep) come from the `holidays` package
    for country IL; the stated hours would open both days."""
    start = dt.date(1999, 9, 12)
    hours = {"default": "07:00-24:00", "fri": "07:00-14:00", "sat": "21:00-24:00"}
    cheap = {"models": ["seasonal_naive"], "backtest_weeks": 0, "selection_weeks": 1}
    daily = {}
    for closes in (True, False):
        config = bank_config(
            hours, start, ("ps",), site={"closed_on_holidays": closes}, forecast=cheap
        )
        result = forecast(history, config, Horizon(start, 14, 60))
        ps = channel_frame(result, "ps")["contacts"]
        daily[closes] = ps.groupby(ps.index.date).sum()

    for holiday in (dt.date(1999, 9, 12), dt.date(1999, 9, 20)):
        assert daily[True][holiday] == 0
        assert daily[False][holiday] > 500
    assert daily[True][dt.date(1999, 9, 13)] > 500


def test_the_missing_month_is_missing_not_zero(
    september: tuple[Config, list[str], ForecastResult], history: pd.DataFrame
) -> None:
    """Nothing between 1 August and the plan, and 11–12 January absent: read as zeros, these
    would drag the level down."""
    ps = history[history["channel"] == "ps"].set_index("interval_start")["contacts"]
    july = ps[(ps.index >= "1999-07-04") & (ps.index < "1999-08-01")]
    weekly = float(july.sum()) / 4
    planned = float(channel_frame(september[2], "ps")["contacts"].sum())
    assert 0.7 * weekly < planned < 1.3 * weekly


def test_prediction_intervals_are_sane(
    september: tuple[Config, list[str], ForecastResult], bank: pd.DataFrame
) -> None:
    frame = september[2].frame
    assert (frame["lower"] <= frame["contacts"]).all()
    assert (frame["contacts"] <= frame["upper"]).all()
    busy = frame[frame["contacts"] > 5]
    assert (busy["upper"] < 3 * busy["contacts"] + 10).all()

    actual = bank[bank["channel"].isin(SCORED)].set_index(["channel", "interval_start"])
    joined = frame.set_index(["channel", "interval_start"]).join(
        actual["contacts"].rename("actual"), how="inner"
    )
    joined = joined[joined["contacts"] > 0]
    inside = (joined["actual"] >= joined["lower"]) & (joined["actual"] <= joined["upper"])
    assert 0.6 <= inside.mean() <= 0.97


def test_backtest_weeks_are_the_centre_s_own_weeks(
    september: tuple[Config, list[str], ForecastResult],
) -> None:
    result = september[2]
    starts = pd.to_datetime(result.backtest_folds["fold_start"])

    assert set(starts.dt.day_of_week) == {6}  # Sundays, as the plan
    assert starts.max() == pd.Timestamp("1999-07-25")  # the last whole week of history
    assert (result.backtest["weeks"] == 4).all()
    assert np.isfinite(result.backtest["wape"]).all()


def test_beats_seasonal_naive_in_the_week_of_5_september(
    september: tuple[Config, list[str], ForecastResult], bank: pd.DataFrame
) -> None:
    """WAPE over the hours the centre really opened that week, against the same weekday and
    hour of the last week of history (0 where that hour was closed then)."""
    result = september[2]
    week_end = pd.Timestamp(WEEK) + pd.Timedelta(days=7)
    last_week = pd.Timestamp("1999-07-25")
    print("\nchannel  wfm WAPE  seasonal naive WAPE  (week of 1999-09-05)")
    for channel in SCORED:
        rows = bank[bank["channel"] == channel]
        actual = rows[(rows["interval_start"] >= pd.Timestamp(WEEK))]
        actual = actual[actual["interval_start"] < week_end].set_index("interval_start")
        before = rows[
            (rows["interval_start"] >= last_week) & (rows["interval_start"] < HISTORY_END)
        ]
        shift = pd.Timestamp(WEEK) - last_week
        naive = before.set_index(before["interval_start"] + shift)["contacts"]
        naive = naive.reindex(actual.index).fillna(0.0)
        predicted = channel_frame(result, channel)["contacts"].reindex(actual.index)
        total = actual["contacts"].sum()
        wfm_wape = float((actual["contacts"] - predicted).abs().sum() / total)
        naive_wape = float((actual["contacts"] - naive).abs().sum() / total)
        print(f"{channel:7}  {wfm_wape:8.3f}  {naive_wape:19.3f}")
        assert wfm_wape < naive_wape, channel
