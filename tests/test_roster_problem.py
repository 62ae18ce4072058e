"""The roster problem's per-agent, per-day index of shift options."""

from __future__ import annotations

import dataclasses

from rosterkit import agents, horizon_of, prefs, requirements, tiny_config
from wfm.roster import build_roster_problem


def test_options_by_day_lists_each_agents_options_on_each_day() -> None:
    config = tiny_config(planning={"days": 7})
    team = agents(("a1", ("phone",)), ("a2", ("phone",)))
    # a2 cannot work on Wednesday: that day has no options for it
    away = prefs("a2", unavailable=[{"day": "2026-11-25", "reason": "training"}])
    need = {("phone", d, 9): 1 for d in range(7)}
    problem = build_roster_problem(
        config, team, {"a2": away}, requirements(config, need), horizon_of(config)
    )
    for a, options in enumerate(problem.agent_options):
        index = problem.options_by_day[a]
        assert [o for day in sorted(index) for o in index[day]] == sorted(options)
        for day, on_day in index.items():
            assert on_day and all(problem.options[o].day == day for o in on_day)
    assert 2 in problem.options_by_day[0] and 2 not in problem.options_by_day[1]
    # a problem made from another (as a neighbourhood is) indexes its own options
    fewer = dataclasses.replace(problem, agent_options=(problem.agent_options[0][:1], ()))
    assert fewer.options_by_day == (
        {problem.options[fewer.agent_options[0][0]].day: fewer.agent_options[0][:1]},
        {},
    )
