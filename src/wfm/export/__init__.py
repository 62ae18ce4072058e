"""Exports: the plan's CSV contract files, roster.xlsx, summary.md, plots, agents' calendars.

`export_plan` stages every file in a temporary folder beside `out_dir` and moves them in
only once all are written, so a failed export never leaves a half-updated plan behind for
someone to publish: the folder holds either the previous run's files or the new ones.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from wfm.config import Config
from wfm.domain import PlanResult
from wfm.export import calendar, csvs, report, xlsx
from wfm.export.i18n import LANGS
from wfm.export.report import PlanSummary, summarise

__all__ = ["LANGS", "PlanSummary", "export_plan", "summarise", "write_atomically"]

PLOTS_DIR = "plots"
_PLOT_PREFIXES = ("coverage_", "forecast_")


def export_plan(plan: PlanResult, config: Config, out_dir: Path, lang: str = "en") -> list[Path]:
    """Write all exports of `plan` into `out_dir` (created if missing); returns their paths.

    `lang` ("en" or "zh") sets the language of roster.xlsx's sheet names and headers and of
    summary.md; the CSV files are the same in every language. Files of earlier runs that
    this run does not produce are left alone, except stale plots of channels and calendars
    of agents no longer planned.
    """
    if lang not in LANGS:
        raise ValueError(f"language '{lang}' is not supported; use one of {', '.join(LANGS)}")
    written = write_atomically(out_dir, lambda folder: _write_all(plan, config, folder, lang))
    _remove_stale(Path(out_dir) / PLOTS_DIR, "*.png", set(written), _PLOT_PREFIXES)
    _remove_stale(Path(out_dir) / calendar.CALENDAR_DIR, "*.ics", set(written))
    return written


def write_atomically(out_dir: Path, write: Callable[[Path], list[Path]]) -> list[Path]:
    """Let `write` fill a staging folder, then move each file into `out_dir`.

    The staging folder lives in out_dir's parent so the final `os.replace` calls are
    same-file-system renames, each atomic; if `write` fails nothing in out_dir changes.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", suffix=".tmp", dir=out_dir.parent))
    try:
        staged = write(staging)
        relative = [path.relative_to(staging) for path in staged]
        out_dir.mkdir(exist_ok=True)
        for folder in sorted({rel.parent for rel in relative if rel.parent != Path(".")}):
            (out_dir / folder).mkdir(parents=True, exist_ok=True)
        for rel in relative:
            os.replace(staging / rel, out_dir / rel)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / rel for rel in relative]


def _write_all(plan: PlanResult, config: Config, folder: Path, lang: str) -> list[Path]:
    # The module-qualified calls (csvs.write_csvs, xlsx.write_workbook, ...) are deliberate:
    # tests replace a stage to prove a failure half-way leaves out_dir untouched.
    summary = report.summarise(plan, config)
    written = csvs.write_csvs(plan, folder, config.site.timezone)
    written.append(xlsx.write_workbook(plan, config, summary, folder / "roster.xlsx", lang))
    plots = report.write_plots(plan, config, folder / PLOTS_DIR)
    written.append(report.write_summary(plan, summary, folder / "summary.md", plots, lang))
    written += calendar.write_calendars(plan, config, folder, lang)
    return written + plots


def _remove_stale(
    folder: Path, pattern: str, keep: set[Path], prefixes: tuple[str, ...] = ("",)
) -> None:
    if not folder.is_dir():
        return
    for path in folder.glob(pattern):
        if path.name.startswith(prefixes) and path not in keep:
            path.unlink()
