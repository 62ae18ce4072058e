"""Large-neighbourhood search: re-solve a few agents at a time, holding the rest of the roster.

One deterministic CP-SAT worker explores a large roster slowly: at 15-minute intervals and a
few hundred agents its first minute ends far from the optimum, and with one worker CP-SAT runs
none of its own neighbourhood searches. Here the incumbent roster is improved the classic way:
free a neighbourhood — a group of agents over a window of two days (or, one time in four,
fewer agents over the whole horizon; or, for three windows in ten, six times as many agents who
keep their days on and off and may only change which shift they work), picked mostly where the
incumbent is short of heads or denies wishes, with some of the agents whose wishes it denies
there and the rest at random — and solve a model of those agents and days alone. Two
neighbourhoods are solved at a time, one per core, and merged in order (the second priced again
if the first moved the roster). Everything else is held: other agents' shifts and the free
agents' shifts outside the window reach the small model only as constants (heads on duty per
interval and skill group, heads per shift, their side of the fairness rules; see `HeldRoster`),
a free agent's options outside the window are only the shift it works there, and intervals no
free shift can reach are left out, so a step costs what its few agents and days cost, not what
the whole roster does.
The small model is solved from scratch: only an improvement replaces the incumbent, and CP-SAT
finds one faster than it completes a partial hint. The neighbourhood grows when its solves
finish early and shrinks when they time out.

Everything is deterministic: neighbourhoods come from a generator seeded with the solver seed,
each solve is bounded by CP-SAT's deterministic clock (plus a fixed charge per step for
building it), and the search stops once its deterministic budget is spent (a `Budget` grows
while the roster is far from its LP bound, and ends early near it: after some steps in a row
that improve nothing, or at once when the roster costs no more than the bound). The wall-clock
deadline is only a ceiling against a stall; set it well beyond the budget's expected length.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from wfm.config import SolverConfig
from wfm.roster.incumbent import (
    Incumbent,
    chosen_shifts,
    hand_out_breaks,
    read_incumbent,
    solve_fixed,
)
from wfm.roster.model import RosterVars, build_model
from wfm.roster.problem import OBJECTIVE_UNIT, HeldRoster, RosterProblem, WishTerm
from wfm.roster.rules.fairness import undesirable_options, wish_share

if TYPE_CHECKING:  # a name for CP-SAT's search strategies; at run time only the values are used
    from ortools.sat.python.cp_model_helper import SatParameters

    SearchBranching = SatParameters.SearchBranching

Progress = Callable[[str], None]

STEP_DETERMINISTIC_TIME = 0.5  # per neighbourhood solve
# A whole-horizon neighbourhood has this many times the units: its model is several times a
# two-day one's, and CP-SAT's presolve alone uses up most of 0.5 units there.
WEEK_STEP_FACTOR = 2
# Neighbourhoods solved at once, each in its own thread (CP-SAT releases the GIL): one per core
# of the two the planner is sized for. Lanes are merged in order, so the result stays the same.
LANES = 2
WINDOW_DAYS = 2
WINDOW_FLOOR = 0.2  # every window keeps this share of the mean shortfall as its weight
WEEK_SHARE = 0.25  # neighbourhoods over the whole horizon instead of a two-day window
WANTING_SHARE = 3  # at most 1/3 of a neighbourhood's agents are picked for their denied wishes
# Of the two-day windows, this share keeps each free agent's days on and off and lets it change
# only which shift it works: such a neighbourhood is small per agent, so it frees RETIME_FACTOR
# times as many agents, and re-times many shifts at once where coverage is short.
RETIME_SHARE = 0.3
RETIME_FACTOR = 6
# This share of the neighbourhoods also picks among the agents at either end of their contract's
# spread of undesirable shifts (`loaded_extremes`), like those whose wishes are denied.
EVEN_SHARE = 0.3
# Neighbourhood size, in units of this many agents: it starts at START_AGENTS units and moves
# by about 20% a step (and at least one unit), never below MIN_AGENTS units.
AGENTS_PER_UNIT = 3
START_AGENTS = 6
MIN_AGENTS = 3
# Deterministic units charged per step, and per step and model variable, for building the
# step's model and reading its answer, which CP-SAT's clock does not count (so that steps on
# tiny models, solved in no measurable deterministic time, still use up the budget).
STEP_OVERHEAD = 0.01
STEP_OVERHEAD_PER_VARIABLE = 2e-5
# Deterministic time for the last solve of the whole model with the shifts fixed, which turns
# the incumbent back into a solver response (and may still move breaks and channel splits).
FINAL_DETERMINISTIC_TIME = 1.0


@dataclass(frozen=True)
class Budget:
    """How long the neighbourhood search runs, in deterministic units over the lanes.

    `units` always; `extra` more while the roster is further than `near` (a share of its cost)
    above `bound` (the LP relaxation's, when known). A roster that near its bound is worth
    handing to a whole-model search for a proof: its search stops after `patience` steps in a
    row that improve nothing.
    """

    units: float
    extra: float = 0.0
    bound: float | None = None
    near: float = 0.0
    patience: int = 8

    def near_bound(self, cost: float) -> bool:
        return self.bound is not None and cost - self.bound <= self.near * abs(cost)

    def units_for(self, cost: float) -> float:
        return self.units if self.near_bound(cost) else self.units + self.extra

    def stalled(self, cost: float, idle: int) -> bool:
        return self.near_bound(cost) and (idle >= self.patience or self.proves(cost))

    def proves(self, cost: float) -> bool:
        """The bound proves a roster of this cost optimal."""
        return self.bound is not None and cost <= self.bound


@dataclass(frozen=True)
class _Step:
    """One neighbourhood: its agents and window, its model, and the held roster's wish cost."""

    free: list[int]
    first: int
    last: int
    sub: RosterProblem
    sv: RosterVars
    held_cost: float

    @property
    def whole_horizon(self) -> bool:
        return self.first == 0 and self.last == self.sub.horizon.days - 1


def improve_roster(
    problem: RosterProblem,
    v: RosterVars,
    incumbent: cp_model.CpSolver,
    settings: SolverConfig,
    budget: Budget | float,
    deadline: float,
    progress: Progress | None = None,
) -> cp_model.CpSolver:
    """The best solver response found by neighbourhood search from `incumbent`.

    `budget` is in CP-SAT deterministic time units, summed over the lanes (a `Budget` may
    depend on how far the roster is from its bound); `deadline` is a `time.perf_counter()`
    moment after which no new neighbourhood starts. Returns `incumbent` when nothing improves.
    """
    plan = budget if isinstance(budget, Budget) else Budget(budget)
    best = read_incumbent(problem, v, incumbent)
    start_value = best.objective
    rng = np.random.default_rng(settings.seed)
    agents = len(problem.agents)
    days = problem.horizon.days
    size = min(agents, START_AGENTS)
    spent = 0.0
    step = 0
    idle = 0  # steps since the last improvement
    with ThreadPoolExecutor(max_workers=LANES) as pool:
        while time.perf_counter() < deadline and agents > 1:
            units = plan.units_for(best.objective)
            if spent >= units or plan.stalled(best.objective, idle):
                break
            count = min(agents, size * AGENTS_PER_UNIT)
            left = (units - spent) / LANES
            steps: list[_Step] = []
            runs = []
            # each lane starts solving while the next lane's model is built
            for s in _draw(problem, best, count, rng):
                seed = settings.seed + step + len(steps)
                steps.append(s)
                whole_week = days > WINDOW_DAYS and s.whole_horizon
                share = STEP_DETERMINISTIC_TIME * (WEEK_STEP_FACTOR if whole_week else 1)
                runs.append(pool.submit(solve_step, s.sv, seed, min(share, left), deadline))
            before = best.objective
            statuses = []
            for s, run in zip(steps, runs, strict=True):
                status, solver = run.result()
                statuses.append(status)
                spent += solver.response_proto.deterministic_time
                spent += model_charge(s.sv)
                step += 1
                idle += 1
                if status == cp_model.OPTIMAL:
                    size = min(agents, round(size * 1.2) + 1)  # solved to the end: try bigger
                else:
                    size = max(MIN_AGENTS, round(size * 0.8))
                if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    continue
                value = solver.objective_value + s.held_cost
                if value >= before - 1e-6:
                    continue
                if best.objective < before:
                    # an earlier lane of this round moved the roster: price this one against it
                    priced = _reprice(problem, best, s, solver, settings)
                    if priced is None:
                        continue
                    s, solver, value = priced
                    spent += solver.response_proto.deterministic_time + model_charge(s.sv)
                if value < best.objective - 1e-6:
                    idle = 0
                    best = merge(problem, best, s.sub, s.sv, solver, s.free, value)
                    if progress:
                        progress(
                            f"roster: neighbourhood {step} improves the cost to "
                            f"{value / OBJECTIVE_UNIT:,.0f}"
                        )
            whole = len(steps[0].free) == agents and steps[0].whole_horizon
            if whole and statuses[0] == cp_model.OPTIMAL:
                break  # the whole roster was solved to optimality: nothing left to gain
    if progress:
        progress(f"roster: {step} neighbourhoods searched ({spent:.1f} deterministic units)")
    if best.objective >= start_value - 1e-6:
        return incumbent
    settled = settle(problem, v, best, settings)
    if settled is None or settled.objective_value >= start_value - 1e-6:
        return incumbent
    return settled


def _draw(
    problem: RosterProblem, best: Incumbent, count: int, rng: np.random.Generator
) -> Iterator[_Step]:
    """This round's neighbourhoods, one per lane while agents are left for another: each
    lane's agents apart from the earlier lanes' (so that improvements rarely collide)."""
    agents, days = len(problem.agents), problem.horizon.days
    denied = denied_wishes(problem, best)
    weights = window_weights(problem, best, denied)
    extremes = loaded_extremes(problem, best) if problem.config.fairness.spread_weight > 0 else []
    taken: set[int] = set()
    drawn = 0
    while drawn < LANES and len(taken) + count <= agents:
        size = count
        if days > WINDOW_DAYS and rng.random() < WEEK_SHARE:
            # fewer agents over the whole horizon: only there can an agent's work move to a
            # day far off (a day off granted, the contract's hours kept)
            first, last = 0, days - 1
            size = max(2, round(count * WINDOW_DAYS / days))
        else:
            first = int(rng.choice(len(weights), p=weights))
            last = min(days, first + WINDOW_DAYS) - 1
        keep_days = last - first < days - 1 and rng.random() < RETIME_SHARE
        if keep_days:  # many more agents, leaving enough for the lanes still to draw
            room = agents - len(taken) - count * (LANES - drawn - 1)
            size = max(size, min(room, size * RETIME_FACTOR))
        wanting = [t.agent for t in denied if first <= t.day <= last and t.agent not in taken]
        if extremes and rng.random() < EVEN_SHARE:
            wanting += [a for a in extremes if a not in taken]
        free = pick_agents(agents, size, wanting, rng, exclude=taken)
        taken.update(free)
        sub, held_cost = neighbourhood(problem, best, free, first, last, keep_days)
        drawn += 1
        yield _Step(free, first, last, sub, build_model(sub), held_cost)


def loaded_extremes(problem: RosterProblem, incumbent: Incumbent) -> list[int]:
    """The agents with the most and the fewest undesirable shifts of their contract, where the
    two differ by more than one: only freeing them can narrow the spread the fairness rule
    prices (freeing others moves nobody's load off an extreme)."""
    found = []
    for per in undesirable_loads(problem, incumbent, range(len(problem.agents))).values():
        if len(per) < 2:
            continue
        high, low = max(per.values()), min(per.values())
        if high - low > 1:
            found += [a for a, n in per.items() if n in (high, low)]
    return found


def undesirable_loads(
    problem: RosterProblem, incumbent: Incumbent, agents: Iterable[int]
) -> dict[str, dict[int, int]]:
    """Per contract: each of `agents`' number of undesirable shifts in the incumbent."""
    undesirable = undesirable_options(problem)
    loads: dict[str, dict[int, int]] = defaultdict(dict)
    for a in agents:
        worked = incumbent.shifts[a].values()
        loads[problem.agents[a].contract][a] = sum(o in undesirable for o in worked)
    return loads


def model_charge(sv: RosterVars) -> float:
    """Deterministic units charged for building a model and reading its answer."""
    return STEP_OVERHEAD + STEP_OVERHEAD_PER_VARIABLE * len(sv.model.proto.variables)


def solve_step(
    sv: RosterVars,
    seed: int,
    deterministic_time: float,
    deadline: float,
    search_branching: SearchBranching = cp_model.AUTOMATIC_SEARCH,
    first_only: bool = False,
) -> tuple[cp_model.CpSolverStatus, cp_model.CpSolver]:
    """One worker on a small model, stopped by its deterministic units (the wall-clock
    `deadline`, a `time.perf_counter()` moment, is only a ceiling), or with `first_only` at
    its first solution."""
    solver = cp_model.CpSolver()
    solver.parameters.stop_after_first_solution = first_only
    solver.parameters.num_workers = 1
    solver.parameters.search_branching = search_branching
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = deterministic_time
    solver.parameters.max_time_in_seconds = max(0.1, deadline - time.perf_counter())
    return solver.solve(sv.model), solver


def portfolio_solver(workers: int, seed: int, seconds: float) -> cp_model.CpSolver:
    """CP-SAT's portfolio of `workers` for a neighbourhood of every agent (a window of days,
    a rolled step), stopped by the wall clock after `seconds`."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = seconds
    return solver


def _reprice(
    problem: RosterProblem,
    best: Incumbent,
    step: _Step,
    solver: cp_model.CpSolver,
    settings: SolverConfig,
) -> tuple[_Step, cp_model.CpSolver, float] | None:
    """A lane's new shifts priced against the roster as an earlier lane left it: the same
    neighbourhood drawn from `best`, its agents pinned to those shifts. None when they no
    longer fit (a rule across the two neighbourhoods)."""
    chosen = chosen_shifts(step.sub, step.sv, solver.value)
    sub, held_cost = neighbourhood(problem, best, step.free, step.first, step.last)
    pins = [
        (k, day, (shifts[day],) if day in shifts else ())
        for k, shifts in enumerate(chosen)
        for day in range(step.first, step.last + 1)
    ]
    sub = dataclasses.replace(sub, locks=sub.locks + tuple(pins))
    priced = _Step(step.free, step.first, step.last, sub, build_model(sub), held_cost)
    status, check = solve_step(priced.sv, settings.seed, FINAL_DETERMINISTIC_TIME / 10, 1e18)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return priced, check, check.objective_value + held_cost


def denied_wishes(problem: RosterProblem, incumbent: Incumbent) -> list[WishTerm]:
    """The wish days the incumbent roster does not grant."""
    return [t for t in problem.wishes if t.violated_by(incumbent.shifts[t.agent].get(t.day))]


def window_weights(
    problem: RosterProblem, incumbent: Incumbent, denied: list[WishTerm] | None = None
) -> np.ndarray:
    """How often to pick each window start: mostly where the incumbent loses most.

    A window's weight is its priced shortfall (missing heads times their under-coverage
    weight) plus the penalties of the wish days it denies there, and a floor of a fifth of the
    mean so that every window is still visited.
    """
    per_day = interval_shortfall(problem, incumbent)
    for term in denied or ():
        per_day[term.day] += term.penalty
    starts = max(1, problem.horizon.days - WINDOW_DAYS + 1)
    score = np.array([per_day[d : d + WINDOW_DAYS].sum() for d in range(starts)])
    score += WINDOW_FLOOR * score.mean() + 1e-9
    return np.asarray(score / score.sum())


def interval_shortfall(problem: RosterProblem, incumbent: Incumbent) -> np.ndarray:
    """Per day, the roster's missing heads per interval and channel, priced."""
    scheduled = np.zeros(problem.required.shape, dtype=int)
    for (i, _group, c), heads in incumbent.split.items():
        scheduled[i, c] += heads
    short = np.clip(problem.required - scheduled, 0, None) * problem.under_weight
    return np.asarray(short.sum(axis=1).reshape(problem.horizon.days, -1).sum(axis=1), dtype=float)


