"""The words of the planner's outputs in English and Simplified Chinese.

Every sheet name, header and sentence of roster.xlsx and summary.md is looked up here by
key, so a language is one column of this table and the layout code stays language-free.
Data (agent names, shift names, notes, the roster's reason texts) is shown as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

LANGS = ("en", "zh")

_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}

# key: (English, Simplified Chinese); `{name}` fields are filled by Text.__call__.
_TEXT: dict[str, tuple[str, str]] = {
    # sheet names (at most 31 characters; the coverage sheets add the channel)
    "sheet.summary": ("Summary", "概要"),
    "sheet.roster": ("Roster", "排班表"),
    "sheet.coverage": ("Coverage", "覆盖"),
    "sheet.agents": ("Agents", "坐席"),
    "sheet.wishes": ("Wishes", "愿望"),
    "sheet.inputs": ("Inputs", "输入"),
    # summary figures
    "title": ("Workforce plan — {site}", "排班计划 — {site}"),
    "planning_week": ("Planning week", "计划周"),
    "week_span": (
        "{first} to {last} (ISO week {week})",
        "{first} 至 {last}（ISO 第 {week} 周）",
    ),
    "agents_rostered": ("Agents rostered / total", "已排班坐席 / 坐席总数"),
    "paid_hours_total": ("Total paid hours", "带薪工时合计"),
    "required_met": ("Required agent-intervals met", "需求人次满足率"),
    "understaffed": ("Under-staffed intervals (gap < 0)", "人手不足时段数（缺口 < 0）"),
    "wishes_granted_total": ("Wishes granted / total", "愿望满足 / 总数"),
    "solver_status": ("Solver status", "求解状态"),
    "objective": ("Objective", "目标值"),
    "best_bound": ("Best bound", "最优下界"),
    "gap": ("Gap", "最优性差距"),  # the solver's, to its bound
    "shortfall": ("Gap", "缺口"),  # scheduled − required agents
    "solve_time": ("Solve time (s)", "求解时间（秒）"),
    "per_channel": ("Per channel", "各渠道"),
    "channel": ("Channel", "渠道"),
    "label": ("Label", "名称"),
    "required_agent_hours": ("Required agent-hours", "需求人时"),
    "scheduled_agent_hours": ("Scheduled agent-hours", "排班人时"),
    "met": ("Required met", "需求满足率"),
    "understaffed_intervals": ("Under-staffed intervals", "人手不足时段数"),
    "expected_sl": ("Expected SL", "预计服务水平"),
    "sl_target": ("SL target", "服务水平目标"),
    "forecast_model": ("Forecast model", "预测模型"),
    "backtest_wape": ("Backtest WAPE", "回测 WAPE"),
    "naive_wape": ("Seasonal naive WAPE", "季节性朴素法 WAPE"),
    "worst": ("Worst under-staffed intervals ({count} in all)", "缺口最大的时段（共 {count} 个）"),
    "none": ("None", "无"),
    # the service check (simulation of the roster)
    "simulated_sl": ("Simulated SL", "模拟服务水平"),
    "sl_low": ("SL low", "下限"),
    "sl_high": ("SL high", "上限"),
    "simulated_asa": ("Simulated ASA (s)", "模拟平均应答（秒）"),
    "abandoned": ("Abandoned", "放弃率"),
    "offered": ("Contacts", "进线量"),
    "missed_intervals": ("Intervals missing target", "未达标时段"),
    "busy_intervals": ("Intervals with contacts", "有进线的时段"),
    "service_check": ("Service check (simulation)", "服务水平校验（仿真）"),
    "service_check_note": (
        "The roster played against simulated contacts at the forecast rate ({what}); "
        "{missed} interval(s) with contacts miss the target.",
        "按预测进线量对排班进行仿真（{what}）；共有 {missed} 个有进线的时段未达标。",
    ),
    "service_check_off": (
        "Not simulated (simulation.enabled is false in the config).",
        "未仿真（配置中 simulation.enabled 为 false）。",
    ),
    "worst_simulated": (
        "Simulated intervals furthest below target",
        "仿真服务水平最低的未达标时段",
    ),
    "no_simulated_miss": (
        "Every interval with contacts meets its target in the simulation.",
        "仿真中所有有进线的时段均达标。",
    ),
    "interval": ("Interval", "时段"),
    "required": ("Required", "需求"),
    "scheduled": ("Scheduled", "排班"),
    "wishes_by_priority": ("Wishes by priority", "按优先级统计的愿望"),
    "priority": ("Priority", "优先级"),
    "granted": ("Granted", "满足"),
    "total": ("Total", "总数"),
    "penalties": ("Penalties (objective breakdown)", "罚分（目标值构成）"),
    "rule": ("Rule", "规则"),
    "penalty": ("Penalty", "罚分"),
    # roster grid
    "id": ("ID", "工号"),
    "name": ("Name", "姓名"),
    "team": ("Team", "班组"),
    "skills": ("Skills", "技能"),
    "contract": ("Contract", "合同"),
    "days_worked": ("Days", "上班天数"),
    "paid_hours": ("Paid hours", "带薪工时"),
    "off": ("OFF", "休"),
    "unavailable_mark": ("UNAVAILABLE", "不可排班"),
    "shift_family": ("Shift family", "班次类别"),
    "legend_off": ("day off", "休息"),
    "legend_unavailable": ("unavailable all day", "全天不可排班"),
    "legend_partial": ("unavailable part of the day (see the note)", "部分时间不可排班（见批注）"),
    "unavailable_note": ("Unavailable {time}: {reason}", "不可排班 {time}：{reason}"),
    "all_day": ("all day", "全天"),
    # coverage sheets
    "coverage_title": (
        "{label}: required vs scheduled agents per interval",
        "{label}：各时段需求与排班人数",
    ),
    "coverage_note": (
        "Gap = scheduled − required: red where short. Expected SL (Erlang) and simulated SL "
        "in orange where below the target{target}.",
        "缺口 = 排班 − 需求：红色为人手不足；预计服务水平（Erlang）与模拟服务水平低于目标{target}"
        "时以橙色显示。",
    ),
    "time": ("Time", "时间"),
    "interval_start": ("Interval start", "时段开始"),
    "timeline": ("Week timeline (for the chart)", "全周时间线（图表数据）"),
    "chart_title": ("{channel}: required vs scheduled agents", "{channel}：需求与排班人数"),
    "agents_axis": ("agents", "人数"),
    # agents sheet
    "shifts": ("Shifts", "班次数"),
    "weekend_shifts": ("Weekend shifts", "周末班次"),
    "evening_shifts": ("Evening shifts (end after 19:00)", "晚班（19:00 后下班）"),
    "wishes_granted": ("Wishes granted", "满足的愿望"),
    "wishes_denied": ("Wishes denied", "未满足的愿望"),
    "points_granted": ("Priority points granted", "满足的优先点数"),
    "points_denied": ("Priority points denied", "未满足的优先点数"),
    "points_used": ("Points used (budget {budget})", "已用点数（预算 {budget}）"),
    "unavailable": ("Unavailable", "不可排班时间"),
    # wishes sheet
    "agent_id": ("Agent ID", "工号"),
    "wish": ("Wish", "愿望"),
    "reason": ("Reason", "原因"),
    "note": ("Note", "备注"),
    "was_granted": ("Granted", "是否满足"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "wish_day_off": ("day off {days}", "休息：{days}"),
    "wish_shift": ("shift {shift} on {days}", "上 {shift} 班：{days}"),
    "wish_avoid_shift": ("no {shift} shift on {days}", "不上 {shift} 班：{days}"),
    "wish_start_window": ("start {window} on {days}", "上班开始于 {window}：{days}"),
    # inputs sheet
    "inputs": ("Inputs", "输入"),
    "key": ("Key", "项目"),
    "value": ("Value", "值"),
    "channels": ("Channels", "渠道"),
    "kind": ("Kind", "类型"),
    "hours": ("Hours", "营业时间"),
    "answer_seconds": ("Answer within (s)", "应答时限（秒）"),
    "asa_goal": ("ASA goal (s)", "平均应答目标（秒）"),
    "response_minutes": ("Response (min)", "回复时限（分钟）"),
    "concurrency": ("Concurrency", "并发数"),
    "max_occupancy": ("Max occupancy", "最高占用率"),
    "shrinkage": ("Shrinkage", "损耗率"),
    "default_aht": ("Default AHT (s)", "默认处理时长（秒）"),
    "shift_templates": ("Shift templates", "班次模板"),
    "shift": ("Shift", "班次"),
    "family": ("Family", "类别"),
    "length_min": ("Length (min)", "时长（分钟）"),
    "paid_min": ("Paid (min)", "带薪（分钟）"),
    "earliest_start": ("Earliest start", "最早开始"),
    "latest_start": ("Latest start", "最晚开始"),
    "start_step": ("Start step (min)", "开始步长（分钟）"),
    "days": ("Days", "适用日"),
    "breaks": ("Breaks", "休息"),
    "all": ("all", "全部"),
    "contracts": ("Contracts", "合同"),
    "min_hours": ("Min h/week", "每周最少小时"),
    "max_hours": ("Max h/week", "每周最多小时"),
    "max_days": ("Max days/week", "每周最多天数"),
    "break_text": (
        "{name} {length} min, starts {first}-{last} min after start{paid}",
        "{name} {length} 分钟，上班后 {first}-{last} 分钟开始{paid}",
    ),
    "paid_suffix": (", paid", "，带薪"),
    "site": ("site", "站点"),
    "timezone": ("timezone", "时区"),
    "first_day": ("first day", "第一天"),
    "days_planned": ("days", "天数"),
    "interval_minutes": ("interval minutes", "时段长度（分钟）"),
    "time_limit": ("solver time limit (s)", "求解时限（秒）"),
    "seed": ("solver seed", "求解随机种子"),
    "weight_under": ("weight: under-coverage", "权重：人手不足"),
    "weight_over": ("weight: over-coverage", "权重：人手过剩"),
    "weight_wish": ("weight: wish point", "权重：愿望点"),
    "points_budget": ("wish points budget", "愿望点数预算"),
    # summary.md
    "md_week": (
        "Week {first} to {last} (ISO week {week}), {minutes}-minute intervals.",
        "计划周 {first} 至 {last}（ISO 第 {week} 周），时段长度 {minutes} 分钟。",
    ),
    "md_headline": ("Headline", "要点"),
    "md_value": ("Value", "数值"),
    "md_agents_rostered": ("Agents rostered", "已排班坐席"),
    "md_of": ("{part} of {whole}", "{part} / {whole}"),
    "md_paid_hours": ("Paid hours", "带薪工时"),
    "md_wishes_granted": ("Wishes granted", "愿望满足"),
    "md_solver": ("Solver", "求解器"),
    "md_solver_line": (
        "{status}, gap {gap} after {seconds} s",
        "{status}，差距 {gap}，用时 {seconds} 秒",
    ),
    "md_channels": ("Channels", "各渠道"),
    "md_required_h": ("Required agent-h", "需求人时"),
    "md_scheduled_h": ("Scheduled agent-h", "排班人时"),
    "md_met": ("Met", "满足率"),
    "md_wape": ("WAPE", "WAPE"),
    "md_no_shortfall": (
        "None: every interval has at least the agents required.",
        "无：每个时段的排班人数都达到需求。",
    ),
    "md_wishes": ("Wishes", "愿望"),
    "md_no_wishes": ("No wishes were made.", "没有提交愿望。"),
    "md_granted_of": ("{granted} of {total} granted.", "共 {total} 个愿望，满足 {granted} 个。"),
    "md_denied": ("Wishes not granted, per agent", "未满足的愿望（按坐席）"),
    "md_denied_more": (
        "… and {count} more in roster.xlsx (sheet {sheet}) and wishes.csv.",
        "……另有 {count} 个，见 roster.xlsx（{sheet} 表）和 wishes.csv。",
    ),
    "md_all_wishes": (
        "Every wish, granted or not, is listed in roster.xlsx (sheet {sheet}) and wishes.csv.",
        "所有愿望（无论是否满足）都列在 roster.xlsx（{sheet} 表）和 wishes.csv 中。",
    ),
    "md_solver_detail": (
        "Status {status}, objective {objective}, bound {bound}, gap {gap}, {seconds} s.",
        "状态 {status}，目标值 {objective}，下界 {bound}，差距 {gap}，用时 {seconds} 秒。",
    ),
    "md_plots": ("Plots", "图表"),
    "md_made_from": ("Made from", "数据来源"),
}

# The keys of PlanResult.inputs (set in wfm.plan) as the Inputs sheet shows them.
_INPUT_KEYS_ZH = {
    "config": "配置文件",
    "site": "站点",
    "planning week": "计划周",
    "interval": "时段长度",
    "history": "历史数据",
    "agents": "坐席名单",
    "preferences": "排班偏好",
    "solver": "求解器",
    "notices": "提示",
}


@dataclass(frozen=True)
class Text:
    """The output words in one language: `t("gap")`, `t("title", site=...)`."""

    lang: str = "en"

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"language '{self.lang}' is not supported; use one of {LANGS}")

    @property
    def _column(self) -> int:
        return LANGS.index(self.lang)

    def __call__(self, key: str, **values: Any) -> str:
        return _TEXT[key][self._column].format(**values)

    def weekday(self, day: dt.date | int) -> str:
        index = day if isinstance(day, int) else day.weekday()
        return _WEEKDAYS[self.lang][index]

    def day_header(self, day: dt.date) -> str:
        """'Mon 11-23' / '周一 11-23': short enough for a column, with the weekday."""
        return f"{self.weekday(day)} {day:%m-%d}"

    def interval(self, value: object) -> str:
        """'Mon 2026-11-23 08:00': the weekday is what planners think in."""
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
        return f"{self.weekday(stamp.date())} {stamp:%Y-%m-%d %H:%M}"

    def input_key(self, key: str) -> str:
        return _INPUT_KEYS_ZH.get(key, key) if self.lang == "zh" else key

    def day_ref(self, ref: object) -> str:
        """A wish's day as written (weekday name or date) in this language."""
        if isinstance(ref, dt.date):
            return ref.isoformat()
        names = _WEEKDAYS["en"]
        text = str(ref)[:3].title()
        return self.weekday(names.index(text)) if text in names else str(ref)


def all_keys() -> list[str]:
    return list(_TEXT)
