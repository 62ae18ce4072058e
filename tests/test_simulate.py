"""The roster simulator: its event loop by hand, against Erlang C/A, and `wfm simulate`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result

from wfm.config import Config
from wfm.errors import WfmInputError
from wfm.staffing.erlang import service_level
from wfm.staffing.erlang_a import erlang_a
from wfm.staffing.simulate import (
    SIMULATION_COLUMNS,
    ChannelSimulation,
    SimulationProblem,
    SimulationSettings,
    _serve_fifo,
    build_simulation,
    simulate,
)

INF = math.inf

# --- the event loop, by hand ------------------------------------------------------------------


def test_fifo_with_one_agent() -> None:
    starts, left = _serve_fifo(
        [0.0, 1.0, 2.0, 50.0],
        [10.0, 5.0, 5.0, 1.0],
        [INF] * 4,
        [1],
        [True],
        100.0,
        drop_when_closed=True,
    )
    assert starts.tolist() == [0.0, 10.0, 15.0, 50.0]
    assert np.isnan(left).all()


def test_a_caller_who_hangs_up_frees_the_place_for_the_next() -> None:
    # B gives up at 4 (deadline 1 + 3); C, patient, takes the agent when A finishes at 10
    starts, left = _serve_fifo(
        [0.0, 1.0, 2.0],
        [10.0, 5.0, 5.0],
        [INF, 4.0, INF],
        [1],
        [True],
        100.0,
        drop_when_closed=True,
    )
    assert np.isnan(starts[1]) and left[1] == 4.0
    assert starts.tolist()[::2] == [0.0, 10.0]


def test_agents_leaving_at_a_boundary_finish_their_contact_first() -> None:
    # two agents until 100, then one: both finish the contact in hand; the first to be free
    # (at 130) is the one who leaves, so the caller arriving at 120 waits until 150
    starts, _ = _serve_fifo(
        [90.0, 95.0, 120.0],
        [40.0, 55.0, 10.0],
        [INF] * 3,
        [2, 1],
        [True, True],
        100.0,
        drop_when_closed=True,
    )
    assert starts.tolist() == [90.0, 95.0, 150.0]


def test_more_agents_at_a_boundary_take_the_queue_at_once() -> None:
    starts, _ = _serve_fifo(
        [10.0, 20.0],
        [500.0, 5.0],
        [INF] * 2,
        [1, 2],
        [True, True],
        100.0,
        drop_when_closed=True,
    )
    assert starts.tolist() == [10.0, 100.0]


def test_closing_drops_realtime_queues_but_not_a_backlog() -> None:
    args = ([10.0, 20.0, 150.0], [95.0, 5.0, 5.0], [INF] * 3, [1, 0, 1], [True, False, True], 100.0)
    starts, left = _serve_fifo(*args, drop_when_closed=True)
    assert starts[0] == 10.0
    assert np.isnan(starts[1]) and left[1] == 100.0  # still waiting at closing time
    assert np.isnan(starts[2]) and left[2] == 150.0  # arrives while closed: lost at once
    backlog, _ = _serve_fifo(*args, drop_when_closed=False)
    assert backlog.tolist() == [10.0, 200.0, 205.0]  # waits overnight, FIFO at the reopening


def test_still_waiting_when_the_horizon_ends() -> None:
    starts, left = _serve_fifo(
        [10.0, 20.0], [500.0, 5.0], [INF] * 2, [1], [True], 100.0, drop_when_closed=False
    )
    assert np.isnan(starts[1]) and np.isnan(left[1])


# --- against the queueing formulas ------------------------------------------------------------


def _stationary(patience: float, agents: int, replications: int) -> pd.DataFrame:
    """200 calls/h of 180 s (10 Erlangs) on two 10-hour intervals; the first warms up."""
    phone = ChannelSimulation(
        name="phone",
        kind="realtime",
        servers=np.array([agents, agents]),
        is_open=np.array([True, True]),
        aht_seconds=np.array([180.0, 180.0]),
        answer_seconds=20.0,
        target_sl=0.8,
        patience_seconds=patience,
        expected_contacts=np.array([2000.0, 2000.0]),
    )
    starts = pd.DatetimeIndex(["2026-11-23 00:00", "2026-11-23 10:00"])
    problem = SimulationProblem(starts, 36_000.0, (phone,))
    return simulate(problem, SimulationSettings(replications=replications, seed=2024)).frame


def test_simulation_agrees_with_erlang_c_within_its_interval() -> None:
    measured = _stationary(INF, 12, 60).iloc[1]  # the first 10 hours warm the queue up
    expected = float(service_level(12, 10.0, 180, 20))
    assert measured.service_level_low <= expected <= measured.service_level_high
    # tight enough to catch a bias of a few points (the queue at 83% load is slow to mix)
    assert measured.service_level_high - measured.service_level_low < 0.06
    assert measured.abandon_rate == 0.0
    assert measured.offered == pytest.approx(2000, rel=0.01)
    assert not measured.meets_target  # 0.64 < 0.8


def test_simulation_agrees_with_erlang_a() -> None:
    measured = _stationary(120.0, 10, 60).iloc[1]
    expected = erlang_a(10, 10.0, 180, 120.0, 20)
    assert measured.service_level_low <= float(expected.service_level)
    assert float(expected.service_level) <= measured.service_level_high
    assert measured.abandon_rate == pytest.approx(float(expected.abandon_rate), rel=0.04)
    assert measured.asa_seconds == pytest.approx(float(expected.asa_seconds), rel=0.05)


def test_lognormal_handle_times_keep_their_mean() -> None:
    from wfm.staffing.simulate import _handle_times

    rng = np.random.default_rng(5)
    mean = np.full(200_000, 300.0)
    for cv in (0.5, 1.5):
        draws = _handle_times(mean, SimulationSettings(handle_time="lognormal", handle_cv=cv), rng)
        assert draws.mean() == pytest.approx(300.0, rel=0.02)
        assert draws.std() / draws.mean() == pytest.approx(cv, rel=0.05)


# --- from a roster ----------------------------------------------------------------------------

CONFIG: dict[str, Any] = {
    "planning": {"interval_minutes": 60, "days": 1},
    "channels": {
        "phone": {
            "kind": "voice",
            "aht_seconds": 180,
            "hours": "08:00-10:00",
            "service": {"target": 0.8, "answer_seconds": 20},
            "shrinkage": 0.25,
            "patience_seconds": 90,
        },
        "chat": {
            "kind": "chat",
            "aht_seconds": 360,
            "concurrency": 2,
            "hours": "08:00-10:00",
            "service": {"target": 0.9, "answer_seconds": 30},
            "shrinkage": 0.0,
        },
        "mail": {
            "kind": "deferred",
            "aht_seconds": 300,
            "response_minutes": 60,
            "hours": "08:00-10:00",
            "max_occupancy": 0.5,
            "shrinkage": 0.0,
        },
    },
    "shifts": [
        {"name": "day", "length_minutes": 120, "earliest_start": "08:00", "latest_start": "08:00"}
    ],
}


def _assignments() -> pd.DataFrame:
    rows = []
    for hour in (8, 9):
        stamp = pd.Timestamp(f"2026-11-23 {hour:02d}:00")
        rows += [(stamp, f"P{i}", "phone") for i in range(4)]  # 4 heads, 3 after shrinkage
        rows += [(stamp, "C1", "chat"), (stamp, "M1", "mail"), (stamp, "B1", "break")]
    return pd.DataFrame(rows, columns=["interval_start", "agent_id", "activity"])


def _demand() -> pd.DataFrame:
    hours = pd.date_range("2026-11-23 08:00", periods=2, freq="h")
    return pd.DataFrame(
        {
            "interval_start": hours.repeat(3),
            "channel": ["phone", "chat", "mail"] * 2,
            "contacts": [40.0, 10.0, 4.0, 30.0, 10.0, 4.0],
            "aht_seconds": [200.0, np.nan, np.nan, 200.0, np.nan, np.nan],
        }
    )


def test_build_simulation_reads_the_roster() -> None:
    config = Config.model_validate(CONFIG)
    problem = build_simulation(config, _assignments(), demand=_demand())
    assert len(problem.interval_starts) == 24 and problem.interval_seconds == 3600.0
    by_name = {c.name: c for c in problem.channels}
    phone, chat, mail = by_name["phone"], by_name["chat"], by_name["mail"]
    assert phone.servers[8:10].tolist() == [3, 3] and phone.servers.sum() == 6
    assert chat.servers[8:10].tolist() == [2, 2]  # one agent, two chats at once
    assert mail.servers[8:10].tolist() == [1, 1] and mail.work_factor == 0.5
    assert phone.patience_seconds == 90 and chat.patience_seconds == INF
    assert mail.kind == "deferred" and mail.answer_seconds == 3600.0
    assert phone.aht_seconds[8] == 200.0 and chat.aht_seconds[8] == 360.0
    assert phone.is_open.tolist()[7:11] == [False, True, True, False]
    assert phone.expected_contacts is not None and phone.expected_contacts[8] == 40.0
    unshrunk = build_simulation(config, _assignments(), demand=_demand(), use_shrinkage=False)
    assert {c.name: c for c in unshrunk.channels}["phone"].servers[8] == 4
    patient = build_simulation(config, _assignments(), demand=_demand(), patience_seconds=30.0)
    assert {c.name: c.patience_seconds for c in patient.channels} == {
        "phone": 30.0,
        "chat": 30.0,
        "mail": INF,
    }


def test_build_simulation_reports_unknown_activities_and_off_grid_times() -> None:
    config = Config.model_validate(CONFIG)
    bad = _assignments()
    bad.loc[3, "activity"] = "fax"
    with pytest.raises(WfmInputError) as caught:
        build_simulation(config, bad, demand=_demand(), sources={"assignments": "a.csv"})
    assert str(caught.value.problems[0]).startswith("a.csv:5: activity: unknown activity 'fax'")
    shifted = _demand()
    shifted.loc[0, "interval_start"] = pd.Timestamp("2026-11-23 08:20")
    with pytest.raises(WfmInputError, match="60-minute grid"):
        build_simulation(config, _assignments(), demand=shifted)


def test_the_roster_must_meet_the_days_with_contacts() -> None:
    config = Config.model_validate(CONFIG)
    late = _assignments()
    late["interval_start"] += pd.Timedelta(days=400)
    with pytest.raises(WfmInputError, match="no interval on the days with contacts"):
        build_simulation(config, late, demand=_demand())
    both = pd.concat([_assignments(), late], ignore_index=True)
    problem = build_simulation(config, both, demand=_demand())
    assert problem.notes == ("14 roster row(s) outside the days with contacts ignored",)
    assert {c.name: int(c.servers.sum()) for c in problem.channels} == {
        "phone": 6,
        "chat": 4,
        "mail": 2,
    }


def test_the_roster_simulation_summary() -> None:
    config = Config.model_validate(CONFIG)
    problem = build_simulation(config, _assignments(), demand=_demand())
    one = simulate(problem, SimulationSettings(replications=30, seed=3))
    frame = one.frame
    assert tuple(frame.columns) == SIMULATION_COLUMNS
    assert len(frame) == 3 * 24
    quiet = frame[frame.interval_start.dt.hour < 8]
    assert quiet.service_level.eq(1.0).all() and quiet.meets_target.all()
    assert quiet.offered.eq(0.0).all()
    busy = frame[frame.interval_start.dt.hour.isin([8, 9])]
    assert busy.offered.gt(0).all()
    assert (busy.service_level_low <= busy.service_level).all()
    assert (busy.service_level <= busy.service_level_high).all()
    phone = busy[busy.channel == "phone"]
    assert phone.abandon_rate.gt(0).all()  # 40 calls/h of 200 s on 3 agents, patience 90 s
    # a second process gives the very same numbers: replications are seeded streams
    two = simulate(problem, SimulationSettings(replications=30, seed=3, workers=2))
    pd.testing.assert_frame_equal(one.frame, two.frame)
    assert one.channels.intervals_with_contacts.tolist() == [2, 2, 2]


def test_actual_arrivals_are_replayed() -> None:
    config = Config.model_validate(CONFIG)
    calls = pd.DataFrame(
        {
            "arrival": pd.to_datetime(["2026-11-23 08:00:00", "2026-11-23 08:00:10"]),
            "channel": ["phone", "phone"],
            "handle_seconds": [600.0, 60.0],
        }
    )
    config = Config.model_validate(
        {
            **CONFIG,
            "channels": {
                **CONFIG["channels"],
                "phone": {**CONFIG["channels"]["phone"], "patience_seconds": None},
            },
        }
    )
    one_agent = _assignments()
    one_agent = one_agent[~one_agent.agent_id.isin(["P1", "P2", "P3"])]
    problem = build_simulation(config, one_agent, arrivals=calls, use_shrinkage=False)
    result = simulate(problem, SimulationSettings(replications=2))
    phone = result.frame[(result.frame.channel == "phone") & (result.frame.offered > 0)]
    # the second call waits 590 s for the only agent, every replication
    assert phone.offered.tolist() == [2.0]
    assert phone.service_level.tolist() == [0.5]
    assert phone.asa_seconds.tolist() == [295.0]


# --- wfm simulate -----------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    config_path = tmp_path / "configs" / "wfm.yaml"
    config_path.parent.mkdir()
    config_path.write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    frame = _assignments()
    frame["interval_start"] = frame.interval_start.dt.strftime("%Y-%m-%dT%H:%M:%S")
    frame.to_csv(out / "assignments.csv", index=False)
    demand = _demand()
    demand["lower"] = demand["upper"] = demand.contacts
    demand["interval_start"] = demand.interval_start.dt.strftime("%Y-%m-%dT%H:%M:%S")
    demand.to_csv(out / "forecast.csv", index=False)
    return config_path, out


def _simulate_cli(*args: str) -> Result:
    from wfm.cli_staffing import simulate_command

    return CliRunner().invoke(simulate_command, list(args))


def test_simulate_command_writes_simulation_csv(project: tuple[Path, Path]) -> None:
    config_path, out = project
    result = _simulate_cli(
        "--config", str(config_path), "--out", str(out), "--replications", "5", "--quiet"
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out / "simulation.csv")
    assert tuple(written.columns) == SIMULATION_COLUMNS
    assert len(written) == 72
    assert "phone: SL" in result.output
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


def test_simulate_command_replays_a_history_file(project: tuple[Path, Path]) -> None:
    config_path, out = project
    history = out.parent / "actual.csv"
    history.write_text(
        "timestamp,channel,contacts\n2026-11-23T08:00:00,phone,30\n2026-11-23T09:00:00,chat,5\n",
        encoding="utf-8",
    )
    result = _simulate_cli(
        "--config",
        str(config_path),
        "--out",
        str(out),
        "--arrivals",
        str(history),
        "--replications",
        "3",
        "--handle-time",
        "lognormal",
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out / "simulation.csv")
    assert written.groupby("channel").offered.sum().to_dict() == {"chat": 5.0, "phone": 30.0}


def test_simulate_command_replays_one_row_per_call(project: tuple[Path, Path]) -> None:
    config_path, out = project
    calls = out.parent / "calls.csv"
    calls.write_text(
        "timestamp,channel,handle_seconds\n"
        "2026-11-23T08:00:00,phone,600\n2026-11-23T08:00:10,phone,\n"
        "2026-11-23T08:00:20,chat,60\n",
        encoding="utf-8",
    )
    result = _simulate_cli(
        "--config", str(config_path), "--out", str(out), "--arrivals", str(calls), "--quiet"
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out / "simulation.csv")
    assert written.offered.sum() == 3.0
    calls.write_text("timestamp,channel\nyesterday,phone\n", encoding="utf-8")
    bad = _simulate_cli("--config", str(config_path), "--out", str(out), "--arrivals", str(calls))
    assert bad.exit_code == 2
    assert "calls.csv:2: timestamp: 'yesterday' is not an ISO timestamp" in bad.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--replications", "1"], "--replications"),
        (["--handle-time", "gamma"], "--handle-time"),
        (["--patience", "-5"], "--patience"),
        (["--demand", "x.csv", "--arrivals", "y.csv"], "not both"),
    ],
)
def test_simulate_command_refuses_bad_flags(
    project: tuple[Path, Path], args: list[str], message: str
) -> None:
    config_path, out = project
    result = _simulate_cli("--config", str(config_path), "--out", str(out), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_simulate_command_locates_bad_input(project: tuple[Path, Path]) -> None:
    config_path, out = project
    text = (out / "assignments.csv").read_text(encoding="utf-8").replace("mail", "fax", 1)
    (out / "assignments.csv").write_text(text, encoding="utf-8")
    result = _simulate_cli("--config", str(config_path), "--out", str(out), "--quiet")
    assert result.exit_code == 2
    assert "assignments.csv:7: activity: unknown activity 'fax'" in result.output
    assert not (out / "simulation.csv").exists()
    missing = _simulate_cli(
        "--config", str(config_path), "--out", str(out), "--arrivals", str(out / "none.csv")
    )
    assert missing.exit_code == 2 and "file not found" in missing.output


def _backlog_week(agents: np.ndarray, hours: int) -> pd.Series:
    """24 posts an hour of 300 s, a 15-minute goal, agents at 85%: simulated per hour."""
    social = ChannelSimulation(
        name="social",
        kind="deferred",
        servers=agents,
        is_open=np.ones(hours, dtype=bool),
        aht_seconds=np.full(hours, 300.0),
        answer_seconds=900.0,
        target_sl=0.8,
        expected_contacts=np.full(hours, 24.0),
        work_factor=0.85,
    )
    starts = pd.date_range("2026-11-23", periods=hours, freq="h")
    problem = SimulationProblem(pd.DatetimeIndex(starts), 3600.0, (social,))
    result = simulate(problem, SimulationSettings(replications=20, seed=7))
    return result.channels.iloc[0]


def test_deferred_staffing_meets_its_goal_under_random_arrivals() -> None:
    """The fluid backlog model alone staffs this load at 100% on paper; random arrivals
    make that queue grow all day. The queueing floor gives what the simulation confirms."""
    from wfm.staffing.deferred import backlog_requirements, deferred_requirements

    hours = 12
    args = (np.full(hours, 24.0), 300.0, np.ones(hours, dtype=bool), 3600.0, 900.0, 0.85)
    fluid = backlog_requirements(*args)
    floored = deferred_requirements(*args, target_sl=0.8)
    assert fluid.expected_service_level.min() == 1.0  # the fluid model's promise
    fluid_sim = _backlog_week(fluid.agents_needed, hours)
    floored_sim = _backlog_week(floored.agents_needed, hours)
    assert fluid_sim.service_level_high < 0.8  # the promise does not hold
    assert floored_sim.service_level_low >= 0.8
    expected = float(np.mean(floored.expected_service_level))
    assert floored_sim.service_level >= expected - 0.05  # what the plan says, roughly
    assert floored.agents_needed.sum() > fluid.agents_needed.sum()


def test_simulate_command_replays_call_records(project: tuple[Path, Path]) -> None:
    """Real calls: their own handle times, a drawn one for the caller who hung up, phantom
    records ignored, call types matched to channels ignoring case."""
    config_path, out = project
    calls = out.parent / "calls.csv"
    calls.write_text(
        "arrival,service_type,queue_seconds,outcome,service_seconds\n"
        "2026-11-23 08:00:00,PHONE,0,answered,600\n"
        "2026-11-23 08:00:10,phone,5,abandoned,\n"
        "2026-11-23 08:00:20,Phone,3,other,\n",
        encoding="utf-8",
    )
    args = ("--config", str(config_path), "--out", str(out), "--arrivals", str(calls))
    result = _simulate_cli(*args, "--quiet")
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out / "simulation.csv")
    assert written.offered.sum() == 2.0
    calls.write_text(
        "arrival,channel,queue_seconds,outcome,service_seconds\n"
        "2026-11-23 08:00:00,phone,0,hung up,\n"
        "2026-11-23 08:00:05,phone,-3,answered,20\n",
        encoding="utf-8",
    )
    bad = _simulate_cli(*args)
    assert bad.exit_code == 2
    assert "calls.csv:2" in bad.output and "outcome" in bad.output
    assert "calls.csv:3" in bad.output and "queue_seconds" in bad.output


def test_trace_replay_uses_each_calls_own_handle_time() -> None:
    """One agent; a 600 s call, then one with no recorded handle time: the second waits
    exactly what remains of the first, whatever is drawn for itself."""
    from wfm.staffing.simulate import replicate

    phone = ChannelSimulation(
        name="phone",
        kind="realtime",
        servers=np.array([1]),
        is_open=np.array([True]),
        aht_seconds=np.array([600.0]),
        answer_seconds=20.0,
        target_sl=0.8,
        arrival_seconds=np.array([0.0, 10.0]),
        handle_seconds=np.array([600.0, np.nan]),
    )
    problem = SimulationProblem(pd.DatetimeIndex(["2026-11-23 08:00"]), 3600.0, (phone,))
    tally = replicate(problem, SimulationSettings(), np.random.default_rng(3))
    assert tally.answered[0, 0] == 2
    assert tally.wait_sum[0, 0] == pytest.approx(590.0)
