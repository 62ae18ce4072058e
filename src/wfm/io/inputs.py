"""Read and check the planner's inputs: contact history, agents and preference files.

Preference files have their own module, wfm.io.preferences; `load_preferences` is
re-exported here for callers of the input loaders.

Every loader collects all problems it finds (file, line, field, reason) before raising one
WfmInputError, so a planner fixes a file in one pass instead of one error per run.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from wfm.config import Config
from wfm.domain import Agent, AgentPreferences, Horizon, LockedShift
from wfm.errors import Problem, WfmInputError
from wfm.io.calls import is_call_file, load_call_history
from wfm.io.config_file import load_config, project_root
from wfm.io.preferences import load_preferences
from wfm.io.yamlpos import load_yaml, problems_from_validation
from wfm.opening import resolve_learned_hours, unreached_open_hours
from wfm.timeutil import parse_clock

__all__ = [
    "Inputs",
    "load_agents",
    "load_history",
    "load_inputs",
    "load_locks",
    "load_preferences",
    "unskilled_channels",
]

HISTORY_COLUMNS = ("timestamp", "channel", "contacts")


@dataclass(frozen=True)
class Inputs:
    """Everything a plan is made from, checked and typed."""

    config_path: Path
    config: Config
    history: pd.DataFrame  # interval_start, channel, contacts, aht_seconds
    agents: tuple[Agent, ...]
    preferences: dict[str, AgentPreferences]
    horizon: Horizon
    notices: tuple[str, ...] = field(default_factory=tuple)  # worth knowing, not errors
    locks: tuple[LockedShift, ...] = ()  # the planner's pinned shifts and days off


def load_history(
    path: Path, channels: Sequence[str], *, interval_minutes: int = 60
) -> pd.DataFrame:
    """`timestamp,channel,contacts[,aht_seconds]` -> frame sorted by channel and time.

    A call-level file (header with `arrival`, see wfm.io.calls) is counted per open interval
    of `interval_minutes` instead; with no `channels` its call types, lower-cased, are the
    channels.
    """
    if is_call_file(path):
        return load_call_history(path, channels or None, interval_minutes).frame
    problems: list[Problem] = []
    name = str(path)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            rows = list(reader)
    except FileNotFoundError:
        raise WfmInputError([Problem(name, "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise WfmInputError([Problem(name, f"not UTF-8 text ({exc.reason})")]) from None
    missing = [c for c in HISTORY_COLUMNS if c not in header]
    if missing:
        raise WfmInputError(
            [Problem(name, f"header needs columns {', '.join(missing)} (found: {header})", 1)]
        )
    col = {c: header.index(c) for c in header}
    has_aht = "aht_seconds" in col
    stamps: list[dt.datetime] = []
    chans: list[str] = []
    counts: list[float] = []
    ahts: list[float] = []
    known = set(channels)
    for offset, row in enumerate(rows):
        line = offset + 2
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(Problem(name, f"expected {len(header)} fields, found {len(row)}", line))
            continue
        text = row[col["timestamp"]].strip()
        try:
            stamp = dt.datetime.fromisoformat(text)
        except ValueError:
            problems.append(
                Problem(name, f"'{text}' is not an ISO timestamp", line, field="timestamp")
            )
            continue
        channel = row[col["channel"]].strip()
        if channel not in known:
            hint = difflib.get_close_matches(channel, list(known), n=1)
            extra = f" (did you mean '{hint[0]}'?)" if hint else ""
            problems.append(
                Problem(
                    name,
                    f"unknown channel '{channel}'{extra}; configured: {', '.join(channels)}",
                    line,
                    field="channel",
                )
            )
            continue
        count = _number(row[col["contacts"]], name, line, "contacts", problems)
        aht: float | None = np.nan
        if has_aht and row[col["aht_seconds"]].strip():
            aht = _number(row[col["aht_seconds"]], name, line, "aht_seconds", problems)
            if aht == 0:
                problems.append(Problem(name, "must be > 0 or blank", line, field="aht_seconds"))
        if count is None or aht is None:
            continue
        stamps.append(stamp.replace(tzinfo=None))
        chans.append(channel)
        counts.append(count)
        ahts.append(float(aht))
        if len(problems) > 50:
            break
    if problems:
        raise WfmInputError(problems)
    frame = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(pd.Series(stamps, dtype="object")),
            "channel": chans,
            "contacts": np.asarray(counts, dtype=float),
            "aht_seconds": np.asarray(ahts, dtype=float),
        }
    )
    if frame.empty:
        raise WfmInputError([Problem(name, "no history rows")])
    duplicated = frame.duplicated(["interval_start", "channel"], keep="first")
    if duplicated.any():
        first = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise WfmInputError(
            [
                Problem(
                    name,
                    f"{int(duplicated.sum())} duplicate timestamp+channel rows, first: "
                    f"{frame.interval_start.iloc[first]} {frame.channel.iloc[first]}",
                    first + 2,
                )
            ]
        )
    return frame.sort_values(["channel", "interval_start"], kind="stable").reset_index(drop=True)


def _number(
    text: str, name: str, line: int, field_name: str, problems: list[Problem]
) -> float | None:
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(name, f"'{text}' is not a number", line, field=field_name))
        return None
    if not np.isfinite(value) or value < 0:
        problems.append(Problem(name, f"{text} must be a number >= 0", line, field=field_name))
        return None
    return value


def history_notices(history: pd.DataFrame, horizon: Horizon, name: str) -> list[str]:
    """Gaps worth telling the planner about; raises when history cannot support a forecast."""
    problems: list[Problem] = []
    notices: list[str] = []
    gaps_by_channel: dict[tuple[dt.date, ...], list[str]] = {}
    for channel, rows in history.groupby("channel", sort=False):
        days = pd.DatetimeIndex(rows.interval_start).normalize().unique().sort_values()
        if rows.interval_start.max() >= pd.Timestamp(horizon.start):
            problems.append(
                Problem(
                    name,
                    f"channel {channel}: history runs into the planning week starting "
                    f"{horizon.start}; plan a later week or trim the history",
                )
            )
        span_days = (days[-1] - days[0]).days + 1
        if span_days < 14:
            problems.append(
                Problem(name, f"channel {channel}: {span_days} days of history; at least 14 needed")
            )
            continue
        # A centre's weekly closed days are not gaps: only count days of weekdays it normally works.
        usual = set(pd.Series(days.day_of_week).value_counts().loc[lambda s: s >= 2].index)
        expected = pd.date_range(days[0], days[-1], freq="D")
        gaps = tuple(d.date() for d in expected if d.day_of_week in usual and d not in set(days))
        if gaps:
            gaps_by_channel.setdefault(gaps, []).append(str(channel))
        lead = (pd.Timestamp(horizon.start) - days[-1]).days
        if lead > 28:
            notices.append(
                f"{name}: channel {channel} history ends {lead} days before the planning week"
            )
    if problems:
        raise WfmInputError(problems)
    for gaps, channels in gaps_by_channel.items():
        shown = ", ".join(d.isoformat() for d in gaps[:5])
        more = f" and {len(gaps) - 5} more" if len(gaps) > 5 else ""
        notices.append(
            f"{name}: no data for {', '.join(channels)} on {len(gaps)} working day(s): "
            f"{shown}{more}; treated as missing, not as zero"
        )
    return notices


def unskilled_channels(config: Config, agents: Sequence[Agent], name: str) -> list[str]:
    """A notice per channel with opening hours that no agent has the skill for: the roster
    leaves every one of its hours uncovered."""
    skilled = {skill for agent in agents for skill in agent.skills}
    return [
        f"{name}: no agent has the skill for channel {channel}, which is open: the roster "
        "leaves all its hours uncovered"
        for channel, settings in config.channels.items()
        if channel not in skilled and (settings.dated_hours or any(settings.windows().values()))
    ]


def load_agents(path: Path, config: Config) -> tuple[Agent, ...]:
    """Agents from YAML (a list, or `agents:` holding one) or CSV (skills joined by ';')."""
    if path.suffix.lower() == ".csv":
        return _agents_from_csv(path, config)
    source = load_yaml(path)
    items = source.data.get("agents") if isinstance(source.data, dict) else source.data
    prefix: tuple[str, ...] = ("agents",) if isinstance(source.data, dict) else ()
    if not isinstance(items, list):
        raise WfmInputError([source.problem(prefix, "expected a list of agents")])
    agents: list[Agent] = []
    problems: list[Problem] = []
    for index, item in enumerate(items):
        try:
            agents.append(Agent.model_validate(item))
        except ValidationError as exc:
            problems.extend(problems_from_validation(source, exc, (*prefix, index)))
            continue
        where: tuple[str | int, ...] = (*prefix, index)
        problems.extend(
            _agent_problems(agents[-1], config, functools.partial(source.problem, where))
        )
    problems.extend(_duplicate_ids(agents, str(path)))
    if problems:
        raise WfmInputError(problems)
    if not agents:
        raise WfmInputError([Problem(str(path), "no agents listed")])
    return tuple(agents)


def _agents_from_csv(path: Path, config: Config) -> tuple[Agent, ...]:
    problems: list[Problem] = []
    agents: list[Agent] = []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (FileNotFoundError, UnicodeDecodeError) as exc:
        raise WfmInputError([Problem(str(path), f"cannot read: {exc}")]) from None
    for offset, row in enumerate(rows):
        line = offset + 2
        data = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
        if "skills" in data:
            data["skills"] = [s.strip() for s in data["skills"].replace("|", ";").split(";") if s]
        try:
            agent = Agent.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                field_name = ".".join(str(p) for p in error["loc"])
                problems.append(Problem(str(path), error["msg"], line, field=field_name))
            continue
        agents.append(agent)
        problems.extend(
            _agent_problems(agent, config, functools.partial(Problem, str(path), line=line))
        )
    problems.extend(_duplicate_ids(agents, str(path)))
    if problems:
        raise WfmInputError(problems)
    return tuple(agents)


def _agent_problems(
    agent: Agent, config: Config, problem: Callable[[str], Problem]
) -> list[Problem]:
    found = []
    for skill in agent.skills:
        if skill not in config.channels:
            found.append(
                problem(
                    f"agent {agent.id}: skill '{skill}' is not a configured channel "
                    f"({', '.join(config.channels)})"
                )
            )
    if agent.contract not in config.contracts:
        found.append(
            problem(
                f"agent {agent.id}: unknown contract '{agent.contract}' "
                f"({', '.join(config.contracts)})"
            )
        )
    return found


def _duplicate_ids(agents: Sequence[Agent], name: str) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for agent in agents:
        if agent.id in seen:
            problems.append(Problem(name, f"agent id {agent.id} appears more than once"))
        seen.add(agent.id)
    return problems


def load_inputs(config_path: Path, config: Config | None = None) -> Inputs:
    """Load and check every input named by the config; raise with all problems found.

    Pass `config` to use a modified configuration (e.g. another planning week) instead of
    re-reading the file.
    """
    if config is None:
        config = load_config(config_path)
    root = project_root(config_path)
    problems: list[Problem] = []
    history = agents = None
    history_notes: tuple[str, ...] = ()
    history_path = root / config.history
    try:
        if is_call_file(history_path):  # call records: counted per interval, with notes
            counted = load_call_history(
                history_path, list(config.channels), config.planning.interval_minutes
            )
            history, history_notes = counted.frame, counted.notes
        else:
            history = load_history(
                history_path,
                list(config.channels),
                interval_minutes=config.planning.interval_minutes,
            )
    except WfmInputError as exc:
        problems.extend(exc.problems)
    try:
        agents = load_agents(root / config.agents, config)
    except WfmInputError as exc:
        problems.extend(exc.problems)
    if history is None or agents is None:
        raise WfmInputError(problems)
    horizon = planning_horizon(config, history)
    notices = [*history_notes, *history_notices(history, horizon, str(history_path))]
    missing = [c for c in config.channels if c not in set(history.channel)]
    if missing:
        raise WfmInputError(
            [Problem(str(history_path), f"no history for channel(s) {', '.join(missing)}")]
        )
    config, learned = resolve_learned_hours(config, history, source=str(history_path))
    notices.extend(learned)
    notices.extend(unreached_open_hours(config, horizon))
    notices.extend(unskilled_channels(config, agents, str(config.agents)))
    preferences: dict[str, AgentPreferences] = {}
    if config.preferences:
        preferences, pref_notices = load_preferences(
            root / config.preferences, agents, config, horizon
        )
        notices.extend(pref_notices)
    locks = load_locks(root / config.locks, agents, config) if config.locks else ()
    return Inputs(config_path, config, history, agents, preferences, horizon, tuple(notices), locks)


LOCK_COLUMNS = ("agent_id", "date", "shift", "start")


def load_locks(path: Path, agents: Sequence[Agent], config: Config) -> tuple[LockedShift, ...]:
    """Pinned shifts from CSV: agent_id,date,shift,start — an empty shift pins a day off.

    `start` ('HH:MM') is optional: without it any allowed start of the template will do. Every
    row is checked (known agent, ISO date, known template, a start the template allows, one pin
    per agent and date) and every problem is reported with its line.
    """
    name = str(path)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [column.strip() for column in reader.fieldnames or []]
            rows = list(reader)
    except (FileNotFoundError, UnicodeDecodeError, csv.Error) as exc:
        raise WfmInputError([Problem(name, f"cannot read: {exc}")]) from None
    missing = [c for c in ("agent_id", "date") if c not in header]
    if missing:
        raise WfmInputError(
            [Problem(name, f"missing column(s) {', '.join(missing)}; expected {LOCK_COLUMNS}", 1)]
        )
    known = {agent.id for agent in agents}
    templates = {shift.name: shift for shift in config.shifts}
    problems: list[Problem] = []
    locks: list[LockedShift] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for offset, raw in enumerate(rows):
        line = offset + 2
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        before = len(problems)
        agent_id = row.get("agent_id", "")
        if agent_id not in known:
            close = difflib.get_close_matches(agent_id, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(
                Problem(name, f"unknown agent '{agent_id}'{hint}", line, field="agent_id")
            )
        try:
            date = dt.date.fromisoformat(row.get("date", ""))
        except ValueError:
            problems.append(
                Problem(
                    name, f"'{row.get('date', '')}' is not a date (YYYY-MM-DD)", line, field="date"
                )
            )
            continue
        shift = row.get("shift") or None
        start = row.get("start") or None
        if shift is not None and shift not in templates:
            problems.append(
                Problem(
                    name,
                    f"unknown shift template '{shift}' ({', '.join(templates)})",
                    line,
                    field="shift",
                )
            )
        elif shift is None and start is not None:
            problems.append(
                Problem(name, "a start needs a shift (no shift = day off)", line, field="start")
            )
        elif shift is not None and start is not None:
            try:
                minute = parse_clock(start)
            except ValueError as exc:
                problems.append(Problem(name, str(exc), line, field="start"))
            else:
                if minute not in templates[shift].start_minutes():
                    problems.append(
                        Problem(
                            name,
                            f"shift {shift} cannot start at {start} (it starts "
                            f"{templates[shift].earliest_start}-{templates[shift].latest_start})",
                            line,
                            field="start",
                        )
                    )
        if (agent_id, date) in seen:
            problems.append(
                Problem(
                    name,
                    f"agent {agent_id} is already pinned on {date} (line {seen[agent_id, date]})",
                    line,
                )
            )
        seen.setdefault((agent_id, date), line)
        if len(problems) == before:
            locks.append(LockedShift(agent_id=agent_id, date=date, shift=shift, start=start))
    if problems:
        raise WfmInputError(problems)
    return tuple(locks)


def planning_horizon(config: Config, history: pd.DataFrame) -> Horizon:
    """The configured week, or the week that starts (site.week_starts_on) after the history."""
    start = config.planning.week_start
    if start is None:
        last = history.interval_start.max().date()
        start = last + dt.timedelta(days=7 - (last.weekday() - config.site.first_weekday) % 7)
    return Horizon(start, config.planning.days, config.planning.interval_minutes)
