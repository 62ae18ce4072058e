"""wfm's forecast on real bank call-centre arrivals, under the protocol of issue 8.

    python benchmarks/forecast_bank.py [--minutes 60] [--peer-python PATH] [--no-autoets]

Protocol (so figures compare): the 5-minute counts of `../shared/data/bank_calls/` are summed
to hours (or quarters) by flooring the time stamp, the 21:00 slot being its own interval.
Folds are the last 8 Monday–Friday weeks lying fully inside the series (2003-07-07 …
2003-08-25); fold k trains on every open interval before its Monday 00:00 and forecasts every
open interval of that week. WAPE_k = Σ|y − ŷ| / Σy over the fold; the table shows the mean
over folds; coverage of the 80% interval is pooled over all scored intervals. Seasonal naive
is the same weekday and interval one week earlier (or the latest earlier open week); the
4-week mean averages the same weekday and interval over the last 4 weeks it was open.

wfm runs exactly as `wfm forecast --history … --backtest-weeks 8 --country US`: every
candidate model is backtested, and each week is forecast by the model with the lowest WAPE
over the 8 weeks before it, with its interval calibrated on those weeks — the row
"wfm (selected per week)" — so nothing is chosen on the weeks it is scored on.

Peers: statsforecast's MSTL (daily and weekly seasons, AutoETS on the trend) and AutoETS
(weekly season), if `statsforecast` imports here or in `--peer-python` (an interpreter of a
separate environment: statsforecast pins pandas < 3, wfm needs pandas 3). They need a gap-free
series: missing days are filled from the same interval one, two or three weeks away.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "bank_calls"
FIRST_FOLD, FOLDS = pd.Timestamp("2003-07-07"), 8


def counts(minutes: int) -> pd.Series:
    raw = pd.read_csv(DATA / "bank_calls_5min.csv", parse_dates=["timestamp"])
    return raw.groupby(raw["timestamp"].dt.floor(f"{minutes}min"))["contacts"].sum().astype(float)


def fold_weeks(y: pd.Series) -> list[tuple[pd.Timestamp, pd.Series, pd.Series]]:
    starts = [FIRST_FOLD + pd.Timedelta(weeks=k) for k in range(FOLDS)]
    week = pd.Timedelta(weeks=1)
    return [(s, y[y.index < s], y[(y.index >= s) & (y.index < s + week)]) for s in starts]


def run_wfm(minutes: int) -> tuple[list[dict[str, object]], float]:
    from wfm.config import ForecastConfig, SiteConfig
    from wfm.forecast import forecast_history

    y = counts(minutes)
    history = pd.DataFrame(
        {"interval_start": y.index, "channel": "phone", "contacts": y.values, "aht_seconds": np.nan}
    )
    started = time.perf_counter()
    result = forecast_history(
        history, minutes, ForecastConfig(backtest_weeks=FOLDS), SiteConfig(country="US")
    )
    seconds = time.perf_counter() - started
    folds = result.backtest_folds
    starts = sorted(pd.to_datetime(folds["fold_start"]).unique())
    expected = [FIRST_FOLD + pd.Timedelta(weeks=k) for k in range(FOLDS)]
    if [pd.Timestamp(s) for s in starts] != expected:
        raise SystemExit(f"wfm's folds {starts} are not the protocol's {expected}")
    # intervals scored per fold, to pool the coverage over all of them
    sizes = {s.date(): len(test) for s, _, test in fold_weeks(y)}
    folds = folds.assign(n=folds["fold_start"].map(sizes))
    rows = []
    for model, part in folds.groupby("model", sort=False):
        rows.append(_row(str(model), part, seconds=None))
    selected = folds[folds["selected"]]
    chosen = ", ".join(f"{m} ×{n}" for m, n in selected["model"].value_counts().items())
    rows.insert(0, _row(f"**wfm (selected per week: {chosen})**", selected, seconds))
    return rows, seconds


def _row(name: str, part: pd.DataFrame, seconds: float | None) -> dict[str, object]:
    return {
        "method": name,
        "wape": float(part["wape"].mean()),
        "coverage": float(np.average(part["coverage80"], weights=part["n"])),
        "folds": [round(float(w), 4) for w in part.sort_values("fold_start")["wape"]],
        "seconds": seconds,
    }


def run_peers(minutes: int, autoets: bool) -> list[dict[str, object]]:
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS

    y = counts(minutes)
    per_day = len(np.unique(y.index.hour * 60 + y.index.minute))
    models = {
        f"statsforecast MSTL ({per_day}, {5 * per_day}) + AutoETS trend": MSTL(
            season_length=[per_day, 5 * per_day], trend_forecaster=AutoETS(model="ZZN")
        )
    }
    if autoets:
        models[f"statsforecast AutoETS (season {5 * per_day})"] = AutoETS(season_length=5 * per_day)
    rows = []
    for name, model in models.items():
        wapes, inside, started = [], [], time.perf_counter()
        for _, train, test in fold_weeks(y):
            filled = _gap_free(train, per_day, minutes)
            frame = pd.DataFrame({"unique_id": "phone", "ds": np.arange(len(filled)), "y": filled})
            predicted = StatsForecast(models=[model], freq=1).forecast(
                df=frame, h=len(test), level=[80]
            )
            column = [c for c in predicted.columns if c not in ("unique_id", "ds")][0]
            mean = predicted[column].to_numpy()
            low = predicted[f"{column}-lo-80"].to_numpy()
            high = predicted[f"{column}-hi-80"].to_numpy()
            actual = test.to_numpy()
            wapes.append(np.abs(actual - mean).sum() / actual.sum())
            inside.append((actual >= low) & (actual <= high))
        rows.append(
            {
                "method": name,
                "wape": float(np.mean(wapes)),
                "coverage": float(np.mean(np.concatenate(inside))),
                "folds": [round(float(w), 4) for w in wapes],
                "seconds": time.perf_counter() - started,
            }
        )
    return rows


def _gap_free(train: pd.Series, per_day: int, minutes: int) -> np.ndarray:
    days = pd.bdate_range(train.index.min().normalize(), train.index.max().normalize())
    offsets = pd.to_timedelta(7 * 60 + minutes * np.arange(per_day), unit="min")
    grid = pd.DatetimeIndex((days.values[:, None] + offsets.values[None, :]).ravel())
    values = train.reindex(grid)
    for weeks in (1, -1, 2, -2, 3, -3):
        values = values.fillna(train.reindex(grid - pd.Timedelta(weeks=weeks)).set_axis(grid))
    return values.to_numpy()


def peers(minutes: int, peer_python: str | None, autoets: bool) -> list[dict[str, object]]:
    try:
        import statsforecast  # noqa: F401

        return run_peers(minutes, autoets)
    except ImportError:
        pass
    if peer_python is None:
        print("(statsforecast not installed: peers skipped; see --peer-python)", file=sys.stderr)
        return []
    command = [peer_python, __file__, "--peers-only", "--minutes", str(minutes)]
    if not autoets:
        command.append("--no-autoets")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=60, choices=(15, 30, 60))
    parser.add_argument("--peer-python", default=None, help="interpreter with statsforecast")
    parser.add_argument("--no-autoets", action="store_true", help="skip the slow AutoETS peer")
    parser.add_argument("--peers-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peers_only:
        print(json.dumps(run_peers(args.minutes, not args.no_autoets)))
        return

    rows, seconds = run_wfm(args.minutes)
    rows += peers(args.minutes, args.peer_python, not args.no_autoets)
    print(f"$ python {' '.join(['benchmarks/forecast_bank.py', *sys.argv[1:]])}")
    print(
        f"bank_calls, {args.minutes}-minute intervals, folds {FIRST_FOLD.date()} + {FOLDS} weeks; "
        f"Python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}"
    )
    print()
    print("| method | WAPE (mean of 8 folds) | 80% coverage (pooled) | wall s | WAPE per fold |")
    print("|---|---:|---:|---:|---|")
    for row in rows:
        wall = "" if row["seconds"] is None else f"{row['seconds']:.1f}"
        folds = " ".join(f"{w:.3f}" for w in row["folds"])  # type: ignore[attr-defined]
        print(f"| {row['method']} | {row['wape']:.4f} | {row['coverage']:.3f} | {wall} | {folds} |")
    print()
    print(f"wfm: all candidates, 16 rolling origins and the planning-week fit in {seconds:.1f} s")


if __name__ == "__main__":
    main()
