"""wfm on a real centre: the Anonymous Bank's September 1999, forecast from January–July only.

    python benchmarks/real_centre.py [--quick] [--time-limit 60] [--replications 10]
        [--weeks 1999-09-12 ...] [--models calendar_glm ...]

Protocol (the issue's benchmark). Calls of `../shared/data/anonymous_bank/calls_1999.csv.gz`
(the PS, NE and NW queues) are counted per 30-minute interval with `aggregate_calls`; handle
time and patience are estimated with `estimate_calls` on January–July calls only. August is
missing, so the three weeks planned (Sunday 5, 12 and 19 September) lie five to seven weeks
past the end of history. For each week and each method:

- wfm: `wfm.forecast.forecast` (candidates chosen by a backtest at the real lead time), Erlang A
  with the fitted patience, 80% answered in 20 s;
- baseline: seasonal naive (the same weekday and time of the last history week) and Erlang C
  for the same target;

then both requirements are rostered by the same CP-SAT engine (`make_roster`) for the same
generated team, and the week's real calls are replayed through each roster with the library
calls behind `wfm simulate --arrivals` (`build_simulation(arrivals=...)` + `simulate`): answered
calls keep their own service time, abandoned ones get one drawn around the interval's mean,
patience is exponential with the fitted mean, phantom ('other') records are dropped. A call
arriving while its queue is closed (config hours) is lost and counts as abandoned.

The centre as configured here: Sunday–Thursday 06:30–24:00 (the first calls are answered a
few minutes before 07:00), Friday 06:30–14:00, Saturday 19:30–24:00 (after Shabbat, as in
September); public holidays are short days, not closed days (`closed_on_holidays: false`:
the bank opens on holiday evenings), and the day before a holiday is a calendar event
("holiday eve", from the `holidays` package) so the forecast can learn that eves are short.
For those effects to be learnable, the open intervals without calls on the history's
Sunday–Thursday holidays and eves count 0 (`fill_short_days`: `aggregate_calls` leaves them
missing). Everything else in the forecast is wfm's default. No shrinkage: the 30-minute
lunch is rostered inside the 8.5-hour shifts, and the replay counts every rostered head
(`use_shrinkage=False`). IN, TT and PE (6% of calls) are left out of the forecast, roster and
replay: the targets are about PS, NE and NW.

Figures per week and channel: forecast WAPE (Σ|actual − forecast| / Σ actual over every
30-minute interval of the week, actual 0 where the centre had no open interval) of wfm, of
seasonal naive and of the mean of the last 4 available weeks (per weekday and time, over the
last four dates of that weekday in history); agent-hours on the channel (heads assigned to it,
breaks excluded) and, per week, paid agent-hours of the whole roster; weekly service level
(answered within 20 s / offered) and abandonment in the replay; severe misses: the share of
open half-hours (real calls offered > 0) whose replayed service level is below 60%. The
bank's own service that week (answered within 20 s and abandoned, as shares of answered +
abandoned calls in the records) is shown for reference. The roster solver runs in wfm's
default deterministic mode, so a rerun on the same library gives the same rosters.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import ortools
import pandas as pd

from wfm.calendar_days import open_mask, public_holidays
from wfm.config import Config, SiteConfig
from wfm.domain import FORECAST_COLUMNS, Agent, Horizon, RosterResult
from wfm.forecast import forecast
from wfm.io.calls import CallRecords, aggregate_calls, load_calls
from wfm.roster import make_roster
from wfm.staffing import compute_requirements
from wfm.staffing.estimate import CallEstimates, estimate_calls
from wfm.staffing.simulate import (
    SimulationResult,
    SimulationSettings,
    build_simulation,
    simulate,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "anonymous_bank"
CALLS = DATA / "calls_1999.csv.gz"
CHANNELS = ("PS", "NE", "NW")
HISTORY_END = pd.Timestamp("1999-08-01")  # training: January–July
WEEKS = (dt.date(1999, 9, 5), dt.date(1999, 9, 12), dt.date(1999, 9, 19))
INTERVAL_MINUTES = 30
HOURS = {"default": "06:30-24:00", "fri": "06:30-14:00", "sat": "19:30-24:00"}
SITE = SiteConfig(
    name="Anonymous Bank",
    timezone="Asia/Jerusalem",
    country="IL",
    closed_on_holidays=False,  # holidays are short days: the bank opens in the evening
    week_starts_on="sun",
    weekend=["fri", "sat"],
)
WORKDAYS = frozenset({6, 0, 1, 2, 3})  # Sunday–Thursday as date.weekday() numbers them
TARGET_SL, ANSWER_SECONDS = 0.80, 20.0
SEVERE_SL, SEVERE_SHARE_MAX = 0.60, 0.10
HOURS_SLACK = 1.05  # wfm's agent-hours at most 5% above the baseline's
METHODS = ("wfm", "baseline")
METHOD_LABELS = {
    "wfm": "wfm's forecast + Erlang A (fitted patience)",
    "baseline": "seasonal naive (last history week) + Erlang C",
}
# The team: skills, contract, how many. The bank's agents answered mostly PS (63-87% of their
# calls), many of them some NE or NW too: here most serve PS only, some PS+NE or PS+NW. Sized
# so that the wfm and baseline requirements of every week can be covered (1,340 h available,
# about 900 h required); the full-timers' minimum hours (480 h) stay well below any week's
# requirement, so that the hours rostered follow the requirement, not the contracts.
TEAM: tuple[tuple[tuple[str, ...], str, int], ...] = (
    (("PS",), "full_time", 10),
    (("PS",), "part_time", 10),
    (("PS", "NE"), "full_time", 5),
    (("PS", "NE"), "part_time", 4),
    (("PS", "NW"), "full_time", 5),
    (("PS", "NW"), "part_time", 4),
)


@dataclass(frozen=True)
class Data:
    calls: CallRecords  # PS, NE, NW calls of the whole file
    history: pd.DataFrame  # January–July, per 30-minute open interval
    actual: pd.DataFrame  # every interval of the file, per 30-minute open interval
    estimates: CallEstimates  # January–July


@dataclass(frozen=True)
class MethodWeek:
    """One method's plan for one week and what the replay made of it."""

    method: str
    week: dt.date
    forecast: pd.DataFrame  # FORECAST_COLUMNS
    requirements: pd.DataFrame  # REQUIREMENT_COLUMNS
    roster: RosterResult
    replay: SimulationResult
    model_names: dict[str, str]
    seconds: dict[str, float]


