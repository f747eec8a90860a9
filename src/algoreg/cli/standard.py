"""``algoreg standard …``: the publication standard's schema and validation of record files.

* ``algoreg standard schema`` prints the JSON Schema of a standard 1.0 record.
* ``algoreg standard validate FILE…`` checks every record of every file and lists each problem.
  Exit codes: 0 when every record is valid, 1 when any record has a problem, 2 when a file
  cannot be read (the reason is printed on standard error; the other files are still checked).
"""

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from algoreg.standard.validation import Problem

app = typer.Typer(help="The publication standard: schema and validation.", no_args_is_help=True)

EXIT_VALID = 0
EXIT_PROBLEMS = 1
EXIT_UNREADABLE = 2


class InputFormat(StrEnum):
    """File formats the ``validate`` command reads."""

    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    XLSX = "xlsx"


@dataclass
class FileResult:
    """What checking one file gave: its record count, problems, or why it could not be read."""

    file: str
    records: int = 0
    valid_records: int = 0
    problems: list["Problem"] = field(default_factory=list)
    error: str | None = None


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema (draft 2020-12) of a standard 1.0 record."""
    from algoreg.standard.schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@app.command("validate")
def validate_command(
    files: Annotated[list[Path], typer.Argument(help="Files of records: .json, .jsonl, .csv or .xlsx.")],
    file_format: Annotated[
        InputFormat | None,
        typer.Option("--format", "-f", help="Read every file in this format instead of going by its suffix."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the problems as JSON.")] = False,
) -> None:
    """Check every record of each FILE against standard 1.0 and list every problem found.

    Exits with 0 when all records are valid, 1 when any record has a problem, and 2 when a file
    cannot be read.
    """
    from algoreg.standard.tabular import TabularError, read_rows
    from algoreg.standard.validation import validate_records

    errors = Console(stderr=True)
    results: list[FileResult] = []
    for path in files:
        result = FileResult(file=str(path))
        try:
            rows = read_rows(path, format=file_format.value if file_format else None)
        except TabularError as exc:
            result.error = exc.message
            errors.print(Text(f"error: {exc.message}", style="bold red"))
        else:
            report = validate_records(rows)
            result.records = report.total
            result.valid_records = len(report.records)
            result.problems = report.problems
        results.append(result)

    if as_json:
        typer.echo(json.dumps(_as_json(results), indent=2, ensure_ascii=False))
    else:
        _print_table(results)

    if any(result.error for result in results):
        raise typer.Exit(EXIT_UNREADABLE)
    if any(result.problems for result in results):
        raise typer.Exit(EXIT_PROBLEMS)
    raise typer.Exit(EXIT_VALID)


def _print_table(results: list[FileResult]) -> None:
    console = Console()
    problems = [(result.file, problem) for result in results for problem in result.problems]
    if problems:
        table = Table(title="Problems found", show_lines=False, expand=False)
        table.add_column("File", overflow="fold")
        table.add_column("Record #", justify="right")
        table.add_column("Record name", overflow="fold")
        table.add_column("Field", overflow="fold")
        table.add_column("Reason", overflow="fold", ratio=1)
        for file, problem in problems:
            table.add_row(
                Text(file),
                Text(str(problem.record)),
                Text(problem.record_label or "—"),
                Text(problem.field or "(whole record)"),
                Text(problem.reason),
            )
        console.print(table)
    console.print(Text(_summary(results), style="bold red" if problems else "bold green"))


def _summary(results: list[FileResult]) -> str:
    read = [result for result in results if result.error is None]
    records = sum(result.records for result in read)
    valid = sum(result.valid_records for result in read)
    problems = sum(len(result.problems) for result in read)
    unreadable = len(results) - len(read)
    files = f"{len(read)} file" + ("" if len(read) == 1 else "s")
    text = f"Checked {records} record" + ("" if records == 1 else "s") + f" in {files}: "
    if problems:
        text += f"{valid} valid, {records - valid} with problems ({problems} problem" + (
            ")" if problems == 1 else "s)"
        )
    else:
        text += "all valid" if records else "no records found"
    if unreadable:
        text += f"; {unreadable} file" + (" could" if unreadable == 1 else "s could") + " not be read"
    return text + "."


def _as_json(results: list[FileResult]) -> dict[str, Any]:
    return {
        "valid": not any(result.error or result.problems for result in results),
        "files": [
            {
                "file": result.file,
                "records": result.records,
                "valid_records": result.valid_records,
                "error": result.error,
            }
            for result in results
        ],
        "problems": [
            {
                "file": result.file,
                "record": problem.record,
                "record_label": problem.record_label,
                "field": problem.field,
                "reason": problem.reason,
            }
            for result in results
            for problem in result.problems
        ],
    }
