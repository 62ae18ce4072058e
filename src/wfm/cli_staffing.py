"""`wfm erlang` (the planner's calculator) and `wfm simulate` (check a roster by simulation).

Thin wrappers over `wfm.staffing.calculator` and `wfm.staffing.simulate`; the lead's `cli.py`
adds them to the `wfm` group. Bad flags exit with 2 and say what is allowed (click's usage
errors); bad input files list every problem and exit with 2 (`_reports_input_errors`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from wfm.cli import _Progress, _reports_input_errors, config_option, out_option, quiet_option
from wfm.errors import Problem, WfmInputError


class _Number(click.ParamType):
    """A finite float inside bounds; `allow_inf` lets 'inf' through (no patience limit)."""

    name = "number"

    def __init__(
        self,
        low: float | None = None,
        high: float | None = None,
        *,
        low_open: bool = False,
        high_open: bool = False,
        allow_inf: bool = False,
    ) -> None:
        self.low, self.high = low, high
        self.low_open, self.high_open = low_open, high_open
        self.allow_inf = allow_inf

    def describe(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        return "a number " + " and ".join(parts) if parts else "a number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float):
            number = value
        else:
            try:
                number = float(value)
            except (TypeError, ValueError):
                self.fail(f"{value!r} is not a number; it must be {self.describe()}", param, ctx)
        finite = math.isfinite(number) or (self.allow_inf and number == math.inf)
        too_low = self.low is not None and (
            number <= self.low if self.low_open else number < self.low
        )
        too_high = self.high is not None and (
            number >= self.high if self.high_open else number > self.high
        )
        if not finite or too_low or too_high:
            self.fail(f"{value!r} is not allowed; it must be {self.describe()}", param, ctx)
        return number


# --- wfm erlang -------------------------------------------------------------------------------


@click.command("erlang")
@click.option("--calls", type=_Number(0), required=True, help="Contacts offered in the interval.")
@click.option(
    "--interval",
    "interval_seconds",
    type=_Number(0, low_open=True),
    default=1800,
    show_default=True,
    help="Interval length in seconds.",
)
@click.option(
    "--aht", type=_Number(0, low_open=True), required=True, help="Average handling time, seconds."
)
@click.option(
    "--answer-seconds",
    type=_Number(0),
    default=20,
    show_default=True,
    help="T of the service level 'X% answered within T seconds'.",
)
@click.option(
    "--target-sl",
    type=_Number(0, 1, low_open=True, high_open=True),
    default=None,
    help="Service-level goal, e.g. 0.8.",
)
@click.option(
    "--target-asa",
    type=_Number(0, low_open=True),
    default=None,
    help="Average speed of answer goal, seconds.",
)
@click.option(
    "--max-occupancy",
    type=_Number(0, 1, low_open=True),
    default=None,
    help="Occupancy cap, e.g. 0.85.",
)
@click.option(
    "--shrinkage",
    type=_Number(0, 1, high_open=True),
    default=0.0,
    show_default=True,
    help="Share of paid time off the phones; staff = ceil(agents / (1 - shrinkage)).",
)
@click.option(
    "--patience",
    type=_Number(0, low_open=True, allow_inf=True),
    default=None,
    help="Callers' mean patience in seconds: Erlang A (they hang up) instead of C.",
)
@click.option(
    "--agents",
    type=click.IntRange(min=0),
    default=None,
    help="Evaluate this many agents instead of solving for the fewest.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def erlang_command(
    calls: float,
    interval_seconds: float,
    aht: float,
    answer_seconds: float,
    target_sl: float | None,
    target_asa: float | None,
    max_occupancy: float | None,
    shrinkage: float,
    patience: float | None,
    agents: int | None,
    as_json: bool,
) -> None:
    """Agents for one interval (Erlang C, or Erlang A with --patience), or evaluate --agents.

    Example: wfm erlang --calls 100 --interval 1800 --aht 180 --answer-seconds 20
    --target-sl 0.8 --shrinkage 0.3
    """
    from wfm.staffing.calculator import queue_figures

    try:
        figures = queue_figures(
            calls,
            interval_seconds,
            aht,
            answer_seconds,
            target_sl=target_sl,
            target_asa=target_asa,
            max_occupancy=max_occupancy,
            shrinkage=shrinkage,
            patience_seconds=patience,
            agents=agents,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        keys = ("agents", "staff", "service_level", "asa_seconds", "occupancy", "p_wait")
        record: dict[str, Any] = {key: _json_number(getattr(figures, key)) for key in keys}
        record["p_abandon"] = _json_number(figures.p_abandon)
        click.echo(json.dumps(record))
        return
    name = "Erlang A" if figures.model == "erlang_a" else "Erlang C"
    patience_note = f", patience {patience:g} s" if figures.model == "erlang_a" else ""
    lines = [
        f"{name}: {calls:g} contacts in {interval_seconds:g} s, AHT {aht:g} s{patience_note} "
        f"= {figures.traffic_erlangs:.3f} Erlangs",
        f"  agents          {figures.agents}{'' if figures.solved else ' (given)'}",
        f"  staff           {figures.staff} (shrinkage {shrinkage:.0%})",
        f"  service level   {figures.service_level:.4f} answered within {answer_seconds:g} s",
        f"  ASA             {figures.asa_seconds:.2f} s",
        f"  occupancy       {figures.occupancy:.2%}",
        f"  P(wait)         {figures.p_wait:.4f}",
    ]
    if figures.p_abandon is not None:
        lines.append(f"  P(abandon)      {figures.p_abandon:.4f}")
    click.echo("\n".join(lines))


def _json_number(value: float | int | None) -> float | int | None:
    """JSON has no infinity: an unstable queue's ASA or occupancy is printed as null."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


