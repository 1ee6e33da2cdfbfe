"""Live source connectors: each fetches from its service and writes one JSON-lines gzip file in exactly the layout
of the source's sample file, so landing, the record rules, dbt staging and scoring read live data unchanged.

    result = fetch("cvr_companies", source_settings("cvr_companies"), dest, cvr_numbers=numbers, since=last_good)
    land_file(con, SOURCES["cvr_companies"], result.path, result.source_uri, run_id, load_kind=result.load_kind)

In sample mode `fetch` writes nothing and returns the sample file itself. Errors are ConnectorError subclasses
(clusterscore.connectors.errors): TransientSourceError (retry later), SourceAuthError, SourceQueryError,
SourceLayoutError, SourceConfigError.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from clusterscore.config import SourceSettings, source_settings
from clusterscore.connectors.errors import (
    ConnectorError,
    SourceAuthError,
    SourceConfigError,
    SourceLayoutError,
    SourceQueryError,
    TransientSourceError,
)
from clusterscore.connectors.output import write_jsonl_gz
from clusterscore.settings import REPO_ROOT, sample_dir
from clusterscore.sources import SOURCES

__all__ = [
    "ConnectorError",
    "FetchResult",
    "SourceAuthError",
    "SourceConfigError",
    "SourceLayoutError",
    "SourceQueryError",
    "TransientSourceError",
    "fetch",
]


@dataclass(frozen=True)
class FetchResult:
    """What a fetch wrote: the file to land, the URI to record for it, how many lines, and whether the file is the
    whole source (`full`) or changed records only (`incremental`). `details` says what was asked and found."""

    path: Path
    source_uri: str
    records_written: int | None  # None for a sample file: landing counts it (no extra pass over a national file)
    load_kind: str  # full | incremental
    details: dict = field(default_factory=dict)


def _file_uri(path: Path) -> str:
    """`file:<path relative to the repository>` for files inside it (no machine paths in records), else a URI."""
    path = path.resolve()
    try:
        return f"file:{path.relative_to(REPO_ROOT).as_posix()}"
    except ValueError:
        return path.as_uri()


def fetch(
    source_name: str,
    settings: SourceSettings | None = None,
    dest_path: Path | None = None,
    since: dt.datetime | None = None,
    cvr_numbers: Iterable[int] | None = None,
    today: dt.date | None = None,
) -> FetchResult:
    """Fetch one source into `dest_path` (live mode) or point at its sample file (sample mode).

    `since`: cvr_companies only, an incremental read of documents updated since then (the last good batch's
    fetch time); the other sources are always read whole. `cvr_numbers`: cvr_companies needs the numbers in scope
    (`clusterscore.connectors.scope.cvr_numbers_in_scope`); annual_reports defaults to the confirmed organisations.
    """
    if source_name not in SOURCES:
        raise ValueError(f"unknown source {source_name!r}; known: {', '.join(SOURCES)}")
    spec = SOURCES[source_name]
    settings = settings or source_settings(source_name)
    if not settings.is_live:
        path = sample_dir() / spec.sample_file
        # A sample CVR file read "incremental" holds changed documents only, as the live incremental read returns.
        load_kind = (
            "incremental" if source_name == "cvr_companies" and settings.read == "incremental" else spec.load_kind
        )
        return FetchResult(path, _file_uri(path), None, load_kind, {"mode": "sample"})
    if dest_path is None:
        raise ValueError("live mode needs dest_path, the file to write")
    dest_path = Path(dest_path)
    if source_name == "cvr_companies":
        return _fetch_cvr(settings, dest_path, since, cvr_numbers)
    if source_name == "annual_reports":
        return _fetch_annual_reports(settings, dest_path, cvr_numbers, today)
    if source_name == "label_awards":
        from clusterscore.connectors.labels import LabelListConnector

        connector = LabelListConnector(settings)
        try:
            rows, details = connector.read()
        finally:
            connector.close()
        return FetchResult(dest_path, settings.url, write_jsonl_gz(dest_path, rows), "full", details)
    if source_name == "cluster_submissions":
        from clusterscore.connectors.submissions import convert_folder

        folder = settings.folder_path()
        if not settings.folder or not folder.is_dir():
            raise SourceConfigError(
                source_name,
                settings.folder or "(no folder set)",
                "the submissions folder does not exist: set `folder` in config/sources.yaml or "
                "CLUSTERSCORE_SOURCE_CLUSTER_SUBMISSIONS_FOLDER",
            )
        records, details = convert_folder(folder)
        return FetchResult(dest_path, _file_uri(folder), write_jsonl_gz(dest_path, records), "full", details)
    if source_name == "cluster_designations":
        from clusterscore.connectors.designations import SEED, read_designations

        records, details = read_designations()
        return FetchResult(dest_path, _file_uri(SEED), write_jsonl_gz(dest_path, records), "full", details)
    raise SourceConfigError(source_name, spec.live_uri, "no live connector for this source")


def _fetch_cvr(settings: SourceSettings, dest: Path, since, cvr_numbers) -> FetchResult:
    from clusterscore.connectors.cvr import CvrConnector

    if cvr_numbers is None:
        raise SourceConfigError(
            settings.name,
            settings.url,
            "pass the CVR numbers to read (clusterscore.connectors.scope.cvr_numbers_in_scope): reading the whole "
            "index (~2.2M documents) is not a nightly job",
        )
    connector = CvrConnector(settings)
    try:
        read = connector.read(cvr_numbers, since)
    finally:
        connector.close()
    return FetchResult(dest, settings.url, connector.write(dest, read), read.load_kind, read.details)


def _fetch_annual_reports(settings: SourceSettings, dest: Path, cvr_numbers, today) -> FetchResult:
    from clusterscore.connectors.annual_reports import AnnualReportsConnector
    from clusterscore.connectors.cvr_mapping import load_mapping

    numbers = list(cvr_numbers) if cvr_numbers is not None else [entry.cvr for entry in load_mapping()]
    if not numbers:
        raise SourceConfigError(
            settings.name,
            settings.url,
            "no CVR numbers to read annual reports for: confirm the organisations' numbers first "
            "(clusterscore cvr-search / cvr-confirm)",
        )
    connector = AnnualReportsConnector(settings)
    try:
        lines, details = connector.read(numbers, today)
    finally:
        connector.close()
    return FetchResult(dest, settings.url, write_jsonl_gz(dest, lines), "full", details)
