"""`roster.xlsx`: the plan as a planner opens it — summary, roster grid, coverage, fairness.

Written with xlsxwriter, which only writes: every value goes in as a typed cell (numbers as
numbers, times as Excel datetimes) so sorting and filtering work in Excel and LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from wfm.config import ChannelKind, Config
from wfm.domain import PlanResult
from wfm.export.report import (
    PlanSummary,
    agent_table,
    channel_order,
    interval_label,
    service_target,
    wishes_frame,
)
from wfm.timeutil import WEEKDAYS

SHEETS = ("Summary", "Roster", "Coverage", "Agents", "Wishes", "Inputs")
OFF = "OFF"
FAMILY_COLOURS = {
    "early": "#FFF2CC",
    "day": "#DDEBF7",
    "late": "#E4DFEC",
    "part": "#E2EFDA",
    "other": "#FCE4D6",
}
OFF_COLOUR = "#F2F2F2"
SHORT_COLOUR = "#FFC7CE"
SHORT_FONT = "#9C0006"
ROSTER_ID_COLUMNS = ("ID", "Name", "Team", "Skills", "Contract")
COVERAGE_FIELDS = ("Required", "Scheduled", "Gap", "Expected SL")


def day_header(day: dt.date) -> str:
    """'Mon 11-23': short enough for a column, with the weekday planners think in."""
    return day.strftime("%a %m-%d")


class _Formats:
    """The workbook's cell formats, created once per workbook (xlsxwriter requires it)."""

    def __init__(self, book: Workbook) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.section = book.add_format({"bold": True, "font_size": 12})
        self.header = book.add_format(
            {"bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.group = book.add_format(
            {"bold": True, "bg_color": "#BDD7EE", "border": 1, "align": "center"}
        )
        self.label = book.add_format({"bold": True})
        self.text = book.add_format({})
        self.integer = book.add_format({"num_format": "0"})
        self.decimal = book.add_format({"num_format": "#,##0.0"})
        self.decimal2 = book.add_format({"num_format": "#,##0.00"})
        self.percent = book.add_format({"num_format": "0.0%"})
        self.stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.short = book.add_format({"bg_color": SHORT_COLOUR, "font_color": SHORT_FONT})
        self.below_target = book.add_format({"font_color": "#C65911", "bold": True})
        self.off = book.add_format(
            {"bg_color": OFF_COLOUR, "font_color": "#808080", "align": "center", "border": 1}
        )
        self.family = {
            family: book.add_format({"bg_color": colour, "align": "center", "border": 1})
            for family, colour in FAMILY_COLOURS.items()
        }


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _put(sheet: Worksheet, row: int, col: int, value: object, fmt: Any = None) -> None:
    """Write one typed cell; missing values become blank cells rather than #NUM! errors."""
    if _is_missing(value) or value == "":
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "yes" if value else "no", fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, float(value), fmt)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), fmt)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def _number(value: Any) -> object:
    """numpy scalars -> Python numbers, so _put can tell ints, floats and bools apart."""
    return value.item() if hasattr(value, "item") else value


def _table(
    sheet: Worksheet,
    row: int,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    formats: _Formats,
    column_formats: Sequence[Any] | None = None,
    col: int = 0,
) -> int:
    """Write a header and rows; returns the first row after the table."""
    for j, name in enumerate(header):
        sheet.write_string(row, col + j, name, formats.header)
    for i, values in enumerate(rows, start=1):
        for j, value in enumerate(values):
            fmt = column_formats[j] if column_formats else None
            _put(sheet, row + i, col + j, _number(value), fmt)
    return row + len(rows) + 1


# --- Summary ----------------------------------------------------------------------------


