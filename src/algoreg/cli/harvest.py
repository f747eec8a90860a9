"""``algoreg harvest …``: the central side — sources to harvest, runs, and their reports."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from algoreg.cli.context import console, errors, operator, unit_of_work
from algoreg.errors import InvalidInput
from algoreg.federation.source_kinds import SourceKind
from algoreg.register.organisation_kinds import OrganisationKind

if TYPE_CHECKING:
    from algoreg.federation.harvester import RunReport
    from algoreg.federation.sources import SourceIn, SourceView

app = typer.Typer(help="Harvest other registers into this one (the central side).", no_args_is_help=True)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def _health(source: "SourceView") -> str:
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
    every: Annotated[
        int | None,
        typer.Option(min=1, help="Harvest it at most once per this many minutes (default: in every run)."),
    ] = None,
    discover: Annotated[
        bool,
        typer.Option(
            help="Registers (--kind algoreg): find the change feed through the register's discovery "
            "document first and store the address it is read from; --no-discover stores URL unchecked."
        ),
    ] = True,
) -> None:
    """Add a source to harvest.

    A register may be given by its root address, its discovery document
    (/.well-known/algorithm-register or /api/v1/register) or its change feed (/api/v1/feed).
    """
    from pydantic import ValidationError

    from algoreg.config import get_settings
    from algoreg.federation import sources
    from algoreg.federation.sources import SourceIn

    try:
        data = SourceIn(
            url=url,
            kind=kind,
            organisation_code=organisation,
            organisation_name=organisation_name,
            organisation_kind=kind_of_organisation,
            token_env=token_env,
            all_categories=all_categories,
            every_minutes=every,
        )
    except ValidationError as invalid:
        for error in invalid.errors():
            where = ".".join(str(p) for p in error["loc"]) or "source"
            errors.print(f"[red]{where}: {error['msg'].removeprefix('Value error, ')}[/red]")
        raise typer.Exit(1) from None
    if discover and data.kind is SourceKind.ALGOREG:
        data = _discovered(data)
    with unit_of_work() as session:
        source = sources.add_source(session, operator(), data, get_settings().harvest_networks)
        source_id = source.id
    console.print(f"Added source {source_id}: {data.url} ({kind.value}).")


def _discovered(data: "SourceIn") -> "SourceIn":
    """The source with the base address of the register's change feed, or end the command saying why."""
    from algoreg.config import get_settings
    from algoreg.federation import discovery_client
    from algoreg.federation.sources import SourceIn

    settings = discovery_client.discovery_settings(get_settings().harvest_networks)
    try:
        resolved = discovery_client.resolve_register(data.url, settings)
    except InvalidInput as failed:
        errors.print(f"[red]{failed.message}[/red]")
        for problem in failed.problems:
            errors.print(f"{problem.field}: {problem.reason}", soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"Found the register: {resolved.how()}.", soft_wrap=True)
    return SourceIn.model_validate({**data.model_dump(), "url": resolved.base_url})


@app.command("sources")
def sources_command() -> None:
    """List the sources with their progress and health."""
    from algoreg.federation import sources

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


_COLOURS = {"failed": "red", "ok": "green", "not_modified": "green"}


def _outcome(outcome: str) -> str:
    colour = _COLOURS.get(outcome, "yellow")
    return f"[{colour}]{outcome}[/{colour}]"


