"""Handle time and patience estimated from call records, for the config's voice channels.

Per channel (and per time of day where enough calls were answered): the handle time of
answered calls with service > 0 — mean, median, coefficient of variation and a lognormal fit
(maximum likelihood on the logs), since call-centre service times are close to lognormal
(Brown et al. 2005, JASA 100(469)) — and the callers' mean patience.

Patience is the exponential-patience maximum-likelihood estimate: the total time in queue of
the calls that waited divided by the number of them that hung up. An answered call's wait is
a censored patience (the caller would have waited at least that long), so it adds time but
no hang-up. Calls that did not wait add nothing either way; `other` calls (phantoms) are
left out. `render_channels_yaml` writes the estimates in the config's own form. No file I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from wfm.config import ChannelKind, Config
from wfm.io.calls import CallRecords

__all__ = [
    "CallEstimates",
    "ChannelEstimate",
    "HandleTimeFit",
    "PatienceEstimate",
    "TimeOfDayHandle",
    "estimate_calls",
    "estimate_channel",
    "estimates_table",
    "fit_handle_times",
    "render_channels_yaml",
]

MIN_BUCKET_CALLS = 200  # fewer answered calls than this give a time-of-day mean too noisy to use
ANSWER_SECONDS = 20.0


@dataclass(frozen=True)
class HandleTimeFit:
    """Handle times (seconds) of answered calls with service > 0."""

    calls: int
    mean_seconds: float
    median_seconds: float
    cv: float  # standard deviation / mean
    lognormal_mu: float  # mean of log(seconds)
    lognormal_sigma: float  # standard deviation of log(seconds), the MLE (divides by n)
    lognormal_mean_seconds: float  # exp(mu + sigma² / 2)
    lognormal_cv: float  # sqrt(exp(sigma²) - 1)


@dataclass(frozen=True)
class PatienceEstimate:
    """Mean patience: total wait of the calls that waited / hang-ups among them."""

    waited: int  # calls with queue_seconds > 0, outcome answered or abandoned
    abandoned: int  # of those, abandoned
    total_wait_seconds: float
    mean_seconds: float | None  # None when nobody who waited hung up (no evidence of a limit)


@dataclass(frozen=True)
class TimeOfDayHandle:
    """Handle time of the calls arriving in one time-of-day bucket (e.g. 09:00-10:00)."""

    start: str  # 'HH:MM'
    fit: HandleTimeFit


@dataclass(frozen=True)
class ChannelEstimate:
    """What one channel's calls say about handle time, patience and service."""

    channel: str
    calls: int
    answered: int
    abandoned: int
    other: int
    abandon_share: float | None  # abandoned / (answered + abandoned)
    answered_within_share: float | None  # answered with queue <= answer_seconds / answered
    handle: HandleTimeFit | None
    patience: PatienceEstimate | None  # None when the file has no queue times or outcomes
    by_time_of_day: tuple[TimeOfDayHandle, ...] = ()


@dataclass(frozen=True)
class CallEstimates:
    """Estimates per channel and over all calls, with what they were made from."""

    source: str
    first_arrival: dt.datetime
    last_arrival: dt.datetime
    channels: tuple[ChannelEstimate, ...]
    overall: ChannelEstimate  # every call of the channels above, channel '(all)'
    answer_seconds: float
    bucket_minutes: int
    min_bucket_calls: int


