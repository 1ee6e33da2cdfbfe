"""The audit store: per run, what answers "what did the scorecard say on date D, and why" after many later runs.

`CLUSTERSCORE_HOME/audit/runs/<run_id>/` holds the run's summary (`run.json`), its batch list (`batches.json`),
the dbt manifest and run results of each dbt step (`dbt/<step>/*.json.gz`), every Great Expectations result
(`quality/<suite>.json`), the checksums of what it published (`release.json`), its OpenLineage events
(`openlineage.jsonl`) and the rulebook it scored with (`rulebook/*.csv`). Raw records themselves stay in the
database, kept by content (see clusterscore/landing.py), so the store stays small; only the versions a release
names but publishes without personal names are kept here too, as received (`as_received.duckdb`, see
clusterscore/publish.py), for the audit to re-hash.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from clusterscore.json_files import write_json
from clusterscore.settings import Paths


class RunRecord:
    """The audit-store folder of one run."""

    def __init__(self, paths: Paths, run_id: str):
        self.run_id = run_id
        self.folder = paths.audit_store / "runs" / run_id

    def path(self, name: str) -> Path:
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_json(self, name: str, data) -> Path:
        return write_json(self.path(name), data, indent=2)

    def read_json(self, name: str):
        target = self.folder / name
        if not target.exists():
            return None
        opener = gzip.open if target.suffix == ".gz" else open
        with opener(target, "rt", encoding="utf-8") as handle:
            return json.load(handle)

    def keep_file(self, name: str, source: Path, compress: bool = False) -> Path:
        """Copy `source` into the record (gzip-compressed when asked: dbt manifests are large and repetitive)."""
        target = self.path(name + (".gz" if compress else ""))
        if compress:
            with source.open("rb") as src, gzip.open(target, "wb", compresslevel=6) as dst:
                shutil.copyfileobj(src, dst)
        else:
            shutil.copy2(source, target)
        return target

    def append_line(self, name: str, data: dict) -> None:
        with self.path(name).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(data, default=str, sort_keys=True) + "\n")

    def exists(self) -> bool:
        return self.folder.exists()


def recorded_runs(paths: Paths) -> list[dict]:
    """Every run with a record, newest first: run id, result, finished time, published or not."""
    root = paths.audit_store / "runs"
    runs = []
    for folder in root.iterdir() if root.exists() else []:
        summary = RunRecord(paths, folder.name).read_json("run.json") or {"run_id": folder.name}
        summary["published"] = (folder / "release.json").exists()
        runs.append(summary)
    return sorted(runs, key=lambda r: r.get("finished_at") or "", reverse=True)