def _summary_sheet(book: Workbook, s: PlanSummary, formats: _Formats) -> None:
    sheet = book.add_worksheet("Summary")
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 10, 16)
    sheet.write_string(0, 0, f"Workforce plan — {s.site}", formats.title)
    headline: list[tuple[str, object, Any]] = [
        (
            "Planning week",
            f"{s.first_day:%Y-%m-%d} to {s.last_day:%Y-%m-%d} (ISO week {s.iso_week})",
            None,
        ),
        ("Agents rostered / total", f"{s.agents_rostered} / {s.agents_total}", None),
        ("Total paid hours", s.paid_hours, formats.decimal),
        ("Required agent-intervals met", s.coverage_share, formats.percent),
        ("Under-staffed intervals (gap < 0)", s.understaffed_intervals, formats.integer),
        ("Wishes granted / total", f"{s.wishes_granted} / {s.wishes_total}", None),
        ("Solver status", s.status, None),
        ("Objective", s.objective, formats.decimal2),
        ("Best bound", s.best_bound, formats.decimal2),
        ("Gap", s.gap, formats.percent),
        ("Solve time (s)", s.wall_seconds, formats.decimal),
    ]
    row = 2
    for label, value, fmt in headline:
        sheet.write_string(row, 0, label, formats.label)
        _put(sheet, row, 1, value, fmt)
        row += 1

    row += 1
    sheet.write_string(row, 0, "Per channel", formats.section)
    row = _table(
        sheet,
        row + 1,
        [
            "Channel",
            "Label",
            "Required agent-hours",
            "Scheduled agent-hours",
            "Required met",
            "Under-staffed intervals",
            "Expected SL",
            "SL target",
            "Forecast model",
            "Backtest WAPE",
            "Seasonal naive WAPE",
        ],
        [
            [
                c.channel,
                c.label,
                c.required_agent_hours,
                c.scheduled_agent_hours,
                c.coverage_share,
                c.understaffed_intervals,
                c.expected_service_level,
                c.service_target,
                c.forecast_model,
                c.backtest_wape,
                c.seasonal_naive_wape,
            ]
            for c in s.channels
        ],
        formats,
        [
            None,
            None,
            formats.decimal,
            formats.decimal,
            formats.percent,
            formats.integer,
            formats.percent,
            formats.percent,
            None,
            formats.percent,
            formats.percent,
        ],
    )

    row += 1
    sheet.write_string(
        row,
        0,
        f"Worst under-staffed intervals ({s.understaffed_intervals} in all)",
        formats.section,
    )
    if s.worst_intervals.empty:
        sheet.write_string(row + 1, 0, "None")
        row += 2
    else:
        row = _table(
            sheet,
            row + 1,
            ["Interval", "Channel", "Required", "Scheduled", "Gap"],
            [
                [interval_label(r.interval_start), r.channel, r.required, r.scheduled, r.gap]
                for r in s.worst_intervals.itertuples(index=False)
            ],
            formats,
        )

    row += 1
    sheet.write_string(row, 0, "Wishes by priority", formats.section)
    row = _table(
        sheet,
        row + 1,
        ["Priority", "Granted", "Total"],
        [[r.priority, r.granted, r.total] for r in s.wishes_by_priority.itertuples()],
        formats,
    )

    if s.penalties:
        row += 1
        sheet.write_string(row, 0, "Penalties (objective breakdown)", formats.section)
        _table(
            sheet,
            row + 1,
            ["Rule", "Penalty"],
            [[k, v] for k, v in s.penalties.items()],
            formats,
            [None, formats.decimal2],
        )


# --- Roster -----------------------------------------------------------------------------


def _family(row: pd.Series, config: Config) -> str:
    family = row.get("family")
    if _is_missing(family) or not family:
        template = next((t for t in config.shifts if t.name == row.get("shift")), None)
        family = template.family if template else None
    family = str(family) if family else "other"
    return family if family in FAMILY_COLOURS else "other"


