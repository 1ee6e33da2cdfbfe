"""OpenLineage events of a refresh run, built with openlineage-python, so lineage can go to Marquez or any other
OpenLineage consumer.

Each run gives a START and a COMPLETE (or FAIL) event for the job `refresh`, and for every asset the run
materialised a START and COMPLETE event of its own job (`raw.cvr_companies`, `marts.scorecard`, ...) with the
refresh as parent, its upstream assets as inputs, itself as output with schema, column-lineage and
data-quality facets. Events always go to the run's audit-store record (`openlineage.jsonl`), and also to
CLUSTERSCORE_OPENLINEAGE_URL when set (HTTP, the consumer's `api/v1/lineage` endpoint; an API key from
CLUSTERSCORE_OPENLINEAGE_API_KEY).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from collections import defaultdict

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    data_quality_assertions_dataset,
    error_message_run,
    job_type_job,
    parent_run,
    schema_dataset,
)
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport

from clusterscore.audit_store import RunRecord
from clusterscore.settings import Paths

log = logging.getLogger(__name__)
PRODUCER = "urn:clusterscore:refresh"  # a URI naming the producer, as the spec asks; not a web address
URL_ENV, API_KEY_ENV, NAMESPACE_ENV = (
    "CLUSTERSCORE_OPENLINEAGE_URL",
    "CLUSTERSCORE_OPENLINEAGE_API_KEY",
    "CLUSTERSCORE_OPENLINEAGE_NAMESPACE",
)
EVENTS_FILE = "openlineage.jsonl"


def namespace() -> str:
    return os.environ.get(NAMESPACE_ENV) or "clusterscore"


def dataset_name(asset: str) -> str:
    """Assets are [layer, name] and DuckDB tables layer.name: one name for both."""
    return asset.replace("/", ".")


def _time(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat()


def _job_type(kind: str) -> dict:
    return {"jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="DAGSTER", jobType=kind)}


def build_run_events(instance, run_id: str, success: bool, failures: list[str], asset_graph) -> list[RunEvent]:
    """The run's events, from its Dagster event log and the asset graph (for each asset's inputs)."""
    import dagster as dg

    db_namespace = f"duckdb://{namespace()}"
    parent_job = Job(namespace=namespace(), name="refresh", facets=_job_type("JOB"))
    started, finished = None, None
    step_started: dict[str, float] = {}
    materialised: dict[str, tuple[float, dict, str]] = {}
    checks: dict[str, list] = defaultdict(list)
    kinds = dg.DagsterEventType
    read = {  # only these: a national night has ~650 events, mostly outputs and planned checks
        kinds.RUN_START,
        kinds.RUN_SUCCESS,
        kinds.RUN_FAILURE,
        kinds.STEP_START,
        kinds.ASSET_MATERIALIZATION,
        kinds.ASSET_CHECK_EVALUATION,
    }
    for record in instance.get_records_for_run(run_id, of_type=read, limit=1_000_000).records:
        entry = record.event_log_entry
        event = entry.dagster_event
        kind = event.event_type
        if kind == dg.DagsterEventType.RUN_START:
            started = entry.timestamp
        elif kind in (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE):
            finished = entry.timestamp
        elif kind == dg.DagsterEventType.STEP_START:
            step_started[event.step_key] = entry.timestamp
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            asset = materialization.asset_key.to_user_string()
            materialised[asset] = (entry.timestamp, materialization.metadata, event.step_key)
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            checks[evaluation.asset_key.to_user_string()].append(evaluation)
    started = started or min(step_started.values(), default=0.0)
    finished = finished or max((t for t, _, _ in materialised.values()), default=started)

    parent_facet = parent_run.ParentRunFacet(
        run=parent_run.Run(runId=run_id), job=parent_run.Job(namespace=namespace(), name="refresh")
    )
    events = [
        RunEvent(
            eventType=RunState.START,
            eventTime=_time(started),
            run=Run(runId=run_id),
            job=parent_job,
            producer=PRODUCER,
        )
    ]
    for asset, (when, metadata, step_key) in sorted(materialised.items(), key=lambda item: item[1][0]):
        key = dg.AssetKey.from_user_string(asset)
        inputs = [
            InputDataset(namespace=db_namespace, name=dataset_name(parent.to_user_string()))
            for parent in sorted(asset_graph.get(key).parent_keys, key=lambda k: k.to_user_string())
        ]
        if "source_uri" in metadata:  # a raw landing asset reads a public source
            uri = str(metadata["source_uri"].value)
            scheme, _, rest = uri.partition(":")
            inputs.append(InputDataset(namespace=scheme, name=rest.lstrip("/") or uri))
        output = OutputDataset(
            namespace=db_namespace, name=dataset_name(asset), facets=_dataset_facets(metadata, checks[asset])
        )
        asset_run = Run(runId=str(uuid.uuid5(uuid.UUID(run_id), asset)), facets={"parent": parent_facet})
        asset_job = Job(namespace=namespace(), name=dataset_name(asset), facets=_job_type("ASSET"))
        for state, at in ((RunState.START, step_started.get(step_key, when)), (RunState.COMPLETE, when)):
            events.append(
                RunEvent(
                    eventType=state,
                    eventTime=_time(at),
                    run=asset_run,
                    job=asset_job,
                    inputs=inputs,
                    outputs=[output],
                    producer=PRODUCER,
                )
            )
    run_facets = {}
    if not success:
        message = "; ".join(failures)[:4000] or "the refresh failed"
        run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=message, programmingLanguage="python"
        )
    events.append(
        RunEvent(
            eventType=RunState.COMPLETE if success else RunState.FAIL,
            eventTime=_time(finished),
            run=Run(runId=run_id, facets=run_facets),
            job=parent_job,
            producer=PRODUCER,
        )
    )
    return events


def _dataset_facets(metadata: dict, evaluations: list) -> dict:
    facets = {}
    schema = metadata.get("dagster/column_schema")
    if schema is not None:
        facets["schema"] = schema_dataset.SchemaDatasetFacet(
            fields=[
                schema_dataset.SchemaDatasetFacetFields(name=column.name, type=column.type, description=None)
                for column in schema.value.columns
            ]
        )
    lineage = metadata.get("dagster/column_lineage")
    if lineage is not None:
        facets["columnLineage"] = column_lineage_dataset.ColumnLineageDatasetFacet(
            fields={
                column: column_lineage_dataset.Fields(
                    inputFields=[
                        column_lineage_dataset.InputField(
                            namespace=f"duckdb://{namespace()}",
                            name=dataset_name(dep.asset_key.to_user_string()),
                            field=dep.column_name,
                        )
                        for dep in deps
                    ]
                )
                for column, deps in lineage.value.deps_by_column.items()
            }
        )
    if evaluations:
        facets["dataQualityAssertions"] = data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
            assertions=[
                data_quality_assertions_dataset.Assertion(
                    assertion=evaluation.check_name, success=bool(evaluation.passed), name=evaluation.check_name
                )
                for evaluation in evaluations
            ]
        )
    return facets


def emit_run_events(paths: Paths, instance, run_id: str, outcome) -> list[RunEvent]:
    """Write the run's events to its audit record, and send them to the configured endpoint if any. A consumer
    that is down costs a warning, never the run."""
    from pipelines.definitions import defs

    failures = [f"{c.asset} {c.name}" for c in outcome.checks if not c.passed] + outcome.failed_steps
    events = build_run_events(instance, run_id, outcome.success, failures, defs.resolve_asset_graph())
    target = RunRecord(paths, run_id).path(EVENTS_FILE)
    target.unlink(missing_ok=True)
    clients = [OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=str(target), append=True)))]
    url = os.environ.get(URL_ENV)
    if url:
        auth = {"type": "api_key", "apiKey": os.environ[API_KEY_ENV]} if os.environ.get(API_KEY_ENV) else {}
        clients.append(OpenLineageClient(transport=HttpTransport(HttpConfig.from_dict({"url": url, "auth": auth}))))
    for client in clients:
        try:
            for event in events:
                client.emit(event)
        except Exception as exc:
            log.warning("OpenLineage events not delivered by %s: %s", type(client.transport).__name__, exc)
    return events
