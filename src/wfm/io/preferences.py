"""Agents' preference files (`data/preferences/<agent_id>.yaml`): check, load, start one.

Agents write these files by hand, so the checker reads the YAML itself instead of handing
it straight to pydantic: it walks every key and value, and reports every problem of every
file at once, each as `file:line:column: field: what is wrong — what is allowed`. Only a
file without problems becomes an `AgentPreferences`. Whatever a file holds — broken YAML,
another encoding, a list where a mapping belongs — the answer is a located problem, never
an exception: `check_preferences` catches the unexpected too and names the file.

The schema, by top-level key:

    agent_id     required; must be in the agents file and match the file name
    week         optional first day of the planned week (YYYY-MM-DD); absent = every week
    wishes       soft, by priority 1..10; all of a file's priorities add up to at most
                 `wishes.points_budget` points. Each wish has exactly one of
                   day_off: DAY | [DAYS]           a day off wanted
                   shift: NAME, days: [DAYS]       a shift template wanted
                   avoid_shift: NAME, days: [...]  a shift template not wanted
                   start_window: "HH:MM-HH:MM", days: [...]  start within the window
                 and `priority` (default 1), `note` (free text); `day:` may replace `days:`
    unavailable  hard: `day`/`days`, optional `time: "HH:MM-HH:MM"` (else the whole day)
                 and a required `reason`

DAYS are weekdays (mon..sun) or dates (YYYY-MM-DD, inside `week` when it is given).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from wfm.config import Config, ShiftTemplate
from wfm.domain import Agent, AgentPreferences, Horizon
from wfm.errors import Problem, WfmInputError
from wfm.io.yamlpos import LocatedYaml, problems_from_validation
from wfm.timeutil import WEEKDAYS, format_clock, parse_weekday, parse_window

TOP_KEYS = ("agent_id", "week", "wishes", "unavailable")
WISH_KINDS = ("day_off", "shift", "avoid_shift", "start_window")
WISH_KEYS = (*WISH_KINDS, "day", "days", "priority", "note")
UNAVAILABLE_KEYS = ("day", "days", "time", "reason")
PRIORITY_RANGE = (1, 10)
SUFFIXES = (".yaml", ".yml")

# Words agents reach for that difflib cannot connect to the schema's keys.
_ALIASES = {
    "id": "agent_id",
    "agent": "agent_id",
    "name": "agent_id",
    "date": "day",
    "dates": "days",
    "weekday": "day",
    "weekdays": "days",
    "off": "day_off",
    "holiday": "day_off",
    "leave": "day_off",
    "start": "start_window",
    "starts": "start_window",
    "not_shift": "avoid_shift",
    "no_shift": "avoid_shift",
    "weight": "priority",
    "points": "priority",
    "comment": "note",
    "notes": "note",
    "why": "reason",
    "hours": "time",
    "window": "time",
    "unavailability": "unavailable",
    "absent": "unavailable",
    "absence": "unavailable",
    "wish": "wishes",
}

Loc = tuple[str | int, ...]
Mark = tuple[int, int]


# --- reading YAML with positions --------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps an impossible date (2026-02-30) as text for a located message."""

    def construct_lenient_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_lenient_timestamp)


@dataclass
class _Document:
    """One preference file: its data, where each key and value sits, and its raw scalars."""

    path: Path
    data: Any
    keys: dict[Loc, Mark] = field(default_factory=dict)
    values: dict[Loc, Mark] = field(default_factory=dict)
    raw: dict[Loc, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def where(self, loc: Loc, at_key: bool = False) -> Mark:
        """Line and column of the value at `loc` (or its key), else of the nearest parent."""
        table = self.keys if at_key else self.values
        probe = tuple(loc)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def add(self, loc: Loc, message: str, at_key: bool = False) -> None:
        line, column = self.where(loc, at_key)
        dotted = ".".join(str(part) for part in loc) or None
        self.problems.append(Problem(str(self.path), message, line, column, dotted))

    def text(self, loc: Loc, value: Any) -> str:
        """A value as the agent typed it (YAML reads `18:00` as 1080 minutes, for one)."""
        return self.raw.get(loc, str(value))

    def line_of(self, loc: Loc) -> int:
        return self.where(loc)[0]


def _mark(node: yaml.Node) -> Mark:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _index(document: _Document, root: yaml.Node) -> None:
    """Record positions and raw text of every node; report keys given twice in a mapping.

    Iterative, and each node is visited once, so aliases — even recursive ones or a
    "billion laughs" — cost no more than the text they are written in.
    """
    document.values[()] = _mark(root)
    seen: set[int] = set()
    stack: list[tuple[Loc, yaml.Node]] = [((), root)]
    while stack:
        loc, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            document.raw[loc] = str(node.value)
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, Mark] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = str(key_node.value)
                where = (*loc, key)
                if key in first:
                    line, column = _mark(key_node)
                    document.problems.append(
                        Problem(
                            str(document.path),
                            f"'{key}' is given twice (first on line {first[key][0]}); "
                            "keep one — YAML would silently use the last",
                            line,
                            column,
                            ".".join(str(p) for p in where),
                        )
                    )
                    continue
                first[key] = _mark(key_node)
                document.keys[where] = _mark(key_node)
                document.values[where] = _mark(value_node)
                stack.append((where, value_node))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                document.keys[(*loc, index)] = document.values[(*loc, index)] = _mark(item)
                stack.append(((*loc, index), item))


