"""Opening hours: `hours: learn` read off a tiny hand-made history, and windows up to 24:00."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from wfm.calendar_days import open_mask
from wfm.config import ChannelConfig, Config, opening_hours
from wfm.errors import WfmInputError
from wfm.opening import describe_hours, learn_opening_hours, resolve_learned_hours

SHIFT = {"name": "d", "length_minutes": 480, "earliest_start": "08:00", "latest_start": "08:00"}
SUNDAY = dt.date(2024, 1, 7)  # three weeks: Sun 7 Jan .. Sat 27 Jan


def hours_of(day: dt.date, *windows: tuple[int, int], minutes: int = 60) -> list[pd.Timestamp]:
    start = pd.Timestamp(day)
    return [
        start + pd.Timedelta(minutes=m)
        for first, last in windows
        for m in range(first * 60, last * 60, minutes)
    ]


def history(stamps: list[pd.Timestamp], channel: str = "phone") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "interval_start": pd.DatetimeIndex(sorted(stamps)),
            "channel": channel,
            "contacts": 3.0,
            "aht_seconds": float("nan"),
        }
    )


def bank_like_history(minutes: int = 60) -> pd.DataFrame:
    """Sun–Thu 08-12 and 13-17 (a lunch closure), Fri 08-13, Sat 21-24; Mon 15 Jan a holiday
    (no rows at all); 07:00 open on one Tuesday of three (not usual); on the only other-than-
    holiday Monday pair, 17:00 once (one of two dates: half, so open)."""
    stamps: list[pd.Timestamp] = []
    for offset in range(21):
        day = SUNDAY + dt.timedelta(days=offset)
        weekday = day.weekday()
        if day == dt.date(2024, 1, 15):
            continue  # a public holiday: closed all day, no rows
        if weekday in (6, 0, 1, 2, 3):
            stamps += hours_of(day, (8, 12), (13, 17), minutes=minutes)
        elif weekday == 4:
            stamps += hours_of(day, (8, 13), minutes=minutes)
        else:
            stamps += hours_of(day, (21, 24), minutes=minutes)
    stamps += hours_of(dt.date(2024, 1, 9), (7, 8), minutes=minutes)  # one Tuesday of three
    stamps += hours_of(dt.date(2024, 1, 8), (17, 18), minutes=minutes)  # one Monday of two
    return history(stamps)


def make_config(**channels: Any) -> Config:
    return Config.model_validate(
        {
            "site": {"country": None},
            "channels": {
                name: {"kind": "voice", "aht_seconds": 300, "hours": hours}
                for name, hours in channels.items()
            },
            "shifts": [SHIFT],
        }
    )


def test_learns_two_windows_a_day_a_short_friday_and_a_saturday_evening() -> None:
    learned = learn_opening_hours(bank_like_history(), "phone", 60, weeks=3)

    assert learned == {
        "mon": ["08:00-12:00", "13:00-18:00"],
        "tue": ["08:00-12:00", "13:00-17:00"],
        "wed": ["08:00-12:00", "13:00-17:00"],
        "thu": ["08:00-12:00", "13:00-17:00"],
        "fri": ["08:00-13:00"],
        "sat": ["21:00-24:00"],
        "sun": ["08:00-12:00", "13:00-17:00"],
    }
    # the learned spec is valid config: it validates and gives the same windows back
    channel = ChannelConfig.model_validate({"kind": "voice", "aht_seconds": 300, "hours": learned})
    assert channel.windows()[5] == [(21 * 60, 24 * 60)]


def test_holiday_dates_do_not_vote() -> None:
    """Mondays 8 and 22 Jan have rows, 15 Jan none: 17:00 was open on one of the two voting
    Mondays (open), where counting the holiday would make it one of three (closed)."""
    learned = learn_opening_hours(bank_like_history(), "phone", 60, weeks=3)
    assert learned["mon"][-1] == "13:00-18:00"
    # a weekday with no rows at all in the recent weeks is closed
    no_saturday = bank_like_history()
    no_saturday = no_saturday[no_saturday["interval_start"].dt.day_of_week != 5]
    assert learn_opening_hours(no_saturday, "phone", 60, weeks=3)["sat"] == []


def test_only_the_recent_weeks_count() -> None:
    """Saturday opened at 19:00 a month ago and at 21:00 in the last three weeks."""
    older = [
        stamp
        for week in range(4)
        for stamp in hours_of(SUNDAY - dt.timedelta(days=8 + 7 * week), (19, 24))
    ]
    frame = pd.concat([history(older), bank_like_history()], ignore_index=True)

    assert learn_opening_hours(frame, "phone", 60, weeks=3)["sat"] == ["21:00-24:00"]
    assert learn_opening_hours(frame, "phone", 60, weeks=8)["sat"] == ["19:00-24:00"]


@pytest.mark.parametrize(("history_minutes", "interval_minutes"), [(60, 30), (15, 60), (30, 30)])
def test_history_and_planning_resolutions_may_differ(
    history_minutes: int, interval_minutes: int
) -> None:
    learned = learn_opening_hours(
        bank_like_history(history_minutes), "phone", interval_minutes, weeks=3
    )
    assert learned["fri"] == ["08:00-13:00"]
    assert learned["sat"] == ["21:00-24:00"]


def test_resolve_fills_in_learn_channels_and_says_what_it_learned() -> None:
    config = make_config(phone="learn", email="09:00-17:00")
    frame = pd.concat(
        [bank_like_history(), history(hours_of(SUNDAY, (9, 17)), "email")], ignore_index=True
    )

    resolved, notices = resolve_learned_hours(config, frame, weeks=3)

    assert config.channels["phone"].hours == "learn"  # the original is left as it was
    assert resolved.channels["email"] == config.channels["email"]
    assert resolved.channels["phone"].windows()[4] == [(8 * 60, 13 * 60)]
    assert notices == [
        "phone: opening hours learned from the 3 weeks to 2024-01-27: tue-thu 08:00-12:00 "
        "13:00-17:00, fri 08:00-13:00, sat 21:00-24:00, sun 08:00-12:00 13:00-17:00, "
        "mon 08:00-12:00 13:00-18:00"
    ]


def test_learn_without_rows_is_an_input_error_naming_the_channel() -> None:
    config = make_config(phone="learn", chat="learn", email="09:00-17:00")
    frame = history(hours_of(SUNDAY, (9, 17)), "phone")

    with pytest.raises(WfmInputError) as raised:
        resolve_learned_hours(config, frame, source="data/history.csv")
    assert [str(p) for p in raised.value.problems] == [
        "data/history.csv: channels.chat.hours: channel 'chat' has 'hours: learn' but no "
        "history rows to learn them from — add its history or state its hours (e.g. "
        "'08:00-20:00')"
    ]
    with pytest.raises(WfmInputError, match="'email'"):
        learn_opening_hours(frame, "email", 60)


def test_unresolved_learn_fails_loudly_instead_of_reading_as_closed() -> None:
    channel = make_config(phone="learn").channels["phone"]
    with pytest.raises(ValueError, match="resolve_learned_hours"):
        channel.windows()
    with pytest.raises(ValueError, match="not been learned"):
        open_mask(channel, pd.date_range("2024-01-08", periods=24, freq="h"))


def test_windows_may_end_at_midnight() -> None:
    assert opening_hours("07:00-24:00")[0] == [(7 * 60, 24 * 60)]
    channel = make_config(phone={"default": "07:00-24:00", "sat": "21:00-24:00"}).channels["phone"]
    index = pd.date_range("2024-01-06", periods=2 * 24 * 4, freq="15min")  # Sat and Sun
    mask = pd.Series(open_mask(channel, index), index=index)

    assert mask[pd.Timestamp("2024-01-06 23:45")]
    assert not mask[pd.Timestamp("2024-01-06 20:45")]
    assert mask[pd.Timestamp("2024-01-07 23:45")]
    assert not mask[pd.Timestamp("2024-01-07 00:00")]
    assert int(mask.sum()) == (3 + 17) * 4
    for bad in ("07:00-24:30", "24:00-24:00", "07:00-25:00"):
        with pytest.raises(ValueError):
            opening_hours(bad)


def test_hours_are_described_from_the_start_of_the_longest_run() -> None:
    bank = {d: ["07:00-24:00"] for d in ("sun", "mon", "tue", "wed", "thu")}
    assert (
        describe_hours({**bank, "fri": ["07:00-14:00"], "sat": ["21:00-24:00"]})
        == "sun-thu 07:00-24:00, fri 07:00-14:00, sat 21:00-24:00"
    )
    weekdays = {d: ["08:00-20:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    assert describe_hours(weekdays) == "mon-fri 08:00-20:00, sat-sun closed"


def test_dated_hours_replace_the_weekday_and_a_holiday_closure() -> None:
    # Double-11 (a Wednesday) runs to midnight, New Year's Eve closes early, and New Year's Day,
    # a public holiday the site closes on, opens in the morning all the same.
    channel = ChannelConfig.model_validate(
        {
            "kind": "voice",
            "aht_seconds": 300,
            "hours": "08:00-21:00",
            "dated_hours": {
                "2026-11-11": "08:00-24:00",
                "2026-12-31": ["08:00-12:00", "13:00-18:00"],
                "2027-01-01": "09:00-12:00",
                "2026-11-12": "closed",
            },
        }
    )

    def open_hours(day: str, closed: frozenset[dt.date] = frozenset()) -> list[int]:
        index = pd.date_range(day, periods=24, freq="h")
        mask = open_mask(channel, index, closed)
        return [ts.hour for ts, on in zip(index, mask, strict=True) if on]

    assert open_hours("2026-11-10") == list(range(8, 21))  # an ordinary Tuesday
    assert open_hours("2026-11-11") == list(range(8, 24))
    assert open_hours("2026-11-12") == []
    assert open_hours("2026-12-31") == [8, 9, 10, 11, 13, 14, 15, 16, 17]
    holiday = frozenset({dt.date(2027, 1, 1), dt.date(2027, 1, 2)})
    assert open_hours("2027-01-01", holiday) == [9, 10, 11]
    assert open_hours("2027-01-02", holiday) == []  # closed as a holiday, no dated hours
    # at 15 minutes too: the dated windows cut the day at their own minutes
    index = pd.date_range("2026-12-31 11:00", periods=12, freq="15min")
    assert open_mask(channel, index).tolist() == [True] * 4 + [False] * 4 + [True] * 4


def test_dated_hours_refuse_a_bad_window_naming_the_date() -> None:
    with pytest.raises(ValueError, match="2026-11-11"):
        ChannelConfig.model_validate(
            {
                "kind": "voice",
                "aht_seconds": 300,
                "dated_hours": {"2026-11-11": "21:00-08:00"},
            }
        )


def test_open_hours_no_shift_can_be_worked_are_named() -> None:
    from wfm.domain import Horizon
    from wfm.opening import unreached_open_hours

    # One 8-hour shift at 08:00 on weekdays; a night shift 22:00 on Fridays runs past midnight.
    night = {**SHIFT, "name": "n", "earliest_start": "22:00", "latest_start": "22:00"}
    config = Config.model_validate(
        {
            "site": {"country": None},
            "channels": {
                "phone": {
                    "kind": "voice",
                    "aht_seconds": 300,
                    "hours": "08:00-16:00",
                    "dated_hours": {"2024-01-10": "08:00-18:30"},
                },
                "chat": {  # closed at weekends: every hour it is open has a shift
                    "kind": "voice",
                    "aht_seconds": 300,
                    "hours": {"default": "08:00-16:00", "sat": "closed", "sun": "closed"},
                },
                "late": {"kind": "voice", "aht_seconds": 300, "hours": "00:00-06:00"},
            },
            "shifts": [
                {**SHIFT, "days": ["mon", "tue", "wed", "thu", "fri"]},
                {**night, "days": ["fri"]},
            ],
        }
    )
    week = Horizon(dt.date(2024, 1, 8), 7, 30)  # Monday 8 Jan
    notices = unreached_open_hours(config, week)
    assert len(notices) == 2
    phone, late = notices
    # Wednesday's late opening, and the weekend, which no shift may be worked on
    assert phone.startswith(
        "channel phone is open 2024-01-10 16:00-18:30, 2024-01-13 08:00-16:00, "
        "2024-01-14 08:00-16:00, but no shift"
    )
    # the Friday night shift reaches Saturday 00:00-06:00; every other night is missed
    assert "2024-01-13" not in late
    assert late.startswith("channel late is open 2024-01-08 00:00-06:00, 2024-01-09 00:00-06:00")
    assert late.endswith(
        "and 2 more, but no shift template can be worked then: the roster "
        "leaves those hours uncovered"
    )
