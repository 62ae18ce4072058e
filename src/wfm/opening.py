"""Opening hours read off the contact history, for channels configured with `hours: learn`.

History has rows only for the intervals a centre was open (a closed hour is absent, not a
zero), so the opening pattern is in the history itself. Per weekday, an interval counts as
open when it was present on at least half of that weekday's recent dates; a date without any
row (a public holiday, an outage) is not a working day and does not vote. Adjacent open
intervals merge into windows, so a day may have several windows (a lunch closure) or none.

The result is an opening-hours spec in the config's own form, e.g.
`{"sun": ["07:00-24:00"], ..., "fri": ["07:00-14:00"], "sat": ["21:00-24:00"]}`; a closed
weekday has no windows (`[]`). No file I/O here.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from wfm.calendar_days import closed_dates, open_mask
from wfm.config import LEARN_HOURS, ChannelConfig, Config
from wfm.domain import Horizon
from wfm.errors import Problem, WfmInputError
from wfm.forecast.features import history_step_minutes
from wfm.timeutil import WEEKDAYS, format_clock

MINUTES_PER_DAY = 24 * 60
LEARN_WEEKS = 8  # two months: recent enough to follow a seasonal change of hours, enough votes

__all__ = [
    "LEARN_WEEKS",
    "describe_hours",
    "learn_opening_hours",
    "resolve_learned_hours",
    "unreached_open_hours",
]
SHOWN_SPANS = 4  # spans named per channel in a notice; the rest are counted


def learn_opening_hours(
    history: pd.DataFrame,
    channel: str,
    interval_minutes: int,
    weeks: int = LEARN_WEEKS,
    *,
    source: str = "history",
) -> dict[str, list[str]]:
    """The channel's opening hours per weekday, learned from its last `weeks` weeks of rows.

    `history` is the long frame of `load_history` (interval_start, channel, contacts, …); rows
    without a count are ignored. A history coarser than `interval_minutes` (hourly rows, a
    15-minute plan) opens every planning interval its rows cover. Raises WfmInputError naming
    the channel (against file `source`) when it has no rows to learn from.
    """
    if interval_minutes <= 0 or MINUTES_PER_DAY % interval_minutes:
        raise ValueError(f"interval_minutes must divide a day, got {interval_minutes}")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    starts = _channel_starts(history, channel)
    if starts.empty:
        raise WfmInputError([_no_rows(channel, source)])
    last_day = starts.max().normalize()
    recent = starts[starts >= last_day - pd.Timedelta(weeks=weeks) + pd.Timedelta(days=1)]
    slots_per_day = MINUTES_PER_DAY // interval_minutes
    slots = _covered_slots(recent, interval_minutes, history_step_minutes(pd.Series(starts)))

    # one row per (date, slot) that was open; a date's weekday decides which cell it votes in
    frame = pd.DataFrame({"day": slots[0], "slot": slots[1]}).drop_duplicates()
    day_index = pd.DatetimeIndex(frame["day"])
    frame["weekday"] = day_index.day_of_week
    dates_per_weekday = frame.groupby("weekday")["day"].nunique()
    votes = frame.groupby(["weekday", "slot"]).size()

    spec: dict[str, list[str]] = {}
    for weekday, name in enumerate(WEEKDAYS):
        open_slots = np.zeros(slots_per_day, dtype=bool)
        dates = int(dates_per_weekday.get(weekday, 0))
        if dates:
            on_day = votes[votes.index.get_level_values("weekday") == weekday]
            # "at least half" of the voting dates: 2 of 4 counts, 2 of 3 does too
            chosen = on_day.index.get_level_values("slot")[on_day.to_numpy() * 2 >= dates]
            open_slots[np.asarray(chosen, dtype=np.int64)] = True
        spec[name] = _windows(open_slots, interval_minutes)
    return spec


def resolve_learned_hours(
    config: Config,
    history: pd.DataFrame,
    weeks: int = LEARN_WEEKS,
    source: str = "history",
) -> tuple[Config, list[str]]:
    """A copy of `config` in which every channel with `hours: learn` has learned hours.

    Returns the config and one notice per learned channel saying what was learned and from
    which weeks. Channels with stated hours are left as they are. Raises one WfmInputError
    listing every `learn` channel without history rows (reported against file `source`).
    """
    learning = [name for name, channel in config.channels.items() if _learns(channel)]
    if not learning:
        return config, []
    problems = [_no_rows(name, source) for name in learning if _channel_starts(history, name).empty]
    if problems:
        raise WfmInputError(problems)
    channels = dict(config.channels)
    notices: list[str] = []
    interval = config.planning.interval_minutes
    for name in learning:
        spec = learn_opening_hours(history, name, interval, weeks, source=source)
        channels[name] = channels[name].model_copy(update={"hours": spec})
        starts = _channel_starts(history, name)
        last_day = starts.max().date()
        span_weeks = min(weeks, math.ceil(((last_day - starts.min().date()).days + 1) / 7))
        notices.append(
            f"{name}: opening hours learned from the {span_weeks} week"
            f"{'s' if span_weeks != 1 else ''} to {last_day.isoformat()}: {describe_hours(spec)}"
        )
    return config.model_copy(update={"channels": channels}), notices


def describe_hours(spec: dict[str, list[str]]) -> str:
    """'sun-thu 07:00-24:00, fri 07:00-14:00, sat 21:00-24:00' for a per-weekday spec.

    Runs of consecutive weekdays with the same windows are joined, and the week is read from
    the first day of the longest run (Sunday for a Sunday–Thursday centre, Monday for a
    Monday–Friday one), the earlier weekday on a tie.
    """
    values = [tuple(spec.get(name, [])) for name in WEEKDAYS]
    starts = [day for day in range(7) if values[day] != values[day - 1]] or [0]

    def run_length(first: int) -> int:
        length = 1
        while length < 7 and values[(first + length) % 7] == values[first]:
            length += 1
        return length

    first = max(starts, key=lambda day: (run_length(day), -day))
    parts: list[str] = []
    day = first
    while day < first + 7:
        length = min(run_length(day % 7), first + 7 - day)
        names = [WEEKDAYS[(day + k) % 7] for k in (0, length - 1)]
        label = names[0] if length == 1 else f"{names[0]}-{names[1]}"
        windows = values[day % 7]
        parts.append(f"{label} {' '.join(windows) if windows else 'closed'}")
        day += length
    return ", ".join(parts)


def _learns(channel: ChannelConfig) -> bool:
    return isinstance(channel.hours, str) and channel.hours == LEARN_HOURS


def _channel_starts(history: pd.DataFrame, channel: str) -> pd.DatetimeIndex:
    rows = history[(history["channel"] == channel) & history["contacts"].notna()]
    return pd.DatetimeIndex(rows["interval_start"]).as_unit("ns").sort_values()


def _covered_slots(
    starts: pd.DatetimeIndex, interval_minutes: int, history_minutes: int
) -> tuple[np.ndarray, np.ndarray]:
    """(date, slot of day) of every planning interval a history row covers.

    A row covers its own history step (an hourly row opens four 15-minute intervals), never
    past midnight: the next day's early hours belong to the next weekday's votes.
    """
    days = np.asarray(starts.normalize())
    minute = np.asarray(starts.hour * 60 + starts.minute)
    span = max(history_minutes, interval_minutes)
    first = minute // interval_minutes
    last = np.minimum(minute + span, MINUTES_PER_DAY) // interval_minutes  # exclusive
    last = np.maximum(last, first + 1)
    counts = last - first
    repeated_days = np.repeat(days, counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return repeated_days, np.repeat(first, counts) + offsets


def _windows(open_slots: np.ndarray, interval_minutes: int) -> list[str]:
    """Runs of open slots as 'HH:MM-HH:MM' windows; the last may end at 24:00."""
    edges = np.diff(np.concatenate([[0], open_slots.astype(np.int8), [0]]))
    opens, closes = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [
        f"{format_clock(int(a) * interval_minutes)}-{format_clock(int(b) * interval_minutes)}"
        for a, b in zip(opens, closes, strict=True)
    ]


def _no_rows(channel: str, source: str) -> Problem:
    return Problem(
        file=source,
        field=f"channels.{channel}.hours",
        message=f"channel '{channel}' has 'hours: learn' but no history rows to learn them "
        "from — add its history or state its hours (e.g. '08:00-20:00')",
    )


def unreached_open_hours(config: Config, horizon: Horizon) -> list[str]:
    """A notice per channel open at times no shift template can be worked (its days and
    allowed starts, over midnight too): the roster cannot cover those hours, however many
    agents there are. Typical after `dated_hours` open a promotion night past the last shift."""
    stamps = horizon.intervals()
    step = horizon.interval_minutes
    offset = np.arange(len(stamps)) * step  # minutes from the horizon's first midnight
    reached = np.zeros(len(stamps), dtype=bool)
    for template in config.shifts:
        weekdays = template.weekdays()
        for day in range(horizon.days):
            if (horizon.start.weekday() + day) % 7 not in weekdays:
                continue
            for start in template.start_minutes():
                first = day * MINUTES_PER_DAY + start
                reached |= (offset < first + template.length_minutes) & (offset + step > first)
    closed = closed_dates(config, horizon.start, horizon.end)
    notices = []
    for name, channel in config.channels.items():
        missed = open_mask(channel, stamps, closed) & ~reached
        if not missed.any():
            continue
        spans = _spans(horizon, missed)
        more = f" and {len(spans) - SHOWN_SPANS} more" if len(spans) > SHOWN_SPANS else ""
        notices.append(
            f"channel {name} is open {', '.join(spans[:SHOWN_SPANS])}{more}, but no shift "
            "template can be worked then: the roster leaves those hours uncovered"
        )
    return notices


def _spans(horizon: Horizon, flagged: np.ndarray) -> list[str]:
    """Runs of flagged intervals within each day of the horizon, as 'YYYY-MM-DD HH:MM-HH:MM'."""
    per_day = flagged.reshape(horizon.days, horizon.intervals_per_day)
    return [
        f"{horizon.start + dt.timedelta(days=day)} {window}"
        for day, slots in enumerate(per_day)
        for window in _windows(slots, horizon.interval_minutes)
    ]
