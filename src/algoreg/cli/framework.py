"""``algoreg framework …``: import the implementation framework's definitions, and show an algorithm's
framework tasks and progress.

``import`` stores, in one transaction, any of: the task registry's requirements and measures (a
folder in the task-registry format), the AI Act decision aid's tree (its YAML file), and the ADR and
Rekenkamer audit items (their CSV file) with a mapping of measures to them (a YAML file of our own
format, see ``docs/instruments/audit-mapping.md``). A problem in any file stops the whole import.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from algoreg.cli.context import console, operator, unit_of_work

if TYPE_CHECKING:
    from algoreg.instruments.framework.definitions import DefinitionView

app = typer.Typer(
    help="The implementation framework (Algoritmekader): import its definitions, show an algorithm's tasks.",
    no_args_is_help=True,
)


def _report(view: "DefinitionView") -> None:
    state = "imported" if view.added else "already present, unchanged"
    console.print(f"{view.kind.value}: {escape(view.version)} ({view.digest[:12]}) {state}")


@app.command("import")
def import_command(
    task_registry: Annotated[
        Path | None,
        typer.Option(help="A task-registry folder (lifecycles/, roles/, requirements/, measures/)."),
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="A label for this task-registry import (default: its digest).")
    ] = None,
    decision_tree: Annotated[
        Path | None, typer.Option(help="The AI Act decision aid's decision-tree.yaml.")
    ] = None,
    audit_items: Annotated[
        Path | None, typer.Option(help="The ADR/Rekenkamer items file (maatregelen-adr-ark.csv).")
    ] = None,
    audit_mapping: Annotated[
        Path | None,
        typer.Option(
            help="YAML mapping measures to audit items (docs/instruments/audit-mapping.md); "
            "without it, Algoreg's proposed mapping is used."
        ),
    ] = None,
    no_audit_mapping: Annotated[
        bool, typer.Option("--no-audit-mapping", help="Import the audit items without any mapping.")
    ] = False,
) -> None:
    """Import framework definitions; each becomes the current one of its kind."""
    from algoreg.instruments.framework import definitions
    from algoreg.instruments.framework._files import raise_if, read_yaml
    from algoreg.instruments.framework.audit import PROPOSED_MAPPING_PATH, load_audit_items
    from algoreg.instruments.framework.load import load_framework

    if task_registry is None and decision_tree is None and audit_items is None:
        raise typer.BadParameter("give at least one of --task-registry, --decision-tree and --audit-items")
    if (audit_mapping is not None or no_audit_mapping) and audit_items is None:
        raise typer.BadParameter("--audit-mapping and --no-audit-mapping need --audit-items")
    if audit_mapping is not None and no_audit_mapping:
        raise typer.BadParameter("give either --audit-mapping or --no-audit-mapping, not both")
    who = operator()
    with unit_of_work() as session:
        if task_registry is not None:
            _report(definitions.import_task_registry(session, who, load_framework(task_registry), version))
        if decision_tree is not None:
            data, problems = read_yaml(decision_tree)
            raise_if(problems, f"{decision_tree} cannot be read; nothing was imported.")
            _report(definitions.import_decision_tree(session, who, data, str(decision_tree)))
        if audit_items is not None:
            items = load_audit_items(audit_items)
            mapping = None
            mapping_file = None if no_audit_mapping else (audit_mapping or PROPOSED_MAPPING_PATH)
            if audit_mapping is None and mapping_file is not None and not definitions.has_framework(session):
                console.print(
                    "No task registry is imported yet, so the audit items are imported without a mapping; "
                    "import the task registry, then the items again, to use Algoreg's proposed mapping."
                )
                mapping_file = None
            if mapping_file is not None:
                mapping, problems = read_yaml(mapping_file)
                raise_if(problems, f"{mapping_file} cannot be read; nothing was imported.")
                if audit_mapping is None:
                    console.print("Using Algoreg's proposed mapping of measures to audit items.")
            _report(
                definitions.import_audit(
                    session, who, items, mapping, mapping_source=str(mapping_file or "mapping")
                )
            )


@app.command("list")
def list_command() -> None:
    """List the imported definitions, newest first; the first of each kind is current."""
    from algoreg.instruments.framework import definitions

    with unit_of_work() as session:
        views = definitions.imported_definitions(session)
    table = Table("id", "kind", "version", "digest", "imported", "by")
    for view in views:
        table.add_row(
            str(view.id),
            view.kind.value,
            escape(view.version),
            view.digest[:12],
            view.imported_at.strftime("%Y-%m-%d %H:%M"),
            escape(view.imported_by),
        )
    console.print(table)


@app.command("tasks")
def tasks_command(
    algorithm: Annotated[str, typer.Argument(help="The algorithm's id.")],
    all_tasks: Annotated[
        bool, typer.Option("--all", help="Also tasks whose measure no longer follows from the profile.")
    ] = False,
) -> None:
    """Show an algorithm's framework tasks in lifecycle order."""
    from algoreg.instruments.framework import tasks

    with unit_of_work() as session:
        views = tasks.list_tasks(session, operator(), algorithm, include_out_of_scope=all_tasks)
    table = Table("id", "code", "measure", "phases", "status", "responsible", "evidence")
    for view in views:
        status = view.status.value + ("" if view.in_scope else " (out of scope)")
        table.add_row(
            str(view.id),
            escape(view.code),
            escape(view.name),
            escape(", ".join(view.phases)),
            status,
            escape(view.responsible.username) if view.responsible else "-",
            str(view.evidence_count),
        )
    console.print(table)
    console.print(f"{len(views)} task(s)")


@app.command("progress")
def progress_command(algorithm: Annotated[str, typer.Argument(help="The algorithm's id.")]) -> None:
    """Show an algorithm's progress per lifecycle phase."""
    from algoreg.instruments.framework import progress

    with unit_of_work() as session:
        items = progress.phase_progress(session, operator(), algorithm)
    table = Table("phase", "tasks", "to do", "in progress", "done", "not applicable", "settled")
    for item in items:
        table.add_row(
            escape(item.name or item.phase or "(no phase)"),
            str(item.total),
            str(item.todo),
            str(item.in_progress),
            str(item.done),
            str(item.not_applicable),
            f"{item.share_settled:.0%}",
        )
    console.print(table)
