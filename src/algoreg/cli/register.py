"""``algoreg import`` and ``algoreg export``."""

from pathlib import Path
from typing import Annotated, Literal

import typer

from algoreg.cli.context import console, errors, operator, unit_of_work

Format = Literal["json", "jsonl", "csv", "xlsx"]


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON, JSON lines, CSV or XLSX.")],
    organisation: Annotated[str, typer.Option(help="Code of the organisation the records belong to.")],
    publish: Annotated[bool, typer.Option(help="Publish every imported record.")] = False,
    partial: Annotated[
        bool, typer.Option(help="Store the valid rows even when others have problems.")
    ] = False,
) -> None:
    """Import records in the standard's field names; all or nothing unless --partial."""
    from algoreg.register import transfer
    from algoreg.standard.tabular import TabularError, read_rows

    try:
        rows = read_rows(file)
    except TabularError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    with unit_of_work() as session:
        report = transfer.import_records(
            session, operator(), organisation, rows, all_or_nothing=not partial, publish=publish
        )
    console.print(
        f"Created {len(report.created)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
        f"published {len(report.published)}."
    )
    for problem in report.problems:
        errors.print(f"  record {problem.record}, {problem.field or '(record)'}: {problem.reason}")
    if report.problems:
        raise typer.Exit(1)


def export_command(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; stdout when omitted.")
    ] = None,
    format: Annotated[str, typer.Option(help="json, jsonl, csv or xlsx.")] = "json",
    organisation: Annotated[str | None, typer.Option(help="Only this organisation's records.")] = None,
) -> None:
    """Export all published records in the standard's field names."""
    if format not in ("json", "jsonl", "csv", "xlsx"):
        errors.print(f"[red]--format is '{format}'; use json, jsonl, csv or xlsx.[/red]")
        raise typer.Exit(2)
    from algoreg.register import transfer
    from algoreg.standard.tabular import write_rows

    with unit_of_work() as session:
        rows = transfer.published_rows(session, organisation)
    data = write_rows(rows, format)
    if output is None:
        if format == "xlsx":
            errors.print("[red]XLSX is binary; give --output FILE.[/red]")
            raise typer.Exit(2)
        typer.echo(data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(data)
        console.print(f"Wrote {len(rows)} records to {output}.")