def load(path: Path) -> Data:
    calls = load_calls(path, CHANNELS)
    counted = aggregate_calls(calls, INTERVAL_MINUTES)
    before = calls.frame["arrival"] < HISTORY_END
    training = replace(calls, frame=calls.frame.loc[before].reset_index(drop=True))
    return Data(
        calls=calls,
        history=counted[counted["interval_start"] < HISTORY_END].reset_index(drop=True),
        actual=counted,
        estimates=estimate_calls(training),
    )


def short_days(site: SiteConfig) -> tuple[list[dt.date], list[dt.date]]:
    """Public holidays and holiday eves (the day before a holiday, itself none) that fall on a
    working weekday, Sunday–Thursday: the bank opens only in the evening after a holiday and
    only in the morning before one. Fridays and Saturdays are short days anyway."""
    holidays = set(public_holidays(site, dt.date(1999, 1, 1), dt.date(2000, 1, 1)))
    eves = {day - dt.timedelta(days=1) for day in holidays} - holidays
    return (
        sorted(d for d in holidays if d.weekday() in WORKDAYS),
        sorted(d for d in eves if d.weekday() in WORKDAYS),
    )


def fill_short_days(
    history: pd.DataFrame, config: Config, days: Sequence[dt.date]
) -> tuple[pd.DataFrame, int]:
    """History in which, on the short days that have records, every configured open interval
    without calls counts 0 contacts; and how many intervals were added.

    `aggregate_calls` opens a date from its first to its last answered call, so a holiday
    open only in the evening looks like a normal day whose daytime is missing: the forecast's
    holiday and event effects then learn nothing. The centre was closed those hours, which for
    a short day to come is what the forecast should say."""
    added = []
    per_day = 24 * 60 // INTERVAL_MINUTES
    for name, channel in config.channels.items():
        seen = pd.DatetimeIndex(history.loc[history["channel"] == name, "interval_start"])
        with_records = set(seen.normalize().date)
        for day in days:
            if day not in with_records:
                continue  # no records at all: a missing day stays missing
            stamps = pd.date_range(day, periods=per_day, freq=f"{INTERVAL_MINUTES}min")
            stamps = stamps[open_mask(channel, stamps) & ~stamps.isin(seen)]
            added.append(
                pd.DataFrame(
                    {
                        "interval_start": stamps,
                        "channel": name,
                        "contacts": 0.0,
                        "aht_seconds": np.nan,
                    }
                )
            )
    if not added:
        return history, 0
    filled = pd.concat([history, *added], ignore_index=True)
    filled = filled.sort_values(["channel", "interval_start"], ignore_index=True)
    return filled, sum(len(frame) for frame in added)


