"""Raw landing on a real DuckDB file: bad records of every kind end in quarantine with a reason naming the
field, good ones land, every record is accounted for, and landing the same batch twice changes nothing."""

from __future__ import annotations

import gzip
import json

import duckdb
import pytest

from clusterscore.cvr_numbers import is_valid_cvr
from clusterscore.landing import SourceReadError, land_file
from clusterscore.sources import SOURCES

GOOD_CVR = 10000009  # 1*2 + 0 + ... + 9*1 = 11, divisible by 11
OTHER_CVR = 10000017  # 2 + 1*2 + 7 = 11


def company(cvr, **overrides):
    doc = {
        "cvrNummer": cvr,
        "enhedsNummer": 4000000000 + cvr % 1000,
        "navne": [{"navn": "Fiktiv Virksomhed ApS", "periode": {"gyldigFra": "2015-01-01", "gyldigTil": None}}],
    }
    doc.update(overrides)
    return {"_id": str(cvr), "_source": {"Vrvirksomhed": doc}, "synthetic": True}


def write_lines(path, lines):
    with gzip.open(path, "wb") as handle:
        for line in lines:
            handle.write((line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n")
    return path


def quarantine_rows(con, source):
    return con.execute(
        "select line_no, record_key, field, reason from meta.quarantine where source_name = ? order by line_no, record_key",
        [source],
    ).fetchall()


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "landing.duckdb"))
    yield connection
    connection.close()


def test_bad_cvr_documents_are_quarantined_with_field_and_reason(con, tmp_path):
    lines = [
        company(GOOD_CVR),
        b"{not json",
        b"[1, 2, 3]",
        company(12345678),  # fails modulus-11
        company(OTHER_CVR, navne="Fiktiv"),  # wrong type
        {"_source": {}},  # no Vrvirksomhed
        company(OTHER_CVR, navne=[{"navn": "X", "periode": {"gyldigFra": "2019-02-30"}}]),  # no such date
        company(GOOD_CVR),  # duplicate key
        b"\xff\xfe not utf-8",
        company(OTHER_CVR),
        {"_source": ["not", "an", "object"]},  # too malformed even to find its key
    ]
    path = write_lines(tmp_path / "cvr.jsonl.gz", lines)
    result = land_file(con, SOURCES["cvr_companies"], path, "file:test/cvr.jsonl.gz", run_id="test-run")

    assert (result.received, result.landed, result.quarantined) == (11, 2, 9)
    rows = quarantine_rows(con, "cvr_companies")
    by_line = {line: (key, field, reason) for line, key, field, reason in rows}
    assert by_line[2][1] == "(record)" and by_line[2][2].startswith("not valid JSON")
    assert "must be a JSON object" in by_line[3][2]
    assert by_line[4] == (
        "12345678",
        "_source.Vrvirksomhed.cvrNummer",
        "CVR number 12345678 fails the modulus-11 check",
    )
    assert by_line[5][1] == "_source.Vrvirksomhed.navne"
    assert by_line[6][1] == "_source.Vrvirksomhed" and by_line[6][2] == "required field is missing"
    assert by_line[7][1] == "_source.Vrvirksomhed.navne[0].periode.gyldigFra"
    assert "not a calendar date" in by_line[7][2]
    assert by_line[8][0] == str(GOOD_CVR) and "duplicate record key: first at line 1" in by_line[8][2]
    assert "not valid JSON" in by_line[9][2]
    assert by_line[11][0] == "line:11" and "unexpected shape" in by_line[11][2]
    landed = con.execute("select record_key from raw.cvr_companies order by line_no").fetchall()
    assert landed == [(str(GOOD_CVR),), (str(OTHER_CVR),)]


