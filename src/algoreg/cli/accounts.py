"""``algoreg org …``, ``algoreg user …`` and ``algoreg token …``."""

from typing import Annotated

import typer
from rich.table import Table

from algoreg.cli.context import console, operator, unit_of_work
from algoreg.register.organisation_kinds import OrganisationKind
from algoreg.register.roles import Role

org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)


@org_app.command("create")
def create_organisation(
    code: str,
    name: str,
    kind: OrganisationKind,
    website: Annotated[str | None, typer.Option()] = None,
    contact_email: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create an organisation with a stable CODE (such as gm0363), NAME and KIND."""
    from algoreg.register import organisations

    data = organisations.OrganisationIn(
        code=code, name=name, kind=kind, website=website, contact_email=contact_email
    )
    with unit_of_work() as session:
        organisations.create_organisation(session, operator(), data)
    console.print(f"Created organisation {name} ({data.code}).")


@org_app.command("list")
def list_organisations() -> None:
    """List all organisations."""
    from algoreg.register import organisations

    table = Table("code", "name", "kind")
    with unit_of_work() as session:
        for organisation in organisations.list_organisations(session):
            table.add_row(organisation.code, organisation.name, organisation.kind)
    console.print(table)


@user_app.command("create")
def create_user(
    username: str,
    display_name: Annotated[str, typer.Option(help="Name shown in the interface.")] = "",
    superuser: Annotated[bool, typer.Option(help="Administrator of the whole instance.")] = False,
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="At least 12 characters."),
    ] = "",
) -> None:
    """Create a user account (the password is asked for, never shown)."""
    from algoreg.register import accounts

    with unit_of_work() as session:
        accounts.create_user(session, operator(), username, display_name, password, is_superuser=superuser)
    console.print(f"Created user {username}.")


@user_app.command("grant")
def grant(username: str, organisation: str, role: Role) -> None:
    """Give USERNAME the ROLE in ORGANISATION (by code)."""
    from algoreg.register import accounts

    with unit_of_work() as session:
        accounts.grant_role(session, operator(), username, organisation, role)
    console.print(f"{username} is now {role.value} in {organisation}.")


@token_app.command("issue")
def issue(
    name: str,
    organisation: Annotated[
        str | None, typer.Option(help="Organisation code; omit for an instance admin token.")
    ] = None,
    role: Annotated[Role, typer.Option()] = Role.EDITOR,
) -> None:
    """Issue an API token; the secret is printed once and cannot be shown again."""
    from algoreg.register import accounts

    with unit_of_work() as session:
        issued = accounts.issue_token(session, operator(), name, organisation, role)
    console.print(f"Token {issued.id} ({name}, {role.value}): {issued.secret}")


@token_app.command("revoke")
def revoke(token_id: int) -> None:
    """Revoke the token with TOKEN_ID."""
    from algoreg.register import accounts

    with unit_of_work() as session:
        accounts.revoke_token(session, operator(), token_id)
    console.print(f"Token {token_id} revoked.")


@token_app.command("list")
def list_tokens(organisation: str) -> None:
    """List the API tokens of ORGANISATION (never their secrets)."""
    from algoreg.register import accounts

    table = Table("id", "name", "role", "starts with", "revoked")
    with unit_of_work() as session:
        for token in accounts.list_tokens(session, operator(), organisation):
            table.add_row(
                str(token.id), token.name, token.role, token.prefix + "…", str(token.revoked_at or "")
            )
    console.print(table)
