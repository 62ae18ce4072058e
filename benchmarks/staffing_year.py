"""Staffing for a year of 15-minute intervals × 5 channels (175,200 intervals), timed.

    python benchmarks/staffing_year.py [--sample 2000] [--repeat 3]

Times, on the same synthetic year (intraday, weekly and yearly profile; up to ~540 Erlangs):
1. `voice_requirements` (Erlang C: fewest agents for 80/20 and 85% occupancy, then SL, ASA and
   occupancy at that staffing) on all 175,200 intervals at once;
2. `erlang_a_requirements` (Erlang A, 120 s patience) on the same intervals;
3. `compute_requirements`, the stage itself, for a 5-channel config (3 voice, one of them
   Erlang A, 1 chat, 1 deferred);
4. pyworkforce's `ErlangC.required_positions` on a random sample of the voice intervals, if
   pyworkforce imports (it is not a wfm dependency: `pip install pyworkforce`), side by side
   with wfm on that same sample, checking both give the same agents; the ratio is per interval.
Prints a table and the command that made it.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np
import pandas as pd

from wfm.config import Config
from wfm.domain import FORECAST_COLUMNS
from wfm.staffing import compute_requirements, erlang_a_requirements, voice_requirements

INTERVAL_SECONDS = 900.0
CHANNELS = {
    # name: (kind, calls per 15 min at the daily peak, AHT s, extra config)
    "phone": ("voice", 900.0, 300.0, {}),
    "phone_vip": ("voice", 60.0, 420.0, {"queue_model": "erlang_a", "patience_seconds": 120}),
    "phone_en": ("voice", 5.0, 360.0, {}),
    "chat": ("chat", 300.0, 600.0, {"concurrency": 2}),
    "email": ("deferred", 200.0, 240.0, {"response_minutes": 240}),
}


def synthetic_year() -> pd.DataFrame:
    """A year of 15-minute forecasts for every channel, in FORECAST_COLUMNS."""
    starts = pd.date_range("2025-01-06", periods=365 * 96, freq="15min")
    hour = np.asarray(starts.hour + starts.minute / 60.0)
    daily = np.exp(-0.5 * ((hour - 11.0) / 2.5) ** 2) + 0.7 * np.exp(
        -0.5 * ((hour - 15.5) / 2.0) ** 2
    )
    daily *= (hour >= 7) & (hour < 22)
    weekly = np.array([1.15, 1.0, 0.95, 0.95, 1.0, 0.6, 0.45])[starts.day_of_week]
    yearly = 1.0 + 0.15 * np.cos(2 * np.pi * np.asarray(starts.day_of_year) / 365.0)
    rng = np.random.default_rng(2025)
    frames = []
    for name, (_, peak, aht, _) in CHANNELS.items():
        calls = peak * daily * weekly * yearly * rng.lognormal(0.0, 0.1, starts.size)
        frames.append(
            pd.DataFrame(
                {
                    "interval_start": starts,
                    "channel": name,
                    "contacts": calls,
                    "lower": calls,
                    "upper": calls,
                    "aht_seconds": aht * rng.uniform(0.9, 1.1, starts.size),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).loc[:, list(FORECAST_COLUMNS)]


def config() -> Config:
    channels = {}
    for name, (kind, _, aht, extra) in CHANNELS.items():
        channels[name] = {
            "kind": kind,
            "aht_seconds": aht,
            "hours": "07:00-22:00",
            "service": {"target": 0.8, "answer_seconds": 20},
            "max_occupancy": 0.85,
            "shrinkage": 0.3,
            **extra,
        }
    return Config.model_validate(
        {
            "site": {"country": None},
            "planning": {"interval_minutes": 15, "days": 7},
            "channels": channels,
            "shifts": [
                {
                    "name": "day",
                    "length_minutes": 480,
                    "earliest_start": "07:00",
                    "latest_start": "14:00",
                }
            ],
        }
    )


def best_of(repeat: int, run) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=2000, help="intervals for pyworkforce")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    forecast = synthetic_year()
    cfg = config()
    phone = forecast[forecast.channel == "phone"]
    # every channel's intervals through one vectorised call: 175,200 loads
    traffic = (forecast.contacts * forecast.aht_seconds / INTERVAL_SECONDS).to_numpy()
    aht = forecast.aht_seconds.to_numpy()
    rows: list[tuple[str, int, float]] = []

    erlang_c_s = best_of(
        args.repeat,
        lambda: voice_requirements(traffic, aht, 20, target_sl=0.8, max_occupancy=0.85),
    )
    rows.append(("Erlang C voice_requirements (80/20, occ 85%)", traffic.size, erlang_c_s))
    erlang_a_s = best_of(
        args.repeat,
        lambda: erlang_a_requirements(traffic, aht, 20, 120, target_sl=0.8, max_occupancy=0.85),
    )
    rows.append(("Erlang A erlang_a_requirements (patience 120 s)", traffic.size, erlang_a_s))
    stage_s = best_of(args.repeat, lambda: compute_requirements(forecast, cfg))
    rows.append(("compute_requirements, 5 channels (C, A, chat, deferred)", len(forecast), stage_s))

    print(f"# staffing a year: {len(forecast):,} intervals (365 days x 96 x {len(CHANNELS)})")
    print(f"python {' '.join(sys.argv)}   # {platform.python_version()}, {platform.machine()}")
    print(f"{'what':58} {'intervals':>9} {'seconds':>8} {'us/interval':>12}")
    for what, count, seconds in rows:
        print(f"{what:58} {count:>9,} {seconds:8.3f} {1e6 * seconds / count:12.2f}")
    busiest = traffic.max()
    print(f"offered load per interval: {traffic[traffic > 0].min():.3g} to {busiest:,.0f} Erlangs")

    try:
        from pyworkforce.queuing import ErlangC
    except ImportError:
        print("pyworkforce: not importable here (pip install pyworkforce); no side-by-side run")
        return
    rng = np.random.default_rng(7)
    busy = phone[phone.contacts > 0]
    sample = busy.iloc[rng.choice(len(busy), size=min(args.sample, len(busy)), replace=False)]
    calls, handle = sample.contacts.to_numpy(), sample.aht_seconds.to_numpy()
    theirs: list[int] = []
    started = time.perf_counter()
    for count, seconds in zip(calls, handle, strict=True):
        queue = ErlangC(transactions=count, aht=seconds / 60, asa=20 / 60, interval=15)
        theirs.append(
            queue.required_positions(service_level=0.8, max_occupancy=0.85)["raw_positions"]
        )
    their_s = time.perf_counter() - started
    load = calls * handle / INTERVAL_SECONDS
    ours_s = best_of(
        args.repeat, lambda: voice_requirements(load, handle, 20, target_sl=0.8, max_occupancy=0.85)
    )
    ours = voice_requirements(load, handle, 20, target_sl=0.8, max_occupancy=0.85).agents_needed
    same = int(np.sum(np.asarray(theirs) == ours))
    per_theirs, per_ours = their_s / len(sample), ours_s / len(sample)
    per_year = erlang_c_s / traffic.size
    print(
        f"pyworkforce ErlangC.required_positions: {len(sample):,} phone intervals "
        f"({load.min():.0f}-{load.max():.0f} Erlangs) in {their_s:.3f} s = "
        f"{1e6 * per_theirs:.1f} us/interval; wfm on the same sample {1e6 * per_ours:.1f} "
        f"us/interval (x{per_theirs / per_ours:,.0f}), over the whole year "
        f"{1e6 * per_year:.2f} us/interval (x{per_theirs / per_year:,.0f}); "
        f"same agents in {same} of {len(sample)} intervals"
    )
    print(
        f"pyworkforce, extrapolated to the year's {traffic.size:,} intervals: "
        f"{per_theirs * traffic.size:,.0f} s"
    )


if __name__ == "__main__":
    main()