def fit_handle_times(seconds: npt.ArrayLike) -> HandleTimeFit | None:
    """Mean, median, CV and lognormal MLE of the positive, finite values; None if there are none."""
    values = np.asarray(seconds, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return None
    mean = float(values.mean())
    std = float(values.std(ddof=1)) if values.size > 1 else 0.0
    logs = np.log(values)
    mu, sigma = float(logs.mean()), float(logs.std(ddof=0))
    return HandleTimeFit(
        calls=int(values.size),
        mean_seconds=mean,
        median_seconds=float(np.median(values)),
        cv=std / mean,
        lognormal_mu=mu,
        lognormal_sigma=sigma,
        lognormal_mean_seconds=math.exp(mu + sigma**2 / 2),
        lognormal_cv=math.sqrt(math.expm1(sigma**2)),
    )


def estimate_channel(
    frame: pd.DataFrame,
    channel: str,
    *,
    has_queue_times: bool = True,
    has_outcomes: bool = True,
    answer_seconds: float = ANSWER_SECONDS,
    bucket_minutes: int = 60,
    min_bucket_calls: int = MIN_BUCKET_CALLS,
) -> ChannelEstimate:
    """Estimates from one channel's calls (the `CallRecords.frame` columns)."""
    outcome = frame["outcome"]
    answered = outcome == "answered"
    abandoned = outcome == "abandoned"
    n_answered, n_abandoned = int(answered.sum()), int(abandoned.sum())
    queue = frame["queue_seconds"]
    service = frame["service_seconds"]
    within: float | None = None
    if has_queue_times and n_answered:
        within = float((answered & (queue <= answer_seconds)).sum() / n_answered)
    patience = None
    if has_queue_times and has_outcomes:
        waited = (queue > 0) & (answered | abandoned)
        total = float(queue[waited].sum())
        hung_up = int((waited & abandoned).sum())
        patience = PatienceEstimate(
            waited=int(waited.sum()),
            abandoned=hung_up,
            total_wait_seconds=total,
            mean_seconds=total / hung_up if hung_up else None,
        )
    handled = answered & (service > 0)
    return ChannelEstimate(
        channel=channel,
        calls=len(frame),
        answered=n_answered,
        abandoned=n_abandoned,
        other=int((outcome == "other").sum()),
        abandon_share=(
            n_abandoned / (n_answered + n_abandoned) if n_answered + n_abandoned else None
        ),
        answered_within_share=within,
        handle=fit_handle_times(service[handled].to_numpy()),
        patience=patience,
        by_time_of_day=_by_time_of_day(
            frame["arrival"][handled], service[handled], bucket_minutes, min_bucket_calls
        ),
    )


def estimate_calls(
    calls: CallRecords,
    *,
    answer_seconds: float = ANSWER_SECONDS,
    bucket_minutes: int = 60,
    min_bucket_calls: int = MIN_BUCKET_CALLS,
) -> CallEstimates:
    """Estimates for every channel of `calls`, plus the same over all of them."""
    if bucket_minutes <= 0 or (24 * 60) % bucket_minutes:
        raise ValueError(f"bucket_minutes must divide a day, got {bucket_minutes}")
    estimate = functools.partial(
        estimate_channel,
        has_queue_times=calls.has_queue_times,
        has_outcomes=calls.has_outcomes,
        answer_seconds=answer_seconds,
        bucket_minutes=bucket_minutes,
        min_bucket_calls=min_bucket_calls,
    )
    frame = calls.frame
    by_channel = dict(tuple(frame.groupby("channel", sort=False)))
    channels = tuple(estimate(by_channel[name], name) for name in calls.channels)
    overall = estimate(frame, "(all)")
    return CallEstimates(
        source=calls.source,
        first_arrival=frame["arrival"].min().to_pydatetime(),
        last_arrival=frame["arrival"].max().to_pydatetime(),
        channels=channels,
        overall=overall,
        answer_seconds=answer_seconds,
        bucket_minutes=bucket_minutes,
        min_bucket_calls=min_bucket_calls,
    )


def estimates_table(estimates: CallEstimates) -> pd.DataFrame:
    """One row per channel and a last '(all)' row: the figures a planner reads first."""
    rows = []
    for item in (*estimates.channels, estimates.overall):
        handle, patience = item.handle, item.patience
        rows.append(
            {
                "channel": item.channel,
                "calls": item.calls,
                "answered": item.answered,
                "abandoned": item.abandoned,
                "abandon_pct": _pct(item.abandon_share),
                "answered_within_pct": _pct(item.answered_within_share),
                "aht_mean_seconds": handle.mean_seconds if handle else np.nan,
                "aht_median_seconds": handle.median_seconds if handle else np.nan,
                "aht_cv": handle.cv if handle else np.nan,
                "lognormal_sigma": handle.lognormal_sigma if handle else np.nan,
                "patience_seconds": (
                    patience.mean_seconds
                    if patience and patience.mean_seconds is not None
                    else np.nan
                ),
            }
        )
    return pd.DataFrame(rows)


def render_channels_yaml(estimates: CallEstimates, config: Config | None = None) -> str:
    """A `channels:` fragment in the config's form, with the evidence in comments.

    Each channel gets `kind` (the configured one, else voice), `aht_seconds` and, where callers
    were seen hanging up, `patience_seconds` with `queue_model: erlang_a`. A planner pastes the
    keys into the matching channels of the config; every other setting stays as it is.
    """
    source = re.sub(r"\s", " ", Path(estimates.source).name)
    lines = [
        f"# Estimated by `wfm estimate` from {source}: {estimates.overall.calls:,} calls, "
        f"{estimates.first_arrival:%Y-%m-%d} to {estimates.last_arrival:%Y-%m-%d}.",
        "# Paste these keys into the matching channels of your config; other settings stay.",
        "# aht_seconds is the mean service time as recorded: add after-call work if the",
        "# records leave it out.",
        "channels:",
    ]
    for item in estimates.channels:
        configured = config.channels.get(item.channel) if config is not None else None
        kind = configured.kind if configured is not None else ChannelKind.VOICE
        lines.append(f"  {_yaml_key(item.channel)}:")
        lines.append(f"    kind: {kind.value}")
        lines.extend(_channel_lines(item, kind, estimates))
    return "\n".join(lines) + "\n"


# --- helpers ---------------------------------------------------------------------------------


def _by_time_of_day(
    arrival: pd.Series, service: pd.Series, bucket_minutes: int, min_calls: int
) -> tuple[TimeOfDayHandle, ...]:
    minute = arrival.dt.hour * 60 + arrival.dt.minute
    bucket = (minute // bucket_minutes) * bucket_minutes
    found = []
    for start, seconds in service.groupby(bucket.to_numpy(), sort=True):
        if len(seconds) < min_calls:
            continue
        fit = fit_handle_times(seconds.to_numpy())
        if fit is not None:
            found.append(TimeOfDayHandle(f"{int(start) // 60:02d}:{int(start) % 60:02d}", fit))
    return tuple(found)


def _channel_lines(
    item: ChannelEstimate, kind: ChannelKind, estimates: CallEstimates
) -> list[str]:
    handle, patience = item.handle, item.patience
    lines = []
    if handle is None:
        lines.append("    # no answered call with a service time: aht_seconds not estimated")
    else:
        lines.append(f"    aht_seconds: {handle.mean_seconds:.1f}")
        lines.append(
            f"    #   mean of {handle.calls:,} answered calls with service > 0; median "
            f"{handle.median_seconds:.0f} s, CV {handle.cv:.2f}"
        )
        lines.append(
            f"    #   lognormal fit: mu {handle.lognormal_mu:.3f}, sigma "
            f"{handle.lognormal_sigma:.3f} (mean {handle.lognormal_mean_seconds:.1f} s, "
            f"CV {handle.lognormal_cv:.2f})"
        )
    if kind is ChannelKind.DEFERRED:
        lines.append("    # a deferred channel is worked from a backlog: no patience estimate")
    elif patience is None:
        lines.append("    # no queue times or outcomes in the records: patience not estimated")
    elif patience.mean_seconds is None:
        lines.append(
            f"    # none of the {patience.waited:,} callers who waited hung up: erlang_c fits"
        )
        lines.append("    queue_model: erlang_c")
    else:
        lines.append(f"    patience_seconds: {patience.mean_seconds:.1f}")
        lines.append(
            f"    #   total wait of {patience.waited:,} calls that waited / "
            f"{patience.abandoned:,} of them that hung up"
        )
        lines.append("    queue_model: erlang_a")
    share = f" ({item.abandon_share:.1%})" if item.abandon_share is not None else ""
    lines.append(
        f"    # {item.calls:,} calls: {item.answered:,} answered, {item.abandoned:,} "
        f"abandoned{share}, {item.other:,} other"
    )
    if item.answered_within_share is not None:
        lines.append(
            f"    # answered within {estimates.answer_seconds:g} s: "
            f"{item.answered_within_share:.1%} of answered calls"
        )
    if item.by_time_of_day:
        lines.append(
            f"    # handle time by arrival time, {estimates.bucket_minutes}-min buckets with >= "
            f"{estimates.min_bucket_calls} calls: mean / median s, CV, calls"
        )
        for bucket in item.by_time_of_day:
            fit = bucket.fit
            lines.append(
                f"    #   {bucket.start}  {fit.mean_seconds:6.1f} / {fit.median_seconds:5.0f}"
                f"  {fit.cv:4.2f}  {fit.calls:>7,}"
            )
    return lines


_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _yaml_key(name: str) -> str:
    """A plain key when YAML reads it back as the same string, else a double-quoted one."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name) and name.lower() not in _YAML_WORDS:
        return name
    return json.dumps(name)


def _pct(share: float | None) -> float:
    return np.nan if share is None else 100 * share
