"""Domain types: agents, their wishes, the planning horizon and each stage's result.

Stages exchange pandas DataFrames in long form whose columns are the output contract
(the *_COLUMNS tuples below); the result objects wrap those frames with run facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wfm.timeutil import parse_weekday, parse_window

FORECAST_COLUMNS = ("interval_start", "channel", "contacts", "lower", "upper", "aht_seconds")
REQUIREMENT_COLUMNS = (
    "interval_start",
    "channel",
    "contacts",
    "aht_seconds",
    "agents_needed",
    "staff_needed",
    "expected_service_level",
    "expected_asa_seconds",
    "occupancy",
)
ROSTER_COLUMNS = ("agent_id", "date", "shift_start", "shift_end", "paid_minutes", "breaks")
ASSIGNMENT_COLUMNS = ("interval_start", "agent_id", "activity")
COVERAGE_COLUMNS = (
    "interval_start",
    "channel",
    "required",
    "scheduled",
    "gap",
    "expected_service_level",
)
SIMULATION_COLUMNS = (
    "interval_start",
    "channel",
    "offered",
    "service_level",
    "service_level_low",
    "service_level_high",
    "asa_seconds",
    "abandon_rate",
    "meets_target",
)
BREAK_ACTIVITY = "break"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Agent(_Frozen):
    id: str = Field(min_length=1)
    name: str = ""
    team: str | None = None
    skills: tuple[str, ...] = Field(min_length=1, description="channels the agent may serve")
    contract: str = "full_time"

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


DayRef = dt.date | str  # a date, or a weekday name that applies to every such day in the horizon


def _normalise_days(value: Any) -> tuple[DayRef, ...]:
    items = value if isinstance(value, list | tuple) else [value]
    days: list[DayRef] = []
    for item in items:
        if isinstance(item, dt.date):
            days.append(item)
        else:
            text = str(item).strip()
            try:
                days.append(dt.date.fromisoformat(text))
            except ValueError:
                parse_weekday(text)
                days.append(text.lower()[:3])
    return tuple(days)


class Wish(_Frozen):
    """One soft wish. Exactly one of day_off / shift / avoid_shift / start_window is set."""

    day_off: bool | None = None
    shift: str | None = Field(None, description="shift template wanted on the days")
    avoid_shift: str | None = Field(None, description="shift template not wanted on the days")
    start_window: str | None = Field(None, description="'HH:MM-HH:MM': start within it")
    days: tuple[DayRef, ...] = ()
    priority: int = Field(1, ge=1, le=10)
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        # `day_off: fri` is the natural way to write it; `day:` is accepted beside `days:`.
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "day" in data:
            if "days" in data:
                raise ValueError("give either 'day' or 'days', not both")
            data["days"] = data.pop("day")
        if "day_off" in data and not isinstance(data["day_off"], bool):
            if "days" in data:
                raise ValueError("'day_off: DAY' already names the day; drop 'days'")
            data["days"] = data["day_off"]
            data["day_off"] = True
        if "days" in data:
            data["days"] = _normalise_days(data["days"])
        return data

    @field_validator("start_window")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        if value is not None:
            parse_window(value)
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Wish:
        kinds = [k for k in ("day_off", "shift", "avoid_shift", "start_window") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError(
                "a wish needs exactly one of day_off, shift, avoid_shift, start_window"
            )
        if not self.days:
            raise ValueError("a wish needs the day(s) it applies to ('day' or 'days')")
        return self

    @property
    def kind(self) -> str:
        for kind in ("day_off", "shift", "avoid_shift", "start_window"):
            if getattr(self, kind):
                return kind
        raise AssertionError("validated wish without a kind")

    def describe(self) -> str:
        days = ",".join(str(d) for d in self.days)
        if self.day_off:
            return f"day off {days}"
        if self.shift:
            return f"shift {self.shift} on {days}"
        if self.avoid_shift:
            return f"no {self.avoid_shift} shift on {days}"
        return f"start {self.start_window} on {days}"


class Unavailability(_Frozen):
    """Time an agent cannot work (hard): a whole day, or a window of it, with a reason."""

    days: tuple[DayRef, ...]
    time: str | None = Field(None, description="'HH:MM-HH:MM'; the whole day when absent")
    reason: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and "day" in data:
            data = dict(data)
            if "days" in data:
                raise ValueError("give either 'day' or 'days', not both")
            data["days"] = data.pop("day")
        if isinstance(data, dict) and "days" in data:
            data = {**data, "days": _normalise_days(data["days"])}
        return data

    @field_validator("time")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        if value is not None:
            parse_window(value)
        return value

    def describe(self) -> str:
        days = ",".join(str(d) for d in self.days)
        return f"unavailable {days} {self.time}" if self.time else f"unavailable {days} all day"


class AgentPreferences(_Frozen):
    """The contents of one `data/preferences/<agent_id>.yaml` file."""

    agent_id: str
    week: dt.date | None = Field(
        None, description="the first day of the week (site.week_starts_on); absent = standing"
    )
    wishes: tuple[Wish, ...] = ()
    unavailable: tuple[Unavailability, ...] = ()

    @field_validator("agent_id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("wishes", "unavailable", mode="before")
    @classmethod
    def _empty_list(cls, value: Any) -> Any:
        # `wishes:` with only commented-out examples under it (the starter file) reads as null.
        return () if value is None else value


class LockedShift(_Frozen):
    """A planner's pin: this agent works this shift (or is off) on this date, whatever else."""

    agent_id: str
    date: dt.date
    shift: str | None = Field(None, description="shift template; None = locked day off")
    start: str | None = Field(None, description="'HH:MM' start; any allowed start when absent")


