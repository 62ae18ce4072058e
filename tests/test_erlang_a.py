"""Erlang A (M/M/N+M): the shared cross-check table, an independent chain, and properties."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from wfm.config import Config
from wfm.staffing import chat_requirements, compute_requirements
from wfm.staffing.erlang import agents_needed, asa_seconds, erlang_c, service_level
from wfm.staffing.erlang_a import (
    _log_integral,
    _log_waiting_weight,
    erlang_a,
    erlang_a_agents_needed,
    erlang_a_requirements,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# --- an independent reference: the birth-death chain, truncated ---------------------------------


def chain(agents: int, traffic: float, aht: float, patience: float, answer: float) -> dict:
    """M/M/N+M by brute force: the chain's stationary law, state by state.

    A caller who finds j others waiting is answered within t with probability
    a/(a+j+1)·I_{1−exp(−t/patience)}(j+1, a+1), a = N·patience/AHT (the wait until answer is a
    sum of exponentials with rates N/AHT + i/patience); its answered wait has mean
    a/(a+j+1)·Σ_{i=1..j+1} patience/(a+i).
    """
    mu, theta = 1.0 / aht, 1.0 / patience
    lam = traffic * mu
    top = agents + int(lam / theta + 40 * math.sqrt(lam / theta + 1)) + 60
    log_p = np.zeros(top + 1)
    for k in range(1, top + 1):
        log_p[k] = log_p[k - 1] + math.log(lam / (min(k, agents) * mu + max(k - agents, 0) * theta))
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    a = agents * mu / theta
    waiting = p[agents:]
    j = np.arange(waiting.size)
    queue = float(j @ waiting)
    answered_in_time = a / (a + j + 1) * special.betainc(j + 1, a + 1, -math.expm1(-theta * answer))
    harmonic = np.cumsum(1.0 / (a + np.arange(1, waiting.size + 1)))
    abandon = theta * queue / lam
    return {
        "p_wait": float(waiting.sum()),
        "abandon": abandon,
        "sl": float(p[:agents].sum() + waiting @ answered_in_time),
        "asa": float(waiting @ (a / (a + j + 1) * harmonic / theta)) / (1.0 - abandon),
        "mean_wait": queue / lam,
    }


# --- the shared cross-check table ---------------------------------------------------------------


def _crosscheck_rows() -> list[dict[str, str]]:
    path = DATA / "erlang_a_crosscheck.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


ROWS = _crosscheck_rows()


def _half_unit(text: str) -> float:
    return 0.5 * 10.0 ** -(len(text.split(".")[1]) if "." in text else 0)


def test_the_crosscheck_table_is_there() -> None:
    if not (DATA / "erlang_a_crosscheck.csv").exists():
        pytest.skip(f"{DATA} is not there")
    assert len(ROWS) == 12


@pytest.mark.parametrize("row", ROWS, ids=[f"row{i + 1}" for i in range(len(ROWS))])
def test_crosscheck_row_reproduces(row: dict[str, str]) -> None:
    """Every value of both methods, to the digits printed (offered load from the raw inputs)."""
    calls, interval, aht = (float(row[c]) for c in ("calls", "interval_s", "aht_s"))
    traffic = calls * aht / interval
    printed_load = row["offered_load_erlang"]
    assert abs(traffic - float(printed_load)) <= _half_unit(printed_load)
    got = erlang_a(int(row["agents"]), traffic, aht, float(row["mean_patience_s"]))
    values = {
        "P_wait": float(got.wait_probability),
        "P_abandon": float(got.abandon_rate),
        "mean_wait_all_s": float(got.mean_wait_seconds),
    }
    for quantity, value in values.items():
        for method in ("chain", "closed"):
            printed = row[f"{quantity}_{method}"]
            assert abs(value - float(printed)) <= _half_unit(printed), (quantity, method, value)


# --- against the chain, beyond the table ------------------------------------------------------


CASES = [
    (18, 20.0, 180.0, 120.0, 20.0),
    (1, 0.1, 180.0, 60.0, 20.0),  # the smallest load
    (3, 150.0, 300.0, 60.0, 30.0),  # far fewer agents than Erlangs
    (12, 10.0, 180.0, 1.0, 20.0),  # patience far below the handle time
    (30, 10.0, 180.0, 18_000.0, 20.0),  # the incomplete gamma underflows: quadrature
    (40, 10.0, 180.0, 180_000.0, 0.0),  # … and at t = 0
    (150, 150.0, 300.0, 3000.0, 30.0),
    (200, 150.0, 300.0, 3000.0, 30.0),
]


@pytest.mark.parametrize(("agents", "traffic", "aht", "patience", "answer"), CASES)
def test_matches_the_truncated_chain(
    agents: int, traffic: float, aht: float, patience: float, answer: float
) -> None:
    got = erlang_a(agents, traffic, aht, patience, answer)
    want = chain(agents, traffic, aht, patience, answer)
    assert float(got.wait_probability) == pytest.approx(want["p_wait"], rel=1e-9, abs=1e-15)
    assert float(got.abandon_rate) == pytest.approx(want["abandon"], rel=1e-9, abs=1e-15)
    assert float(got.service_level) == pytest.approx(want["sl"], rel=1e-9, abs=1e-14)
    assert float(got.asa_seconds) == pytest.approx(want["asa"], rel=1e-8, abs=1e-14)
    assert float(got.mean_wait_seconds) == pytest.approx(want["mean_wait"], rel=1e-9, abs=1e-13)
    assert float(got.occupancy) == pytest.approx(traffic * (1 - want["abandon"]) / agents, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0.1, 120),
    st.floats(0.05, 2.5),
    st.floats(30, 600),
    st.floats(5, 3000),
    st.floats(0, 120),
)
def test_matches_the_chain_anywhere(
    traffic: float, agents_per_erlang: float, aht: float, patience: float, answer: float
) -> None:
    agents = max(1, round(traffic * agents_per_erlang))
    got = erlang_a(agents, traffic, aht, patience, answer)
    want = chain(agents, traffic, aht, patience, answer)
    assert float(got.wait_probability) == pytest.approx(want["p_wait"], rel=1e-8, abs=1e-13)
    assert float(got.abandon_rate) == pytest.approx(want["abandon"], rel=1e-8, abs=1e-13)
    assert float(got.service_level) == pytest.approx(want["sl"], rel=1e-8, abs=1e-13)
    assert float(got.asa_seconds) == pytest.approx(want["asa"], rel=1e-7, abs=1e-12)


def test_quadrature_agrees_with_the_closed_form() -> None:
    """Where both apply, S from the quadrature equals S from the incomplete gamma."""
    big_a = np.array([0.05, 0.6, 3.0, 20.0, 400.0, 5000.0, 5000.0, 9e4])
    x = np.array([0.02, 30.0, 3.0, 25.0, 380.0, 4000.0, 6000.0, 8.9e4])
    closed = _log_waiting_weight(big_a, x)
    quadrature = np.log(big_a) + _log_integral(big_a, x)[0]
    np.testing.assert_allclose(quadrature, closed, rtol=1e-13, atol=1e-12)


# --- edges ------------------------------------------------------------------------------------


def test_no_agents_means_everyone_hangs_up_and_no_traffic_is_perfect() -> None:
    nobody = erlang_a(0, 5.0, 180, 60, 20)
    assert float(nobody.abandon_rate) == 1.0
    assert float(nobody.service_level) == 0.0
    assert float(nobody.asa_seconds) == math.inf
    assert float(nobody.mean_wait_seconds) == 60.0
    quiet = erlang_a(3, 0.0, 180, 60, 20)
    assert float(quiet.service_level) == 1.0
    assert float(quiet.asa_seconds) == 0.0
    assert float(quiet.abandon_rate) == 0.0
    assert erlang_a_agents_needed(0.0, 180, 20, 60, target_sl=0.8).tolist() == 0


def test_ten_thousand_erlangs_stay_finite_and_exact_at_the_threshold() -> None:
    agents = int(erlang_a_agents_needed(10_000.0, 180, 20, 120, target_sl=0.8))
    both = erlang_a(np.array([agents - 1, agents]), 10_000.0, 180, 120, 20)
    assert both.service_level[0] < 0.8 <= both.service_level[1]
    assert np.all(np.isfinite(both.asa_seconds)) and np.all(both.abandon_rate < 0.2)
    # callers hang up, so fewer agents than Erlang C's answer
    assert agents < int(agents_needed(10_000.0, 180, 20, target_sl=0.8))


def test_erlang_c_overstaffs_when_callers_hang_up() -> None:
    """The issue's example: 100 calls / 30 min, AHT 180 s, 80/20: 14 under C, fewer under A."""
    traffic = 100 * 180 / 1800
    needed = int(erlang_a_agents_needed(traffic, 180, 20, 120, target_sl=0.8))
    assert needed < 14
    result = erlang_a_requirements([traffic], 180, 20, 120, target_sl=0.8)
    assert result.agents_needed.tolist() == [needed]
    assert result.expected_service_level[0] >= 0.8
    fewer = erlang_a(needed - 1, traffic, 180, 120, 20)
    assert float(fewer.service_level) < 0.8


