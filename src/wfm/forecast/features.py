"""History on the model's time grid, and the calendar design matrix the count model is fitted on.

The design is *learned* from a training index — which weekday × time-of-day cells, holidays and
event days were actually observed — and can then be rebuilt for any later index (a backtest
hold-out or the planning horizon) with exactly the same columns. Nothing here reads files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm.calendar_days import open_mask
from wfm.config import ChannelConfig

MINUTES_PER_DAY = 24 * 60
TREND_MIN_DAYS = 42  # a slope from fewer than six weeks extrapolates noise, not growth
YEARLY_MIN_DAYS = 350  # yearly seasonality needs (nearly) a full year to be told from trend
YEARLY_TERMS = 3  # Fourier pairs: enough for a smooth annual swing, too few to chase events
DAYS_PER_YEAR = 365.25


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


@dataclass(frozen=True)
class Calendar:
    """Dated context for the features: public holidays and event days (event, day offset)."""

    holidays: frozenset[dt.date] = frozenset()
    events: Mapping[dt.date, tuple[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class CalendarDesign:
    """Which calendar columns a model gets, learned from the intervals it is trained on.

    Columns: one dummy per weekday × time-of-day cell (no intercept, so each cell is its own
    level and daily and weekly seasonality are captured jointly), a linear trend in weeks,
    yearly Fourier terms, a public-holiday dummy and one dummy per (event, day offset).
    Holidays and events only get a column if the training data saw them — an effect that was
    never observed cannot be estimated.
    """

    slot_minutes: int
    cells: tuple[int, ...]
    origin: pd.Timestamp
    trend: bool
    yearly_terms: int
    holiday: bool
    event_keys: tuple[tuple[str, int], ...]
    calendar: Calendar

    @classmethod
    def learn(cls, index: pd.DatetimeIndex, calendar: Calendar, minutes: int) -> CalendarDesign:
        span_days = (index.max() - index.min()).days if len(index) else 0
        dates = set(pd.DatetimeIndex(index).normalize().unique().date)
        return cls(
            slot_minutes=minutes,
            cells=tuple(int(c) for c in np.unique(cell_codes(index, minutes))),
            origin=pd.Timestamp(index.max()) if len(index) else pd.Timestamp(0),
            trend=span_days >= TREND_MIN_DAYS,
            yearly_terms=YEARLY_TERMS if span_days >= YEARLY_MIN_DAYS else 0,
            holiday=bool(dates & calendar.holidays),
            event_keys=tuple(sorted({calendar.events[d] for d in dates if d in calendar.events})),
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
        for k in range(1, self.yearly_terms + 1):
            names += [f"year_sin{k}", f"year_cos{k}"]
        if self.holiday:
            names.append("public_holiday")
        names += [f"event {name} {offset:+d}" for name, offset in self.event_keys]
        return names

    def matrix(self, index: pd.DatetimeIndex) -> pd.DataFrame:
        """The design rows for `index`, with the columns learned from the training data.

        An interval whose cell was never seen in training (e.g. opening hours were extended)
        gets equal fractional weight on the seen cells of the same time of day — under the log
        link, the geometric mean of those weekdays — or on all cells if that slot was never seen.
        """
        index = pd.DatetimeIndex(index)
        n = len(index)
        codes = cell_codes(index, self.slot_minutes)
        cells = np.asarray(self.cells, dtype=np.int64)
        position = np.full(7 * MINUTES_PER_DAY // self.slot_minutes, -1, dtype=np.int64)
        position[cells] = np.arange(len(cells))
        blocks: list[np.ndarray] = [self._cell_block(codes, cells, position)]
        if self.trend:
            weeks = (index - self.origin) / pd.Timedelta(weeks=1)
            blocks.append(np.asarray(weeks, dtype=float)[:, None])
        if self.yearly_terms:
            angle = 2 * np.pi * np.asarray(index.day_of_year, dtype=float) / DAYS_PER_YEAR
            for k in range(1, self.yearly_terms + 1):
                blocks.append(np.column_stack([np.sin(k * angle), np.cos(k * angle)]))
        dates = index.normalize()
        if self.holiday:
            holidays = pd.DatetimeIndex(sorted(self.calendar.holidays))
            blocks.append(np.asarray(dates.isin(holidays), dtype=float)[:, None])
        if self.event_keys:
            key_of = {pd.Timestamp(d): key for d, key in self.calendar.events.items()}
            keys = [key_of.get(d) for d in dates]
            block = np.zeros((n, len(self.event_keys)))
            for j, wanted in enumerate(self.event_keys):
                block[:, j] = [key == wanted for key in keys]
            blocks.append(block)
        return pd.DataFrame(np.hstack(blocks), index=index, columns=self.columns())

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

    def describe(self) -> str:
        parts = [f"weekday×{self.slot_minutes}-min cells ({len(self.cells)})"]
        if self.trend:
            parts.append("linear trend")
        if self.yearly_terms:
            parts.append(f"yearly Fourier ({self.yearly_terms} pairs)")
        if self.holiday:
            parts.append("public holidays")
        if self.event_keys:
            events = sorted({name for name, _ in self.event_keys})
            parts.append(f"events ({', '.join(events)}; {len(self.event_keys)} day offsets)")
        return " + ".join(parts)
