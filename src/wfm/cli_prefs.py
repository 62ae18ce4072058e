"""`wfm prefs`: agents' preference files — write a commented starter, check a folder.

Registered on the main group in wfm.cli (`main.add_command(prefs)`); the helpers it shares
with the other commands (options, the exit-2 error report) come from there.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from wfm.cli import _reports_input_errors, config_option
from wfm.config import Config
from wfm.domain import Agent
from wfm.errors import Problem, WfmInputError
from wfm.io.config_file import load_config, project_root
from wfm.io.inputs import load_agents
from wfm.io.preferences import (
    check_preferences,
    closest_match,
    render_template,
    week_start_problem,
    write_template,
)

template_week_option = click.option(
    "--week",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The first day of the week the file is for (site.week_starts_on; default: a "
    "standing preference).",
)


def _preferences_folder(config: Config, config_path: Path) -> Path:
    return project_root(config_path) / (config.preferences or "data/preferences")


@click.group("prefs")
def prefs() -> None:
    """Agents' preference files: write a starter file, check a folder of them."""


@prefs.command("check")
@click.argument("target", required=False, type=click.Path(path_type=Path))
@config_option
@click.option(
    "--week",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Also say which files apply to the week starting on this day.",
)
@_reports_input_errors
def check(target: Path | None, config_path: Path, week: dt.datetime | None) -> None:
    """Check every preference file in TARGET (default: the configured folder).

    Reports all problems at once as file:line:column: message and exits with 2.
    """
    config = load_config(config_path)
    target = target or _preferences_folder(config, config_path)
    problems: list[Problem] = []
    agents: tuple[Agent, ...] | None = None
    try:
        agents = load_agents(project_root(config_path) / config.agents, config)
    except WfmInputError as exc:
        problems.extend(exc.problems)  # still check the preference files themselves
    result = check_preferences(target, config, agents)
    problems.extend(result.problems)
    for notice in result.notices:
        click.echo(f"note: {notice}")
    if problems:
        raise WfmInputError(problems)
    week_start = week.date() if week else config.planning.week_start
    wishes = sum(len(p.wishes) for p in result.preferences.values())
    points = sum(w.priority for p in result.preferences.values() for w in p.wishes)
    unavailable = sum(bool(p.unavailable) for p in result.preferences.values())
    for path, found in result.preferences.items():
        if week_start is not None and found.week is not None and found.week != week_start:
            click.echo(f"note: {path}: for the week of {found.week}, not used for {week_start}")
    click.echo(
        f"OK: {len(result.preferences)} preference file(s) in {target}: {wishes} wishes "
        f"({points} priority points), {unavailable} with unavailable times"
    )


@prefs.command("template")
@click.argument("agent_id")
@config_option
@template_week_option
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder to write <AGENT_ID>.yaml into (default: the configured preferences folder).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the file instead of writing it.")
@_reports_input_errors
def template(
    agent_id: str,
    config_path: Path,
    week: dt.datetime | None,
    folder: Path | None,
    force: bool,
    to_stdout: bool,
) -> None:
    """Write a commented starter preference file for AGENT_ID."""
    config = load_config(config_path)
    agents_path = project_root(config_path) / config.agents
    agents = {a.id: a for a in load_agents(agents_path, config)}
    agent = agents.get(agent_id)
    if agent is None:
        close = closest_match(agent_id, list(agents))
        hint = f" (did you mean {close}?)" if close else ""
        raise WfmInputError([Problem(str(agents_path), f"unknown agent '{agent_id}'{hint}")])
    day = week.date() if week else None
    problem = week_start_problem(day, config) if day is not None else None
    if problem:
        raise WfmInputError([Problem("--week", problem)])
    if to_stdout:
        click.echo(render_template(agent, config, day), nl=False)
        return
    path = (folder or _preferences_folder(config, config_path)) / f"{agent_id}.yaml"
    write_template(agent, config, path, day, overwrite=force)
    click.echo(f"Wrote {path}; edit it, then run `wfm prefs check`.")
