"""roster.xlsx opens cleanly in LibreOffice: a headless conversion to PDF succeeds.

Skipped where LibreOffice is not installed; .ci/run installs it on CI.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from test_export import make_config, make_plan
from wfm.export import export_plan

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_libreoffice_converts_the_workbook_to_pdf(tmp_path: Path, lang: str) -> None:
    assert SOFFICE is not None
    out = tmp_path / "out"
    export_plan(make_plan(), make_config(), out, lang=lang)
    pdf_dir = tmp_path / "pdf"
    # A private profile: a user's running LibreOffice (or a parallel test) cannot block it.
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(pdf_dir),
            str(out / "roster.xlsx"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    pdf = pdf_dir / "roster.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.is_file(), f"no PDF written: {result.stdout} {result.stderr}"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    # One page at least per sheet: Summary, Roster, two coverage sheets, Agents, Wishes, Inputs.
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) >= 7