def centre_config(
    estimates: CallEstimates,
    week: dt.date,
    queue_model: str,
    time_limit: float,
    models: Sequence[str] | None = None,
) -> Config:
    fitted = {item.channel: item for item in estimates.channels}
    channels: dict[str, Any] = {}
    for name in CHANNELS:
        item = fitted[name]
        assert item.handle is not None and item.patience is not None
        channels[name] = {
            "kind": "voice",
            "aht_seconds": round(item.handle.mean_seconds, 1),
            "hours": HOURS,
            "service": {"target": TARGET_SL, "answer_seconds": ANSWER_SECONDS},
            "shrinkage": 0.0,
            "queue_model": queue_model,
            # kept for Erlang C too: the replay's callers are the same for both methods
            "patience_seconds": round(item.patience.mean_seconds or 0.0, 1),
        }
    lunch = {
        "name": "lunch",
        "length_minutes": 30,
        "earliest_start_after_minutes": 180,
        "latest_start_after_minutes": 300,
    }
    working_days = ["sun", "mon", "tue", "wed", "thu"]
    shifts = [
        # 8.5 hours on site, 8 paid; the latest start ends at midnight
        {
            "name": "early",
            "family": "early",
            "length_minutes": 510,
            "earliest_start": "06:30",
            "latest_start": "09:00",
            "start_step_minutes": 30,
            "days": working_days,
            "breaks": [lunch],
        },
        {
            "name": "day",
            "family": "day",
            "length_minutes": 510,
            "earliest_start": "09:30",
            "latest_start": "12:00",
            "start_step_minutes": 30,
            "days": working_days,
            "breaks": [lunch],
        },
        {
            "name": "late",
            "family": "late",
            "length_minutes": 510,
            "earliest_start": "12:30",
            "latest_start": "15:30",
            "start_step_minutes": 30,
            "days": working_days,
            "breaks": [lunch],
        },
        {
            "name": "short",
            "family": "part",
            "length_minutes": 240,
            "earliest_start": "06:30",
            "latest_start": "20:00",
            "start_step_minutes": 30,
            "days": working_days,
        },
        {
            "name": "friday",
            "family": "friday",
            "length_minutes": 450,
            "earliest_start": "06:30",
            "latest_start": "06:30",
            "days": ["fri"],
        },
        {
            "name": "friday_short",
            "family": "friday",
            "length_minutes": 240,
            "earliest_start": "06:30",
            "latest_start": "10:00",
            "start_step_minutes": 30,
            "days": ["fri"],
        },
        {
            "name": "saturday",
            "family": "late",
            "length_minutes": 270,
            "earliest_start": "19:30",
            "latest_start": "19:30",
            "days": ["sat"],
        },
        {
            "name": "saturday_short",
            "family": "late",
            "length_minutes": 150,
            "earliest_start": "21:30",
            "latest_start": "21:30",
            "days": ["sat"],
        },
    ]
    return Config.model_validate(
        {
            "site": SITE.model_dump(),
            "planning": {
                "week_start": week.isoformat(),
                "days": 7,
                "interval_minutes": INTERVAL_MINUTES,
            },
            "channels": channels,
            "shifts": shifts,
            "contracts": {
                "full_time": {
                    "min_hours_per_week": 24,
                    "max_hours_per_week": 40,
                    "max_days_per_week": 5,
                    "shifts": ["early", "day", "late", "short", "friday", "saturday"],
                },
                "part_time": {
                    "min_hours_per_week": 0,
                    "max_hours_per_week": 30,
                    "max_days_per_week": 5,
                    "shifts": ["short", "friday_short", "saturday_short", "early", "late"],
                },
            },
            "rules": {"min_rest_hours": 11},
            "events": [{"name": "holiday eve", "dates": short_days(SITE)[1]}],
            "forecast": {"backtest_weeks": 0, "models": list(models) if models else None},
            # wfm's default: one search worker on CP-SAT's deterministic clock, reproducible
            "solver": {"time_limit_seconds": time_limit, "seed": 1, "deterministic": True},
            "simulation": {"enabled": False},
            "agents": "(generated in benchmarks/real_centre.py)",
            "preferences": None,
        }
    )


