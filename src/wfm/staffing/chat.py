"""Chat staffing: an agent holds `concurrency` chats at once.

Model: each agent offers `concurrency` independent chat slots, and chats queue for a free
slot as calls queue for an agent, so the queue is M/M/s with s = agents × concurrency and
each chat occupying a slot for `aht_seconds` (the chat's duration with concurrency, not the
agent's effort per chat). This is the usual "slots" approximation (Koole, *Call Center
Optimization*, 2013, §6.4); it ignores that agents slow down when juggling chats, which the
configured chat duration is expected to include already.

The slots needed come from Erlang C for the first-response target; agents = ceil(slots / k),
and the expected SL and ASA are evaluated at the slots those agents give (agents × k), which is
never fewer than needed. With a `patience_seconds` customers leave a chat that waits too long
for its first response, and the slots are Erlang A's (`wfm.staffing.erlang_a`) instead.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from wfm.staffing.erlang import IntervalStaffing, agents_needed, evaluate_staffing
from wfm.staffing.erlang_a import erlang_a_agents_needed, evaluate_erlang_a


def chat_requirements(
    traffic: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_seconds: float,
    concurrency: int,
    target_sl: float | None = None,
    target_asa: float | None = None,
    max_occupancy: float = 1.0,
    patience_seconds: float | None = None,
) -> IntervalStaffing:
    """Agents per interval for chat, where `traffic` = chats × chat duration / interval (Erlangs).

    `max_occupancy` caps the share of slots in use, traffic / (agents × concurrency), which is
    also the occupancy reported (with patience: the share in use by chats that are answered).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    if patience_seconds is None:
        slots = agents_needed(
            traffic, aht_seconds, answer_seconds, target_sl, target_asa, max_occupancy
        )
    else:
        slots = erlang_a_agents_needed(
            traffic,
            aht_seconds,
            answer_seconds,
            patience_seconds,
            target_sl,
            target_asa,
            max_occupancy,
        )
    agents = -(-slots // concurrency)
    if patience_seconds is None:
        given = evaluate_staffing(agents * concurrency, traffic, aht_seconds, answer_seconds)
    else:
        given = evaluate_erlang_a(
            agents * concurrency, traffic, aht_seconds, answer_seconds, patience_seconds
        )
    return IntervalStaffing(
        agents.astype(np.int64),
        given.expected_service_level,
        given.expected_asa_seconds,
        given.occupancy,
    )
