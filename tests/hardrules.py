"""An independent checker of the roster's hard rules, written without the model's code.

It reads only the config, agents, preferences and the output frames (roster.csv and
assignments.csv columns) and returns every violation it finds as text.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence

import pandas as pd

from wfm.config import Config, Contract
from wfm.domain import Agent, AgentPreferences


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _weekday(name: str) -> int:
    return ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].index(name[:3].lower())


def _days_of(refs: Sequence[object], dates: Sequence[dt.date]) -> list[dt.date]:
    found = []
    for ref in refs:
        if isinstance(ref, dt.date):
            found += [ref] if ref in dates else []
        else:
            found += [d for d in dates if d.weekday() == _weekday(str(ref))]
    return found


def violations(
    config: Config,
    agents: Sequence[Agent],
    preferences: Mapping[str, AgentPreferences],
    roster: pd.DataFrame,
    assignments: pd.DataFrame,
    dates: Sequence[dt.date],
) -> list[str]:
    found: list[str] = []
    by_id = {a.id: a for a in agents}
    templates = {t.name: t for t in config.shifts}
    step = config.planning.interval_minutes
    worked: dict[str, list[tuple[dt.datetime, dt.datetime, int]]] = defaultdict(list)
    templates_of: dict[str, dict[dt.date, str]] = defaultdict(dict)
    expected_activity: dict[tuple[pd.Timestamp, str], str] = {}

    for row in roster.itertuples():
        agent = by_id.get(row.agent_id)
        if agent is None:
            found.append(f"unknown agent {row.agent_id}")
            continue
        date = row.date if isinstance(row.date, dt.date) else dt.date.fromisoformat(str(row.date))
        start = dt.datetime.combine(date, dt.time()) + dt.timedelta(
            minutes=_minutes(row.shift_start)
        )
        matches = []
        contract = config.contracts[agent.contract]
        for t in templates.values():
            end = start + dt.timedelta(minutes=t.length_minutes)
            first, last = _minutes(t.earliest_start), _minutes(t.latest_start)
            on_step = (_minutes(row.shift_start) - first) % t.start_step_minutes == 0
            if (
                f"{end:%H:%M}" == row.shift_end
                and first <= _minutes(row.shift_start) <= last
                and on_step
                and date.weekday() in {_weekday(d) for d in t.days}
                and (contract.shifts is None or t.name in contract.shifts)
            ):
                matches.append(t)
        if not matches:
            found.append(
                f"{row.agent_id} {date}: {row.shift_start}-{row.shift_end} fits no template"
            )
            continue
        template = matches[0]
        templates_of[row.agent_id][date] = template.name
        end = start + dt.timedelta(minutes=template.length_minutes)
        worked[row.agent_id].append((start, end, int(row.paid_minutes)))
        if int(row.paid_minutes) != template.paid_minutes:
            found.append(
                f"{row.agent_id} {date}: paid {row.paid_minutes} != {template.paid_minutes}"
            )
        # Breaks: one per rule, the right length, starting inside the rule's window.
        texts = [b for b in str(row.breaks or "").split(";") if b and b != "nan"]
        if len(texts) != len(template.breaks):
            found.append(
                f"{row.agent_id} {date}: {len(texts)} breaks, template has {len(template.breaks)}"
            )
        on_break = set()
        for text, rule in zip(sorted(texts), template.breaks, strict=False):
            b_start, b_end = (_minutes(x) for x in text.split("-"))
            offset = b_start - _minutes(row.shift_start)
            if not rule.earliest_start_after_minutes <= offset <= rule.latest_start_after_minutes:
                found.append(f"{row.agent_id} {date}: break {text} outside its window")
            if (b_end - b_start) % 1440 != rule.length_minutes:
                found.append(f"{row.agent_id} {date}: break {text} has the wrong length")
            for k in range(rule.length_minutes // step):
                on_break.add(start + dt.timedelta(minutes=offset + k * step))
        t = start
        while t < end:
            expected_activity[pd.Timestamp(t), row.agent_id] = "break" if t in on_break else "work"
            t += dt.timedelta(minutes=step)

    for agent_id, shifts in worked.items():
        agent = by_id[agent_id]
        contract = config.contracts[agent.contract]
        shifts.sort()
        days = [s.date() for s, _, _ in shifts]
        if len(days) != len(set(days)):
            found.append(f"{agent_id}: more than one shift on a day")
        paid_hours = sum(p for _, _, p in shifts) / 60
        share = len(dates) / 7
        if (
            not contract.min_hours_per_week * share - 1e-6
            <= paid_hours
            <= contract.max_hours_per_week * share + 1e-6
        ):
            found.append(f"{agent_id}: {paid_hours} paid hours outside the contract")
        if contract.max_hours_total is not None and paid_hours > contract.max_hours_total + 1e-6:
            found.append(f"{agent_id}: {paid_hours} paid hours over the horizon's maximum")
        if contract.min_hours_total is not None and paid_hours < contract.min_hours_total - 1e-6:
            found.append(f"{agent_id}: {paid_hours} paid hours under the horizon's minimum")
        if len(shifts) > -(-contract.max_days_per_week * len(dates) // 7):
            found.append(
                f"{agent_id}: {len(shifts)} working days, max {contract.max_days_per_week}"
            )
        for (_, end, _), (start, _, _) in zip(shifts, shifts[1:], strict=False):
            if (start - end).total_seconds() / 3600 < config.rules.min_rest_hours:
                found.append(f"{agent_id}: only {(start - end)} rest before {start}")
        found += _pattern_violations(
            agent_id, contract, days, templates_of[agent_id], dates, config
        )
        prefs = preferences.get(agent_id)
        for item in prefs.unavailable if prefs else ():
            window = (
                (0, 1440) if item.time is None else tuple(_minutes(x) for x in item.time.split("-"))
            )
            for date in _days_of(item.days, dates):
                block_start = dt.datetime.combine(date, dt.time()) + dt.timedelta(minutes=window[0])
                block_end = dt.datetime.combine(date, dt.time()) + dt.timedelta(minutes=window[1])
                for start, end, _ in shifts:
                    if start < block_end and block_start < end:
                        found.append(f"{agent_id}: works {start} while unavailable ({item.reason})")

    seen: set[tuple[pd.Timestamp, str]] = set()
    for row in assignments.itertuples():
        key = (pd.Timestamp(row.interval_start), row.agent_id)
        if key in seen:
            found.append(f"{row.agent_id} has two activities at {row.interval_start}")
        seen.add(key)
        expected = expected_activity.get(key)
        if expected is None:
            found.append(f"{row.agent_id} assigned at {row.interval_start} outside any shift")
        elif expected == "break" and row.activity != "break":
            found.append(f"{row.agent_id} works through the break at {row.interval_start}")
        elif expected == "work":
            if row.activity not in by_id[row.agent_id].skills:
                found.append(f"{row.agent_id} on unskilled channel {row.activity}")
            else:
                ts = pd.Timestamp(row.interval_start)
                windows = config.channels[row.activity].windows()[ts.weekday()]
                minute = ts.hour * 60 + ts.minute
                if not any(a <= minute < b for a, b in windows):
                    found.append(f"{row.agent_id} on closed channel {row.activity} at {ts}")
    missing = set(expected_activity) - seen
    if missing:
        found.append(f"{len(missing)} shift intervals have no assignment row, e.g. {min(missing)}")
    return found


def _pattern_violations(
    agent_id: str,
    contract: Contract,
    days: list[dt.date],
    templates: dict[dt.date, str],
    dates: Sequence[dt.date],
    config: Config,
) -> list[str]:
    """Runs of work and rest, weekends, per-type and total limits, forbidden sequences."""
    found = []
    work = [d in set(days) for d in dates]
    runs: list[tuple[bool, int, int]] = []  # (working, first index, length)
    for i, flag in enumerate(work):
        if runs and runs[-1][0] == flag:
            runs[-1] = (flag, runs[-1][1], runs[-1][2] + 1)
        else:
            runs.append((flag, i, 1))
    for flag, first, length in runs:
        inner = first > 0 and first + length < len(dates)
        if flag and contract.max_consecutive_days and length > contract.max_consecutive_days:
            found.append(f"{agent_id}: {length} days in a row from {dates[first]}")
        if (
            flag
            and inner
            and contract.min_consecutive_days
            and length < contract.min_consecutive_days
        ):
            found.append(f"{agent_id}: only {length} working days in a row from {dates[first]}")
        if (
            not flag
            and inner
            and contract.min_consecutive_days_off
            and length < contract.min_consecutive_days_off
        ):
            found.append(f"{agent_id}: only {length} days off in a row from {dates[first]}")
    if contract.max_weekends is not None:
        weekends = {d.isocalendar()[:2] for d in days if d.weekday() >= 5}
        if len(weekends) > contract.max_weekends:
            found.append(f"{agent_id}: {len(weekends)} weekends worked")
    for name, limit in contract.max_shifts.items():
        if sum(1 for t in templates.values() if t == name) > limit:
            found.append(f"{agent_id}: more than {limit} {name} shifts")
    banned = {(s.first, s.then) for s in config.rules.forbidden_sequences}
    for date, name in templates.items():
        following = templates.get(date + dt.timedelta(days=1))
        if following and (name, following) in banned:
            found.append(f"{agent_id}: {following} follows {name} on {date}")
    return found