def _line_column(text: str, position: int) -> Mark:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _read_document(path: Path) -> _Document | Problem:
    """Parse one file; anything unreadable becomes a single located Problem."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Problem(name, f"cannot be read ({exc.strerror or exc})", 1, 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = "save it as UTF-8"
        try:
            raw.decode("gb18030")
            hint = "it looks like GBK/GB18030; save it as UTF-8"
        except UnicodeDecodeError:
            pass
        return Problem(name, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); {hint}", line, column)
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # checks the text for characters YAML forbids
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "not valid YAML"
        return Problem(name, f"invalid YAML: {reason}", line, column)
    except yaml.reader.ReaderError as exc:
        line, column = _line_column(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        return Problem(
            name, f"invalid YAML: control character U+{code:04X} is not allowed", line, column
        )
    except RecursionError:
        return Problem(name, "invalid YAML: nested too deeply", 1, 1)
    except Exception as exc:
        # PyYAML's constructors fail in many ways on explicit tags (`!!int` with no digits
        # raises IndexError): all of them mean the text is not valid YAML.
        return Problem(name, f"invalid YAML: {exc or type(exc).__name__}", 1, 1)
    finally:
        if loader is not None:
            loader.dispose()
    document = _Document(path, data)
    if node is not None:
        _index(document, node)
    return document


# --- checking one file ------------------------------------------------------------------


def _suggest(word: str, allowed: Sequence[str]) -> str:
    key = word.strip().lower().replace("-", "_").replace(" ", "_")
    if key in allowed and key != word:
        return f" (did you mean '{key}'?)"
    alias = _ALIASES.get(key)
    if alias in allowed:
        return f" (did you mean '{alias}'?)"
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def closest_match(word: str, options: Sequence[str], cutoff: float = 0.6) -> str | None:
    """The option most like `word` (ignoring case); the first listed wins a tie."""
    best, best_score = None, cutoff
    for option in options:
        score = difflib.SequenceMatcher(None, word.lower(), option.lower()).ratio()
        if score > best_score:
            best, best_score = option, score
    return best


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    return "text"


def _unknown_keys(doc: _Document, loc: Loc, item: dict, allowed: Sequence[str]) -> None:
    for key in item:
        if str(key) not in allowed:
            doc.add(
                (*loc, str(key)),
                f"unknown key '{key}'{_suggest(str(key), allowed)}; allowed: {', '.join(allowed)}",
                at_key=True,
            )


@dataclass(frozen=True)
class _Day:
    """A weekday (0..6) or a date, as written at `loc`."""

    loc: Loc
    weekday: int | None = None
    date: dt.date | None = None

    def label(self) -> str:
        if self.date is not None:
            return f"{WEEKDAYS[self.date.weekday()]} {self.date.isoformat()}"
        assert self.weekday is not None
        return WEEKDAYS[self.weekday]

    def value(self) -> dt.date | str:
        return self.date if self.date is not None else WEEKDAYS[self.weekday or 0]


def _same_day(a: _Day, b: _Day) -> bool:
    if a.date is not None and b.date is not None:
        return a.date == b.date
    first = a.date.weekday() if a.date is not None else a.weekday
    second = b.date.weekday() if b.date is not None else b.weekday
    return first == second


def _overlap(first: Sequence[_Day], second: Sequence[_Day]) -> list[str]:
    shared: list[str] = []
    for a in first:
        for b in second:
            if _same_day(a, b):
                label = (a if a.date is not None else b).label()
                if label not in shared:
                    shared.append(label)
    return shared


def _parse_days(
    doc: _Document, loc: Loc, value: Any, week_dates: Sequence[dt.date] | None
) -> list[_Day] | None:
    """Weekday names or dates, one or a list; None (after reporting) when any is wrong."""
    items = value if isinstance(value, list) else [value]
    item_locs = [(*loc, i) for i in range(len(items))] if isinstance(value, list) else [loc]
    if not items:
        doc.add(loc, "needs at least one day: a weekday (mon..sun) or a date (YYYY-MM-DD)")
        return None
    days: list[_Day] = []
    ok = True
    for item, where in zip(items, item_locs, strict=True):
        day = _parse_day(doc, where, item, week_dates)
        if day is None:
            ok = False
            continue
        if any(day.value() == other.value() for other in days):
            doc.add(where, f"{day.label()} is listed twice")
            ok = False
            continue
        days.append(day)
    return days if ok else None


def _parse_day(
    doc: _Document, loc: Loc, item: Any, week_dates: Sequence[dt.date] | None
) -> _Day | None:
    allowed = f"use a weekday ({', '.join(WEEKDAYS)}) or a date YYYY-MM-DD"
    if isinstance(item, dt.datetime):
        doc.add(loc, f"'{doc.text(loc, item)}' has a time; give the date alone ({allowed})")
        return None
    date: dt.date | None = None
    if isinstance(item, dt.date):
        date = item
    elif isinstance(item, str):
        text = item.strip()
        try:
            return _Day(loc, weekday=parse_weekday(text))
        except ValueError:
            pass
        try:
            date = dt.date.fromisoformat(text)
        except ValueError:
            shown = doc.text(loc, item)
            if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
                doc.add(loc, f"'{shown}' is not a date in the calendar; {allowed}")
            else:
                doc.add(loc, f"'{shown}' is not a weekday or date{_weekday_hint(text)}; {allowed}")
            return None
    else:
        shown = doc.text(loc, item) if not isinstance(item, list | dict) else _kind_of(item)
        doc.add(loc, f"'{shown}' is not a weekday or date; {allowed}")
        return None
    if week_dates and date not in week_dates:
        doc.add(
            loc,
            f"{date.isoformat()} is not in the week of this file "
            f"({week_dates[0].isoformat()} to {week_dates[-1].isoformat()})",
        )
        return None
    return _Day(loc, date=date)


def _weekday_hint(text: str) -> str:
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    close = difflib.get_close_matches(text.strip().lower(), [*WEEKDAYS, *names], n=1, cutoff=0.6)
    return f" (did you mean '{close[0][:3]}'?)" if close else ""


def _parse_window(doc: _Document, loc: Loc, value: Any) -> tuple[int, int] | None:
    text = doc.text(loc, value)
    if not isinstance(value, str):
        doc.add(loc, f"'{text}' is not a time window; write it in quotes, e.g. \"08:00-10:00\"")
        return None
    try:
        return parse_window(value)
    except ValueError as exc:
        message = str(exc)
        if "ends before it starts" in message:
            doc.add(loc, f"window '{value}' ends before it starts (or at its start)")
        else:
            doc.add(
                loc,
                f"'{value}' is not a time window HH:MM-HH:MM with times 00:00..24:00, "
                'e.g. "08:00-10:00"',
            )
        return None


def _parse_text(doc: _Document, loc: Loc, value: Any, what: str) -> str | None:
    if isinstance(value, list | dict):
        doc.add(loc, f"{what} must be text, not {_kind_of(value)}")
        return None
    if value is None:
        return None
    return doc.text(loc, value).strip()


@dataclass(frozen=True)
class _CheckedWish:
    index: int
    kind: str
    value: str | None  # shift name or window text; None for a day off
    window: tuple[int, int] | None
    days: list[_Day]
    priority: int
    note: str | None

    @property
    def loc(self) -> Loc:
        return ("wishes", self.index)

    def describe(self) -> str:
        days = ", ".join(d.label() for d in self.days)
        if self.kind == "day_off":
            return f"day off {days}"
        if self.kind == "shift":
            return f"shift {self.value} on {days}"
        if self.kind == "avoid_shift":
            return f"no {self.value} shift on {days}"
        return f"start {self.value} on {days}"


@dataclass(frozen=True)
class _CheckedAbsence:
    index: int
    days: list[_Day]
    window: tuple[int, int] | None
    time: str | None
    reason: str

    @property
    def loc(self) -> Loc:
        return ("unavailable", self.index)


@dataclass(frozen=True)
class _Context:
    """What a file is checked against: the agents, shift templates and points budget."""

    config: Config
    agents: Mapping[str, Agent] | None  # None when the agents file itself is broken

    def shifts_for(self, agent_id: str | None) -> list[ShiftTemplate]:
        agent = self.agents.get(agent_id or "") if self.agents else None
        contract = self.config.contracts.get(agent.contract) if agent else None
        allowed = contract.shifts if contract else None
        return [s for s in self.config.shifts if allowed is None or s.name in allowed]


def _check_document(doc: _Document, context: _Context) -> dict[str, Any] | None:
    """Report every problem in the file; return normalised data when there is none."""
    config = context.config
    data = doc.data
    if data is None:
        doc.add((), "the file is empty; it needs at least 'agent_id' (see `wfm prefs template`)")
        return None
    if not isinstance(data, dict):
        doc.add(
            (),
            f"expected keys {', '.join(TOP_KEYS)}; found {_kind_of(data)} "
            "(see `wfm prefs template`)",
        )
        return None
    _unknown_keys(doc, (), data, TOP_KEYS)

    agent_id = _check_agent_id(doc, data, context)
    week = _check_week(doc, data, config)
    week_dates = (
        [week + dt.timedelta(days=i) for i in range(config.planning.days)] if week else None
    )
    shifts = context.shifts_for(agent_id)
    wishes = _check_wishes(doc, data, context, shifts, week_dates)
    absences = _check_unavailable(doc, data, week_dates)
    _check_points(doc, wishes, config)
    _check_conflicts(doc, wishes, absences, shifts)
    if doc.problems:
        return None
    normalised: dict[str, Any] = {"agent_id": agent_id, "week": week}
    normalised["wishes"] = [
        {
            **({"day_off": True} if w.kind == "day_off" else {w.kind: w.value}),
            "days": [d.value() for d in w.days],
            "priority": w.priority,
            "note": w.note,
        }
        for w in wishes
    ]
    normalised["unavailable"] = [
        {"days": [d.value() for d in a.days], "time": a.time, "reason": a.reason} for a in absences
    ]
    return normalised


def _check_agent_id(doc: _Document, data: dict, context: _Context) -> str | None:
    if "agent_id" not in data:
        doc.add((), f"'agent_id' is missing; add `agent_id: {doc.path.stem}`")
        return None
    value = data["agent_id"]
    loc: Loc = ("agent_id",)
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        doc.add(loc, f"must be an agent id such as {doc.path.stem}, not {_kind_of(value)}")
        return None
    agent_id = doc.text(loc, value).strip()
    if context.agents is not None and agent_id not in context.agents:
        close = closest_match(agent_id, list(context.agents))
        hint = f" (did you mean {close}?)" if close else ""
        doc.add(loc, f"unknown agent '{agent_id}'{hint}; not in {context.config.agents}")
    if doc.path.stem != agent_id:
        doc.add(
            loc,
            f"the file is named {doc.path.name} but holds agent_id {agent_id}; "
            f"name it {agent_id}{doc.path.suffix}",
        )
    return agent_id


def _check_week(doc: _Document, data: dict, config: Config) -> dt.date | None:
    value = data.get("week")
    loc: Loc = ("week",)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        doc.add(loc, f"'{doc.text(loc, value)}' has a time; give the date alone (YYYY-MM-DD)")
        return None
    week: dt.date | None = value if isinstance(value, dt.date) else None
    if week is None and isinstance(value, str):
        try:
            week = dt.date.fromisoformat(value.strip())
        except ValueError:
            week = None
    if week is None:
        doc.add(
            loc,
            f"'{doc.text(loc, value)}' is not a date YYYY-MM-DD; give the first day of the "
            "week, or leave 'week' out for a standing preference",
        )
        return None
    problem = week_start_problem(week, config)
    if problem:
        doc.add(loc, problem)
        return None
    return week


def _check_list(doc: _Document, data: dict, key: str, example: str) -> list[tuple[int, dict]]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        doc.add((key,), f"must be a list, each item starting with '- ', e.g. {example}")
        return []
    items = []
    for index, item in enumerate(value):
        if isinstance(item, dict):
            items.append((index, item))
        else:
            doc.add((key, index), f"each item must be keys and values, e.g. {example}")
    return items


def _check_wishes(
    doc: _Document,
    data: dict,
    context: _Context,
    shifts: Sequence[ShiftTemplate],
    week_dates: Sequence[dt.date] | None,
) -> list[_CheckedWish]:
    names = [s.name for s in context.config.shifts]
    allowed_names = [s.name for s in shifts]
    checked: list[_CheckedWish] = []
    for index, item in _check_list(doc, data, "wishes", "'- day_off: fri'"):
        loc: Loc = ("wishes", index)
        _unknown_keys(doc, loc, item, WISH_KEYS)
        kinds = [k for k in WISH_KINDS if k in item]
        if not kinds:
            doc.add(loc, f"a wish needs one of {', '.join(WISH_KINDS)}")
            continue
        if len(kinds) > 1:
            doc.add(
                (*loc, kinds[1]),
                f"a wish has one of {', '.join(WISH_KINDS)}; this one has "
                f"{' and '.join(kinds)} — write them as separate wishes",
                at_key=True,
            )
            continue
        kind = kinds[0]
        days_value, days_loc = _days_of(doc, loc, item, kind)
        days = None
        if days_loc is not None:
            days = _parse_days(doc, days_loc, days_value, week_dates)
        value: str | None = None
        window: tuple[int, int] | None = None
        if kind in ("shift", "avoid_shift"):
            value = _check_shift_name(doc, (*loc, kind), item[kind], names, allowed_names, kind)
        elif kind == "start_window":
            window = _parse_window(doc, (*loc, kind), item[kind])
            value = item[kind] if window else None
            if window and shifts and not _starts_in(shifts, window):
                starts = ", ".join(f"{s.name} {s.earliest_start}-{s.latest_start}" for s in shifts)
                doc.add(
                    (*loc, kind),
                    f"no shift this agent may work starts in {value} (starts: {starts})",
                )
        priority = _check_priority(doc, loc, item)
        note = _parse_text(doc, (*loc, "note"), item.get("note"), "note")
        # A wish with a wrong priority or an unknown key is still compared with the others,
        # so one run reports its clashes too; a wrong priority counts no points.
        if days is not None and (kind == "day_off" or value is not None):
            checked.append(_CheckedWish(index, kind, value, window, days, priority or 0, note))
    return checked


def _days_of(doc: _Document, loc: Loc, item: dict, kind: str) -> tuple[Any, Loc | None]:
    """The days a wish applies to and where they are written (None: reported missing)."""
    given = [k for k in ("day", "days") if k in item]
    if kind == "day_off" and not isinstance(item["day_off"], bool):
        if given:
            doc.add(
                (*loc, given[0]),
                f"'day_off: {doc.text((*loc, 'day_off'), item['day_off'])}' already names the "
                f"day; drop '{given[0]}'",
                at_key=True,
            )
            return None, None
        if item["day_off"] is None:
            doc.add((*loc, "day_off"), "say which day: e.g. 'day_off: fri'")
            return None, None
        return item["day_off"], (*loc, "day_off")
    if kind == "day_off" and item["day_off"] is False:
        doc.add((*loc, "day_off"), "'day_off: no' wishes nothing; remove the wish")
        return None, None
    if len(given) == 2:
        doc.add((*loc, "day"), "give either 'day' or 'days', not both", at_key=True)
        return None, None
    if not given:
        doc.add(loc, "say on which days: 'days: [mon, tue]' or 'day: fri'")
        return None, None
    return item[given[0]], (*loc, given[0])


def _check_shift_name(
    doc: _Document,
    loc: Loc,
    value: Any,
    names: Sequence[str],
    allowed: Sequence[str],
    kind: str,
) -> str | None:
    if not isinstance(value, str) or not value.strip():
        doc.add(loc, f"name one shift: {', '.join(names)}")
        return None
    name = value.strip()
    if name not in names:
        hint = _suggest(name, names)
        doc.add(loc, f"unknown shift '{name}'{hint}; shifts: {', '.join(names)}")
        return None
    if name not in allowed:
        if kind == "shift":
            doc.add(
                loc,
                f"shift '{name}' is not allowed by the agent's contract "
                f"(allowed: {', '.join(allowed) or 'none'})",
            )
        else:
            doc.add(
                loc,
                f"the agent's contract never includes '{name}' shifts, so this wish is "
                "always met; remove it to keep its points",
            )
        return None
    return name


def _starts_in(shifts: Iterable[ShiftTemplate], window: tuple[int, int]) -> bool:
    return any(window[0] <= s <= window[1] for t in shifts for s in t.start_minutes())


def _check_priority(doc: _Document, loc: Loc, item: dict) -> int | None:
    if "priority" not in item:
        return 1
    value = item["priority"]
    low, high = PRIORITY_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        doc.add(
            (*loc, "priority"),
            f"'{doc.text((*loc, 'priority'), value)}' is not a whole number from {low} to {high}",
        )
        return None
    return value


def _check_unavailable(
    doc: _Document, data: dict, week_dates: Sequence[dt.date] | None
) -> list[_CheckedAbsence]:
    example = "'- day: wed' with 'reason: 夜校 (evening class)'"
    checked: list[_CheckedAbsence] = []
    for index, item in _check_list(doc, data, "unavailable", example):
        loc: Loc = ("unavailable", index)
        before = len(doc.problems)
        _unknown_keys(doc, loc, item, UNAVAILABLE_KEYS)
        given = [k for k in ("day", "days") if k in item]
        days = None
        if len(given) == 2:
            doc.add((*loc, "day"), "give either 'day' or 'days', not both", at_key=True)
        elif not given:
            doc.add(loc, "say which day(s): 'day: wed' or 'days: [mon, thu]'")
        else:
            days = _parse_days(doc, (*loc, given[0]), item[given[0]], week_dates)
        window = None
        time = item.get("time")
        if time is not None:
            window = _parse_window(doc, (*loc, "time"), time)
        reason = _parse_text(doc, (*loc, "reason"), item.get("reason"), "reason")
        if not reason and "reason" in item and not isinstance(item["reason"], list | dict):
            doc.add((*loc, "reason"), "the reason is empty; say why, e.g. study or childcare")
        elif "reason" not in item:
            doc.add(loc, "a reason is required (e.g. reason: 夜校 (evening class))")
        if len(doc.problems) == before and days is not None and reason:
            checked.append(_CheckedAbsence(index, days, window, time, reason))
    return checked


def _check_points(doc: _Document, wishes: Sequence[_CheckedWish], config: Config) -> None:
    budget = config.wishes.points_budget
    total = sum(w.priority for w in wishes)
    if total > budget:
        doc.add(
            ("wishes",),
            f"the priorities add up to {total} points, over the weekly budget of {budget} "
            "(wishes.points_budget in the config); lower some priorities",
            at_key=True,
        )


def _check_conflicts(
    doc: _Document,
    wishes: Sequence[_CheckedWish],
    absences: Sequence[_CheckedAbsence],
    shifts: Sequence[ShiftTemplate],
) -> None:
    """Wishes that repeat or contradict each other, or ask for work when unavailable."""
    starts = {t.name: t.start_minutes() for t in shifts}
    for j, later in enumerate(wishes):
        for earlier in wishes[:j]:
            days = _overlap(earlier.days, later.days)
            if not days:
                continue
            clash = _clash(earlier, later, starts)
            if clash:
                doc.add(
                    later.loc,
                    f"{clash} on {', '.join(days)} — wishes.{earlier.index} "
                    f"(line {doc.line_of(earlier.loc)}) asks for {earlier.describe()}",
                )
                break
        for absence in absences:
            whole_day = absence.window is None
            days = _overlap(absence.days, later.days)
            if not days or not whole_day:
                continue
            line = doc.line_of(absence.loc)
            if later.kind == "day_off":
                doc.add(
                    later.loc,
                    f"already unavailable all day on {', '.join(days)} "
                    f"(unavailable.{absence.index}, line {line}); drop the wish to keep its points",
                )
            elif later.kind in ("shift", "start_window"):
                doc.add(
                    later.loc,
                    f"contradiction: wants to work on {', '.join(days)} but is unavailable "
                    f"all day (unavailable.{absence.index}, line {line})",
                )
    for j, later_absence in enumerate(absences):
        for earlier_absence in absences[:j]:
            days = _overlap(earlier_absence.days, later_absence.days)
            if days and earlier_absence.window == later_absence.window:
                doc.add(
                    later_absence.loc,
                    f"duplicate: repeats unavailable.{earlier_absence.index} "
                    f"(line {doc.line_of(earlier_absence.loc)}) on {', '.join(days)}",
                )
                break


def _clash(
    earlier: _CheckedWish, later: _CheckedWish, starts: Mapping[str, list[int]]
) -> str | None:
    kinds = {earlier.kind, later.kind}
    if earlier.kind == later.kind and earlier.value == later.value:
        return "duplicate: repeats an earlier wish"
    if kinds == {"shift", "avoid_shift"} and earlier.value == later.value:
        return f"contradiction: wants and does not want the {later.value} shift"
    if "day_off" in kinds and kinds & {"shift", "start_window"}:
        return "contradiction: a day off and work wanted"
    if kinds == {"shift"}:
        return f"contradiction: wants both {earlier.value} and {later.value} (one shift a day)"
    if kinds == {"start_window"} and earlier.window and later.window:
        (a0, a1), (b0, b1) = earlier.window, later.window
        if a1 < b0 or b1 < a0:
            return "contradiction: two start windows that do not overlap"
    if kinds == {"shift", "start_window"}:
        shift = earlier if earlier.kind == "shift" else later
        window = (later if shift is earlier else earlier).window
        if window and not any(
            window[0] <= s <= window[1] for s in starts.get(shift.value or "", [])
        ):
            return f"contradiction: the {shift.value} shift never starts in {window_text(window)}"
    return None


def window_text(window: tuple[int, int]) -> str:
    return f"{format_clock(window[0])}-{format_clock(window[1])}"


def _one_line(text: str | None) -> str | None:
    """Escape line breaks and control characters a key or value may hold (YAML allows
    "\\r" in a quoted key), so each problem stays one line of output."""
    if text is None:
        return None
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def _check_file(path: Path, context: _Context) -> tuple[AgentPreferences | None, list[Problem]]:
    prefs, problems = _check_file_raw(path, context)
    return prefs, [
        replace(p, message=_one_line(p.message) or "", field=_one_line(p.field)) for p in problems
    ]


def _check_file_raw(path: Path, context: _Context) -> tuple[AgentPreferences | None, list[Problem]]:
    document = _read_document(path)
    if isinstance(document, Problem):
        return None, [document]
    normalised = _check_document(document, context)
    if normalised is None:
        return None, document.problems
    try:
        return AgentPreferences.model_validate(normalised), []
    except ValidationError as exc:  # the checker should have caught it; still say where
        located = LocatedYaml(path, document.data, {**document.values, **document.keys})
        return None, problems_from_validation(located, exc)


# --- checking a folder ------------------------------------------------------------------


@dataclass(frozen=True)
class PreferenceCheck:
    """The outcome of checking a folder (or one file) of preference files."""

    preferences: dict[Path, AgentPreferences]
    problems: list[Problem]
    notices: list[str]

    def raise_problems(self) -> None:
        if self.problems:
            raise WfmInputError(self.problems)


def preference_files(folder: Path) -> tuple[list[Path], list[str]]:
    """The .yaml/.yml files in `folder` (any case), and notices about other files there."""
    files: list[Path] = []
    notices: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix.lower() in SUFFIXES:
            files.append(path)
        elif not path.name.lower().startswith("readme"):
            notices.append(f"{path}: ignored; preference files end in .yaml")
    return files, notices


def check_preferences(
    target: Path, config: Config, agents: Sequence[Agent] | None
) -> PreferenceCheck:
    """Check every preference file in a folder (or one file) against agents and config.

    Never raises for bad input: every problem is returned, located at file:line:column.
    `agents` None skips the agent-id check (when the agents file could not be read).
    """
    context = _Context(config, {a.id: a for a in agents} if agents is not None else None)
    notices: list[str] = []
    if target.is_file():
        files = [target]
    elif target.is_dir():
        files, notices = preference_files(target)
    else:
        return PreferenceCheck({}, [Problem(str(target), "no such folder or file")], [])
    checked: dict[Path, AgentPreferences] = {}
    problems: list[Problem] = []
    first_file: dict[str, Path] = {}
    for path in files:
        try:
            prefs, found = _check_file(path, context)
        except Exception as exc:  # a checker bug must still not hide the other files
            prefs, found = (
                None,
                [Problem(str(path), f"could not be checked ({exc!r}); please report this", 1, 1)],
            )
        problems.extend(found)
        if prefs is None:
            continue
        if prefs.agent_id in first_file:
            problems.append(
                Problem(
                    str(path),
                    f"a second file for agent {prefs.agent_id} (the first is "
                    f"{first_file[prefs.agent_id].name}); keep one",
                    1,
                    1,
                    "agent_id",
                )
            )
            continue
        first_file[prefs.agent_id] = path
        checked[path] = prefs
    problems.sort(key=lambda p: (p.file, p.line or 0, p.column or 0))
    return PreferenceCheck(checked, problems, notices)


def load_preferences(
    folder: Path, agents: Sequence[Agent], config: Config, horizon: Horizon
) -> tuple[dict[str, AgentPreferences], list[str]]:
    """The preferences that apply to the planned week, by agent id, and notices.

    Raises WfmInputError with every problem of every file when any file is wrong.
    """
    if not folder.exists():
        return {}, [f"{folder}: no preference folder; rostering without wishes"]
    result = check_preferences(folder, config, agents)
    result.raise_problems()
    preferences: dict[str, AgentPreferences] = {}
    notices = list(result.notices)
    for path, prefs in result.preferences.items():
        if prefs.week is not None and prefs.week != horizon.start:
            notices.append(
                f"{path}: preferences for the week of {prefs.week}, not {horizon.start}; not used"
            )
            continue
        preferences[prefs.agent_id] = prefs
    return preferences, notices


# --- a starter file ---------------------------------------------------------------------


def render_template(agent: Agent, config: Config, week: dt.date | None = None) -> str:
    """A commented starter preference file for one agent; valid as it stands."""
    contract = config.contracts.get(agent.contract)
    allowed = [
        s
        for s in config.shifts
        if contract is None or not contract.shifts or s.name in contract.shifts
    ] or list(config.shifts)
    wanted, avoided = allowed[0], allowed[-1]
    first_start = wanted.start_minutes()[0]
    window = f"{format_clock(first_start)}-{format_clock(min(first_start + 120, 1440))}"
    shift_lines = "\n".join(
        f"#   {s.name:<12} starts {s.earliest_start}-{s.latest_start}, "
        f"{s.length_minutes // 60} h {s.length_minutes % 60:02d} min on site"
        for s in allowed
    )
    name = f"{agent.name} ({agent.id})" if agent.name else agent.id
    budget = config.wishes.points_budget
    if week is None:
        week_line = "# week: YYYY-MM-DD      # 加上这一行 = 只用于这一周 (add it for one week only)"
    else:
        week_line = (
            f"week: {week.isoformat()}       # 只用于这一周；删掉 = 每周适用 "
            "(this week only; delete the line for every week)"
        )
    return f"""\
