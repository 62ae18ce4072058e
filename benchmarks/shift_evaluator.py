"""Score a roster on a Curtois & Qu shift-scheduling instance, independently of wfm's model.

Reads the instance text and a list of (employee, day, shift) assignments and returns the
objective and every hard-rule violation, following the rules in ../shared/data/README.md.
Nothing here imports wfm.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Instance:
    name: str
    horizon: int
    shift_minutes: dict[str, int]
    cannot_follow: dict[str, set[str]]
    staff: dict[str, dict] = field(default_factory=dict)
    days_off: dict[str, set[int]] = field(default_factory=dict)
    on_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    off_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    cover: list[tuple[int, str, int, int, int]] = field(default_factory=list)


def _sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            sections[current] = []
        elif current and line:
            sections[current].append(line)
    return sections


def parse_instance(path: Path) -> Instance:
    s = _sections(path.read_text())
    horizon = int(s["SECTION_HORIZON"][0])
    minutes, follow = {}, {}
    for line in s["SECTION_SHIFTS"]:
        parts = line.split(",")
        minutes[parts[0]] = int(parts[1])
        follow[parts[0]] = {x for x in (parts[2] if len(parts) > 2 else "").split("|") if x}
    inst = Instance(path.stem, horizon, minutes, follow)
    for line in s["SECTION_STAFF"]:
        sid, max_shifts, max_min, min_min, max_cons, min_cons, min_off, max_we = line.split(",")
        limits = {}
        for item in max_shifts.split("|"):
            if item:
                k, val = item.split("=")
                limits[k] = int(val)
        inst.staff[sid] = {
            "max_shifts": limits,
            "max_minutes": int(max_min),
            "min_minutes": int(min_min),
            "max_consecutive": int(max_cons),
            "min_consecutive": int(min_cons),
            "min_days_off": int(min_off),
            "max_weekends": int(max_we),
        }
    for line in s.get("SECTION_DAYS_OFF", []):
        parts = line.split(",")
        inst.days_off[parts[0]] = {int(d) for d in parts[1:] if d}
    for line in s.get("SECTION_SHIFT_ON_REQUESTS", []):
        e, d, sh, w = line.split(",")
        inst.on_requests.append((e, int(d), sh, int(w)))
    for line in s.get("SECTION_SHIFT_OFF_REQUESTS", []):
        e, d, sh, w = line.split(",")
        inst.off_requests.append((e, int(d), sh, int(w)))
    for line in s["SECTION_COVER"]:
        d, sh, req, wu, wo = line.split(",")
        inst.cover.append((int(d), sh, int(req), int(wu), int(wo)))
    return inst


def _runs(flags: list[bool], value: bool) -> list[tuple[int, int]]:
    """Maximal runs (start, end inclusive) of `value` in flags."""
    runs, start = [], None
    for i, flag in enumerate([*flags, not value]):
        if flag == value and start is None:
            start = i
        elif flag != value and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


def evaluate(inst: Instance, assignments: list[tuple[str, int, str]]) -> tuple[int, list[str]]:
    """(objective, violations) of a roster given as (employee, day, shift) rows."""
    bad: list[str] = []
    roster: dict[str, dict[int, str]] = defaultdict(dict)
    for e, d, sh in assignments:
        if d in roster[e]:
            bad.append(f"{e} day {d}: two shifts")
        roster[e][d] = sh
        if e not in inst.staff:
            bad.append(f"unknown employee {e}")
        if sh not in inst.shift_minutes:
            bad.append(f"unknown shift {sh}")
        if not 0 <= d < inst.horizon:
            bad.append(f"{e}: day {d} outside horizon")
    h = inst.horizon
    for e, rules in inst.staff.items():
        days = roster.get(e, {})
        for d in sorted(days):
            if d + 1 in days and days[d + 1] in inst.cannot_follow[days[d]]:
                bad.append(f"{e}: {days[d + 1]} cannot follow {days[d]} (day {d})")
        for sh, limit in rules["max_shifts"].items():
            if sum(1 for v in days.values() if v == sh) > limit:
                bad.append(f"{e}: too many {sh}")
        total = sum(inst.shift_minutes[v] for v in days.values())
        if not rules["min_minutes"] <= total <= rules["max_minutes"]:
            bad.append(
                f"{e}: {total} minutes outside [{rules['min_minutes']}, {rules['max_minutes']}]"
            )
        worked = [d in days for d in range(h)]
        for a, b in _runs(worked, True):
            if b - a + 1 > rules["max_consecutive"]:
                bad.append(f"{e}: {b - a + 1} consecutive shifts from day {a}")
            if a > 0 and b < h - 1 and b - a + 1 < rules["min_consecutive"]:
                bad.append(f"{e}: only {b - a + 1} consecutive shifts from day {a}")
        for a, b in _runs(worked, False):
            if a > 0 and b < h - 1 and b - a + 1 < rules["min_days_off"]:
                bad.append(f"{e}: only {b - a + 1} days off from day {a}")
        weekends = sum(1 for w in range(h // 7) if worked[7 * w + 5] or worked[7 * w + 6])
        if weekends > rules["max_weekends"]:
            bad.append(f"{e}: {weekends} weekends worked")
        for d in inst.days_off.get(e, set()):
            if d in days:
                bad.append(f"{e}: works on day off {d}")
    cost = 0
    for e, d, sh, w in inst.on_requests:
        if roster.get(e, {}).get(d) != sh:
            cost += w
    for e, d, sh, w in inst.off_requests:
        if roster.get(e, {}).get(d) == sh:
            cost += w
    heads: dict[tuple[int, str], int] = defaultdict(int)
    for days in roster.values():
        for d, sh in days.items():
            heads[d, sh] += 1
    for d, sh, req, wu, wo in inst.cover:
        have = heads[d, sh]
        cost += wu * max(0, req - have) + wo * max(0, have - req)
    return cost, bad
