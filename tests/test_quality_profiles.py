"""The suites of national-size tables (the CVR register, the submissions and their members) are profile suites:
DuckDB counts the rows breaking each rule (one row, with examples), Great Expectations checks the counts. Real
DuckDB files, real GX; good data passes, and each kind of bad row fails its rule, named with its examples."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random

import duckdb
import pytest

from clusterscore.cvr_numbers import CvrAllocator, is_valid_cvr
from clusterscore.landing import ensure_schema
from clusterscore.quality.gx_runner import PROFILE_SQL_MACROS, profile_rows_sql, suite_frame, validate
from clusterscore.sources import SOURCES

STATUSES = ["NORMAL", "AKTIV", "OPHØRT", "UNDER KONKURS", "OPLØST EFTER FUSION", "SLETTET"]
BANDS = ["ANTAL_0_0", "ANTAL_1_1", "ANTAL_2_4", "ANTAL_10_19", "ANTAL_1000_999999"]
T0 = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC)


def failures_by_column(outcome) -> dict[str, dict]:
    return {f["column"]: f for f in outcome.failures}


def validate_after_adding(path, table: str, rows: list[dict], suite: str):
    """`rows` added to `table` of the DuckDB file at `path`, then `suite` validated on it."""
    with duckdb.connect(str(path)) as con:
        insert(con, table, rows)
    with duckdb.connect(str(path), read_only=True) as con:
        return validate(suite, suite_frame(con, suite))


# --- the modulus-11 check in SQL -------------------------------------------------------------------------------


def test_the_sql_cvr_check_agrees_with_the_python_one():
    allocator = CvrAllocator(random.Random(11))
    rng = random.Random(12)
    values = [str(allocator.next()) for _ in range(2_000)] + [str(allocator.next_invalid()) for _ in range(2_000)]
    values += [str(rng.randrange(10**7, 10**8)) for _ in range(5_000)]
    values += [
        "61126228",
        "01126228",
        "6112622",
        "611262280",
        "6112622x",
        "abcdefgh",
        "",
        " 6112622",
        "\uff16\uff11\uff11\uff12\uff16\uff12\uff12\uff18",  # full-width digits,
    ]
    with duckdb.connect() as con:
        for macro in PROFILE_SQL_MACROS:
            con.execute(macro)
        con.execute("create table v (value varchar)")
        con.executemany("insert into v values (?)", [[v] for v in [*values, None]])
        checked = dict(con.execute("select value, valid_cvr(value) from v").fetchall())
        as_integers = con.execute("select valid_cvr(61126228), valid_cvr(61126229), valid_cvr(1126228)").fetchone()
    assert checked.pop(None) is None  # null stays null: a rule ignores it, as GX does
    assert checked == {v: is_valid_cvr(v) for v in values}
    assert 1_900 < sum(checked.values()) < 4_000  # both kinds are there
    assert as_integers == (True, False, False)


# --- raw.cvr_companies ------------------------------------------------------------------------------------------


def raw_row(
    batch_id: str,
    key: str,
    line_no: int,
    last_seen: str,
    source: str = "cvr_companies",
    record_type: str = "company",
    payload: str | None = None,
    **extra,
) -> dict:
    """A row of a raw table; by default a CVR document whose cvrNummer is `key`."""
    if payload is None:
        payload = json.dumps({"_source": {"Vrvirksomhed": {"cvrNummer": key, "enhedsNummer": line_no}}})
    row = {
        "batch_id": batch_id,
        "source_name": source,
        "source_uri": SOURCES[source].sample_file,
        "fetched_at": T0,
        "line_no": line_no,
        "record_type": record_type,
        "record_key": key,
        "parent_key": None,
        "record_hash": hashlib.sha256(payload.encode()).hexdigest(),
        "payload": payload,
        "last_seen_batch_id": last_seen,
        "superseded_at": None,
        "superseded_by_batch_id": None,
    }
    return {**row, **extra}


def insert(con, table: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    con.executemany(
        f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' for _ in columns)})",
        [[row[c] for c in columns] for row in rows],
    )


def add_batch(
    con, batch_id: str, fetched_at: dt.datetime, status: str = "landed", source: str = "cvr_companies"
) -> None:
    insert(
        con,
        "meta.batches",
        [
            {
                "batch_id": batch_id,
                "source_name": source,
                "source_uri": SOURCES[source].sample_file,
                "load_kind": "full",
                "fetched_at": fetched_at,
                "started_at": fetched_at,
                "status": status,
            }
        ],
    )


@pytest.fixture
def raw_db(home, tmp_path):
    """Two landed batches (plus a newer failed one): the latest landed batch saw 30 good companies; an older
    version of one of them, superseded, and a company only the older batch had, both bad, must not count."""
    path = tmp_path / "landing.duckdb"  # not raw.duckdb: its catalog would shadow the schema raw
    allocator = CvrAllocator(random.Random(1))
    keys = [str(allocator.next()) for _ in range(30)]
    with duckdb.connect(str(path)) as con:
        ensure_schema(con, SOURCES["cvr_companies"])
        add_batch(con, "b1", T0)
        add_batch(con, "b2", T0 + dt.timedelta(days=1))
        add_batch(con, "b3", T0 + dt.timedelta(days=2), status="failed")
        old = T0 + dt.timedelta(days=1)
        rows = [raw_row("b1", key, n, "b2") for n, key in enumerate(keys, start=1)]  # unchanged: seen again by b2
        rows.append(raw_row("b1", keys[0], 1, "b1", superseded_at=old, superseded_by_batch_id="b2", record_hash="x"))
        rows.append(raw_row("b1", "12345678", 31, "b1", superseded_at=old, superseded_by_batch_id="b2"))
        insert(con, "raw.cvr_companies", rows)
    return path, keys, allocator


def test_repeated_keys_are_counted_as_a_window_over_the_key_counts_them():
    """`profile.repeated` (a join to the keys seen more than once) gives each row the count a window over its key
    gives, with nulls in a key counted together."""
    con = duckdb.connect()
    con.execute("create table t (a varchar, b integer, c varchar)")
    rows = [("x", 1, "p"), ("x", 1, "q"), ("x", None, "r"), ("x", None, "s"), (None, None, "t"), ("y", 2, "u")]
    con.executemany("insert into t values (?, ?, ?)", [*rows, (None, None, "v"), (None, 1, "w")])
    profile = {"rows": "select a, b, c from t", "repeated": {"key": ["a", "b"], "as": "n"}}
    joined = con.execute(f"select a, b, c, n from ({profile_rows_sql(profile)}) order by all").fetchall()
    window = con.execute("select a, b, c, count(*) over (partition by a, b) as n from t order by all").fetchall()
    assert joined == window and sorted(n for *_, n in joined) == [1, 1, 2, 2, 2, 2, 2, 2]


def test_raw_cvr_profile_passes_on_good_data_of_the_latest_batch(raw_db):
    path, _, _ = raw_db
    with duckdb.connect(str(path), read_only=True) as con:
        frame = suite_frame(con, "raw_cvr_companies")
    assert len(frame) == 1
    assert frame.loc[0, "row_count"] == 30  # the latest landed batch's versions only
    assert frame.loc[0, "invalid_cvr_numbers"] == 0 and frame.loc[0, "invalid_cvr_numbers_examples"] == ""
    outcome = validate("raw_cvr_companies", frame)
    assert outcome.success, outcome.summary()
    assert outcome.summary() == "raw_cvr_companies: all 6 expectations met"
    assert outcome.result["statistics"]["evaluated_expectations"] == 6
    assert outcome.docs_index and outcome.docs_index.endswith("index.html")


def test_data_docs_pages_are_rendered_with_templates_compiled_once(raw_db):
    """The Data Docs site uses GX's views with one shared Jinja bytecode cache (clusterscore/quality/gx_views.py):
    the pages are GX's, and a second validation compiles no template again."""
    from pathlib import Path
    from urllib.parse import urlparse

    from clusterscore.quality.gx_views import COMPILED

    path, _, _ = raw_db
    with duckdb.connect(str(path), read_only=True) as con:
        frame = suite_frame(con, "raw_cvr_companies")
    first = validate("raw_cvr_companies", frame)
    compiled = dict(COMPILED._code)
    second = validate("raw_cvr_companies", frame)
    assert compiled and COMPILED._code == compiled  # the second run's pages reused every compiled template
    site = Path(urlparse(second.docs_index).path).parent
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "raw_cvr_companies" in index and "<table" in index
    pages = sorted((site / "validations" / "raw_cvr_companies").rglob("*.html"))
    assert len(pages) >= 2 and all("Expectation Validation Result" in p.read_text(encoding="utf-8") for p in pages)
    assert first.success and second.success


