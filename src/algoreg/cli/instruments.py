"""``algoreg instruments …``: import questionnaire definitions for assessments, and list them."""

from pathlib import Path
from typing import Annotated

import typer

from algoreg.cli.context import console, operator, unit_of_work
from algoreg.instruments.assessments import library

app = typer.Typer(help="Instruments (IAMA, DPIA, …) that assessments are made with.", no_args_is_help=True)


@app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="A definition in our format, the task-registry format or the assessment-definition format.",
        ),
    ],
    organisation: Annotated[
        str | None, typer.Option(help="Code of the organisation it is for; every organisation when omitted.")
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(help="algoreg, task-registry or assessment-definition; detected when omitted."),
    ] = None,
    register_title: Annotated[
        str | None,
        typer.Option(
            help="Title a signed-off assessment gets in the algorithm's impact assessments "
            "(default: set for IAMA and DPIA)."
        ),
    ] = None,
    no_register: Annotated[
        bool, typer.Option("--no-register", help="Signed-off assessments do not enter the register.")
    ] = False,
    signing_role: Annotated[
        list[str] | None,
        typer.Option(help="A role whose participants sign off (repeatable; default: the statements' roles)."),
    ] = None,
) -> None:
    """Import an instrument definition FILE so that assessments can be made with it."""
    title: library.RegisterTitle = library.DEFAULT
    if no_register:
        title = None
    elif register_title is not None:
        title = register_title
    with unit_of_work() as session:
        stored = library.import_instrument_file(
            session,
            operator(),
            file,
            organisation_code=organisation,
            source_format=library.source_format_of(format) if format is not None else None,
            register_title=title,
            signing_roles=signing_role or None,
        )
        view = library.instrument_view(stored)
    console.print(
        f"Instrument {view.id}: {view.title} ({view.key} {view.version}, {view.source_format}) "
        f"for {view.organisation_code or 'every organisation'}.",
        markup=False,
        highlight=False,
    )
    if view.register_assessment_title:
        console.print(
            f"Signed-off assessments enter the register as '{view.register_assessment_title}'.",
            markup=False,
            highlight=False,
        )
    console.print(
        "Signed off by: "
        + (
            ", ".join(view.signing_roles)
            if view.signing_roles
            else "the organisation's publishers and admins"
        )
    )
    for note in view.notes:
        console.print(f"  note: {note}", markup=False, highlight=False)


@app.command("list")
def list_command(
    organisation: Annotated[
        str | None, typer.Option(help="Only everyone's instruments and this organisation's.")
    ] = None,
) -> None:
    """List the stored instruments, one a line: id, title, key and version, owner, register title, signers."""
    with unit_of_work() as session:
        views = library.list_instruments(session, operator(), organisation)
    for view in views:
        console.print(
            f"{view.id}  {view.title} ({view.key} {view.version}, {view.source_format}); "
            f"for {view.organisation_code or 'every organisation'}; "
            f"register title: {view.register_assessment_title or '-'}; "
            f"signed off by: {', '.join(view.signing_roles) or 'publishers and admins'}",
            markup=False,
            highlight=False,
        )
    if not views:
        console.print("No instruments yet; import one with 'algoreg instruments import FILE'.")
