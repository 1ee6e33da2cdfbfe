"""Commands for live sources: the submission template and check, and confirming organisations' CVR numbers.

Registered on the `clusterscore` app by one import at the end of clusterscore/cli.py.
"""

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from clusterscore.cli import app


@app.command("template")
def template_command(
    out: Annotated[Path, typer.Argument(help="The XLSX file to write, e.g. submissions/nordlys-2026.xlsx.")],
) -> None:
    """Write the XLSX template a cluster organisation fills in for one year (instructions, validation, examples)."""
    from clusterscore.connectors.template import write_template

    if out.suffix.lower() != ".xlsx":
        typer.echo("clusterscore template: the file name must end in .xlsx", err=True)
        raise typer.Exit(2)
    write_template(out)
    typer.echo(f"Wrote {out}. Fill it in, save one file per organisation and year in the submissions folder,")
    typer.echo(f"then check it with: clusterscore submissions-check {out.parent}")


@app.command("submissions-check")
def submissions_check(
    folder: Annotated[Path, typer.Argument(help="Folder with one XLSX, CSV or YAML file per organisation and year.")],
) -> None:
    """Convert and check submission files with the landing rules, without loading them anywhere."""
    import duckdb

    from clusterscore.connectors.output import write_jsonl_gz
    from clusterscore.connectors.submissions import convert_folder
    from clusterscore.landing import land_file
    from clusterscore.sources import SOURCES

    try:
        records, details = convert_folder(folder)
    except FileNotFoundError as exc:
        typer.echo(f"clusterscore submissions-check: {exc}", err=True)
        raise typer.Exit(2) from exc
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "submissions.jsonl.gz"
        write_jsonl_gz(path, records)
        con = duckdb.connect(":memory:")
        try:
            result = land_file(con, SOURCES["cluster_submissions"], path, f"file:{folder.name}", run_id="check")
            problems = con.execute("select field, reason from meta.quarantine order by line_no, record_key").fetchall()
        finally:
            con.close()
    for entry in details["files"]:
        state = (
            f"cannot be read: {entry['error']}"
            if entry["error"]
            else (
                f"organisation {entry['organisation_cvr']} year {entry['year']}: "
                + ", ".join(f"{n} {section}" for section, n in entry["lines"].items())
            )
        )
        typer.echo(f"{entry['file']}: {state}")
    for warning in details["warnings"]:
        typer.echo(f"warning: {warning}")
    typer.echo(f"{result.received} records: {result.landed} pass, {result.quarantined} would be held back")
    for field, reason in problems:
        typer.echo(f"  {field}: {reason}")
    raise typer.Exit(1 if problems else 0)


@app.command("cvr-search")
def cvr_search(
    name: Annotated[str, typer.Argument(help="The organisation's name, or part of it.")],
    size: Annotated[int, typer.Option(help="At most this many candidates.")] = 10,
) -> None:
    """Search CVR by name and list candidates for a person to confirm (needs CVR_USERNAME / CVR_PASSWORD)."""
    from clusterscore.config import source_settings
    from clusterscore.connectors.cvr import CvrConnector
    from clusterscore.connectors.errors import ConnectorError

    try:
        connector = CvrConnector(source_settings("cvr_companies"))
        try:
            candidates = connector.search_by_name(name, size)
        finally:
            connector.close()
    except ConnectorError as exc:
        typer.echo(f"clusterscore cvr-search: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not candidates:
        typer.echo(f"No company in CVR matches {name!r}.")
        raise typer.Exit(1)
    typer.echo(f"Candidates for {name!r} (check legal form, address and history before confirming):")
    for c in candidates:
        typer.echo(
            f"  {c.cvr}  {c.name}  [{c.status or 'status ?'}; {c.legal_form or 'legal form ?'}]  "
            f"{c.address or 'address ?'}  ({c.municipality or 'municipality ?'})"
        )
    typer.echo("Confirm one with:")
    typer.echo(f'  clusterscore cvr-confirm "{name}" <cvr number> --by "Your name" --note "why this entity"')


@app.command("cvr-confirm")
def cvr_confirm(
    name: Annotated[str, typer.Argument(help="The organisation's name as in the designated-organisations seed.")],
    cvr: Annotated[int, typer.Argument(help="The CVR number you checked.")],
    by: Annotated[str, typer.Option("--by", help="Who confirmed it.")],
    note: Annotated[str, typer.Option(help="Why this is the right entity.")] = "",
) -> None:
    """Record a confirmed organisation name -> CVR number in config/cvr_mapping.yaml."""
    from clusterscore.config import ConfigError, cvr_mapping_path
    from clusterscore.connectors.cvr_mapping import confirm

    try:
        entry = confirm(name, cvr, by, note)
    except ConfigError as exc:
        typer.echo(f"clusterscore cvr-confirm: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"Recorded {entry.organisation_name} = {entry.cvr} ({entry.confirmed_by}, {entry.confirmed_on}) in "
        f"{cvr_mapping_path().name}; commit the file."
    )
