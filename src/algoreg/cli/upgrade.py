"""``algoreg standard upgrade``: bring records of older standard versions to 1.0, with a report."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from algoreg.standard.enums import StandardVersion

console = Console()
errors = Console(stderr=True)


def _parse_defaults(pairs: list[str]) -> dict[str, str]:
    from algoreg.standard.v1_0 import FIELD_NAMES

    defaults: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in FIELD_NAMES:
            errors.print(f"[red]--set '{pair}': write FIELD=VALUE with a field of standard 1.0.[/red]")
            raise typer.Exit(2)
        defaults[name] = value
    return defaults


def upgrade_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON, JSON lines, CSV or XLSX.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the valid 1.0 records here.")
    ] = None,
    from_version: Annotated[
        StandardVersion | None, typer.Option("--from", help="Version of the input, when it cannot be told.")
    ] = None,
    defaults: Annotated[
        list[str] | None,
        typer.Option("--set", help="FIELD=VALUE for a 1.0 field the old record lacks (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Upgrade every record to standard 1.0 and report what could not be carried over.

    Exit code 0 when every record became a valid 1.0 record, 1 otherwise, 2 for unreadable input.
    """
    from pydantic import ValidationError

    from algoreg.standard.legacy import UpgradeError, upgrade
    from algoreg.standard.tabular import TabularError, read_rows, resolve_format, write_rows
    from algoreg.standard.v1_0 import AlgorithmRecord
    from algoreg.standard.validation import problems_of

    fill = _parse_defaults(defaults or [])
    try:
        rows = read_rows(file)
    except TabularError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    report: list[dict[str, Any]] = []
    upgraded: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        entry: dict[str, Any] = {"record": number, "name": row.get("name"), "losses": [], "problems": []}
        try:
            result = upgrade(row, from_version)
        except UpgradeError as error:
            entry["problems"] = [str(error)]
            report.append(entry)
            continue
        data = {
            **{k: v for k, v in fill.items() if not result.data.get(k)},
            **{k: v for k, v in result.data.items() if v},
        }
        entry["losses"] = [f"{note.field}: {note.reason}" for note in result.losses]
        try:
            upgraded.append(AlgorithmRecord.model_validate(data).to_json())
        except ValidationError:
            entry["problems"] = [f"{p.field}: {p.reason}" for p in problems_of(data, number)]
        report.append(entry)
    if as_json:
        typer.echo(
            json.dumps(
                {"records": report, "valid": len(upgraded), "total": len(rows)}, ensure_ascii=False, indent=2
            )
        )
    else:
        table = Table("#", "name", "not carried over", "problems", show_lines=True)
        for entry in report:
            table.add_row(
                str(entry["record"]),
                str(entry["name"] or ""),
                "\n".join(entry["losses"]),
                "\n".join(entry["problems"]),
            )
        console.print(table)
        console.print(f"{len(upgraded)} of {len(rows)} records are valid 1.0 records.")
    if output is not None:
        output.write_bytes(write_rows(upgraded, resolve_format(None, output.name)))
    if len(upgraded) != len(rows):
        raise typer.Exit(1)
