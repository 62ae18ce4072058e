"""Staffing stage: chat with concurrency, backlog channels, and compute_requirements."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.config import Config
from wfm.domain import FORECAST_COLUMNS, REQUIREMENT_COLUMNS
from wfm.staffing import (
    agents_needed,
    backlog_requirements,
    chat_requirements,
    compute_requirements,
    evaluate_backlog,
    evaluate_staffing,
    service_level,
)

# --- chat ------------------------------------------------------------------------------------


def test_concurrency_two_needs_about_half_the_agents() -> None:
    traffic = np.array([2.0, 10.0, 40.0, 150.0])
    one = chat_requirements(traffic, 360, 30, 1, target_sl=0.9, max_occupancy=0.85)
    two = chat_requirements(traffic, 360, 30, 2, target_sl=0.9, max_occupancy=0.85)
    assert np.all(np.abs(two.agents_needed - one.agents_needed / 2) <= 0.5)
    assert np.all(two.agents_needed < one.agents_needed)
    assert np.all(two.expected_service_level >= 0.9)
    np.testing.assert_allclose(two.occupancy, traffic / (two.agents_needed * 2))


def test_chat_service_is_evaluated_at_the_slots_the_agents_give() -> None:
    traffic = 10.0
    slots = int(agents_needed(traffic, 360, 30, target_sl=0.9))
    result = chat_requirements([traffic], 360, 30, 3, target_sl=0.9)
    agents = math.ceil(slots / 3)
    assert result.agents_needed.tolist() == [agents]
    assert result.expected_service_level[0] == pytest.approx(
        float(service_level(agents * 3, traffic, 360, 30)), rel=1e-15
    )
    assert result.expected_service_level[0] >= float(service_level(slots, traffic, 360, 30))


def test_chat_without_traffic_needs_nobody() -> None:
    result = chat_requirements([0.0], 360, 30, 2, target_sl=0.9)
    assert result.agents_needed.tolist() == [0]
    assert result.expected_service_level.tolist() == [1.0]
    assert result.expected_asa_seconds.tolist() == [0.0]
    assert result.occupancy.tolist() == [0.0]


# --- deferred (backlog) ---------------------------------------------------------------------


def _work_done(
    result_agents: np.ndarray, occupancy: np.ndarray, interval_seconds: float
) -> np.ndarray:
    return result_agents * interval_seconds * occupancy


def test_a_burst_is_carried_over_and_answered_within_the_goal() -> None:
    interval, goal, aht = 900.0, 3600.0, 300.0
    contacts = np.zeros(12)
    contacts[0] = 60  # 5 hours of work in the first quarter hour, due within the hour
    result = backlog_requirements(contacts, aht, np.ones(12, bool), interval, goal, 0.9)
    done = _work_done(result.agents_needed, result.occupancy, interval)
    total = contacts.sum() * aht
    assert done[0] < total  # not all of it in the interval it arrived in
    assert result.agents_needed[1:4].min() > 0  # worked off over the following intervals
    # the last item is due at 15 min + 60 min = the end of interval 4 (0-based)
    assert done[:5].sum() == pytest.approx(total)
    assert result.agents_needed[5:].tolist() == [0] * 7
    assert result.expected_service_level.tolist() == [1.0] * 12
    assert 0 < result.expected_asa_seconds[0] <= goal
    # spread evenly, not crammed before the deadline: each interval within one head of the mean
    staffed = result.agents_needed[:5]
    assert staffed.max() - staffed.min() <= 1
    # and the goal binds: one head fewer throughout and some items are late
    fewer = evaluate_backlog(
        np.maximum(result.agents_needed - 1, 0),
        contacts,
        aht,
        np.ones(12, bool),
        interval,
        goal,
        0.9,
    )
    assert fewer.expected_service_level[0] < 1.0


def test_work_arriving_while_closed_is_done_after_opening() -> None:
    interval, goal, aht = 900.0, 1800.0, 300.0
    is_open = np.array([0, 0, 1, 1, 1, 1, 1, 1, 1, 1], bool)
    contacts = np.array([10, 10, 0, 5, 5, 5, 5, 0, 0, 0], float)
    result = backlog_requirements(contacts, aht, is_open, interval, goal, 0.9)
    done = _work_done(result.agents_needed, result.occupancy, interval)
    assert result.agents_needed[:2].tolist() == [0, 0]
    assert done[:2].tolist() == [0.0, 0.0]
    # the 20 night items are due 30 minutes after the opening (end of interval 3)
    assert done[2:4].sum() >= 20 * aht - 1e-6
    assert result.expected_service_level.tolist() == [1.0] * 10
    # they wait at least until the opening: 15-30 minutes on average for the first interval
    assert result.expected_asa_seconds[0] >= interval
    assert result.expected_asa_seconds[1] >= 0
    assert done.sum() == pytest.approx(contacts.sum() * aht)


def test_work_arriving_just_before_closing_is_due_after_the_reopening() -> None:
    """The response clock stops while closed: nobody works the closed hours to beat it."""
    interval, goal, aht = 3600.0, 1800.0, 300.0
    is_open = np.array([1, 1, 0, 0, 1, 1], bool)
    contacts = np.array([0, 30, 0, 0, 0, 0], float)
    result = backlog_requirements(contacts, aht, is_open, interval, goal, 1.0)
    assert result.agents_needed.tolist()[:4] == [0, 2, 0, 0]
    assert result.agents_needed[4] >= 1
    assert result.expected_service_level[1] == 1.0
    assert result.expected_asa_seconds[1] > 0
    without_reopening_staff = result.agents_needed.copy()
    without_reopening_staff[4] = 0
    late = evaluate_backlog(without_reopening_staff, contacts, aht, is_open, interval, goal, 1.0)
    assert late.expected_service_level[1] < 1.0


def test_no_agents_means_late_answers() -> None:
    is_open = np.ones(6, bool)
    contacts = np.array([4, 4, 0, 0, 0, 0], float)
    result = evaluate_backlog(np.zeros(6, int), contacts, 300, is_open, 900.0, 900.0, 1.0)
    assert result.expected_service_level[:2].tolist() == [0.0, 0.0]
    assert result.expected_asa_seconds[0] > 900


@st.composite
def backlog_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, float, float, float, float]:
    interval = draw(st.sampled_from([900.0, 1800.0, 3600.0]))
    goal = 60.0 * draw(st.integers(5, 240))
    size = draw(st.integers(2, 30))
    contacts = np.array(draw(st.lists(st.integers(0, 40), min_size=size, max_size=size)), float)
    is_open = np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)))
    # a quiet open tail long enough for every item to fall due inside the horizon
    tail = math.ceil(goal / interval) + 1
    contacts = np.concatenate([contacts, np.zeros(tail)])
    is_open = np.concatenate([is_open, np.ones(tail, bool)])
    aht = draw(st.floats(30, 900))
    return contacts, is_open, interval, goal, aht, draw(st.floats(0.5, 1.0))


@settings(max_examples=60, deadline=None)
@given(backlog_cases())
def test_backlog_staffing_meets_every_goal_and_covers_all_work(
    case: tuple[np.ndarray, np.ndarray, float, float, float, float],
) -> None:
    contacts, is_open, interval, goal, aht, max_occ = case
    result = backlog_requirements(contacts, aht, is_open, interval, goal, max_occ)
    assert np.all(result.agents_needed[~is_open] == 0)
    assert np.all(result.agents_needed >= 0)
    assert np.all(result.expected_service_level == 1.0)
    capacity = float((result.agents_needed * interval * max_occ).sum())
    assert capacity >= contacts.sum() * aht - 1e-6
    done = _work_done(result.agents_needed, result.occupancy, interval)
    assert done.sum() == pytest.approx(contacts.sum() * aht)
    assert np.all(result.occupancy <= max_occ + 1e-12)
    # replaying the same staffing gives the same answer
    again = evaluate_backlog(result.agents_needed, contacts, aht, is_open, interval, goal, max_occ)
    np.testing.assert_array_equal(again.expected_service_level, result.expected_service_level)


# --- compute_requirements --------------------------------------------------------------------


def _config() -> Config:
    return Config.model_validate(
        {
            "planning": {"interval_minutes": 60, "days": 1},
            "channels": {
                "phone": {
                    "kind": "voice",
                    "aht_seconds": 180,
                    "hours": "08:00-12:00",
                    "service": {"target": 0.8, "answer_seconds": 20},
                    "max_occupancy": 0.85,
                    "shrinkage": 0.3,
                },
                "chat": {
                    "kind": "chat",
                    "aht_seconds": 360,
                    "concurrency": 2,
                    "hours": "08:00-12:00",
                    "service": {"target": 0.9, "answer_seconds": 30},
                    "max_occupancy": 0.85,
                    "shrinkage": 0.2,
                },
                "social": {
                    "kind": "deferred",
                    "aht_seconds": 300,
                    "response_minutes": 15,
                    "hours": "08:00-12:00",
                    "max_occupancy": 0.9,
                    "shrinkage": 0.3,
                },
            },
            "shifts": [
                {
                    "name": "morning",
                    "length_minutes": 240,
                    "earliest_start": "08:00",
                    "latest_start": "08:00",
                }
            ],
        }
    )


def _forecast() -> pd.DataFrame:
    hours = pd.date_range("2026-11-23", periods=24, freq="h")  # a Monday
    open_hours = (hours.hour >= 8) & (hours.hour < 12)
    rows = []
    for channel, per_hour, aht in (
        ("phone", 200, np.nan),
        ("chat", 100, 360.0),
        ("social", 12, 300.0),
    ):
        contacts = np.where(open_hours, per_hour, 0.0)
        if channel == "social":
            contacts[7] = 24  # posts that come in at 07:00, before the opening
        if channel == "phone":
            contacts[22] = 5  # a forecast slip: calls while closed are not staffed
        rows.append(
            pd.DataFrame(
                {
                    "interval_start": hours,
                    "channel": channel,
                    "contacts": contacts,
                    "lower": contacts * 0.8,
                    "upper": contacts * 1.2,
                    "aht_seconds": aht,
                }
            )
        )
    # interleaved and shuffled: the result must keep this order
    frame = pd.concat(rows, ignore_index=True).sample(frac=1.0, random_state=3)
    return frame.loc[:, list(FORECAST_COLUMNS)]


def test_compute_requirements_contract_and_closed_hours() -> None:
    forecast = _forecast()
    result = compute_requirements(forecast, _config())
    assert tuple(result.columns) == REQUIREMENT_COLUMNS
    assert result.index.equals(forecast.index)
    pd.testing.assert_series_equal(result["interval_start"], forecast["interval_start"])
    pd.testing.assert_series_equal(result["channel"], forecast["channel"])
    assert result["agents_needed"].dtype == np.int64
    assert result["staff_needed"].dtype == np.int64

    hour = result["interval_start"].dt.hour
    closed = result[(hour < 8) | (hour >= 12)]
    assert closed["agents_needed"].eq(0).all()
    assert closed["staff_needed"].eq(0).all()
    assert closed["occupancy"].eq(0).all()
    quiet = closed[closed["contacts"] == 0]
    assert quiet["expected_service_level"].eq(1.0).all()
    assert quiet["expected_asa_seconds"].eq(0.0).all()
    unserved = closed[(closed["channel"] == "phone") & (closed["contacts"] > 0)]
    assert len(unserved) == 1
    assert unserved["expected_service_level"].eq(0.0).all()
    assert unserved["expected_asa_seconds"].eq(math.inf).all()


def test_compute_requirements_per_channel_kind() -> None:
    result = compute_requirements(_forecast(), _config())
    at = result.set_index(["channel", result["interval_start"].dt.hour])

    # voice: 200 calls/h x 180 s (the config's AHT, the forecast has none) = 10 Erlangs
    phone = at.loc[("phone", 9)]
    assert phone["aht_seconds"] == 180
    assert (phone["agents_needed"], phone["staff_needed"]) == (14, 20)
    assert round(phone["expected_service_level"], 4) == 0.8884

    # chat: 100 chats/h x 360 s = 10 Erlangs over slots of 2 chats per agent
    chat = at.loc[("chat", 9)]
    expected = chat_requirements([10.0], 360, 30, 2, target_sl=0.9, max_occupancy=0.85)
    assert chat["agents_needed"] == expected.agents_needed[0]
    assert chat["staff_needed"] == math.ceil(expected.agents_needed[0] / 0.8 - 1e-9)
    assert chat["expected_service_level"] == expected.expected_service_level[0]

    # deferred: the 07:00 posts wait for the opening and make 08:00 the busiest hour
    social = at.xs("social")
    assert social.loc[7, "agents_needed"] == 0
    assert social.loc[8, "agents_needed"] > social.loc[9, "agents_needed"] > 0
    assert social.loc[7, "expected_service_level"] == 1.0
    assert social.loc[7, "expected_asa_seconds"] >= 3600 * 0.5


def test_compute_requirements_refuses_unknown_channels() -> None:
    forecast = _forecast()
    forecast.loc[forecast.index[0], "channel"] = "fax"
    with pytest.raises(ValueError, match="fax"):
        compute_requirements(forecast, _config())


# --- evaluate_coverage ------------------------------------------------------------------------


def test_evaluate_coverage_uses_each_channels_queue_model() -> None:
    from wfm.domain import RosterResult
    from wfm.staffing import evaluate_coverage, evaluate_erlang_a, evaluate_staffing

    forecast = _forecast()
    requirements = compute_requirements(forecast, _config())
    nine = pd.Timestamp("2026-11-23 09:00")
    coverage = pd.DataFrame(
        {
            "interval_start": [nine, nine],
            "channel": ["phone", "chat"],
            "required": [20, 8],
            "scheduled": [20, 8],
            "gap": [0, 0],
            "expected_service_level": [np.nan, np.nan],
        }
    )
    empty = pd.DataFrame()
    roster = RosterResult("OPTIMAL", 0.0, 0.0, 0.0, empty, empty, coverage, empty)
    patient = evaluate_coverage(roster, requirements, _config()).coverage
    # 20 heads less 30% shrinkage = 14 agents on 10 Erlangs; chat: 8 × 0.8 = 6 agents × 2 slots
    assert patient.expected_service_level.tolist() == [
        float(evaluate_staffing(14, 10.0, 180, 20).expected_service_level),
        float(evaluate_staffing(12, 10.0, 360, 30).expected_service_level),
    ]
    impatient_config = _config().model_copy(
        update={
            "channels": {
                name: channel.model_copy(
                    update={"queue_model": "erlang_a", "patience_seconds": 60.0}
                    if name != "social"
                    else {}
                )
                for name, channel in _config().channels.items()
            }
        }
    )
    impatient = evaluate_coverage(roster, requirements, impatient_config).coverage
    assert impatient.expected_service_level.tolist() == [
        float(evaluate_erlang_a(14, 10.0, 180, 20, 60.0).expected_service_level),
        float(evaluate_erlang_a(12, 10.0, 360, 30, 60.0).expected_service_level),
    ]


# --- min_agents ---------------------------------------------------------------------------------


def _with_floor(floor: int) -> Config:
    raw = _config().model_dump(mode="json")
    for channel in raw["channels"].values():
        channel["min_agents"] = floor
    return Config.model_validate(raw)


def _quiet_forecast() -> pd.DataFrame:
    """One contact an hour on each channel around the clock, 200 calls at 09:00."""
    frame = _forecast()
    frame["contacts"] = np.where(
        (frame.channel == "phone") & (frame.interval_start.dt.hour == 9), 200.0, 1.0
    )
    return frame


def test_min_agents_holds_every_open_interval_and_reports_its_service() -> None:
    quiet = _quiet_forecast()
    plain = compute_requirements(quiet, _config())
    floored = compute_requirements(quiet, _with_floor(2))
    hour = floored.interval_start.dt.hour
    open_hours = (hour >= 8) & (hour < 12)
    busy = open_hours & (hour == 9) & (floored.channel == "phone")
    # one contact an hour needs a single agent; the floor makes it two, only while open
    assert plain[open_hours & ~busy & (plain.channel != "social")].agents_needed.eq(1).all()
    assert floored[open_hours].agents_needed.ge(2).all()
    assert floored[~open_hours].agents_needed.eq(0).all()
    # the busy hour already needs more than the floor: untouched
    assert floored[busy].agents_needed.item() == plain[busy].agents_needed.item() == 14
    # staff from agents as everywhere: two agents at 30% shrinkage need three heads
    phone_quiet = open_hours & (hour == 10) & (floored.channel == "phone")
    assert floored[phone_quiet].staff_needed.item() == 3
    # the service figures are those of the agents given, not of the one the model asked for
    traffic = 1.0 * 180 / 3600
    two = evaluate_staffing(2, traffic, 180, 20)
    row = floored[phone_quiet].iloc[0]
    assert row.expected_service_level == pytest.approx(float(two.expected_service_level))
    assert row.expected_asa_seconds < plain[phone_quiet].expected_asa_seconds.item()
    assert row.occupancy < plain[phone_quiet].occupancy.item()


def test_min_agents_refuses_a_negative_floor() -> None:
    raw = _config().model_dump(mode="json")
    raw["channels"]["phone"]["min_agents"] = -1
    with pytest.raises(ValueError, match="min_agents"):
        Config.model_validate(raw)