def test_raw_cvr_profile_names_each_broken_rule_with_examples(raw_db):
    path, keys, allocator = raw_db
    bad_digit = str(allocator.next_invalid())
    with duckdb.connect(str(path)) as con:
        insert(
            con,
            "raw.cvr_companies",
            [
                raw_row("b2", keys[3], 40, "b2", record_hash="0" * 64),  # a second current version of a key
                raw_row("b2", bad_digit, 41, "b2"),  # fails modulus 11
                raw_row("b2", "1234567", 42, "b2"),  # 7 digits
                raw_row("b2", keys[5], 43, "b2", record_hash="NOT-A-HASH"),  # replaces keys[5]'s row, deleted below
            ],
        )
        con.execute("delete from raw.cvr_companies where record_key = ? and line_no = 6", [keys[5]])
    with duckdb.connect(str(path), read_only=True) as con:
        outcome = validate("raw_cvr_companies", suite_frame(con, "raw_cvr_companies"))

    assert not outcome.success
    failed = failures_by_column(outcome)
    assert set(failed) == {
        "duplicate_record_keys",
        "malformed_record_hashes",
        "malformed_cvr_numbers",
        "invalid_cvr_numbers",
    }
    assert failed["duplicate_record_keys"]["observed"] == f"observed 2 (e.g. {keys[3]})"
    assert failed["malformed_record_hashes"]["examples"] == keys[5]
    assert failed["malformed_cvr_numbers"]["observed"] == "observed 1 (e.g. 1234567)"
    assert failed["invalid_cvr_numbers"]["observed"] == f"observed 2 (e.g. {', '.join(sorted(['1234567', bad_digit]))})"
    summary = outcome.summary()
    assert summary.startswith("raw_cvr_companies: 4 of 6 expectations failed: ")
    assert (
        f"duplicate_record_keys: observed 2 (e.g. {keys[3]}) [expect_column_values_to_be_unique(record_key)" in summary
    )
    assert f"invalid_cvr_numbers: observed 2 (e.g. {', '.join(sorted(['1234567', bad_digit]))}) [" in summary
    # The full GX result is kept (audit store, Data Docs), with the profile values GX checked.
    results = {r["expectation_config"]["kwargs"]["column"]: r for r in outcome.result["results"]}
    assert results["invalid_cvr_numbers"]["success"] is False


