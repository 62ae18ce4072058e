"""Staffing: the forecast per interval and channel -> productive agents and heads needed.

`compute_requirements` is the stage's entry point; each channel kind has its own model:
voice is Erlang C (`erlang`), chat is Erlang C over chat slots (`chat`), and email / social
posts are worked from a backlog within a response-time goal (`deferred`). A voice or chat
channel configured with `queue_model: erlang_a` uses Erlang A (`erlang_a`) instead: callers
hang up after `patience_seconds` on average. `simulate` replays a roster against random
arrivals to check the service these models promise.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from wfm.calendar_days import closed_dates, open_mask
from wfm.config import ChannelConfig, ChannelKind, Config
from wfm.domain import FORECAST_COLUMNS, REQUIREMENT_COLUMNS
from wfm.staffing.chat import chat_requirements
from wfm.staffing.deferred import (
    backlog_requirements,
    deferred_requirements,
    evaluate_backlog,
    evaluate_deferred,
)
from wfm.staffing.erlang import (
    IntervalStaffing,
    agents_needed,
    asa_seconds,
    erlang_b,
    erlang_c,
    evaluate_staffing,
    occupancy,
    service_level,
    staff_from_agents,
    traffic_erlangs,
    voice_requirements,
)
from wfm.staffing.erlang_a import (
    ErlangAMetrics,
    erlang_a,
    erlang_a_agents_needed,
    erlang_a_requirements,
    evaluate_erlang_a,
)
from wfm.staffing.evaluate import backlog_goal, evaluate_coverage, queue_service

__all__ = [
    "ErlangAMetrics",
    "IntervalStaffing",
    "agents_needed",
    "asa_seconds",
    "backlog_requirements",
    "chat_requirements",
    "compute_requirements",
    "erlang_b",
    "erlang_a",
    "erlang_a_agents_needed",
    "erlang_a_requirements",
    "erlang_c",
    "evaluate_backlog",
    "evaluate_deferred",
    "deferred_requirements",
    "evaluate_erlang_a",
    "evaluate_coverage",
    "evaluate_staffing",
    "occupancy",
    "service_level",
    "staff_from_agents",
    "traffic_erlangs",
    "voice_requirements",
]


def compute_requirements(forecast: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Agents and heads needed per interval and channel (REQUIREMENT_COLUMNS, same rows/order).

    `forecast` has FORECAST_COLUMNS with one row per interval of the horizon per channel. The
    handling time is the forecast's where given (finite and > 0), else the channel's
    `aht_seconds`. No agent is needed while a channel is closed (its opening hours, and public
    holidays when the site closes on them); voice or chat contacts forecast for a closed
    interval are reported as unserved (SL 0, ASA inf), deferred ones wait for the next opening.
    """
    missing = [column for column in FORECAST_COLUMNS if column not in forecast.columns]
    if missing:
        raise ValueError(f"forecast lacks column(s) {missing}; expected {list(FORECAST_COLUMNS)}")
    channels = forecast["channel"].astype(str).to_numpy()
    unknown = sorted(set(channels) - set(config.channels))
    if unknown:
        raise ValueError(f"forecast has channel(s) {unknown} that the config does not define")
    contacts = forecast["contacts"].to_numpy(dtype=float)
    if np.any(~np.isfinite(contacts)) or np.any(contacts < 0):
        raise ValueError("forecast contacts must be finite and >= 0")

    starts = pd.DatetimeIndex(forecast["interval_start"])
    interval_seconds = config.planning.interval_minutes * 60.0
    aht = forecast["aht_seconds"].to_numpy(dtype=float, copy=True)
    agents = np.zeros(len(forecast), dtype=np.int64)
    sl = np.ones(len(forecast))
    asa = np.zeros(len(forecast))
    occ = np.zeros(len(forecast))
    staff = np.zeros(len(forecast), dtype=np.int64)
    holidays = _closed_dates(config, starts)

    for name, channel in config.channels.items():
        rows = np.flatnonzero(channels == name)
        if not rows.size:
            continue
        rows = rows[np.argsort(starts[rows], kind="stable")]
        given = aht[rows]
        aht[rows] = np.where(np.isfinite(given) & (given > 0), given, channel.aht_seconds)
        times = starts[rows]
        result = _channel_requirements(
            channel,
            times,
            contacts[rows],
            aht[rows],
            open_mask(channel, times, holidays),
            interval_seconds,
        )
        agents[rows] = result.agents_needed
        sl[rows] = result.expected_service_level
        asa[rows] = result.expected_asa_seconds
        occ[rows] = result.occupancy
        staff[rows] = staff_from_agents(result.agents_needed, channel.shrinkage)

    frame = pd.DataFrame(
        {
            "interval_start": forecast["interval_start"].to_numpy(),
            "channel": forecast["channel"].to_numpy(),
            "contacts": contacts,
            "aht_seconds": aht,
            "agents_needed": agents,
            "staff_needed": staff,
            "expected_service_level": sl,
            "expected_asa_seconds": asa,
            "occupancy": occ,
        },
        index=forecast.index,
    )
    return frame.loc[:, list(REQUIREMENT_COLUMNS)]