def team_text() -> str:
    return ", ".join(f"{n} {contract} {'+'.join(skills)}" for skills, contract, n in TEAM)


def make_team() -> list[Agent]:
    agents: list[Agent] = []
    for skills, contract, count in TEAM:
        for _ in range(count):
            number = len(agents) + 1
            agents.append(
                Agent(id=f"B{number:02d}", name=f"agent {number}", skills=skills, contract=contract)
            )
    return agents


# --- the two baselines -------------------------------------------------------------------------


def same_weekday_forecast(history: pd.DataFrame, horizon: Horizon, weeks: int) -> pd.DataFrame:
    """Per channel, weekday and time: the mean over the last `weeks` dates of that weekday
    present in history (0 where such a date had no open row at that time); weeks=1 is the
    seasonal naive forecast. Handle time is left to the channel's mean (NaN)."""
    frames = []
    stamps = horizon.intervals()
    slot = np.asarray(stamps.hour * 60 + stamps.minute) // horizon.interval_minutes
    for channel in CHANNELS:
        rows = history[history["channel"] == channel]
        starts = pd.DatetimeIndex(rows["interval_start"])
        table = pd.Series(rows["contacts"].to_numpy(float), index=starts)
        dates = pd.DatetimeIndex(starts.normalize().unique()).sort_values()
        contacts = np.zeros(len(stamps))
        for weekday in range(7):
            same = dates[dates.day_of_week == weekday][-weeks:]
            on_day = np.asarray(stamps.day_of_week == weekday)
            if not len(same):
                continue
            step = pd.Timedelta(minutes=horizon.interval_minutes)
            grid = [day + step * int(k) for day in same for k in slot[on_day]]
            values = table.reindex(pd.DatetimeIndex(grid)).fillna(0.0).to_numpy()
            contacts[on_day] = values.reshape(len(same), -1).mean(axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "interval_start": stamps,
                    "channel": channel,
                    "contacts": contacts,
                    "lower": contacts,
                    "upper": contacts,
                    "aht_seconds": np.nan,
                }
            )
        )
    return pd.concat(frames, ignore_index=True).loc[:, list(FORECAST_COLUMNS)]


def wape(actual: pd.DataFrame, predicted: pd.DataFrame, channel: str) -> float:
    """Σ|actual − forecast| / Σ actual over every interval of the forecast's horizon."""
    mine = predicted[predicted["channel"] == channel].set_index("interval_start")["contacts"]
    seen = actual[actual["channel"] == channel].set_index("interval_start")["contacts"]
    real = seen.reindex(mine.index).fillna(0.0)
    return float(np.abs(real - mine).sum() / real.sum())


# --- one method, one week ---------------------------------------------------------------------


def week_calls(data: Data, week: dt.date) -> pd.DataFrame:
    """The week's real calls of PS, NE and NW as the replay reads them."""
    frame = data.calls.frame
    start = pd.Timestamp(week)
    inside = (frame["arrival"] >= start) & (frame["arrival"] < start + pd.Timedelta(days=7))
    return frame.loc[inside, ["arrival", "channel", "service_seconds", "outcome"]]


