"""Connectors write what they fetched as one JSON-lines gzip file, in the sample's own layout (keys sorted, gzip
mtime 0), so the same content always gives the same bytes and landing can tell an unchanged source."""

import gzip
import os
from collections.abc import Iterable
from pathlib import Path

import orjson


def write_jsonl_gz(dest: Path, records: Iterable[object]) -> int:
    """Write `records` to `dest`, one JSON document a line; returns how many. The file appears only when
    complete (written beside it, then renamed), so a failed fetch never leaves half a file to land."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    count = 0
    try:
        with open(partial, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
            for record in records:
                handle.write(orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n")
                count += 1
        os.replace(partial, dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count
