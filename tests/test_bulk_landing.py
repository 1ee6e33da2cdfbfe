"""Bulk landing (CVR, checked in DuckDB) lands exactly what record-by-record landing with the model lands: the same
records, keys, hashes and line numbers, and the same quarantine with the same field and reason, on the bundled
sample and on every way of breaking a good document we could think of. The SQL check may send a good record to
the model; it must never pass one the model refuses."""

from __future__ import annotations

import copy
import dataclasses
import gzip
import os
import shutil
import subprocess
import sys

import duckdb
import orjson
import pytest

from clusterscore import landing
from clusterscore.cvr_numbers import check_digit
from clusterscore.landing import land_file
from clusterscore.settings import SAMPLE_DIR
from clusterscore.sources import SOURCES

BULK = SOURCES["cvr_companies"]
BY_RECORD = dataclasses.replace(BULK, bulk=None)
BROKEN_VALUES = [None, "x", "", 12, -1, 1.5, True, [], {}, [None], [1], {"a": 1}, "2019-02-30", "1899-12-31T24:00"]
BROKEN_VALUES += ['a "quoted" \\ name', "2019-01-01\n", "12345678", 2**63 + 5]  # escapes, text digits, > int64


def land_both(tmp_path, path):
    """Land the file both ways, each into its own DuckDB file; return what each landed and quarantined."""
    outcomes = []
    for name, spec in (("bulk", BULK), ("by_record", BY_RECORD)):
        with duckdb.connect(str(tmp_path / f"{name}.duckdb")) as con:
            result = land_file(con, spec, path, "file:test/cvr.jsonl.gz", run_id="test")
            landed = con.execute(
                "select line_no, record_key, record_hash, record_type from raw.cvr_companies order by line_no"
            ).fetchall()
            quarantined = con.execute(
                "select line_no, record_key, field, reason, errors from meta.quarantine order by line_no, record_key"
            ).fetchall()
            outcomes.append(((result.received, result.landed, result.quarantined), landed, quarantined))
    return outcomes


def write(path, lines: list[bytes]):
    with gzip.open(path, "wb") as handle:
        handle.write(b"".join(line + b"\n" for line in lines))
    return path


def canonical(value) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def valid_cvr(n: int) -> int:
    prefix = 2000000 + n
    while check_digit(prefix) is None:
        prefix += 1
    return prefix * 10 + check_digit(prefix)


