"""Run a Great Expectations 1.x suite from `expectations/<suite>.json` on a DataFrame.

GX's SQL route on DuckDB is broken (MetricResolutionError), so tables are read from DuckDB into pandas and
validated there, with only the columns a suite needs. The runtime context (results, Data Docs) lives under
CLUSTERSCORE_HOME/gx; the suites themselves stay in the repo.

Tables of national size (the CVR register: 2.2 million companies) are not pulled into pandas. Their suites are
profile suites: DuckDB counts the rows breaking each rule in one pass and returns one row (the profile), with up to
five example values per rule, and GX checks the counts (see `profile_query`).
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from clusterscore.cvr_numbers import valid_cvr_sql
from clusterscore.quality import gx_worker
from clusterscore.quality.deferred_imports import defer
from clusterscore.settings import expectations_dir, get_paths

log = logging.getLogger(__name__)

PROFILE_EXAMPLES = 5  # example values kept per profile rule
DOCS_ACTION = "update_data_docs"
EXAMPLES_SUFFIX = "_examples"  # the profile column holding a rule's examples, as one string: `<rule>_examples`
NEW_ROWS = "rows_not_yet_validated"  # the profile column of a scoped profile's rows (`profile_query`)

# SQL functions a profile's rules may call, registered on the connection (as temporary macros) before it runs.
# valid_cvr(value): true when value (text or integer) is a valid CVR number (8 digits, modulus 11), false for any
# other value, null for null (so a rule ignores it, as GX does); clusterscore.cvr_numbers' SQL check.
PROFILE_SQL_MACROS = (
    "create or replace temp macro valid_cvr(value) as "
    f"case when value is not null then {valid_cvr_sql('cast(value as varchar)')} end",
)


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
        listed = "; ".join(_describe(f) for f in self.failures)
        return f"{self.suite}: {self.failed} of {self.evaluated} expectations failed: {listed}"


def _describe(failure: dict) -> str:
    if "row_rule" in failure:  # a profile rule: its name, the count and examples, and the row rule it stands for
        return f"{failure['column']}: {failure['observed']} [{failure['row_rule']}]"
    return f"{failure['expectation']}({failure.get('column') or ''}): {failure['observed']}"


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


_importing = threading.Lock()
_import_started = False


def import_in_background() -> None:
    """Start importing Great Expectations on a thread, once per process (a validation then waits for it); nothing
    while the refresh's Great Expectations worker runs (clusterscore/quality/gx_worker.py), which validates instead.

    The import takes 3-4.5 s of CPU. Landing a new batch calls this: its DuckDB work leaves Python's lock free, so
    the import goes on beside it. Started at the start of the process instead, it competed with Dagster's own
    Python work (the run's ~250 "planned" events took 3-4 s instead of 0.5 s), and a run whose checks all reuse
    earlier results (clusterscore/quality/reuse.py) does not need the import at all.
    """
    global _import_started
    if gx_worker.current() is not None:  # the refresh's worker validates: this process needs no GX
        return
    with _importing:
        if _import_started:
            return
        _import_started = True
    threading.Thread(target=import_great_expectations, daemon=True).start()


# Modules GX imports at import time for expectations no suite of ours uses (clusterscore/quality/deferred_imports.py).
UNUSED_BY_OUR_SUITES = ("scipy.stats", "altair")


def import_great_expectations():
    """The `great_expectations` module (a slow import: only when a check runs), without what our suites never use."""
    for name in UNUSED_BY_OUR_SUITES:
        defer(name)
    return importlib.import_module("great_expectations")


@cache
def _context(root: str):
    """The file-backed GX context at `root` (made there if new), once per process."""
    gx = import_great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from clusterscore.quality.gx_views import data_docs_views

    Path(root).mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=root)
    if context.variables.config_variables_file_path:
        # GX reads and parses that YAML file again at every read of a context variable (~70 in one validation:
        # 0.05-0.1 s of each, national). Our suites substitute no config variables, so a context has no such file
        # (GX writes the setting into a new project); the context is opened again without it.
        context.variables.config_variables_file_path = None
        context.variables.save()
        context = gx.get_context(mode="file", project_root_dir=root)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    sites = context.variables.data_docs_sites or {}
    context.variables.data_docs_sites = {name: data_docs_views(site) for name, site in sites.items()}
    context.variables.save()
    return context


def open_context(gx_root: str) -> None:
    """Open the GX context at `gx_root` now, ahead of the first validation, which then starts without it (~0.1 s)."""
    _context(gx_root)


# One validation at a time in a process: the file-backed context's stores (suites, data sources, checkpoints,
# Data Docs) are read and written as files, not made for threads (pipelines/quality.py runs suites two at a time).
_validating = threading.Lock()


def validate(suite: str, frame: pd.DataFrame) -> SuiteOutcome:
    """Validate `suite` on `frame`: in the refresh's Great Expectations worker when one runs
    (clusterscore/quality/gx_worker.py), else here."""
    worker = gx_worker.current()
    if worker is not None:
        return worker.validate((suite, frame, str(get_paths().gx_root), load_suite_spec(suite)))
    with _validating:
        return validate_here(suite, frame)


def validate_here(
    suite: str,
    frame: pd.DataFrame,
    gx_root: str | None = None,
    spec: dict | None = None,
    docs_later: list | None = None,
) -> SuiteOutcome:
    """Validate in this process; `gx_root` and `spec` (the suite's JSON) default to the settings' and the file's.
    The result's Data Docs pages are updated at once, or, given `docs_later`, by `update_data_docs` of what is
    appended to it (the worker's way: clusterscore/quality/gx_worker.py)."""
    gx = import_great_expectations()
    from great_expectations.core.expectation_suite import ExpectationSuite

    context = _context(gx_root or str(get_paths().gx_root))
    expectation_suite = context.suites.add_or_update(ExpectationSuite(**(spec or load_suite_spec(suite))))
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
            actions=[] if docs_later is not None else [gx.checkpoint.UpdateDataDocsAction(name=DOCS_ACTION)],
        )
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    if docs_later is not None:
        docs_later.append(result)
    (validation,) = result.run_results.values()
    failures = [_failure(r, frame) for r in validation.results if not r.success]
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


def data_docs_written() -> None:
    """Return once the Data Docs pages of every validation of this process's refresh are written: the worker
    writes them after it answers (clusterscore/quality/gx_worker.py); a validation here writes them at once."""
    worker = gx_worker.current()
    if worker is not None:
        worker.data_docs()


def update_data_docs(result) -> None:
    """Update the Data Docs pages of a checkpoint's result, as the checkpoint's own action would have (the result
    is in the validation results store already: the checkpoint stored it)."""
    gx = import_great_expectations()
    gx.checkpoint.UpdateDataDocsAction(name=DOCS_ACTION).run(checkpoint_result=result)


def _failure(r, frame: pd.DataFrame) -> dict:
    config = r.expectation_config
    failure = {"expectation": config.type, "column": config.kwargs.get("column")}
    rule = (config.meta or {}).get("profile")
    if rule is None or len(frame) != 1 or failure["column"] not in frame.columns:
        return {**failure, "observed": _observed(r.result)}
    # A profile rule: what was counted, from the one profile row GX checked, with that rule's examples.
    value = frame[failure["column"]].iloc[0]
    observed = "observed " + (
        "no rows" if pd.isna(value) else f"{value:.4g}" if isinstance(value, float) else str(value)
    )
    examples_column = failure["column"] + EXAMPLES_SUFFIX
    examples = frame[examples_column].iloc[0] if examples_column in frame.columns else None
    if examples:
        observed += f" (e.g. {examples})"
    return {**failure, "observed": observed, "examples": examples or "", "row_rule": rule.get("row_rule", "")}


def _observed(result: dict) -> str:
    if "observed_value" in result:
        return f"observed {result['observed_value']}"
    if "unexpected_count" in result:
        examples = ", ".join(map(str, result.get("partial_unexpected_list", [])[:5]))
        return f"{result['unexpected_count']} unexpected of {result.get('element_count')} (e.g. {examples})"
    return json.dumps(result, default=str)[:200]


def suite_frame(con, suite: str, validated_through: Sequence[str] = ()) -> pd.DataFrame:
    """The rows a suite validates, read from DuckDB: only the columns it needs, plus derived ones.

    A suite's meta names either a `relation` (a staging model) or a `query` (raw landing, which reads the
    payload of the latest batch); `derived` adds columns computed in Python, such as the modulus-11 check. A
    profile suite (meta `profile`) gets its one-row profile instead (`profile_query`, with `validated_through`).
    """
    from clusterscore.cvr_numbers import is_valid_cvr

    spec = load_suite_spec(suite)["meta"]["clusterscore"]
    if "profile" in spec:
        for macro in PROFILE_SQL_MACROS:
            con.execute(macro)
        frame = con.execute(profile_query(suite, validated_through)).df()
        if len(frame) != 1:
            raise ValueError(f"suite {suite}: a profile is one row, the query gave {len(frame)}")
        return frame
    frame = con.execute(suite_rows_sql(suite)).df()
    for column, rule in spec.get("derived", {}).items():
        ((kind, source_column),) = rule.items()
        if kind != "cvr_checksum":
            raise ValueError(f"suite {suite}: unknown derived column rule {kind!r}")
        frame[column] = [None if v is None or v != v else is_valid_cvr(str(v)) for v in frame[source_column]]
    return frame


def is_profile_suite(suite: str) -> bool:
    return "profile" in load_suite_spec(suite)["meta"]["clusterscore"]


def suite_rows_sql(suite: str) -> str:
    """The SQL of the rows a suite validates, before the columns `derived` adds: the columns it reads of its
    `relation`, its `query`, or for a profile suite the rows it profiles."""
    spec = load_suite_spec(suite)["meta"]["clusterscore"]
    if "profile" in spec:
        return profile_rows_sql(spec["profile"])  # the rows it profiles; the suite validates the profile
    if "relation" in spec:
        derived: dict = spec.get("derived", {})
        wanted = [c for c in suite_columns(suite) if c not in derived]
        wanted += [src for rule in derived.values() for src in rule.values() if src not in wanted]
        return f"select {', '.join(wanted)} from {spec['relation']}"
    return spec["query"]


def is_scoped_profile(suite: str) -> bool:
    """Whether the suite is a profile suite whose rules no row may break can be checked on the rows not yet
    validated only (its meta `profile.new_rows_by`: the column naming each row's batch; see `profile_query`)."""
    return "new_rows_by" in load_suite_spec(suite)["meta"]["clusterscore"].get("profile", {})


def profile_rows_sql(profile: dict, where: str | None = None) -> str:
    """The SQL of the rows a profile suite profiles: its meta `profile.rows`, and with `profile.repeated`
    (`{"key": [columns], "as": column}`) a column counting the rows that share each row's key, nulls included as
    a window over the key would count them, 1 for a key seen once. Found by a join to the keys seen more than once
    (few: none in a clean register), not a window over the whole table: national, 0.2-0.4 s less per suite.

    With `where` (a condition on the rows: `profile_query`'s rows not yet validated), only the rows meeting it, each
    key still counted over all the rows: a new row that repeats an older row's key has a repeated key."""
    rows, repeated = profile["rows"], profile.get("repeated")
    if where is not None:
        rows = f"select * from ({rows}) as all_rows where {where}"
    if repeated is None:
        return rows
    key, counted = repeated["key"], repeated["as"]
    keys = ", ".join(key)

    def same_key(left: str, right: str) -> str:
        return " and ".join(f"{left}.{column} is not distinct from {right}.{column}" for column in key)

    counted_over = "profiled_rows"
    if where is not None:  # the keys of the rows profiled, counted over all rows
        counted_over = (
            f"(select * from ({profile['rows']}) as all_rows "
            f"where exists (select 1 from profiled_rows where {same_key('all_rows', 'profiled_rows')}))"
        )
    return (
        f"with profiled_rows as ({rows}),\n"
        f"repeated as (select {keys}, count(*) as {counted} from {counted_over} as candidates "
        f"group by {keys} having count(*) > 1)\n"
        f"select profiled_rows.*, coalesce(repeated.{counted}, 1) as {counted}\n"
        f"from profiled_rows left join repeated on {same_key('profiled_rows', 'repeated')}"
    )


def rows_not_yet_validated(batch_column: str, validated_through: Sequence[str]) -> str:
    """A condition on rows: the row's batch (`batch_column`) landed after the batch of its source in
    `validated_through` (in the order of `fetched_at`), as dbt's scope `not_yet_tested` reads them
    (dbt_project/macros/tests/test_scopes.sql)."""
    from clusterscore.warehouse import sql_literal  # DuckDB's module: not for the Great Expectations worker

    validated = ", ".join(sql_literal(batch) for batch in validated_through)
    return (
        f"coalesce({batch_column}, '') not in (select landed.batch_id from meta.batches as landed "
        "inner join meta.batches as validated on landed.source_name = validated.source_name "
        f"and landed.fetched_at <= validated.fetched_at where validated.batch_id in ({validated}))"
    )


def no_row_may_break(expectation: dict) -> bool:
    """Whether a profile rule counts rows none of which may break it (a count of at most 0): it holds on a table
    when it holds on the rows not yet validated and every other row passed it before and is unchanged since. A
    share, or a count with room, is a rule of the whole table."""
    rule = expectation.get("meta", {}).get("profile", {})
    return "count_where" in rule and expectation["kwargs"].get("max_value") == 0


def profile_query(suite: str, validated_through: Sequence[str] = ()) -> str:
    """The SQL of a profile suite's one-row profile.

    The suite's meta `profile` gives the rows to profile (`profile_rows_sql`). The profile has `row_count`, and per
    expectation whose meta `profile` gives an SQL condition on those rows (`count_where` or `share_where`):
    - a column named as the expectation's column: the number (or the share) of rows meeting the condition;
    - `<column>_examples`: up to PROFILE_EXAMPLES distinct values of the SQL expression `examples` over those
      rows (taken from its 2 * PROFILE_EXAMPLES smallest), in order, as one string ('' when there are none).
    Conditions may call the PROFILE_SQL_MACROS. A row for which a condition is null (e.g. a regex on a null
    value) is not counted, as GX's row-level expectations ignore nulls.

    A scoped suite (`is_scoped_profile`) given `validated_through` (the batches, one per source, through which every
    row has passed this suite and is unchanged since: pipelines/quality.py) counts the rules no row may break
    (`no_row_may_break`) on the rows of later batches only, and has their number as `rows_not_yet_validated`;
    `row_count` and the other rules are of all rows. A national night then checks the 1 % of companies that
    changed, not 2.2 million (bench/README.md), as dbt's tests of the staging models do.
    """
    spec = load_suite_spec(suite)
    profile = spec["meta"]["clusterscore"]["profile"]
    rules = []  # (expectation, column, rule, condition)
    seen = {"row_count", NEW_ROWS}
    for expectation in spec["expectations"]:
        rule = expectation.get("meta", {}).get("profile", {})
        where = rule.get("count_where") or rule.get("share_where")
        if where is None:
            continue
        column = expectation["kwargs"]["column"]
        if column in seen:
            raise ValueError(f"suite {suite}: profile column {column} is defined twice")
        seen.add(column)
        rules.append((expectation, column, rule, where))
    if not (validated_through and "new_rows_by" in profile):
        listed = ",\n    ".join(["count(*) as row_count", *_rule_columns(rules)])
        return f"with profiled as (\n{profile_rows_sql(profile)}\n)\nselect\n    {listed}\nfrom profiled"
    of_new = [rule for rule in rules if no_row_may_break(rule[0])]
    of_all = [rule for rule in rules if not no_row_may_break(rule[0])]
    repeated = (profile.get("repeated") or {}).get("as")
    if repeated and any(repeated in where for *_, where in of_all):
        raise ValueError(f"suite {suite}: a rule of all rows may not read {repeated}, counted for the new rows only")
    new_rows = profile_rows_sql(profile, rows_not_yet_validated(profile["new_rows_by"], validated_through))
    return (
        f"with all_rows as (\n{profile['rows']}\n),\nprofiled as (\n{new_rows}\n)\n"
        f"select * from (select {', '.join(['count(*) as row_count', *_rule_columns(of_all)])} from all_rows) as of_all"
        f"\ncross join (select {', '.join([f'count(*) as {NEW_ROWS}', *_rule_columns(of_new)])} from profiled) as of_new"
    )


def _rule_columns(rules: list[tuple]) -> list[str]:
    """Each profile rule's two columns: the count (or share) of the rows meeting its condition, and examples."""
    columns = []
    for _, column, rule, where in rules:
        counted = f"count(*) filter (where {where})"
        columns.append(
            f"{counted} as {column}" if "count_where" in rule else f"{counted} / nullif(count(*), 0) as {column}"
        )
        # The smallest values, not a distinct aggregate: its memory stays bounded however many rows break a rule.
        smallest = f"min({rule['examples']}, {2 * PROFILE_EXAMPLES}) filter (where {where})"
        examples = f"list_sort(list_distinct({smallest}))[1:{PROFILE_EXAMPLES}]"
        columns.append(f"coalesce(array_to_string({examples}, ', '), '') as {column}{EXAMPLES_SUFFIX}")
    return columns
