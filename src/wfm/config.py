"""The planner's configuration (`configs/wfm.yaml`) as one validated, immutable model.

Every option has its default here, with a note on what it means; the demo config shows each
option once. Times are local clock times ('HH:MM'); weekdays are mon..sun.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wfm.timeutil import WEEKDAYS, parse_clock, parse_weekday, parse_window


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Clock = Annotated[str, Field(pattern=r"^\d{1,2}:\d{2}$")]


def _clock(value: str) -> str:
    parse_clock(value)
    return value


class ChannelKind(StrEnum):
    VOICE = "voice"  # calls queue in real time: Erlang C
    CHAT = "chat"  # real-time with concurrency: an agent holds several chats
    DEFERRED = "deferred"  # email / social posts: answered within a response-time goal


class ServiceTarget(Frozen):
    """Answer `target` share of contacts within `answer_seconds` and/or keep ASA low."""

    target: float | None = Field(0.8, gt=0, lt=1, description="share answered in time")
    answer_seconds: float = Field(20, gt=0, description="threshold T of 'X% in T s'")
    asa_seconds: float | None = Field(None, gt=0, description="average speed of answer goal")


class ChannelConfig(Frozen):
    kind: ChannelKind
    label: str | None = None
    aht_seconds: float = Field(gt=0, description="average handling time when history has none")
    hours: str | dict[str, str | list[str]] = Field(
        "08:00-21:00",
        description="opening hours: 'HH:MM-HH:MM' every day (up to 24:00 = midnight), or per "
        "weekday (mon..sun, 'default'); a day may have several windows or be 'closed'; "
        "'learn' reads them off the recent weeks of history (wfm.opening)",
    )
    dated_hours: dict[dt.date, str | list[str]] = Field(
        default_factory=dict,
        description="opening hours on given dates, in place of their weekday's and over a "
        "holiday closure: e.g. {2026-11-11: '08:00-24:00', 2026-12-31: '08:00-18:00', "
        "2026-10-01: closed}",
    )
    service: ServiceTarget = ServiceTarget()
    max_occupancy: float = Field(0.85, gt=0, le=1)
    shrinkage: float = Field(0.30, ge=0, lt=1, description="share of paid time not on contacts")
    concurrency: int = Field(1, ge=1, le=10, description="chats an agent holds at once")
    min_agents: int = Field(
        0,
        ge=0,
        description="agents on contacts whenever the channel is open, however quiet the "
        "forecast (e.g. 2: nobody holds the hotline alone)",
    )
    response_minutes: float | None = Field(
        None, gt=0, description="deferred channels: every item answered within this many minutes"
    )
    queue_model: Literal["erlang_c", "erlang_a"] = Field(
        "erlang_c",
        description="voice/chat queue model: erlang_c (nobody hangs up) or erlang_a (callers "
        "hang up after patience_seconds on average; Erlang C overstaffs when they do)",
    )
    patience_seconds: float | None = Field(
        None, gt=0, description="erlang_a: callers' mean patience before hanging up, seconds"
    )

    @field_validator("hours")
    @classmethod
    def _check_hours(cls, value: str | dict[str, str | list[str]]) -> Any:
        if value != LEARN_HOURS:
            opening_hours(value)
        return value

    @field_validator("dated_hours")
    @classmethod
    def _check_dated_hours(
        cls, value: dict[dt.date, str | list[str]]
    ) -> dict[dt.date, str | list[str]]:
        for day, spec in value.items():
            try:
                opening_hours({"default": spec})
            except ValueError as exc:
                raise ValueError(f"{day}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _check_kind(self) -> ChannelConfig:
        if self.kind is ChannelKind.DEFERRED and self.response_minutes is None:
            raise ValueError("a deferred channel needs response_minutes")
        if (
            self.kind is not ChannelKind.DEFERRED
            and self.service.target is None
            and (self.service.asa_seconds is None)
        ):
            raise ValueError("service needs a target (share in time) or asa_seconds")
        if self.queue_model == "erlang_a" and self.patience_seconds is None:
            raise ValueError("queue_model erlang_a needs patience_seconds")
        if self.queue_model == "erlang_a" and self.kind is ChannelKind.DEFERRED:
            raise ValueError("a deferred channel is worked from a backlog; use erlang_c")
        return self

    def windows(self) -> dict[int, list[tuple[int, int]]]:
        return opening_hours(self.hours)

    def dated_windows(self) -> dict[dt.date, list[tuple[int, int]]]:
        """The windows of each date in `dated_hours` (empty when closed that day)."""
        return {day: opening_hours({"default": spec})[0] for day, spec in self.dated_hours.items()}


LEARN_HOURS = "learn"  # `hours: learn`: wfm.opening.resolve_learned_hours fills them in


def _weekdays(value: list[str]) -> list[str]:
    """Check every name is a weekday (mon..sun, or spelt out); the names stay as written."""
    for day in value:
        parse_weekday(day)
    return value


def opening_hours(spec: str | dict[str, str | list[str]]) -> dict[int, list[tuple[int, int]]]:
    """Normalise an opening-hours spec to weekday -> sorted, non-overlapping windows.

    Windows are 'HH:MM-HH:MM' with the end after the start; '24:00' ends a window at midnight.
    `learn` is not a spec but a request: it must be resolved from history first, and asking
    for its windows is an error rather than a silently closed channel.
    """
    if spec == LEARN_HOURS:
        raise ValueError(
            "opening hours 'learn' have not been learned yet: call "
            "wfm.opening.resolve_learned_hours(config, history) before using the channel's hours"
        )

    def windows(value: str | list[str]) -> list[tuple[int, int]]:
        items = [value] if isinstance(value, str) else list(value)
        if items in (["closed"], []):
            return []
        parsed = sorted(parse_window(item) for item in items)
        for (_, end), (start, _) in zip(parsed, parsed[1:], strict=False):
            if start < end:
                raise ValueError("opening windows on one day overlap")
        return parsed

    if isinstance(spec, str):
        return {day: windows(spec) for day in range(7)}
    unknown = set(spec) - set(WEEKDAYS) - {"default"}
    if unknown:
        raise ValueError(f"unknown day(s) {sorted(unknown)}; use default, {', '.join(WEEKDAYS)}")
    default = windows(spec.get("default", "closed"))
    result = {day: default for day in range(7)}
    for key, value in spec.items():
        if key != "default":
            result[parse_weekday(key)] = windows(value)
    return result


class BreakRule(Frozen):
    """A break placed inside a shift, starting between the two offsets from the shift start."""

    name: str = "lunch"
    length_minutes: int = Field(gt=0)
    earliest_start_after_minutes: int = Field(ge=0)
    latest_start_after_minutes: int = Field(ge=0)
    paid: bool = False

    @model_validator(mode="after")
    def _check_window(self) -> BreakRule:
        if self.latest_start_after_minutes < self.earliest_start_after_minutes:
            raise ValueError("latest_start_after_minutes is before earliest_start_after_minutes")
        return self


class ShiftTemplate(Frozen):
    """A kind of shift: its length, the start times allowed and the days it may be worked."""

    name: str
    length_minutes: int = Field(gt=0, le=16 * 60, description="from start to end, breaks included")
    earliest_start: Clock
    latest_start: Clock
    start_step_minutes: int = Field(60, gt=0)
    days: list[str] = Field(default_factory=lambda: list(WEEKDAYS))
    breaks: list[BreakRule] = Field(default_factory=list)
    family: str | None = Field(None, description="early/late/... used for colours and fairness")

    @field_validator("earliest_start", "latest_start")
    @classmethod
    def _check_clock(cls, value: str) -> str:
        return _clock(value)

    @field_validator("days")
    @classmethod
    def _check_days(cls, value: list[str]) -> list[str]:
        return _weekdays(value)

    @model_validator(mode="after")
    def _check_starts(self) -> ShiftTemplate:
        if parse_clock(self.latest_start) < parse_clock(self.earliest_start):
            raise ValueError("latest_start is before earliest_start")
        for rule in self.breaks:
            if rule.latest_start_after_minutes + rule.length_minutes > self.length_minutes:
                raise ValueError(f"break '{rule.name}' can end after the shift ends")
        return self

    @property
    def paid_minutes(self) -> int:
        return self.length_minutes - sum(b.length_minutes for b in self.breaks if not b.paid)

    def start_minutes(self) -> list[int]:
        first, last = parse_clock(self.earliest_start), parse_clock(self.latest_start)
        return list(range(first, last + 1, self.start_step_minutes))

    def weekdays(self) -> set[int]:
        return {parse_weekday(day) for day in self.days}


class Contract(Frozen):
    """Working-time terms an agent is employed on. Limits left out do not apply."""

    min_hours_per_week: float = Field(0, ge=0)
    max_hours_per_week: float = Field(40, gt=0)
    max_days_per_week: int = Field(5, ge=0, le=7)
    min_hours_total: float | None = Field(None, ge=0, description="over the whole horizon")
    max_hours_total: float | None = Field(None, ge=0, description="over the whole horizon")
    shifts: list[str] | None = Field(None, description="shift templates allowed; None = all")
    max_shifts: dict[str, int] = Field(
        default_factory=dict, description="per shift template: most shifts over the horizon"
    )
    max_consecutive_days: int | None = Field(None, ge=1, description="longest run of work days")
    # Runs that touch the first or last day of the horizon are exempt from the two minimums:
    # they continue into weeks that are not being planned.
    min_consecutive_days: int | None = Field(None, ge=1, description="shortest run of work days")
    min_consecutive_days_off: int | None = Field(None, ge=1, description="shortest run of days off")
    max_weekends: int | None = Field(
        None, ge=0, description="weekends (Saturday and/or Sunday) worked over the horizon"
    )

    @model_validator(mode="after")
    def _check_hours(self) -> Contract:
        if self.max_hours_per_week < self.min_hours_per_week:
            raise ValueError("max_hours_per_week is below min_hours_per_week")
        if (
            self.max_hours_total is not None
            and self.min_hours_total is not None
            and self.max_hours_total < self.min_hours_total
        ):
            raise ValueError("max_hours_total is below min_hours_total")
        return self


class ForbiddenSequence(Frozen):
    """A shift that may not be followed the next day by another (e.g. late then early)."""

    first: str
    then: str


class LabourRules(Frozen):
    min_rest_hours: float = Field(11, ge=0, description="between the end of one shift and the next")
    forbidden_sequences: list[ForbiddenSequence] = Field(default_factory=list)


class DailyPeak(Frozen):
    """A window weighted higher every matching weekday (e.g. weekdays 10:00-11:00)."""

    name: str | None = None
    days: list[str] = Field(default_factory=lambda: list(WEEKDAYS[:5]))
    start: Clock
    end: Clock
    weight: float = Field(2.0, ge=1)

    @model_validator(mode="after")
    def _check(self) -> DailyPeak:
        _weekdays(self.days)
        parse_window(f"{self.start}-{self.end}")
        return self


class DatedPeak(Frozen):
    """A run of dates weighted higher (e.g. a promotion week)."""

    name: str
    start_date: dt.date
    end_date: dt.date
    weight: float = Field(1.5, ge=1)

    @model_validator(mode="after")
    def _check(self) -> DatedPeak:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class Peaks(Frozen):
    daily: list[DailyPeak] = Field(default_factory=list)
    dated: list[DatedPeak] = Field(default_factory=list)


class CalendarEvent(Frozen):
    """A promotion or other dated event that lifts (or lowers) contact volume.

    Give `annual: 'MM-DD'` for an event every year (618, Double-11) or explicit `dates`.
    The days before and after are modelled as build-up and after-days of the same event.
    """

    name: str
    annual: str | None = Field(None, pattern=r"^\d{2}-\d{2}$")
    dates: list[dt.date] = Field(default_factory=list)
    days_before: int = Field(0, ge=0, le=14)
    days_after: int = Field(0, ge=0, le=14)

    @model_validator(mode="after")
    def _check(self) -> CalendarEvent:
        if self.annual is None and not self.dates:
            raise ValueError("an event needs 'annual: MM-DD' or a list of 'dates'")
        if self.annual is not None:
            month, day = (int(x) for x in self.annual.split("-"))
            dt.date(2024, month, day)  # raises on 02-30 and the like
        return self

    def occurrences(self, first_year: int, last_year: int) -> list[dt.date]:
        days = list(self.dates)
        if self.annual is not None:
            month, day = (int(x) for x in self.annual.split("-"))
            for year in range(first_year, last_year + 1):
                try:
                    days.append(dt.date(year, month, day))
                except ValueError:  # 02-29 outside leap years
                    continue
        return sorted(set(days))


class SiteConfig(Frozen):
    name: str = "Contact centre"
    timezone: str = "Asia/Shanghai"
    country: str | None = Field("CN", description="public holidays from the `holidays` package")
    subdivision: str | None = None
    closed_on_holidays: bool = False
    week_starts_on: str = Field(
        "mon",
        description="first day of the planning week (mon..sun; e.g. sun in Israel): the default "
        "planning week and preference files' weeks start on it",
    )
    weekend: list[str] = Field(
        default_factory=lambda: ["sat", "sun"],
        description="weekend days (e.g. [fri, sat] in Israel): max_weekends, the even share of "
        "weekend shifts and the agents' weekend counts use them",
    )

    @field_validator("week_starts_on")
    @classmethod
    def _check_week_start(cls, value: str) -> str:
        parse_weekday(value)
        return value

    @field_validator("weekend")
    @classmethod
    def _check_weekend(cls, value: list[str]) -> list[str]:
        return _weekdays(value)

    @property
    def first_weekday(self) -> int:
        """0 = Monday … 6 = Sunday."""
        return parse_weekday(self.week_starts_on)

    @property
    def weekend_days(self) -> frozenset[int]:
        return frozenset(parse_weekday(day) for day in self.weekend)


class PlanningConfig(Frozen):
    week_start: dt.date | None = Field(
        None,
        description="first day planned; default: the first `site.week_starts_on` day after "
        "the last history day",
    )
    days: int = Field(7, ge=1, le=400)
    interval_minutes: Literal[15, 30, 60] = 60


ForecastModel = Literal[
    "seasonal_naive",
    "mean_4_weeks",
    "mstl",
    "calendar_glm",
    "calendar_glm+month_turn",
    "calendar_glm+catch_up",
    "calendar_glm+month_turn+catch_up",
    "combination",
]


class ForecastConfig(Frozen):
    """How contacts are forecast: candidate models, chosen per channel by a rolling backtest."""

    prediction_level: float = Field(0.8, gt=0, lt=1)
    history_weeks: int | None = Field(
        None, ge=4, description="use only the most recent weeks of history (None = all)"
    )
    backtest_weeks: int = Field(
        4, ge=0, le=52, description="one-week-ahead rolling-origin weeks reported (backtest.csv)"
    )
    selection_weeks: int = Field(
        8,
        ge=1,
        le=26,
        description="held-out weeks before a forecast on which the candidate models are scored "
        "to pick one per channel and to calibrate its interval",
    )
    models: list[ForecastModel] | None = Field(
        None, min_length=1, description="candidate models to choose from (None = all)"
    )
    time_limit_seconds: float = Field(
        120, gt=0, description="the backtest drops its earliest weeks rather than run longer"
    )


class ObjectiveWeights(Frozen):
    """How the roster trades coverage against agents' wishes (per interval-hour of a head)."""

    under_coverage: float = Field(100, ge=0)
    over_coverage: float = Field(5, ge=0)
    wish_point: float = Field(20, ge=0, description="per priority point of an unmet wish")
    coverage_cost: Literal["headcount", "service"] = Field(
        "service",
        description="headcount: every missing head costs alike (deeper gaps cost more); "
        "service: each missing head costs the contacts it pushes past the service target",
    )


