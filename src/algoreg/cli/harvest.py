"""``algoreg harvest …``: the central side — sources to harvest, runs, and their reports."""

from datetime import datetime
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from algoreg.cli.context import console, errors, operator, unit_of_work
from algoreg.db.migrate import migrate
from algoreg.db.session import default_engine, session_factory, transaction
from algoreg.federation import sources
from algoreg.federation.harvester import HarvestSettings, RunReport, due_sources, run_harvest
from algoreg.federation.sources import SourceIn, SourceKind, SourceView
from algoreg.register.organisations import OrganisationKind

app = typer.Typer(help="Harvest other registers into this one (the central side).", no_args_is_help=True)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def _health(source: SourceView) -> str:
    if not source.enabled:
        return "[dim]disabled[/dim]"
    if source.unhealthy:
        return f"[red]unhealthy ({source.consecutive_failures} failed runs)[/red]"
    if source.consecutive_failures:
        return f"[yellow]failing ({source.consecutive_failures})[/yellow]"
    return "[green]ok[/green]" if source.last_success_at else "new"


@app.command("add-source")
def add_source_command(
    url: Annotated[
        str, typer.Argument(help="Root address of a register, or the address of a file of records.")
    ],
    kind: Annotated[
        SourceKind,
        typer.Option(
            help="algoreg: a register with a change feed; file: a file of records; "
            "delivery: a register with only the official delivery API (URL ending in /aanleverapi/v1_0)."
        ),
    ],
    organisation: Annotated[
        str | None,
        typer.Option(help="File and delivery sources: code of the organisation it publishes for (gm0363)."),
    ] = None,
    organisation_name: Annotated[
        str | None, typer.Option(help="File sources: that organisation's name, used when it is new here.")
    ] = None,
    kind_of_organisation: Annotated[
        OrganisationKind | None, typer.Option(help="File sources: kind of that organisation.")
    ] = None,
    token_env: Annotated[
        str | None,
        typer.Option(help="Delivery sources: the environment variable that holds the bearer token."),
    ] = None,
    all_categories: Annotated[
        bool, typer.Option(help="Harvest every publication category, not only high-risk and impactful.")
    ] = False,
) -> None:
    """Add a source to harvest."""
    try:
        data = SourceIn(
            url=url,
            kind=kind,
            organisation_code=organisation,
            organisation_name=organisation_name,
            organisation_kind=kind_of_organisation,
            token_env=token_env,
            all_categories=all_categories,
        )
    except ValidationError as invalid:
        for error in invalid.errors():
            where = ".".join(str(p) for p in error["loc"]) or "source"
            errors.print(f"[red]{where}: {error['msg'].removeprefix('Value error, ')}[/red]")
        raise typer.Exit(1) from None
    with unit_of_work() as session:
        source = sources.add_source(session, operator(), data)
        source_id = source.id
    console.print(f"Added source {source_id}: {url} ({kind.value}).")


@app.command("sources")
def sources_command() -> None:
    """List the sources with their progress and health."""
    table = Table(
        "id", "kind", "url", "organisation", "categories", "cursor", "records", "held", "health", "last ok"
    )
    with unit_of_work() as session:
        listed = sources.list_sources(session)
    for source in listed:
        table.add_row(
            str(source.id),
            source.kind.value,
            source.url,
            source.organisation_code or "(per record)",
            "all" if source.all_categories else "high-risk, impactful",
            str(source.cursor),
            str(source.records),
            str(source.quarantined),
            _health(source),
            _when(source.last_success_at),
        )
    console.print(table)
    for source in listed:
        if source.last_error:
            console.print(f"source {source.id}: last error: {source.last_error}")


def _report_table(reports: list[RunReport]) -> Table:
    table = Table(
        "source", "outcome", "new", "updated", "withdrawn", "unchanged", "invalid", "skipped", "seconds"
    )
    for report in reports:
        colour = {"failed": "red", "ok": "green", "not_modified": "green"}.get(report.outcome, "yellow")
        table.add_row(
            str(report.source_id),
            f"[{colour}]{report.outcome}[/{colour}]",
            *(
                str(getattr(report, n))
                for n in ("new", "updated", "withdrawn", "unchanged", "invalid", "skipped")
            ),
            f"{report.duration_s:.1f}",
        )
    return table


@app.command("run")
def run_command(
    source: Annotated[
        list[int] | None, typer.Option(help="Harvest only this source (may be repeated).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Sources harvested at the same time.")] = 4,
) -> None:
    """Harvest every enabled source once (or the ones named) and print the run report.

    Exits with 1 when any source failed; what others harvested is kept either way.
    """
    engine = default_engine()
    migrate(engine)
    factory = session_factory(engine)
    with transaction(factory) as session:
        known = due_sources(session, source)
    missing = sorted(set(source or []) - set(known))
    if missing:
        errors.print(f"[red]There is no harvest source with id {', '.join(map(str, missing))}.[/red]")
        raise typer.Exit(1)
    with Progress(
        TextColumn("harvesting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("sources", total=len(known))
        reports = run_harvest(
            factory,
            HarvestSettings(),
            workers=workers,
            source_ids=source,
            on_report=lambda report: progress.advance(task),
        )
    console.print(_report_table(reports))
    for report in reports:
        for message in report.errors:
            errors.print(f"source {report.source_id}: {message}")
        for note in report.notes:
            console.print(f"source {report.source_id}: {note}")
    skipped = len(known) - len(reports)
    if skipped:
        console.print(f"{skipped} sources were being harvested by another worker and were left to it.")
    if any(report.outcome == "failed" for report in reports):
        raise typer.Exit(1)


@app.command("runs")
def runs_command(
    source: Annotated[int | None, typer.Option(help="Only the runs of this source.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
) -> None:
    """Show the newest run reports."""
    table = Table("run", "source", "started", "outcome", "new", "updated", "withdrawn", "invalid", "errors")
    with unit_of_work() as session:
        runs = sources.list_runs(session, source, limit)
    for run in runs:
        table.add_row(
            str(run.id),
            str(run.source_id),
            _when(run.started_at),
            run.outcome,
            str(run.new),
            str(run.updated),
            str(run.withdrawn),
            str(run.invalid),
            "; ".join(run.errors)[:200],
        )
    console.print(table)
