"""The headline figures of a plan, and `summary.md` with its plots.

The figures are computed once here (`summarise`) so the workbook's Summary sheet and the
Markdown summary cannot disagree; both only lay them out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from wfm.config import Config
from wfm.domain import PlanResult, Wish
from wfm.export.i18n import Text
from wfm.timeutil import parse_clock

WORST_INTERVALS_SHOWN = 5
EVENING_END_MINUTES = 19 * 60  # a shift ending after 19:00 counts as an evening shift
WISH_COLUMNS = ("agent_id", "wish", "priority", "granted", "reason")
DENIED_WISHES_SHOWN = 30  # summary.md lists this many refused wishes; the workbook has all


@dataclass(frozen=True)
class ChannelSummary:
    """How well one channel is staffed and forecast."""

    channel: str
    label: str
    required_agent_hours: float
    scheduled_agent_hours: float
    coverage_share: float  # share of required agent-intervals met; NaN when nothing required
    understaffed_intervals: int
    expected_service_level: float  # workload-weighted over open intervals; NaN when none
    service_target: float | None
    forecast_model: str | None
    backtest_wape: float
    seasonal_naive_wape: float
    # the service check (simulation); NaN / 0 when the plan was not simulated
    simulated_service_level: float = math.nan
    simulated_low: float = math.nan
    simulated_high: float = math.nan
    simulated_asa_seconds: float = math.nan
    simulated_abandon_rate: float = math.nan
    simulated_missed: int = 0  # intervals with contacts whose simulated service misses
    simulated_intervals: int = 0  # intervals with contacts


@dataclass(frozen=True)
class PlanSummary:
    """The figures a planner reads first, shared by the workbook and summary.md."""

    site: str
    first_day: dt.date
    last_day: dt.date
    iso_week: int
    interval_minutes: int
    agents_rostered: int
    agents_total: int
    paid_hours: float
    coverage_share: float
    understaffed_intervals: int
    worst_intervals: pd.DataFrame  # interval_start, channel, required, scheduled, gap
    channels: tuple[ChannelSummary, ...]
    wishes_granted: int
    wishes_total: int
    wishes_by_priority: pd.DataFrame  # priority, granted, total
    status: str
    objective: float
    best_bound: float
    gap: float
    wall_seconds: float
    penalties: dict[str, float]
    simulated: bool = False
    simulation_text: str = ""  # replications, confidence, handle-time model
    simulated_misses: int = 0
    # interval_start, channel, offered, service_level, low, high, abandon_rate, expected
    worst_simulated: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)


def channel_order(plan: PlanResult, config: Config) -> list[str]:
    """Configured channels first, in config order, then any the data has besides."""
    seen = list(config.channels)
    for frame in (plan.roster.coverage, plan.forecast.frame):
        if "channel" in frame.columns:
            seen.extend(c for c in pd.unique(frame["channel"]) if c not in seen)
    return [str(c) for c in seen]


def service_target(config: Config, channel: str) -> float | None:
    """The 'share answered in time' goal: within `answer_seconds` for voice and chat, within
    `response_minutes` for deferred channels."""
    settings = config.channels.get(channel)
    return None if settings is None else settings.service.target


def model_label(description: str | None) -> str:
    """The model's name without its description, for a table cell ('calendar_glm')."""
    return (description or "—").split(":", 1)[0]


def wishes_frame(plan: PlanResult) -> pd.DataFrame:
    """The roster's wishes, with the contract columns even when no wish was made."""
    wishes = plan.roster.wishes
    if wishes.empty and not len(wishes.columns):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in WISH_COLUMNS})
    return wishes


