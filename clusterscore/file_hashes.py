"""sha256 of files, read once in blocks (source files of GBs; release databases of hundreds of MB)."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path


def file_sha256(path: Path, copy_to: Path | None = None) -> str:
    """sha256 of the file at `path`; with `copy_to`, the file is also written there as it is read."""
    digest = hashlib.sha256()
    with path.open("rb") as handle, copy_to.open("wb") if copy_to else contextlib.nullcontext() as copy:
        while block := handle.read(1 << 20):
            digest.update(block)
            if copy:
                copy.write(block)
    return digest.hexdigest()
