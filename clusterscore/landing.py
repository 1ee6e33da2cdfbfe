"""Raw landing: read one source file, check every record, land the good ones, quarantine the rest, record the batch.

A batch is all records of one source read in one go. Landing is idempotent: a batch whose content equals the
source's latest landed batch changes nothing. Every record is accounted for: received = landed + quarantined.

Raw records are kept by content: a record version (key + hash of its payload) is stored once, when first seen,
with the time it was superseded (a new version, or absence from a later full batch). Unchanged records only get
`last_seen_batch_id` moved on. So the state of a source at any past moment is the rows valid at that moment, and
a quiet night stores almost nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import duckdb
import orjson
import pandas as pd
from isal import igzip, isal_zlib
from pydantic import ValidationError

from clusterscore.file_hashes import file_sha256
from clusterscore.sources import RawRecord, SourceSpec
from clusterscore.sources.sql_check import passes_sql, structure_sql
from clusterscore.warehouse import sql_literal

log = logging.getLogger(__name__)

# The payload is JSON text kept as `varchar`: every line stored has been parsed already (by the check's `from_json`, or
# by the model and written as canonical JSON), and a `json` column would make DuckDB validate each line once more
# as it is stored (national CVR landing alone: 82.6-84.5 s against 91.5-101.1 s, 23-29 CPU-seconds fewer). DuckDB's
# JSON functions read `varchar` as they read `json`.
RAW_COLUMNS = """
    batch_id varchar not null,
    source_name varchar not null,
    source_uri varchar not null,
    fetched_at timestamptz not null,
    line_no integer not null,
    record_type varchar not null,
    record_key varchar not null,
    parent_key varchar,
    record_hash varchar not null,
    payload varchar not null using compression zstd,
    last_seen_batch_id varchar not null,
    superseded_at timestamptz,
    superseded_by_batch_id varchar
"""
# The columns landing changes in a version it stored (seen again; superseded): the rest is fixed by its content.
MUTABLE_RAW_COLUMNS = ("last_seen_batch_id", "superseded_at", "superseded_by_batch_id")

META_DDL = """
create schema if not exists raw;
create schema if not exists meta;
create table if not exists meta.batches (
    batch_id varchar primary key,
    run_id varchar,
    source_name varchar not null,
    source_uri varchar not null,
    load_kind varchar not null,
    content_sha256 varchar,
    fetched_at timestamptz not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    duration_ms integer,
    received integer,
    landed integer,
    quarantined integer,
    status varchar not null,
    message varchar,
    stored_new integer,
    superseded integer
);
create table if not exists meta.fetches (
    run_id varchar,
    source_name varchar not null,
    source_uri varchar not null,
    attempted_at timestamptz not null,
    outcome varchar not null,
    batch_id varchar,
    message varchar,
    stale_after_hours integer
);
create table if not exists meta.quarantine (
    batch_id varchar not null,
    source_name varchar not null,
    source_uri varchar not null,
    line_no integer not null,
    record_type varchar,
    record_key varchar not null,
    field varchar not null,
    reason varchar not null,
    errors json not null,
    raw_text varchar not null,
    record_hash varchar not null,
    quarantined_at timestamptz not null
);
"""


# Per source: the batch in use (the latest landed), the last successful read (changed or not), the last attempt
# and whether the data is stale: the last attempt failed, or the last read is older than the threshold in force
# at that attempt. The one definition of freshness: `clusterscore status` reads it, and so does dbt. `{now}` is
# the moment freshness is judged at: now, or a past run's end when that run is reproduced.
SOURCE_FRESHNESS_VIEW = """
create or replace view meta.source_freshness as
with
in_use as (
    select source_name, batch_id, fetched_at as batch_fetched_at
    from meta.batches where status = 'landed'
    qualify row_number() over (partition by source_name order by fetched_at desc) = 1
),
last_read as (
    select source_name, max(attempted_at) as last_read_at
    from meta.fetches where outcome in ('landed', 'unchanged') group by source_name
),
latest_attempt as (
    select source_name, attempted_at as last_attempt_at, outcome as last_attempt_outcome,
           message as last_attempt_message, stale_after_hours
    from meta.fetches
    qualify row_number() over (partition by source_name order by attempted_at desc) = 1
),
joined as (
    select in_use.*, coalesce(last_read.last_read_at, in_use.batch_fetched_at) as last_read_at,
           latest_attempt.* exclude (source_name)
    from in_use
    left join last_read using (source_name)
    left join latest_attempt using (source_name)
)
select *,
       coalesce(last_attempt_outcome = 'failed', false)
       or coalesce(date_diff('minute', last_read_at, {now}) > stale_after_hours * 60, false) as is_stale,
       case when is_stale then last_read_at end as stale_since
