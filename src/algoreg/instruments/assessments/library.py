"""The instruments an organisation can assess with: definitions imported from files and stored.

A file in any format the questionnaire importers read — our own YAML format, the task-registry
instrument format or the assessment-definition format — is translated into our model and stored
as its JSON, with a digest. An instrument belongs to one organisation, or (imported by an
instance administrator) to every organisation. Importing the same definition again for the same
owner returns the stored one; a different definition under the same id and version is refused.

Two settings ride along with each stored instrument, because the official files do not say them:
``register_assessment_title``, the title under which a signed-off assessment enters the algorithm's
``impacttoetsen_grouping`` (set for IAMA and DPIA by default), and ``signing_roles``, the instrument
roles whose participants may sign off (by default the roles of the instrument's statements to sign).
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from algoreg.db.models import StoredInstrument
from algoreg.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from algoreg.instruments.questionnaire.files import read_yaml
from algoreg.instruments.questionnaire.import_assessment_definition import convert_assessment_definition
from algoreg.instruments.questionnaire.import_task_registry import convert_task_registry
from algoreg.instruments.questionnaire.importing import ImportNote
from algoreg.instruments.questionnaire.model import Instrument, StatementQuestion
from algoreg.instruments.questionnaire.our_format import parse_definition
from algoreg.instruments.questionnaire.structure import placed_elements
from algoreg.register.audit import record_event
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Principal, Role
from algoreg.standard.legacy import DPIA_TITLE, IAMA_TITLE

SourceFormat = Literal["algoreg", "task-registry", "assessment-definition"]
SOURCE_FORMATS: tuple[SourceFormat, ...] = ("algoreg", "task-registry", "assessment-definition")

MAX_TITLE_CHARS = 500
MAX_ROLE_CHARS = 200

#: Register titles by instrument id, for the official instruments whose completion the register shows.
_REGISTER_TITLES = {
    "urn:nl:iama": IAMA_TITLE,
    "urn:nl:aivt:tr:iama": IAMA_TITLE,
    "urn:nl:dpia": DPIA_TITLE,
}


class _Default(Enum):
    DEFAULT = "default"


#: "Use the default" for a stored instrument's register title (see :func:`default_register_title`).
DEFAULT = _Default.DEFAULT
RegisterTitle = str | None | _Default


@dataclass(frozen=True)
class InstrumentView:
    """A stored instrument as lists show it (the definition itself is :func:`instrument_definition`)."""

    id: int
    key: str
    version: str
    title: str
    organisation_code: str | None
    source_format: str
    source_name: str
    digest: str
    register_assessment_title: str | None
    signing_roles: tuple[str, ...]
    roles: tuple[str, ...]
    notes: tuple[str, ...]
    created_at: datetime
    created_by: str


def definition_digest(instrument: Instrument) -> str:
    """The SHA-256 of the definition's canonical JSON: equal definitions, equal digests."""
    text = json.dumps(instrument.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def suggested_roles(instrument: Instrument) -> tuple[str, ...]:
    """Every role the definition suggests (on parts, groups and questions), in order of appearance."""
    found: dict[str, None] = {}
    for part in instrument.parts:
        found.update(dict.fromkeys(part.roles))
    for placed in placed_elements(instrument):
        found.update(dict.fromkeys(getattr(placed.element, "roles", ())))
    return tuple(found)


def default_signing_roles(instrument: Instrument) -> tuple[str, ...]:
    """The roles suggested for the instrument's statements to sign (none: the instrument says nothing)."""
    found: dict[str, None] = {}
    for placed in placed_elements(instrument):
        if isinstance(placed.element, StatementQuestion):
            found.update(dict.fromkeys(placed.element.roles))
    return tuple(found)


def default_register_title(instrument: Instrument) -> str | None:
    """The register title of IAMA (1.0, 2.0) and DPIA, the assessments the register lists; else None."""
    return _REGISTER_TITLES.get(instrument.id)


def source_format_of(text: str) -> SourceFormat:
    """``text`` as a source format, or :class:`InvalidInput` naming the ones allowed."""
    for known in SOURCE_FORMATS:
        if text == known:
            return known
    raise InvalidInput(
        problems=[FieldProblem("format", f"is '{text}'; allowed: {', '.join(SOURCE_FORMATS)}")],
        summary="The instrument was not stored.",
    )


def detect_format(data: Any) -> SourceFormat | None:
    """Which format parsed file ``data`` is in: ours (``parts``), task-registry, or assessment-definition."""
    if not isinstance(data, dict):
        return None
    if "parts" in data or "format_version" in data:
        return "algoreg"
    if "schema_version" in data:
        return "task-registry"
    if "tasks" in data:
        return "assessment-definition"
    return None


def read_instrument(
    data: Any, *, source: str, source_format: SourceFormat | None = None
) -> tuple[Instrument, SourceFormat, tuple[ImportNote, ...]]:
    """Translate parsed file ``data`` into our model with the importer of its format (detected when None).

    Raises :class:`InvalidInput` naming ``source`` and where it is wrong.
    """
    chosen = source_format or detect_format(data)
    if chosen is None:
        raise InvalidInput(
            problems=[
                FieldProblem(
                    source,
                    "is not an instrument definition in a known format; allowed: our format (with 'parts'), "
                    "the task-registry format (with 'schema_version' and 'tasks') or the "
                    "assessment-definition format (with 'tasks')",
                )
            ],
            summary=f"{source} cannot be imported as an instrument.",
        )
    if chosen == "algoreg":
        return parse_definition(data, source=source), chosen, ()
    result = (
        convert_task_registry(data, source=source)
        if chosen == "task-registry"
        else convert_assessment_definition(data, source=source)
    )
    return result.instrument, chosen, result.notes


def _check_settings(register_title: str | None, signing_roles: Sequence[str]) -> tuple[str | None, list[str]]:
    problems: list[FieldProblem] = []
    title = " ".join(register_title.split()) if register_title is not None else None
    if title is not None and not title:
        title = None
    if title is not None and len(title) > MAX_TITLE_CHARS:
        problems.append(
            FieldProblem(
                "register_assessment_title",
                f"is {len(title)} characters; at most {MAX_TITLE_CHARS} allowed",
            )
        )
    roles: list[str] = []
    for index, role in enumerate(signing_roles):
        cleaned = " ".join(role.split())
        if not cleaned or len(cleaned) > MAX_ROLE_CHARS:
            problems.append(
                FieldProblem(f"signing_roles[{index}]", f"must be 1 to {MAX_ROLE_CHARS} characters of text")
            )
        elif cleaned not in roles:
            roles.append(cleaned)
    if problems:
        raise InvalidInput(problems=problems, summary="The instrument was not stored.")
    return title, roles


def store_instrument(
    session: Session,
    principal: Principal,
    instrument: Instrument,
    *,
    source_format: SourceFormat,
    source_name: str,
    organisation_code: str | None = None,
    notes: Sequence[ImportNote] = (),
    register_title: RegisterTitle = DEFAULT,
    signing_roles: Sequence[str] | None = None,
) -> StoredInstrument:
    """Store ``instrument`` for one organisation (its admins may) or for all (instance administrators).

    ``register_title`` (default: :func:`default_register_title`; None: never enter the register) and
    ``signing_roles`` (default: :func:`default_signing_roles`) are kept with it. The same definition
    stored again for the same owner returns the stored row unchanged; another definition with the
    same id and version raises :class:`Conflict`. Audited as ``instrument.import``.
    """
    organisation_id: int | None = None
    if organisation_code is None:
        if not principal.is_superuser:
            raise Forbidden(
                "Only an administrator of this Algoreg instance may add an instrument for every "
                "organisation; give an organisation to add it for that organisation only."
            )
    else:
        organisation = get_organisation(session, organisation_code)
        principal.require(organisation.id, Role.ADMIN, "add instruments for this organisation")
        organisation_id = organisation.id
    title, roles = _check_settings(
        default_register_title(instrument) if register_title is DEFAULT else register_title,
        default_signing_roles(instrument) if signing_roles is None else signing_roles,
    )
    digest = definition_digest(instrument)
    owner = (
        StoredInstrument.organisation_id.is_(None)
        if organisation_id is None
        else StoredInstrument.organisation_id == organisation_id
    )
    existing = session.scalar(
        select(StoredInstrument).where(
            owner, StoredInstrument.key == instrument.id, StoredInstrument.version == instrument.version
        )
    )
    if existing is not None:
        if existing.digest == digest:
            return existing
        raise Conflict(
            f"Instrument '{instrument.id}' version {instrument.version} is stored already with another "
            "definition; give the changed definition a new version."
        )
    stored = StoredInstrument(
        organisation_id=organisation_id,
        key=instrument.id,
        version=instrument.version,
        title=instrument.title[:MAX_TITLE_CHARS],
        source_format=source_format,
        source_name=source_name[-500:],
        digest=digest,
        definition=instrument.model_dump(mode="json", by_alias=True),
        register_assessment_title=title,
        signing_roles=roles,
        notes=[{"location": note.location, "message": note.message} for note in notes],
        created_by=principal.name,
    )
    session.add(stored)
    session.flush()
    record_event(
        session,
        principal,
        "instrument.import",
        organisation_id=organisation_id,
        summary=f"Imported instrument '{instrument.title}' ({instrument.id} {instrument.version})",
        detail={"instrument_id": stored.id, "digest": digest, "source_format": source_format},
    )
    session.flush()
    return stored


def import_instrument_file(
    session: Session,
    principal: Principal,
    path: Path | str,
    *,
    organisation_code: str | None = None,
    source_format: SourceFormat | None = None,
    register_title: RegisterTitle = DEFAULT,
    signing_roles: Sequence[str] | None = None,
) -> StoredInstrument:
    """Read the definition file at ``path`` (YAML or JSON; format detected unless given) and store it.

    See :func:`read_instrument` for the errors of a bad file and :func:`store_instrument` for who
    may, and what is kept.
    """
    file = Path(path)
    instrument, chosen, notes = read_instrument(
        read_yaml(file), source=file.name, source_format=source_format
    )
    return store_instrument(
        session,
        principal,
        instrument,
        source_format=chosen,
        source_name=file.name,
        organisation_code=organisation_code,
        notes=notes,
        register_title=register_title,
        signing_roles=signing_roles,
    )


def _visible_to(principal: Principal, stored: StoredInstrument) -> bool:
    return stored.organisation_id is None or principal.can(stored.organisation_id, Role.VIEWER)


def list_instruments(
    session: Session, principal: Principal, organisation_code: str | None = None
) -> list[InstrumentView]:
    """The instruments ``principal`` may use: instance-wide ones and those of its organisations.

    With ``organisation_code``, only the instance-wide ones and that organisation's (its people only).
    Ordered by title, then version.
    """
    query = select(StoredInstrument)
    if organisation_code is not None:
        organisation = get_organisation(session, organisation_code)
        principal.require(organisation.id, Role.VIEWER, "see this organisation's instruments")
        query = query.where(
            or_(
                StoredInstrument.organisation_id.is_(None),
                StoredInstrument.organisation_id == organisation.id,
            )
        )
    rows = session.scalars(
        query.order_by(StoredInstrument.title, StoredInstrument.version, StoredInstrument.id)
    )
    return [instrument_view(row) for row in rows if _visible_to(principal, row)]


def find_instrument(session: Session, principal: Principal, instrument_id: int) -> StoredInstrument:
    """The stored instrument with this id, if ``principal`` may use it; else :class:`NotFound`."""
    stored = session.get(StoredInstrument, instrument_id)
    if stored is None or not _visible_to(principal, stored):
        raise NotFound(f"There is no instrument with id {instrument_id}.")
    return stored


#: Definitions read back, by digest: checking a large definition takes a while, and they never change.
_READ: dict[str, Instrument] = {}


def instrument_definition(definition: dict[str, Any], digest: str) -> Instrument:
    """A stored definition's JSON as our model (read once per digest)."""
    if digest not in _READ:
        if len(_READ) > 64:
            _READ.clear()
        _READ[digest] = Instrument.model_validate(definition)
    return _READ[digest]


def instrument_view(stored: StoredInstrument) -> InstrumentView:
    """What lists show of a stored instrument."""
    instrument = instrument_definition(stored.definition, stored.digest)
    return InstrumentView(
        id=stored.id,
        key=stored.key,
        version=stored.version,
        title=stored.title,
        organisation_code=stored.organisation.code if stored.organisation is not None else None,
        source_format=stored.source_format,
        source_name=stored.source_name,
        digest=stored.digest,
        register_assessment_title=stored.register_assessment_title,
        signing_roles=tuple(stored.signing_roles),
        roles=suggested_roles(instrument),
        notes=tuple(f"{note['location']}: {note['message']}" for note in stored.notes),
        created_at=stored.created_at,
        created_by=stored.created_by,
    )


__all__ = [
    "DEFAULT",
    "SOURCE_FORMATS",
    "InstrumentView",
    "RegisterTitle",
    "SourceFormat",
    "default_register_title",
    "default_signing_roles",
    "definition_digest",
    "detect_format",
    "find_instrument",
    "import_instrument_file",
    "instrument_definition",
    "instrument_view",
    "list_instruments",
    "read_instrument",
    "source_format_of",
    "store_instrument",
    "suggested_roles",
]