def test_a_bad_submission_line_is_quarantined_alone_and_a_bad_header_takes_its_lines(con, tmp_path):
    submission = {
        "organisation_cvr": GOOD_CVR,
        "year": 2025,
        "members": [
            {"member_cvr": OTHER_CVR, "member_category": "SME", "commitment_basis": "fee_paying"},
            {"member_cvr": "1234567", "member_category": "SME", "commitment_basis": "fee_paying"},
            {
                "member_cvr": OTHER_CVR,
                "foreign_id": "DE:HRB1",
                "member_category": "SME",
                "commitment_basis": "fee_paying",
            },
            {"foreign_id": "SE:5561234567", "member_category": "pirate", "commitment_basis": "fee_paying"},
        ],
        "funding": [
            {"source_type": "public_national", "amount_dkk": -5},
            {"source_type": "other", "amount_dkk": 10},
        ],
        "events": "none this year",
    }
    bad_header = {"organisation_cvr": GOOD_CVR, "year": "last year", "members": [{"member_cvr": OTHER_CVR}]}
    path = write_lines(tmp_path / "submissions.jsonl.gz", [submission, bad_header])
    result = land_file(con, SOURCES["cluster_submissions"], path, "file:test/submissions.jsonl.gz", run_id="t")

    assert result.received == 1 + 4 + 2 + 1 + 1 + 1  # header, members, funding, events section; header, member
    assert result.received == result.landed + result.quarantined
    reasons = {key: (field, reason) for _, key, field, reason in quarantine_rows(con, "cluster_submissions")}
    assert reasons[f"{GOOD_CVR}/2025/members[1]"] == (
        "members[1].member_cvr",
        "CVR number must be 8 digits, got '1234567'",
    )
    assert "exactly one of member_cvr and foreign_id" in reasons[f"{GOOD_CVR}/2025/members[2]"][1]
    assert reasons[f"{GOOD_CVR}/2025/members[3]"][0] == "members[3].member_category"
    assert reasons[f"{GOOD_CVR}/2025/funding[0]"][0] == "funding[0].amount_dkk"
    assert reasons[f"{GOOD_CVR}/2025/events"] == ("events", "section must be a list of lines")
    assert reasons[f"{GOOD_CVR}/last year"][0] == "year"
    assert "its parent record" in reasons[f"{GOOD_CVR}/last year/members[0]"][1]
    landed = {k for (k,) in con.execute("select record_key from raw.cluster_submissions").fetchall()}
    assert landed == {f"{GOOD_CVR}/2025", f"{GOOD_CVR}/2025/members[0]", f"{GOOD_CVR}/2025/funding[1]"}


def test_landing_the_same_batch_twice_changes_nothing(con, tmp_path):
    path = write_lines(tmp_path / "cvr.jsonl.gz", [company(GOOD_CVR), company(12345678)])
    spec = SOURCES["cvr_companies"]
    first = land_file(con, spec, path, "file:test", run_id="one")

    def snapshot():
        return [
            con.execute(f"select * from {table} order by all").fetchall()
            for table in ("raw.cvr_companies", "meta.quarantine", "meta.batches")
        ]

    before = snapshot()
    second = land_file(con, spec, path, "file:test", run_id="two")
    assert second.status == "unchanged" and second.batch_id == first.batch_id
    assert snapshot() == before


def test_changed_content_lands_as_a_new_batch(con, tmp_path):
    spec = SOURCES["cvr_companies"]
    land_file(con, spec, write_lines(tmp_path / "a.jsonl.gz", [company(GOOD_CVR)]), "file:a", run_id="one")
    result = land_file(
        con,
        spec,
        write_lines(tmp_path / "b.jsonl.gz", [company(GOOD_CVR), company(OTHER_CVR)]),
        "file:b",
        run_id="2",
    )
    assert result.status == "landed" and result.landed == 2
    assert con.execute("select count(*) from meta.batches where status = 'landed'").fetchone() == (2,)


