"""The column-lineage cache's key (pipelines/dbt_metadata.py: LineageCache)."""

from pipelines.dbt_metadata import LineageCache

SCORECARD_SQL = (
    "select '{run}' as run_id, '{dbt}' as dbt_invocation_id, s.cluster_org_id, s.total_score_pct from scores as s "
    "where s.run = '{run}'"
)
COLUMNS = ({"run_id": {"data_type": "VARCHAR"}}, {'"db"."intermediate"."scores"': {"total_score_pct": {}}})


def key(tmp_path, run_id: str, dbt_id: str, sql: str) -> str:
    cache = LineageCache(tmp_path / "column-lineage.json", run_id, dbt_id)
    return cache.key("model.clusterscore.scorecard", sql, *COLUMNS)


def test_a_models_lineage_is_found_again_by_the_next_run_whose_sql_differs_only_by_its_run_and_dbt_ids(tmp_path):
    tonight = key(tmp_path, "run-2", "dbt-2", SCORECARD_SQL.format(run="run-2", dbt="dbt-2"))
    assert tonight == key(tmp_path, "run-1", "dbt-1", SCORECARD_SQL.format(run="run-1", dbt="dbt-1"))
    # Anything else in the SQL is another key: ids the run does not have, another model, other columns.
    assert tonight != key(tmp_path, "run-2", "dbt-2", SCORECARD_SQL.format(run="run-1", dbt="dbt-2"))
    assert tonight != key(tmp_path, "run-2", "dbt-2", SCORECARD_SQL.format(run="run-2", dbt="dbt-1"))
    assert tonight != LineageCache(tmp_path / "c.json", "run-2", "dbt-2").key(
        "model.clusterscore.other", SCORECARD_SQL.format(run="run-2", dbt="dbt-2"), *COLUMNS
    )
    assert tonight != LineageCache(tmp_path / "c.json", "run-2", "dbt-2").key(
        "model.clusterscore.scorecard", SCORECARD_SQL.format(run="run-2", dbt="dbt-2"), {}, COLUMNS[1]
    )