def test_infinite_patience_is_erlang_c_exactly() -> None:
    n = np.arange(0, 30)
    got = erlang_a(n, 10.0, 180, math.inf, 20)
    np.testing.assert_array_equal(got.service_level, service_level(n, 10.0, 180, 20))
    np.testing.assert_array_equal(got.wait_probability, erlang_c(n, 10.0))
    np.testing.assert_array_equal(got.asa_seconds, asa_seconds(n, 10.0, 180))
    assert np.all(got.abandon_rate == 0.0)
    assert int(erlang_a_agents_needed(10.0, 180, 20, math.inf, target_sl=0.8)) == 14


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="patience"):
        erlang_a(3, 2.0, 180, 0.0)
    with pytest.raises(ValueError):
        erlang_a(2.5, 2.0, 180, 60)
    with pytest.raises(ValueError):
        erlang_a_agents_needed(5.0, 180, 20, 60, target_sl=1.0)


# --- properties -------------------------------------------------------------------------------

traffic_values = st.floats(0.1, 400)
aht_values = st.floats(20, 900)
patience_values = st.floats(1, 20_000)
answer_values = st.floats(0, 120)


@settings(max_examples=60, deadline=None)
@given(traffic_values, aht_values, patience_values, answer_values)
def test_more_agents_raise_sl_and_cut_abandonment(
    traffic: float, aht: float, patience: float, answer: float
) -> None:
    n = np.arange(0, int(2 * traffic) + 15)
    got = erlang_a(n, traffic, aht, patience, answer)
    assert np.all((got.service_level >= 0) & (got.service_level <= 1))
    assert np.all(np.diff(got.service_level) >= -1e-12)
    assert np.all(np.diff(got.abandon_rate) <= 1e-12)
    assert np.all(np.diff(got.asa_seconds[1:]) <= 1e-9 * got.asa_seconds[1:-1] + 1e-12)


