"""The LP relaxation bound: valid (never above the optimum) and as tight as the LP allows."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from wfm.roster.lpbound import lp_bound, lp_relaxation


def _optimum(model: cp_model.CpModel) -> float:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return solver.objective_value


def _fractional_cover() -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    """Cover 3 elements with sets {0,1}, {1,2}, {0,2}: the LP takes each set at 1/2 (cost 1.5,
    rounded up to 2 since costs are whole), the integer optimum needs two sets."""
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"s{i}") for i in range(3)]
    for a, b in ((0, 2), (0, 1), (1, 2)):
        model.add_bool_or([x[a], x[b]])
    model.minimize(sum(x))
    return model, x


def test_cover_with_fractional_relaxation() -> None:
    model, _ = _fractional_cover()
    assert lp_bound(model) == 2
    assert _optimum(model) == 2


def test_negated_literals_enforcement_and_max() -> None:
    model = cp_model.CpModel()
    a, b = model.new_bool_var("a"), model.new_bool_var("b")
    y = model.new_int_var(0, 10, "y")
    top = model.new_int_var(0, 20, "top")
    model.add_bool_or([a.Not(), b])  # a -> b
    model.add(y >= 7).only_enforce_if(a)
    model.add_exactly_one([a, b.Not()])  # a == b
    model.add_max_equality(top, [y, 2 * b + 1])
    model.add(a == 1)
    model.minimize(top + 3 * b)
    bound = lp_bound(model)
    assert bound is not None
    assert bound <= _optimum(model) == 10
    assert bound >= 10  # a = 1 forces b = 1 and y >= 7 linearly: the LP is exact here


def test_maximisation_has_no_lower_bound() -> None:
    model = cp_model.CpModel()
    x = model.new_int_var(0, 5, "x")
    model.maximize(x)
    assert lp_bound(model) is None


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=3), min_size=1, max_size=6),
    st.lists(st.integers(1, 9), min_size=6, max_size=6),
    st.integers(1, 3),
)
def test_bound_never_exceeds_the_optimum(
    sets: list[list[int]], costs: list[int], demand: int
) -> None:
    """Random covering models with enforced constraints: the LP bound is a lower bound."""
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(6)]
    short = [model.new_int_var(0, 3, f"short{i}") for i in range(len(sets))]
    for row, members in enumerate(sets):
        model.add(sum(x[m] for m in set(members)) + short[row] >= demand)
    extra = model.new_int_var(0, 4, "extra")
    model.add(extra >= 2).only_enforce_if(x[0])
    model.minimize(sum(c * v for c, v in zip(costs, x, strict=True)) + 10 * sum(short) + extra)
    bound = lp_bound(model)
    assert bound is not None
    assert bound <= _optimum(model) + 1e-9


@pytest.mark.parametrize("weight", [1, 3])
def test_the_bound_is_tight_on_a_totally_unimodular_cover(weight: int) -> None:
    # Interval covering (consecutive ones) is totally unimodular: LP bound == optimum.
    model = cp_model.CpModel()
    starts = range(6)
    shifts = {s: model.new_int_var(0, 5, f"s{s}") for s in starts}
    need = [1, 2, 3, 3, 2, 1, 1, 2]
    under = [model.new_int_var(0, 5, f"u{t}") for t in range(8)]
    for t, want in enumerate(need):
        model.add(sum(shifts[s] for s in starts if s <= t < s + 3) + under[t] >= want)
    model.minimize(3 * sum(shifts.values()) + weight * 5 * sum(under))
    assert lp_bound(model) == _optimum(model)


def test_the_relaxed_optimum_comes_with_the_bound() -> None:
    model, x = _fractional_cover()  # every set at 1/2, costing 1.5 before the bound rounds up
    relaxation = lp_relaxation(model)
    assert relaxation is not None
    assert relaxation.bound == 2
    assert relaxation.values[[var.index for var in x]] == pytest.approx([0.5, 0.5, 0.5], abs=1e-6)