class FairnessRules(Frozen):
    """Share the good and the bad evenly between agents."""

    worst_off_weight: float = Field(
        30, ge=0, description="per 10% of wish points granted to the worst-off agent"
    )
    undesirable_families: list[str] = Field(
        default_factory=lambda: ["late"], description="shift families nobody wants too many of"
    )
    weekends_undesirable: bool = True
    spread_weight: float = Field(
        10, ge=0, description="per shift between the most and least loaded agent of a contract"
    )


class WishPolicy(Frozen):
    """How agents' wishes are weighed: every agent gets the same budget of priority points."""

    points_budget: int = Field(
        12, ge=1, le=100, description="priority points an agent may spread over one week's wishes"
    )


class SolverConfig(Frozen):
    time_limit_seconds: float = Field(60, gt=0)
    seed: int = 1
    workers: int = Field(
        2, ge=1, le=64, description="parallel search workers when not deterministic"
    )
    deterministic: bool = Field(
        True,
        description="reproducible runs: one worker on CP-SAT's deterministic clock, so the same "
        "inputs and seed give the same roster",
    )


class SimulationConfig(Frozen):
    """The service check of `wfm plan`: the roster played against simulated contacts."""

    enabled: bool = Field(True, description="simulate the roster after solving it")
    replications: int = Field(20, ge=2, le=1000, description="independent simulated weeks")
    handle_time: Literal["exponential", "lognormal"] = "exponential"
    handle_cv: float = Field(
        1.0, gt=0, description="lognormal handle times: standard deviation / mean"
    )
    seed: int = 1
    confidence: float = Field(0.95, gt=0, lt=1, description="of the service-level intervals")