def run_method(
    method: str,
    data: Data,
    week: dt.date,
    agents: Sequence[Agent],
    time_limit: float,
    settings: SimulationSettings,
    models: Sequence[str] | None = None,
) -> MethodWeek:
    queue_model = "erlang_a" if method == "wfm" else "erlang_c"
    config = centre_config(data.estimates, week, queue_model, time_limit, models)
    horizon = Horizon(week, 7, INTERVAL_MINUTES)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    if method == "wfm":
        result = forecast(data.history, config, horizon)
        predicted, names = result.frame, result.model_names
    else:
        predicted = same_weekday_forecast(data.history, horizon, weeks=1)
        names = dict.fromkeys(CHANNELS, "seasonal naive (last history week)")
    seconds["forecast"] = time.perf_counter() - clock
    clock = time.perf_counter()
    requirements = compute_requirements(predicted, config)
    roster = make_roster(config, agents, {}, requirements, horizon)
    seconds["roster"] = time.perf_counter() - clock
    clock = time.perf_counter()
    # one replay world for both methods: the Erlang A config only carries the callers' patience
    # and the opening hours, which the baseline's config shares
    replay_config = centre_config(data.estimates, week, "erlang_a", time_limit)
    problem = build_simulation(
        replay_config, roster.assignments, arrivals=week_calls(data, week), use_shrinkage=False
    )
    replayed = simulate(problem, settings)
    seconds["replay"] = time.perf_counter() - clock
    return MethodWeek(method, week, predicted, requirements, roster, replayed, names, seconds)


# --- figures -------------------------------------------------------------------------------------


def channel_rows(
    data: Data, runs: dict[str, MethodWeek], naive: pd.DataFrame, four_weeks: pd.DataFrame
) -> list[dict[str, Any]]:
    bank = bank_service(data, runs[METHODS[0]].week)
    rows = []
    for channel in CHANNELS:
        naive_wape = wape(data.actual, naive, channel)
        mean4_wape = wape(data.actual, four_weeks, channel)
        for method in METHODS:
            run = runs[method]
            sim = run.replay.frame
            mine = sim[sim["channel"] == channel]
            busy = mine[mine["offered"] > 0]
            summary = run.replay.channels.set_index("channel").loc[channel]
            on_channel = run.roster.assignments["activity"] == channel
            rows.append(
                {
                    "week": run.week.isoformat(),
                    "channel": channel,
                    "method": method,
                    "model": run.model_names.get(channel, "").split(":")[0],
                    "wape": wape(data.actual, run.forecast, channel),
                    "wape_seasonal_naive": naive_wape,
                    "wape_mean_4_weeks": mean4_wape,
                    "forecast_contacts": float(
                        run.forecast.loc[run.forecast["channel"] == channel, "contacts"].sum()
                    ),
                    "offered": float(summary["offered"]),
                    "agent_hours": float(on_channel.sum() * INTERVAL_MINUTES / 60),
                    "service_level": float(summary["service_level"]),
                    "abandon_rate": float(summary["abandon_rate"]),
                    "open_half_hours": len(busy),
                    "severe_half_hours": int((busy["service_level"] < SEVERE_SL).sum()),
                    "severe_share": float((busy["service_level"] < SEVERE_SL).mean()),
                    "bank_service_level": bank[channel][0],
                    "bank_abandon_rate": bank[channel][1],
                }
            )
    return rows


def bank_service(data: Data, week: dt.date) -> dict[str, tuple[float, float]]:
    """How the bank itself served the week, per channel: (answered within 20 s, abandoned),
    both shares of answered + abandoned calls."""
    calls = week_calls(data, week).join(data.calls.frame["queue_seconds"])
    calls = calls[calls["outcome"] != "other"]
    served = {}
    for channel, part in calls.groupby("channel"):
        answered = part["outcome"] == "answered"
        in_time = answered & (part["queue_seconds"] <= ANSWER_SECONDS)
        served[str(channel)] = (float(in_time.mean()), float((~answered).mean()))
    return served


def roster_hours(run: MethodWeek) -> float:
    return float(run.roster.shifts["paid_minutes"].sum() / 60)


