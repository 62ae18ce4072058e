"""The forecast stage on synthetic histories whose truth is known, and on real bank calls."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from wfm.calendar_days import public_holidays
from wfm.config import Config
from wfm.domain import FORECAST_COLUMNS, Horizon
from wfm.errors import WfmInputError
from wfm.forecast import SeasonalNaive, forecast

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SHIFT = {"name": "d", "length_minutes": 480, "earliest_start": "08:00", "latest_start": "08:00"}
HOURS = "08:00-20:00"


def make_config(hours: Any = HOURS, **extra: Any) -> Config:
    return Config.model_validate(
        {
            "site": {"country": None},
            "channels": {"phone": {"kind": "voice", "aht_seconds": 300, "hours": hours}},
            "shifts": [SHIFT],
            **extra,
        }
    )


def hourly_rate(index: pd.DatetimeIndex, scale: float = 40.0) -> np.ndarray:
    """A known weekday × hour profile: a late-morning peak, a smaller afternoon hump,
    Monday busiest, weekends quieter."""
    hour = np.asarray(index.hour, dtype=float)
    intraday = np.exp(-((hour - 11) ** 2) / 8) + 0.6 * np.exp(-((hour - 15) ** 2) / 6) + 0.2
    weekday = np.array([1.3, 1.1, 1.0, 1.0, 0.9, 0.6, 0.4])[np.asarray(index.day_of_week)]
    return scale * intraday * weekday


def open_hours(start: str, days: int, first: int = 8, last: int = 20) -> pd.DatetimeIndex:
    index = pd.date_range(start, periods=days * 24, freq="h")
    return index[(index.hour >= first) & (index.hour < last)]


def history_frame(index: pd.DatetimeIndex, contacts: np.ndarray, channel: str = "phone"):
    return pd.DataFrame(
        {
            "interval_start": index,
            "channel": channel,
            "contacts": contacts.astype(float),
            "aht_seconds": np.nan,
        }
    )


def test_recovers_profile_and_trend() -> None:
    rng = np.random.default_rng(1)
    index = open_hours("2024-01-01", 20 * 7)
    growth = lambda ix: 1 + 0.02 * np.asarray((ix - index[0]).days) / 7  # noqa: E731  2 %/week
    history = history_frame(index, rng.poisson(hourly_rate(index) * growth(index)))

    result = forecast(history, make_config(), Horizon(dt.date(2024, 5, 20), 7, 60))

    frame = result.frame.set_index("interval_start")
    open_index = open_hours("2024-05-20", 7)
    truth = hourly_rate(open_index) * growth(open_index)
    predicted = frame.loc[open_index, "contacts"].to_numpy()
    assert abs(predicted.sum() / truth.sum() - 1) < 0.10
    assert np.corrcoef(predicted, truth)[0, 1] > 0.95


def test_closed_hours_are_zero_and_open_hours_positive() -> None:
    rng = np.random.default_rng(2)
    hours = {"default": "09:00-17:00", "sat": "10:00-14:00", "sun": "closed"}
    config = make_config(hours)
    index = pd.date_range("2024-01-01", periods=10 * 7 * 24, freq="h")
    is_open = (index.day_of_week < 5) & (index.hour >= 9) & (index.hour < 17) | (
        (index.day_of_week == 5) & (index.hour >= 10) & (index.hour < 14)
    )
    history = pd.concat(
        [
            history_frame(index[is_open], rng.poisson(hourly_rate(index[is_open]))),
            history_frame(index[:48], np.ones(48), channel="not_configured"),
        ]
    )

    result = forecast(history, config, Horizon(dt.date(2024, 3, 11), 7, 60))

    frame = result.frame
    assert tuple(frame.columns) == FORECAST_COLUMNS
    assert len(frame) == 7 * 24 and set(frame["channel"]) == {"phone"}
    assert frame["interval_start"].dtype == "datetime64[ns]"
    starts = pd.DatetimeIndex(frame["interval_start"])
    expected_open = (starts.day_of_week < 5) & (starts.hour >= 9) & (starts.hour < 17) | (
        (starts.day_of_week == 5) & (starts.hour >= 10) & (starts.hour < 14)
    )
    closed = frame[~expected_open]
    assert (closed[["contacts", "lower", "upper"]].to_numpy() == 0).all()
    assert (frame.loc[expected_open, "contacts"] > 0).all()
    assert (frame["lower"] <= frame["contacts"]).all()
    assert (frame["contacts"] <= frame["upper"]).all()


def test_configured_channel_without_history_is_an_input_error() -> None:
    config = Config.model_validate(
        {
            "channels": {
                "phone": {"kind": "voice", "aht_seconds": 300},
                "chat": {"kind": "chat", "aht_seconds": 300},
            },
            "shifts": [SHIFT],
        }
    )
    index = open_hours("2024-01-01", 28)
    history = history_frame(index, np.ones(len(index)))

    with pytest.raises(WfmInputError) as raised:
        forecast(history, config, Horizon(dt.date(2024, 1, 29), 7, 60))

    assert [p.file for p in raised.value.problems] == ["history"]
    assert "chat" in raised.value.problems[0].message


def test_missing_week_is_not_read_as_zero() -> None:
    rng = np.random.default_rng(3)
    index = open_hours("2024-01-01", 8 * 7)
    history = history_frame(index, rng.poisson(hourly_rate(index)))
    gap = (history["interval_start"] >= "2024-02-12") & (history["interval_start"] < "2024-02-19")
    horizon = Horizon(dt.date(2024, 2, 26), 7, 60)

    full = forecast(history, make_config(), horizon).frame["contacts"].sum()
    with_gap = forecast(history[~gap], make_config(), horizon).frame["contacts"].sum()

    assert abs(with_gap / full - 1) < 0.05
    assert abs(with_gap / hourly_rate(open_hours("2024-02-26", 7)).sum() - 1) < 0.10


def test_seasonal_naive_looks_through_a_missing_week() -> None:
    index = pd.DatetimeIndex(["2024-01-01 09:00", "2024-01-08 09:00", "2024-01-15 10:00"])
    y = pd.Series([10.0, 20.0, 5.0], index=index)
    target = pd.DataFrame(index=pd.DatetimeIndex(["2024-01-22 09:00", "2024-01-22 11:00"]))

    predicted = SeasonalNaive().fit(y, pd.DataFrame(index=index)).predict(target, 0.8)

    assert predicted["mean"].iloc[0] == 20.0  # two weeks back, not 0 from the empty week
    assert np.isnan(predicted["mean"].iloc[1])  # never observed: unknown, not zero


@pytest.fixture(scope="module")
def calendar_effects() -> tuple[pd.DataFrame, Horizon]:
    """Two years and a bit of history where public holidays run at 0.4× and an annual event
    day ('launch', 20 May) at 1.8×; the horizon holds the 2025 event and Memorial Day."""
    rng = np.random.default_rng(4)
    index = open_hours("2023-01-02", 867)  # to 2025-05-18
    dates = pd.DatetimeIndex(index.normalize())
    config = make_config(
        site={"country": "US"},
        events=[{"name": "launch", "annual": "05-20"}],
        forecast={"backtest_weeks": 0},
    )
    holidays = pd.DatetimeIndex(
        list(public_holidays(config.site, dates[0].date(), dt.date(2026, 1, 1)))
    )
    rate = hourly_rate(index)
    rate = np.where(dates.isin(holidays), 0.4 * rate, rate)
    rate = np.where((dates.month == 5) & (dates.day == 20), 1.8 * rate, rate)
    horizon = Horizon(dt.date(2025, 5, 19), 14, 60)
    result = forecast(history_frame(index, rng.poisson(rate)), config, horizon)
    daily = result.frame.groupby(result.frame["interval_start"].dt.date)["contacts"].sum()
    return daily.to_frame(), horizon


def test_event_day_uplift_is_estimated(calendar_effects: tuple[pd.DataFrame, Horizon]) -> None:
    daily = calendar_effects[0]["contacts"]
    uplift = daily[dt.date(2025, 5, 20)] / daily[dt.date(2025, 5, 27)]  # both Tuesdays
    assert 1.5 < uplift < 2.2


def test_public_holiday_drop_is_estimated(
    calendar_effects: tuple[pd.DataFrame, Horizon],
) -> None:
    daily = calendar_effects[0]["contacts"]
    drop = daily[dt.date(2025, 5, 26)] / daily[dt.date(2025, 5, 19)]  # Memorial Day vs Monday
    assert 0.25 < drop < 0.6


def test_interval_coverage_is_near_nominal() -> None:
    rng = np.random.default_rng(5)
    days = 16 * 7
    index = open_hours("2024-01-01", days + 28)
    # day-to-day level noise makes the counts over-dispersed, as real traffic is
    day_level = np.exp(rng.normal(0, 0.25, days + 28))[np.asarray((index - index[0]).days)]
    contacts = rng.poisson(hourly_rate(index) * day_level)
    history = history_frame(index, contacts)
    past = history[history["interval_start"] < index[0] + pd.Timedelta(days=days)]
    config = make_config(forecast={"backtest_weeks": 4})

    result = forecast(past, config, Horizon(dt.date(2024, 4, 22), 28, 60))

    frame = result.frame.set_index("interval_start")
    future = history.set_index("interval_start").loc[frame.index[frame["contacts"] > 0]]
    actual = future["contacts"]
    inside = (actual >= frame.loc[actual.index, "lower"]) & (
        actual <= frame.loc[actual.index, "upper"]
    )
    assert 0.65 <= inside.mean() <= 0.95
    assert 0.65 <= result.backtest["interval_coverage"].iloc[0] <= 0.95


@pytest.mark.parametrize("minutes", [15, 30])
def test_sub_hour_intervals_sum_to_the_hourly_forecast(minutes: int) -> None:
    rng = np.random.default_rng(6)
    index = open_hours("2024-01-01", 6 * 7)
    history = history_frame(index, rng.poisson(hourly_rate(index)))
    hourly = forecast(history, make_config(), Horizon(dt.date(2024, 2, 12), 7, 60)).frame
    fine = forecast(history, make_config(), Horizon(dt.date(2024, 2, 12), 7, minutes)).frame

    assert len(fine) == 7 * 24 * 60 // minutes
    summed = fine.groupby(fine["interval_start"].dt.floor("h"))[["contacts", "lower", "upper"]]
    np.testing.assert_allclose(
        summed.sum().to_numpy(), hourly[["contacts", "lower", "upper"]].to_numpy()
    )
    # hourly history carries no within-hour shape: each hour is split evenly
    np.testing.assert_allclose(
        fine["contacts"], np.repeat(hourly["contacts"].to_numpy() * minutes / 60, 60 // minutes)
    )


def test_partly_open_hour_goes_to_its_open_part() -> None:
    rng = np.random.default_rng(8)
    index = open_hours("2024-01-01", 6 * 7)
    history = history_frame(index, rng.poisson(hourly_rate(index)))
    config = make_config("08:30-20:00")  # the hourly history's 08:00 bin holds 08:30-09:00

    def by_time(minutes: int) -> pd.Series:
        frame = forecast(history, config, Horizon(dt.date(2024, 2, 12), 1, minutes)).frame
        return frame.set_index(frame["interval_start"].dt.strftime("%H:%M"))["contacts"]

    halves, quarters = by_time(30), by_time(15)
    assert halves["08:00"] == 0 and quarters["08:15"] == 0
    assert halves["08:30"] == pytest.approx(quarters["08:30"] + quarters["08:45"])
    truth = hourly_rate(pd.DatetimeIndex(["2024-02-12 08:00"]))[0]
    assert halves["08:30"] == pytest.approx(truth, rel=0.2)


def test_finer_history_is_summed_with_contact_weighted_handle_time() -> None:
    rng = np.random.default_rng(7)
    index = pd.date_range("2024-01-01", periods=6 * 7 * 24 * 4, freq="15min")
    index = index[(index.hour >= 8) & (index.hour < 20)]
    morning = index.hour < 12
    quarter = history_frame(index, rng.poisson(hourly_rate(index) / 4))
    quarter["aht_seconds"] = np.where(morning, 200.0, 400.0)
    hourly = quarter.assign(weighted=quarter["contacts"] * quarter["aht_seconds"])
    hourly = hourly.groupby(hourly["interval_start"].dt.floor("h")).agg(
        contacts=("contacts", "sum"), weighted=("weighted", "sum")
    )
    hourly_history = pd.DataFrame(
        {
            "interval_start": hourly.index,
            "channel": "phone",
            "contacts": hourly["contacts"].to_numpy(),
            "aht_seconds": (hourly["weighted"] / hourly["contacts"]).to_numpy(),
        }
    )
    horizon = Horizon(dt.date(2024, 2, 12), 7, 60)

    from_quarters = forecast(quarter, make_config(), horizon).frame
    from_hours = forecast(hourly_history, make_config(), horizon).frame

    np.testing.assert_allclose(from_quarters["contacts"], from_hours["contacts"])
    starts = pd.DatetimeIndex(from_quarters["interval_start"])
    aht = from_quarters["aht_seconds"].to_numpy()
    assert (np.abs(aht[(starts.hour >= 8) & (starts.hour < 12)] - 200) < 15).all()
    assert (np.abs(aht[(starts.hour >= 12) & (starts.hour < 20)] - 400) < 15).all()


def test_handle_time_falls_back_to_the_configured_value() -> None:
    index = open_hours("2024-01-01", 28)
    history = history_frame(index, np.full(len(index), 10.0))

    frame = forecast(history, make_config(), Horizon(dt.date(2024, 1, 29), 7, 60)).frame

    assert (frame["aht_seconds"] == 300).all()


def test_beats_seasonal_naive_on_real_bank_calls() -> None:
    path = DATA / "bank_calls" / "bank_calls_5min.csv"
    if not path.exists():
        pytest.skip(f"real data not found at {path}")
    raw = pd.read_csv(path, parse_dates=["timestamp"])
    hourly = raw.groupby(raw["timestamp"].dt.floor("h"))["contacts"].sum()
    history = pd.DataFrame(
        {
            "interval_start": hourly.index,
            "channel": "phone",
            "contacts": hourly.to_numpy(dtype=float),
            "aht_seconds": np.nan,
        }
    )
    weekdays = {day: "07:00-21:30" for day in ("mon", "tue", "wed", "thu", "fri")}
    config = make_config({"default": "closed", **weekdays}, site={"country": "US"})
    last_two_weeks = pd.Timestamp(history["interval_start"].max()).normalize() - pd.Timedelta(
        days=11
    )
    assert last_two_weeks.day_of_week == 0
    train = history[history["interval_start"] < last_two_weeks]
    horizon = Horizon(last_two_weeks.date(), 7, 60)

    frame = forecast(train, config, horizon).frame.set_index("interval_start")

    actual = hourly[
        (hourly.index >= last_two_weeks) & (hourly.index < last_two_weeks + pd.Timedelta(days=7))
    ]
    model = frame.loc[actual.index, "contacts"].to_numpy()
    naive = hourly.reindex(actual.index - pd.Timedelta(weeks=1)).to_numpy()
    model_wape = np.abs(actual.to_numpy() - model).sum() / actual.sum()
    naive_wape = np.abs(actual.to_numpy() - naive).sum() / actual.sum()
    assert model_wape < naive_wape


def test_hours_opened_on_one_date_take_the_nearest_hour_the_history_saw() -> None:
    # History open 08-20 every day; the planning week opens until midnight on its Wednesday
    # and closes on its Thursday.
    rng = np.random.default_rng(4)
    index = open_hours("2024-01-01", 12 * 7)
    history = history_frame(index, rng.poisson(hourly_rate(index)))
    channels = {
        "phone": {
            "kind": "voice",
            "aht_seconds": 300,
            "hours": HOURS,
            "dated_hours": {"2024-03-27": "08:00-24:00", "2024-03-28": "closed"},
        }
    }
    config = make_config(channels=channels)

    frame = forecast(history, config, Horizon(dt.date(2024, 3, 25), 7, 60)).frame
    by_time = frame.set_index("interval_start")[["contacts", "lower", "upper"]]
    evening = by_time.loc["2024-03-27 19:00":"2024-03-27 23:00"].to_numpy()  # type: ignore[misc]
    assert (evening[1:] == evening[0]).all()  # 20-23 carry 19:00's forecast and interval
    assert evening[0, 0] > 0
    # an ordinary day keeps its hours, the closed date has none
    assert by_time.loc["2024-03-26 20:00", "contacts"] == 0
    assert (by_time.loc["2024-03-28"].to_numpy() == 0).all()  # type: ignore[misc]


def test_from_nearest_seen_time_takes_the_earlier_neighbour_on_a_tie() -> None:
    from wfm.forecast import from_nearest_seen_time

    starts = pd.date_range("2024-03-27 06:00", periods=6, freq="h")  # 06 .. 11
    predicted = np.arange(6, dtype=float)[:, None] * np.ones(3)
    seen = frozenset({7 * 60, 8 * 60, 10 * 60})  # 06, 09 and 11 never seen open
    filled = from_nearest_seen_time(starts, np.ones(6, dtype=bool), seen, predicted)
    assert filled[:, 0].tolist() == [1, 1, 2, 2, 4, 4]  # 09:00 is as near 08:00 as 10:00
    # an interval not wanted (closed in the horizon) is left alone
    wanted = np.array([True, True, True, False, True, True])
    assert from_nearest_seen_time(starts, wanted, seen, predicted)[3, 0] == 3
