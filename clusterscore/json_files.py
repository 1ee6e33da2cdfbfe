"""JSON files that readers never see half-written: written beside, then renamed over the old one."""

from __future__ import annotations

import json
from pathlib import Path


def write_json(path: Path, data, indent: int | None = None) -> Path:
    """Write `data` as JSON to `path` (its folder created), replacing any earlier file in one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=indent, default=str), encoding="utf-8")
    temporary.replace(path)
    return path
