"""Per-agent calendars: `agents/<agent_id>.ics`, one event per shift, to import in any app.

Times carry the site's time zone (config.site.timezone) with its VTIMEZONE definition, so a
phone set to another zone still shows the shift at the right moment. Each event's UID is
made from agent, date and start, so re-importing an updated roster replaces rather than
duplicates the shifts that kept their slot.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd

from wfm.config import Config
from wfm.domain import PlanResult
from wfm.timeutil import parse_clock

CALENDAR_DIR = "agents"
_TEXT = {
    "en": {"shift": "Shift {name} {start}-{end}", "breaks": "Breaks", "roster": "Roster"},
    "zh": {"shift": "班次 {name} {start}-{end}", "breaks": "休息", "roster": "排班"},
}


def calendar_name(agent_id: str) -> str:
    """A file name safe on every file system, whatever the agent id holds."""
    safe = re.sub(r"[^\w.-]+", "_", agent_id).strip("._") or "agent"
    return f"{safe}.ics"


def _moment(day: dt.date, clock: str, zone: ZoneInfo) -> dt.datetime:
    # Wall-clock arithmetic on an aware datetime keeps local time across a DST change;
    # a timedelta also allows the end of day, 24:00.
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return midnight + dt.timedelta(minutes=parse_clock(clock))


def agent_calendar(
    plan: PlanResult, config: Config, agent_id: str, lang: str = "en"
) -> icalendar.Calendar:
    """One agent's shifts in the planned days as an iCalendar."""
    words = _TEXT.get(lang, _TEXT["en"])
    zone = ZoneInfo(config.site.timezone)
    names = {a.id: a.name for a in plan.agents}
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//wfm//roster//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    title = f"{words['roster']} {names.get(agent_id) or agent_id} ({agent_id})"
    calendar.add("x-wr-calname", f"{title} {plan.horizon.start.isoformat()}")
    calendar.add("x-wr-timezone", config.site.timezone)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    shifts = plan.roster.shifts
    own = shifts[shifts["agent_id"].astype(str) == agent_id]
    for _, shift in own.sort_values(["date", "shift_start"], kind="stable").iterrows():
        day = pd.Timestamp(shift["date"]).date()
        start = _moment(day, str(shift["shift_start"]), zone)
        end = _moment(day, str(shift["shift_end"]), zone)
        if end <= start:  # runs past midnight
            end = _moment(day + dt.timedelta(days=1), str(shift["shift_end"]), zone)
        name = str(shift.get("shift") or "")
        event = icalendar.Event()
        event.add("uid", f"{agent_id}-{day.isoformat()}-{shift['shift_start']}@wfm")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add(
            "summary",
            words["shift"].format(name=name, start=shift["shift_start"], end=shift["shift_end"]),
        )
        breaks = str(shift.get("breaks") or "")
        if breaks and breaks != "nan":
            event.add("description", f"{words['breaks']}: {breaks.replace(';', ', ')}")
        event.add("location", config.site.name)
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar


def write_calendars(plan: PlanResult, config: Config, folder: Path, lang: str = "en") -> list[Path]:
    """Write agents/<agent_id>.ics for every agent (an empty week too); returns the paths."""
    directory = folder / CALENDAR_DIR
    directory.mkdir(parents=True, exist_ok=True)
    ids = [a.id for a in plan.agents]
    ids += [str(a) for a in pd.unique(plan.roster.shifts["agent_id"]) if str(a) not in ids]
    written = []
    for agent_id in ids:
        path = directory / calendar_name(agent_id)
        path.write_bytes(agent_calendar(plan, config, agent_id, lang).to_ical())
        written.append(path)
    return written