from joined
"""


class SourceReadError(RuntimeError):
    """The source as a whole could not be read; nothing of it was landed."""


class _Unreadable(Exception):
    pass


# A gzip file cut short or corrupt: EOFError, BadGzipFile (an OSError) or ISA-L's own error.
_READ_ERRORS = (OSError, EOFError, isal_zlib.error)


def _open_source(path: Path):
    """A source file, for reading bytes: a gzip one through ISA-L's inflate (isal), a drop-in for the standard
    module at ~3.5 x its speed (the national CVR file, 9.5 GB of JSON: 11 s -> 3 s of CPU)."""
    return igzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


@dataclass
class BatchResult:
    batch_id: str
    source_name: str
    source_uri: str
    status: str  # landed | unchanged
    received: int
    landed: int
    quarantined: int
    duration_ms: int

    def as_metadata(self) -> dict:
        return asdict(self)


def canonical_json(value: object) -> bytes:
    """The bytes a record hash is taken over: keys sorted, no whitespace, UTF-8."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def record_hash(value: object) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def ensure_schema(con: duckdb.DuckDBPyConnection, spec: SourceSpec | None = None) -> None:
    con.execute(META_DDL)
    con.execute(SOURCE_FRESHNESS_VIEW.format(now="current_timestamp"))
    if spec is not None:
        con.execute(f"create table if not exists {spec.raw_table} ({RAW_COLUMNS})")


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Numbered non-blank lines of a JSON-lines file, gzip or plain."""
    try:
        with _open_source(path) as handle:
            for line_no, line in enumerate(handle, start=1):
                if (text := _record_text(line)) is not None:
                    yield line_no, text
    except _READ_ERRORS as exc:
        raise _Unreadable from exc


def _record_text(line: bytes) -> bytes | None:
    """A line's record text without its line end; None for a blank line (not a record). Both readers use it, so
    bulk and record-by-record landing agree on line numbers and hashes."""
    return line.rstrip(b"\r\n") if line.strip() else None


def _error_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _problems(record: RawRecord) -> list[dict]:
    try:
        record.model.model_validate(record.payload)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = _error_path(error["loc"])
            if record.field_prefix:
                field = f"{record.field_prefix}.{field}" if field else record.field_prefix
            reason = error["msg"].removeprefix("Value error, ")
            if error["type"] == "missing":
                reason = "required field is missing"
            problems.append({"field": field or "(record)", "reason": reason})
        return problems
    return []


class _Batch:
    """Rows of one batch as they are sorted into landed and quarantined."""

    def __init__(self, spec: SourceSpec, batch_id: str, source_uri: str, fetched_at: dt.datetime, dedupe=True):
        self.spec, self.batch_id, self.source_uri, self.fetched_at = spec, batch_id, source_uri, fetched_at
        self.landed: list[dict] = []
        self.quarantined: list[dict] = []
        self.received = 0
        self._seen: dict[str, int] = {}
        self._dedupe = dedupe  # off when duplicates are found in SQL over the whole batch (bulk landing)

    def quarantine(self, line_no: int, key: str, record_type: str | None, problems: list[dict], raw: bytes):
        self.quarantined.append(
            {
                "batch_id": self.batch_id,
                "source_name": self.spec.name,
                "source_uri": self.source_uri,
                "line_no": line_no,
                "record_type": record_type,
                "record_key": key,
                "field": problems[0]["field"],
                "reason": problems[0]["reason"],
                "errors": orjson.dumps(problems).decode(),
                "raw_text": raw.decode("utf-8", errors="replace"),
                "record_hash": hashlib.sha256(raw).hexdigest(),
                "quarantined_at": self.fetched_at,
            }
        )

    def add_line(self, line_no: int, raw: bytes) -> None:
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            self.received += 1
            self.quarantine(
                line_no,
                f"line:{line_no}",
                None,
                [{"field": "(record)", "reason": f"not valid JSON: {exc}"}],
                raw,
            )
            return
        if not isinstance(parsed, dict):
            self.received += 1
            reason = f"a record must be a JSON object, got {type(parsed).__name__}"
            self.quarantine(line_no, f"line:{line_no}", None, [{"field": "(record)", "reason": reason}], raw)
            return
        try:
            records = list(self.spec.split(parsed))
        except Exception as exc:  # a record too malformed even to key: keep it whole, with the reason
            self.received += 1
            reason = f"record has an unexpected shape ({type(exc).__name__}: {exc})"
            self.quarantine(line_no, f"line:{line_no}", None, [{"field": "(record)", "reason": reason}], raw)
            return
        parent_failed: dict[str, str] = {}
        for record in records:
            self.received += 1
            key = record.record_key if record.record_key.strip("/ ") else f"line:{line_no}"
            payload_bytes = canonical_json(record.payload)
            if record.parent_key in parent_failed:
                problem = {
                    "field": "(record)",
                    "reason": f"its parent record {record.parent_key} was quarantined",
                }
                self.quarantine(line_no, key, record.record_type, [problem], payload_bytes)
                continue
            problems = _problems(record)
            if not problems and self._dedupe and key in self._seen:
                problems = [{"field": "(record)", "reason": f"duplicate record key: first at line {self._seen[key]}"}]
            if problems:
                if record.parent_key is None:
                    parent_failed[key] = problems[0]["reason"]
                self.quarantine(line_no, key, record.record_type, problems, payload_bytes)
                continue
            self._seen[key] = line_no
            self.landed.append(
                {
                    "batch_id": self.batch_id,
                    "source_name": self.spec.name,
                    "source_uri": self.source_uri,
                    "fetched_at": self.fetched_at,
                    "line_no": line_no,
                    "record_type": record.record_type,
                    "record_key": key,
                    "parent_key": record.parent_key,
                    "record_hash": hashlib.sha256(payload_bytes).hexdigest(),
                    "payload": payload_bytes.decode(),
                    "last_seen_batch_id": self.batch_id,
                }
            )


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    if rows:
        frame = pd.DataFrame(rows)  # noqa: F841 - read by DuckDB's replacement scan below
        con.execute(f"insert into {table} by name select * from frame")


def _stage_rows(con: duckdb.DuckDBPyConnection, spec: SourceSpec, rows: list[dict]) -> None:
    """The temp table `incoming`: the batch's records that land, in the raw table's shape."""
    con.execute(f"create or replace temp table incoming as select * from {spec.raw_table} limit 0")
    _insert(con, "incoming", rows)


# Decompressed text per chunk of a bulk source: big enough that DuckDB reads each chunk on both threads and the
# per-statement costs vanish, small enough that a chunk's table stays in memory.
BULK_CHUNK_BYTES = 128 << 20
READ_BYTES = 4 << 20  # decompressed per read while a chunk is written (see _numbered_chunks)
MAX_LINE_BYTES = 16_000_000  # DuckDB's reader takes lines up to this long (max_line_size below)
MEMORY_FOLDER = Path("/dev/shm")  # Linux's memory-backed file system, where there is one
CHUNKS_AT_ONCE = 8  # room asked of it: the files alive at once (read ahead, checked, stored) are ~5 chunks
_CHUNK_COLUMNS = "{'line_no': 'BIGINT', 'record_hash': 'VARCHAR', 'line': 'VARCHAR'}"


def _numbered_chunks(path: Path, folder: Path) -> Iterator[tuple[Path, list[tuple[int, bytes]]]]:
    """The file's non-blank lines as chunk files of `line number, 0x01, sha256, 0x01, line`, in file order, each
    with the lines DuckDB's reader would refuse (not UTF-8, a 0x01 byte, too long), which go to the model instead.

    Python decompresses and hashes (ISA-L's inflate and OpenSSL's SHA-256 release the GIL, and OpenSSL uses the
    CPU's SHA instructions: several times DuckDB's sha256), so this runs on a thread beside DuckDB's check of the
    previous chunk; and DuckDB reads a plain file on both threads, where a gzip file is one thread's work. Lines split and
    trimmed as `read_lines` does them, so line numbers and hashes are those of record-by-record landing.

    The text goes through in reads of `READ_BYTES`, each written to the chunk file at once: buffers that size are
    reused by the allocator, where buffers of a whole chunk were mapped afresh each time (the kernel's page faults
    took more time than the decompression and hashing together).
    """
    line_no, number, carry, block = 0, 0, b"", b"."
    with _open_source(path) as handle:
        while block:
            number += 1
            chunk, refused, size = folder / f"chunk-{number:05d}.txt", [], 0
            with chunk.open("wb") as out:
                while block and size < BULK_CHUNK_BYTES:
                    try:
                        block = handle.read(min(READ_BYTES, BULK_CHUNK_BYTES))
                    except _READ_ERRORS as exc:
                        raise _Unreadable from exc
                    if block:  # the last piece is the start of a line the next read completes
                        lines = block.split(b"\n")
                        lines[0] = carry + lines[0]
                        carry = lines.pop()
                    else:
                        lines, carry = [carry] if carry else [], b""
                    numbered = []
                    for line in lines:
                        line_no += 1
                        if (line := _record_text(line)) is None:
                            continue
                        if len(line) < MAX_LINE_BYTES and _readable(line):
                            digest = hashlib.sha256(line).hexdigest().encode()
                            numbered.append(b"%d\x01%s\x01%s\n" % (line_no, digest, line))
                        else:
                            refused.append((line_no, line))
                    text = b"".join(numbered)
                    out.write(text)
                    size += len(text)
            if size or refused:
                yield chunk, refused
            else:  # the file ended with the previous chunk
                chunk.unlink()


CHUNK_FOLDER_PREFIX = "clusterscore-landing-"  # then the landing process's id and a dash


def chunk_parent() -> str | None:
    """Where a bulk landing's chunk files go: the memory-backed MEMORY_FOLDER when it has room for CHUNKS_AT_ONCE
    chunks and TMPDIR is not set; else tempfile's own choice. The national CVR file passes through as 9.5 GB of
    chunk text, written once and read twice: through a disk file system's page cache (block allocation, the
    journal) the reader thread took ~17 % more CPU (bench/README.md), and the landing is CPU-bound. The chunks
    live seconds each, so at most ~5 x BULK_CHUNK_BYTES of memory, which bench/refresh.py counts in the peak.
    A chunk folder left there by a landing process that was killed would hold memory until a reboot: it is
    removed here first."""
    if os.environ.get("TMPDIR"):
        return None
    try:
        free = shutil.disk_usage(MEMORY_FOLDER).free if MEMORY_FOLDER.is_dir() else 0
    except OSError:
        free = 0
    if not (free >= CHUNKS_AT_ONCE * BULK_CHUNK_BYTES and os.access(MEMORY_FOLDER, os.W_OK)):
        return None
    for folder in MEMORY_FOLDER.glob(f"{CHUNK_FOLDER_PREFIX}*-*"):
        owner = folder.name.removeprefix(CHUNK_FOLDER_PREFIX).split("-")[0]
        if owner.isdigit() and not _process_alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)
    return str(MEMORY_FOLDER)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # a PermissionError would be another user's live process
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _readable(text: bytes) -> bool:
    """Whether DuckDB's reader of chunk files takes this text as one value: UTF-8, without the 0x01 byte it splits
    on, and without a carriage return (JSON allows one as whitespace; a reader could take it for a line end)."""
    if b"\x01" in text or b"\r" in text:
        return False
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _ahead(items: Iterator, name: str = "landing-reader") -> Iterator:
    """`items` produced on a thread, one ahead of the consumer; the producer's error is raised to the consumer.
    When the consumer stops, so does the producer, and `items` is closed on its thread (a generator's own
    clean-up, such as a stage before it, runs there)."""
    slots: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    end = object()

    def offer(item) -> bool:
        """Put `item` for the consumer; False once the consumer has stopped (so never blocks past that)."""
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.2)
                return True
            except queue.Full:
                pass
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(end)
        except BaseException as exc:  # handed to the consumer, which raises it
            offer(exc)
        finally:
            if hasattr(items, "close"):
                items.close()

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while (item := slots.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _checked_chunks(con: duckdb.DuckDBPyConnection, rules, chunks: Iterator) -> Iterator[tuple[Path, Path, list]]:
    """Each chunk of `chunks` with its verdict file: per line its number, hash and key, and whether the SQL form of
    the source model's rules passes it, each line parsed once into the structure of the model.

    The check reads only the chunk file, so it runs on a connection of its own (run by `_ahead` on a thread),
    outside the landing's transaction, while the landing stores the previous chunk: the two statements share
    DuckDB's threads, so neither core waits on the other's single-threaded parts. The verdict goes to a small
    Parquet file beside the chunk; the line text stays in the chunk file (a table of it, replaced per chunk
    inside the landing's transaction, would be kept to its end)."""
    checker = con.cursor()
    try:
        for chunk, refused in chunks:
            verdict = chunk.with_suffix(".verdict.parquet")
            checker.execute(
                f"""
                copy (
                    select line_no, record_hash, passes, case when passes then doc_key end as record_key
                    from (
                        select line_no, record_hash, {passes_sql(rules.model, "doc", "line")} as passes,
                               {rules.key_sql} as doc_key
                        from (
                            select line_no, record_hash, line, try(from_json(line, {structure_sql(rules.model)})) as doc
                            from {_read_chunk_sql(chunk)}
                        )
                    )
                ) to {sql_literal(str(verdict))} (format parquet)
                """
            )
            yield chunk, verdict, refused
    finally:
        checker.close()


def _land_bulk(con: duckdb.DuckDBPyConnection, spec: SourceSpec, path: Path, batch: _Batch, full: bool) -> tuple:
    """Land a national-size source, checked in DuckDB; returns (landed, versions stored, versions superseded).

    The file goes through in chunks, in three stages at once, each a chunk ahead of the next: read and hashed on
    a thread (`_numbered_chunks`), checked on another (`_checked_chunks`), stored here. The check parses each line
    once into the structure of the source's model and tests it by the SQL form of the model's rules
    (clusterscore/sources/sql_check.py), which passes the records it can prove good; those are stored, unless the
    same version is held already. Only the other records go through the model in Python, for the
    field-level reason (or to land after all). Duplicate keys are found in SQL over the whole batch at the end: the
    first good line of a key lands, later ones are quarantined. Runs inside the landing's transaction.
    """
    rules, table = spec.bulk, spec.raw_table
    constants = (
        f"{sql_literal(batch.batch_id)} as batch_id, {sql_literal(spec.name)} as source_name, "
        f"{sql_literal(batch.source_uri)} as source_uri, {sql_literal(batch.fetched_at.isoformat())}::timestamptz "
        f"as fetched_at, {sql_literal(rules.record_type)} as record_type, null::varchar as parent_key, "
        f"{sql_literal(batch.batch_id)} as last_seen_batch_id"
    )
    con.execute(
        "create or replace temp table checked (line_no bigint, record_key varchar, record_hash varchar, passes bool)"
    )
    con.execute(
        "create or replace temp table rescued (line_no bigint, record_key varchar, record_hash varchar, payload varchar)"
    )
    # A record seen again unchanged is not stored twice: the lines whose version is held already (current, from
    # an earlier batch) are found by a join that builds its hash table on the lines and streams the held versions
    # past it. A `not exists` over a table of the held versions built it on those (national: 2.2 million, 0.8 s a
    # chunk, and 0.4 s to make the table) to store the 22,000 documents of a night.
    held = con.execute(f"select exists (select 1 from {table} where superseded_at is null)").fetchone()[0]

    def not_held(lines: str) -> str:
        return (
            f"line_no not in (select r.line_no from {lines} as r inner join {table} as stored "
            "on stored.record_key = r.record_key and stored.record_hash = r.record_hash "
            f"where stored.superseded_at is null and stored.batch_id <> {sql_literal(batch.batch_id)})"
        )

    rescued: list[dict] = []
    with (
        tempfile.TemporaryDirectory(prefix=f"{CHUNK_FOLDER_PREFIX}{os.getpid()}-", dir=chunk_parent()) as folder,
        # Closed before the folder goes, on an error too: that stops and joins the reader and the checker.
        contextlib.closing(
            _ahead(_checked_chunks(con, rules, _ahead(_numbered_chunks(path, Path(folder)))), name="landing-checker")
        ) as checked_chunks,
    ):
        for chunk, verdict, refused in checked_chunks:
            verdicts = f"read_parquet({sql_literal(str(verdict))})"
            con.execute(f"insert into checked select line_no, record_key, record_hash, passes from {verdicts}")
            passed, total = con.execute(f"select count(*) filter (where passes), count(*) from {verdicts}").fetchone()
            batch.received += passed
            lines = f"{_read_chunk_sql(chunk)} as c join {verdicts} as v using (line_no)"
            con.execute(
                f"insert into {table} by name select {constants}, line_no::integer as line_no, v.record_key, "
                f"v.record_hash, c.line as payload from {lines} "
                f"where v.passes {'and ' + not_held(verdicts) if held else ''}"
            )
            # The records SQL could not pass: the model decides, record by record (few).
            others = (
                con.execute(f"select line_no, c.line from {lines} where not v.passes").fetchall()
                if passed < total
                else []
            )
            chunk.unlink()
            verdict.unlink()
            for line_no, line in sorted([*((n, text.encode()) for n, text in others), *refused]):
                batch.add_line(line_no, line)
            rescued += batch.landed
            batch.landed.clear()
    if rescued:
        frame = pd.DataFrame(rescued)[["line_no", "record_key", "record_hash", "payload"]]  # noqa: F841
        con.execute("insert into rescued select * from frame")
    # Later lines of a key an earlier good line has are quarantined as duplicates (and leave the register).
    con.execute(
        """
        create or replace temp table duplicates as
        select line_no, record_key, record_hash, min(line_no) over (partition by record_key) as first_line
        from (
            select line_no, record_key, record_hash from checked where passes
            union all
            select line_no, record_key, record_hash from rescued
        )
        qualify line_no > first_line
        """
    )
    duplicates = con.execute(
        "select d.line_no, d.record_key, d.record_hash, r.payload, d.first_line "
        "from duplicates as d left join rescued as r on r.line_no = d.line_no order by d.line_no"
    ).fetchall()
    # A duplicate SQL passed is in the register (stored from its chunk, or held with the same text): its text is
    # read from there, by hash (a filter DuckDB applies in the scan, so only those rows' payloads are read).
    texts = dict(
        con.execute(
            f"select record_hash, any_value(payload::varchar) from {table} where record_hash = any(?) group by all",
            [[row[2] for row in duplicates if row[3] is None]],
        ).fetchall()
        if duplicates
        else []
    )
    duplicates = [(n, key, payload or texts[digest], first) for n, key, digest, payload, first in duplicates]
    for line_no, key, payload, first_line in duplicates:
        problem = {"field": "(record)", "reason": f"duplicate record key: first at line {first_line}"}
        batch.quarantine(line_no, key, rules.record_type, [problem], payload.encode())
    if duplicates:
        con.execute(
            f"delete from {table} where batch_id = ? and line_no in (select line_no from duplicates)",
            [batch.batch_id],
        )
    con.execute(
        f"""
        insert into {table} by name
        select {constants}, line_no::integer as line_no, record_key, record_hash, payload
        from rescued where line_no not in (select line_no from duplicates) and {not_held("rescued")}
        """
    )
    con.execute(
        """
        create or replace temp view incoming as
        select record_key, record_hash from checked where passes and line_no not in (select line_no from duplicates)
        union all
        select record_key, record_hash from rescued where line_no not in (select line_no from duplicates)
        """
    )
    landed = con.execute("select count(*) from incoming").fetchone()[0]
    stored_new = con.execute(f"select count(*) from {table} where batch_id = ?", [batch.batch_id]).fetchone()[0]
    return landed, stored_new, _supersede(con, spec, batch, full)


def _drop_staged(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what landing a batch left in the session: the view or table `incoming` and the bulk helpers."""
    staged = con.execute(
        "select table_name, table_type from information_schema.tables where table_catalog = 'temp' "
        "and table_name in ('incoming', 'checked', 'rescued', 'duplicates')"
    ).fetchall()
    for name, kind in sorted(staged, key=lambda row: row[1] != "VIEW"):  # the view first: it reads the tables
        con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} {name}")


def _read_chunk_sql(chunk: Path) -> str:
    """A chunk file of `_numbered_chunks` as columns; no quoting: the line is the rest of the row."""
    quoted = str(chunk).replace("'", "''")
    return (
        f"read_csv('{quoted}', columns = {_CHUNK_COLUMNS}, delim = '\x01', quote = '', escape = '', "
        f"header = false, auto_detect = false, new_line = '\\n', max_line_size = {MAX_LINE_BYTES + 100}, buffer_size = 32000000)"
    )


def _supersede(con: duckdb.DuckDBPyConnection, spec: SourceSpec, batch: _Batch, full: bool) -> int:
    """Move on the versions the batch (view `incoming`: record_key, record_hash) has again unchanged; end those it
    has changed, and (full batches only) those it lacks. Returns how many versions ended."""
    table, batch_id = spec.raw_table, batch.batch_id
    con.execute(
        f"""
        update {table} as stored set last_seen_batch_id = ?
        from incoming
        where stored.superseded_at is null and stored.last_seen_batch_id <> ?
          and stored.record_key = incoming.record_key and stored.record_hash = incoming.record_hash
        """,
        [batch_id, batch_id],
    )
    return con.execute(
        f"""
        update {table} as stored set superseded_at = ?, superseded_by_batch_id = ?
        where stored.superseded_at is null and stored.last_seen_batch_id <> ?
          and (? or stored.record_key in (select record_key from incoming))
        """,
        [batch.fetched_at, batch_id, batch_id, full],
    ).fetchone()[0]


def _store_versions(con: duckdb.DuckDBPyConnection, spec: SourceSpec, batch: _Batch, full: bool) -> tuple[int, int]:
    """Store the batch's landed records (temp table `incoming`) by content; returns (versions stored, versions
    superseded)."""
    superseded = _supersede(con, spec, batch, full)
    stored_new = con.execute(
        f"""
        insert into {spec.raw_table} by name
        select * from incoming
        where not exists (
            select 1 from {spec.raw_table} as stored
            where stored.superseded_at is null and stored.last_seen_batch_id = ?
              and stored.record_key = incoming.record_key and stored.record_hash = incoming.record_hash
        )
        """,
        [batch.batch_id],
    ).fetchone()[0]
    return stored_new, superseded


def raw_retention_days() -> int:
    """How long a superseded record version is kept (CLUSTERSCORE_RAW_RETENTION_DAYS, default 400: a year's
    scorecards stay auditable down to their raw records, with a margin). The rulebook's own choice."""
    return int(os.environ.get("CLUSTERSCORE_RAW_RETENTION_DAYS") or 400)


def prune_history(con: duckdb.DuckDBPyConnection, spec: SourceSpec, cutoff: dt.datetime) -> None:
    """Drop record versions superseded before `cutoff`, and quarantined records of batches that old."""
    con.execute(f"delete from {spec.raw_table} where superseded_at < ?", [cutoff])
    con.execute("delete from meta.quarantine where source_name = ? and quarantined_at < ?", [spec.name, cutoff])


# Each source's latest landed batch: what the current state, the freshness lines and the quarantine views read.
LATEST_BATCHES = """
    select * from meta.batches
    where status = 'landed'
    qualify row_number() over (partition by source_name order by fetched_at desc) = 1
"""


class LatestBatch(NamedTuple):
    batch_id: str
    content_sha256: str
    received: int
    fetched_at: dt.datetime


def latest_batch(con: duckdb.DuckDBPyConnection, source_name: str) -> LatestBatch | None:
    """The source's latest landed batch, or None."""
    row = con.execute(
        "select batch_id, content_sha256, received, fetched_at from meta.batches "
        "where source_name = ? and status = 'landed' order by fetched_at desc limit 1",
        [source_name],
    ).fetchone()
    return LatestBatch(*row) if row else None


def land_file(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    path: Path,
    source_uri: str,
    run_id: str,
    fetched_at: dt.datetime | None = None,
    load_kind: str | None = None,
    on_new_batch: Callable[[], None] | None = None,
) -> BatchResult:
    """Land one source file as one batch. Raises SourceReadError if the file itself cannot be read.

    `load_kind` (default the source's): a full batch is the whole source, so records it lacks are superseded;
    an incremental batch holds changed records only. `on_new_batch` is called when the file turns out to be new
    content, before it is landed.
    """
    started = time.monotonic()
    fetched_at = fetched_at or dt.datetime.now(dt.UTC)
    ensure_schema(con, spec)
    try:
        # The same file again is an unchanged source (connectors write the same content as the same bytes: keys
        # sorted, gzip mtime 0).
        content_sha = file_sha256(path)
    except OSError as exc:
        _read_failed(con, spec, path, source_uri, run_id, fetched_at, exc)

    latest = latest_batch(con, spec.name)
    if latest and latest.content_sha256 == content_sha:
        _record_fetch(con, run_id, spec, source_uri, fetched_at, "unchanged", latest.batch_id, None)
        return BatchResult(latest.batch_id, spec.name, source_uri, "unchanged", 0, 0, 0, _ms(started))

    if on_new_batch is not None:
        on_new_batch()
    batch_id = f"{spec.name}-{fetched_at:%Y%m%dT%H%M%S}-{content_sha[:12]}"
    batch = _Batch(spec, batch_id, source_uri, fetched_at, dedupe=spec.bulk is None)
    load_kind = load_kind or spec.load_kind
    con.execute("begin transaction")
    try:
        con.execute("delete from meta.quarantine where batch_id = ?", [batch_id])
        con.execute("delete from meta.batches where batch_id = ?", [batch_id])
        if spec.bulk is not None:
            landed, stored_new, superseded = _land_bulk(con, spec, path, batch, full=load_kind == "full")
        else:
            for line_no, raw in read_lines(path):
                batch.add_line(line_no, raw)
            _stage_rows(con, spec, batch.landed)
            landed = len(batch.landed)
            stored_new, superseded = _store_versions(con, spec, batch, full=load_kind == "full")
        _drop_staged(con)
        _insert(con, "meta.quarantine", batch.quarantined)
        _insert(
            con,
            "meta.batches",
            [
                {
                    "batch_id": batch_id,
                    "run_id": run_id,
                    "source_name": spec.name,
                    "source_uri": source_uri,
                    "load_kind": load_kind,
                    "content_sha256": content_sha,
                    "fetched_at": fetched_at,
                    "started_at": fetched_at,
                    "finished_at": dt.datetime.now(dt.UTC),
                    "duration_ms": _ms(started),
                    "received": batch.received,
                    "landed": landed,
                    "quarantined": len(batch.quarantined),
                    "status": "landed",
                    "message": None,
                    "stored_new": stored_new,
                    "superseded": superseded,
                }
            ],
        )
        _record_fetch(con, run_id, spec, source_uri, fetched_at, "landed", batch_id, None)
        prune_history(con, spec, fetched_at - dt.timedelta(days=raw_retention_days()))
        con.execute("commit")
    except _Unreadable as exc:
        con.execute("rollback")
        _read_failed(con, spec, path, source_uri, run_id, fetched_at, exc.__cause__)
    except Exception:
        con.execute("rollback")
        raise
    return BatchResult(
        batch_id,
        spec.name,
        source_uri,
        "landed",
        batch.received,
        landed,
        len(batch.quarantined),
        _ms(started),
    )


def stale_after_hours(source_name: str) -> int:
    """The source's freshness threshold, from config/sources.yaml (or its environment override)."""
    from clusterscore.config import source_settings

    return source_settings(source_name).stale_after_hours


def _record_fetch(con, run_id, spec: SourceSpec, source_uri, attempted_at, outcome, batch_id, message) -> None:
    """One row per attempt to read a source: freshness is the last attempt that read it, stale the time since."""
    con.execute(
        "insert into meta.fetches values (?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, spec.name, source_uri, attempted_at, outcome, batch_id, message, stale_after_hours(spec.name)],
    )


def record_failed_fetch(con, spec: SourceSpec, source_uri: str, run_id: str, fetched_at: dt.datetime, message: str):
    """A source that could not be read: a failed batch (nothing landed) and a failed fetch attempt."""
    ensure_schema(con, spec)
    now = dt.datetime.now(dt.UTC)
    _record_fetch(con, run_id, spec, source_uri, fetched_at, "failed", None, message)
    _insert(
        con,
        "meta.batches",
        [
            {
                "batch_id": f"{spec.name}-{fetched_at:%Y%m%dT%H%M%S%f}-failed",
                "run_id": run_id,
                "source_name": spec.name,
                "source_uri": source_uri,
                "load_kind": spec.load_kind,
                "fetched_at": fetched_at,
                "started_at": fetched_at,
                "finished_at": now,
                "status": "failed",
                "message": message,
            }
        ],
    )


def _read_failed(con, spec: SourceSpec, path: Path, source_uri: str, run_id: str, fetched_at, exc: Exception):
    record_failed_fetch(con, spec, source_uri, run_id, fetched_at, f"cannot read {path.name}: {exc}")
    raise SourceReadError(f"source {spec.name}: cannot read {source_uri}: {exc}") from exc


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
