"""A small but complete wfm project written into a temporary folder, for end-to-end tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import yaml
from click.testing import CliRunner

from wfm.cli import main

CONFIG = {
    "site": {"name": "Test centre", "timezone": "Asia/Shanghai", "country": "CN"},
    "planning": {"days": 7, "interval_minutes": 60},
    "history": "data/history.csv",
    "agents": "data/agents.yaml",
    "preferences": "data/preferences",
    "channels": {
        "phone": {
            "kind": "voice",
            "aht_seconds": 300,
            "hours": "09:00-18:00",
            "service": {"target": 0.8, "answer_seconds": 20},
            "shrinkage": 0.2,
        },
        "chat": {
            "kind": "chat",
            "aht_seconds": 360,
            "concurrency": 2,
            "hours": "09:00-18:00",
            "service": {"target": 0.9, "answer_seconds": 30},
            "shrinkage": 0.2,
        },
        "email": {
            "kind": "deferred",
            "aht_seconds": 240,
            "response_minutes": 120,
            "hours": {"default": "09:00-18:00", "sun": "closed"},
            "shrinkage": 0.2,
        },
    },
    "shifts": [
        {
            "name": "early",
            "family": "early",
            "length_minutes": 300,
            "earliest_start": "09:00",
            "latest_start": "10:00",
            "breaks": [
                {
                    "name": "lunch",
                    "length_minutes": 60,
                    "earliest_start_after_minutes": 120,
                    "latest_start_after_minutes": 180,
                }
            ],
        },
        {
            "name": "late",
            "family": "late",
            "length_minutes": 300,
            "earliest_start": "13:00",
            "latest_start": "13:00",
            "breaks": [
                {
                    "name": "tea",
                    "length_minutes": 60,
                    "earliest_start_after_minutes": 120,
                    "latest_start_after_minutes": 180,
                }
            ],
        },
    ],
    "contracts": {
        "std": {
            "min_hours_per_week": 8,
            "max_hours_per_week": 20,
            "max_days_per_week": 5,
            "max_consecutive_days": 4,
        }
    },
    "rules": {"min_rest_hours": 11, "forbidden_sequences": [{"first": "late", "then": "early"}]},
    "peaks": {
        "daily": [
            {
                "days": ["mon", "tue", "wed", "thu", "fri"],
                "start": "10:00",
                "end": "11:00",
                "weight": 3,
            }
        ]
    },
    "events": [{"name": "promo", "annual": "11-11", "days_before": 1, "days_after": 1}],
    "forecast": {"backtest_weeks": 1},
    "solver": {"time_limit_seconds": 10, "seed": 3, "workers": 2},
}

AGENTS = [
    {
        "id": f"T{i:02d}",
        "name": name,
        "team": "A" if i < 5 else "B",
        "skills": skills,
        "contract": "std",
    }
    for i, (name, skills) in enumerate(
        [
            ("李雷", ["phone"]),
            ("韩梅梅", ["phone"]),
            ("Wang Wei", ["phone", "chat"]),
            ("Zhao Min", ["phone", "chat"]),
            ("Liu Yang", ["chat", "email"]),
            ("Chen Jing", ["chat", "email"]),
            ("Sun Li", ["phone", "chat", "email"]),
            ("Zhou Xin", ["phone"]),
        ]
    )
]

PREFERENCES = {
    "T00": {"agent_id": "T00", "wishes": [{"day_off": "fri", "priority": 3, "note": "家里有事"}]},
    "T02": {
        "agent_id": "T02",
        "wishes": [{"shift": "early", "days": ["mon", "tue"], "priority": 2}],
        "unavailable": [{"day": "wed", "time": "13:00-18:00", "reason": "study"}],
    },
}


def write_project(root: Path, weeks: int = 6, last_day: dt.date = dt.date(2026, 11, 22)) -> Path:
    """Write config, history, agents and preferences; return the config path."""
    (root / "configs").mkdir(parents=True)
    (root / "data" / "preferences").mkdir(parents=True)
    config_path = root / "configs" / "wfm.yaml"
    config_path.write_text(yaml.safe_dump(CONFIG, allow_unicode=True, sort_keys=False), "utf-8")
    (root / "data" / "agents.yaml").write_text(
        yaml.safe_dump(AGENTS, allow_unicode=True, sort_keys=False), "utf-8"
    )
    for agent_id, prefs in PREFERENCES.items():
        (root / "data" / "preferences" / f"{agent_id}.yaml").write_text(
            yaml.safe_dump(prefs, allow_unicode=True, sort_keys=False), "utf-8"
        )
    rng = np.random.default_rng(11)
    lines = ["timestamp,channel,contacts,aht_seconds"]
    first = last_day - dt.timedelta(days=7 * weeks - 1)
    shape = {9: 0.8, 10: 1.3, 11: 1.2, 12: 0.8, 13: 0.9, 14: 1.1, 15: 1.1, 16: 0.9, 17: 0.6}
    level = {"phone": 30.0, "chat": 14.0, "email": 6.0}
    for offset in range(7 * weeks):
        day = first + dt.timedelta(days=offset)
        weekday_factor = 1.2 if day.weekday() == 0 else 0.6 if day.weekday() >= 5 else 1.0
        for channel, base in level.items():
            if channel == "email" and day.weekday() == 6:
                continue
            for hour, factor in shape.items():
                count = rng.poisson(base * factor * weekday_factor)
                aht = 300 + rng.normal(0, 15)
                lines.append(f"{day}T{hour:02d}:00:00,{channel},{count},{aht:.1f}")
    (root / "data" / "history.csv").write_text("\n".join(lines) + "\n", "utf-8")
    return config_path


def plan_fails(config_path: Path, out: Path, *options: str) -> str:
    """Run `wfm plan`, expecting bad input: exit code 2, no traceback, nothing written.
    Returns the output, for the test to check what it names."""
    result = CliRunner().invoke(
        main, ["plan", "--config", str(config_path), "--out", str(out), "--quiet", *options]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())
    return result.output
