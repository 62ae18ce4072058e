"""History on the model's time grid, the centre's calendar, and the design matrix of the
calendar regression.

The design is *learned* from a training index — which weekday × time-of-day cells, holidays,
event days, month turns and catch-up days were actually observed — and can then be rebuilt for
any later index (a backtest week or the planning horizon) with exactly the same columns.
Nothing here reads files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm.calendar_days import open_mask
from wfm.config import ChannelConfig

MINUTES_PER_DAY = 24 * 60
TREND_MIN_DAYS = 42  # a slope from fewer than six weeks extrapolates noise, not growth
RECENT_WEEKS = 12  # the level and slope of the last quarter get their own terms (see below)
YEARLY_MIN_DAYS = 350  # yearly seasonality needs (nearly) a full year to be told from trend
YEARLY_TERMS = 3  # Fourier pairs: enough for a smooth annual swing, too few to chase events
DAYS_PER_YEAR = 365.25
# Turn of the month as in finance (Lakonishok & Smidt 1988): the last open day of a month and
# the first three of the next. Pay days and statements move contact volume the same way.
MONTH_TURN_OFFSETS = (-1, 1, 2, 3)
OPTIONAL_FEATURES = ("month_turn", "catch_up")
# A fitted slope is carried at most this far past the last training day; beyond it the level
# stays where the slope took it. A plan weeks after the end of history (July history, a
# September plan) would otherwise ride a short-run slope for a month and more.
TREND_EXTRAPOLATION_WEEKS = 1


def history_step_minutes(times: pd.Series) -> int:
    """The history's resolution: the most common gap between consecutive observed intervals.

    The mode (not the minimum) so one stray timestamp does not make hourly data look 5-minutely.
    """
    stamps = np.unique(np.asarray(times, dtype="datetime64[ns]"))
    gaps = np.diff(stamps).astype("timedelta64[m]").astype(np.int64)
    gaps = gaps[(gaps > 0) & (gaps <= MINUTES_PER_DAY)]
    if not len(gaps):
        return MINUTES_PER_DAY
    values, counts = np.unique(gaps, return_counts=True)
    return int(values[np.argmax(counts)])


def model_step_minutes(history_minutes: int, interval_minutes: int) -> int:
    """The grid the model is fitted on: the planning interval, or the history's if coarser.

    Coarser history is modelled at its own resolution and the forecast is split evenly over
    the open sub-intervals afterwards. That gives the same answer as splitting the history
    first (every sub-interval of a cell would carry identical data) at a fraction of the cost.
    """
    for minutes in range(interval_minutes, MINUTES_PER_DAY + 1, interval_minutes):
        if minutes >= history_minutes and MINUTES_PER_DAY % minutes == 0:
            return minutes
    return MINUTES_PER_DAY


def on_grid(history: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """One channel's history summed onto a `minutes` grid: contacts and contact-weighted AHT.

    Only grid intervals with at least one observed row appear; absent intervals stay missing.
    """
    starts = pd.DatetimeIndex(history["interval_start"]).as_unit("ns").floor(f"{minutes}min")
    contacts = history["contacts"].to_numpy(dtype=float)
    aht = history["aht_seconds"].to_numpy(dtype=float)
    timed = ~np.isnan(aht)
    frame = pd.DataFrame(
        {
            "contacts": contacts,
            "aht_weight": np.where(timed, contacts, 0.0),
            "aht_total": np.where(timed, contacts * np.nan_to_num(aht), 0.0),
        },
        index=starts,
    )
    grouped = frame.groupby(level=0, sort=True).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        grouped["aht_seconds"] = grouped["aht_total"] / grouped["aht_weight"]
    grouped.index.name = "interval_start"
    return grouped[["contacts", "aht_weight", "aht_seconds"]]


def open_on_grid(
    channel: ChannelConfig,
    starts: pd.DatetimeIndex,
    minutes: int,
    interval_minutes: int,
    closed: set[dt.date],
) -> np.ndarray:
    """Open intervals of the (possibly coarser) model grid: any planning sub-interval open."""
    parts = minutes // interval_minutes
    offsets = pd.to_timedelta(np.arange(parts) * interval_minutes, unit="min")
    fine = pd.DatetimeIndex((starts.values[:, None] + offsets.values[None, :]).ravel())
    return np.asarray(open_mask(channel, fine, closed).reshape(-1, parts).any(axis=1))


def last_weeks(series: pd.Series, weeks: int | None) -> pd.Series:
    """The most recent `weeks` whole weeks of a time-indexed series (all of it for None)."""
    if weeks is None or series.empty:
        return series
    end = pd.Timestamp(series.index.max()).normalize() + pd.Timedelta(days=1)
    return series[series.index >= end - pd.Timedelta(weeks=weeks)]


def cell_codes(index: pd.DatetimeIndex, minutes: int) -> np.ndarray:
    """Weekday × time-of-day cell of each interval: weekday * slots_per_day + slot."""
    slots_per_day = MINUTES_PER_DAY // minutes
    slot = (index.hour * 60 + index.minute) // minutes
    return np.asarray(index.day_of_week * slots_per_day + slot, dtype=np.int64)


def usual_weekdays(days: Iterable[dt.date], recent_weeks: int = 12) -> frozenset[int]:
    """Weekdays the centre normally works: open on at least half of them in recent weeks."""
    observed = sorted(set(days))
    if not observed:
        return frozenset(range(7))
    first = max(observed[0], observed[-1] - dt.timedelta(weeks=recent_weeks) + dt.timedelta(1))
    span = pd.date_range(first, observed[-1], freq="D")
    seen = pd.Series(span.isin(pd.DatetimeIndex(observed)), index=span.day_of_week)
    share = seen.groupby(level=0).mean()
    return frozenset(int(d) for d in share.index[share.to_numpy() >= 0.5])


def absent_days(days: Iterable[dt.date], weekdays: frozenset[int]) -> frozenset[dt.date]:
    """Usual working days inside the history's span without a single observation: closed."""
    observed = set(days)
    if not observed:
        return frozenset()
    span = pd.date_range(min(observed), max(observed), freq="D").date
    return frozenset(d for d in span if d.weekday() in weekdays and d not in observed)


