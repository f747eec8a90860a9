"""``algoreg check-register``: test a register against the harvest protocol and the standard."""

import asyncio
import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from algoreg.cli.context import console, errors

if TYPE_CHECKING:
    from algoreg.federation.conformance import ConformanceReport


def _url(value: str) -> str:
    from algoreg.federation.conformance import UnsupportedUrl
    from algoreg.federation.conformance_http import checked_url

    try:
        return checked_url(value)
    except UnsupportedUrl as error:
        raise typer.BadParameter(str(error)) from None


def _table(report: "ConformanceReport") -> Table:
    from algoreg.federation.conformance import Outcome

    styles = {Outcome.PASS: "green", Outcome.FAIL: "red", Outcome.NOT_CHECKED: "yellow"}
    table = Table(title=f"Conformance of {report.url}", show_lines=True)
    table.add_column("Principle")
    table.add_column("Result")
    table.add_column("Evidence")
    for result in report.results:
        style = styles[result.outcome]
        table.add_row(
            f"{result.principle.title}\n[dim]{result.principle.id}[/dim]",
            f"[{style}]{result.outcome.value}[/{style}]",
            "\n".join(result.evidence),
        )
    return table


def check_register_command(
    url: Annotated[
        str, typer.Argument(help="The register's address (http or https), e.g. https://register.example.nl")
    ],
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    timeout: Annotated[float, typer.Option(min=0.1, max=300.0, help="Seconds each request may take.")] = 10.0,
    max_records: Annotated[
        int, typer.Option(min=1, max=1_000_000, help="Read at most this many snapshot records.")
    ] = 1000,
) -> None:
    """Check a register against each principle of the harvest standard and print pass or fail with evidence.

    Exit code 0 when every principle passes, 1 when any fails or could not be checked, 2 when the
    register cannot be reached at all (or the URL is not http or https).
    """
    from algoreg.federation.conformance import Limits, check_register

    address = _url(url)
    limits = Limits(
        timeout=timeout,
        max_records=max_records,
        max_requests=max_records + 200 + max_records // 50,
    )
    report = asyncio.run(check_register(address, limits))
    if json_output:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        console.print(_table(report))
        summary = f"{report.requests} requests in {report.seconds:.1f} s."
        console.print(("All principles pass. " if report.passed else "Not conformant. ") + summary)
    if not report.reachable:
        errors.print(f"[red]The register at {address} could not be reached.[/red]")
        raise typer.Exit(2)
    raise typer.Exit(0 if report.passed else 1)
