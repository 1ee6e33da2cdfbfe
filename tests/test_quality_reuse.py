"""A suite's pass is reused only for the same rows under the same code (clusterscore/quality/reuse.py)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from clusterscore.quality.gx_runner import SuiteOutcome
from clusterscore.quality.reuse import fingerprint, keep_pass, reusable_outcome
from clusterscore.settings import EXPECTATIONS_DIR

SUITE = "stg_labels__awards"


@pytest.fixture
def rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cvr_number": ["12345674", "23456789", None],
            "level": ["Gold", "Silver", "Bronze"],
            "awarded_on": pd.to_datetime(["2024-01-02", "2025-03-04", None]),
            "members": [1.5, np.nan, 3.0],
        }
    )


def outcome(success: bool) -> SuiteOutcome:
    return SuiteOutcome(SUITE, success, evaluated=4, failed=0 if success else 1, result={"success": success})


def test_the_fingerprint_is_that_of_the_rows_whatever_their_order(rows):
    assert fingerprint(SUITE, rows) == fingerprint(SUITE, rows.iloc[::-1].reset_index(drop=True))
    assert fingerprint(SUITE, rows) == fingerprint(SUITE, rows.copy())
    assert fingerprint(SUITE, rows) != fingerprint("raw_label_awards", rows)  # another suite


def test_any_changed_value_type_or_row_changes_the_fingerprint(rows):
    seen = {fingerprint(SUITE, rows)}
    changed = rows.copy()
    changed.loc[1, "level"] = "Gold"
    variants = [
        changed,
        rows.assign(members=rows["members"].fillna(0)),  # a null that became a value
        rows.assign(cvr_number=rows["cvr_number"].astype("category")),  # same values, another type
        rows.rename(columns={"level": "label"}),
        rows.iloc[:2],  # a row less
        pd.concat([rows, rows.iloc[:1]], ignore_index=True),  # a row twice: a multiset, not a set
        rows.iloc[:, :3],  # a column less
    ]
    for variant in variants:
        seen.add(fingerprint(SUITE, variant))
    assert len(seen) == 1 + len(variants)


def test_list_cells_are_fingerprinted_by_their_items():
    frame = pd.DataFrame({"gates": [np.array(["pass", "fail"]), ["pass"], None]})
    same = pd.DataFrame({"gates": [["pass", "fail"], np.array(["pass"]), None]})
    other = pd.DataFrame({"gates": [["fail", "pass"], ["pass"], None]})
    assert fingerprint(SUITE, frame) == fingerprint(SUITE, same) != fingerprint(SUITE, other)


def test_a_changed_suite_file_changes_the_fingerprint(rows, tmp_path, monkeypatch):
    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites)
    monkeypatch.setenv("CLUSTERSCORE_EXPECTATIONS_DIR", str(suites))
    before = fingerprint(SUITE, rows)
    path = suites / f"{SUITE}.json"
    path.write_text(path.read_text().replace('"meta"', '"meta" ', 1))
    assert fingerprint(SUITE, rows) != before


def test_only_a_pass_is_kept_and_reused_for_the_same_fingerprint_unless_everything_is_rechecked(
    home, rows, monkeypatch
):
    monkeypatch.delenv("CLUSTERSCORE_ALWAYS_RESCORE")
    same, other = fingerprint(SUITE, rows), fingerprint(SUITE, rows.iloc[:2])
    keep_pass(home, SUITE, same, "run-failed", outcome(False))
    assert reusable_outcome(home, SUITE, same) is None  # a failure is never reused

    keep_pass(home, SUITE, same, "run-1", outcome(True))
    reused, validated_in = reusable_outcome(home, SUITE, same)
    assert validated_in == "run-1" and reused == outcome(True)
    assert reusable_outcome(home, SUITE, other) is None
    assert reusable_outcome(home, "raw_label_awards", same) is None

    keep_pass(home, SUITE, other, "run-2", outcome(True))  # the suite's last pass replaces the one before
    assert reusable_outcome(home, SUITE, same) is None
    assert reusable_outcome(home, SUITE, other)[1] == "run-2"

    monkeypatch.setenv("CLUSTERSCORE_ALWAYS_RESCORE", "1")
    assert reusable_outcome(home, SUITE, other) is None

    monkeypatch.delenv("CLUSTERSCORE_ALWAYS_RESCORE")
    kept = home.gx_root / "reuse" / f"{SUITE}.json"
    kept.write_text(kept.read_text()[:40])  # a file cut short: no reuse, no error
    assert reusable_outcome(home, SUITE, other) is None
