"""A suite's pass is reused only for the same rows under the same code (clusterscore/quality/reuse.py)."""

from __future__ import annotations

import functools
import json
import shutil

import duckdb
import pytest

from clusterscore.quality.gx_runner import SuiteOutcome
from clusterscore.quality.reuse import Rows, fingerprint, keep_pass, kept_pass, same_rows_by_inputs
from clusterscore.settings import EXPECTATIONS_DIR
from pipelines.project import dbt_project

SUITE = "stg_labels__awards"


ROWS = [("Gold", 91.5, "a"), ("Silver", None, "b"), (None, 70.0, "c")]


def table(rows=ROWS, columns="label_level varchar, score_pct double, label_award_id varchar"):
    """The suite's relation (staging.stg_labels__awards) holding `rows`, in a DuckDB of its own."""
    con = duckdb.connect()
    con.execute("create schema staging")
    con.execute(f"create table staging.stg_labels__awards ({columns})")
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        con.executemany(f"insert into staging.stg_labels__awards values ({marks})", rows)
    return con


def rows_of(rows=ROWS, **kwargs) -> str:
    with table(rows, **kwargs) as con:
        return fingerprint(con, SUITE).fingerprint


@pytest.fixture
def rows() -> str:
    return rows_of()


def outcome(success: bool) -> SuiteOutcome:
    return SuiteOutcome(SUITE, success, evaluated=4, failed=0 if success else 1, result={"success": success})


def test_the_fingerprint_is_that_of_the_rows_whatever_their_order(rows):
    assert rows_of(ROWS[::-1]) == rows == rows_of(list(ROWS))
    with table() as con:
        assert fingerprint(con, SUITE).count == 3


def test_any_changed_value_type_or_row_changes_the_fingerprint(rows):
    seen = {rows}
    variants = [
        [("Gold", 91.5, "a"), ("Gold", None, "b"), (None, 70.0, "c")],  # a value
        [("Gold", 91.5, "a"), ("Silver", 0.0, "b"), (None, 70.0, "c")],  # a null that became a value
        ROWS[:2],  # a row less
        [*ROWS, ROWS[0]],  # a row twice: a multiset, not a set
        [("Gold", 91.5, "a"), ("Silver", None, "b"), (None, 70.0, "d")],  # the last column
        [],  # no rows
    ]
    seen |= {rows_of(variant) for variant in variants}
    # The same values as another type (a fixed-point score).
    seen.add(rows_of(columns="label_level varchar, score_pct decimal(5, 1), label_award_id varchar"))
    # A column the suite does not read changes nothing.
    assert (
        rows_of(
            [(*r, "x") for r in ROWS],
            columns="label_level varchar, score_pct double, label_award_id varchar, other varchar",
        )
        == rows
    )
    assert len(seen) == 2 + len(variants)


def test_list_cells_are_fingerprinted_by_their_items():
    columns = "label_level varchar[], score_pct double, label_award_id varchar"
    one = rows_of([(["pass", "fail"], 1.0, "a"), (["pass"], 2.0, "b")], columns=columns)
    same = rows_of([(["pass"], 2.0, "b"), (["pass", "fail"], 1.0, "a")], columns=columns)
    other = rows_of([(["fail", "pass"], 1.0, "a"), (["pass"], 2.0, "b")], columns=columns)
    assert one == same != other


def test_a_changed_suite_file_changes_the_fingerprint(tmp_path, monkeypatch):
    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites)
    monkeypatch.setenv("CLUSTERSCORE_EXPECTATIONS_DIR", str(suites))
    before = rows_of()
    path = suites / f"{SUITE}.json"
    path.write_text(path.read_text().replace('"meta"', '"meta" ', 1))
    assert rows_of() != before


def reusable_outcome(paths, suite: str, rows: str):
    """The suite's kept pass and the run that validated it, if it validated rows of this fingerprint: what a check
    reuses (pipelines/quality.py: `evaluate_suite`)."""
    kept = kept_pass(paths, suite)
    return kept.for_rows(rows) if kept else None


