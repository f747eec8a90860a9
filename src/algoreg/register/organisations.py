"""Organisations: the governments that register algorithms."""

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from algoreg.db.models import Organisation
from algoreg.errors import Conflict, Forbidden, NotFound
from algoreg.register.audit import record_event
from algoreg.register.organisation_kinds import OrganisationKind as OrganisationKind  # re-exported
from algoreg.register.roles import Principal, Role
from algoreg.standard.v1_0 import check_url

_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


class OrganisationIn(BaseModel):
    """What may be given to create or change an organisation."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: Annotated[str, Field(description="Stable code, e.g. the official organisation code (gm0363).")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: OrganisationKind
    website: str | None = None
    contact_email: Annotated[str | None, Field(max_length=320)] = None

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        value = value.lower()
        if not _CODE.match(value):
            raise ValueError(
                "must be 2 to 64 characters: lower-case letters, digits, '-', '_' or '.', "
                "starting with a letter or digit (such as gm0363)"
            )
        return value

    @field_validator("website")
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        return check_url(value) if value else None


class OrganisationOut(BaseModel):
    """An organisation as shown to anyone."""

    code: str
    name: str
    kind: OrganisationKind
    website: str | None
    contact_email: str | None

    @classmethod
    def of(cls, organisation: Organisation) -> "OrganisationOut":
        """Build the public view of a stored organisation."""
        return cls(
            code=organisation.code,
            name=organisation.name,
            kind=OrganisationKind(organisation.kind),
            website=organisation.website,
            contact_email=organisation.contact_email,
        )


def get_organisation(session: Session, code: str) -> Organisation:
    """Return the organisation with ``code``, or raise :class:`NotFound`."""
    organisation = session.scalar(select(Organisation).where(Organisation.code == code.lower()))
    if organisation is None:
        raise NotFound(f"There is no organisation with code '{code}'.")
    return organisation


def list_organisations(session: Session) -> list[Organisation]:
    """Return all organisations, by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def create_organisation(session: Session, principal: Principal, data: OrganisationIn) -> Organisation:
    """Create an organisation; only an instance administrator may, and codes are unique."""
    if not principal.is_superuser:
        raise Forbidden("Only an administrator of this Algoreg instance may create organisations.")
    if session.scalar(select(Organisation.id).where(Organisation.code == data.code)) is not None:
        raise Conflict(f"An organisation with code '{data.code}' already exists; codes must be unique.")
    organisation = Organisation(**data.model_dump(mode="json"))
    session.add(organisation)
    session.flush()
    record_event(
        session,
        principal,
        "organisation.create",
        organisation_id=organisation.id,
        summary=f"Created organisation {data.name} ({data.code})",
        detail=data.model_dump(mode="json"),
    )
    return organisation


def update_organisation(
    session: Session, principal: Principal, code: str, data: OrganisationIn
) -> Organisation:
    """Change an organisation's details; its admins may, and the code itself cannot change."""
    organisation = get_organisation(session, code)
    principal.require(organisation.id, Role.ADMIN, "change the organisation's details")
    if data.code != organisation.code:
        raise Conflict(f"The code of an organisation cannot change (it is '{organisation.code}').")
    before = OrganisationOut.of(organisation).model_dump(mode="json")
    organisation.name = data.name
    organisation.kind = data.kind.value
    organisation.website = data.website
    organisation.contact_email = data.contact_email
    record_event(
        session,
        principal,
        "organisation.update",
        organisation_id=organisation.id,
        summary=f"Changed organisation {data.name}",
        detail={"before": before, "after": data.model_dump(mode="json")},
    )
    return organisation