def leaves(value, path=()):
    """Every path into a JSON value (objects and lists included), the root excluded."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*path, index)
            yield from leaves(item, (*path, index))


def replaced(document, path, new, delete=False):
    changed = copy.deepcopy(document)
    holder = changed
    for part in path[:-1]:
        holder = holder[part]
    if delete:
        del holder[path[-1]]
    else:
        holder[path[-1]] = new
    return changed


def test_the_sample_lands_the_same_in_bulk_as_record_by_record(tmp_path):
    bulk, by_record = land_both(tmp_path, SAMPLE_DIR / BULK.sample_file)
    assert bulk == by_record
    assert bulk[0][2] > 0  # the sample's deliberately bad documents are there


def test_every_broken_field_is_quarantined_alike_and_nothing_bad_passes_sql(tmp_path):
    with gzip.open(SAMPLE_DIR / BULK.sample_file, "rb") as handle:
        hits = [orjson.loads(line) for line in handle]
    # The richest good document: most fields, with participants and employment.
    template = max((h for h in hits if "_source" in h), key=lambda h: len(canonical(h)))
    lines, n = [], 0
    for path in leaves(template["_source"]):
        if any(isinstance(part, int) and part > 0 for part in path):
            continue  # the first item of a list stands for the rest
        variants = [replaced(template["_source"], path, value) for value in BROKEN_VALUES]
        if not isinstance(path[-1], int):
            variants.append(replaced(template["_source"], path, None, delete=True))
        for variant in variants:
            n += 1
            document = variant.get("Vrvirksomhed")
            if isinstance(document, dict) and path[-1] != "cvrNummer" and "cvrNummer" in document:
                document["cvrNummer"] = valid_cvr(n)  # distinct keys, so only the broken field decides
            lines.append(canonical({**template, "_source": variant}))
    lines += [b"", b"   ", b"{not json", b"[1, 2]", b"7", canonical(template), canonical(template)]  # blank, dup
    bulk, by_record = land_both(tmp_path, write(tmp_path / "broken.jsonl.gz", lines))
    assert bulk == by_record
    counts = bulk[0]
    assert counts[0] == counts[1] + counts[2] and counts[2] > 1000 and counts[1] > 100


def test_line_numbers_count_blank_lines(tmp_path):
    with gzip.open(SAMPLE_DIR / BULK.sample_file, "rb") as handle:
        good = [line.rstrip(b"\n") for line in handle][:3]
    bulk, by_record = land_both(tmp_path, write(tmp_path / "gaps.jsonl.gz", [b"", good[0], b"", b"", good[1], good[2]]))
    assert bulk == by_record
    assert [row[0] for row in bulk[1]] == [2, 5, 6]


def test_line_ends_and_lines_duckdb_cannot_read_land_alike(tmp_path):
    """CR LF line ends; a line not UTF-8 and one with a raw control byte go to the model (and to quarantine); a
    carriage return inside a line (JSON whitespace) goes to the model too, which lands it."""
    with gzip.open(SAMPLE_DIR / BULK.sample_file, "rb") as handle:
        good = [line.rstrip(b"\n") for line in handle][:5]
    not_utf8 = good[1].replace(b'"_id"', b'"_\xff"', 1)
    control = good[2].replace(b'"_id"', b'"_\x01"', 1)
    inner_cr = good[4].replace(b',"', b',\r"', 1)
    path = tmp_path / "odd-lines.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"".join(line + b"\r\n" for line in [good[0], not_utf8, control, good[3], inner_cr]))
    bulk, by_record = land_both(tmp_path, path)
    assert bulk == by_record and bulk[0][0] == 5
    assert 5 in [row[0] for row in bulk[1]]  # the line with the inner carriage return landed
    quarantined = {row[0]: row[3] for row in bulk[2]}
    assert quarantined[2].startswith("not valid JSON") and quarantined[3].startswith("not valid JSON")


def test_lines_split_across_reads_and_chunks_land_alike(tmp_path, monkeypatch):
    """The reader decompresses in small reads and writes chunk files as it goes: lines (and multi-byte characters)
    cut by a read, a chunk boundary, blank lines and a last line without a line end change nothing."""
    with gzip.open(SAMPLE_DIR / BULK.sample_file, "rb") as handle:
        good = [line.rstrip(b"\n") for line in handle][:12]
    danish = good[3].replace(b'"_id"', '"_\u00e6\u00f8\u00e5"'.encode(), 1)  # two-byte characters
    lines = [good[0], b"", *good[1:3], '{"_id": "\u00e6\u00f8\u00e5"}'.encode(), danish, b"  ", *good[4:]]
    path = tmp_path / "split.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"\n".join(lines))  # no line end after the last line
    monkeypatch.setattr(landing, "READ_BYTES", 7)  # every line and the two-byte characters cut somewhere
    monkeypatch.setattr(landing, "BULK_CHUNK_BYTES", 3000)  # several chunks
    chunks = list(landing._numbered_chunks(path, tmp_path))
    assert len(chunks) > 3 and all(chunk.stat().st_size for chunk, _ in chunks)
    bulk, by_record = land_both(tmp_path, path)
    assert bulk == by_record
    received, landed, quarantined = bulk[0]
    assert received == len(lines) - 2 and landed > 8 and quarantined >= 1  # the sample's own bad records included
    assert max(row[0] for row in [*bulk[1], *bulk[2]]) == len(lines)


@pytest.mark.parametrize("read_bytes", [1, 5, 64, 1000, 1 << 20])
def test_a_line_duckdb_cannot_read_goes_to_the_model_wherever_the_reads_cut_it(tmp_path, monkeypatch, read_bytes):
    """A byte DuckDB's reader refuses (not UTF-8, a character cut off at the end of the file, 0x01, a carriage
    return) sends its line to the model, and only that line, however the reader's decompressed reads cut the lines."""
    with gzip.open(SAMPLE_DIR / BULK.sample_file, "rb") as handle:
        good = [line.rstrip(b"\n") for line in handle][:8]
    head, tail = good[2][:40], good[2][40:]
    lines = [
        good[0],
        head + b"\xff" + tail,  # not UTF-8 near the start of a long line
        good[1],
        good[3][:-30] + b"\x01" + good[3][-30:],  # 0x01 near its end
        canonical({**orjson.loads(good[4]), "_id": "\u00e6\u00f8\u00e5"}),  # two-byte characters, good
        good[5][:-2] + b"\xc3" + good[5][-2:],  # a two-byte character cut short, inside the line
        good[6].replace(b',"', b',\r"', 1),  # a carriage return inside (JSON whitespace: the model lands it)
        good[7] + b"\xc3",  # the last line ends inside a character
    ]
    path = tmp_path / "bad-bytes.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"\n".join(lines))
    monkeypatch.setattr(landing, "READ_BYTES", read_bytes)
    refused = [n for _, lines in landing._numbered_chunks(path, tmp_path) for n, _ in lines]
    assert refused == [2, 4, 6, 7, 8]
    bulk, by_record = land_both(tmp_path, path)
    assert bulk == by_record
    assert {row[0] for row in bulk[1]} >= {1, 3, 5, 7}


