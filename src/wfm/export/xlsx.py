"""`roster.xlsx`: the plan as a planner opens it — summary, roster grid, coverage, fairness.

Written with xlsxwriter, which only writes: every value goes in as a typed cell (numbers as
numbers, times as Excel datetimes) so sorting and filtering work in Excel and LibreOffice.
Sheet order: Summary, Roster, one Coverage sheet per channel, Agents, Wishes, Inputs; the
names and headers come from export.i18n in the chosen language.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.chart import Chart
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from wfm.config import ChannelKind, Config
from wfm.domain import PlanResult
from wfm.export.i18n import Text
from wfm.export.report import (
    PlanSummary,
    agent_table,
    channel_order,
    percent,
    service_target,
    unavailable_days,
    wish_table,
)
from wfm.timeutil import WEEKDAYS

FAMILY_COLOURS = {
    "early": "#FFF2CC",
    "day": "#DDEBF7",
    "late": "#E4DFEC",
    "part": "#E2EFDA",
    "other": "#FCE4D6",
}
OFF_COLOUR = "#F2F2F2"
UNAVAILABLE_COLOUR = "#D0CECE"
PARTIAL_BORDER = "#C00000"
SHORT_COLOUR = "#FFC7CE"
SHORT_FONT = "#9C0006"
OVER_COLOUR = "#E2EFDA"
ROSTER_ID_KEYS = ("id", "name", "team", "skills", "contract")
COVERAGE_FIELD_KEYS = ("required", "scheduled", "shortfall", "expected_sl")
SHEET_NAME_LIMIT = 31  # Excel refuses longer sheet names
ROW_HEIGHT = 15  # points, Excel's default
CHART_ROWS = 19  # rows of the default 20-pixel height a 360-pixel chart covers
TIME_COLUMN_WIDTH = 16
DAY_COLUMN_WIDTH = 10
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_names(plan: PlanResult, config: Config, lang: str = "en") -> list[str]:
    """The workbook's sheet names in order, for this plan and language."""
    t = Text(lang)
    coverage = [name for _, name in _coverage_sheets(plan, config, t)]
    return [
        t("sheet.summary"),
        t("sheet.roster"),
        *coverage,
        t("sheet.agents"),
        t("sheet.wishes"),
        t("sheet.inputs"),
    ]


def _coverage_sheets(plan: PlanResult, config: Config, t: Text) -> list[tuple[str, str]]:
    """(channel, sheet name) per channel with coverage rows; names safe and unique."""
    coverage = plan.roster.coverage
    taken = {t(k) for k in ("sheet.summary", "sheet.roster", "sheet.agents", "sheet.wishes")}
    taken.add(t("sheet.inputs"))
    result = []
    for channel in channel_order(plan, config):
        if not (coverage["channel"] == channel).any():
            continue
        base = _SHEET_FORBIDDEN.sub("_", f"{t('sheet.coverage')} {channel}").strip("'")
        name = base[:SHEET_NAME_LIMIT]
        counter = 2
        while name.lower() in {n.lower() for n in taken}:
            suffix = f" ({counter})"
            name = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
            counter += 1
        taken.add(name)
        result.append((channel, name))
    return result


