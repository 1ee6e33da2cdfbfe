"""Run a Great Expectations 1.x suite from `expectations/<suite>.json` on a DataFrame.

GX's SQL route on DuckDB is broken (MetricResolutionError), so tables are read from DuckDB into pandas and
validated there, with only the columns a suite needs. The runtime context (results, Data Docs) lives under
CLUSTERSCORE_HOME/gx; the suites themselves stay in the repo.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from clusterscore.settings import expectations_dir, get_paths

log = logging.getLogger(__name__)


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    evaluated: int
    failed: int
    failures: list[dict] = field(default_factory=list)
    docs_index: str | None = None
    result: dict = field(default_factory=dict)  # the full validation result, kept in the audit store

    def summary(self) -> str:
        if self.success:
            return f"{self.suite}: all {self.evaluated} expectations met"
        listed = "; ".join(f"{f['expectation']}({f.get('column') or ''}): {f['observed']}" for f in self.failures)
        return f"{self.suite}: {self.failed} of {self.evaluated} expectations failed: {listed}"


def suite_path(suite: str) -> Path:
    return expectations_dir() / f"{suite}.json"


def load_suite_spec(suite: str) -> dict:
    return json.loads(suite_path(suite).read_text(encoding="utf-8"))


def suite_columns(suite: str) -> list[str]:
    """The columns a suite reads, so callers select only those from DuckDB."""
    columns: list[str] = []
    for expectation in load_suite_spec(suite)["expectations"]:
        kwargs = expectation["kwargs"]
        for name in [
            kwargs.get("column"),
            kwargs.get("column_A"),
            kwargs.get("column_B"),
            *kwargs.get("column_list", []),
        ]:
            if name and name not in columns:
                columns.append(name)
    return columns


@cache
def _context(root: str):
    import great_expectations as gx  # slow import (~6 s): only when a check runs
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=root)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.variables.save()
    return context


def validate(suite: str, frame: pd.DataFrame) -> SuiteOutcome:
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite

    paths = get_paths()
    paths.gx_root.mkdir(parents=True, exist_ok=True)
    context = _context(str(paths.gx_root))
    expectation_suite = context.suites.add_or_update(ExpectationSuite(**load_suite_spec(suite)))
    datasource = context.data_sources.add_or_update_pandas("clusterscore")
    try:
        asset = datasource.get_asset(suite)
    except LookupError:
        asset = datasource.add_dataframe_asset(suite)
    try:
        batch_definition = asset.get_batch_definition("whole_table")
    except (KeyError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe("whole_table")
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite, data=batch_definition, suite=expectation_suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=suite,
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
        )
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    (validation,) = result.run_results.values()
    failures = [
        {
            "expectation": r.expectation_config.type,
            "column": r.expectation_config.kwargs.get("column"),
            "observed": _observed(r.result),
        }
        for r in validation.results
        if not r.success
    ]
    stats = validation.statistics
    docs = context.get_docs_sites_urls()
    return SuiteOutcome(
        suite=suite,
        success=bool(validation.success),
        evaluated=int(stats["evaluated_expectations"]),
        failed=int(stats["unsuccessful_expectations"]),
        failures=failures,
        docs_index=docs[0]["site_url"] if docs else None,
        result=validation.to_json_dict(),
    )


def _observed(result: dict) -> str:
    if "observed_value" in result:
        return f"observed {result['observed_value']}"
    if "unexpected_count" in result:
        examples = ", ".join(map(str, result.get("partial_unexpected_list", [])[:5]))
        return f"{result['unexpected_count']} unexpected of {result.get('element_count')} (e.g. {examples})"
    return json.dumps(result, default=str)[:200]


def suite_frame(con, suite: str) -> pd.DataFrame:
    """The rows a suite validates, read from DuckDB: only the columns it needs, plus derived ones.

    A suite's meta names either a `relation` (a staging model) or a `query` (raw landing, which reads the
    payload of the latest batch); `derived` adds columns computed in Python, such as the modulus-11 check.
    """
    from clusterscore.cvr_numbers import is_valid_cvr

    spec = load_suite_spec(suite)["meta"]["clusterscore"]
    derived: dict = spec.get("derived", {})
    if "relation" in spec:
        wanted = [c for c in suite_columns(suite) if c not in derived]
        wanted += [src for rule in derived.values() for src in rule.values() if src not in wanted]
        frame = con.execute(f"select {', '.join(wanted)} from {spec['relation']}").df()
    else:
        frame = con.execute(spec["query"]).df()
    for column, rule in derived.items():
        ((kind, source_column),) = rule.items()
        if kind != "cvr_checksum":
            raise ValueError(f"suite {suite}: unknown derived column rule {kind!r}")
        frame[column] = [None if v is None or v != v else is_valid_cvr(str(v)) for v in frame[source_column]]
    return frame
