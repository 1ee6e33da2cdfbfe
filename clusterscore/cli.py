"""The `clusterscore` command: the things people do, without the Dagster UI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clusterscore.settings import SAMPLE_DIR, export_environment, get_paths

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
    raise typer.Exit(0 if outcome.success else 1)


@app.command()
def status(home: HomeOption = None) -> None:
    """The last run and its result, what is published and when, stale sources, open failures."""
    from clusterscore.operations import read_status

    current = read_status(get_paths(home))
    if not current:
        typer.echo("No refresh has run yet.")
        raise typer.Exit(1)
    last, good = current["last_run"], current.get("last_success")
    typer.echo(f"Last run:   {last['run_id']} {last['result'].upper()} at {last['finished_at']} ({last['seconds']} s)")
    if good:
        typer.echo(f"Published:  run {good['run_id']} at {good['finished_at']}; site {good['site']}")
    else:
        typer.echo("Published:  nothing yet (no successful run)")
    stale = [s for s in current.get("sources", []) if s["stale"]]
    for source in current.get("sources", []):
        flag = "STALE" if source["stale"] else "fresh"
        typer.echo(
            f"Source:     {source['source']:22} {flag} fetched {source['fetched_at']} ({source['age_hours']} h ago)"
        )
    if last["result"] != "success":
        typer.echo("Open failure: " + "; ".join(last["failed_checks"] + last["failed_steps"]))
    elif not stale:
        typer.echo("No open failures, no stale sources.")


@app.command("generate-sample")
def generate_sample(
    out: Annotated[Path, typer.Option(help="Folder to write the sample to.")] = SAMPLE_DIR,
    scale: Annotated[
        float, typer.Option(help="1 is the bundled sample; larger multiplies companies and members.")
    ] = 1.0,
    seed: Annotated[int | None, typer.Option(help="Random seed; the default reproduces the bundled sample.")] = None,
) -> None:
    """Generate the synthetic sample (fictional organisations) deterministically."""
    from clusterscore.sample import DEFAULT_SEED, generate

    manifest = generate(out, scale=scale, seed=DEFAULT_SEED if seed is None else seed)
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
        typer.echo(f"No site at {site}: run `clusterscore refresh` first.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Serving {site} on http://127.0.0.1:{port}/ (Ctrl-C stops)")
    serve_site(site, port=port)


@app.command()
def export(
    home: HomeOption = None,
    run: Annotated[str | None, typer.Option(help="Run id; default the latest run.")] = None,
) -> None:
    """Write CSV, Parquet and XLSX of a run's published tables under CLUSTERSCORE_HOME/exports/<run>/."""
    from clusterscore.exports import export_run

    paths = get_paths(home)
    result = export_run(paths.duckdb, paths.exports, run)
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
    """Trace a published number to its rule, rulebook version, intermediate row and raw records (re-hashed)."""
    import json

    from clusterscore.audit import AuditError, audit, render

    try:
        report = audit(get_paths(home).duckdb, organisation, indicator, run)
    except AuditError as exc:
        typer.echo(f"clusterscore audit: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(report, indent=2, default=str) if as_json else render(report))
    if indicator and not report["all_raw_records_unchanged"]:
        raise typer.Exit(3)


@app.command()
def quarantine(
    home: HomeOption = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
) -> None:
    """List quarantined records of the latest batches: source, record, field and reason."""
    from clusterscore.landing import LATEST_BATCHES
    from clusterscore.warehouse import connect

    paths = get_paths(home)
    with connect(paths.duckdb, read_only=True) as con:
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


if __name__ == "__main__":
    app()