class _Formats:
    """The workbook's cell formats, created once per workbook (xlsxwriter requires it)."""

    def __init__(self, book: Workbook) -> None:
        self._book = book
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.section = book.add_format({"bold": True, "font_size": 12})
        self.note = book.add_format({"italic": True, "font_color": "#595959"})
        self.header = book.add_format(
            {"bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.group = book.add_format(
            {"bold": True, "bg_color": "#BDD7EE", "border": 1, "align": "center"}
        )
        self.label = book.add_format({"bold": True})
        self.integer = book.add_format({"num_format": "0"})
        self.decimal = book.add_format({"num_format": "#,##0.0"})
        self.decimal2 = book.add_format({"num_format": "#,##0.00"})
        self.percent = book.add_format({"num_format": "0.0%"})
        self.stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.short = book.add_format({"bg_color": SHORT_COLOUR, "font_color": SHORT_FONT})
        self.over = book.add_format({"bg_color": OVER_COLOUR})
        self.below_target = book.add_format({"font_color": "#C65911", "bold": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.top = book.add_format({"valign": "top"})
        self.integer_top = book.add_format({"num_format": "0", "valign": "top"})
        self.decimal_top = book.add_format({"num_format": "#,##0.0", "valign": "top"})
        self._cells: dict[tuple[str, bool], Format] = {}

    def cell(self, kind: str, partial: bool = False) -> Format:
        """A roster-grid cell: a shift family, 'off' or 'unavailable'; partial adds a border.

        A red border marks a day the agent is unavailable for part of; the cell's note says
        when and why.
        """
        key = (kind, partial)
        if key not in self._cells:
            spec: dict[str, Any] = {"align": "center", "valign": "vcenter", "border": 1}
            if kind == "off":
                spec.update(bg_color=OFF_COLOUR, font_color="#808080")
            elif kind == "unavailable":
                spec.update(bg_color=UNAVAILABLE_COLOUR, font_color="#7F7F7F", italic=True)
            else:
                spec.update(bg_color=FAMILY_COLOURS.get(kind, FAMILY_COLOURS["other"]))
            if partial:
                spec.update(border=2, border_color=PARTIAL_BORDER)
            self._cells[key] = self._book.add_format(spec)
        return self._cells[key]


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _put(sheet: Worksheet, row: int, col: int, value: object, fmt: Any = None) -> None:
    """Write one typed cell; missing values become blank cells rather than #NUM! errors."""
    if _is_missing(value) or value == "":
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
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
    if any(len(name) > 14 for name in header):
        sheet.set_row(row, 30)  # long names wrap onto a second line
    for j, name in enumerate(header):
        sheet.write_string(row, col + j, name, formats.header)
    for i, values in enumerate(rows, start=1):
        for j, value in enumerate(values):
            fmt = column_formats[j] if column_formats else None
            _put(sheet, row + i, col + j, _number(value), fmt)
    return row + len(rows) + 1


def _text_width(text: str) -> float:
    """Display width in Excel characters; CJK and other wide characters take about 1.7."""
    return sum(1.7 if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in text)


def _fit_rows(
    sheet: Worksheet, first_row: int, rows: Sequence[Sequence[object]], widths: Mapping[int, float]
) -> None:
    """Give rows with wrapped text the height of their longest cell.

    Excel grows such rows itself when it opens the file; LibreOffice keeps the default
    height, hiding all but the first line, so the height is set here.
    """
    for i, values in enumerate(rows):
        lines = 1
        for col, width in widths.items():
            text = values[col] if col < len(values) else None
            if isinstance(text, str) and text:
                wrapped = sum(
                    max(1, math.ceil(_text_width(part) / max(width - 1, 1)))
                    for part in text.split("\n")
                )
                lines = max(lines, wrapped)
        if lines > 1:
            sheet.set_row(first_row + i, ROW_HEIGHT * lines)


def _print_wide(sheet: Worksheet, header_rows: int) -> None:
    """Landscape, one page wide, headers repeated: the sheet prints and converts to PDF."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, header_rows - 1)


# --- Summary ----------------------------------------------------------------------------


def _summary_sheet(book: Workbook, s: PlanSummary, formats: _Formats, t: Text) -> None:
    sheet = book.add_worksheet(t("sheet.summary"))
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 10, 16)
    sheet.write_string(0, 0, t("title", site=s.site), formats.title)
    week = t(
        "week_span", first=f"{s.first_day:%Y-%m-%d}", last=f"{s.last_day:%Y-%m-%d}", week=s.iso_week
    )
    headline: list[tuple[str, object, Any]] = [
        (t("planning_week"), week, None),
        (t("agents_rostered"), f"{s.agents_rostered} / {s.agents_total}", None),
        (t("paid_hours_total"), s.paid_hours, formats.decimal),
        (t("required_met"), s.coverage_share, formats.percent),
        (t("understaffed"), s.understaffed_intervals, formats.integer),
        (t("wishes_granted_total"), f"{s.wishes_granted} / {s.wishes_total}", None),
        (t("solver_status"), s.status, None),
        (t("objective"), s.objective, formats.decimal2),
        (t("best_bound"), s.best_bound, formats.decimal2),
        (t("gap"), s.gap, formats.percent),
        (t("solve_time"), s.wall_seconds, formats.decimal),
    ]
    row = 2
    for label, value, fmt in headline:
        sheet.write_string(row, 0, label, formats.label)
        _put(sheet, row, 1, value, fmt)
        row += 1

    row += 1
    sheet.write_string(row, 0, t("per_channel"), formats.section)
    row = _table(
        sheet,
        row + 1,
        [
            t("channel"),
            t("label"),
            t("required_agent_hours"),
            t("scheduled_agent_hours"),
            t("met"),
            t("understaffed_intervals"),
            t("expected_sl"),
            t("sl_target"),
            t("forecast_model"),
            t("backtest_wape"),
            t("naive_wape"),
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

    row = _service_check_block(sheet, row + 1, s, formats, t)

    row += 1
    sheet.write_string(row, 0, t("worst", count=s.understaffed_intervals), formats.section)
    if s.worst_intervals.empty:
        sheet.write_string(row + 1, 0, t("none"))
        row += 2
    else:
        row = _table(
            sheet,
            row + 1,
            [t("interval"), t("channel"), t("required"), t("scheduled"), t("shortfall")],
            [
                [t.interval(r.interval_start), r.channel, r.required, r.scheduled, r.gap]
                for r in s.worst_intervals.itertuples(index=False)
            ],
            formats,
        )

    row += 1
    sheet.write_string(row, 0, t("wishes_by_priority"), formats.section)
    row = _table(
        sheet,
        row + 1,
        [t("priority"), t("granted"), t("total")],
        [[r.priority, r.granted, r.total] for r in s.wishes_by_priority.itertuples()],
        formats,
    )

    if s.penalties:
        row += 1
        sheet.write_string(row, 0, t("penalties"), formats.section)
        _table(
            sheet,
            row + 1,
            [t("rule"), t("penalty")],
            [[k, v] for k, v in s.penalties.items()],
            formats,
            [None, formats.decimal2],
        )
    sheet.set_portrait()
    sheet.fit_to_pages(1, 0)


def _service_check_block(
    sheet: Worksheet, row: int, s: PlanSummary, formats: _Formats, t: Text
) -> int:
    """The simulation's verdict per channel and its worst intervals; returns the next row."""
    sheet.write_string(row, 0, t("service_check"), formats.section)
    if not s.simulated:
        sheet.write_string(row + 1, 0, t("service_check_off"))
        return row + 2
    note = t("service_check_note", what=s.simulation_text, missed=s.simulated_misses)
    sheet.write_string(row + 1, 0, note, formats.note)
    row = _table(
        sheet,
        row + 2,
        [
            t("channel"),
            t("expected_sl"),
            t("simulated_sl"),
            t("sl_low"),
            t("sl_high"),
            t("sl_target"),
            t("simulated_asa"),
            t("abandoned"),
            t("missed_intervals"),
            t("busy_intervals"),
        ],
        [
            [
                c.channel,
                c.expected_service_level,
                c.simulated_service_level,
                c.simulated_low,
                c.simulated_high,
                c.service_target,
                c.simulated_asa_seconds,
                c.simulated_abandon_rate,
                c.simulated_missed,
                c.simulated_intervals,
            ]
            for c in s.channels
            if c.simulated_intervals
        ],
        formats,
        [None, *[formats.percent] * 5, formats.decimal, formats.percent, formats.integer,
         formats.integer],
    )  # fmt: skip
    row += 1
    sheet.write_string(row, 0, t("worst_simulated"), formats.section)
    if s.worst_simulated.empty:
        sheet.write_string(row + 1, 0, t("no_simulated_miss"))
        return row + 2
    return _table(
        sheet,
        row + 1,
        [t("interval"), t("channel"), t("offered"), t("expected_sl"), t("simulated_sl"),
         t("sl_low"), t("sl_high"), t("abandoned")],
        [
            [t.interval(r.interval_start), r.channel, r.offered, r.expected_service_level,
             r.service_level, r.service_level_low, r.service_level_high, r.abandon_rate]
            for r in s.worst_simulated.itertuples(index=False)
        ],
        formats,
        [None, None, formats.decimal, *[formats.percent] * 5],
    )  # fmt: skip


# --- Roster -----------------------------------------------------------------------------


def _family(row: pd.Series, config: Config) -> str:
    family = row.get("family")
    if _is_missing(family) or not family:
        template = next((t for t in config.shifts if t.name == row.get("shift")), None)
        family = template.family if template else None
    family = str(family) if family else "other"
    return family if family in FAMILY_COLOURS else "other"


def _roster_sheet(
    book: Workbook, plan: PlanResult, config: Config, formats: _Formats, t: Text
) -> None:
    """Agents × days: shift times coloured by family, days off, unavailability marked."""
    sheet = book.add_worksheet(t("sheet.roster"))
    shifts = plan.roster.shifts
    dates = plan.horizon.dates
    cells: dict[tuple[str, dt.date], list[tuple[str, str]]] = {}
    for _, shift in shifts.sort_values("shift_start", kind="stable").iterrows():
        day = pd.Timestamp(shift["date"]).date()
        text = f"{shift['shift_start']}-{shift['shift_end']}"
        cells.setdefault((str(shift["agent_id"]), day), []).append((text, _family(shift, config)))
    unavailable = unavailable_days(plan)

    agents = {a.id: a for a in plan.agents}
    extra = [str(a) for a in pd.unique(shifts["agent_id"]) if str(a) not in agents]
    paid = shifts.groupby(shifts["agent_id"].astype(str))["paid_minutes"].sum() / 60

    header = [
        *(t(k) for k in ROSTER_ID_KEYS),
        *(t.day_header(d) for d in dates),
        t("days_worked"),
        t("paid_hours"),
    ]
    for j, name in enumerate(header):
        sheet.write_string(0, j, name, formats.header)
    first_day_col = len(ROSTER_ID_KEYS)
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
            marks = unavailable.get((agent_id, day), [])
            whole_day = any(time is None for time, _ in marks)
            if entries:
                worked += 1
                text = "\n".join(text for text, _ in entries)
                sheet.write_string(i, j, text, formats.cell(entries[0][1], partial=bool(marks)))
            elif whole_day:
                sheet.write_string(i, j, t("unavailable_mark"), formats.cell("unavailable"))
            else:
                sheet.write_string(i, j, t("off"), formats.cell("off", partial=bool(marks)))
            if marks:
                note = "\n".join(
                    t("unavailable_note", time=time or t("all_day"), reason=reason)
                    for time, reason in marks
                )
                sheet.write_comment(i, j, note, {"x_scale": 1.6, "y_scale": 0.8})
        sheet.write_number(i, first_day_col + len(dates), worked, formats.integer)
        sheet.write_number(
            i, first_day_col + len(dates) + 1, float(paid.get(agent_id, 0.0)), formats.decimal
        )

    last_row = len(agents) + len(extra)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(last_row, 1), len(header) - 1)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 2, 8)
    sheet.set_column(3, 3, 20)
    sheet.set_column(4, 4, 11)
    sheet.set_column(first_day_col, first_day_col + len(dates) - 1, 13)
    sheet.set_column(first_day_col + len(dates), len(header) - 1, 10)

    legend_row = last_row + 2
    sheet.write_string(legend_row, 0, t("shift_family"), formats.label)
    for j, family in enumerate(FAMILY_COLOURS, start=1):
        sheet.write_string(legend_row, j, family, formats.cell(family))
    legend = [
        (t("off"), formats.cell("off"), t("legend_off")),
        (t("unavailable_mark"), formats.cell("unavailable"), t("legend_unavailable")),
        ("", formats.cell("other", partial=True), t("legend_partial")),
    ]
    for k, (mark, fmt, meaning) in enumerate(legend, start=1):
        sheet.write_string(legend_row + k, 1, mark, fmt)
        sheet.write_string(legend_row + k, 2, meaning)
    _print_wide(sheet, 1)


# --- Coverage, one sheet per channel ------------------------------------------------------


def _coverage_sheet(
    book: Workbook,
    plan: PlanResult,
    config: Config,
    formats: _Formats,
    t: Text,
    channel: str,
    name: str,
) -> None:
    """Time of day × day with required, scheduled, gap, expected and simulated SL, a chart.

    Times when the channel needs and has nobody on any day (the night) are left out. The
    chart reads a week-long timeline under it: a line needs its points in one range.
    """
    sheet = book.add_worksheet(name)
    rows = plan.roster.coverage[plan.roster.coverage["channel"] == channel]
    rows = rows.assign(interval_start=pd.to_datetime(rows["interval_start"]))
    keys: tuple[str, ...] = COVERAGE_FIELD_KEYS
    columns = ["required", "scheduled", "gap", "expected_service_level"]
    if plan.simulation is not None:
        simulated = plan.simulation.intervals
        simulated = simulated[simulated["channel"] == channel]
        rows = rows.merge(
            pd.DataFrame(
                {
                    "interval_start": pd.to_datetime(simulated["interval_start"]),
                    "simulated_service_level": simulated["service_level"].to_numpy(),
                }
            ),
            on="interval_start",
            how="left",
        )
        keys = (*keys, "simulated_sl")
        columns.append("simulated_service_level")
    width = len(keys)
    busy = rows[(rows["required"] > 0) | (rows["scheduled"] > 0)]
    stamps = sorted(busy["interval_start"].unique())
    times = sorted({pd.Timestamp(s).time() for s in stamps})
    by_stamp = rows.set_index("interval_start")
    dates = plan.horizon.dates
    settings = config.channels.get(channel)
    label = (settings.label if settings else None) or channel
    target = service_target(config, channel)
    cell_formats = [formats.integer, formats.integer, formats.integer, formats.percent]
    cell_formats += [formats.percent] * (width - 4)

    def put_values(row: int, col: int, stamp: pd.Timestamp) -> None:
        for k, (column, fmt) in enumerate(zip(columns, cell_formats, strict=True)):
            _put(sheet, row, col + k, _number(by_stamp.at[stamp, column]), fmt)

    sheet.write_string(0, 0, t("coverage_title", label=f"{label} ({channel})"), formats.title)
    shown_target = f" ({percent(target, 0)})" if target is not None else ""
    sheet.write_string(1, 0, t("coverage_note", target=shown_target), formats.note)
    top = 2  # header rows 2 and 3, data from row 4
    sheet.merge_range(top, 0, top + 1, 0, t("time"), formats.header)
    for d, day in enumerate(dates):
        col = 1 + width * d
        sheet.merge_range(top, col, top, col + width - 1, t.day_header(day), formats.group)
        for k, key in enumerate(keys):
            sheet.write_string(top + 1, col + k, t(key), formats.header)
    first = top + 2
    for i, time in enumerate(times):
        row = first + i
        sheet.write_string(row, 0, time.strftime("%H:%M"), formats.label)
        for d, day in enumerate(dates):
            stamp = pd.Timestamp(dt.datetime.combine(day, time))
            if stamp in by_stamp.index:
                put_values(row, 1 + width * d, stamp)
    last = first + max(len(times), 1) - 1
    for d in range(len(dates)):
        col = 1 + width * d
        _colour_gap_and_level(
            sheet, first, last, col + 2, range(col + 3, col + width), target, formats
        )

    # The chart sits under the grid; the week-long timeline it reads sits under the chart,
    # so the sheet prints one grid wide.
    chart_top = last + 2
    timeline_top = chart_top + CHART_ROWS + 1
    sheet.write_string(timeline_top, 0, t("timeline"), formats.section)
    header = [t("interval_start"), *(t(k) for k in keys)]
    for j, text in enumerate(header):
        sheet.write_string(timeline_top + 1, j, text, formats.header)
    timeline_first = timeline_top + 2
    for i, stamp in enumerate(stamps):
        row = timeline_first + i
        sheet.write_datetime(row, 0, pd.Timestamp(stamp).to_pydatetime(), formats.stamp)
        put_values(row, 1, pd.Timestamp(stamp))
    timeline_last = timeline_first + max(len(stamps), 1) - 1
    _colour_gap_and_level(
        sheet, timeline_first, timeline_last, 3, range(4, 1 + width), target, formats
    )

    sheet.freeze_panes(first, 1)
    sheet.set_row(top + 1, 30)  # room for two-line field names
    sheet.set_row(timeline_top + 1, 30)
    sheet.set_column(0, 0, TIME_COLUMN_WIDTH)
    sheet.set_column(1, width * len(dates), DAY_COLUMN_WIDTH)
    if stamps:
        per_day = max(1, math.ceil(len(stamps) / max(len(dates), 1)))
        chart = _coverage_chart(book, name, channel, timeline_first, timeline_last, per_day, t)
        grid_pixels = _pixels(TIME_COLUMN_WIDTH) + width * len(dates) * _pixels(DAY_COLUMN_WIDTH)
        chart.set_size({"width": min(max(grid_pixels - 20, 600), 2000), "height": 360})
        sheet.insert_chart(chart_top, 0, chart, {"x_offset": 10})
    _print_wide(sheet, first)


def _pixels(width: float) -> int:
    """Excel's column width in characters -> pixels at the default font."""
    return int(width * 7 + 5)


def _colour_gap_and_level(
    sheet: Worksheet,
    first: int,
    last: int,
    gap_col: int,
    level_cols: range,
    target: float | None,
    formats: _Formats,
) -> None:
    sheet.conditional_format(
        first, gap_col, last, gap_col,
        {"type": "cell", "criteria": "<", "value": 0, "format": formats.short},
    )  # fmt: skip
    sheet.conditional_format(
        first, gap_col, last, gap_col,
        {"type": "cell", "criteria": ">", "value": 0, "format": formats.over},
    )  # fmt: skip
    for level_col in level_cols if target is not None else range(0):
        sheet.conditional_format(
            first, level_col, last, level_col,
            {"type": "cell", "criteria": "<", "value": target, "format": formats.below_target},
        )  # fmt: skip


def _coverage_chart(
    book: Workbook,
    name: str,
    channel: str,
    first: int,
    last: int,
    per_day: int,
    t: Text,
) -> Chart:
    """Required vs scheduled along the week, from the timeline's columns 0 (time), 1 and 2."""
    chart = book.add_chart({"type": "line"})
    assert chart is not None  # xlsxwriter returns None only for unknown chart types
    categories = [name, first, 0, last, 0]
    for col, key, colour in ((1, "required", "#404040"), (2, "scheduled", "#2E75B6")):
        chart.add_series(
            {
                "name": t(key),
                "categories": categories,
                "values": [name, first, col, last, col],
                "line": {"color": colour, "width": 1.5},
                "marker": {"type": "none"},
            }
        )
    chart.set_title({"name": t("chart_title", channel=channel)})
    # A text axis keeps every interval apart; a date axis would fold a day's hours together.
    chart.set_x_axis(
        {
            "text_axis": True,
            "num_format": "ddd hh:mm",
            "interval_unit": per_day,
            "interval_tick": per_day,
        }
    )
    chart.set_y_axis({"name": t("agents_axis"), "min": 0})
    chart.set_legend({"position": "bottom"})
    return chart


# --- Agents, Wishes, Inputs --------------------------------------------------------------


def _agents_sheet(
    book: Workbook, plan: PlanResult, config: Config, formats: _Formats, t: Text
) -> None:
    sheet = book.add_worksheet(t("sheet.agents"))
    table = agent_table(plan, t, config.site.weekend_days)
    header = [
        t("id"),
        t("name"),
        t("team"),
        t("contract"),
        t("paid_hours"),
        t("shifts"),
        t("weekend_shifts"),
        t("evening_shifts"),
        t("wishes_granted"),
        t("wishes_denied"),
        t("points_granted"),
        t("points_denied"),
        t("points_used", budget=config.wishes.points_budget),
        t("unavailable"),
    ]
    column_formats = (
        [formats.top] * 4 + [formats.decimal_top] + [formats.integer_top] * 8 + [formats.wrap]
    )
    last = _table(sheet, 0, header, table.to_numpy().tolist(), formats, column_formats)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(last - 1, 1), len(header) - 1)
    sheet.set_column(0, 3, 12)
    sheet.set_column(4, len(header) - 2, 11)
    sheet.set_column(len(header) - 1, len(header) - 1, 40)
    _fit_rows(sheet, 1, table.to_numpy().tolist(), {len(header) - 1: 40})
    sheet.set_row(0, 45)
    _print_wide(sheet, 1)


