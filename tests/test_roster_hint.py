"""The greedy roster's lazy choice of the best shift."""

from __future__ import annotations

import heapq

from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.roster.hint import _lazy_best


@settings(max_examples=200, deadline=None)
@given(
    start=st.lists(st.integers(-5, 20), min_size=1, max_size=12),
    rounds=st.lists(
        st.tuples(
            st.lists(st.tuples(st.integers(0, 11), st.integers(0, 4)), max_size=6),
            st.lists(st.integers(0, 11), max_size=3),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_lazy_best_picks_what_a_full_scan_picks(
    start: list[int], rounds: list[tuple[list[tuple[int, int]], list[int]]]
) -> None:
    """Values only fall and barred options stay barred (as in the greedy): each round the heap of
    stale values gives the option a full scan of the current values would, ties to the lowest."""
    values = {o: float(v) for o, v in enumerate(start)}
    barred: set[int] = set()
    heap = [(-v, o) for o, v in values.items()]
    heapq.heapify(heap)
    for falls, bars in rounds:
        for o, drop in falls:
            if o in values:
                values[o] -= drop
        barred.update(bars)
        open_ = [o for o in values if o not in barred]
        expected = max(open_, key=lambda o: (values[o], -o)) if open_ else None
        assert _lazy_best(heap, values.__getitem__, lambda o: o not in barred) == expected
        if expected is not None:
            barred.add(expected)  # taken: the day is worked, so the option is barred from now on