@dataclass(frozen=True)
class Calendar:
    """Dated context for the features.

    `closed` holds the days the centre was (history) or will be (horizon) closed although their
    weekday is a working day: public holidays it closes on, outages, days absent from history.
    """

    holidays: frozenset[dt.date] = frozenset()
    events: Mapping[dt.date, tuple[str, int]] = field(default_factory=dict)
    closed: frozenset[dt.date] = frozenset()
    open_weekdays: frozenset[int] = frozenset(range(7))

    def is_open(self, day: dt.date) -> bool:
        return day.weekday() in self.open_weekdays and day not in self.closed

    def month_turn(self, days: Iterable[dt.date]) -> dict[dt.date, int]:
        """Open days at a month turn -> offset: -1 the month's last open day, 1..3 its first."""
        offsets: dict[dt.date, int] = {}
        for year, month in sorted({(d.year, d.month) for d in days}):
            start = dt.date(year, month, 1)
            following = (start + dt.timedelta(days=32)).replace(day=1)
            span = [start + dt.timedelta(days=i) for i in range((following - start).days)]
            open_days = [d for d in span if self.is_open(d)]
            for offset in MONTH_TURN_OFFSETS:
                if offset < 0 and len(open_days) >= -offset:
                    offsets[open_days[offset]] = offset
                elif 0 < offset <= len(open_days):
                    offsets[open_days[offset - 1]] = offset
        return offsets

    def catch_up(self, day: dt.date) -> bool:
        """An open day right after a closed working day: contacts held back come now."""
        if not self.is_open(day) or not self.open_weekdays:
            return False
        previous = day - dt.timedelta(days=1)
        while previous.weekday() not in self.open_weekdays:
            previous -= dt.timedelta(days=1)
        return previous in self.closed