def _wishes_sheet(book: Workbook, plan: PlanResult, formats: _Formats, t: Text) -> None:
    sheet = book.add_worksheet(t("sheet.wishes"))
    table = wish_table(plan, t)
    rows = [
        [
            r.agent_id,
            r.name,
            r.wish,
            r.priority,
            t("yes") if r.granted else t("no"),
            r.reason,
            r.note,
        ]
        for r in table.itertuples(index=False)
    ]
    keys = ("agent_id", "name", "wish", "priority", "was_granted", "reason", "note")
    header = [t(k) for k in keys]
    column_formats = [
        formats.top,
        formats.top,
        formats.wrap,
        formats.integer_top,
        formats.top,
        formats.wrap,
        formats.wrap,
    ]
    last = _table(sheet, 0, header, rows, formats, column_formats)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(last - 1, 1), len(header) - 1)
    sheet.conditional_format(
        1, 4, max(last - 1, 1), 4,
        {"type": "cell", "criteria": "==", "value": f'"{t("no")}"', "format": formats.short},
    )  # fmt: skip
    widths = {2: 36, 5: 60, 6: 30}
    sheet.set_column(0, 1, 12)
    sheet.set_column(3, 4, 9)
    for col, width in widths.items():
        sheet.set_column(col, col, width)
    _fit_rows(sheet, 1, rows, widths)
    _print_wide(sheet, 1)