def _channel_requirements(
    channel: ChannelConfig,
    times: pd.DatetimeIndex,
    contacts: np.ndarray,
    aht: np.ndarray,
    is_open: np.ndarray,
    interval_seconds: float,
) -> IntervalStaffing:
    """One channel's intervals, in time order, staffed by the model of its kind, and never
    below the channel's `min_agents` while it is open; the service figures are those of the
    agents given."""
    traffic = traffic_erlangs(np.where(is_open, contacts, 0.0), aht, interval_seconds)
    modelled = _modelled_requirements(
        channel, times, contacts, traffic, aht, is_open, interval_seconds
    )
    floor = np.where(is_open, channel.min_agents, 0)
    raised = modelled.agents_needed < floor
    if not raised.any():
        return modelled
    agents = np.maximum(modelled.agents_needed, floor).astype(np.int64)
    if channel.kind is ChannelKind.DEFERRED:
        # the backlog carries over: more agents now serve later intervals' work sooner too
        served = evaluate_deferred(
            agents, contacts, aht, is_open, interval_seconds, *backlog_goal(channel)
        )
        return IntervalStaffing(
            agents, served.expected_service_level, served.expected_asa_seconds, served.occupancy
        )
    servers = agents * channel.concurrency if channel.kind is ChannelKind.CHAT else agents
    served = queue_service(channel, servers, traffic, aht)
    return IntervalStaffing(
        agents,
        np.where(raised, served.expected_service_level, modelled.expected_service_level),
        np.where(raised, served.expected_asa_seconds, modelled.expected_asa_seconds),
        np.where(raised, served.occupancy, modelled.occupancy),
    )


def _modelled_requirements(
    channel: ChannelConfig,
    times: pd.DatetimeIndex,
    contacts: np.ndarray,
    traffic: np.ndarray,
    aht: np.ndarray,
    is_open: np.ndarray,
    interval_seconds: float,
) -> IntervalStaffing:
    """One channel's intervals, in time order, staffed by the model of its kind (`traffic`:
    the Erlangs of its open intervals; a deferred channel works from `contacts`)."""
    if channel.kind is ChannelKind.DEFERRED:
        steps = np.asarray((times[1:] - times[:-1]).total_seconds())
        if np.any(steps != interval_seconds):
            raise ValueError(
                "a deferred channel's forecast needs every interval of the horizon, "
                f"{interval_seconds / 60:g} minutes apart, once"
            )
        return deferred_requirements(
            contacts, aht, is_open, interval_seconds, *backlog_goal(channel)
        )

    service = channel.service
    patience = channel.patience_seconds if channel.queue_model == "erlang_a" else None
    if channel.kind is ChannelKind.CHAT:
        result = chat_requirements(
            traffic,
            aht,
            service.answer_seconds,
            channel.concurrency,
            service.target,
            service.asa_seconds,
            channel.max_occupancy,
            patience,
        )
    elif patience is not None:
        result = erlang_a_requirements(
            traffic,
            aht,
            service.answer_seconds,
            patience,
            service.target,
            service.asa_seconds,
            channel.max_occupancy,
        )
    else:
        result = voice_requirements(
            traffic,
            aht,
            service.answer_seconds,
            service.target,
            service.asa_seconds,
            channel.max_occupancy,
        )
    unserved = ~is_open & (contacts > 0)
    return IntervalStaffing(
        result.agents_needed,
        np.where(unserved, 0.0, result.expected_service_level),
        np.where(unserved, np.inf, result.expected_asa_seconds),
        result.occupancy,
    )


def _closed_dates(config: Config, starts: pd.DatetimeIndex) -> set[dt.date]:
    if not len(starts):
        return set()
    first, last = starts.min().date(), starts.max().date()
    return closed_dates(config, first, last + dt.timedelta(days=1))