def _roster_sheet(book: Workbook, plan: PlanResult, config: Config, formats: _Formats) -> None:
    sheet = book.add_worksheet("Roster")
    shifts = plan.roster.shifts
    dates = plan.horizon.dates
    cells: dict[tuple[str, dt.date], list[tuple[str, str]]] = {}
    for _, shift in shifts.sort_values("shift_start", kind="stable").iterrows():
        day = pd.Timestamp(shift["date"]).date()
        text = f"{shift['shift_start']}-{shift['shift_end']}"
        cells.setdefault((str(shift["agent_id"]), day), []).append((text, _family(shift, config)))

    agents = {a.id: a for a in plan.agents}
    extra = [str(a) for a in pd.unique(shifts["agent_id"]) if str(a) not in agents]
    paid = shifts.groupby(shifts["agent_id"].astype(str))["paid_minutes"].sum() / 60

    header = [*ROSTER_ID_COLUMNS, *(day_header(d) for d in dates), "Days", "Paid hours"]
    for j, name in enumerate(header):
        sheet.write_string(0, j, name, formats.header)
    first_day_col = len(ROSTER_ID_COLUMNS)
    for i, agent_id in enumerate([*agents, *extra], start=1):
        agent = agents.get(agent_id)
        identity = (
            [agent.id, agent.name, agent.team, ", ".join(agent.skills), agent.contract]
            if agent
            else [agent_id, None, None, None, None]
        )
        for j, value in enumerate(identity):
            _put(sheet, i, j, value or None)
        worked = 0
        for j, day in enumerate(dates, start=first_day_col):
            entries = cells.get((agent_id, day))
            if entries:
                worked += 1
                text = "\n".join(t for t, _ in entries)
                sheet.write_string(i, j, text, formats.family[entries[0][1]])
            else:
                sheet.write_string(i, j, OFF, formats.off)
        sheet.write_number(i, first_day_col + len(dates), worked, formats.integer)
        sheet.write_number(
            i, first_day_col + len(dates) + 1, float(paid.get(agent_id, 0.0)), formats.decimal
        )

    last_row = len(agents) + len(extra)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(last_row, 1), len(header) - 1)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 4, 12)
    sheet.set_column(first_day_col, first_day_col + len(dates) - 1, 13)
    sheet.set_column(first_day_col + len(dates), len(header) - 1, 10)

    legend_row = last_row + 2
    sheet.write_string(legend_row, 0, "Shift family", formats.label)
    for j, family in enumerate(FAMILY_COLOURS, start=1):
        sheet.write_string(legend_row, j, family, formats.family[family])
    sheet.write_string(legend_row, len(FAMILY_COLOURS) + 1, OFF, formats.off)


# --- Coverage ---------------------------------------------------------------------------


def _coverage_sheet(book: Workbook, plan: PlanResult, config: Config, formats: _Formats) -> None:
    """One row per interval, a block of four columns per channel, a chart per channel.

    Intervals where no channel needs or has anyone (the night) are left out: they are
    noise in the table and flatten the charts.
    """
    sheet = book.add_worksheet("Coverage")
    coverage = plan.roster.coverage
    channels = [c for c in channel_order(plan, config) if (coverage["channel"] == c).any()]
    busy = coverage.groupby("interval_start")[["required", "scheduled"]].sum()
    stamps = sorted(busy.index[(busy["required"] > 0) | (busy["scheduled"] > 0)])
    by_key = coverage.set_index(["interval_start", "channel"])

    sheet.merge_range(0, 0, 0, 2, "Interval", formats.group)
    for j, name in enumerate(("Interval start", "Day", "Time")):
        sheet.write_string(1, j, name, formats.header)
    for k, channel in enumerate(channels):
        col = 3 + 4 * k
        settings = config.channels.get(channel)
        label = (settings.label if settings else None) or channel
        sheet.merge_range(0, col, 0, col + 3, f"{label} ({channel})", formats.group)
        for j, name in enumerate(COVERAGE_FIELDS):
            sheet.write_string(1, col + j, name, formats.header)

    for i, stamp in enumerate(stamps, start=2):
        moment = pd.Timestamp(stamp)
        sheet.write_datetime(i, 0, moment.to_pydatetime(), formats.stamp)
        sheet.write_string(i, 1, day_header(moment.date()))
        sheet.write_string(i, 2, moment.strftime("%H:%M"))
        for k, channel in enumerate(channels):
            col = 3 + 4 * k
            if (stamp, channel) not in by_key.index:
                continue
            values = by_key.loc[(stamp, channel)]
            _put(sheet, i, col, _number(values["required"]), formats.integer)
            _put(sheet, i, col + 1, _number(values["scheduled"]), formats.integer)
            _put(sheet, i, col + 2, _number(values["gap"]), formats.integer)
            _put(sheet, i, col + 3, _number(values["expected_service_level"]), formats.percent)

    last_row = max(len(stamps) + 1, 2)
    last_col = 2 + 4 * len(channels)
    sheet.freeze_panes(2, 3)
    sheet.autofilter(1, 0, last_row, last_col)
    sheet.set_column(0, 0, 17)
    sheet.set_column(1, 2, 10)
    sheet.set_column(3, last_col, 11)
    per_day = max(1, math.ceil(len(stamps) / max(plan.horizon.days, 1)))
    for k, channel in enumerate(channels):
        col = 3 + 4 * k
        sheet.conditional_format(
            2, col + 2, last_row, col + 2,
            {"type": "cell", "criteria": "<", "value": 0, "format": formats.short},
        )  # fmt: skip
        target = service_target(config, channel)
        if target is not None:
            sheet.conditional_format(
                2, col + 3, last_row, col + 3,
                {"type": "cell", "criteria": "<", "value": target, "format": formats.below_target},
            )  # fmt: skip
        if stamps:
            _coverage_chart(book, sheet, channel, col, last_row, per_day, last_col, k)


