"""Generate the bundled demo data of a mid-size Chinese contact centre (deterministic).

Writes, relative to the project root:

* data/history.csv          two years of hourly contacts and handle times per channel
* data/agents.yaml          100 agents with teams, skills and contracts
* data/preferences/*.yaml   shift wishes and unavailability of about 75 agents

Run `python scripts/make_demo_data.py`; the same seed always gives byte-identical files.
The numbers follow configs/wfm.yaml: channels phone/chat/social and their opening hours,
shift templates early/day/late/part_time, contracts full_time/part_time, the 618 and
Double-11 promotions (with that file's days_before/days_after) and country CN holidays.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
import yaml

SEED = 20261123
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

# --------------------------------------------------------------------------- history

FIRST_DAY = dt.date(2024, 11, 25)  # a Monday
LAST_DAY = dt.date(2026, 11, 22)  # a Sunday; the planning week starts 2026-11-23
OUTAGE_DAY = dt.date(2025, 8, 14)  # telephony/CRM outage: no data recorded that day
CHANNELS = ("phone", "chat", "social")

# Average contacts on a weekday (Mon-Fri), over the whole history (growth is centred on it).
WEEKDAY_LEVEL = {"phone": 1600.0, "chat": 800.0, "social": 270.0}
# Day-of-week factors relative to the weekday average (Mon..Sun); weekends ~65 %.
WEEKDAY_FACTOR = np.array([1.12, 1.02, 1.00, 0.98, 0.93, 0.67, 0.63])
WEEKDAY_FACTOR[:5] /= WEEKDAY_FACTOR[:5].mean()
GROWTH_PER_YEAR = 0.08
YEARLY_AMPLITUDE = 0.05  # mild: a little busier in winter (year-end, pre-Spring-Festival)
HOLIDAY_FACTOR = 0.45
CATCH_UP_FACTOR = 1.20  # first working day after Spring Festival / National Day
DAILY_NOISE_SD = 0.04  # day-to-day lognormal wobble shared by all hours of the day
NB_SHAPE = 50.0  # Poisson-gamma: hourly rate ~ Gamma(k, mu/k); CV of the rate = 1/sqrt(k)

# Promotions: factor by offset from the event day. The windows match configs/wfm.yaml
# (618: days_before 2, days_after 1; Double-11: days_before 3, days_after 2).
RAMP_BEFORE = (1.20, 1.35, 1.50)  # day -3, -2, -1
EVENT_DAY = 1.90
AFTER = (1.40, 1.15)  # day +1, +2
EVENTS = {"618": ((6, 18), 2, 1), "Double-11": ((11, 11), 3, 2)}
SOCIAL_EVENT_EXPONENT = 1.35  # social reacts more strongly: 1.9 -> 2.38

OPEN_HOURS = {  # hour starts, per weekday (Mon=0); from configs/wfm.yaml
    "phone": {d: range(8, 21) for d in range(7)},
    "chat": {d: range(8, 21) for d in range(7)},
    "social": {**{d: range(8, 21) for d in range(6)}, 6: range(9, 18)},
}

# Weekday intraday shapes for hours 08..20 (normalised later).
INTRADAY = {
    #         08     09     10     11     12     13     14     15     16     17     18     19     20
    "phone": [
        0.055,
        0.088,
        0.118,
        0.104,
        0.074,
        0.078,
        0.093,
        0.095,
        0.086,
        0.071,
        0.057,
        0.050,
        0.043,
    ],
    "chat": [
        0.045,
        0.072,
        0.101,
        0.095,
        0.081,
        0.084,
        0.090,
        0.091,
        0.084,
        0.076,
        0.068,
        0.064,
        0.057,
    ],
    "social": [
        0.060,
        0.076,
        0.091,
        0.088,
        0.080,
        0.081,
        0.085,
        0.085,
        0.080,
        0.075,
        0.071,
        0.068,
        0.064,
    ],
}
# Weekends and holidays start later and keep the evening.
WEEKEND_HOUR_TWEAK = {8: 0.60, 9: 0.85, 18: 1.10, 19: 1.10, 20: 1.10}
EVENT_EVENING_TWEAK = {19: 1.30, 20: 1.40}  # the 20:00 presale start on promotion days

AHT_BASE = {"phone": 390.0, "chat": 360.0, "social": 300.0}
AHT_HOUR = {  # by hour 08..20: longer early and in the evening
    "phone": [1.02, 1.00, 0.98, 0.98, 1.00, 1.00, 0.99, 0.99, 1.00, 1.02, 1.05, 1.07, 1.08],
    "chat": [1.01, 1.00, 0.99, 0.99, 1.00, 1.00, 0.99, 0.99, 1.00, 1.01, 1.03, 1.04, 1.05],
    "social": [1.00, 1.00, 0.99, 0.99, 1.00, 1.00, 1.00, 1.00, 1.00, 1.01, 1.02, 1.03, 1.03],
}
AHT_CONTACT_CV = {"phone": 0.65, "chat": 0.55, "social": 0.70}  # spread of single contacts
AHT_EVENT_FACTOR = 1.06  # order and delivery questions take longer around promotions
AHT_WEEKEND_FACTOR = 1.02


def _holiday_table(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    table = holidays.country_holidays("CN", years=range(first.year, last.year + 1))
    return {day: str(name) for day, name in sorted(table.items())}


def _catch_up_days(table: dict[dt.date, str]) -> set[dt.date]:
    """First Mon-Fri non-holiday after each Spring Festival / National Day holiday block."""
    days = sorted(table)
    blocks: list[list[dt.date]] = []
    for day in days:
        if blocks and (day - blocks[-1][-1]).days <= 3:
            blocks[-1].append(day)
        else:
            blocks.append([day])
    result = set()
    for block in blocks:
        names = " ".join(table[d] for d in block)
        if "Spring Festival" not in names and "National Day" not in names:
            continue
        day = block[-1] + dt.timedelta(days=1)
        while day.weekday() >= 5 or day in table:
            day += dt.timedelta(days=1)
        result.add(day)
    return result


def _event_factors(dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Per date: the promotion factor (1 outside) and whether it is an event day itself."""
    factor = np.ones(len(dates))
    is_event_day = np.zeros(len(dates), dtype=bool)
    index = {d.date(): i for i, d in enumerate(dates)}
    for (month, day), before, after in EVENTS.values():
        for year in range(dates[0].year, dates[-1].year + 1):
            centre = dt.date(year, month, day)
            profile = {0: EVENT_DAY}
            profile.update({-k: RAMP_BEFORE[-k] for k in range(1, before + 1)})
            profile.update({k: AFTER[k - 1] for k in range(1, after + 1)})
            for offset, value in profile.items():
                i = index.get(centre + dt.timedelta(days=offset))
                if i is not None:
                    factor[i] = max(factor[i], value)
                    is_event_day[i] |= offset == 0
    return factor, is_event_day