def check_targets(
    rows: list[dict[str, Any]], totals: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, Any]:
    wfm = [r for r in rows if r["method"] == "wfm"]
    base = {(r["week"], r["channel"]): r for r in rows if r["method"] == "baseline"}
    forecast_ok = all(
        r["wape"] < min(r["wape_seasonal_naive"], r["wape_mean_4_weeks"]) for r in wfm
    )
    sl_ok = all(r["service_level"] >= TARGET_SL for r in wfm)
    severe_ok = all(r["severe_share"] <= SEVERE_SHARE_MAX for r in wfm)
    hours: dict[str, Any] = {}
    for week in sorted({r["week"] for r in rows}):
        mine, theirs = totals[week, "wfm"]["agent_hours"], totals[week, "baseline"]["agent_hours"]
        baseline_meets = all(
            base[week, c]["service_level"] >= TARGET_SL
            and base[week, c]["severe_share"] <= SEVERE_SHARE_MAX
            for c in CHANNELS
        )
        limit_ok = mine <= HOURS_SLACK * theirs
        fewer_ok = mine < theirs if baseline_meets else True
        hours[week] = {
            "ratio": mine / theirs,
            "baseline_meets_target": baseline_meets,
            "met": bool(limit_ok and fewer_ok),
        }
    return {
        "forecast_wape_below_both_baselines": forecast_ok,
        "weekly_service_level": sl_ok,
        "severe_misses": severe_ok,
        "agent_hours": all(h["met"] for h in hours.values()),
        "agent_hours_by_week": hours,
    }