def feature_family(column: str) -> str:
    """The feature family of a design column, e.g. 'month_turn +1' -> 'month_turn'."""
    return column.split(" ")[0]


@dataclass(frozen=True)
class CalendarDesign:
    """Which calendar columns a model gets, learned from the intervals it is trained on.

    Columns: one dummy per weekday × time-of-day cell (no intercept, so each cell is its own
    level and daily and weekly seasonality are captured jointly); a linear trend in weeks and,
    with enough history, a level step and slope for the last quarter (the cells and calendar
    effects learn from all the history, the level follows the recent quarter); yearly Fourier
    terms; a public-holiday dummy; one dummy per (event, day offset); month-turn dummies; and a
    catch-up dummy for the first open day after a closure. Trends run at most
    `TREND_EXTRAPOLATION_WEEKS` past the training data, then stay flat. Calendar columns only
    appear if the training data saw them — an effect never observed cannot be estimated.
    """

    slot_minutes: int
    cells: tuple[int, ...]
    origin: pd.Timestamp
    trend_until: pd.Timestamp  # the trend columns are held flat after this time
    trend: bool
    recent: bool
    yearly_terms: int
    holiday: bool
    event_keys: tuple[tuple[str, int], ...]
    month_turns: tuple[int, ...]
    catch_up: bool
    calendar: Calendar

    @classmethod
    def learn(
        cls,
        index: pd.DatetimeIndex,
        calendar: Calendar,
        minutes: int,
        origin: pd.Timestamp | None = None,
    ) -> CalendarDesign:
        """The design for training rows `index`, forecasting from `origin` (default: the end)."""
        first = pd.Timestamp(index.min()) if len(index) else pd.Timestamp(0)
        last = pd.Timestamp(index.max()) if len(index) else pd.Timestamp(0)
        origin = last if origin is None else pd.Timestamp(origin)
        span_days = (last - first).days
        knot = origin - pd.Timedelta(weeks=RECENT_WEEKS)
        dates = set(pd.DatetimeIndex(index).normalize().unique().date)
        turns = calendar.month_turn(dates)
        return cls(
            slot_minutes=minutes,
            cells=tuple(int(c) for c in np.unique(cell_codes(index, minutes))),
            origin=origin,
            trend_until=last.normalize() + pd.Timedelta(days=1, weeks=TREND_EXTRAPOLATION_WEEKS),
            trend=span_days >= TREND_MIN_DAYS,
            recent=(knot - first).days >= TREND_MIN_DAYS and bool((index >= knot).any()),
            yearly_terms=YEARLY_TERMS if span_days >= YEARLY_MIN_DAYS else 0,
            holiday=bool(dates & calendar.holidays),
            event_keys=tuple(sorted({calendar.events[d] for d in dates if d in calendar.events})),
            month_turns=tuple(sorted({turns[d] for d in dates if d in turns})),
            catch_up=any(calendar.catch_up(d) for d in dates),
            calendar=calendar,
        )

    def columns(self) -> list[str]:
        slots_per_day = MINUTES_PER_DAY // self.slot_minutes
        names = [
            f"cell {c // slots_per_day}:{(c % slots_per_day) * self.slot_minutes:04d}"
            for c in self.cells
        ]
        if self.trend:
            names.append("trend_weeks")
        if self.recent:
            names += ["recent level", "recent trend_weeks"]
        for k in range(1, self.yearly_terms + 1):
            names += [f"year sin{k}", f"year cos{k}"]
        if self.holiday:
            names.append("public_holiday")
        names += [f"event {name} {offset:+d}" for name, offset in self.event_keys]
        names += [f"month_turn {offset:+d}" for offset in self.month_turns]
        if self.catch_up:
            names.append("catch_up")
        return names

    def matrix(self, index: pd.DatetimeIndex) -> pd.DataFrame:
        """The design rows for `index`, with the columns learned from the training data.

        An interval whose cell was never seen in training (e.g. opening hours were extended)
        gets equal fractional weight on the seen cells of the same time of day — under the log
        link, the geometric mean of those weekdays — or on all cells if that slot was never seen.
        """
        index = pd.DatetimeIndex(index)
        codes = cell_codes(index, self.slot_minutes)
        cells = np.asarray(self.cells, dtype=np.int64)
        position = np.full(7 * MINUTES_PER_DAY // self.slot_minutes, -1, dtype=np.int64)
        position[cells] = np.arange(len(cells))
        blocks: list[np.ndarray] = [self._cell_block(codes, cells, position)]
        until = (self.trend_until - self.origin) / pd.Timedelta(weeks=1)
        weeks = np.minimum(
            np.asarray((index - self.origin) / pd.Timedelta(weeks=1), dtype=float), until
        )
        if self.trend:
            blocks.append(weeks[:, None])
        if self.recent:
            since = weeks + RECENT_WEEKS
            blocks.append(np.column_stack([since >= 0, np.maximum(since, 0.0)]).astype(float))
        if self.yearly_terms:
            angle = 2 * np.pi * np.asarray(index.day_of_year, dtype=float) / DAYS_PER_YEAR
            for k in range(1, self.yearly_terms + 1):
                blocks.append(np.column_stack([np.sin(k * angle), np.cos(k * angle)]))
        blocks.append(self._day_block(index))
        return pd.DataFrame(np.hstack(blocks), index=index, columns=self.columns())

    def _day_block(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Holiday, event, month-turn and catch-up columns: computed per date, spread to rows."""
        day_codes, day_of_row = np.unique(
            np.asarray(index.normalize(), dtype="int64"), return_inverse=True
        )
        days = [d.date() for d in pd.DatetimeIndex(day_codes)]
        calendar = self.calendar
        columns: list[list[bool]] = []
        if self.holiday:
            columns.append([d in calendar.holidays for d in days])
        for key in self.event_keys:
            columns.append([calendar.events.get(d) == key for d in days])
        if self.month_turns:
            turns = calendar.month_turn(days)
            columns += [[turns.get(d) == offset for d in days] for offset in self.month_turns]
        if self.catch_up:
            columns.append([calendar.catch_up(d) for d in days])
        per_day = np.asarray(columns, dtype=float).reshape(len(columns), len(days)).T
        return per_day[day_of_row]

    def _cell_block(self, codes: np.ndarray, cells: np.ndarray, position: np.ndarray) -> np.ndarray:
        block = np.zeros((len(codes), len(cells)))
        seen = position[codes] >= 0
        block[np.flatnonzero(seen), position[codes[seen]]] = 1.0
        slots_per_day = MINUTES_PER_DAY // self.slot_minutes
        for code in np.unique(codes[~seen]):
            same_slot = cells % slots_per_day == code % slots_per_day
            weights = same_slot if same_slot.any() else np.ones(len(cells), dtype=bool)
            block[np.ix_(codes == code, weights)] = 1.0 / weights.sum()
        return block

    def describe(self, families: Iterable[str] | None = None) -> str:
        """What the design holds; `families` limits the optional features to those named."""
        wanted = set(OPTIONAL_FEATURES if families is None else families)
        parts = [f"weekday×{self.slot_minutes}-min cells ({len(self.cells)})"]
        if self.trend:
            parts.append("linear trend")
        if self.recent:
            parts.append(f"level and slope of the last {RECENT_WEEKS} weeks")
        if self.yearly_terms:
            parts.append(f"yearly Fourier ({self.yearly_terms} pairs)")
        if self.holiday:
            parts.append("public holidays")
        if self.event_keys:
            events = sorted({name for name, _ in self.event_keys})
            parts.append(f"events ({', '.join(events)}; {len(self.event_keys)} day offsets)")
        if self.month_turns and "month_turn" in wanted:
            parts.append("month turns")
        if self.catch_up and "catch_up" in wanted:
            parts.append("catch-up after closures")
        return " + ".join(parts)
