"""The `clusterscore` command as a person runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clusterscore.settings import EXPECTATIONS_DIR

CLI = str(Path(sys.executable).parent / "clusterscore")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=os.environ.copy(), timeout=300)


def test_help_lists_the_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("refresh", "quarantine", "generate-sample"):
        assert command in result.stdout


@pytest.mark.slow
def test_quarantine_lists_source_record_field_and_reason(refreshed):
    paths, _ = refreshed
    result = run_cli("quarantine", "--home", str(paths.home))
    assert result.returncode == 0, result.stderr
    assert "cvr_companies line" in result.stdout
    assert "fails the modulus-11 check" in result.stdout
    assert "field members[3].member_cvr" in result.stdout


def test_summary_names_counts_checks_and_where_results_are(refreshed):
    _, outcome = refreshed
    text = outcome.render()
    assert "SUCCEEDED" in text
    assert "received = landed + quarantined" in text
    assert f"Great Expectations {len(list(EXPECTATIONS_DIR.glob('*.json')))}" in text
    assert "Scorecards of this run" in text and "Gold" in text
    assert "clusterscore.duckdb" in text and "Data Docs" in text
