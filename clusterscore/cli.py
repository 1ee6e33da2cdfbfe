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
    from clusterscore.refresh import run_refresh

    paths = get_paths(home)
    export_environment(paths)
    outcome = run_refresh(paths)
    typer.echo(outcome.render())
    raise typer.Exit(0 if outcome.success else 1)


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
def quarantine(
    home: HomeOption = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
) -> None:
    """List quarantined records of the latest batches: source, record, field and reason."""
    from clusterscore.warehouse import connect

    paths = get_paths(home)
    with connect(paths.duckdb, read_only=True) as con:
        rows = con.execute(
            """
            select q.source_name, q.line_no, q.record_key, q.field, q.reason
            from meta.quarantine as q
            where q.batch_id in (
                select batch_id from meta.batches where status = 'landed'
                qualify row_number() over (partition by source_name order by fetched_at desc) = 1
            ) and (? is null or q.source_name = ?)
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
