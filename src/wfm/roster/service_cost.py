"""What a missing head costs in service, per interval and channel, as a convex step function.

The k-th head missing from an interval costs the contacts that fall outside the service
target because of it: contacts × (SL with one head more − SL with it gone), from the same
formulas that set the requirement (Erlang C, or Erlang A where the channel's callers hang up).
Service level is concave in agents above the load, so these marginal losses grow as more heads
go missing and the penalty is convex: CP-SAT fills the cheapest steps first with no ordering
constraints, which makes the linearisation exact. Where rounding (shrinkage) or overload (SL
already 0) breaks convexity, the running maximum restores it — a slight overstatement of deep
shortfalls, never an understatement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wfm.config import ChannelKind, Config
from wfm.staffing import staff_from_agents, traffic_erlangs
from wfm.staffing.evaluate import productive_agents, queue_service

Steps = list[tuple[int, int]]  # (cost per head in objective units, heads at that cost)
# A head below a channel's `min_agents` costs at least this many times the interval's
# under-coverage weight: the deepest multiplier of the headcount mode's shortage tiers
# (`wfm.roster.rules.coverage.SHORTAGE_TIERS`).
FLOOR_TIER = 4


def service_shortage_steps(
    config: Config,
    requirements: pd.DataFrame,
    interval_index: dict[pd.Timestamp, int],
    channels: tuple[str, ...],
    under_weight: np.ndarray,
) -> dict[tuple[int, int], Steps]:
    """Per (interval, channel) with demand: the convex cost steps of missing heads.

    Costs are scaled so that the average missing head over all channels costs `under_weight`:
    the price of a head in headcount mode, now moved toward the intervals and channels where it
    leaves the most contacts outside the target. Deferred channels have no per-interval service
    level and keep the headcount steps.
    """
    losses: list[tuple[int, int, np.ndarray, int]] = []
    interval_seconds = config.planning.interval_minutes * 60.0
    for c, name in enumerate(channels):
        channel = config.channels[name]
        if channel.kind is ChannelKind.DEFERRED:
            continue
        rows = requirements[(requirements.channel == name) & (requirements.staff_needed > 0)]
        if rows.empty:
            continue
        for stamp, need, contacts, given_aht in zip(
            rows.interval_start,
            rows.staff_needed.to_numpy(dtype=int),
            rows.contacts.to_numpy(dtype=float),
            rows.aht_seconds.to_numpy(dtype=float),
            strict=True,
        ):
            i = interval_index.get(pd.Timestamp(stamp))
            if i is None:
                continue
            staff = np.arange(need, -1, -1, dtype=float)  # need, need-1, ..., 0 heads
            agents = productive_agents(staff, channel.shrinkage) * channel.concurrency
            aht = given_aht if np.isfinite(given_aht) else channel.aht_seconds
            traffic = traffic_erlangs(np.full(len(staff), contacts), aht, interval_seconds)
            level = queue_service(channel, agents, traffic, aht)  # as the requirement was set
            lost = contacts * -np.diff(level.expected_service_level)  # k-th head's loss
            floor = int(staff_from_agents(channel.min_agents, channel.shrinkage))
            losses.append((i, c, np.maximum.accumulate(np.maximum(lost, 0.0)), floor))
    mean_loss = np.mean(np.concatenate([loss for _, _, loss, _ in losses])) if losses else 0.0
    if mean_loss <= 0:
        return {}
    steps: dict[tuple[int, int], Steps] = {}
    for i, c, loss, floor in losses:
        units = np.maximum(1, np.rint(under_weight[i, c] * loss / mean_loss)).astype(int)
        if floor > 0:
            # however quiet the interval, the planner wants the channel's minimum held
            below = slice(max(0, len(units) - floor), None)
            units[below] = np.maximum(units[below], FLOOR_TIER * under_weight[i, c])
            units = np.maximum.accumulate(units)
        steps[i, c] = _merge(units)
    return steps


def _merge(units: np.ndarray) -> Steps:
    """Run-length encode equal consecutive costs: fewer variables, same penalty."""
    merged: Steps = []
    for cost in units.tolist():
        if merged and merged[-1][0] == cost:
            merged[-1] = (cost, merged[-1][1] + 1)
        else:
            merged.append((cost, 1))
    return merged
