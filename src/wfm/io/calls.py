"""Call-level records: one row per call, read, checked and counted into history intervals.

A call file is a CSV (optionally gzip-compressed, `.gz`) with the columns
`arrival,channel[,queue_seconds,outcome,service_seconds]`; `service_type` is accepted for
`channel`, and any other column (call_id, date, priority, server…) is ignored. Outcomes are
`answered`, `abandoned` and `other` (a record to be ignored when estimating, e.g. the
Anonymous Bank's PHANTOM calls; it still counts as a contact, as in the bank's hourly file).

Like the other loaders, `load_calls` collects every problem (file:line: field: reason) before
raising one WfmInputError. Parsing is vectorised; line numbers are worked out only for the
rows that have a problem, so a quarter of a million calls load in about a second.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import re
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from wfm.errors import Problem, WfmInputError

__all__ = [
    "CALL_COLUMNS",
    "OUTCOMES",
    "CallHistory",
    "CallRecords",
    "aggregate_calls",
    "is_call_file",
    "load_call_history",
    "load_calls",
    "write_config_fragment",
]

CALL_COLUMNS = ("arrival", "channel", "queue_seconds", "outcome", "service_seconds")
OUTCOMES = ("answered", "abandoned", "other")
CHANNEL_ALIASES = ("channel", "service_type")  # the first one present names the channel
DURATIONS = ("queue_seconds", "service_seconds")
MAX_PROBLEMS = 50
FIRST_OPEN_HOUR = 6  # calls before 06:00 never open an interval (night stragglers)
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class CallRecords:
    """Checked calls of configured channels, one row per call, sorted by arrival.

    `frame` columns: arrival (datetime64, local wall time), channel (configured name),
    queue_seconds (float, NaN when not given), outcome (answered/abandoned/other; answered
    for every call when the file has no outcome column), service_seconds (float, NaN when
    blank). `columns` names the optional columns the file had.
    """

    source: str
    frame: pd.DataFrame
    channels: tuple[str, ...]  # channels with at least one call, in configured order
    columns: frozenset[str]
    notes: tuple[str, ...] = ()

    @property
    def has_queue_times(self) -> bool:
        return "queue_seconds" in self.columns

    @property
    def has_outcomes(self) -> bool:
        return "outcome" in self.columns


@dataclass(frozen=True)
class CallHistory:
    """Calls counted per open interval (the `load_history` frame) and what the count left out."""

    frame: pd.DataFrame  # interval_start, channel, contacts, aht_seconds
    notes: tuple[str, ...] = ()


def is_call_file(path: Path) -> bool:
    """True when the file's header has an `arrival` column; False if it cannot be read."""
    try:
        with _open_text(Path(path)) as handle:
            header = handle.readline()
    except (OSError, UnicodeDecodeError, EOFError):
        return False
    return "arrival" in {cell.strip().strip('"') for cell in header.split(",")}