def _report_table(reports: list["RunReport"]) -> Table:
    table = Table(
        "source", "outcome", "new", "updated", "withdrawn", "unchanged", "invalid", "skipped", "seconds"
    )
    for report in reports:
        table.add_row(
            str(report.source_id),
            _outcome(report.outcome),
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

    Runs left unfinished by a stopped worker are marked interrupted first; afterwards the oldest
    run reports beyond ALGOREG_HARVEST_KEEP_RUNS per source are deleted. Exits with 1 when any
    source failed; what others harvested is kept either way.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from algoreg.config import get_settings
    from algoreg.db.migrate import migrate
    from algoreg.db.session import default_engine, session_factory, transaction
    from algoreg.federation import run_upkeep
    from algoreg.federation.fetch import fetch_settings_from
    from algoreg.federation.harvester import HarvestSettings, due_sources, run_harvest

    engine = default_engine()
    migrate(engine)
    factory = session_factory(engine)
    with transaction(factory) as session:
        known = due_sources(session, source)
    missing = sorted(set(source or []) - set(known))
    if missing:
        errors.print(f"[red]There is no harvest source with id {', '.join(map(str, missing))}.[/red]")
        raise typer.Exit(1)
    with transaction(factory) as session:
        interrupted = run_upkeep.mark_interrupted(session)
    if interrupted:
        console.print(f"Runs left unfinished by a stopped worker, now marked interrupted: {interrupted}.")
    with Progress(
        TextColumn("harvesting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("sources", total=len(known))
        reports = run_harvest(
            factory,
            HarvestSettings(fetch=fetch_settings_from(get_settings())),
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
    keep = get_settings().harvest_keep_runs
    with transaction(factory) as session:
        pruned = run_upkeep.prune_runs(session, keep)
    if pruned:
        console.print(f"Deleted {pruned} old run reports (the newest {keep} of each source are kept).")
    if any(report.outcome == "failed" for report in reports):
        raise typer.Exit(1)


@app.command("runs")
def runs_command(
    source: Annotated[int | None, typer.Option(help="Only the runs of this source.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
) -> None:
    """Show the newest run reports; 'interrupted' means its worker stopped before finishing it."""
    from algoreg.federation import sources

    table = Table(
        "run", "source", "started", "outcome", "new", "updated", "withdrawn", "invalid", "errors and notes"
    )
    with unit_of_work() as session:
        runs = sources.list_runs(session, source, limit)
    for run in runs:
        table.add_row(
            str(run.id),
            str(run.source_id),
            _when(run.started_at),
            _outcome(run.outcome),
            str(run.new),
            str(run.updated),
            str(run.withdrawn),
            str(run.invalid),
            "; ".join([*run.errors, *run.notes])[:300],
        )
    console.print(table)


def _switch(source_id: int, enabled: bool) -> None:
    from algoreg.federation import sources

    with unit_of_work() as session:
        source = sources.set_enabled(session, operator(), source_id, enabled)
        url = source.url
    state = "on: it is harvested from the next run" if enabled else "off: runs leave it out"
    console.print(f"Source {source_id} ({url}) is switched {state}.")


@app.command("enable")
def enable_command(source_id: Annotated[int, typer.Argument(help="The source's id.")]) -> None:
    """Switch harvesting of a source on."""
    _switch(source_id, True)


@app.command("disable")
def disable_command(source_id: Annotated[int, typer.Argument(help="The source's id.")]) -> None:
    """Switch harvesting of a source off; what was harvested from it stays."""
    _switch(source_id, False)


@app.command("schedule")
def schedule_command(
    source_id: Annotated[int, typer.Argument(help="The source's id.")],
    every: Annotated[
        int | None, typer.Option(min=1, help="Harvest it at most once per this many minutes.")
    ] = None,
    every_run: Annotated[bool, typer.Option("--every-run", help="Harvest it in every run.")] = False,
) -> None:
    """Set how often a source is harvested: at most once per --every minutes, or in every run."""
    if (every is None) == (not every_run):
        errors.print("[red]Give either --every MINUTES or --every-run.[/red]")
        raise typer.Exit(2)
    from algoreg.federation import sources

    with unit_of_work() as session:
        sources.set_schedule(session, operator(), source_id, every)
    how = f"at most once every {every} minutes" if every else "in every run"
    console.print(f"Source {source_id} is harvested {how}, starting with the next run.")


@app.command("prune-runs")
def prune_runs_command(
    keep: Annotated[
        int | None,
        typer.Option(min=1, help="Run reports kept per source (default: ALGOREG_HARVEST_KEEP_RUNS, 200)."),
    ] = None,
) -> None:
    """Delete the oldest finished run reports beyond the newest KEEP of each source."""
    from algoreg.config import get_settings
    from algoreg.federation import run_upkeep

    kept = keep if keep is not None else get_settings().harvest_keep_runs
    with unit_of_work() as session:
        pruned = run_upkeep.prune_runs(session, kept)
    console.print(f"Deleted {pruned} old run reports; the newest {kept} of each source are kept.")
