"""The `clusterscore` command: the things people do, without the Dagster UI."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from clusterscore.settings import SAMPLE_DIR, export_environment, get_paths, shown_path

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)

HomeOption = Annotated[
    Path | None, typer.Option("--home", help="CLUSTERSCORE_HOME: where the DuckDB file and run records go.")
]


@app.command()
def refresh(home: HomeOption = None) -> None:
    """Run the full refresh (the `refresh` job) on the configured sources, then print a summary."""
    from clusterscore.operations import RefreshAlreadyRunning
    from clusterscore.refresh import run_refresh

    paths = get_paths(home)
    export_environment(paths)
    try:
        outcome = run_refresh(paths)
    except RefreshAlreadyRunning as exc:
        typer.echo(f"clusterscore refresh: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(outcome.render())
    _exit_without_teardown(0 if outcome.success else 1)


def _exit_without_teardown(code: int) -> NoReturn:
    """End the process as Python's own exit does, less the interpreter's teardown: after a refresh it holds
    Dagster's modules (and dagster-dbt's, DuckDB's, pandas'), whose freeing one by one took ~0.55 s of every refresh
    (national night: 0.6 s from the summary to the process's end, 0.06 s so). What that teardown would do first
    still runs: the threads' end (`threading._shutdown`: waits for non-daemon threads, stops idle pools) and every
    exit handler (log files flushed, the Dagster event log's SQLite files checkpointed and closed)."""
    threading._shutdown()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@app.command()
def status(home: HomeOption = None) -> None:
    """The last run and its result, what is published and when, stale sources, open failures."""
    from clusterscore.operations import read_status
    from clusterscore.publish import current_release, verify_published

    paths = get_paths(home)
    current = read_status(paths)
    if not current:
        typer.echo("No refresh has run yet.")
        raise typer.Exit(1)
    last = current["last_run"]
    typer.echo(f"Last run:   {last['run_id']} {last['result'].upper()} at {last['finished_at']} ({last['seconds']} s)")
    if last.get("unchanged_since"):
        typer.echo(f"            nothing new to score: release {last['unchanged_since']} stays published")
    release = current_release(paths)
    if release:
        altered = verify_published(paths)
        integrity = f"{len(altered)} file(s) ALTERED since publication" if altered else "checksums intact"
        typer.echo(
            f"Published:  run {release.run_id} at {release.published_at}; {shown_path(paths.published)} ({integrity})"
        )
    else:
        typer.echo("Published:  nothing yet (no successful run)")
    stale = [s for s in current.get("sources", []) if s["stale"]]
    for source in current.get("sources", []):
        flag = f"STALE since {source['stale_since']}" if source["stale"] else "fresh"
        attempt = "; last attempt FAILED" if source.get("last_attempt") == "failed" else ""
        typer.echo(
            f"Source:     {source['source']:22} {flag}, last read {source['fetched_at']} "
            f"({source['age_hours']} h ago){attempt}"
        )
    if last["result"] != "success":
        typer.echo("Open failure: " + "; ".join(last["failed_checks"] + last["failed_steps"]))
        typer.echo(f"Log:        {last.get('log') or shown_path(paths.logs)}")
    elif not stale:
        typer.echo("No open failures, no stale sources.")


@app.command("generate-sample")
def generate_sample(
    out: Annotated[Path, typer.Option(help="Folder to write the sample to.")] = SAMPLE_DIR,
    scale: Annotated[
        float, typer.Option(help="1 is the bundled sample; larger multiplies companies and members.")
    ] = 1.0,
    seed: Annotated[int | None, typer.Option(help="Random seed; the default reproduces the bundled sample.")] = None,
    national: Annotated[
        bool, typer.Option("--national", help="A national-scale data set (sizes below) instead of the sample.")
    ] = False,
    companies: Annotated[int, typer.Option(help="--national: companies in the CVR file.")] = 2_200_000,
    participants: Annotated[
        int, typer.Option(help="--national: distinct participants in deltagerRelation.")
    ] = 1_800_000,
    organisations: Annotated[int, typer.Option(help="--national: cluster organisations.")] = 100,
    memberships: Annotated[int, typer.Option(help="--national: member lines of the latest submissions.")] = 100_000,
    workers: Annotated[int | None, typer.Option(help="--national: processes (default: up to 2).")] = None,
    changed_from: Annotated[
        Path | None, typer.Option(help="Write a changed variant of this national data set to --out.")
    ] = None,
    changed_share: Annotated[float, typer.Option(help="--changed-from: share of companies changed.")] = 0.01,
) -> None:
    """Generate the synthetic sample (fictional organisations) deterministically, or a national-scale set."""
    from clusterscore.sample import DEFAULT_SEED, generate

    seed = DEFAULT_SEED if seed is None else seed
    if (national or changed_from is not None) and out.resolve() == Path(SAMPLE_DIR).resolve():
        raise typer.BadParameter("give --out: the bundled sample folder is not overwritten with a national set")
    if changed_from is not None:
        from clusterscore.sample.national import write_changed

        manifest = write_changed(changed_from, out, changed_share, seed, workers)
        typer.echo(f"{manifest['changed']['companies']} companies changed: {manifest['changed']['kinds']}")
    elif national:
        from clusterscore.sample.national import NationalSizes, generate_national

        sizes = NationalSizes(companies, participants, organisations, memberships)
        manifest = generate_national(out, sizes, seed, workers, progress=typer.echo)
    else:
        manifest = generate(out, scale=scale, seed=seed)
    for name, figures in sorted(manifest["files"].items()):
        typer.echo(f"{name}: {figures['records']} records")


@app.command()
def serve(
    home: HomeOption = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Serve the scorecard site of the last successful refresh on localhost (reading it needs no server)."""
    from clusterscore.site.serve import serve as serve_site

    site = get_paths(home).site
    if not (site / "index.html").exists():
        typer.echo(f"No published site at {site}: run `clusterscore refresh` first.", err=True)
        raise typer.Exit(1)
    # The path goes through the `published` link on every request, so a new release is served once switched.
    typer.echo(f"Serving {site} on http://127.0.0.1:{port}/ (Ctrl-C stops)")
    serve_site(site, port=port)


@app.command()
def export(
    home: HomeOption = None,
    run: Annotated[str | None, typer.Option(help="Run id; default the latest published run.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder; default CLUSTERSCORE_HOME/exports.")] = None,
) -> None:
    """Write CSV, Parquet and XLSX of a run's published tables (from the published database) to OUT/<run>/."""
    from clusterscore.exports import export_run

    paths = get_paths(home)
    result = export_run(_published_db(paths), out or paths.home / "exports", run)
    for path in result.files:
        typer.echo(str(path))


@app.command("audit")
def audit_command(
    organisation: Annotated[str, typer.Argument(help="CVR number or name of the organisation.")],
    indicator: Annotated[
        str | None, typer.Argument(help="Indicator id; omit to list the organisation's indicators.")
    ] = None,
    run: Annotated[str | None, typer.Option(help="Run id; default the latest run.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    home: HomeOption = None,
) -> None:
    """Trace a published number to its rule, rulebook version, intermediate row and raw records (re-hashed).
    Exit 3: a record does not match its hash; 4: records could not be re-hashed (the reason is printed)."""
    import json

    from clusterscore.audit import AuditError, audit, render

    paths = get_paths(home)
    try:
        report = audit(_published_db(paths), organisation, indicator, run, as_received=paths.as_received_store)
    except AuditError as exc:
        typer.echo(f"clusterscore audit: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(report, indent=2, default=str) if as_json else render(report))
    if indicator and not report["all_raw_records_unchanged"]:
        raise typer.Exit(4 if {r["status"] for r in report["raw_records"]} <= {"unchanged", "not re-hashed"} else 3)


@app.command()
def quarantine(
    home: HomeOption = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
) -> None:
    """List quarantined records of the latest published batches: source, record, field and reason."""
    from clusterscore.landing import LATEST_BATCHES
    from clusterscore.warehouse import connect

    with connect(_published_db(get_paths(home)), read_only=True) as con:
        rows = con.execute(
            f"""
            select q.source_name, q.line_no, q.record_key, q.field, q.reason
            from meta.quarantine as q
            where q.batch_id in (select batch_id from ({LATEST_BATCHES}))
              and (? is null or q.source_name = ?)
            order by q.source_name, q.line_no, q.record_key
            limit ?
            """,
            [source, source, limit],
        ).fetchall()
    if not rows:
        typer.echo("No quarantined records in the latest batches.")
    for source_name, line_no, key, field, reason in rows:
        typer.echo(f"{source_name} line {line_no} record {key} field {field}: {reason}")


@app.command()
def history(home: HomeOption = None, limit: Annotated[int, typer.Option(help="At most this many runs.")] = 30) -> None:
    """Every recorded refresh run, newest first: when, result, published or not, levels. Any published run can be
    audited (`audit ORG --run RUN`) and reproduced (`reproduce RUN`)."""
    from clusterscore.audit_store import recorded_runs

    runs = recorded_runs(get_paths(home))
    if not runs:
        typer.echo("No runs recorded yet.")
        raise typer.Exit(1)
    for run in runs[:limit]:
        levels = ", ".join(f"{level} {n}" for level, n, _ in run.get("levels") or [])
        state = "published" if run.get("published") else "not published"
        typer.echo(f"{run['run_id']}  {run.get('finished_at', '?'):25} {run.get('result', '?'):8} {state:14} {levels}")


@app.command("reproduce")
def reproduce_command(
    run: Annotated[str, typer.Argument(help="Run id of a published run (see `clusterscore history`).")],
    home: HomeOption = None,
) -> None:
    """Rebuild a past run's scorecard from the kept raw records and rulebook, and compare it with what was published."""
    from clusterscore.reproduce import ReproduceError, reproduce

    paths = get_paths(home)
    export_environment(paths)
    try:
        result = reproduce(paths, run)
    except ReproduceError as exc:
        typer.echo(f"clusterscore reproduce: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(result.render())
    raise typer.Exit(0 if result.identical else 1)


def _published_db(paths) -> Path:
    """Readers use the published copy only; without one there is nothing to read yet."""
    if not paths.published_db.exists():
        typer.echo(
            f"Nothing published under {shown_path(paths.published)}: run `clusterscore refresh` first.", err=True
        )
        raise typer.Exit(1)
    return paths.published_db


import clusterscore.cli_sources  # noqa: E402, F401 - registers template, submissions-check, cvr-search, cvr-confirm

if __name__ == "__main__":
    app()