# {name} 的排班偏好 · shift preferences of {name}
# 合同 contract: {agent.contract}; 可上的班次 shifts you can work:
{shift_lines}
#
# 愿望 (wishes) 是软性的：排班时按优先级尽量满足，但人力覆盖优先。
# Wishes are soft: granted by priority where coverage allows.
# 每个愿望的优先级 priority 为 1-10；一周所有愿望合计最多 {budget} 点。
# Each wish has a priority 1-10; all wishes together at most {budget} points a week.
# 不能上班的时间 (unavailable) 是硬性的，必须写原因。
# Unavailable times are hard rules and need a reason.
# 日子 (days): mon tue wed thu fri sat sun，或日期 or a date YYYY-MM-DD.
# 写好后检查 · check when done:  wfm prefs check
# 去掉行首的 "# " 即可启用示例 · remove the leading "# " to use an example.

agent_id: {agent.id}
{week_line}

wishes:
  # - day_off: fri              # 想休息的一天 (a day off wanted)
  #   priority: 3
  #   note: 孩子生日             # 备注，可不写 (a note, optional)
  # - shift: {wanted.name:<20} # 想上的班次 (a shift wanted)
  #   days: [mon, tue]
  #   priority: 2
  # - avoid_shift: {avoided.name:<14} # 不想上的班次 (a shift not wanted)
  #   days: [sat, sun]
  #   priority: 2
  # - start_window: "{window}"  # 上班时间在此范围内开始 (start within)
  #   days: [wed]
  #   priority: 1

unavailable:
  # - day: thu                  # 星期或日期 (weekday or date)
  #   time: "18:00-21:00"       # 不写 = 全天 (whole day when absent)
  #   reason: 夜校 (evening class)
"""


def write_template(
    agent: Agent, config: Config, path: Path, week: dt.date | None = None, overwrite: bool = False
) -> Path:
    """Write a starter file; an existing file is kept unless `overwrite`."""
    if path.exists() and not overwrite:
        raise WfmInputError(
            [Problem(str(path), "already exists; edit it, or pass --force to start over")]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(render_template(agent, config, week))
        os.replace(staging, path)
    finally:
        if os.path.exists(staging):
            os.unlink(staging)
    return path


def week_start_problem(week: dt.date, config: Config) -> str | None:
    """Why `week` is not the first day of a planning week (site.week_starts_on), or None."""
    first = config.site.first_weekday
    if week.weekday() == first or week == config.planning.week_start:
        return None
    start = week - dt.timedelta(days=(week.weekday() - first) % 7)
    return (
        f"{week.isoformat()} is a {week:%A}; give the {start:%A} the week starts on "
        f"(did you mean {start.isoformat()}?)"
    )