def load_calls(
    path: Path,
    channels: Sequence[str] | None = None,
    *,
    window: tuple[dt.datetime, dt.datetime] | None = None,
) -> CallRecords:
    """Read and check a call file; raise WfmInputError listing every problem found.

    Call types map onto `channels` case-insensitively (`PS` -> `ps`); calls of a type that is
    not configured are skipped and counted in a note. Without `channels` every type in the
    file is a channel, named in lower case. With `window` (start, end), an arrival outside
    [start, end) is a problem.
    """
    name = str(path)
    raw = _read_raw(Path(path), name)
    header = [str(c).strip() for c in raw.columns]
    channel_column = next((c for c in CHANNEL_ALIASES if c in header), None)
    missing = [c for c in ("arrival",) if c not in header]
    if channel_column is None:
        missing.append("channel (or service_type)")
    if missing or channel_column is None:
        raise WfmInputError(
            [Problem(name, f"header needs column(s) {', '.join(missing)} (found: {header})", 1)]
        )
    wanted = [*CALL_COLUMNS, "service_type"]
    columns = [c for c in dict.fromkeys(header) if c in wanted]
    text = {c: raw.iloc[:, header.index(c)].astype(str).str.strip() for c in columns}
    blank_row = np.logical_and.reduce(
        [(text[c] == "").to_numpy() for c in columns]
        + [(raw.iloc[:, i] == "").to_numpy() for i, c in enumerate(header) if c not in text]
    )

    checks: list[tuple[str, np.ndarray, pd.Series, str]] = []  # field, bad rows, values, reason
    arrival = _parse_times(text["arrival"])
    no_time = (text["arrival"] == "").to_numpy() & ~blank_row
    bad_time = arrival.isna().to_numpy() & ~no_time & ~blank_row
    checks.append(("arrival", no_time, text["arrival"], "is blank; every call needs one"))
    checks.append(
        ("arrival", bad_time, text["arrival"], "is not a date and time (YYYY-MM-DD HH:MM:SS)")
    )
    if window is not None:
        start, end = (pd.Timestamp(t).tz_localize(None) for t in window)
        outside = (arrival.notna() & ((arrival < start) | (arrival >= end))).to_numpy()
        reason = f"is outside {start} to {end} (end excluded)"
        checks.append(("arrival", outside, text["arrival"], reason))
    channel_text = text[channel_column]
    no_channel = (channel_text == "").to_numpy() & ~blank_row
    checks.append((channel_column, no_channel, channel_text, "is blank; every call needs one"))
    durations = {}
    for column in DURATIONS:
        if column not in columns:
            durations[column] = pd.Series(np.nan, index=raw.index)
            continue
        values = text[column]
        number = pd.to_numeric(values.where(values != ""), errors="coerce").astype(float)
        not_number = (values != "").to_numpy() & ~np.isfinite(number.to_numpy())
        negative = (number < 0).to_numpy()
        checks.append((column, not_number, values, "is not a number of seconds"))
        checks.append((column, negative, values, "is negative; durations are seconds >= 0"))
        durations[column] = number
    if "outcome" in columns:
        outcome = text["outcome"].str.lower()
        unknown = ~outcome.isin(OUTCOMES).to_numpy() & ~blank_row
        allowed = f"is not an outcome; use {', '.join(OUTCOMES)}"
        checks.append(("outcome", unknown, text["outcome"], allowed))
    else:
        outcome = pd.Series("answered", index=raw.index)
    problems = _located(name, checks)
    if problems:
        raise WfmInputError(problems)

    named, skipped = _map_channels(channel_text, channels)
    keep = ~blank_row & named.notna().to_numpy()
    frame = pd.DataFrame(
        {
            "arrival": arrival,
            "channel": named,
            "queue_seconds": durations["queue_seconds"],
            "outcome": outcome,
            "service_seconds": durations["service_seconds"],
        }
    ).loc[keep].astype({"channel": str})
    frame = frame.sort_values("arrival", kind="stable").reset_index(drop=True)
    if frame.empty:
        raise WfmInputError([Problem(name, _no_calls_reason(skipped, channels))])
    present = set(frame["channel"])
    order = list(channels) if channels else sorted(present)
    notes = []
    if skipped:
        listed = ", ".join(f"{kind} {count:,}" for kind, count in skipped.items())
        notes.append(
            f"{name}: {sum(skipped.values()):,} call(s) of types that are not configured "
            f"channels skipped: {listed}"
        )
    if "outcome" not in columns:
        notes.append(f"{name}: no outcome column; every call is taken as answered")
    return CallRecords(
        source=name,
        frame=frame,
        channels=tuple(c for c in order if c in present),
        columns=frozenset(c for c in CALL_COLUMNS if c in columns) | {"channel"},
        notes=tuple(notes),
    )