# --- staging.stg_cvr__companies ---------------------------------------------------------------------------------

STG_DDL = """
create schema if not exists staging;
create or replace table staging.stg_cvr__companies (
    cvr_number varchar, unit_number bigint, company_name varchar, legal_form_code integer, company_status varchar,
    municipality_code integer, employees integer, employment_band varchar, record_hash varchar, batch_id varchar
)
"""


def company(cvr: str, n: int, **extra) -> dict:
    row = {
        "cvr_number": cvr,
        "unit_number": 4_000_000_000 + n,
        "company_name": f"Virksomhed {n} ApS",
        "legal_form_code": None if n == 7 else 80,  # one of 40 without legal form: 2.5 %, within the 5 % allowed
        "company_status": STATUSES[n % len(STATUSES)],
        "municipality_code": None if n % 9 == 0 else 101 + (n * 37) % 760,
        "employees": None if n % 4 == 0 else n * 3,
        "employment_band": None if n % 5 == 0 else BANDS[n % len(BANDS)],
        "record_hash": f"{n:064x}",
        "batch_id": "cvr-1",
    }
    return {**row, **extra}


@pytest.fixture
def stg_db(home, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    allocator = CvrAllocator(random.Random(2))
    rows = [company(str(allocator.next()), n) for n in range(40)]
    with duckdb.connect(str(path)) as con:
        con.execute(STG_DDL)
        insert(con, "staging.stg_cvr__companies", rows)
    return path, rows, allocator


def test_stg_cvr_profile_passes_on_good_data(stg_db):
    path, _, _ = stg_db
    with duckdb.connect(str(path), read_only=True) as con:
        frame = suite_frame(con, "stg_cvr__companies")
    assert frame.loc[0, "row_count"] == 40
    assert frame.loc[0, "missing_legal_form_share"] == pytest.approx(0.025)
    outcome = validate("stg_cvr__companies", frame)
    assert outcome.success, outcome.summary()


def test_stg_cvr_profile_names_each_broken_rule_with_examples(stg_db):
    path, rows, allocator = stg_db
    bad_digit = str(allocator.next_invalid())
    bad = [
        company(rows[0]["cvr_number"], 100),  # duplicate CVR number
        company(bad_digit, 101),  # fails modulus 11
        company("A1234567", 102),  # not 8 digits
        company(str(allocator.next()), 103, company_name=None),
        company(str(allocator.next()), 104, company_status="BOGUS"),
        company(str(allocator.next()), 105, employment_band="ANTAL_X"),
        company(str(allocator.next()), 106, municipality_code=999),
        company(str(allocator.next()), 107, employees=-3),
    ]
    bad = [{**row, "legal_form_code": None} for row in bad]  # 9 of 48 without legal form: over 5 %
    outcome = validate_after_adding(path, "staging.stg_cvr__companies", bad, "stg_cvr__companies")

    failed = failures_by_column(outcome)
    assert {column: f["observed"] for column, f in failed.items()} == {
        "duplicate_cvr_numbers": f"observed 2 (e.g. {rows[0]['cvr_number']})",
        "malformed_cvr_numbers": "observed 1 (e.g. A1234567)",
        "invalid_cvr_numbers": f"observed 2 (e.g. {bad_digit}, A1234567)",
        "missing_company_names": f"observed 1 (e.g. {bad[3]['cvr_number']})",
        "unknown_company_statuses": "observed 1 (e.g. BOGUS)",
        "unknown_employment_bands": "observed 1 (e.g. ANTAL_X)",
        "municipality_codes_out_of_range": "observed 1 (e.g. 999)",
        "employees_out_of_range": "observed 1 (e.g. -3)",
        "missing_legal_form_share": "observed 0.1875 (e.g. "
        + ", ".join(sorted(r["cvr_number"] for r in [rows[7], *bad])[:5])
        + ")",
    }
    assert failed["unknown_company_statuses"]["row_rule"].startswith("expect_column_values_to_be_in_set(company_status")
    assert outcome.failed == 9 and outcome.evaluated == 10
    assert "unknown_company_statuses: observed 1 (e.g. BOGUS) [expect_column_values_to_be_in_set(" in outcome.summary()


def test_a_scoped_profile_counts_the_rules_no_row_may_break_on_the_rows_not_yet_validated(stg_db):
    """Given the batches a release validated the table through (pipelines/quality.py: `validated_through`), the
    rules no row may break are counted on the rows of later batches only; the row count and the share of missing
    legal forms stay of all rows, and a new row repeating an older row's CVR number is a duplicate."""
    path, rows, allocator = stg_db
    later = [company(str(allocator.next()), 200 + n, batch_id="cvr-2") for n in range(4)]
    with duckdb.connect(str(path)) as con:
        ensure_schema(con)
        add_batch(con, "cvr-1", T0)
        add_batch(con, "cvr-2", T0 + dt.timedelta(days=1))
        # A row the release validated does not count again (here it would break a rule: it cannot in a real run).
        con.execute(
            "update staging.stg_cvr__companies set company_status = 'BOGUS' where cvr_number = ?",
            [rows[1]["cvr_number"]],
        )
        insert(con, "staging.stg_cvr__companies", later)

    def profile(through: list[str]):
        with duckdb.connect(str(path), read_only=True) as con:
            return suite_frame(con, "stg_cvr__companies", through)

    scoped = profile(["cvr-1"])
    assert scoped.loc[0, "row_count"] == 44 and scoped.loc[0, "rows_not_yet_validated"] == 4
    assert scoped.loc[0, "unknown_company_statuses"] == 0
    assert scoped.loc[0, "missing_legal_form_share"] == pytest.approx(1 / 44)  # of all rows
    assert validate("stg_cvr__companies", scoped).success
    assert profile([]).loc[0, "unknown_company_statuses"] == 1  # unscoped: every row
    # Through the later batch as well: no row is new.
    assert profile(["cvr-2"]).loc[0, "rows_not_yet_validated"] == 0

    bad = [
        company(rows[0]["cvr_number"], 300, batch_id="cvr-2"),  # repeats a validated row's CVR number
        company(str(allocator.next()), 301, employees=-1, batch_id="cvr-2"),
    ]
    with duckdb.connect(str(path)) as con:
        insert(con, "staging.stg_cvr__companies", bad)
    failed = failures_by_column(validate("stg_cvr__companies", profile(["cvr-1"])))
    assert {column: f["observed"] for column, f in failed.items()} == {
        "duplicate_cvr_numbers": f"observed 1 (e.g. {rows[0]['cvr_number']})",
        "employees_out_of_range": "observed 1 (e.g. -1)",
    }


def test_a_rule_of_all_rows_may_not_read_the_key_count_of_the_new_rows(tmp_path, monkeypatch):
    """The repeated-key column of a scoped profile counts keys for the new rows only: a rule of the whole table
    (a share, a count with room) reading it is refused when the query is made."""
    from clusterscore.quality.gx_runner import load_suite_spec, profile_query

    spec = load_suite_spec("stg_cvr__companies")
    for expectation in spec["expectations"]:
        if expectation["kwargs"]["column"] == "missing_legal_form_share":
            expectation["meta"]["profile"]["share_where"] = "cvr_number_rows > 1"
    (tmp_path / "stg_cvr__companies.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("CLUSTERSCORE_EXPECTATIONS_DIR", str(tmp_path))
    assert "cvr_number_rows > 1" in profile_query("stg_cvr__companies")
    with pytest.raises(ValueError, match="may not read cvr_number_rows"):
        profile_query("stg_cvr__companies", ["cvr-1"])


def test_an_empty_table_fails_on_its_row_count(stg_db):
    path, _, _ = stg_db
    with duckdb.connect(str(path)) as con:
        con.execute("delete from staging.stg_cvr__companies")
    with duckdb.connect(str(path), read_only=True) as con:
        outcome = validate("stg_cvr__companies", suite_frame(con, "stg_cvr__companies"))
    assert [f["column"] for f in outcome.failures] == ["row_count"]
    assert "row_count: observed 0 [expect_table_row_count_to_be_between(1, 5000000)]" in outcome.summary()


# --- raw.cluster_submissions ------------------------------------------------------------------------------------


def submission_row(batch_id: str, key: str, line_no: int, record_type: str = "member", **extra) -> dict:
    """A submission's header or line, seen last by its own batch."""
    row = {"source": "cluster_submissions", "record_type": record_type, "payload": json.dumps({"line": line_no})}
    return raw_row(batch_id, key, line_no, batch_id, **row, parent_key="12345674/2025", **extra)


@pytest.fixture
def submissions_db(home, tmp_path):
    """The latest landed batch has a header and 20 lines, all good; an older batch's bad rows must not count."""
    path = tmp_path / "landing.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_schema(con, SOURCES["cluster_submissions"])
        add_batch(con, "s1", T0, source="cluster_submissions")
        add_batch(con, "s2", T0 + dt.timedelta(days=1), source="cluster_submissions")
        rows = [submission_row("s2", "12345674/2025", 1, "submission")]
        rows += [submission_row("s2", f"12345674/2025/members[{n}]", n + 2) for n in range(20)]
        rows.append(submission_row("s1", "12345674/2025/members[0]", 2, record_type="pirate", record_hash="x"))
        insert(con, "raw.cluster_submissions", rows)
    return path


def test_raw_submissions_profile_passes_on_good_data_of_the_latest_batch(submissions_db):
    with duckdb.connect(str(submissions_db), read_only=True) as con:
        frame = suite_frame(con, "raw_cluster_submissions")
    assert frame.loc[0, "row_count"] == 21
    outcome = validate("raw_cluster_submissions", frame)
    assert outcome.success, outcome.summary()
    assert outcome.summary() == "raw_cluster_submissions: all 5 expectations met"


def test_raw_submissions_profile_names_each_broken_rule_with_examples(submissions_db):
    bad = [
        submission_row("s2", "12345674/2025/members[3]", 30),  # a key twice
        submission_row("s2", "12345674/2025/board[0]", 31, record_hash="NOT-A-HASH"),
        submission_row("s2", "12345674/2025/ships[0]", 32, record_type="ship"),
    ]
    outcome = validate_after_adding(submissions_db, "raw.cluster_submissions", bad, "raw_cluster_submissions")
    failed = failures_by_column(outcome)
    assert {column: f["observed"] for column, f in failed.items()} == {
        "duplicate_record_keys": "observed 2 (e.g. 12345674/2025/members[3])",
        "malformed_record_hashes": "observed 1 (e.g. 12345674/2025/board[0])",
        "unknown_record_types": "observed 1 (e.g. ship)",
    }
    assert failed["unknown_record_types"]["row_rule"].startswith("expect_column_values_to_be_in_set(record_type")
    assert outcome.failed == 3 and outcome.evaluated == 5


# --- staging.stg_clusters__members ------------------------------------------------------------------------------

MEMBERS_DDL = """
create schema if not exists staging;
create or replace table staging.stg_clusters__members (
    organisation_cvr varchar, submission_year integer, member_cvr varchar, member_foreign_id varchar,
    member_key varchar, member_category varchar, commitment_basis varchar
)
"""


def member(n: int, cvr: str | None, **extra) -> dict:
    row = {
        "organisation_cvr": "12345674",
        "submission_year": 2025,
        "member_cvr": cvr,
        "member_foreign_id": None if cvr else f"SE:55612345{n:02d}",
        "member_category": ["SME", "non-SME", "university", "other"][n % 4],
        "commitment_basis": ["signed_membership", "fee_paying"][n % 2],
    }
    row = {**row, **extra}
    return {**row, "member_key": row["member_cvr"] or row["member_foreign_id"]}


@pytest.fixture
def members_db(home, tmp_path):
    """30 members of one submission, 5 of them foreign (no CVR number: the regex ignores them, as GX does)."""
    path = tmp_path / "warehouse.duckdb"
    allocator = CvrAllocator(random.Random(3))
    rows = [member(n, None if n % 6 == 0 else str(allocator.next())) for n in range(30)]
    with duckdb.connect(str(path)) as con:
        con.execute(MEMBERS_DDL)
        insert(con, "staging.stg_clusters__members", rows)
    return path, rows


def test_members_profile_passes_on_good_data(members_db):
    path, _ = members_db
    with duckdb.connect(str(path), read_only=True) as con:
        frame = suite_frame(con, "stg_clusters__members")
    assert frame.loc[0, "row_count"] == 30
    outcome = validate("stg_clusters__members", frame)
    assert outcome.success, outcome.summary()


def test_members_profile_names_each_broken_rule_with_examples(members_db):
    path, rows = members_db
    twice = rows[1]
    bad = [
        member(40, twice["member_cvr"]),  # the same member twice in one submission
        member(41, twice["member_cvr"], submission_year=2024),  # in another year's submission: not a duplicate
        member(42, "1234567"),
        member(43, "22222222", member_category="pirate"),
        member(44, "33333333", commitment_basis="a handshake"),
    ]
    outcome = validate_after_adding(path, "staging.stg_clusters__members", bad, "stg_clusters__members")
    failed = failures_by_column(outcome)
    assert {column: f["observed"] for column, f in failed.items()} == {
        "duplicate_member_keys": f"observed 2 (e.g. 12345674/2025/{twice['member_cvr']})",
        "malformed_member_cvrs": "observed 1 (e.g. 1234567)",
        "unknown_member_categories": "observed 1 (e.g. pirate)",
        "unknown_commitment_bases": "observed 1 (e.g. a handshake)",
    }
    assert failed["duplicate_member_keys"]["row_rule"].startswith("expect_compound_columns_to_be_unique(")
    assert outcome.failed == 4 and outcome.evaluated == 5