def _hours_text(spec: str | dict[str, str | list[str]]) -> str:
    if isinstance(spec, str):
        return spec
    return "; ".join(
        f"{day} {value if isinstance(value, str) else ', '.join(value)}"
        for day, value in spec.items()
    )


def _inputs_sheet(
    book: Workbook, plan: PlanResult, config: Config, formats: _Formats, t: Text
) -> None:
    sheet = book.add_worksheet(t("sheet.inputs"))
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 12, 14)
    sheet.write_string(0, 0, t("inputs"), formats.section)
    horizon = plan.horizon
    facts = [
        *((t.input_key(k), v) for k, v in plan.inputs.items()),
        (t("site"), config.site.name),
        (t("timezone"), config.site.timezone),
        (t("first_day"), horizon.start.isoformat()),
        (t("days_planned"), str(horizon.days)),
        (t("interval_minutes"), str(horizon.interval_minutes)),
        (t("time_limit"), str(config.solver.time_limit_seconds)),
        (t("seed"), str(config.solver.seed)),
        (t("weight_under"), str(config.objective.under_coverage)),
        (t("weight_over"), str(config.objective.over_coverage)),
        (t("weight_wish"), str(config.objective.wish_point)),
        (t("points_budget"), str(config.wishes.points_budget)),
    ]
    row = _table(sheet, 1, [t("key"), t("value")], [list(f) for f in facts], formats)

    row += 1
    sheet.write_string(row, 0, t("channels"), formats.section)
    row = _table(
        sheet,
        row + 1,
        [
            t("channel"),
            t("label"),
            t("kind"),
            t("hours"),
            t("sl_target"),
            t("answer_seconds"),
            t("asa_goal"),
            t("response_minutes"),
            t("concurrency"),
            t("max_occupancy"),
            t("shrinkage"),
            t("default_aht"),
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
    sheet.write_string(row, 0, t("shift_templates"), formats.section)
    row = _table(
        sheet,
        row + 1,
        [
            t("shift"),
            t("family"),
            t("length_min"),
            t("paid_min"),
            t("earliest_start"),
            t("latest_start"),
            t("start_step"),
            t("days"),
            t("breaks"),
        ],
        [
            [
                s.name,
                s.family or "",
                s.length_minutes,
                s.paid_minutes,
                s.earliest_start,
                s.latest_start,
                s.start_step_minutes,
                t("all") if set(s.days) == set(WEEKDAYS) else ", ".join(s.days),
                "; ".join(
                    t(
                        "break_text",
                        name=b.name,
                        length=b.length_minutes,
                        first=b.earliest_start_after_minutes,
                        last=b.latest_start_after_minutes,
                        paid=t("paid_suffix") if b.paid else "",
                    )
                    for b in s.breaks
                ),
            ]
            for s in config.shifts
        ],
        formats,
    )

    row += 1
    sheet.write_string(row, 0, t("contracts"), formats.section)
    _table(
        sheet,
        row + 1,
        [t("contract"), t("min_hours"), t("max_hours"), t("max_days"), t("shifts")],
        [
            [
                name,
                c.min_hours_per_week,
                c.max_hours_per_week,
                c.max_days_per_week,
                t("all") if c.shifts is None else ", ".join(c.shifts),
            ]
            for name, c in config.contracts.items()
        ],
        formats,
    )
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)


def write_workbook(
    plan: PlanResult, config: Config, summary: PlanSummary, path: Path, lang: str = "en"
) -> Path:
    """Write roster.xlsx with the sheets of `sheet_names`, in `lang` ("en" or "zh")."""
    t = Text(lang)
    book = xlsxwriter.Workbook(str(path), {"remove_timezone": True})
    try:
        formats = _Formats(book)
        _summary_sheet(book, summary, formats, t)
        _roster_sheet(book, plan, config, formats, t)
        for channel, name in _coverage_sheets(plan, config, t):
            _coverage_sheet(book, plan, config, formats, t, channel, name)
        _agents_sheet(book, plan, config, formats, t)
        _wishes_sheet(book, plan, formats, t)
        _inputs_sheet(book, plan, config, formats, t)
    finally:
        book.close()
    return path