def print_table(rows: list[dict[str, Any]], totals: dict[tuple[str, str], dict[str, Any]]) -> None:
    print(
        "| week | channel | method | WAPE | WAPE s-naive | WAPE 4-wk mean | forecast / offered "
        "| agent-h on channel | SL 20 s | abandoned | severe half-hours | bank's own SL / aband. |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['week']} | {r['channel']} | {r['method']} | {r['wape']:.3f} "
            f"| {r['wape_seasonal_naive']:.3f} | {r['wape_mean_4_weeks']:.3f} "
            f"| {r['forecast_contacts']:,.0f} / {r['offered']:,.0f} | {r['agent_hours']:,.1f} "
            f"| {r['service_level']:.1%} | {r['abandon_rate']:.1%} "
            f"| {r['severe_share']:.1%} ({r['severe_half_hours']}/{r['open_half_hours']}) "
            f"| {r['bank_service_level']:.1%} / {r['bank_abandon_rate']:.1%} |"
        )
    print()
    print(
        "| week | method | required agent-hours | paid agent-hours | agents rostered "
        "| roster status | gap | seconds (forecast / roster / replay) |"
    )
    print("|---|---|---:|---:|---:|---|---:|---|")
    for (week, method), t in totals.items():
        print(
            f"| {week} | {method} | {t['required_hours']:,.1f} | {t['agent_hours']:,.1f} "
            f"| {t['agents']} | {t['status']} | {t['gap']:.1%} | {t['seconds']} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="first week only, short solves")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per roster solve")
    parser.add_argument("--replications", type=int, default=None, help="replays per roster")
    parser.add_argument("--calls", type=Path, default=CALLS, help="calls_1999.csv.gz")
    parser.add_argument(
        "--weeks",
        nargs="+",
        type=dt.date.fromisoformat,
        choices=WEEKS,
        metavar="SUNDAY",
        help=f"weeks to run (default: {', '.join(w.isoformat() for w in WEEKS)}; --quick: first)",
    )
    parser.add_argument(
        "--models", nargs="+", default=None, help="wfm's forecast candidates (default: all)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    weeks = args.weeks or (WEEKS[:1] if args.quick else WEEKS)
    time_limit = args.time_limit or (20.0 if args.quick else 60.0)
    replications = args.replications or (3 if args.quick else 10)
    settings = SimulationSettings(replications=replications, seed=1)

    data = load(args.calls)
    holidays, eves = short_days(SITE)
    in_history = [d for d in [*holidays, *eves] if pd.Timestamp(d) < HISTORY_END]
    history, filled = fill_short_days(
        data.history, centre_config(data.estimates, weeks[0], "erlang_a", time_limit), in_history
    )
    data = replace(data, history=history)
    agents = make_team()
    rows: list[dict[str, Any]] = []
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    names: dict[str, dict[str, str]] = {}
    for week in weeks:
        horizon = Horizon(week, 7, INTERVAL_MINUTES)
        naive = same_weekday_forecast(data.history, horizon, weeks=1)
        four_weeks = same_weekday_forecast(data.history, horizon, weeks=4)
        runs = {
            method: run_method(method, data, week, agents, time_limit, settings, args.models)
            for method in METHODS
        }
        rows += channel_rows(data, runs, naive, four_weeks)
        for method, run in runs.items():
            totals[week.isoformat(), method] = {
                "required_hours": float(
                    run.requirements["staff_needed"].sum() * INTERVAL_MINUTES / 60
                ),
                "agent_hours": roster_hours(run),
                "agents": int(run.roster.shifts["agent_id"].nunique()),
                "status": run.roster.status,
                "gap": run.roster.gap,
                "seconds": " / ".join(f"{s:.0f}" for s in run.seconds.values()),
            }
        names[week.isoformat()] = runs["wfm"].model_names
        print(f"week {week} done after {time.perf_counter() - started:.0f} s", file=sys.stderr)

    targets = check_targets(rows, totals)
    wall = time.perf_counter() - started
    print(f"$ python {' '.join(['benchmarks/real_centre.py', *sys.argv[1:]])}")
    print(
        f"Anonymous Bank 1999, PS/NE/NW, history January–July, weeks "
        f"{', '.join(w.isoformat() for w in weeks)}; 30-minute intervals; {len(agents)} agents "
        f"({team_text()}); roster "
        f"limit {time_limit:g} s per solve (deterministic); replay through the "
        f"library calls of `wfm simulate --arrivals` ({replications} replications, seed 1); "
        f"Python {platform.python_version()}, pandas {pd.__version__}, OR-Tools "
        f"{ortools.__version__}"
    )
    fitted = ", ".join(
        f"{c.channel} AHT {c.handle.mean_seconds:.0f} s / patience {c.patience.mean_seconds:.0f} s"
        for c in data.estimates.channels
        if c.handle is not None and c.patience is not None and c.patience.mean_seconds
    )
    print(f"Fitted on January–July: {fitted}")
    print("Methods: " + "; ".join(f"{m} = {label}" for m, label in METHOD_LABELS.items()))
    print(
        f"Short days (Sun–Thu holidays {', '.join(f'{d:%d %b}' for d in holidays)}; eves "
        f"{', '.join(f'{d:%d %b}' for d in eves)}): in history, {filled} open intervals "
        "without calls on them count 0 (aggregate_calls leaves them missing)"
    )
    print()
    print_table(rows, totals)
    print()
    for day, models in names.items():
        chosen = "; ".join(f"{c} {m.split(':')[0]}" for c, m in models.items())
        print(f"wfm models {day}: {chosen}")
    print()
    met = {True: "met", False: "NOT met"}
    print(
        f"forecast WAPE below both baselines (every channel and week): "
        f"{met[targets['forecast_wape_below_both_baselines']]}"
    )
    print(f"weekly SL >= {TARGET_SL:.0%} in replay: {met[targets['weekly_service_level']]}")
    print(
        f"severe misses <= {SEVERE_SHARE_MAX:.0%} of open half-hours: "
        f"{met[targets['severe_misses']]}"
    )
    hours_text = ", ".join(
        f"{week} {h['ratio']:.3f}× baseline"
        f"{' (baseline meets target: must be fewer)' if h['baseline_meets_target'] else ''}"
        for week, h in targets["agent_hours_by_week"].items()
    )
    print(
        f"agent-hours <= {HOURS_SLACK:.2f}× baseline: {met[targets['agent_hours']]} ({hours_text})"
    )
    print(f"wall time {wall:.0f} s (target: under 600 s on 2 cores)")
    print(
        json.dumps(
            {
                "rows": rows,
                "totals": [{"week": w, "method": m, **t} for (w, m), t in totals.items()],
                "targets": targets,
                "wall_seconds": round(wall, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