def make_history(rng: np.random.Generator) -> pd.DataFrame:
    dates = pd.date_range(FIRST_DAY, LAST_DAY, freq="D")
    n = len(dates)
    weekday = np.asarray(dates.day_of_week)
    table = _holiday_table(FIRST_DAY, LAST_DAY)
    is_holiday = np.array([d.date() in table for d in dates])
    catch_up = _catch_up_days(table)
    is_catch_up = np.array([d.date() in catch_up for d in dates])
    event, is_event_day = _event_factors(dates)
    in_event = event > 1

    years = np.asarray((dates - dates[0]).days, dtype=float) / 365.25
    growth = (1 + GROWTH_PER_YEAR) ** (years - years.mean())
    doy = np.asarray(dates.day_of_year, dtype=float)
    yearly = 1 + YEARLY_AMPLITUDE * np.cos(2 * np.pi * (doy - 20) / 365.25)
    calendar = np.where(is_holiday, HOLIDAY_FACTOR, 1.0) * np.where(
        is_catch_up, CATCH_UP_FACTOR, 1.0
    )
    daily_noise = rng.lognormal(-(DAILY_NOISE_SD**2) / 2, DAILY_NOISE_SD, size=n)
    aht_day_noise = rng.normal(1.0, 0.02, size=n)

    frames = []
    for channel in CHANNELS:
        ev = event ** (SOCIAL_EVENT_EXPONENT if channel == "social" else 1.0)
        day_mean = (
            WEEKDAY_LEVEL[channel]
            * WEEKDAY_FACTOR[weekday]
            * growth
            * yearly
            * calendar
            * ev
            * daily_noise
            * rng.lognormal(-(0.02**2) / 2, 0.02, size=n)  # a little channel-specific wobble
        )
        base_shape = np.asarray(INTRADAY[channel])
        rows_ts, rows_mu, rows_aht = [], [], []
        for i, date in enumerate(dates):
            hours = np.asarray(OPEN_HOURS[channel][weekday[i]])
            shape = base_shape[hours - 8].copy()
            if weekday[i] >= 5 or is_holiday[i]:
                shape *= [WEEKEND_HOUR_TWEAK.get(h, 1.0) for h in hours]
            if is_event_day[i]:
                shape *= [EVENT_EVENING_TWEAK.get(h, 1.0) for h in hours]
            shape /= shape.sum()
            aht = AHT_BASE[channel] * np.asarray(AHT_HOUR[channel])[hours - 8] * aht_day_noise[i]
            if weekday[i] >= 5:
                aht *= AHT_WEEKEND_FACTOR
            if in_event[i] and channel != "social":
                aht *= AHT_EVENT_FACTOR
            rows_ts.append(date + pd.to_timedelta(hours, unit="h"))
            rows_mu.append(day_mean[i] * shape)
            rows_aht.append(aht)
        timestamps = np.concatenate(rows_ts)
        mu = np.concatenate(rows_mu)
        aht_mean = np.concatenate(rows_aht)
        rate = rng.gamma(NB_SHAPE, mu / NB_SHAPE)
        contacts = rng.poisson(rate)
        # The hour's mean of `contacts` single handle times: noisier when few contacts.
        sd = aht_mean * AHT_CONTACT_CV[channel] / np.sqrt(np.maximum(contacts, 1))
        aht = np.clip(aht_mean + rng.normal(0.0, 1.0, size=len(mu)) * sd, 0.4 * aht_mean, None)
        aht = np.where(contacts > 0, aht, aht_mean)  # no contacts: the planned handle time
        frames.append(
            pd.DataFrame(
                {
                    "timestamp": pd.DatetimeIndex(timestamps),
                    "channel": channel,
                    "contacts": contacts.astype(int),
                    "aht_seconds": np.round(aht, 1),
                }
            )
        )
    history = pd.concat(frames, ignore_index=True)
    history = history[history["timestamp"].dt.date != OUTAGE_DAY]
    order = {c: i for i, c in enumerate(CHANNELS)}
    history = history.sort_values(
        ["timestamp", "channel"], key=lambda s: s.map(order) if s.name == "channel" else s
    )
    return history.reset_index(drop=True)


