"""`wfm estimate`: handle time and patience from call records, as a config fragment.

A thin wrapper over `wfm.io.calls.load_calls` and `wfm.staffing.estimate`; the lazy group in
`wfm.cli` loads it on first use. Bad input files list every problem and exit with 2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd

from wfm.cli import _reports_input_errors
from wfm.errors import Problem, WfmInputError
from wfm.io.calls import load_calls, write_config_fragment
from wfm.io.config_file import load_config
from wfm.staffing.estimate import (
    CallEstimates,
    estimate_calls,
    estimates_table,
    render_channels_yaml,
)


@click.command("estimate")
@click.argument("calls_path", metavar="CALLS", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Map call types onto this config's channels (case-insensitive; other types are "
    "skipped). Default: every type in the file is a channel, in lower case.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the `channels:` fragment (YAML) to this file, atomically.",
)
@click.option(
    "--interval",
    type=click.Choice(["15", "30", "60"]),
    default=None,
    help="Minutes per time-of-day bucket of the handle-time table (default: the config's "
    "interval, else 60).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the estimates as JSON.")
@_reports_input_errors
def estimate_command(
    calls_path: Path,
    config_path: Path | None,
    out_path: Path | None,
    interval: str | None,
    as_json: bool,
) -> None:
    """Estimate handle time (mean, median, CV, lognormal fit) and callers' patience per
    channel from a call-level file (CSV or .csv.gz: arrival, channel or service_type,
    queue_seconds, outcome, service_seconds), e.g.
    `wfm estimate calls.csv.gz --config configs/wfm.yaml --out estimates.yaml`.
    """
    config = load_config(config_path) if config_path is not None else None
    calls = load_calls(calls_path, list(config.channels) if config is not None else None)
    if interval is not None:
        minutes = int(interval)
    else:
        minutes = config.planning.interval_minutes if config is not None else 60
    estimates = estimate_calls(calls, bucket_minutes=minutes)
    if out_path is not None:
        try:
            write_config_fragment(out_path, render_channels_yaml(estimates, config))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise WfmInputError([Problem(str(out_path), f"cannot write: {reason}")]) from None
    for note in calls.notes:
        click.echo(f"note: {note}", err=True)
    if as_json:
        click.echo(json.dumps(_plain(dataclasses.asdict(estimates)), indent=2))
    else:
        click.echo(_readable_table(estimates))
    if out_path is not None:
        click.echo(f"Wrote the channels fragment to {out_path}", err=as_json)


def _readable_table(estimates: CallEstimates) -> str:
    table = estimates_table(estimates)
    shown = pd.DataFrame(
        {
            "channel": table["channel"],
            "calls": table["calls"].map("{:,}".format),
            "answered": table["answered"].map("{:,}".format),
            "abandoned": table["abandoned"].map("{:,}".format),
            "abandon %": table["abandon_pct"].map(_number("{:.1f}")),
            f"in {estimates.answer_seconds:g} s %": table["answered_within_pct"].map(
                _number("{:.1f}")
            ),
            "AHT s": table["aht_mean_seconds"].map(_number("{:.1f}")),
            "median s": table["aht_median_seconds"].map(_number("{:.0f}")),
            "CV": table["aht_cv"].map(_number("{:.2f}")),
            "lognormal sigma": table["lognormal_sigma"].map(_number("{:.2f}")),
            "patience s": table["patience_seconds"].map(_number("{:.1f}")),
        }
    )
    span = f"{estimates.first_arrival:%Y-%m-%d} to {estimates.last_arrival:%Y-%m-%d}"
    return (
        f"{estimates.source}: {estimates.overall.calls:,} calls, {span}\n"
        + shown.to_string(index=False)
        + "\nAHT over answered calls with service > 0; abandon % of answered + abandoned; "
        "patience = total wait of calls that waited / hang-ups among them."
    )


def _number(pattern: str) -> Any:
    def format_value(value: float) -> str:
        return "-" if math.isnan(value) else pattern.format(value)

    return format_value


def _plain(value: Any) -> Any:
    """JSON-ready: datetimes as ISO text, NaN and infinities as null."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