def cut_short(data: bytes) -> bytes:
    return data[: len(data) // 2]


def corrupted(data: bytes) -> bytes:
    """Bytes of the first deflate block flipped: the inflater refuses the stream (not a CRC mismatch at the end)."""
    return data[:11] + bytes(b ^ 0xFF for b in data[11:19]) + data[19:]


@pytest.mark.parametrize("damage", [cut_short, corrupted])
def test_an_unreadable_file_fails_the_batch_clearly_and_lands_nothing(con, tmp_path, damage):
    path = tmp_path / f"{damage.__name__}.jsonl.gz"
    full = gzip.compress(b"\n".join(json.dumps(company(GOOD_CVR)).encode() for _ in range(50)))
    path.write_bytes(damage(full))
    uri = f"file:{damage.__name__}"
    with pytest.raises(SourceReadError, match=f"source cvr_companies: cannot read {uri}"):
        land_file(con, SOURCES["cvr_companies"], path, uri, run_id="t")
    assert con.execute("select count(*) from raw.cvr_companies").fetchone() == (0,)
    status, message = con.execute("select status, message from meta.batches").fetchone()
    assert status == "failed" and path.name in message


def test_a_read_failing_after_stored_chunks_leaves_the_register_as_it_was(con, tmp_path, monkeypatch):
    """CVR lands chunk by chunk: a read failing midway takes back what the batch had stored."""
    from clusterscore import landing

    spec = SOURCES["cvr_companies"]
    land_file(con, spec, write_lines(tmp_path / "first.jsonl.gz", [company(GOOD_CVR)]), "file:first", run_id="1")
    before = con.execute("select * from raw.cvr_companies").fetchall()
    monkeypatch.setattr(landing, "BULK_CHUNK_BYTES", 512)  # many chunks, so several are stored before the failure
    cvrs = [n for n in range(10000000, 10002000) if is_valid_cvr(n)][:60]
    full = gzip.compress(b"\n".join(json.dumps(company(cvr)).encode() for cvr in cvrs))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(full[: len(full) * 3 // 4])
    with pytest.raises(SourceReadError, match="cannot read file:cut"):
        land_file(con, spec, path, "file:cut", run_id="2")
    assert con.execute("select * from raw.cvr_companies").fetchall() == before


def test_record_hash_is_sha256_of_the_stored_canonical_payload(con, tmp_path):
    import hashlib

    path = write_lines(tmp_path / "cvr.jsonl.gz", [company(GOOD_CVR)])
    land_file(con, SOURCES["cvr_companies"], path, "file:test", run_id="t")
    payload, stored_hash = con.execute("select payload::varchar, record_hash from raw.cvr_companies").fetchone()
    assert hashlib.sha256(payload.encode()).hexdigest() == stored_hash
    assert json.loads(payload)["_source"]["Vrvirksomhed"]["cvrNummer"] == GOOD_CVR


@pytest.mark.parametrize(
    ("source", "record", "field", "reason"),
    [
        (
            "annual_reports",
            {
                "cvrNummer": GOOD_CVR,
                "offentliggoerelsesTidspunkt": "2025-05-20T10:00:00Z",
                "regnskab": {"regnskabsperiode": {"startDato": "2024-12-31", "slutDato": "2024-01-01"}},
                "facts": {},
            },
            "regnskab.regnskabsperiode",
            "period starts (2024-12-31) after it ends (2024-01-01)",
        ),
        ("annual_reports", {"cvrNummer": GOOD_CVR, "regnskab": "2024"}, "(record)", "unexpected shape"),
        (
            "label_awards",
            {"organisation_name": "X", "label": "GOLD", "valid_until": "2027-01-01", "score_pct": 150},
            "score_pct",
            "less than or equal to 100",
        ),
        ("label_awards", {"organisation_name": "X", "label": "GOLD", "valid_until": "soon"}, "valid_until", "match"),
        (
            "cluster_designations",
            {
                "cvr": GOOD_CVR,
                "organisation_name": "",
                "business_area_code": "energy",
                "programme": "p",
                "designated_from": "2021-01-01",
            },
            "organisation_name",
            "at least 1 character",
        ),
    ],
)
def test_other_sources_quarantine_with_field_and_reason(con, tmp_path, source, record, field, reason):
    path = write_lines(tmp_path / "source.jsonl.gz", [record])
    result = land_file(con, SOURCES[source], path, "file:test", run_id="t")
    assert (result.received, result.landed, result.quarantined) == (1, 0, 1)
    ((_, _, got_field, got_reason),) = quarantine_rows(con, source)
    assert got_field == field and reason in got_reason


def _versions(con):
    return con.execute(
        "select record_key, superseded_at is null as current from raw.cvr_companies order by record_key, fetched_at"
    ).fetchall()


def test_records_are_kept_by_content_and_superseded_by_later_batches(con, tmp_path):
    import datetime as dt

    spec = SOURCES["cvr_companies"]
    day = dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC)
    renamed = company(GOOD_CVR, navne=[{"navn": "Nyt Navn ApS", "periode": {"gyldigFra": "2026-10-01"}}])

    def land(lines, name, days, kind=None):
        path = write_lines(tmp_path / f"{name}.jsonl.gz", lines)
        return land_file(con, spec, path, f"file:{name}", "run", day + dt.timedelta(days=days), load_kind=kind)

    land([company(GOOD_CVR), company(OTHER_CVR)], "a", 0)
    second = land([company(GOOD_CVR), company(OTHER_CVR), company(10000025)], "b", 1)  # one new, two unchanged
    assert second.landed == 3
    assert con.execute(
        "select stored_new, superseded from meta.batches where batch_id = ?", [second.batch_id]
    ).fetchone() == (1, 0)
    # An incremental batch with one changed company supersedes that company only.
    land([renamed], "c", 2, kind="incremental")
    assert _versions(con) == [("10000009", False), ("10000009", True), ("10000017", True), ("10000025", True)]
    # A full batch without 10000025 ends that record's current version; nothing is deleted.
    land([renamed, company(OTHER_CVR)], "d", 3)
    assert _versions(con) == [("10000009", False), ("10000009", True), ("10000017", True), ("10000025", False)]
    (received, landed, quarantined), (counted,) = (
        con.execute(
            "select received, landed, quarantined from meta.batches order by fetched_at desc limit 1"
        ).fetchone(),
        con.execute(
            "select count(*) from raw.cvr_companies where last_seen_batch_id = "
            "(select batch_id from meta.batches order by fetched_at desc limit 1)"
        ).fetchone(),
    )
    assert received == landed + quarantined == counted == 2


def test_superseded_versions_older_than_the_retention_are_dropped(con, tmp_path, monkeypatch):
    import datetime as dt

    spec = SOURCES["cvr_companies"]
    day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    monkeypatch.setenv("CLUSTERSCORE_RAW_RETENTION_DAYS", "30")
    renamed = company(GOOD_CVR, navne=[{"navn": "Nyt Navn ApS", "periode": {"gyldigFra": "2026-10-01"}}])
    for name, lines, days in (
        ("a", [company(GOOD_CVR)], 0),
        ("b", [renamed], 1),
        ("c", [renamed, company(OTHER_CVR)], 20),
    ):
        land_file(
            con, spec, write_lines(tmp_path / f"{name}.jsonl.gz", lines), name, "run", day + dt.timedelta(days=days)
        )
    assert len(_versions(con)) == 3  # the old version, superseded 19 days ago, is still kept
    land_file(
        con, spec, write_lines(tmp_path / "d.jsonl.gz", [company(OTHER_CVR)]), "d", "run", day + dt.timedelta(days=40)
    )
    # 39 days after it was superseded, the first version is gone; the one superseded today is kept.
    assert _versions(con) == [("10000009", False), ("10000017", True)]