def write_history(history: pd.DataFrame, path: Path) -> None:
    out = history.copy()
    out["timestamp"] = out["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    out.to_csv(path, index=False, float_format="%.1f", lineterminator="\n")


# --------------------------------------------------------------------------- agents

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤"
)
GIVEN_NAMES = (  # space-separated
    "芳 伟 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 婷 玉兰 雪 慧 欣怡 子涵 "
    "浩然 宇轩 梓萱 一诺 思琪 佳怡 俊杰 晓东 晓燕 海燕 建华 志强 丹 颖 琳 倩 萍 鹏 辉 斌 飞 宁 红 "
    "博文 雨桐 诗涵 天宇 嘉怡 文静 晨曦 梦瑶 雅婷 子轩 家豪 凯 亮 佳 琪 悦 晶 璐 蕾 楠 欢 越 "
    "春梅 秋菊 冬梅 小红 小燕 晓丽 丽娟 建国 国强 志明 海涛 永刚 金凤 美玲 玉梅 淑芬 立新 "
    "子豪 若曦 思远 明轩 雨欣 可欣 安琪 欣妍 俊豪 宇航 昊天 乐怡"
)
GIVEN = GIVEN_NAMES.split()

# (team, skills, count, of which part-time). Teams are organised around queues.
TEAM_PLAN = [
    ("T1", ("phone",), 13, 3),
    ("T2", ("phone",), 13, 2),
    ("T3", ("phone",), 14, 2),
    ("T4", ("phone", "chat"), 12, 2),
    ("T5", ("phone", "chat"), 12, 1),
    ("T6", ("phone", "chat"), 11, 0),
    ("T7", ("chat", "social"), 8, 1),
    ("T7", ("phone", "chat", "social"), 5, 0),
    ("T8", ("chat", "social"), 7, 1),
    ("T8", ("phone", "chat", "social"), 5, 0),
]


@dataclass
class AgentRow:
    id: str
    name: str
    team: str
    skills: tuple[str, ...]
    contract: str


