"""Model selection, the rolling-origin backtest, calendar features and the config-less command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.calendar_days import public_holidays
from wfm.cli import main
from wfm.config import ForecastConfig, SiteConfig
from wfm.domain import Horizon
from wfm.forecast import (
    FOLD_COLUMNS,
    MeanOfWeeks,
    MSTLForecaster,
    SeasonalNaive,
    forecast_history,
    next_week,
)
from wfm.forecast.backtest import HeldOutWeek, fold_starts, fold_table, select
from wfm.forecast.models import calibrated_alpha, interval_hits

WEEKDAYS = frozenset(range(5))


def weekday_hours(start: str, weeks: int, first: int = 8, last: int = 18) -> pd.DatetimeIndex:
    index = pd.date_range(start, periods=weeks * 7 * 24, freq="h")
    return index[(index.day_of_week < 5) & (index.hour >= first) & (index.hour < last)]


def profile(index: pd.DatetimeIndex, scale: float = 50.0) -> np.ndarray:
    hour = np.asarray(index.hour, dtype=float)
    intraday = np.exp(-((hour - 10.5) ** 2) / 6) + 0.5 * np.exp(-((hour - 15) ** 2) / 4) + 0.3
    weekday = np.array([1.4, 1.1, 1.0, 1.0, 0.9, 0.5, 0.4])[np.asarray(index.day_of_week)]
    return scale * intraday * weekday


def frame(index: pd.DatetimeIndex, contacts: np.ndarray, channel: str = "phone") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "interval_start": index,
            "channel": channel,
            "contacts": np.asarray(contacts, dtype=float),
            "aht_seconds": np.nan,
        }
    )


def week(start: str, actual: list[float], **means: list[float]) -> HeldOutWeek:
    held = HeldOutWeek(pd.Timestamp(start), np.asarray(actual, dtype=float), scale=1.0)
    for name, mean in means.items():
        held.means[name] = np.asarray(mean, dtype=float)
        held.bounds[name] = (held.means[name] * 0.9, held.means[name] * 1.1)
    return held


def test_selection_picks_the_model_that_was_better_in_earlier_weeks() -> None:
    actual = [100.0, 120.0, 80.0]
    earlier = [
        week(f"2024-01-{d:02d}", actual, calendar_glm=[101, 119, 81], mean_4_weeks=[80, 150, 60])
        for d in (1, 8, 15)
    ]

    chosen = select(earlier, ["mean_4_weeks", "calendar_glm"], 0.8)

    assert chosen.model == "calendar_glm"
    assert chosen.scores["calendar_glm"] < chosen.scores["mean_4_weeks"]


def test_a_week_is_never_forecast_by_a_model_chosen_on_that_week() -> None:
    actual = [100.0, 120.0, 80.0]
    weeks = [
        week("2024-01-01", actual, calendar_glm=[100, 120, 80], mean_4_weeks=[50, 60, 40]),
        week("2024-01-08", actual, calendar_glm=[101, 119, 81], mean_4_weeks=[55, 65, 45]),
        # in the scored week the other model happens to be better
        week("2024-01-15", actual, calendar_glm=[60, 70, 50], mean_4_weeks=[100, 120, 80]),
    ]

    folds = fold_table(weeks, 1, 8, ["calendar_glm", "mean_4_weeks"])

    assert list(folds.columns) == list(FOLD_COLUMNS[1:])
    chosen = folds.set_index("model")
    assert bool(chosen.loc["calendar_glm", "selected"])
    assert not bool(chosen.loc["mean_4_weeks", "selected"])
    assert chosen.loc["mean_4_weeks", "wape"] == 0


def test_calibrated_interval_covers_its_level() -> None:
    rng = np.random.default_rng(11)
    mean = rng.uniform(20, 400, 4000)
    alpha = 0.04
    actual = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mean))

    fitted = calibrated_alpha(actual[:2000], mean[:2000], 0.8)

    assert fitted == pytest.approx(alpha, rel=0.25)
    assert 0.77 <= interval_hits(actual[2000:], mean[2000:], fitted, 0.8).mean() <= 0.83


def test_fold_weeks_are_the_last_whole_working_weeks() -> None:
    ends_friday = weekday_hours("2024-01-01", 10)  # Mon 1 Jan .. Fri 8 Mar
    ends_wednesday = ends_friday[ends_friday < pd.Timestamp("2024-03-07")]

    assert fold_starts(ends_friday, WEEKDAYS, 2) == [
        pd.Timestamp("2024-02-26"),
        pd.Timestamp("2024-03-04"),
    ]
    assert fold_starts(ends_wednesday, WEEKDAYS, 1) == [pd.Timestamp("2024-02-26")]
    # fold weeks need four weeks of training before them
    assert fold_starts(ends_friday, WEEKDAYS, 20)[0] == pd.Timestamp("2024-01-29")


def test_missing_day_does_not_drag_the_baselines_down() -> None:
    index = weekday_hours("2024-01-01", 6)
    y = pd.Series(profile(index), index=index)
    missing_tuesday = (index >= "2024-01-30") & (index < "2024-01-31")
    target = pd.DataFrame(index=weekday_hours("2024-02-12", 1))
    truth = profile(pd.DatetimeIndex(target.index))

    for baseline in (SeasonalNaive(), MeanOfWeeks(), MSTLForecaster()):
        fitted = baseline.fit(y[~missing_tuesday], pd.DataFrame(index=index[~missing_tuesday]))
        predicted = fitted.predict(target, 0.8)["mean"].to_numpy()
        np.testing.assert_allclose(predicted, truth, rtol=0.02, err_msg=baseline.name)


def month_turn_history() -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    """Weekday hours for 30 weeks; the last and first three working days of each month run
    at 1.3×, and 27 May 2024 (Memorial Day) is closed with a 1.4× catch-up the day after."""
    rng = np.random.default_rng(21)
    index = weekday_hours("2024-01-01", 30)
    days = pd.DatetimeIndex(index.normalize())
    working = pd.DatetimeIndex(sorted(set(days))).difference([pd.Timestamp("2024-05-27")])
    by_month = pd.Series(working, index=working).groupby(working.to_period("M"))
    turn = pd.DatetimeIndex([d for _, month in by_month for d in [month.iloc[-1], *month.iloc[:3]]])
    rate = profile(index) * np.where(days.isin(turn), 1.3, 1.0)
    rate *= np.where(days == pd.Timestamp("2024-05-28"), 1.4, 1.0)
    keep = days != pd.Timestamp("2024-05-27")
    return frame(index[keep], rng.poisson(rate[keep])), turn


@pytest.fixture(scope="module")
def month_turn_result():
    history, turn = month_turn_history()
    settings = ForecastConfig(
        backtest_weeks=3,
        selection_weeks=4,
        models=["calendar_glm", "calendar_glm+month_turn+catch_up", "mean_4_weeks"],
    )
    result = forecast_history(history, 60, settings, SiteConfig(country="US"))
    return result, turn


def test_selection_keeps_month_turn_features_where_they_pay(month_turn_result) -> None:
    result, _ = month_turn_result
    folds = result.backtest_folds
    chosen = folds[folds["selected"]]

    assert len(chosen) == 3 and set(chosen["model"]) == {"calendar_glm+month_turn+catch_up"}
    by_model = folds.groupby("model")["wape"].mean()
    assert by_model["calendar_glm+month_turn+catch_up"] < by_model["calendar_glm"]
    assert result.backtest["model"].iloc[0] == "calendar_glm+month_turn+catch_up"


def test_month_turn_uplift_is_forecast(month_turn_result) -> None:
    result, _ = month_turn_result
    daily = result.frame.groupby(result.frame["interval_start"].dt.date)["contacts"].sum()
    # the planning week starts Mon 29 Jul: Wed 31 Jul, Thu 1 Aug, Fri 2 Aug are month-turn days
    assert next_week(month_turn_history()[0]).start == dt.date(2024, 7, 29)
    uplift = daily[dt.date(2024, 7, 31)] / (
        daily[dt.date(2024, 7, 30)]
        * profile(pd.DatetimeIndex(["2024-07-31"])).sum()
        / profile(pd.DatetimeIndex(["2024-07-30"])).sum()
    )
    assert 1.15 < uplift < 1.45


def test_config_less_forecast_closes_on_holidays_it_was_closed_on() -> None:
    history, _ = month_turn_history()
    holidays = public_holidays(SiteConfig(country="US"), dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    history = history[~history["interval_start"].dt.date.isin(set(holidays))]
    horizon = Horizon(dt.date(2024, 9, 2), 7, 60)  # Labor Day Monday
    settings = ForecastConfig(backtest_weeks=0, selection_weeks=2, models=["calendar_glm"])

    result = forecast_history(history, 60, settings, SiteConfig(country="US"), horizon)

    frame_ = result.frame.set_index("interval_start")
    assert (frame_.loc["2024-09-02", ["contacts", "lower", "upper"]].to_numpy() == 0).all()
    assert (frame_.loc["2024-09-07":"2024-09-08", "contacts"] == 0).all()  # weekend: closed
    assert (frame_.loc["2024-09-03 08:00":"2024-09-03 17:00", "contacts"] > 0).all()
    assert (frame_.loc["2024-09-03 18:00":"2024-09-03 23:00", "contacts"] == 0).all()
    assert (result.frame[["contacts", "lower", "upper"]].to_numpy() >= 0).all()


def test_backtest_command_without_a_config_writes_the_exact_columns(tmp_path: Path) -> None:
    rng = np.random.default_rng(31)
    index = weekday_hours("2024-01-01", 9)
    rows = pd.concat(
        [
            frame(index, rng.poisson(profile(index)), "phone").assign(aht_seconds=300.0),
            frame(index, rng.poisson(profile(index, 10.0)), "chat"),
        ]
    ).rename(columns={"interval_start": "timestamp"})
    rows = rows.drop(index=rows.index[rows["timestamp"].dt.date == dt.date(2024, 2, 14)])
    path = tmp_path / "history.csv"
    rows.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S")
    out = tmp_path / "out"

    done = CliRunner().invoke(
        main,
        ["forecast", "--history", str(path), "--interval", "60", "--backtest-weeks", "2"]
        + ["--out", str(out), "--quiet", "--backtest"],
    )

    assert done.exit_code == 0, done.output
    backtest = pd.read_csv(out / "backtest.csv")
    assert list(backtest.columns) == list(FOLD_COLUMNS)
    assert set(backtest["channel"]) == {"phone", "chat"}
    assert {"seasonal_naive", "mean_4_weeks", "mstl", "calendar_glm"} <= set(backtest["model"])
    assert backtest["fold_start"].nunique() == 2
    per_fold = backtest.groupby(["channel", "fold_start"])["selected"].sum()
    assert (per_fold == 1).all()
    assert (out / "forecast.png").stat().st_size > 10_000
    forecast_ = pd.read_csv(out / "forecast.csv", parse_dates=["interval_start"])
    assert forecast_["interval_start"].min() == pd.Timestamp("2024-03-04")
    phone = forecast_[forecast_["channel"] == "phone"]
    assert (phone.loc[phone["contacts"] > 0, "aht_seconds"] == 300).all()
    assert forecast_.loc[forecast_["channel"] == "chat", "aht_seconds"].isna().all()


def test_time_limit_drops_the_earliest_backtest_weeks_and_says_so() -> None:
    history, _ = month_turn_history()
    settings = ForecastConfig(
        backtest_weeks=4, selection_weeks=4, models=["calendar_glm"], time_limit_seconds=1e-6
    )
    messages: list[str] = []

    result = forecast_history(history, 60, settings, progress=messages.append)

    assert result.backtest_folds["fold_start"].nunique() == 1  # the latest week only
    assert any("time limit" in m for m in messages)
    assert (result.frame["contacts"] > 0).any()