def _coverage_chart(
    book: Workbook,
    sheet: Worksheet,
    channel: str,
    col: int,
    last_row: int,
    per_day: int,
    last_col: int,
    index: int,
) -> None:
    chart = book.add_chart({"type": "line"})
    assert chart is not None  # xlsxwriter returns None only for unknown chart types
    categories = ["Coverage", 2, 0, last_row, 0]
    for offset, name, colour in ((0, "Required", "#404040"), (1, "Scheduled", "#2E75B6")):
        chart.add_series(
            {
                "name": name,
                "categories": categories,
                "values": ["Coverage", 2, col + offset, last_row, col + offset],
                "line": {"color": colour, "width": 1.5},
            }
        )
    chart.set_title({"name": f"{channel}: required vs scheduled agents"})
    # A text axis keeps every interval apart; a date axis would fold a day's hours together.
    chart.set_x_axis({"text_axis": True, "num_format": "ddd hh:mm", "interval_unit": per_day})
    chart.set_y_axis({"name": "agents", "min": 0})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 300})
    sheet.insert_chart(2 + index * 16, last_col + 2, chart)


# --- Agents, Wishes, Inputs --------------------------------------------------------------


def _agents_sheet(book: Workbook, plan: PlanResult, formats: _Formats) -> None:
    sheet = book.add_worksheet("Agents")
    table = agent_table(plan)
    header = [
        "ID",
        "Name",
        "Team",
        "Contract",
        "Paid hours",
        "Shifts",
        "Weekend shifts",
        "Evening shifts (end after 19:00)",
        "Wishes granted",
        "Wishes denied",
        "Priority points granted",
        "Priority points denied",
    ]
    column_formats = [None] * 4 + [formats.decimal] + [formats.integer] * 7
    last = _table(sheet, 0, header, table.to_numpy().tolist(), formats, column_formats)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(last - 1, 1), len(header) - 1)
    sheet.set_column(0, 3, 12)
    sheet.set_column(4, len(header) - 1, 11)
    sheet.set_row(0, 45)


def _wishes_sheet(book: Workbook, plan: PlanResult, formats: _Formats) -> None:
    sheet = book.add_worksheet("Wishes")
    wishes = wishes_frame(plan)
    names = {a.id: a.name for a in plan.agents}
    rows = [
        [
            str(r["agent_id"]),
            names.get(str(r["agent_id"]), ""),
            r["wish"],
            r["priority"],
            bool(r["granted"]),
            r.get("reason", ""),
        ]
        for _, r in wishes.iterrows()
    ]
    header = ["Agent ID", "Name", "Wish", "Priority", "Granted", "Reason"]
    last = _table(sheet, 0, header, rows, formats, [None, None, None, formats.integer, None, None])
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(last - 1, 1), len(header) - 1)
    sheet.conditional_format(
        1, 4, max(last - 1, 1), 4,
        {"type": "cell", "criteria": "==", "value": '"no"', "format": formats.short},
    )  # fmt: skip
    sheet.set_column(0, 1, 12)
    sheet.set_column(2, 2, 36)
    sheet.set_column(3, 4, 9)
    sheet.set_column(5, 5, 48)