def _names(rng: np.random.Generator, count: int) -> list[str]:
    # Common surnames are drawn more often (roughly Zipf-like, as in the population).
    weights = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.8
    weights /= weights.sum()
    names = ["王芳"]  # A001, the example in the documentation
    while len(names) < count:
        name = SURNAMES[rng.choice(len(SURNAMES), p=weights)] + GIVEN[rng.integers(len(GIVEN))]
        if name not in names:
            names.append(name)
    return names


def make_agents(rng: np.random.Generator) -> list[AgentRow]:
    slots: list[tuple[str, tuple[str, ...], str]] = []
    for team, skills, count, part in TEAM_PLAN:
        slots += [(team, skills, "part_time")] * part + [(team, skills, "full_time")] * (
            count - part
        )
    order = rng.permutation(len(slots))  # ids follow hiring order, not team
    names = _names(rng, len(slots))
    agents = []
    for number, slot_index in enumerate(order, start=1):
        team, skills, contract = slots[slot_index]
        agents.append(AgentRow(f"A{number:03d}", names[number - 1], team, skills, contract))
    return agents


AGENTS_HEADER = """\
# 坐席名单 (agents of the demo contact centre) — generated by scripts/make_demo_data.py
#
# One entry per agent:
#   id        unique agent id; preference files are named data/preferences/<id>.yaml
#   name      display name (UTF-8)
#   team      team / supervisor group T1..T8 (T1-T3 hotline, T4-T6 hotline+chat,
#             T7-T8 digital: chat, social media and e-mail)
#   skills    channels from configs/wfm.yaml the agent may serve: phone, chat, social
#   contract  a contract from configs/wfm.yaml: full_time (32-40 h, early/day/late shifts)
#             or part_time (12-24 h, 4-hour part_time shifts)
"""


def write_agents(agents: list[AgentRow], path: Path) -> None:
    records = [
        {
            "id": a.id,
            "name": a.name,
            "team": a.team,
            "skills": list(a.skills),
            "contract": a.contract,
        }
        for a in agents
    ]
    body = yaml.safe_dump(
        records, allow_unicode=True, sort_keys=False, default_flow_style=None, width=100
    )
    path.write_text(AGENTS_HEADER + "\n" + body, encoding="utf-8")


# --------------------------------------------------------------------------- preferences

WEEK = dt.date(2026, 11, 23)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_CN = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
FULL_TIME_SHIFTS = ("early", "day", "late")

DAY_OFF_NOTES = [
    "孩子生日 (child's birthday)",
    "回老家 (visiting family)",
    "陪父母看病 (taking parents to the doctor)",
    "朋友婚礼 (friend's wedding)",
    "驾照考试 (driving test)",
    "搬家 (moving house)",
    "家长会 (parent-teacher meeting)",
    None,
    None,
]
FRIDAY_NOTES = [
    "周末回老家，周五晚的高铁 (train home on Friday)",
    "孩子周五下午放学早 (kids finish school early on Friday)",
    "周五羽毛球比赛 (badminton league)",
    "想连休三天 (long weekend)",
    None,
]
SHIFT_NOTES = {
    "early": ["下午接孩子放学 (school pick-up)", "晚上上网课 (online course)", None],
    "day": ["早上送孩子上学 (school run)", "通勤远，避开早高峰 (long commute)", None],
    "late": [
        "早上照顾老人 (caring for a parent in the morning)",
        "不想早起 (not a morning person)",
    ],
    "part_time": ["下午有空 (free in the afternoon)", None],
}
AVOID_NOTES = {
    "late": ["晚上要照顾孩子 (children in the evening)", "末班地铁太早 (last metro too early)"],
    "early": ["通勤一个多小时 (commute over an hour)", None],
    "day": [None],
}


@dataclass
class Prefs:
    agent: AgentRow
    wishes: list[dict] = field(default_factory=list)
    unavailable: list[dict] = field(default_factory=list)
    week: bool = False
    comment: str | None = None
    used_days: set[int] = field(default_factory=set)  # weekdays a wish or absence names
    blocked_days: set[int] = field(default_factory=set)  # weekdays with an unavailability


def _pick(rng: np.random.Generator, items: list) -> object:
    return items[rng.integers(len(items))]


def _free_days(p: Prefs, candidates: range | list[int] | tuple[int, ...]) -> list[int]:
    return [d for d in candidates if d not in p.used_days]


