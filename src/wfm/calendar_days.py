"""Public holidays, dated events and opening hours on a time axis (no file I/O)."""

from __future__ import annotations

import datetime as dt

import holidays as holidays_lib
import numpy as np
import pandas as pd

from wfm.config import CalendarEvent, ChannelConfig, Config, SiteConfig


def public_holidays(site: SiteConfig, start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """Public holidays in [start, end) for the site's country, from the `holidays` package."""
    if not site.country:
        return {}
    years = list(range(start.year, end.year + 1))
    table = holidays_lib.country_holidays(site.country, subdiv=site.subdivision, years=years)
    return {day: str(name) for day, name in sorted(table.items()) if start <= day < end}


def event_days(
    events: list[CalendarEvent], start: dt.date, end: dt.date
) -> dict[dt.date, tuple[str, int]]:
    """Each date in [start, end) touched by an event: (event name, offset from the event day).

    Offsets run from -days_before to +days_after; where events overlap, the one whose own day
    is nearest wins, so an event day is never hidden by another event's build-up.
    """
    touched: dict[dt.date, tuple[str, int]] = {}
    for event in events:
        for day in event.occurrences(start.year - 1, end.year + 1):
            for offset in range(-event.days_before, event.days_after + 1):
                date = day + dt.timedelta(days=offset)
                if not start <= date < end:
                    continue
                current = touched.get(date)
                if current is None or abs(offset) < abs(current[1]):
                    touched[date] = (event.name, offset)
    return dict(sorted(touched.items()))


def open_mask(
    channel: ChannelConfig,
    interval_starts: pd.DatetimeIndex,
    closed_dates: set[dt.date] | frozenset[dt.date] = frozenset(),
) -> np.ndarray:
    """True for each interval whose start lies inside one of the channel's opening windows:
    its weekday's, closed on `closed_dates`, and on a date of the channel's `dated_hours`
    that date's windows instead of both."""
    minutes = np.asarray(interval_starts.hour * 60 + interval_starts.minute)
    weekdays = np.asarray(interval_starts.day_of_week)
    mask = np.zeros(len(interval_starts), dtype=bool)
    for weekday, day_windows in channel.windows().items():
        mask |= (weekdays == weekday) & _inside(minutes, day_windows)
    if closed_dates:
        dates = np.asarray([ts.date() in closed_dates for ts in interval_starts], dtype=bool)
        mask &= ~dates
    dated = channel.dated_windows()
    if dated and len(interval_starts):
        days = np.asarray(interval_starts.normalize().date)
        for day, day_windows in dated.items():
            on_day = days == day
            mask[on_day] = _inside(minutes[on_day], day_windows)
    return mask


def _inside(minutes: np.ndarray, windows: list[tuple[int, int]]) -> np.ndarray:
    """Whether each minute of the day lies inside one of the windows."""
    inside = np.zeros(len(minutes), dtype=bool)
    for start, end in windows:
        inside |= (minutes >= start) & (minutes < end)
    return inside


def closed_dates(config: Config, start: dt.date, end: dt.date) -> set[dt.date]:
    """Dates the whole site is closed: public holidays when the site closes on them."""
    if not config.site.closed_on_holidays:
        return set()
    return set(public_holidays(config.site, start, end))
