"""The home's Dagster event log (pipelines/event_log.py): Dagster's SQLite files, written through connections kept
open, read by any other process as before; and the home's dagster.yaml that names it."""

from __future__ import annotations

import dagster as dg

from clusterscore.settings import DAGSTER_YAML_MARKER, dagster_yaml, write_dagster_yaml
from pipelines.event_log import OPEN_FILES, HeldOpenSqliteEventLogStorage


@dg.asset
def counted() -> int:
    return 1


@dg.asset_check(asset=counted, blocking=True)
def counted_is_one() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def event_types(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [r.event_log_entry.dagster_event_type for r in instance.get_records_for_run(run_id, limit=10_000).records]


def test_runs_are_recorded_through_held_connections_and_read_by_a_fresh_instance(home):
    writer = dg.DagsterInstance.from_config(str(home.dagster_home))
    assert isinstance(writer.event_log_storage, HeldOpenSqliteEventLogStorage)
    first = dg.materialize([counted, counted_is_one], instance=writer)
    second = dg.materialize([counted, counted_is_one], instance=writer)
    assert first.success and second.success

    # Another process (the UI, the daemon) opens the same files on its own and sees every event, as written.
    reader = dg.DagsterInstance.from_config(str(home.dagster_home))
    for run in (first, second):
        assert event_types(reader, run.run_id) == event_types(writer, run.run_id)
        assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in event_types(reader, run.run_id)
    latest = reader.event_log_storage.get_latest_materialization_events([dg.AssetKey("counted")])
    assert latest[dg.AssetKey("counted")].run_id == second.run_id
    # ... and what the reader writes, the writer's open connections read (no stale snapshot).
    third = dg.materialize([counted, counted_is_one], instance=reader)
    check = writer.event_log_storage.get_latest_asset_check_execution_by_key([counted_is_one.check_key])
    assert check[counted_is_one.check_key].run_id == third.run_id

    # Open files are bounded, and all closed on dispose.
    storage = writer.event_log_storage
    assert 0 < len(storage._engines) <= OPEN_FILES
    writer.dispose()
    assert not storage._engines
    reader.dispose()


def test_the_home_dagster_yaml_is_kept_up_to_date_unless_it_is_the_operators_own(home):
    config = home.dagster_home / "dagster.yaml"
    assert config.read_text() == dagster_yaml(home)  # written by export_environment (the `home` fixture)
    assert str(home.dagster_home / "history" / "runs") in config.read_text()

    # A home made by an earlier clusterscore (same settings, no event storage) is brought up to date ...
    config.write_text("telemetry:\n  enabled: false\nconcurrency:\n  runs:\n    max_concurrent_runs: 1\n")
    write_dagster_yaml(home)
    assert config.read_text() == dagster_yaml(home)
    # ... as is one written for the home at another place (a home moved) ...
    config.write_text(dagster_yaml(home).replace(str(home.dagster_home), "/elsewhere/dagster"))
    write_dagster_yaml(home)
    assert config.read_text() == dagster_yaml(home)
    # ... but the operator's own file (say, Postgres storage) is left as it is.
    own = "storage:\n  postgres:\n    postgres_url: {env: DAGSTER_PG_URL}\n"
    config.write_text(own)
    write_dagster_yaml(home)
    assert config.read_text() == own and not own.startswith(DAGSTER_YAML_MARKER)