def _add_unavailability(p: Prefs, rng: np.random.Generator, kind: str) -> None:
    """At most 2 distinct days per agent, so a full-time week of 4-5 shifts stays feasible."""
    if kind == "childcare":
        days = sorted(rng.choice(5, size=2, replace=False).tolist())
        p.unavailable.append(
            {
                "days": [DAYS[d] for d in days],
                "time": "08:00-10:00",
                "reason": "送孩子上学 (school run)",
                "comment": "八点半前要送到学校 (school starts 08:30)",
            }
        )
    elif kind == "evening_class":
        days = _pick(rng, [[1, 3], [0, 2], [2]])
        p.unavailable.append(
            {
                "days": [DAYS[d] for d in days],
                "time": "18:00-21:00",
                "reason": _pick(
                    rng, ["夜校 (evening class)", "成人自考课程 (adult degree course)"]
                ),
            }
        )
    elif kind == "medical":
        d = int(rng.integers(0, 5))
        p.unavailable.append(
            {
                "days": [WEEK + dt.timedelta(days=d)],
                "time": _pick(rng, ["09:00-12:00", "14:00-17:00"]),
                "reason": _pick(rng, ["医院复诊 (hospital follow-up)", "牙医 (dentist)"]),
            }
        )
        p.week = True
    elif kind == "whole_day":
        d = int(rng.integers(0, 7))
        p.unavailable.append(
            {
                "days": [WEEK + dt.timedelta(days=d)],
                "reason": _pick(
                    rng,
                    [
                        "自学考试 (exam)",
                        "亲戚婚礼 (relative's wedding)",
                        "办理房产手续 (property paperwork)",
                    ],
                ),
            }
        )
        p.week = True
    elif kind == "student":  # part-time students: lectures in the morning
        days = _pick(rng, [[0, 2], [1, 3], [3]])
        p.unavailable.append(
            {
                "days": [DAYS[d] for d in days],
                "time": "08:00-13:00",
                "reason": "大学上课 (university lectures)",
            }
        )
    elif kind == "elder_care":
        p.unavailable.append(
            {"days": ["sun"], "reason": "照顾住院的父亲 (caring for father in hospital)"}
        )
    for entry in p.unavailable:
        for day in entry["days"]:
            d = day.weekday() if isinstance(day, dt.date) else DAYS.index(day)
            p.used_days.add(d)
            p.blocked_days.add(d)


def _random_wish(p: Prefs, rng: np.random.Generator) -> dict | None:
    part_time = p.agent.contract == "part_time"
    kinds = ["day_off", "day_off_date", "shift", "avoid", "window"]
    weights = [0.28, 0.14, 0.26, 0.14, 0.18] if not part_time else [0.3, 0.15, 0.3, 0, 0.25]
    kind = kinds[rng.choice(len(kinds), p=np.asarray(weights) / sum(weights))]
    if kind in ("day_off", "day_off_date"):
        free = _free_days(p, range(7))
        if not free:
            return None
        d = int(_pick(rng, free))
        p.used_days.add(d)
        if kind == "day_off_date":
            p.week = True
            return {
                "day_off": WEEK + dt.timedelta(days=d),
                "priority": int(rng.integers(4, 9)),
                "note": _pick(rng, DAY_OFF_NOTES[:7]),
            }
        return {
            "day_off": DAYS[d],
            "priority": int(rng.integers(2, 6)),
            "note": _pick(rng, DAY_OFF_NOTES),
        }
    if kind == "shift":
        shift = "part_time" if part_time else str(_pick(rng, ["early", "early", "day", "late"]))
        free = _free_days(p, range(5) if shift != "part_time" else range(7))
        if shift in ("late", "day"):
            free = [d for d in free if d not in p.blocked_days]
        if not free:
            return None
        count = min(len(free), int(rng.integers(1, 4)))
        days = sorted(rng.choice(free, size=count, replace=False).tolist())
        p.used_days.update(days)
        return {
            "shift": shift,
            "days": [DAYS[d] for d in days],
            "priority": int(rng.integers(1, 4)),
            "note": _pick(rng, SHIFT_NOTES[shift]),
        }
    if kind == "avoid":
        shift = str(_pick(rng, ["late", "late", "early"]))
        free = _free_days(p, range(7))
        if not free:
            return None
        count = min(len(free), int(rng.integers(1, 3)))
        days = sorted(rng.choice(free, size=count, replace=False).tolist())
        p.used_days.update(days)
        return {
            "avoid_shift": shift,
            "days": [DAYS[d] for d in days],
            "priority": int(rng.integers(1, 4)),
            "note": _pick(rng, AVOID_NOTES[shift]),
        }
    # start window
    windows = (
        ["08:00-12:00", "13:00-17:00", "12:00-17:00"]
        if part_time
        else ["08:00-09:00", "09:00-11:00", "10:00-11:00", "10:00-12:00"]
    )
    free = _free_days(p, range(5))
    if not free:
        return None
    count = min(len(free), int(rng.integers(1, 4)))
    days = sorted(rng.choice(free, size=count, replace=False).tolist())
    p.used_days.update(days)
    return {
        "start_window": str(_pick(rng, windows)),
        "days": [DAYS[d] for d in days],
        "priority": int(rng.integers(1, 3)),
    }