# --- wfm simulate -----------------------------------------------------------------------------


@click.command("simulate")
@config_option
@out_option
@click.option(
    "--assignments",
    "assignments_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The roster to play [default: OUT/assignments.csv].",
)
@click.option(
    "--demand",
    "demand_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Expected contacts per interval (forecast.csv or requirements.csv); arrivals are "
    "Poisson at that rate [default: OUT/forecast.csv, else OUT/requirements.csv].",
)
@click.option(
    "--arrivals",
    "arrivals_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Actual arrivals instead: timestamp,channel,contacts[,aht_seconds] per interval, or "
    "one row per contact with timestamp (or arrival),channel[,handle_seconds].",
)
@click.option(
    "--replications",
    type=click.IntRange(min=2, max=10_000),
    default=20,
    show_default=True,
    help="Independent runs; their spread gives the intervals.",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--handle-time",
    type=click.Choice(["exponential", "lognormal"]),
    default="exponential",
    show_default=True,
    help="Handle-time distribution.",
)
@click.option(
    "--handle-cv",
    type=_Number(0, low_open=True),
    default=1.0,
    show_default=True,
    help="Lognormal handle times: standard deviation / mean.",
)
@click.option(
    "--patience",
    type=_Number(0, low_open=True, allow_inf=True),
    default=None,
    help="Callers' mean patience, seconds, for every voice and chat channel "
    "[default: each channel's patience_seconds; none: nobody hangs up].",
)
@click.option(
    "--shrinkage/--no-shrinkage",
    "use_shrinkage",
    default=True,
    show_default=True,
    help="Take the channel's shrinkage off the heads on the roster.",
)
@click.option(
    "--confidence",
    type=_Number(0, 1, low_open=True, high_open=True),
    default=0.95,
    show_default=True,
    help="Level of the service-level confidence intervals.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=64),
    default=1,
    show_default=True,
    help="Processes running replications in parallel (results do not change).",
)
@quiet_option
@_reports_input_errors
def simulate_command(
    config_path: Path,
    out_dir: Path,
    assignments_path: Path | None,
    demand_path: Path | None,
    arrivals_path: Path | None,
    replications: int,
    seed: int,
    handle_time: str,
    handle_cv: float,
    patience: float | None,
    use_shrinkage: bool,
    confidence: float,
    workers: int,
    quiet: bool,
) -> None:
    """Play the roster against random contacts: simulation.csv with SL, ASA and abandonment
    per interval and channel, confidence intervals, and the intervals that miss the target."""
    from wfm.domain import ASSIGNMENT_COLUMNS
    from wfm.export import write_atomically
    from wfm.export.csvs import format_for_csv, write_csv
    from wfm.io.config_file import load_config
    from wfm.io.outputs import read_frame
    from wfm.staffing.simulate import (
        SIMULATION_COLUMNS,
        SimulationSettings,
        build_simulation,
        simulate,
    )

    if demand_path is not None and arrivals_path is not None:
        raise click.UsageError("give --demand or --arrivals, not both")
    progress = _Progress(quiet)
    config = load_config(config_path)
    assignments_path = assignments_path or out_dir / "assignments.csv"
    assignments = read_frame(assignments_path, ASSIGNMENT_COLUMNS, "roster")
    demand = arrivals = None
    if arrivals_path is not None:
        arrivals = _read_arrivals(arrivals_path, list(config.channels))
        source = str(arrivals_path)
    else:
        if demand_path is None:
            forecast = out_dir / "forecast.csv"
            demand_path = forecast if forecast.exists() else out_dir / "requirements.csv"
        demand = read_frame(demand_path, ("interval_start", "channel", "contacts"), "forecast")
        source = str(demand_path)
    problem = build_simulation(
        config,
        assignments,
        demand=demand,
        arrivals=arrivals,
        patience_seconds=None if patience is None or math.isinf(patience) else patience,
        use_shrinkage=use_shrinkage,
        sources={"assignments": str(assignments_path), "demand": source, "arrivals": source},
    )
    if patience is not None and math.isinf(patience):
        problem = _without_patience(problem)
    for note in problem.notes:
        progress(f"note: {note}")
    settings = SimulationSettings(
        replications=replications,
        seed=seed,
        handle_time="lognormal" if handle_time == "lognormal" else "exponential",
        handle_cv=handle_cv,
        confidence=confidence,
        workers=workers,
    )
    progress(
        f"simulating {len(problem.channels)} channel(s) over {len(problem.interval_starts)} "
        f"intervals, {replications} replications"
    )
    result = simulate(problem, settings)
    frame = result.frame.loc[:, list(SIMULATION_COLUMNS)]

    def write(folder: Path) -> list[Path]:
        return [write_csv(format_for_csv(frame, config.site.timezone), folder / "simulation.csv")]

    write_atomically(out_dir, write)
    level = f"{confidence:.0%}"
    lines = [
        f"Simulated {result.contacts_simulated:,} contacts in {result.wall_seconds:.1f} s "
        f"({replications} replications, {handle_time} handle times):"
    ]
    for row in result.channels.itertuples():
        goal = float(row.target_sl)  # type: ignore[arg-type]
        target = "" if math.isnan(goal) else f" (target {goal:.0%})"
        lines.append(
            f"  {row.channel}: SL {row.service_level:.1%} [{level} CI "
            f"{row.service_level_low:.1%}-{row.service_level_high:.1%}]{target}, "
            f"ASA {row.asa_seconds:.1f} s, abandoned {row.abandon_rate:.1%}; "
            f"{row.intervals_missed} of {row.intervals_with_contacts} intervals miss the target"
        )
    lines.append(f"Wrote simulation.csv to {out_dir}/")
    click.echo("\n".join(lines))


