"""Small parsers for clock times, weekdays and time windows used across the inputs."""

from __future__ import annotations

import re

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ALIASES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_clock(text: str) -> int:
    """'HH:MM' -> minutes after midnight; '24:00' is allowed as an end of day."""
    match = _CLOCK.match(str(text).strip())
    if not match:
        raise ValueError(f"'{text}' is not a clock time HH:MM")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"'{text}' is not a clock time between 00:00 and 24:00")
    return hours * 60 + minutes


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_window(text: str) -> tuple[int, int]:
    """'HH:MM-HH:MM' -> (start, end) minutes; the end must come after the start."""
    parts = str(text).split("-")
    if len(parts) != 2:
        raise ValueError(f"'{text}' is not a time window HH:MM-HH:MM")
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if end <= start:
        raise ValueError(f"window '{text}' ends before it starts")
    return start, end


def parse_weekday(text: str | int) -> int:
    """'mon'/'Monday' -> 0 … 'sun' -> 6."""
    key = str(text).strip().lower()
    if key not in _WEEKDAY_ALIASES:
        raise ValueError(f"'{text}' is not a weekday (use {', '.join(WEEKDAYS)})")
    return _WEEKDAY_ALIASES[key]