def make_preferences(rng: np.random.Generator, agents: list[AgentRow]) -> list[Prefs]:
    # A001 (the documentation's example) and 74 others hand in preferences.
    chosen = [0] + sorted((1 + rng.choice(len(agents) - 1, size=74, replace=False)).tolist())
    prefs = {agents[i].id: Prefs(agents[i]) for i in chosen}
    ids = list(prefs)

    # Conflict 1: five full-timers of team T2 all ask for Friday off.
    t2 = [i for i in ids if prefs[i].agent.team == "T2" and prefs[i].agent.contract == "full_time"]
    for agent_id in t2[:5]:
        p = prefs[agent_id]
        p.wishes.append(
            {
                "day_off": "fri",
                "priority": int(rng.integers(3, 6)),
                "note": _pick(rng, FRIDAY_NOTES),
                "comment": "T2 组好几个人都想周五休 (several in T2 want Friday off)",
            }
        )
        p.used_days.add(4)

    # Unavailability: 15 agents, 5 of them with no wishes at all.
    remaining = [i for i in ids if i not in t2[:5]]
    students = [i for i in remaining if prefs[i].agent.contract == "part_time"][:3]
    others = [i for i in remaining if i not in students]
    absent = students + [others[k] for k in rng.choice(len(others), size=12, replace=False)]
    kinds = ["childcare"] * 4 + ["evening_class"] * 3 + ["medical"] * 3 + ["whole_day"] * 1
    kinds += ["elder_care"]
    kinds = [kinds[k] for k in rng.permutation(len(kinds))]
    only_absence = set(absent[1:6])
    for k, agent_id in enumerate(absent):
        kind = "student" if agent_id in students else kinds[k - len(students)]
        _add_unavailability(prefs[agent_id], rng, kind)

    # Conflict 2: many full-timers avoid late shifts at the weekend.
    full = [i for i in ids if prefs[i].agent.contract == "full_time" and i not in only_absence]
    for k in rng.choice(len(full), size=22, replace=False):
        p = prefs[full[k]]
        if {5, 6} & p.used_days:
            continue
        p.wishes.append(
            {
                "avoid_shift": "late",
                "days": ["sat", "sun"],
                "priority": int(rng.integers(2, 5)),
                "note": _pick(rng, ["周末陪家人 (weekend evenings with family)", None, None]),
            }
        )
        p.used_days.update({5, 6})

    # Everyone else: 1-3 wishes of the usual kinds.
    for agent_id in ids:
        p = prefs[agent_id]
        if agent_id in only_absence:
            p.comment = "没有排班愿望，只报不可用时间 (no wishes, only unavailability)"
            continue
        target = int(rng.choice([1, 1, 2, 2, 2, 3]))
        tries = 0
        while len(p.wishes) < target and tries < 10:
            tries += 1
            wish = _random_wish(p, rng)
            if wish is not None:
                p.wishes.append(wish)
        if not p.week and not p.unavailable:  # recurring absences make a standing file
            p.week = bool(rng.random() < 0.5)
    return [prefs[i] for i in ids]


def _scalar(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int):
        return str(value).lower() if isinstance(value, bool) else str(value)
    text = str(value)
    try:
        plain_ok = yaml.safe_load(text) == text and ":" not in text
    except yaml.YAMLError:
        plain_ok = False
    return text if plain_ok else json.dumps(text, ensure_ascii=False)


def _day_comment(days: list) -> str:
    parts = []
    for day in days:
        if isinstance(day, dt.date):
            parts.append(DAY_CN[day.weekday()])
    return f"  # {' '.join(parts)}" if parts else ""


