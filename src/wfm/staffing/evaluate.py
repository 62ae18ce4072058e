"""The service a roster is expected to deliver: Erlang C/A figures at the heads it schedules."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd

from wfm.calendar_days import closed_dates, open_mask
from wfm.config import ChannelConfig, ChannelKind, Config
from wfm.domain import RosterResult
from wfm.staffing.deferred import evaluate_deferred
from wfm.staffing.erlang import IntervalStaffing, evaluate_staffing, traffic_erlangs
from wfm.staffing.erlang_a import evaluate_erlang_a


def productive_agents(scheduled: np.ndarray, shrinkage: float) -> np.ndarray:
    """Heads on the roster -> agents on contacts; rounded down, the cautious reading."""
    return np.floor(scheduled * (1.0 - shrinkage) + 1e-9).astype(np.int64)


def queue_service(
    channel: ChannelConfig, servers: npt.ArrayLike, traffic: npt.ArrayLike, aht: npt.ArrayLike
) -> IntervalStaffing:
    """SL, ASA and occupancy that `servers` (agents, times the chats each holds) give a voice or
    chat channel: Erlang A where its callers hang up (`queue_model`), else Erlang C."""
    answer = channel.service.answer_seconds
    if channel.queue_model == "erlang_a" and channel.patience_seconds is not None:
        return evaluate_erlang_a(servers, traffic, aht, answer, channel.patience_seconds)
    return evaluate_staffing(servers, traffic, aht, answer)


def backlog_goal(channel: ChannelConfig) -> tuple[float, float, float | None]:
    """A deferred channel's goal as the backlog model takes it: the response time in seconds,
    the occupancy cap and the service-level target (None: the backlog model alone)."""
    if channel.response_minutes is None:  # ChannelConfig refuses this; keeps mypy sure
        raise ValueError("a deferred channel needs response_minutes")
    return channel.response_minutes * 60.0, channel.max_occupancy, channel.service.target


def evaluate_coverage(
    roster: RosterResult, requirements: pd.DataFrame, config: Config
) -> RosterResult:
    """Fill `expected_service_level` in the roster's coverage from the forecast workload."""
    coverage = roster.coverage.copy()
    keyed = requirements.set_index(["interval_start", "channel"])
    interval_seconds = config.planning.interval_minutes * 60.0
    levels = np.full(len(coverage), np.nan)
    stamps = pd.DatetimeIndex(requirements.interval_start)
    closed = closed_dates(config, stamps.min().date(), stamps.max().date() + dt.timedelta(days=1))
    for name, channel in config.channels.items():
        rows = np.flatnonzero((coverage.channel == name).to_numpy())
        if not rows.size:
            continue
        part = coverage.iloc[rows]
        index = pd.MultiIndex.from_arrays([part.interval_start, part.channel])
        demand = keyed.reindex(index)
        contacts = demand.contacts.fillna(0).to_numpy(dtype=float)
        aht = demand.aht_seconds.fillna(channel.aht_seconds).to_numpy(dtype=float)
        agents = productive_agents(part.scheduled.to_numpy(dtype=float), channel.shrinkage)
        if channel.kind is ChannelKind.DEFERRED:
            # The backlog model needs the channel's whole, evenly spaced timeline.
            full = requirements[requirements.channel == name].sort_values("interval_start")
            heads = pd.Series(agents, index=part.interval_start.to_numpy())
            on_roster = heads.reindex(full.interval_start.to_numpy()).fillna(0).to_numpy()
            result = evaluate_deferred(
                on_roster.astype(np.int64),
                full.contacts.to_numpy(dtype=float),
                full.aht_seconds.fillna(channel.aht_seconds).to_numpy(dtype=float),
                open_mask(channel, pd.DatetimeIndex(full.interval_start), closed),
                interval_seconds,
                *backlog_goal(channel),
            )
            by_time = pd.Series(result.expected_service_level, index=full.interval_start.to_numpy())
            levels[rows] = by_time.reindex(part.interval_start.to_numpy()).to_numpy()
            continue
        traffic = traffic_erlangs(contacts, aht, interval_seconds)
        servers = agents * channel.concurrency if channel.kind is ChannelKind.CHAT else agents
        levels[rows] = queue_service(channel, servers, traffic, aht).expected_service_level
    coverage["expected_service_level"] = levels
    return dataclasses.replace(roster, coverage=coverage)