@settings(max_examples=60, deadline=None)
@given(
    traffic_values,
    st.floats(0.01, 50),
    aht_values,
    patience_values,
    answer_values,
    st.integers(1, 500),
)
def test_more_traffic_lowers_sl_and_raises_abandonment(
    traffic: float, more: float, aht: float, patience: float, answer: float, agents: int
) -> None:
    low = erlang_a(agents, traffic, aht, patience, answer)
    high = erlang_a(agents, traffic + more, aht, patience, answer)
    assert float(high.service_level) <= float(low.service_level) + 1e-12
    assert float(high.abandon_rate) >= float(low.abandon_rate) - 1e-12


@settings(max_examples=50, deadline=None)
@given(st.floats(0.1, 300), aht_values, answer_values, st.floats(1.05, 2.0))
def test_huge_patience_is_erlang_c(traffic: float, aht: float, answer: float, spare: float) -> None:
    """Patience 1e15 handle times long: nobody practically hangs up.

    Erlang A approaches Erlang C like AHT/patience · A/(N − A)², so agents stay 0.05 above
    the load (at 0.004 above 77 Erlangs a trillion handle times still differ by 1e-5).
    """
    agents = np.arange(math.floor(traffic + 0.05) + 1, math.ceil(traffic * spare) + 3)
    got = erlang_a(agents, traffic, aht, 1e15 * aht, answer)
    want = (service_level(agents, traffic, aht, answer), erlang_c(agents, traffic))
    np.testing.assert_allclose(got.service_level, want[0], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(got.wait_probability, want[1], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(got.asa_seconds, asa_seconds(agents, traffic, aht), rtol=1e-7)
    assert np.all(got.abandon_rate < 1e-9)


@settings(max_examples=60, deadline=None)
@given(
    traffic_values,
    aht_values,
    answer_values,
    patience_values,
    st.one_of(st.none(), st.floats(0.3, 0.98)),
    st.one_of(st.none(), st.floats(2, 120)),
    st.floats(0.5, 1.0),
)
def test_agents_needed_is_the_fewest_meeting_every_goal(
    traffic: float,
    aht: float,
    answer: float,
    patience: float,
    target_sl: float | None,
    target_asa: float | None,
    max_occ: float,
) -> None:
    got = int(
        erlang_a_agents_needed(traffic, aht, answer, patience, target_sl, target_asa, max_occ)
    )
    n = np.arange(0, int(traffic / max_occ) + 400)
    every = erlang_a(n, traffic, aht, patience, answer)
    ok = (n > 0) & (every.occupancy <= max_occ + 1e-9)
    if target_sl is not None:
        ok &= every.service_level >= target_sl
    if target_asa is not None:
        ok &= every.asa_seconds <= target_asa
    assert got == int(n[ok][0])


def test_vectorised_search_equals_one_at_a_time() -> None:
    rng = np.random.default_rng(11)
    size = 120
    traffic = np.concatenate([[0.0, 0.1, 900.0], rng.uniform(0.1, 300, size - 3)])
    aht = rng.uniform(30, 600, size)
    answer = rng.uniform(0, 60, size)
    patience = np.where(rng.random(size) < 0.1, math.inf, rng.uniform(5, 900, size))
    target_sl = np.where(rng.random(size) < 0.8, rng.uniform(0.5, 0.95, size), np.nan)
    target_asa = np.where(rng.random(size) < 0.4, rng.uniform(3, 60, size), np.nan)
    max_occ = rng.uniform(0.6, 1.0, size)
    together = erlang_a_agents_needed(
        traffic, aht, answer, patience, target_sl, target_asa, max_occ
    )
    for i in range(size):
        alone = erlang_a_agents_needed(
            traffic[i],
            aht[i],
            answer[i],
            patience[i],
            None if np.isnan(target_sl[i]) else target_sl[i],
            None if np.isnan(target_asa[i]) else target_asa[i],
            max_occ[i],
        )
        assert together[i] == int(alone), i


# --- configured per channel -------------------------------------------------------------------


def _config(**phone: object) -> Config:
    return Config.model_validate(
        {
            "planning": {"interval_minutes": 60, "days": 1},
            "channels": {
                "phone": {
                    "kind": "voice",
                    "aht_seconds": 180,
                    "hours": "00:00-24:00",
                    "service": {"target": 0.8, "answer_seconds": 20},
                    "max_occupancy": 1.0,
                    "shrinkage": 0.3,
                    **phone,
                },
                "chat": {
                    "kind": "chat",
                    "aht_seconds": 360,
                    "concurrency": 2,
                    "hours": "00:00-24:00",
                    "service": {"target": 0.9, "answer_seconds": 30},
                    "max_occupancy": 1.0,
                    **phone,
                },
            },
            "shifts": [
                {
                    "name": "day",
                    "length_minutes": 480,
                    "earliest_start": "08:00",
                    "latest_start": "08:00",
                }
            ],
        }
    )


def _forecast() -> pd.DataFrame:
    hours = pd.date_range("2026-11-23 09:00", periods=2, freq="h")
    return pd.DataFrame(
        {
            "interval_start": hours.repeat(2),
            "channel": ["phone", "chat"] * 2,
            "contacts": [200.0, 100.0, 400.0, 200.0],
            "lower": 0.0,
            "upper": 0.0,
            "aht_seconds": np.nan,
        }
    )


def test_queue_model_erlang_a_staffs_from_patience() -> None:
    erlang_c_plan = compute_requirements(_forecast(), _config())
    erlang_a_plan = compute_requirements(
        _forecast(),
        _config(queue_model="erlang_a", patience_seconds=120),
    )
    phone_c = erlang_c_plan[erlang_c_plan.channel == "phone"]
    phone_a = erlang_a_plan[erlang_a_plan.channel == "phone"]
    assert phone_c.agents_needed.tolist()[0] == 14
    expected = erlang_a_requirements([10.0, 20.0], 180, 20, 120, target_sl=0.8, max_occupancy=1.0)
    assert phone_a.agents_needed.tolist() == expected.agents_needed.tolist()
    assert np.all(phone_a.agents_needed.to_numpy() < phone_c.agents_needed.to_numpy())
    np.testing.assert_allclose(phone_a.expected_service_level, expected.expected_service_level)
    chat_a = erlang_a_plan[erlang_a_plan.channel == "chat"]
    chat_expected = chat_requirements([10.0, 20.0], 360, 30, 2, 0.9, None, 1.0, 120)
    assert chat_a.agents_needed.tolist() == chat_expected.agents_needed.tolist()


def test_erlang_a_config_needs_a_patience_and_a_queue() -> None:
    with pytest.raises(ValueError, match="patience_seconds"):
        _config(queue_model="erlang_a")
    with pytest.raises(ValueError, match="queue_model"):
        _config(queue_model="erlang_b", patience_seconds=60)
    with pytest.raises(ValueError, match="backlog"):
        Config.model_validate(
            {
                "channels": {
                    "mail": {
                        "kind": "deferred",
                        "aht_seconds": 300,
                        "response_minutes": 60,
                        "queue_model": "erlang_a",
                        "patience_seconds": 60,
                    }
                },
                "shifts": [],
            }
        )