# A document with no company, and a CVR number whose last digit is a full-width nine (Python's isdigit says yes).
FULLWIDTH_NINE = "\uff19"


@pytest.mark.parametrize(
    "hit", [{"_id": "x"}, {"_source": {"Vrvirksomhed": {"cvrNummer": "1000000" + FULLWIDTH_NINE}}}]
)
def test_odd_documents_agree(tmp_path, hit):
    bulk, by_record = land_both(tmp_path, write(tmp_path / "odd.jsonl.gz", [canonical(hit)]))
    assert bulk == by_record and bulk[0] == (1, 0, 1)


def test_sql_passes_every_good_sample_document_itself(tmp_path):
    """Speed rests on it: the model is asked only about what SQL cannot pass, so SQL must pass the good ones."""
    from clusterscore.sources.sql_check import passes_sql, structure_sql

    path = SAMPLE_DIR / BULK.sample_file
    _, by_record = land_both(tmp_path, path)
    rules = BULK.bulk
    with duckdb.connect() as con:
        passed = con.execute(
            f"select count(*) filter (where {passes_sql(rules.model, 'doc', 'line')}) from ("
            f"select line, try(from_json(line, {structure_sql(rules.model)})) as doc "
            f"from read_json_objects('{path}', format = 'newline_delimited') as t(line))"
        ).fetchone()[0]
    assert passed == by_record[0][1] > 2000  # every document the model lands


def test_the_reader_thread_stops_when_landing_stops():
    """A failure while a chunk is checked stops the reader thread, which never waits on a consumer that is gone
    (here: it has read to the end and has its last item and the end mark still to hand over)."""
    import threading
    import time

    from clusterscore.landing import _ahead

    def stop_after_first() -> None:
        ahead = _ahead(iter([1, 2]))
        assert next(ahead) == 1
        time.sleep(0.5)  # the reader hands over its last item and waits to hand over the end mark
        ahead.close()  # the consumer stops, as on an error: the thread is joined

    consumer = threading.Thread(target=stop_after_first)
    consumer.start()
    consumer.join(timeout=10)
    assert not consumer.is_alive()
    assert not any(t.name == "landing-reader" for t in threading.enumerate())


def test_chunk_files_go_to_memory_when_it_has_room_and_none_is_left_behind(tmp_path, monkeypatch):
    """With no TMPDIR, the chunk files go to the memory-backed folder when it has room for the chunks alive at once
    (else where tempfile puts them); a landing removes its chunk folder, and the landing is the same either way."""
    monkeypatch.delenv("TMPDIR", raising=False)
    room = landing.CHUNKS_AT_ONCE * landing.BULK_CHUNK_BYTES
    roomy = landing.MEMORY_FOLDER.is_dir() and shutil.disk_usage(landing.MEMORY_FOLDER).free >= room
    assert landing.chunk_parent() == (str(landing.MEMORY_FOLDER) if roomy else None)
    parent = landing.MEMORY_FOLDER if roomy else tmp_path
    left = set(parent.glob(f"{landing.CHUNK_FOLDER_PREFIX}*"))
    (tmp_path / "memory").mkdir()
    in_memory = land_both(tmp_path / "memory", SAMPLE_DIR / BULK.sample_file)
    assert set(parent.glob(f"{landing.CHUNK_FOLDER_PREFIX}*")) == left
    # Too little room (a folder that is not there has none), or TMPDIR set: tempfile decides; the same landing.
    monkeypatch.setattr(landing, "MEMORY_FOLDER", tmp_path / "no-such-folder")
    assert landing.chunk_parent() is None
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert landing.chunk_parent() is None
    (tmp_path / "disk").mkdir()
    assert land_both(tmp_path / "disk", SAMPLE_DIR / BULK.sample_file) == in_memory


def test_a_chunk_folder_a_killed_landing_left_in_memory_is_removed(tmp_path, monkeypatch):
    """Files in the memory-backed folder hold memory until a reboot: a chunk folder whose landing process is gone is
    removed before the next landing uses the folder; a live process's is left alone."""
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(landing, "MEMORY_FOLDER", tmp_path)
    monkeypatch.setattr(landing, "CHUNKS_AT_ONCE", 0)  # any free space is room enough here
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"{landing.CHUNK_FOLDER_PREFIX}{int(ended.stdout)}-x"
    live = tmp_path / f"{landing.CHUNK_FOLDER_PREFIX}{os.getpid()}-x"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "chunk-00001.txt").write_bytes(b"1\x01h\x01{}\n")
    assert landing.chunk_parent() == str(tmp_path)
    assert not stale.exists()
    assert live.exists()