def pick_agents(
    agents: int,
    count: int,
    wanting: list[int],
    rng: np.random.Generator,
    exclude: set[int] | None = None,
) -> list[int]:
    """`count` agents to free, none from `exclude`: up to a third of them from `wanting`
    (agents whose wishes the window denies; only freeing them can grant those), the rest drawn
    from everyone."""
    barred = exclude or set()
    candidates = sorted(set(wanting) - barred)
    take = min(len(candidates), max(1, count // WANTING_SHARE)) if candidates else 0
    free = set(rng.choice(candidates, size=take, replace=False).tolist()) if take else set()
    others = [a for a in range(agents) if a not in free and a not in barred]
    free.update(rng.choice(others, size=count - len(free), replace=False).tolist())
    return sorted(free)


def neighbourhood(
    problem: RosterProblem,
    incumbent: Incumbent,
    free: list[int],
    first: int,
    last: int,
    keep_days: bool = False,
    days: frozenset[int] | None = None,
) -> tuple[RosterProblem, float]:
    """The problem of the `free` agents on days first..last (or on `days`, when given),
    everyone else held as they are.

    With `keep_days`, the free agents keep their days on and off in the window and may change
    only which shift they work on a day they work. Returns the problem with the cost the held
    agents' wishes add to every roster of it.
    """
    index = {a: k for k, a in enumerate(free)}
    window = frozenset(range(first, last + 1)) if days is None else days
    options = {a: _window_options(problem, incumbent, a, window, keep_days) for a in free}
    held = [a for a in range(len(problem.agents)) if a not in index]
    heads = np.zeros((problem.n_intervals, len(problem.groups)), dtype=int)
    shift_heads: Counter[tuple[int, str]] = Counter()
    for a in held:
        for o in incumbent.shifts[a].values():
            _add_heads(problem, incumbent, heads, a, o)
            shift_heads[problem.options[o].day, problem.options[o].template] += 1
    # Free agents keep their shifts outside the window: pinned, and their heads held.
    frozen = set()
    touched = np.zeros(problem.n_intervals, dtype=bool)
    for k, a in enumerate(free):
        for o in options[a]:
            option = problem.options[o]
            if option.day in window:
                touched[option.first_interval : option.first_interval + option.n_intervals] = True
                continue
            frozen.add((k, o))
            _add_heads(problem, incumbent, heads, a, o)
    split = {key: n for key, n in incumbent.split.items() if not touched[key[0]]}

    terms = defaultdict(list)
    for term in problem.wishes:
        if term.can_be_denied:
            terms[term.agent].append(term)
    held_cost = 0.0
    shares = []
    for a in held:
        if not terms.get(a):
            continue
        denied = [t for t in terms[a] if t.violated_by(incumbent.shifts[a].get(t.day))]
        held_cost += sum(t.penalty for t in denied)
        points = sum(t.wish.priority for t in terms[a])
        shares.append(wish_share(points - sum(t.wish.priority for t in denied), points))

    loads = undesirable_loads(problem, incumbent, held)

    locks = [
        (index[a], day, tuple(o for o in allowed if o in options[a]))
        for a, day, allowed in problem.locks
        if a in index
    ]
    for a in free:
        for day in range(problem.horizon.days):
            worked = incumbent.shifts[a].get(day)
            if day not in window:
                locks.append((index[a], day, () if worked is None else (worked,)))
            elif keep_days and worked is not None:
                # every option of a worked day in the window is kept (`_window_options`)
                locks.append((index[a], day, problem.options_by_day[a][day]))
    sub = dataclasses.replace(
        problem,
        agents=tuple(problem.agents[a] for a in free),
        agent_options=tuple(options[a] for a in free),
        agent_group=tuple(problem.agent_group[a] for a in free),
        total_minutes=(
            None if problem.total_minutes is None else tuple(problem.total_minutes[a] for a in free)
        ),
        wishes=tuple(
            dataclasses.replace(t, agent=index[t.agent]) for t in problem.wishes if t.agent in index
        ),
        unmet_wishes=(),
        locks=tuple(locks),
        held=HeldRoster(
            agents=len(held),
            heads=heads,
            shift_heads=dict(shift_heads),
            wish_shares=_extremes(shares),
            undesirable={c: _extremes(list(per.values())) for c, per in loads.items()},
            split=split,
            frozen=frozenset(frozen),
            window=window,
        ),
    )
    return sub, held_cost


def _window_options(
    problem: RosterProblem,
    incumbent: Incumbent,
    agent: int,
    window: frozenset[int],
    keep_days: bool,
) -> tuple[int, ...]:
    """An agent's options in a neighbourhood: its shift outside the window (pinned there), and
    in it every option, or with `keep_days` every option on the days it works."""
    worked = incumbent.shifts[agent]

    def kept(o: int) -> bool:
        day = problem.options[o].day
        if day in window:
            return not keep_days or day in worked
        return worked.get(day) == o

    return tuple(o for o in problem.agent_options[agent] if kept(o))


def _extremes(values: list[int]) -> tuple[int, ...]:
    """The lowest and highest value (one value stays one): all a max-min or spread rule needs
    of the held agents, and still says whether there were one or more of them."""
    return (min(values), max(values)) if len(values) > 1 else tuple(values)


def _add_heads(
    problem: RosterProblem, incumbent: Incumbent, heads: np.ndarray, agent: int, o: int
) -> None:
    """Count an agent's held shift on duty in `heads` (interval x group), breaks taken out."""
    option = problem.options[o]
    group = problem.agent_group[agent]
    heads[option.first_interval : option.first_interval + option.n_intervals, group] += 1
    for rule, offset in incumbent.breaks.get((agent, o), []):
        begin = option.first_interval + offset
        heads[begin : begin + option.break_length(rule), group] -= 1


def merge(
    problem: RosterProblem,
    incumbent: Incumbent,
    sub: RosterProblem,
    sv: RosterVars,
    solver: cp_model.CpSolver,
    free: list[int],
    objective: float,
) -> Incumbent:
    """The incumbent with the free agents' new shifts, breaks and the new channel splits."""
    chosen = chosen_shifts(sub, sv, solver.value)
    taken = hand_out_breaks(sub, sv, solver.value, chosen)
    shifts = list(incumbent.shifts)
    freed = set(free)
    breaks = {key: value for key, value in incumbent.breaks.items() if key[0] not in freed}
    for k, a in enumerate(free):
        shifts[a] = chosen[k]
        for o in chosen[k].values():
            if (k, o) in taken:
                breaks[a, o] = taken[k, o]
            elif (a, o) in incumbent.breaks:  # a shift pinned outside the window keeps its breaks
                breaks[a, o] = incumbent.breaks[a, o]
    split = dict(incumbent.split)
    split.update(
        {
            key: int(solver.value(expr))
            for key, expr in sv.serving.items()
            if not isinstance(expr, int)
        }
    )
    return Incumbent(tuple(shifts), breaks, split, objective)


def settle(
    problem: RosterProblem, v: RosterVars, incumbent: Incumbent, settings: SolverConfig
) -> cp_model.CpSolver | None:
    """Solve the whole model with the incumbent's shifts fixed and everything else hinted.

    This turns the incumbent back into a response of the full model (which the solution reader
    needs); the solver may still improve breaks and channel splits. None if it finds nothing.
    """
    shifts = {(a, o) for a, days in enumerate(incumbent.shifts) for o in days.values()}
    counts: Counter[tuple[int, int, int, int]] = Counter()
    for (a, o), taken in incumbent.breaks.items():
        for rule, offset in taken:
            counts[o, problem.agent_group[a], rule, offset] += 1
    hints = {var.index: counts[key] for key, var in v.breaks.items()}
    for slot, expr in v.serving.items():
        if isinstance(expr, cp_model.IntVar) and slot in incumbent.split:
            hints[expr.index] = incumbent.split[slot]
    return solve_fixed(
        v,
        shifts,
        settings.seed,
        deterministic_time=FINAL_DETERMINISTIC_TIME,
        seconds=max(1.0, settings.time_limit_seconds * 0.1),
        hints=hints,
    )