def _hours_text(spec: str | dict[str, str | list[str]]) -> str:
    if isinstance(spec, str):
        return spec
    return "; ".join(
        f"{day} {value if isinstance(value, str) else ', '.join(value)}"
        for day, value in spec.items()
    )


def _inputs_sheet(book: Workbook, plan: PlanResult, config: Config, formats: _Formats) -> None:
    sheet = book.add_worksheet("Inputs")
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 12, 14)
    sheet.write_string(0, 0, "Inputs", formats.section)
    horizon = plan.horizon
    facts = [
        *plan.inputs.items(),
        ("site", config.site.name),
        ("timezone", config.site.timezone),
        ("first day", horizon.start.isoformat()),
        ("days", str(horizon.days)),
        ("interval minutes", str(horizon.interval_minutes)),
        ("solver time limit (s)", str(config.solver.time_limit_seconds)),
        ("solver seed", str(config.solver.seed)),
        ("weight: under-coverage", str(config.objective.under_coverage)),
        ("weight: over-coverage", str(config.objective.over_coverage)),
        ("weight: wish point", str(config.objective.wish_point)),
    ]
    row = _table(sheet, 1, ["Key", "Value"], [list(f) for f in facts], formats)

    row += 1
    sheet.write_string(row, 0, "Channels", formats.section)
    row = _table(
        sheet,
        row + 1,
        [
            "Channel",
            "Label",
            "Kind",
            "Hours",
            "SL target",
            "Answer within (s)",
            "ASA goal (s)",
            "Response (min)",
            "Concurrency",
            "Max occupancy",
            "Shrinkage",
            "Default AHT (s)",
        ],
        [
            [
                name,
                c.label or "",
                c.kind.value,
                _hours_text(c.hours),
                *(
                    (None, None, None)
                    if c.kind is ChannelKind.DEFERRED
                    else (c.service.target, c.service.answer_seconds, c.service.asa_seconds)
                ),
                c.response_minutes,
                c.concurrency,
                c.max_occupancy,
                c.shrinkage,
                c.aht_seconds,
            ]
            for name, c in config.channels.items()
        ],
        formats,
        [None] * 4 + [formats.percent] + [None] * 4 + [formats.percent] * 2 + [None],
    )

    row += 1
    sheet.write_string(row, 0, "Shift templates", formats.section)
    row = _table(
        sheet,
        row + 1,
        [
            "Shift",
            "Family",
            "Length (min)",
            "Paid (min)",
            "Earliest start",
            "Latest start",
            "Start step (min)",
            "Days",
            "Breaks",
        ],
        [
            [
                t.name,
                t.family or "",
                t.length_minutes,
                t.paid_minutes,
                t.earliest_start,
                t.latest_start,
                t.start_step_minutes,
                "all" if set(t.days) == set(WEEKDAYS) else ", ".join(t.days),
                "; ".join(
                    f"{b.name} {b.length_minutes} min, starts {b.earliest_start_after_minutes}-"
                    f"{b.latest_start_after_minutes} min after start{', paid' if b.paid else ''}"
                    for b in t.breaks
                ),
            ]
            for t in config.shifts
        ],
        formats,
    )

    row += 1
    sheet.write_string(row, 0, "Contracts", formats.section)
    _table(
        sheet,
        row + 1,
        ["Contract", "Min h/week", "Max h/week", "Max days/week", "Shifts"],
        [
            [
                name,
                c.min_hours_per_week,
                c.max_hours_per_week,
                c.max_days_per_week,
                "all" if c.shifts is None else ", ".join(c.shifts),
            ]
            for name, c in config.contracts.items()
        ],
        formats,
    )


def write_workbook(plan: PlanResult, config: Config, summary: PlanSummary, path: Path) -> Path:
    """Write roster.xlsx with the sheets in SHEETS order."""
    book = xlsxwriter.Workbook(str(path), {"remove_timezone": True})
    try:
        formats = _Formats(book)
        _summary_sheet(book, summary, formats)
        _roster_sheet(book, plan, config, formats)
        _coverage_sheet(book, plan, config, formats)
        _agents_sheet(book, plan, formats)
        _wishes_sheet(book, plan, formats)
        _inputs_sheet(book, plan, config, formats)
    finally:
        book.close()
    return path
