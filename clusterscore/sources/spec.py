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
class SourceSpec:
    name: str
    description: str
    sample_file: str  # path under the sample directory
    live_uri: str  # the public service this source imitates or reads
    split: Callable[[Any], Iterator[RawRecord]]
    load_kind: str = "full"  # full: each batch is a complete snapshot; incremental: changed records only

    @property
    def raw_table(self) -> str:
        return f"raw.{self.name}"