class Config(Frozen):
    site: SiteConfig = SiteConfig()
    planning: PlanningConfig = PlanningConfig()
    channels: dict[str, ChannelConfig]
    shifts: list[ShiftTemplate]
    contracts: dict[str, Contract] = Field(default_factory=lambda: {"full_time": Contract()})
    rules: LabourRules = LabourRules()
    peaks: Peaks = Peaks()
    events: list[CalendarEvent] = Field(default_factory=list)
    forecast: ForecastConfig = ForecastConfig()
    objective: ObjectiveWeights = ObjectiveWeights()
    wishes: WishPolicy = WishPolicy()
    fairness: FairnessRules = FairnessRules()
    solver: SolverConfig = SolverConfig()
    simulation: SimulationConfig = SimulationConfig()
    history: str = Field("data/history.csv", description="relative to the config's folder's parent")
    agents: str = "data/agents.yaml"
    preferences: str | None = "data/preferences"
    locks: str | None = Field(
        None, description="CSV of pinned shifts (agent_id,date,shift,start); none by default"
    )

    @model_validator(mode="after")
    def _check_refs(self) -> Config:
        if not self.channels:
            raise ValueError("at least one channel is needed")
        names = [s.name for s in self.shifts]
        if len(set(names)) != len(names):
            raise ValueError("shift template names must be unique")
        for name, contract in self.contracts.items():
            for allowed in [*(contract.shifts or []), *contract.max_shifts]:
                if allowed not in names:
                    raise ValueError(f"contract '{name}' names unknown shift '{allowed}'")
        for sequence in self.rules.forbidden_sequences:
            for allowed in (sequence.first, sequence.then):
                if allowed not in names:
                    raise ValueError(f"rules.forbidden_sequences names unknown shift '{allowed}'")
        step = self.planning.interval_minutes
        for shift in self.shifts:
            if shift.length_minutes % step or shift.start_step_minutes % step:
                raise ValueError(
                    f"shift '{shift.name}': length and start step must be multiples of the "
                    f"{step}-minute interval"
                )
            if any(parse_clock(s) % step for s in (shift.earliest_start, shift.latest_start)):
                raise ValueError(f"shift '{shift.name}': starts must fall on interval boundaries")
            for rule in shift.breaks:
                if rule.length_minutes % step or any(
                    offset % step
                    for offset in (
                        rule.earliest_start_after_minutes,
                        rule.latest_start_after_minutes,
                    )
                ):
                    raise ValueError(
                        f"shift '{shift.name}', break '{rule.name}': length and offsets must be "
                        f"multiples of the {step}-minute interval "
                        "(shorter breaks belong in shrinkage)"
                    )
        return self
