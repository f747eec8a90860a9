"""``algoreg instruments …``: import questionnaire definitions for assessments, and list them; import an
organisation's own instruments into the catalogue of instruments."""

from pathlib import Path
from typing import Annotated

import typer

from algoreg.cli.context import console, operator, unit_of_work

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
    from algoreg.instruments.assessments import library

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
    from algoreg.instruments.assessments import library

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


@app.command("catalogue-import")
def catalogue_import_command(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="A YAML file in the shape of the Algoritmekader's hulpmiddelen.yaml.",
        ),
    ],
    organisation: Annotated[
        str, typer.Option(help="Code of the organisation whose own instruments they are.")
    ],
) -> None:
    """Import the instruments in FILE as the organisation's own, all or nothing.

    An entry whose id is already one of the organisation's instruments replaces its fields.
    """
    from algoreg.instruments.framework import own_instruments
    from algoreg.instruments.framework._files import raise_if, read_yaml

    data, problems = read_yaml(file)
    with unit_of_work() as session:
        raise_if(problems, f"{file} cannot be read; nothing was imported.")
        result = own_instruments.import_own_instruments(
            session, operator(), organisation, data, where=str(file)
        )
    console.print(
        f"Own instruments of {organisation}: {len(result.added)} added, {len(result.changed)} changed, "
        f"{len(result.unchanged)} unchanged.",
        markup=False,
        highlight=False,
    )
    for label, slugs in (("added", result.added), ("changed", result.changed)):
        for slug in slugs:
            console.print(f"  {label}: {slug}", markup=False, highlight=False)