def aggregate_calls(
    calls: CallRecords, interval_minutes: int, *, first_open_hour: int = FIRST_OPEN_HOUR
) -> pd.DataFrame:
    """Calls counted per open interval, in the frame `load_history` returns.

    Columns interval_start, channel, contacts (all outcomes), aht_seconds (mean
    service_seconds of answered calls with service > 0; NaN when none), sorted by channel and
    time. Open intervals follow the centre, not the calls: per date, every interval from the
    one holding the first answered arrival at or after `first_open_hour` to the one holding
    the last, and every channel has a row (0 contacts if it had no call) in each. Closed
    intervals and dates without an answered call have no row, which the forecaster reads as
    closed and missing, not as zero. Calls outside the open intervals are not counted.
    """
    frame, _ = _aggregate(calls, interval_minutes, first_open_hour)
    return frame


def load_call_history(
    path: Path,
    channels: Sequence[str] | None = None,
    interval_minutes: int = 60,
    *,
    first_open_hour: int = FIRST_OPEN_HOUR,
) -> CallHistory:
    """`load_calls` then `aggregate_calls`: a call file as contact history, with notes."""
    calls = load_calls(path, channels)
    frame, uncounted = _aggregate(calls, interval_minutes, first_open_hour)
    if frame.empty:
        raise WfmInputError(
            [
                Problem(
                    calls.source,
                    f"no answered call at or after {first_open_hour:02d}:00, so no interval "
                    "counts as open",
                )
            ]
        )
    notes = list(calls.notes)
    if uncounted:
        notes.append(
            f"{calls.source}: {uncounted:,} call(s) outside the open intervals (per date, from "
            f"the first to the last answered arrival, from {first_open_hour:02d}:00) not counted"
        )
    return CallHistory(frame, tuple(notes))


def write_config_fragment(path: Path, text: str) -> Path:
    """Write `text` to `path` atomically: a temporary file beside it, then one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        # mkstemp makes the file private; give it the mode an ordinary new file would have
        os.chmod(staging, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(staging, path)
    finally:
        if os.path.exists(staging):
            os.unlink(staging)
    return path


# --- reading ---------------------------------------------------------------------------------


def _open_text(path: Path) -> TextIO:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _read_raw(path: Path, name: str) -> pd.DataFrame:
    """Every column as text, blank lines kept so that index + 2 is the line number.

    All columns are read, not only the wanted ones, so that a row with more fields than the
    header is an error rather than silently cut short.
    """
    try:
        with warnings.catch_warnings():
            # pandas only warns when the first data row is the one that is too long
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                index_col=False,
                encoding="utf-8-sig",
                compression="infer",
            )
    except FileNotFoundError:
        raise WfmInputError([Problem(name, "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise WfmInputError([Problem(name, f"not UTF-8 text ({exc.reason})")]) from None
    except pd.errors.EmptyDataError:
        raise WfmInputError([Problem(name, "empty file; expected a header line")]) from None
    except pd.errors.ParserWarning:
        raise WfmInputError([Problem(name, "more fields than the header has", 2)]) from None
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found:
            expected, line, seen = (int(g) for g in found.groups())
            message = f"expected {expected} fields, found {seen}"
            raise WfmInputError([Problem(name, message, line)]) from None
        raise WfmInputError([Problem(name, f"not a readable CSV file ({exc})")]) from None
    except (OSError, EOFError) as exc:  # e.g. a .gz that is not gzip
        raise WfmInputError([Problem(name, f"cannot read: {exc}")]) from None


def _parse_times(text: pd.Series) -> pd.Series:
    """ISO times as naive local wall times; NaT where a value is blank or not a time."""
    try:
        parsed = pd.to_datetime(text.where(text != ""), format="ISO8601", errors="coerce")
    except (ValueError, TypeError):  # mixed UTC offsets: parse each distinct value
        parsed = text.map(_one_time, na_action="ignore")
        parsed = pd.to_datetime(parsed.where(parsed.notna()))
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    return parsed


def _one_time(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


def _located(name: str, checks: list[tuple[str, np.ndarray, pd.Series, str]]) -> list[Problem]:
    """Problems of the flagged rows, in file order, at most MAX_PROBLEMS of them listed."""
    found: list[tuple[int, int, Problem]] = []
    total = 0
    for order, (field, bad, values, reason) in enumerate(checks):
        rows = np.flatnonzero(bad)
        total += len(rows)
        for row in rows[:MAX_PROBLEMS]:
            line = int(row) + 2
            problem = Problem(name, f"'{values.iloc[int(row)]}' {reason}", line, field=field)
            found.append((int(row), order, problem))
    found.sort(key=lambda item: (item[0], item[1]))
    problems = [problem for _, _, problem in found[:MAX_PROBLEMS]]
    if total > len(problems):
        problems.append(Problem(name, f"{total - len(problems):,} more problem(s) not listed"))
    return problems


def _map_channels(
    types: pd.Series, channels: Sequence[str] | None
) -> tuple[pd.Series, dict[str, int]]:
    """Configured channel per call (NaN when not configured) and the skipped types' counts."""
    distinct = [t for t in types.unique() if t]
    if channels is None:
        mapping: dict[str, str | None] = {t: t.lower() for t in distinct}
    else:
        folded = {c.lower(): c for c in channels}
        mapping = {t: t if t in channels else folded.get(t.lower()) for t in distinct}
    named = types.map(mapping)
    unmapped = types[named.isna() & (types != "")]
    skipped = {str(k): int(v) for k, v in unmapped.value_counts().items()}
    return named, skipped


