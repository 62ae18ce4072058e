"""`wfm` command line: thin wrappers over the library, turning input errors into exit code 2."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import pandas as pd

from wfm.config import Config
from wfm.errors import WfmInputError
from wfm.io.config_file import load_config
from wfm.io.inputs import Inputs, load_inputs
from wfm.roster.problem import build_roster_problem, check_feasible_inputs

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_CONFIG = Path("configs/wfm.yaml")


def _reports_input_errors(command: F) -> F:
    """Print every input problem as `file:line:column: message` and exit 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except WfmInputError as exc:
            click.echo(f"wfm: {len(exc.problems)} problem(s) in the inputs:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


class _Progress:
    """Timestamped progress lines on stderr, so stdout stays clean for results."""

    def __init__(self, quiet: bool) -> None:
        self._quiet = quiet
        self._start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self._quiet:
            click.echo(f"[{time.perf_counter() - self._start:6.1f}s] {message}", err=True)


def _with_overrides(
    inputs: Inputs,
    time_limit: float | None,
    seed: int | None,
) -> Inputs:
    solver_changes: dict[str, Any] = {}
    if time_limit is not None:
        solver_changes["time_limit_seconds"] = time_limit
    if seed is not None:
        solver_changes["seed"] = seed
    if not solver_changes:
        return inputs
    config = inputs.config.model_copy(
        update={"solver": inputs.config.solver.model_copy(update=solver_changes)}
    )
    return dataclasses.replace(inputs, config=config)


def _load(config_path: Path, week: dt.date | None) -> Inputs:
    if week is not None:
        # The planning week changes which preference files apply, so reload with it set.
        config = load_config(config_path)
        return load_inputs(config_path, _week_override(config, week))
    return load_inputs(config_path)


def _week_override(config: Config, week: dt.date) -> Config:
    return config.model_copy(
        update={"planning": config.planning.model_copy(update={"week_start": week})}
    )


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="The planner's configuration file.",
)
out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("out"),
    show_default=True,
    help="Folder the outputs are written to (atomically).",
)
week_option = click.option(
    "--week",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day to plan (default: config, else the Monday after the history ends).",
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress messages.")


def solver_options(command: F) -> F:
    """--time-limit and --seed, which override the config's solver settings."""
    command = click.option("--seed", type=int, default=None, help="Roster solver seed.")(command)
    return click.option(
        "--time-limit", type=float, default=None, help="Roster solver limit in seconds."
    )(command)


class _WfmGroup(click.Group):
    """The command group; commands in other modules load when first asked for.

    Those modules import their shared options from here, so they are looked up lazily instead
    of imported at the top (which would be circular).
    """

    extensions = {
        "erlang": ("wfm.cli_staffing", "erlang_command"),
        "simulate": ("wfm.cli_staffing", "simulate_command"),
        "prefs": ("wfm.cli_prefs", "prefs"),
        "estimate": ("wfm.cli_estimate", "estimate_command"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.extensions])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.extensions:
            module, attribute = self.extensions[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_WfmGroup)
@click.version_option(package_name="wfm")
def main() -> None:
    """wfm: forecast contacts, staff every interval, roster the team, export the plan."""


@main.command()
@config_option
@out_option
@week_option
@solver_options
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="Language of the spreadsheet and summary (zh: Simplified Chinese).",
)
@quiet_option
@_reports_input_errors
def plan(
    config_path: Path,
    out_dir: Path,
    week: dt.datetime | None,
    time_limit: float | None,
    seed: int | None,
    lang: str,
    quiet: bool,
) -> None:
    """Run every stage on the inputs and write the roster spreadsheet, CSVs and summary."""
    from wfm.export import export_plan
    from wfm.plan import plan as run_plan

    progress = _Progress(quiet)
    inputs = _with_overrides(_load(config_path, week.date() if week else None), time_limit, seed)
    for notice in inputs.notices:
        progress(f"note: {notice}")
    result = run_plan(inputs, progress)
    written = export_plan(result, inputs.config, out_dir, lang=lang)
    roster = result.roster
    click.echo(
        f"Planned {result.horizon.start} + {result.horizon.days} days: "
        f"{roster.shifts.agent_id.nunique()} agents, {len(roster.shifts)} shifts, "
        f"solver {roster.status} (gap {roster.gap:.1%}). "
        f"Wrote {len(written)} files to {out_dir}/"
    )


