"""The single-interval calculator behind `wfm erlang`: Erlang C, or Erlang A with a patience."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from wfm.staffing.erlang import (
    agents_needed,
    asa_seconds,
    erlang_c,
    occupancy,
    service_level,
    staff_from_agents,
    traffic_erlangs,
)
from wfm.staffing.erlang_a import erlang_a, erlang_a_agents_needed


@dataclass(frozen=True)
class QueueFigures:
    """One interval's staffing and the service it gives (`p_abandon` is None for Erlang C)."""

    model: str  # "erlang_c" | "erlang_a"
    traffic_erlangs: float
    solved: bool  # True: agents is the fewest meeting the goals; False: agents were given
    agents: int
    staff: int
    service_level: float
    asa_seconds: float
    occupancy: float
    p_wait: float
    p_abandon: float | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def queue_figures(
    calls: float,
    interval_seconds: float,
    aht_seconds: float,
    answer_seconds: float,
    *,
    target_sl: float | None = None,
    target_asa: float | None = None,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
    patience_seconds: float | None = None,
    agents: int | None = None,
) -> QueueFigures:
    """Solve for the fewest agents meeting the goals, or evaluate `agents` when given.

    Raises ValueError for inputs out of range, or when there is nothing to solve for (no goal
    and no agents).
    """
    if not (math.isfinite(calls) and calls >= 0):
        raise ValueError("calls must be a number >= 0")
    if not (math.isfinite(interval_seconds) and interval_seconds > 0):
        raise ValueError("interval must be > 0 seconds")
    if agents is None and target_sl is None and target_asa is None and max_occupancy is None:
        raise ValueError(
            "nothing to solve for: give --target-sl, --target-asa or --max-occupancy, "
            "or --agents N to evaluate a staffing"
        )
    traffic = float(traffic_erlangs(calls, aht_seconds, interval_seconds))
    erlang_a_model = patience_seconds is not None and not math.isinf(patience_seconds)
    if agents is None:
        if erlang_a_model:
            assert patience_seconds is not None
            n = int(
                erlang_a_agents_needed(
                    traffic,
                    aht_seconds,
                    answer_seconds,
                    patience_seconds,
                    target_sl,
                    target_asa,
                    1.0 if max_occupancy is None else max_occupancy,
                )
            )
        else:
            n = int(
                agents_needed(
                    traffic,
                    aht_seconds,
                    answer_seconds,
                    target_sl,
                    target_asa,
                    1.0 if max_occupancy is None else max_occupancy,
                )
            )
    else:
        if agents < 0:
            raise ValueError("agents must be >= 0")
        n = agents
    staff = int(staff_from_agents(n, shrinkage))
    if traffic <= 0:
        return QueueFigures(
            "erlang_a" if erlang_a_model else "erlang_c",
            traffic,
            agents is None,
            n,
            staff,
            1.0,
            0.0,
            0.0,
            0.0,
            0.0 if erlang_a_model else None,
        )
    if erlang_a_model:
        assert patience_seconds is not None
        metrics = erlang_a(n, traffic, aht_seconds, patience_seconds, answer_seconds)
        return QueueFigures(
            "erlang_a",
            traffic,
            agents is None,
            n,
            staff,
            float(metrics.service_level),
            float(metrics.asa_seconds),
            float(metrics.occupancy),
            float(metrics.wait_probability),
            float(metrics.abandon_rate),
        )
    return QueueFigures(
        "erlang_c",
        traffic,
        agents is None,
        n,
        staff,
        float(service_level(n, traffic, aht_seconds, answer_seconds)),
        float(asa_seconds(n, traffic, aht_seconds)),
        float(occupancy(n, traffic)),
        float(erlang_c(n, traffic)),
        None,
    )