def _without_patience(problem: Any) -> Any:
    """--patience inf: nobody hangs up, whatever the config says."""
    import dataclasses

    channels = tuple(dataclasses.replace(c, patience_seconds=math.inf) for c in problem.channels)
    return dataclasses.replace(problem, channels=channels)


def _read_arrivals(path: Path, channels: list[str]) -> pd.DataFrame:
    """Per-interval counts (the history format), call records (wfm.io.calls: arrival,
    channel[,queue_seconds,outcome,service_seconds]) or one row per contact, checked."""
    from wfm.io.calls import is_call_file, load_calls
    from wfm.io.inputs import load_history

    name = str(path)
    if not path.exists():
        raise WfmInputError([Problem(name, "file not found")])
    if is_call_file(path):
        return load_calls(path, channels).frame
    try:
        header = pd.read_csv(path, nrows=0).columns.str.strip().tolist()
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise WfmInputError([Problem(name, f"cannot read: {exc}")]) from None
    if "contacts" in header:
        history = load_history(path, channels)
        return history.rename(columns={"timestamp": "interval_start"})
    when = "arrival" if "arrival" in header else "timestamp"
    missing = [c for c in (when, "channel") if c not in header]
    if missing:
        raise WfmInputError(
            [
                Problem(
                    name,
                    f"header needs timestamp (or arrival) and channel, and contacts for "
                    f"per-interval counts; missing: {', '.join(missing)} (found: {header})",
                    1,
                )
            ]
        )
    frame = pd.read_csv(path, dtype={"channel": str})
    frame.columns = frame.columns.str.strip()
    stamps = pd.to_datetime(frame[when], errors="coerce", format="ISO8601")
    problems = [
        Problem(
            name, f"'{frame[when].iloc[row]}' is not an ISO timestamp", int(row) + 2, field=when
        )
        for row in np.flatnonzero(stamps.isna().to_numpy())[:20]
    ]
    if "handle_seconds" in frame.columns:
        handle = pd.to_numeric(frame["handle_seconds"], errors="coerce")
        bad = frame["handle_seconds"].notna() & ~(handle > 0)
        problems += [
            Problem(name, "must be a number > 0 or blank", int(row) + 2, field="handle_seconds")
            for row in np.flatnonzero(bad.to_numpy())[:20]
        ]
    if problems:
        raise WfmInputError(problems)
    frame["arrival"] = stamps.dt.tz_localize(None) if stamps.dt.tz is not None else stamps
    if when != "arrival":
        frame = frame.drop(columns=[when])
    return frame