def _no_calls_reason(skipped: dict[str, int], channels: Sequence[str] | None) -> str:
    if skipped and channels is not None:
        return (
            f"no call of a configured channel ({', '.join(channels)}); the file has types "
            f"{', '.join(skipped)}"
        )
    return "no calls"


# --- counting --------------------------------------------------------------------------------


def _aggregate(
    calls: CallRecords, interval_minutes: int, first_open_hour: int
) -> tuple[pd.DataFrame, int]:
    """The history frame and how many calls fell outside the open intervals."""
    if interval_minutes <= 0 or MINUTES_PER_DAY % interval_minutes:
        raise ValueError(f"interval_minutes must divide a day, got {interval_minutes}")
    if not 0 <= first_open_hour < 24:
        raise ValueError(f"first_open_hour must be 0..23, got {first_open_hour}")
    frame = calls.frame
    step = pd.Timedelta(minutes=interval_minutes)
    interval = frame["arrival"].dt.floor(step)
    day = frame["arrival"].dt.normalize()
    opener = (frame["outcome"] == "answered") & (
        frame["arrival"] >= day + pd.Timedelta(hours=first_open_hour)
    )
    span = interval[opener].groupby(day[opener]).agg(["min", "max"])
    per_day = ((span["max"] - span["min"]) // step).to_numpy(dtype=np.int64) + 1
    offsets = np.arange(per_day.sum()) - np.repeat(np.cumsum(per_day) - per_day, per_day)
    open_starts = pd.DatetimeIndex(
        np.repeat(span["min"].to_numpy(), per_day) + offsets * step.to_timedelta64()
    )

    grid = pd.MultiIndex.from_product(
        [list(calls.channels), open_starts], names=["channel", "interval_start"]
    )
    keys = [frame["channel"], interval.rename("interval_start")]
    contacts = frame.groupby(keys).size()
    handled = (frame["outcome"] == "answered") & (frame["service_seconds"] > 0)
    service = frame["service_seconds"][handled]
    aht = service.groupby([k[handled] for k in keys]).mean()
    counted = contacts.reindex(grid, fill_value=0)
    history = pd.DataFrame(
        {
            "contacts": counted.to_numpy(dtype=float),
            "aht_seconds": aht.reindex(grid).to_numpy(dtype=float),
        },
        index=grid,
    ).reset_index()
    history = history.loc[:, ["interval_start", "channel", "contacts", "aht_seconds"]]
    history = history.sort_values(["channel", "interval_start"], kind="stable")
    history = history.reset_index(drop=True)
    uncounted = int(len(frame) - counted.sum())
    return history, uncounted