def summarise(plan: PlanResult, config: Config) -> PlanSummary:
    """Reduce a plan to its headline figures."""
    roster = plan.roster
    coverage = roster.coverage
    hours_per_interval = plan.horizon.interval_minutes / 60
    backtest = _backtest_by_channel(plan)

    check = plan.simulation
    simulated = check.channels.set_index("channel") if check is not None else pd.DataFrame()
    channels = []
    for channel in channel_order(plan, config):
        rows = coverage[coverage["channel"] == channel]
        settings = config.channels.get(channel)
        model, wape, naive = backtest.get(channel, (None, math.nan, math.nan))

        def sim(column: str, channel: str = channel) -> float:
            if channel not in simulated.index:
                return math.nan
            return float(simulated.at[channel, column])  # type: ignore[arg-type]

        channels.append(
            ChannelSummary(
                channel=channel,
                label=(settings.label if settings else None) or channel,
                required_agent_hours=float(rows["required"].sum()) * hours_per_interval,
                scheduled_agent_hours=float(rows["scheduled"].sum()) * hours_per_interval,
                coverage_share=_coverage_share(rows),
                understaffed_intervals=int((rows["gap"] < 0).sum()),
                expected_service_level=_weighted_service_level(rows, plan.requirements),
                service_target=service_target(config, channel),
                forecast_model=plan.forecast.model_names.get(channel, model),
                backtest_wape=wape,
                seasonal_naive_wape=naive,
                simulated_service_level=sim("service_level"),
                simulated_low=sim("service_level_low"),
                simulated_high=sim("service_level_high"),
                simulated_asa_seconds=sim("asa_seconds"),
                simulated_abandon_rate=sim("abandon_rate"),
                simulated_missed=int(np.nan_to_num(sim("intervals_missed"))),
                simulated_intervals=int(np.nan_to_num(sim("intervals_with_contacts"))),
            )
        )

    short = coverage[coverage["gap"] < 0]
    worst = short.sort_values(["gap", "interval_start", "channel"], kind="stable").head(
        WORST_INTERVALS_SHOWN
    )
    wishes = wishes_frame(plan)
    granted = wishes["granted"].astype(bool)
    by_priority = (
        pd.DataFrame({"priority": wishes["priority"], "granted": granted})
        .groupby("priority", sort=True)["granted"]
        .agg(granted="sum", total="size")
        .reset_index()
        .sort_values("priority", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    shifts = roster.shifts
    first_day = plan.horizon.start
    return PlanSummary(
        site=config.site.name,
        first_day=first_day,
        last_day=plan.horizon.end - dt.timedelta(days=1),
        iso_week=first_day.isocalendar().week,
        interval_minutes=plan.horizon.interval_minutes,
        agents_rostered=int(shifts["agent_id"].nunique()),
        agents_total=len(plan.agents),
        paid_hours=float(shifts["paid_minutes"].sum()) / 60,
        coverage_share=_coverage_share(coverage),
        understaffed_intervals=len(short),
        worst_intervals=worst[
            ["interval_start", "channel", "required", "scheduled", "gap"]
        ].reset_index(drop=True),
        channels=tuple(channels),
        wishes_granted=int(granted.sum()),
        wishes_total=len(wishes),
        wishes_by_priority=by_priority,
        status=roster.status,
        objective=roster.objective,
        best_bound=roster.best_bound,
        gap=roster.gap,
        wall_seconds=roster.wall_seconds,
        penalties=dict(roster.penalties),
        simulated=check is not None,
        simulation_text=(
            ""
            if check is None
            else f"{check.replications} × {(plan.horizon.days)} days, "
            f"{check.handle_time} handle times, {check.confidence:.0%} intervals"
        ),
        simulated_misses=sum(c.simulated_missed for c in channels),
        worst_simulated=_worst_simulated(plan),
    )


def _worst_simulated(plan: PlanResult) -> pd.DataFrame:
    """The simulated intervals furthest below target, worst service first, with the
    service level the Erlang formulas expected for the same roster beside them."""
    columns = ["interval_start", "channel", "offered", "service_level", "service_level_low"]
    columns += ["service_level_high", "abandon_rate", "expected_service_level"]
    if plan.simulation is None:
        return pd.DataFrame(columns=columns)
    rows = plan.simulation.intervals
    missed = rows[~rows["meets_target"].astype(bool) & (rows["offered"] > 0)]
    expected = plan.roster.coverage.loc[:, ["interval_start", "channel", "expected_service_level"]]
    missed = missed.assign(interval_start=pd.to_datetime(missed["interval_start"])).merge(
        expected.assign(interval_start=pd.to_datetime(expected["interval_start"])),
        on=["interval_start", "channel"],
        how="left",
    )
    ordered = missed.sort_values(
        ["service_level", "interval_start", "channel"], kind="stable"
    ).head(WORST_INTERVALS_SHOWN)
    return ordered.loc[:, columns].reset_index(drop=True)


def _coverage_share(rows: pd.DataFrame) -> float:
    # Over-staffing one interval must not hide a shortfall in another, hence min() per row.
    required = rows["required"].clip(lower=0)
    if required.sum() <= 0:
        return math.nan
    met = np.minimum(rows["scheduled"].clip(lower=0), required)
    return float(met.sum() / required.sum())


def _weighted_service_level(rows: pd.DataFrame, requirements: pd.DataFrame) -> float:
    # A busy hour's service level matters more than a quiet one's: weight by workload
    # (contacts x handling time); fall back to heads required when no workload is known.
    weights = rows["required"].astype(float)
    if {"contacts", "aht_seconds"} <= set(requirements.columns) and not requirements.empty:
        workload = requirements.assign(
            workload=requirements["contacts"].astype(float)
            * requirements["aht_seconds"].astype(float)
        )[["interval_start", "channel", "workload"]]
        merged = rows[["interval_start", "channel"]].merge(
            workload, on=["interval_start", "channel"], how="left"
        )
        weights = pd.Series(merged["workload"].to_numpy(), index=rows.index).fillna(0.0)
    level = rows["expected_service_level"].astype(float)
    open_rows = (weights > 0) & level.notna()
    if not open_rows.any():
        return math.nan
    return float(np.average(level[open_rows], weights=weights[open_rows]))


def _backtest_by_channel(plan: PlanResult) -> dict[str, tuple[str | None, float, float]]:
    """channel -> (model, wape, seasonal naive wape), preferring the model actually used."""
    backtest = plan.forecast.backtest
    if backtest.empty or "channel" not in backtest.columns:
        return {}
    result: dict[str, tuple[str | None, float, float]] = {}
    for channel, rows in backtest.groupby("channel", sort=False):
        chosen = plan.forecast.model_names.get(str(channel))
        if chosen is not None and "model" in rows.columns and (rows["model"] == chosen).any():
            rows = rows[rows["model"] == chosen]
        row = rows.iloc[0]
        result[str(channel)] = (
            str(row["model"]) if "model" in rows.columns else None,
            float(row.get("wape", math.nan)),
            float(row.get("seasonal_naive_wape", math.nan)),
        )
    return result


def unavailable_days(plan: PlanResult) -> dict[tuple[str, dt.date], list[tuple[str | None, str]]]:
    """(agent id, date) -> [(time window or None for the whole day, reason)] in the horizon."""
    marks: dict[tuple[str, dt.date], list[tuple[str | None, str]]] = {}
    for agent_id, prefs in plan.preferences.items():
        for entry in prefs.unavailable:
            for day in plan.horizon.resolve_days(entry.days):
                marks.setdefault((agent_id, day), []).append((entry.time, entry.reason))
    return marks


def unavailable_text(plan: PlanResult, agent_id: str, t: Text) -> str:
    """'Wed 18:00-21:00 夜校; Sat all day 搬家' for one agent's planned days."""
    marks = unavailable_days(plan)
    parts = [
        f"{t.weekday(day)} {time or t('all_day')} {reason}"
        for day in plan.horizon.dates
        for time, reason in marks.get((agent_id, day), [])
    ]
    return "; ".join(parts)


def describe_wish(wish: Wish, t: Text) -> str:
    """A wish in the output language (the roster's own text is English)."""
    days = ("、" if t.lang == "zh" else ", ").join(t.day_ref(d) for d in wish.days)
    if wish.day_off:
        return t("wish_day_off", days=days)
    if wish.shift:
        return t("wish_shift", shift=wish.shift, days=days)
    if wish.avoid_shift:
        return t("wish_avoid_shift", shift=wish.avoid_shift, days=days)
    return t("wish_start_window", window=wish.start_window, days=days)


def wish_table(plan: PlanResult, t: Text) -> pd.DataFrame:
    """Every wish with the agent's name, the wish in the output language and its note.

    The roster's frame names each wish by its index in the agent's file (`wish_index`);
    with the preferences at hand that gives the wish itself and its note. Frames read back
    from wishes.csv have no index and keep their own text.
    """
    wishes = wishes_frame(plan)
    names = {a.id: a.name for a in plan.agents}
    rows = []
    for _, row in wishes.iterrows():
        agent_id = str(row["agent_id"])
        text, note = str(row["wish"]), ""
        prefs = plan.preferences.get(agent_id)
        raw_index = row.get("wish_index")
        index = -1 if raw_index is None or pd.isna(raw_index) else int(raw_index)
        if prefs is not None and 0 <= index < len(prefs.wishes):
            wish = prefs.wishes[index]
            text, note = describe_wish(wish, t), wish.note or ""
        reason = row.get("reason")
        rows.append(
            {
                "agent_id": agent_id,
                "name": names.get(agent_id, ""),
                "wish": text,
                "priority": row["priority"],
                "granted": bool(row["granted"]),
                "reason": "" if reason is None or pd.isna(reason) else str(reason),
                "note": note,
                "order": index,
            }
        )
    table = pd.DataFrame(
        rows,
        columns=["agent_id", "name", "wish", "priority", "granted", "reason", "note", "order"],
    )
    table = table.sort_values(["agent_id", "order"], kind="stable").reset_index(drop=True)
    return table.drop(columns="order")


def agent_table(
    plan: PlanResult, t: Text | None = None, weekend: frozenset[int] = frozenset({5, 6})
) -> pd.DataFrame:
    """Per-agent load and wish outcome: what a planner checks for fairness."""
    t = t or Text()
    shifts = plan.roster.shifts
    wishes = wishes_frame(plan)
    names = {a.id: a for a in plan.agents}
    ids = list(names) + [str(a) for a in pd.unique(shifts["agent_id"]) if str(a) not in names]
    rows = []
    for agent_id in ids:
        agent = names.get(agent_id)
        own = shifts[shifts["agent_id"].astype(str) == agent_id]
        own_wishes = wishes[wishes["agent_id"].astype(str) == agent_id]
        granted = own_wishes["granted"].astype(bool)
        fallback_name = str(own["agent_name"].iloc[0]) if "agent_name" in own and len(own) else ""
        rows.append(
            {
                "agent_id": agent_id,
                "name": agent.name if agent else fallback_name,
                "team": (agent.team if agent else None) or "",
                "contract": agent.contract if agent else "",
                "paid_hours": float(own["paid_minutes"].sum()) / 60,
                "shifts": len(own),
                "weekend_shifts": int(sum(_as_date(d).weekday() in weekend for d in own["date"])),
                "evening_shifts": int(
                    sum(
                        _ends_in_evening(s, e)
                        for s, e in zip(own["shift_start"], own["shift_end"], strict=True)
                    )
                ),
                "wishes_granted": int(granted.sum()),
                "wishes_denied": int((~granted).sum()),
                "priority_points_granted": int(own_wishes["priority"][granted].sum()),
                "priority_points_denied": int(own_wishes["priority"][~granted].sum()),
                "points_used": int(own_wishes["priority"].sum()),
                "unavailable": unavailable_text(plan, agent_id, t),
            }
        )
    return pd.DataFrame(rows)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _ends_in_evening(start: str, end: str) -> bool:
    start_min, end_min = parse_clock(start), parse_clock(end)
    if end_min <= start_min:  # runs past midnight
        end_min += 24 * 60
    return end_min > EVENING_END_MINUTES


# --- summary.md -------------------------------------------------------------------------


def percent(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.{digits}f} %"


def number(value: float, digits: int = 1) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "—"
    return f"{value:,.{digits}f}"


def interval_label(value: object) -> str:
    """'Mon 2026-11-23 08:00': the weekday is what planners think in."""
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return stamp.strftime("%a %Y-%m-%d %H:%M")


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def render_summary_markdown(
    plan: PlanResult,
    summary: PlanSummary,
    plots: list[Path] | None = None,
    lang: str = "en",
) -> str:
    """The plan in a page: headline, per-channel table, shortfalls, wishes, solver."""
    t = Text(lang)
    s = summary
    lines = [
        f"# {t('title', site=s.site)}",
        "",
        t(
            "md_week",
            first=f"{s.first_day:%Y-%m-%d}",
            last=f"{s.last_day:%Y-%m-%d}",
            week=s.iso_week,
            minutes=s.interval_minutes,
        ),
        "",
        *_table(
            [t("md_headline"), t("md_value")],
            [
                [
                    t("md_agents_rostered"),
                    t("md_of", part=s.agents_rostered, whole=s.agents_total),
                ],
                [t("md_paid_hours"), number(s.paid_hours)],
                [t("required_met"), percent(s.coverage_share)],
                [t("understaffed"), s.understaffed_intervals],
                [t("md_wishes_granted"), t("md_of", part=s.wishes_granted, whole=s.wishes_total)],
                [
                    t("md_solver"),
                    t(
                        "md_solver_line",
                        status=s.status,
                        gap=percent(s.gap, 2),
                        seconds=f"{s.wall_seconds:.1f}",
                    ),
                ],
            ],
        ),
        "",
        f"## {t('md_channels')}",
        "",
        *_table(
            [
                t("channel"),
                t("md_required_h"),
                t("md_scheduled_h"),
                t("md_met"),
                t("understaffed_intervals"),
                t("expected_sl"),
                t("sl_target"),
                t("forecast_model"),
                t("md_wape"),
                t("naive_wape"),
            ],
            [
                [
                    c.label if c.label == c.channel else f"{c.label} ({c.channel})",
                    number(c.required_agent_hours),
                    number(c.scheduled_agent_hours),
                    percent(c.coverage_share),
                    c.understaffed_intervals,
                    percent(c.expected_service_level),
                    percent(c.service_target, 0),
                    model_label(c.forecast_model),
                    percent(c.backtest_wape),
                    percent(c.seasonal_naive_wape),
                ]
                for c in s.channels
            ],
        ),
        "",
        *_service_check_markdown(s, t),
        "",
        f"## {t('worst', count=s.understaffed_intervals)}",
        "",
    ]
    if s.worst_intervals.empty:
        lines.append(t("md_no_shortfall"))
    else:
        lines += _table(
            [t("interval"), t("channel"), t("required"), t("scheduled"), t("shortfall")],
            [
                [t.interval(r.interval_start), r.channel, r.required, r.scheduled, r.gap]
                for r in s.worst_intervals.itertuples(index=False)
            ],
        )
    lines += ["", f"## {t('md_wishes')}", ""]
    if s.wishes_total == 0:
        lines.append(t("md_no_wishes"))
    else:
        lines.append(t("md_granted_of", granted=s.wishes_granted, total=s.wishes_total))
        lines.append("")
        lines += _table(
            [t("priority"), t("granted"), t("total")],
            [[r.priority, r.granted, r.total] for r in s.wishes_by_priority.itertuples()],
        )
        lines += _denied_wishes(plan, t)
    lines += [
        "",
        f"## {t('md_solver')}",
        "",
        t(
            "md_solver_detail",
            status=s.status,
            objective=number(s.objective, 2),
            bound=number(s.best_bound, 2),
            gap=percent(s.gap, 2),
            seconds=f"{s.wall_seconds:.1f}",
        ),
    ]
    if s.penalties:
        lines += [
            "",
            *_table(
                [t("penalty"), t("md_value")], [[k, number(v, 2)] for k, v in s.penalties.items()]
            ),
        ]
    if plots:
        lines += ["", f"## {t('md_plots')}", ""]
        lines += [f"![{p.stem}]({p.as_posix()})\n" for p in plots]
    if plan.inputs:
        lines += ["", f"## {t('md_made_from')}", ""]
        lines += [f"- {t.input_key(key)}: {_cell(value)}" for key, value in plan.inputs.items()]
    return "\n".join(lines) + "\n"


def ci_text(level: float, low: float, high: float) -> str:
    """'93.1 % [91.8–94.3]': a simulated share with its confidence interval."""
    if math.isnan(low) or math.isnan(high):
        return percent(level)
    return f"{percent(level)} [{low * 100:.1f}–{high * 100:.1f}]"


def _service_check_markdown(s: PlanSummary, t: Text) -> list[str]:
    """What the simulation says the roster delivers, beside what the formulas expected."""
    lines = [f"## {t('service_check')}", ""]
    if not s.simulated:
        return [*lines, t("service_check_off")]
    lines += [t("service_check_note", what=s.simulation_text, missed=s.simulated_misses), ""]
    lines += _table(
        [
            t("channel"),
            t("expected_sl"),
            t("simulated_sl"),
            t("sl_target"),
            t("simulated_asa"),
            t("abandoned"),
            t("missed_intervals"),
        ],
        [
            [
                c.label if c.label == c.channel else f"{c.label} ({c.channel})",
                percent(c.expected_service_level),
                ci_text(c.simulated_service_level, c.simulated_low, c.simulated_high),
                percent(c.service_target, 0),
                number(c.simulated_asa_seconds),
                percent(c.simulated_abandon_rate),
                t("md_of", part=c.simulated_missed, whole=c.simulated_intervals),
            ]
            for c in s.channels
            if c.simulated_intervals
        ],
    )
    lines += ["", f"### {t('worst_simulated')}", ""]
    if s.worst_simulated.empty:
        return [*lines, t("no_simulated_miss")]
    return lines + _table(
        [
            t("interval"),
            t("channel"),
            t("offered"),
            t("expected_sl"),
            t("simulated_sl"),
            t("abandoned"),
        ],
        [
            [
                t.interval(r["interval_start"]),
                r["channel"],
                number(float(r["offered"])),
                percent(float(r["expected_service_level"])),
                ci_text(
                    float(r["service_level"]),
                    float(r["service_level_low"]),
                    float(r["service_level_high"]),
                ),
                percent(float(r["abandon_rate"])),
            ]
            for r in s.worst_simulated.to_dict("records")
        ],
    )


def _denied_wishes(plan: PlanResult, t: Text) -> list[str]:
    """The refused wishes, agent by agent, with the roster's reason: nothing goes unsaid."""
    table = wish_table(plan, t)
    denied = table[~table["granted"]].sort_values(
        ["agent_id", "priority"], ascending=[True, False], kind="stable"
    )
    sheet = t("sheet.wishes")
    lines = ["", f"### {t('md_denied')}", ""]
    if denied.empty:
        return [*lines, t("md_all_wishes", sheet=sheet)]
    shown = denied.head(DENIED_WISHES_SHOWN)
    lines += _table(
        [t("agent_id"), t("name"), t("wish"), t("priority"), t("reason")],
        [[r.agent_id, r.name, r.wish, r.priority, r.reason] for r in shown.itertuples()],
    )
    lines.append("")
    if len(denied) > len(shown):
        lines.append(t("md_denied_more", count=len(denied) - len(shown), sheet=sheet))
    else:
        lines.append(t("md_all_wishes", sheet=sheet))
    return lines


# --- plots ------------------------------------------------------------------------------


def plot_name(kind: str, channel: str) -> str:
    """A file name that is safe on every file system, whatever the channel is called."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", channel).strip("._") or "channel"
    return f"{kind}_{safe}.png"


def _step_mask(short: pd.Series) -> np.ndarray:
    # With step="post" an interval's value spans to the next point, so a lone short
    # interval needs its right neighbour in the mask or it fills a zero-width sliver.
    return (short | short.shift(1, fill_value=False)).to_numpy(dtype=bool)


def _style_time_axis(ax: Axes) -> None:
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)


def write_plots(plan: PlanResult, config: Config, directory: Path) -> list[Path]:
    """Coverage-vs-requirement and forecast-with-interval charts, one pair per channel.

    Figures are built without pyplot so no global backend or figure registry is touched.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    coverage = plan.roster.coverage
    forecast = plan.forecast.frame
    for channel in channel_order(plan, config):
        rows = coverage[coverage["channel"] == channel].sort_values("interval_start")
        if not rows.empty:
            fig = Figure(figsize=(10, 3.5), layout="constrained")
            ax = fig.add_subplot()
            times = pd.to_datetime(rows["interval_start"])
            ax.step(times, rows["required"], where="post", label="required", color="#444444")
            ax.step(times, rows["scheduled"], where="post", label="scheduled", color="#2E75B6")
            ax.fill_between(
                times,
                rows["scheduled"],
                rows["required"],
                where=_step_mask(rows["scheduled"] < rows["required"]),
                step="post",
                color="#C00000",
                alpha=0.3,
                label="short",
            )
            ax.set_title(f"{channel}: agents required vs scheduled")
            ax.set_ylabel("agents")
            ax.legend(loc="upper right")
            _style_time_axis(ax)
            path = directory / plot_name("coverage", channel)
            fig.savefig(path, dpi=100)
            written.append(path)
        rows = forecast[forecast["channel"] == channel].sort_values("interval_start")
        if not rows.empty:
            fig = Figure(figsize=(10, 3.5), layout="constrained")
            ax = fig.add_subplot()
            times = pd.to_datetime(rows["interval_start"])
            ax.fill_between(
                times,
                rows["lower"].astype(float),
                rows["upper"].astype(float),
                color="#9DC3E6",
                alpha=0.5,
                label=f"{config.forecast.prediction_level:.0%} interval",
            )
            ax.plot(times, rows["contacts"].astype(float), color="#2E75B6", label="forecast")
            ax.set_title(f"{channel}: contacts per interval")
            ax.set_ylabel("contacts")
            ax.legend(loc="upper right")
            _style_time_axis(ax)
            path = directory / plot_name("forecast", channel)
            fig.savefig(path, dpi=100)
            written.append(path)
    return written


def write_summary(
    plan: PlanResult,
    summary: PlanSummary,
    path: Path,
    plots: list[Path] | None = None,
    lang: str = "en",
) -> Path:
    """Write summary.md; `plots` are linked relative to its folder."""
    relative = [p.relative_to(path.parent) for p in plots or []]
    path.write_text(render_summary_markdown(plan, summary, relative, lang), encoding="utf-8")
    return path