@main.command()
@config_option
@week_option
@_reports_input_errors
def validate(config_path: Path, week: dt.datetime | None) -> None:
    """Check every input file and report all problems at once."""
    inputs = _load(config_path, week.date() if week else None)
    empty = pd.DataFrame(columns=["interval_start", "channel", "staff_needed"])
    check_feasible_inputs(
        build_roster_problem(
            inputs.config, inputs.agents, inputs.preferences, empty, inputs.horizon, inputs.locks
        )
    )
    for notice in inputs.notices:
        click.echo(f"note: {notice}")
    click.echo(
        f"OK: {config_path}, {len(inputs.history):,} history rows, {len(inputs.agents)} agents, "
        f"{len(inputs.preferences)} preference files; planning {inputs.horizon.start} "
        f"+ {inputs.horizon.days} days"
    )


def _write_frames(
    out_dir: Path,
    frames: dict[str, pd.DataFrame],
    timezone: str | None,
    extra: Callable[[Path], list[Path]] | None = None,
) -> list[Path]:
    """Write CSVs (and whatever `extra` adds to the staging folder) into out_dir atomically."""
    from wfm.export import write_atomically
    from wfm.export.csvs import format_for_csv, write_csv

    def write(folder: Path) -> list[Path]:
        paths = [
            write_csv(format_for_csv(frame, timezone), folder / name)
            for name, frame in frames.items()
        ]
        return [*paths, *(extra(folder) if extra else [])]

    return write_atomically(out_dir, write)


@main.command("forecast")
@config_option
@out_option
@week_option
@click.option(
    "--history",
    "history_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Forecast this history CSV without a config: channels, working days and opening "
    "hours are read off the history (a day absent from it counts as closed).",
)
@click.option(
    "--interval",
    type=click.Choice(["15", "30", "60"]),
    default=None,
    help="Interval in minutes (default: the config's, 60 with --history).",
)
@click.option(
    "--backtest-weeks",
    type=click.IntRange(0, 52),
    default=None,
    help="One-week-ahead rolling-origin weeks to backtest (default: the config's; 8 with "
    "--history).",
)
@click.option(
    "--country", default=None, help="With --history: public holidays of this country (US, CN…)."
)
@click.option(
    "--backtest", "show_backtest", is_flag=True, help="Print the backtest per channel and model."
)
@quiet_option
@_reports_input_errors
def forecast_command(
    config_path: Path,
    out_dir: Path,
    week: dt.datetime | None,
    history_path: Path | None,
    interval: str | None,
    backtest_weeks: int | None,
    country: str | None,
    show_backtest: bool,
    quiet: bool,
) -> None:
    """Forecast contacts per channel and interval: forecast.csv, backtest.csv (one row per
    channel, model and held-out week) and forecast.png.

    With --history no config is needed, e.g.
    `wfm forecast --history calls.csv --interval 60 --backtest-weeks 8 --out DIR`.
    """
    from wfm.config import ForecastConfig, SiteConfig
    from wfm.domain import FORECAST_COLUMNS, Horizon
    from wfm.forecast import FOLD_COLUMNS, backtest_table, forecast, forecast_history
    from wfm.forecast.plot import forecast_figure
    from wfm.io.inputs import load_history

    progress = _Progress(quiet)
    if history_path is not None:
        try:  # the channels are whatever the file holds; load_history checks every row
            channels = pd.read_csv(history_path, usecols=["channel"], dtype=str)["channel"]
            names = sorted(set(channels.dropna().str.strip()))
        except (OSError, ValueError):
            names = []
        history = load_history(history_path, names)
        minutes = int(interval or 60)
        settings = ForecastConfig(backtest_weeks=8 if backtest_weeks is None else backtest_weeks)
        horizon = Horizon(week.date(), 7, minutes) if week else None
        result = forecast_history(
            history, minutes, settings, SiteConfig(country=country), horizon, progress
        )
        level, timezone = settings.prediction_level, None
    else:
        inputs = _load(config_path, week.date() if week else None)
        config, horizon = inputs.config, inputs.horizon
        if backtest_weeks is not None:
            changed = config.forecast.model_copy(update={"backtest_weeks": backtest_weeks})
            config = config.model_copy(update={"forecast": changed})
        if interval is not None:
            horizon = Horizon(horizon.start, horizon.days, int(interval))
        history = inputs.history
        result = forecast(history, config, horizon, progress)
        level, timezone = config.forecast.prediction_level, config.site.timezone
    folds = result.backtest_folds
    frames = {
        "forecast.csv": result.frame.loc[:, list(FORECAST_COLUMNS)],
        "backtest.csv": folds.loc[:, list(FOLD_COLUMNS)]
        if not folds.empty
        else pd.DataFrame(columns=list(FOLD_COLUMNS)),
    }
    figure = forecast_figure(history, result.frame, level, result.model_names)

    def plot(folder: Path) -> list[Path]:
        figure.savefig(folder / "forecast.png", dpi=110)
        return [folder / "forecast.png"]

    written = _write_frames(out_dir, frames, timezone, plot)
    if show_backtest and not folds.empty:
        click.echo(backtest_table(folds).to_string(index=False))
    for row in result.backtest.itertuples(index=False):
        click.echo(
            f"{row.channel}: {row.model}, backtest WAPE {row.wape:.1%} over {row.weeks} weeks "
            f"(seasonal naive {row.seasonal_naive_wape:.1%}), {row.interval_coverage:.0%} "
            "inside the 80% interval"
        )
    click.echo(f"Wrote {', '.join(p.name for p in written)} to {out_dir}/")


