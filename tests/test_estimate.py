"""Handle-time and patience estimates from call records, their config fragment, `wfm estimate`,
and the Anonymous Bank's published figures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from projectkit import write_project
from wfm.cli import main
from wfm.config import ChannelConfig, Config
from wfm.io.calls import CallRecords, load_calls
from wfm.io.config_file import load_config
from wfm.staffing.estimate import (
    CallEstimates,
    estimate_calls,
    estimates_table,
    fit_handle_times,
    render_channels_yaml,
)

BANK = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "anonymous_bank"
HEADER = "arrival,channel,queue_seconds,outcome,service_seconds"


def write(folder: Path, *rows: str, header: str = HEADER) -> Path:
    path = folder / "calls.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# --- handle time -----------------------------------------------------------------------------


def test_handle_time_fit_of_known_values() -> None:
    fit = fit_handle_times([math.e, math.e**3, 0, -5, np.nan])  # only positive values count
    assert fit is not None
    assert fit.calls == 2
    assert fit.mean_seconds == pytest.approx((math.e + math.e**3) / 2)
    assert fit.median_seconds == pytest.approx((math.e + math.e**3) / 2)
    assert fit.cv == pytest.approx(np.std([math.e, math.e**3], ddof=1) / fit.mean_seconds)
    assert fit.lognormal_mu == pytest.approx(2.0)
    assert fit.lognormal_sigma == pytest.approx(1.0)  # the MLE divides by n
    assert fit.lognormal_mean_seconds == pytest.approx(math.exp(2.5))
    assert fit.lognormal_cv == pytest.approx(math.sqrt(math.e - 1))
    assert fit_handle_times([0, np.nan]) is None


def test_lognormal_fit_recovers_its_parameters() -> None:
    sample = np.random.default_rng(7).lognormal(mean=4.7, sigma=1.2, size=20_000)
    fit = fit_handle_times(sample)
    assert fit is not None
    assert fit.lognormal_mu == pytest.approx(4.7, abs=0.03)
    assert fit.lognormal_sigma == pytest.approx(1.2, abs=0.02)
    assert fit.lognormal_cv == pytest.approx(math.sqrt(math.expm1(1.44)), rel=0.05)


# --- patience, service level, counts ---------------------------------------------------------

ROWS = (
    "2024-03-04 09:00:00,phone,30,answered,100",  # waited 30 s, then answered: censored
    "2024-03-04 09:10:00,phone,0,answered,200",  # no wait: no exposure
    "2024-03-04 09:20:00,phone,60,abandoned,",
    "2024-03-04 09:30:00,phone,90,abandoned,",
    "2024-03-04 09:40:00,phone,100,other,",  # phantom: left out
    "2024-03-04 09:50:00,phone,0,abandoned,",  # hung up without waiting: not among the waiting
    "2024-03-04 10:05:00,phone,20,answered,0",  # answered, no service time
    "2024-03-04 10:10:00,phone,5,answered,600",
)


@pytest.fixture
def phone_calls(tmp_path: Path) -> CallRecords:
    return load_calls(write(tmp_path, *ROWS))


def test_patience_is_total_wait_over_hang_ups_of_the_calls_that_waited(
    phone_calls: CallRecords,
) -> None:
    (phone,) = estimate_calls(phone_calls).channels
    assert phone.patience is not None
    assert phone.patience.waited == 5  # 30, 60, 90, 20, 5
    assert phone.patience.abandoned == 2
    assert phone.patience.total_wait_seconds == 205
    assert phone.patience.mean_seconds == pytest.approx(102.5)


def test_counts_shares_and_handle_time(phone_calls: CallRecords) -> None:
    estimates = estimate_calls(phone_calls, min_bucket_calls=2)
    (phone,) = estimates.channels
    assert (phone.calls, phone.answered, phone.abandoned, phone.other) == (8, 4, 3, 1)
    assert phone.abandon_share == pytest.approx(3 / 7)
    assert phone.answered_within_share == pytest.approx(3 / 4)  # 0, 20 and 5 s; not 30 s
    assert phone.handle is not None
    assert phone.handle.calls == 3  # service 0 left out
    assert phone.handle.mean_seconds == pytest.approx(300)
    assert phone.handle.median_seconds == 200
    assert [(b.start, b.fit.calls) for b in phone.by_time_of_day] == [("09:00", 2)]
    assert estimates.overall.calls == 8
    table = estimates_table(estimates)
    assert list(table.channel) == ["phone", "(all)"]
    assert table.patience_seconds.iloc[0] == pytest.approx(102.5)


def test_quarter_hour_buckets(phone_calls: CallRecords) -> None:
    estimates = estimate_calls(phone_calls, bucket_minutes=15, min_bucket_calls=1)
    buckets = [(b.start, b.fit.calls) for b in estimates.channels[0].by_time_of_day]
    assert buckets == [("09:00", 2), ("10:00", 1)]  # 09:00 and 09:10; 10:10 (10:05 had no service)
    with pytest.raises(ValueError, match="divide a day"):
        estimate_calls(phone_calls, bucket_minutes=25)


def test_without_queue_times_or_outcomes_nothing_is_guessed(tmp_path: Path) -> None:
    calls = load_calls(
        write(tmp_path, "2024-03-04 09:00:00,phone,120", header="arrival,channel,service_seconds")
    )
    (phone,) = estimate_calls(calls).channels
    assert phone.patience is None and phone.answered_within_share is None
    assert phone.handle is not None and phone.handle.mean_seconds == 120


# --- the config fragment ---------------------------------------------------------------------


def fragment(estimates: CallEstimates, config: Config | None = None) -> dict[str, ChannelConfig]:
    """The rendered fragment read back, each channel pasted over its configured settings."""
    data = yaml.safe_load(render_channels_yaml(estimates, config))
    assert list(data) == ["channels"]
    configured = config.channels if config is not None else {}
    return {
        name: ChannelConfig.model_validate(
            {**(configured[name].model_dump() if name in configured else {}), **entry}
        )
        for name, entry in data["channels"].items()
    }


def test_fragment_is_valid_config_with_the_estimates(phone_calls: CallRecords) -> None:
    estimates = estimate_calls(phone_calls, min_bucket_calls=2)
    channels = fragment(estimates)
    phone = channels["phone"]
    assert phone.kind == "voice"
    assert phone.aht_seconds == 300.0
    assert phone.patience_seconds == 102.5
    assert phone.queue_model == "erlang_a"
    text = render_channels_yaml(estimates)
    assert "median 200 s" in text and "lognormal fit: mu" in text
    assert "#   09:00" in text  # the time-of-day table


def test_fragment_quotes_awkward_names_and_follows_configured_kinds(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2024-03-04 09:00:00,no,10,answered,100",  # 'no' would read back as false
        "2024-03-04 09:00:00,email,10,answered,100",
        "2024-03-04 09:00:00,email,10,abandoned,",
    )
    config_path = write_project(tmp_path / "project")
    config = load_config(config_path)
    plain = fragment(estimate_calls(load_calls(path)))
    assert set(plain) == {"no", "email"}
    assert plain["no"].queue_model == "erlang_c"  # nobody who waited hung up
    assert plain["no"].patience_seconds is None
    with_config = fragment(estimate_calls(load_calls(path, list(config.channels))), config)
    assert set(with_config) == {"email"}
    assert with_config["email"].kind == "deferred"
    assert with_config["email"].queue_model == "erlang_c"


# --- wfm estimate ----------------------------------------------------------------------------


def test_cli_prints_a_table_and_writes_the_fragment(tmp_path: Path) -> None:
    path = write(tmp_path, *ROWS)
    out = tmp_path / "estimates" / "channels.yaml"
    result = CliRunner().invoke(main, ["estimate", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "abandon %" in result.output and "patience s" in result.output
    assert "phone" in result.output and "102.5" in result.output
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["channels"]["phone"][
        "patience_seconds"
    ] == pytest.approx(102.5)
    assert [p.name for p in out.parent.iterdir()] == ["channels.yaml"]  # no staging left


def test_cli_json_and_config_channels(tmp_path: Path) -> None:
    config_path = write_project(tmp_path / "project")
    path = write(tmp_path, "2024-03-04 09:00:00,PHONE,10,answered,100")
    result = CliRunner().invoke(
        main, ["estimate", str(path), "--config", str(config_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["channel"] for c in data["channels"]] == ["phone"]
    assert data["channels"][0]["patience"]["mean_seconds"] is None
    assert data["first_arrival"] == "2024-03-04T09:00:00"


def test_cli_bad_input_lists_problems_and_exits_2(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2024-03-04 09:00:00,phone,-1,answered,100",
        "yesterday,phone,10,dropped,",
    )
    result = CliRunner().invoke(main, ["estimate", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{path}:2: queue_seconds: '-1' is negative" in result.output
    assert f"{path}:3: arrival: 'yesterday' is not a date and time" in result.output
    assert f"{path}:3: outcome: 'dropped' is not an outcome" in result.output
    missing = CliRunner().invoke(main, ["estimate", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "none.csv: file not found" in missing.output


# --- the Anonymous Bank, 1999 ----------------------------------------------------------------

needs_bank = pytest.mark.skipif(
    not (BANK / "calls_1999.csv.gz").exists(), reason="shared Anonymous Bank data not present"
)


@pytest.fixture(scope="module")
def bank() -> tuple[CallRecords, CallEstimates]:
    calls = load_calls(BANK / "calls_1999.csv.gz")
    return calls, estimate_calls(calls)


@needs_bank
def test_bank_ps_service_times_match_the_readme(bank: tuple[CallRecords, CallEstimates]) -> None:
    calls, estimates = bank
    frame = calls.frame
    answered = frame[(frame.channel == "ps") & (frame.outcome == "answered")].service_seconds
    assert round(answered.mean(), 1) == 188.2
    assert answered.median() == 120
    ps = next(c for c in estimates.channels if c.channel == "ps")
    assert ps.handle is not None
    assert ps.handle.calls == 159_890
    assert round(ps.handle.mean_seconds, 1) == 188.8
    assert ps.handle.median_seconds == 121


@needs_bank
def test_bank_service_level_and_waiting_calls(bank: tuple[CallRecords, CallEstimates]) -> None:
    _, estimates = bank
    overall = estimates.overall
    assert (overall.answered, overall.abandoned, overall.other) == (223_426, 42_572, 2_511)
    assert overall.answered_within_share == pytest.approx(117_929 / 223_426)
    assert round(100 * overall.answered_within_share, 1) == 52.8
    patience = overall.patience
    assert patience is not None
    # README: 173,951 calls waited, 2,511 of them 'other' (left out); 42,302 abandoned
    assert patience.waited == 173_951 - 2_511
    assert patience.abandoned == 42_302


@needs_bank
def test_bank_patience_is_plausible(bank: tuple[CallRecords, CallEstimates]) -> None:
    _, estimates = bank
    patience = {c.channel: c.patience.mean_seconds for c in estimates.channels if c.patience}
    # Several minutes everywhere, well above the abandoned callers' median wait (49 s): most
    # waits end in an answer long before patience runs out.
    for channel, seconds in patience.items():
        assert seconds is not None and 120 < seconds < 1200, channel
    assert patience["ps"] == pytest.approx(435.5, abs=0.1)
    assert patience["nw"] < patience["ps"] < patience["ne"]


@needs_bank
def test_bank_fragment_is_valid_config(bank: tuple[CallRecords, CallEstimates]) -> None:
    _, estimates = bank
    channels = fragment(estimates)
    assert set(channels) == {"ps", "pe", "nw", "ne", "in", "tt"}
    assert all(c.queue_model == "erlang_a" for c in channels.values())
    assert channels["ps"].aht_seconds == 188.8