class ShiftCover(_Frozen):
    """Demand stated per day and shift template (heads on that shift) instead of per interval."""

    date: dt.date
    shift: str
    required: int = Field(ge=0)
    under_weight: float = Field(ge=0, description="per missing head")
    over_weight: float = Field(ge=0, description="per surplus head")


@dataclass(frozen=True)
class Horizon:
    """The days being planned, cut into equal intervals."""

    start: dt.date
    days: int
    interval_minutes: int

    @property
    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    @property
    def end(self) -> dt.date:
        """The first day after the horizon."""
        return self.start + dt.timedelta(days=self.days)

    @property
    def intervals_per_day(self) -> int:
        return 24 * 60 // self.interval_minutes

    def intervals(self) -> pd.DatetimeIndex:
        return pd.date_range(
            pd.Timestamp(self.start),
            periods=self.days * self.intervals_per_day,
            freq=pd.Timedelta(minutes=self.interval_minutes),
        )

    def resolve_days(self, refs: tuple[DayRef, ...]) -> list[dt.date]:
        """Dates in the horizon that a tuple of dates / weekday names refers to."""
        wanted: list[dt.date] = []
        for ref in refs:
            if isinstance(ref, dt.date):
                if self.start <= ref < self.end:
                    wanted.append(ref)
            else:
                weekday = parse_weekday(ref)
                wanted.extend(d for d in self.dates if d.weekday() == weekday)
        return sorted(set(wanted))


@dataclass(frozen=True)
class ForecastResult:
    """Forecast per channel and interval (FORECAST_COLUMNS) plus how the model scored.

    `backtest` is one row per channel for the model used (wfm.forecast.BACKTEST_COLUMNS);
    `backtest_folds` one row per channel, model and held-out week (wfm.forecast.FOLD_COLUMNS).
    """

    frame: pd.DataFrame
    backtest: pd.DataFrame = field(default_factory=pd.DataFrame)
    model_names: dict[str, str] = field(default_factory=dict)
    backtest_folds: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class RosterResult:
    """The solved roster and how good it is."""

    status: str
    objective: float
    best_bound: float
    wall_seconds: float
    shifts: pd.DataFrame  # ROSTER_COLUMNS (+ agent_name, shift)
    assignments: pd.DataFrame  # ASSIGNMENT_COLUMNS
    coverage: pd.DataFrame  # COVERAGE_COLUMNS
    wishes: pd.DataFrame  # agent_id, wish, priority, granted, reason
    penalties: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative gap between the roster's objective and the solver's proven bound."""
        if self.objective == 0:
            return 0.0
        return abs(self.objective - self.best_bound) / max(abs(self.objective), 1e-9)


@dataclass(frozen=True)
class ServiceCheck:
    """The roster played against simulated contacts: the service it really delivers.

    `intervals` has SIMULATION_COLUMNS; `channels` one row per channel over the horizon:
    channel, offered, service_level(+_low/_high), asa_seconds, abandon_rate, target_sl,
    intervals_with_contacts, intervals_missed.
    """

    intervals: pd.DataFrame
    channels: pd.DataFrame
    replications: int
    confidence: float
    handle_time: str
    wall_seconds: float = 0.0


@dataclass(frozen=True)
class PlanResult:
    """Everything one `wfm plan` run produced, ready for export."""

    horizon: Horizon
    forecast: ForecastResult
    requirements: pd.DataFrame  # REQUIREMENT_COLUMNS
    roster: RosterResult
    agents: tuple[Agent, ...]
    inputs: dict[str, str] = field(default_factory=dict)  # what the plan was made from
    preferences: dict[str, AgentPreferences] = field(default_factory=dict)  # used, by agent id
    simulation: ServiceCheck | None = None  # None when the config turns the check off