def _days_text(days: list) -> str:
    return "[" + ", ".join(_scalar(d) for d in days) + "]"


def render_preferences(p: Prefs) -> str:
    a = p.agent
    lines = [f"# {a.name}的排班偏好 (preferences of {a.id}, team {a.team}, {a.contract})"]
    if p.week:
        lines.append("# 本周申请 (for the week of 2026-11-23 only)")
        lines.append(f"agent_id: {a.id}")
        lines.append(f"week: {WEEK.isoformat()}")
    else:
        lines.append("# 长期偏好，每周适用 (standing preference, every week)")
        lines.append(f"agent_id: {a.id}")
    if p.wishes:
        lines.append(
            "wishes:                   # 软性愿望：尽量满足 (soft: granted where possible)"
        )
        for wish in p.wishes:
            if wish.get("comment"):
                lines.append(f"  # {wish['comment']}")
            if "day_off" in wish:
                lines.append(
                    f"  - day_off: {_scalar(wish['day_off'])}" + _day_comment([wish["day_off"]])
                )
            else:
                kind = next(k for k in ("shift", "avoid_shift", "start_window") if k in wish)
                value = wish[kind]
                text = f'"{value}"' if kind == "start_window" else value
                lines.append(f"  - {kind}: {text}")
                lines.append(f"    days: {_days_text(wish['days'])}" + _day_comment(wish["days"]))
            lines.append(f"    priority: {wish['priority']}")
            if wish.get("note"):
                lines.append(f"    note: {_scalar(wish['note'])}")
    elif p.comment:
        lines.append(f"# {p.comment}")
    if p.unavailable:
        lines.append("unavailable:              # 硬性：不能上班，需写原因 (hard: cannot work)")
        for entry in p.unavailable:
            if entry.get("comment"):
                lines.append(f"  # {entry['comment']}")
            days = entry["days"]
            if len(days) == 1:
                lines.append(f"  - day: {_scalar(days[0])}" + _day_comment(days))
            else:
                lines.append(f"  - days: {_days_text(days)}" + _day_comment(days))
            if entry.get("time"):
                lines.append(f'    time: "{entry["time"]}"')
            else:
                lines.append("    # 全天 (whole day)")
            lines.append(f"    reason: {_scalar(entry['reason'])}")
    return "\n".join(lines) + "\n"


def write_preferences(prefs: list[Prefs], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    for p in prefs:
        (folder / f"{p.agent.id}.yaml").write_text(render_preferences(p), encoding="utf-8")


# --------------------------------------------------------------------------- main


def main() -> None:
    DATA.mkdir(exist_ok=True)
    history = make_history(np.random.default_rng([SEED, 1]))
    write_history(history, DATA / "history.csv")
    agents = make_agents(np.random.default_rng([SEED, 2]))
    write_agents(agents, DATA / "agents.yaml")
    prefs = make_preferences(np.random.default_rng([SEED, 3]), agents)
    write_preferences(prefs, DATA / "preferences")

    size = (DATA / "history.csv").stat().st_size
    print(f"history.csv: {len(history)} rows, {size / 1e6:.2f} MB")
    daily = history.assign(date=history["timestamp"].dt.date).groupby(["channel", "date"])
    totals = daily["contacts"].sum().reset_index()
    totals["weekday"] = pd.to_datetime(totals["date"]).dt.day_of_week
    table = totals.pivot_table(
        index="channel", columns="weekday", values="contacts", aggfunc="mean"
    )
    table.columns = list(DAYS)
    print("mean contacts per day:\n" + table.round(0).astype(int).to_string())
    shares = history.groupby("channel")["contacts"].sum() / history["contacts"].sum()
    print("channel shares: " + ", ".join(f"{c} {shares[c]:.1%}" for c in CHANNELS))
    skills = pd.Series([" + ".join(a.skills) for a in agents]).value_counts()
    print(f"agents: {len(agents)} ({sum(a.contract == 'part_time' for a in agents)} part-time)")
    print(skills.to_string())
    n_unavail = sum(bool(p.unavailable) for p in prefs)
    n_wishes = sum(len(p.wishes) for p in prefs)
    print(f"preferences: {len(prefs)} files, {n_wishes} wishes, {n_unavail} with unavailability")


if __name__ == "__main__":
    main()