def test_only_a_pass_is_kept_and_reused_for_the_same_fingerprint_unless_everything_is_rechecked(
    home, rows, monkeypatch
):
    monkeypatch.delenv("CLUSTERSCORE_ALWAYS_RESCORE")
    same, other = rows, rows_of(ROWS[:2])
    keep_pass(home, SUITE, Rows(same, 3), "run-failed", outcome(False))
    assert reusable_outcome(home, SUITE, same) is None  # a failure is never reused

    keep_pass(home, SUITE, Rows(same, 3), "run-1", outcome(True))
    reused, validated_in = reusable_outcome(home, SUITE, same)
    assert validated_in == "run-1" and reused == outcome(True)
    assert reusable_outcome(home, SUITE, other) is None
    assert reusable_outcome(home, "raw_label_awards", same) is None

    keep_pass(home, SUITE, Rows(other, 2), "run-2", outcome(True))  # the suite's last pass replaces the one before
    assert reusable_outcome(home, SUITE, same) is None
    assert reusable_outcome(home, SUITE, other)[1] == "run-2"

    monkeypatch.setenv("CLUSTERSCORE_ALWAYS_RESCORE", "1")
    assert reusable_outcome(home, SUITE, other) is None

    monkeypatch.delenv("CLUSTERSCORE_ALWAYS_RESCORE")
    kept = home.gx_root / "reuse" / f"{SUITE}.json"
    kept.write_text(kept.read_text()[:40])  # a file cut short: no reuse, no error
    assert reusable_outcome(home, SUITE, other) is None


def test_a_profile_suite_is_fingerprinted_by_its_profile_and_validates_that(tmp_path):
    """A profile suite (national CVR) validates one row describing the table: the fingerprint is that row's, and
    the row comes back with it, so a check that validates does not profile the table twice."""
    import gzip

    from clusterscore.landing import land_file
    from clusterscore.settings import SAMPLE_DIR
    from clusterscore.sources import SOURCES

    with gzip.open(SAMPLE_DIR / SOURCES["cvr_companies"].sample_file, "rb") as handle:
        lines = [line for line in handle][:6]

    def landed(count: int) -> str:
        path = tmp_path / f"cvr-{count}.jsonl.gz"
        with gzip.open(path, "wb") as handle:
            handle.writelines(lines[:count])
        with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
            batch = land_file(con, SOURCES["cvr_companies"], path, "file:test", run_id=f"run-{count}")
            rows = fingerprint(con, "raw_cvr_companies")
        assert rows.profile is not None and len(rows.profile) == 1 and rows.count == batch.landed > 0
        return rows.fingerprint

    first = landed(6)
    assert landed(4) != first


def test_a_suites_rows_are_known_to_be_the_same_from_the_runs_inputs():
    """A suite's pass is reused without reading its rows when the run's inputs leave them as they were: a raw
    source's suite while no other batch of it has landed, a staging model's when dbt would reuse the model."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    sources = ("annual_reports", "cluster_designations", "cluster_submissions", "cvr_companies", "label_awards")
    then = {
        "batches": {name: f"{name}-1" for name in sources},
        "stale_sources": [],
        "as_of_date": "2026-11-30",
        "code_sha256": "code-1",
    }
    # The next night: new CVR documents, and the next day.
    now = {**then, "batches": {**then["batches"], "cvr_companies": "cvr_companies-2"}, "as_of_date": "2026-12-01"}
    same = functools.partial(same_rows_by_inputs, manifest)
    assert same(["raw", "cluster_submissions"], now, then, "code-1")
    assert same(["staging", "stg_clusters__members"], now, then, "code-1")
    assert not same(["raw", "cvr_companies"], now, then, "code-1")
    assert not same(["staging", "stg_cvr__companies"], now, then, "code-1")
    # Other code now, a last build by other code (for a model), no inputs kept, or a mart: not known to be the same.
    other_code = {**now, "code_sha256": "code-2"}
    assert not same(["raw", "cluster_submissions"], other_code, then, "code-2")
    assert not same(["staging", "stg_clusters__members"], other_code, then, "code-2")
    assert not same(["staging", "stg_clusters__members"], now, then, "code-2")
    assert not same(["raw", "cluster_submissions"], now, None, "code-1")
    assert not same(["marts", "scorecard"], now, then, "code-1")
