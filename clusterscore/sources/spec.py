"""What every source declares, so one landing routine serves them all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class RawRecord:
    """One record as it will land: a source line may split into several (a submission into its lines)."""

    record_type: str
    record_key: str
    payload: Any
    model: type[BaseModel]
    parent_key: str | None = None
    field_prefix: str = ""  # where this record sits in the source line, for error messages


def single(record_type: str, model: type[BaseModel], key: Callable[[dict], str]) -> Callable[[Any], Iterator]:
    """Splitter for sources where one line is one record."""

    def split(line: Any) -> Iterator[RawRecord]:
        yield RawRecord(record_type, key(line), line, model)

    return split


@dataclass(frozen=True)
class BulkRules:
    """A source large enough to be checked in DuckDB (clusterscore/sources/sql_check.py): one record a line, its
    model, and its record key as SQL over `doc`, the line parsed into the model's structure. Must agree with the
    source's Python key function for every record the model accepts (tests/test_landing.py checks it)."""

    record_type: str
    model: type[BaseModel]
    key_sql: str


@dataclass(frozen=True)
class SourceSpec:
    name: str
    description: str
    sample_file: str  # path under the sample directory
    live_uri: str  # the public service this source imitates or reads
    split: Callable[[Any], Iterator[RawRecord]]
    load_kind: str = "full"  # full: each batch is a complete snapshot; incremental: changed records only
    bulk: BulkRules | None = None  # checked in DuckDB, the model asked only about the rows SQL cannot pass
    # SQL over a JSON payload giving it as published: without personal names (None: published as stored).
    published_payload: Callable[[str], str] | None = None

    @property
    def raw_table(self) -> str:
        return f"raw.{self.name}"