@main.command("staff")
@config_option
@out_option
@_reports_input_errors
def staff_command(config_path: Path, out_dir: Path) -> None:
    """Agents and staff needed per interval from out/forecast.csv: requirements.csv."""
    from wfm.io.outputs import read_forecast
    from wfm.staffing import compute_requirements

    config = load_config(config_path)
    predicted = read_forecast(out_dir)
    requirements = compute_requirements(predicted.frame, config)
    _write_frames(out_dir, {"requirements.csv": requirements}, config.site.timezone)
    total = requirements.groupby("channel", sort=False).staff_needed.sum()
    hours = config.planning.interval_minutes / 60
    click.echo(
        "Staff-hours needed: "
        + ", ".join(f"{ch} {n * hours:,.0f}" for ch, n in total.items())
        + f". Wrote requirements.csv to {out_dir}/"
    )


@main.command("roster")
@config_option
@out_option
@week_option
@solver_options
@quiet_option
@_reports_input_errors
def roster_command(
    config_path: Path,
    out_dir: Path,
    week: dt.datetime | None,
    time_limit: float | None,
    seed: int | None,
    quiet: bool,
) -> None:
    """Roster the team against out/requirements.csv: roster, assignments, coverage, wishes."""
    from wfm.domain import ASSIGNMENT_COLUMNS, COVERAGE_COLUMNS, ROSTER_COLUMNS
    from wfm.io.outputs import RUN_FILE, read_requirements, write_run_facts
    from wfm.roster import make_roster
    from wfm.staffing import evaluate_coverage

    progress = _Progress(quiet)
    inputs = _with_overrides(_load(config_path, week.date() if week else None), time_limit, seed)
    requirements = read_requirements(out_dir)
    config = inputs.config
    roster = make_roster(
        config,
        inputs.agents,
        inputs.preferences,
        requirements,
        inputs.horizon,
        progress,
        locks=inputs.locks,
    )
    roster = evaluate_coverage(roster, requirements, config)
    frames = {
        "roster.csv": roster.shifts.loc[:, list(ROSTER_COLUMNS)],
        "assignments.csv": roster.assignments.loc[:, list(ASSIGNMENT_COLUMNS)],
        "coverage.csv": roster.coverage.loc[:, list(COVERAGE_COLUMNS)],
        "wishes.csv": roster.wishes.loc[:, ["agent_id", "wish", "priority", "granted", "reason"]],
    }

    _write_frames(
        out_dir, frames, config.site.timezone, lambda f: [write_run_facts(roster, f / RUN_FILE)]
    )
    click.echo(
        f"Roster {roster.status} (gap {roster.gap:.1%}): {len(roster.shifts)} shifts. "
        f"Wrote roster.csv, assignments.csv, coverage.csv, wishes.csv to {out_dir}/"
    )


@main.command("export")
@config_option
@out_option
@week_option
@_reports_input_errors
def export_command(config_path: Path, out_dir: Path, week: dt.datetime | None) -> None:
    """Rebuild roster.xlsx, summary.md and plots from the CSVs in --out."""
    from wfm.domain import PlanResult
    from wfm.export import export_plan
    from wfm.io.outputs import read_forecast, read_requirements, read_roster
    from wfm.plan import describe_inputs, service_check

    inputs = _load(config_path, week.date() if week else None)
    config = inputs.config
    requirements = read_requirements(out_dir)
    roster = read_roster(out_dir, inputs.agents, config)
    result = PlanResult(
        horizon=inputs.horizon,
        forecast=read_forecast(out_dir),
        requirements=requirements,
        roster=roster,
        agents=inputs.agents,
        inputs=describe_inputs(inputs),
        preferences=dict(inputs.preferences),
        simulation=service_check(config, roster, requirements),
    )
    written = export_plan(result, inputs.config, out_dir)
    click.echo(f"Wrote {len(written)} files to {out_dir}/")
