"""An organisation's own instruments in the public catalogue, beside the Algoritmekader's.

An own instrument has the fields of a catalogue :class:`~.catalogue.Instrument` (title, description,
categories, phases, topics, roles, the requirements and measures it serves, a web address) and a
slug: its stable id within the organisation, 1 to 64 lower-case letters, digits and hyphens, made
from the title when none is given. Its key in the combined catalogue is ``<organisation code>:<slug>``.

What is checked, each problem naming its field: the title (1 to :data:`MAX_TITLE_CHARS` characters),
the description (at most :data:`MAX_DESCRIPTION_CHARS`), every list value (not empty, at most
:data:`MAX_VALUE_CHARS` characters, at most :data:`MAX_VALUES` values), the web address (``http``
or ``https``), and against the imported Algoritmekader (:func:`~.definitions.current_framework`):
phases and roles must be ids it knows — when one has been imported; requirement and measure
references must each name exactly one requirement or measure of it (by id, URN or code) and are
stored as that item's id. Without an imported framework, references cannot be checked and are
refused.

An instrument is never deleted: it is retired, leaves the public catalogue, and keeps its slug.
A retired instrument cannot be changed.

Who may do what, by role in the organisation: publishers and admins add, change, retire and import
(what they write is public at once); viewers and editors read the list, retired ones included; the
public catalogue (:func:`current_instruments`) holds every organisation's current ones. Every write
is audited (``own_instrument.add``, ``.change``, ``.retire``) in the caller's transaction, which
completes whole or raises.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from algoreg.db.models import Organisation, OwnInstrument, utcnow
from algoreg.errors import Conflict, FieldProblem, InvalidInput, NotFound
from algoreg.evidence import link_problems
from algoreg.instruments.framework._files import file_field
from algoreg.instruments.framework.catalogue import Instrument, catalogue_from_data
from algoreg.instruments.framework.definitions import NotImported, current_framework
from algoreg.instruments.framework.model import Framework
from algoreg.register.audit import record_event
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Principal, Role
from algoreg.register.search_text import words

__all__ = [
    "MAX_DESCRIPTION_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_VALUES",
    "MAX_VALUE_CHARS",
    "UNCHANGED",
    "ImportResult",
    "OwnInstrumentChange",
    "OwnInstrumentIn",
    "OwnInstrumentView",
    "add_own_instrument",
    "change_own_instrument",
    "current_instruments",
    "get_own_instrument",
    "import_own_instruments",
    "list_own_instruments",
    "retire_own_instrument",
    "slug_of",
]

MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 10_000
#: Longest value of a list (a category, phase, topic, role or reference).
MAX_VALUE_CHARS = 200
#: Most values in one list.
MAX_VALUES = 50
MAX_SLUG_CHARS = 64
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

_LISTS = ("categories", "phases", "topics", "roles", "requirement_refs", "measure_refs")

#: The key of each field in a file in the hulpmiddelen shape.
FILE_KEYS: dict[str, str] = {
    "slug": "id",
    "title": "title",
    "description": "toelichting",
    "categories": "categorie",
    "phases": "levenscyclus",
    "topics": "onderwerp",
    "roles": "rollen",
    "requirement_refs": "vereiste",
    "measure_refs": "maatregel",
    "url": "url",
}


class _Unchanged:
    """The value of an :class:`OwnInstrumentChange` field that is to stay as it is."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


@dataclass(frozen=True)
class OwnInstrumentIn:
    """A new own instrument as given; an empty ``slug`` is made from the title."""

    title: str
    description: str = ""
    slug: str = ""
    categories: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    requirement_refs: tuple[str, ...] = ()
    measure_refs: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class OwnInstrumentChange:
    """What to change in an own instrument; fields left :data:`UNCHANGED` stay (the slug never changes)."""

    title: str = UNCHANGED
    description: str = UNCHANGED
    categories: tuple[str, ...] = UNCHANGED
    phases: tuple[str, ...] = UNCHANGED
    topics: tuple[str, ...] = UNCHANGED
    roles: tuple[str, ...] = UNCHANGED
    requirement_refs: tuple[str, ...] = UNCHANGED
    measure_refs: tuple[str, ...] = UNCHANGED
    url: str | None = UNCHANGED


@dataclass(frozen=True)
class OwnInstrumentView:
    """A stored own instrument, retired or not."""

    id: int
    organisation_code: str
    organisation_name: str
    slug: str
    title: str
    description: str
    categories: tuple[str, ...]
    phases: tuple[str, ...]
    topics: tuple[str, ...]
    roles: tuple[str, ...]
    requirement_refs: tuple[str, ...]
    measure_refs: tuple[str, ...]
    url: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    retired_at: datetime | None
    retired_by: str | None

    @property
    def key(self) -> str:
        """Its key in the combined catalogue: ``<organisation code>:<slug>``."""
        return f"{self.organisation_code}:{self.slug}"

    def instrument(self) -> Instrument:
        """The instrument as the catalogue holds it, naming the organisation as its origin."""
        return Instrument(
            id=self.slug,
            title=self.title,
            description=self.description,
            categories=self.categories,
            requirement_refs=self.requirement_refs,
            measure_refs=self.measure_refs,
            phases=self.phases,
            topics=self.topics,
            roles=self.roles,
            source_path=None,
            url=self.url,
            origin="organisation",
            organisation_code=self.organisation_code,
            organisation_name=self.organisation_name,
        )


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the slugs added, changed, and found unchanged, in the file's order."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]


def slug_of(text: str) -> str:
    """``text`` folded to a slug: its words in lower case without diacritics, joined by hyphens."""
    return "-".join(words(text))[:MAX_SLUG_CHARS].strip("-")


# --- checking -------------------------------------------------------------------------------------


def _framework(session: Session) -> Framework | None:
    try:
        return current_framework(session).framework
    except NotImported:
        return None


def _values(name: str, given: Sequence[str], problems: list[FieldProblem]) -> list[str]:
    if isinstance(given, str) or len(given) > MAX_VALUES:
        problems.append(FieldProblem(name, f"must be a list of at most {MAX_VALUES} values"))
        return []
    values: list[str] = []
    for index, raw in enumerate(given):
        value = " ".join(str(raw).split())
        if not value or len(value) > MAX_VALUE_CHARS:
            problems.append(
                FieldProblem(f"{name}[{index}]", f"must be a text of 1 to {MAX_VALUE_CHARS} characters")
            )
        elif value not in values:
            values.append(value)
    return values


def _known(
    name: str, values: list[str], known: Sequence[str], what: str, problems: list[FieldProblem]
) -> None:
    for index, value in enumerate(values):
        if value not in known:
            problems.append(
                FieldProblem(
                    f"{name}[{index}]",
                    f"{value!r} is not a {what} of the imported Algoritmekader; "
                    f"use one of: {', '.join(known)}",
                )
            )


def _resolved(
    name: str, refs: list[str], framework: Framework | None, kind: str, problems: list[FieldProblem]
) -> list[str]:
    if not refs:
        return []
    if framework is None:
        problems.append(
            FieldProblem(
                name,
                f"cannot be checked: no Algoritmekader has been imported into this register, so no "
                f"{kind} reference resolves; leave it empty, or ask an administrator to import one "
                "(algoreg framework import --task-registry <folder>)",
            )
        )
        return []
    find = framework.find_requirements if kind == "requirement" else framework.find_measures
    ids: list[str] = []
    for index, ref in enumerate(refs):
        found = find(ref)
        if len(found) == 1:
            if found[0].id not in ids:
                ids.append(found[0].id)
        elif not found:
            problems.append(
                FieldProblem(
                    f"{name}[{index}]",
                    f"{ref!r} names no {kind} of the imported Algoritmekader; "
                    f"give a {kind}'s id, URN or code",
                )
            )
        else:
            several = ", ".join(item.id for item in found)
            problems.append(
                FieldProblem(f"{name}[{index}]", f"{ref!r} names several {kind}s ({several}); give an id")
            )
    return ids


def _checked(
    given: OwnInstrumentIn, framework: Framework | None
) -> tuple[OwnInstrumentIn, list[FieldProblem]]:
    """The values cleaned (slug not checked), and every problem with them."""
    problems: list[FieldProblem] = []
    title = " ".join(given.title.split())
    if not title or len(title) > MAX_TITLE_CHARS:
        problems.append(FieldProblem("title", f"must be a text of 1 to {MAX_TITLE_CHARS} characters"))
    description = given.description.strip()
    if len(description) > MAX_DESCRIPTION_CHARS:
        problems.append(
            FieldProblem(
                "description", f"is {len(description)} characters long; at most {MAX_DESCRIPTION_CHARS}"
            )
        )
    lists = {name: _values(name, getattr(given, name), problems) for name in _LISTS}
    if framework is not None:
        _known("phases", lists["phases"], framework.phase_ids(), "phase", problems)
        _known("roles", lists["roles"], tuple(role.id for role in framework.roles), "role", problems)
    lists["requirement_refs"] = _resolved(
        "requirement_refs", lists["requirement_refs"], framework, "requirement", problems
    )
    lists["measure_refs"] = _resolved("measure_refs", lists["measure_refs"], framework, "measure", problems)
    url = None
    if given.url is not None and given.url.strip():
        url, url_problems = link_problems(given.url)
        problems.extend(url_problems)
    cleaned = OwnInstrumentIn(
        title=title,
        description=description,
        slug=given.slug.strip(),
        url=url,
        **{name: tuple(values) for name, values in lists.items()},
    )
    return cleaned, problems


def _slug_problem(slug: str) -> FieldProblem | None:
    if _SLUG.match(slug):
        return None
    return FieldProblem(
        "slug",
        f"{slug!r} must be 1 to {MAX_SLUG_CHARS} lower-case letters, digits and hyphens, "
        "not starting with a hyphen",
    )


def _taken(session: Session, organisation_id: int) -> set[str]:
    return set(
        session.scalars(select(OwnInstrument.slug).where(OwnInstrument.organisation_id == organisation_id))
    )


def _free_slug(base: str, taken: set[str]) -> str:
    slug, number = base, 1
    while slug in taken:
        number += 1
        suffix = f"-{number}"
        slug = base[: MAX_SLUG_CHARS - len(suffix)].rstrip("-") + suffix
    return slug


# --- reading --------------------------------------------------------------------------------------


def _view(organisation: Organisation, row: OwnInstrument) -> OwnInstrumentView:
    return OwnInstrumentView(
        id=row.id,
        organisation_code=organisation.code,
        organisation_name=organisation.name,
        slug=row.slug,
        title=row.title,
        description=row.description,
        categories=tuple(row.categories),
        phases=tuple(row.phases),
        topics=tuple(row.topics),
        roles=tuple(row.roles),
        requirement_refs=tuple(row.requirement_refs),
        measure_refs=tuple(row.measure_refs),
        url=row.url,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        retired_at=row.retired_at,
        retired_by=row.retired_by,
    )


def _row(session: Session, organisation: Organisation, slug: str) -> OwnInstrument:
    row = session.scalar(
        select(OwnInstrument).where(
            OwnInstrument.organisation_id == organisation.id, OwnInstrument.slug == slug
        )
    )
    if row is None:
        raise NotFound(f"Organisation '{organisation.code}' has no own instrument '{slug}'.")
    return row


def list_own_instruments(
    session: Session, principal: Principal, organisation_code: str, *, include_retired: bool = True
) -> list[OwnInstrumentView]:
    """The organisation's own instruments by title, retired ones too unless told not; viewers and up."""
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, Role.VIEWER, "see the organisation's own instruments")
    query = select(OwnInstrument).where(OwnInstrument.organisation_id == organisation.id)
    if not include_retired:
        query = query.where(OwnInstrument.retired_at.is_(None))
    rows = session.scalars(query.order_by(OwnInstrument.title, OwnInstrument.slug))
    return [_view(organisation, row) for row in rows]


def get_own_instrument(
    session: Session, principal: Principal, organisation_code: str, slug: str
) -> OwnInstrumentView:
    """One own instrument of the organisation; viewers and up; :class:`NotFound` for an unknown slug."""
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, Role.VIEWER, "see the organisation's own instruments")
    return _view(organisation, _row(session, organisation, slug))


def current_instruments(session: Session) -> tuple[Instrument, ...]:
    """Every organisation's own instruments that are not retired, by organisation name and title.

    Public: these are shown to anyone in the catalogue of instruments.
    """
    rows = session.execute(
        select(Organisation, OwnInstrument)
        .join(OwnInstrument, OwnInstrument.organisation_id == Organisation.id)
        .where(OwnInstrument.retired_at.is_(None))
        .order_by(Organisation.name, Organisation.code, OwnInstrument.title, OwnInstrument.slug)
    )
    return tuple(_view(organisation, row).instrument() for organisation, row in rows)


# --- writing --------------------------------------------------------------------------------------


def _publisher(session: Session, principal: Principal, organisation_code: str, doing: str) -> Organisation:
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, Role.PUBLISHER, doing)
    return organisation


def _content(values: OwnInstrumentIn) -> dict[str, Any]:
    return {
        "title": values.title,
        "description": values.description,
        **{name: list(getattr(values, name)) for name in _LISTS},
        "url": values.url,
    }


def _insert(
    session: Session, principal: Principal, organisation: Organisation, slug: str, values: OwnInstrumentIn
) -> OwnInstrument:
    now = utcnow()
    row = OwnInstrument(
        organisation_id=organisation.id,
        slug=slug,
        created_at=now,
        created_by=principal.name,
        updated_at=now,
        updated_by=principal.name,
        retired_at=None,
        retired_by=None,
        **_content(values),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # another request took the slug between the check and this write
        raise Conflict(
            f"An own instrument with the id '{slug}' was added at the same moment; "
            "nothing was stored, try again."
        ) from None
    record_event(
        session,
        principal,
        "own_instrument.add",
        organisation_id=organisation.id,
        summary=f"Added own instrument {slug} '{values.title}'",
        detail={"own_instrument_id": row.id, "slug": slug},
    )
    return row


def _update(
    session: Session,
    principal: Principal,
    organisation: Organisation,
    row: OwnInstrument,
    values: OwnInstrumentIn,
) -> bool:
    """Write ``values`` into ``row``; False when nothing differs (nothing is written then)."""
    content = _content(values)
    changes = {
        name: [getattr(row, name), value] for name, value in content.items() if getattr(row, name) != value
    }
    if not changes:
        return False
    for name, (_before, after) in changes.items():
        setattr(row, name, after)
    row.updated_at = utcnow()
    row.updated_by = principal.name
    session.flush()
    record_event(
        session,
        principal,
        "own_instrument.change",
        organisation_id=organisation.id,
        summary=f"Changed own instrument {row.slug} ({', '.join(changes)})",
        detail={"own_instrument_id": row.id, "slug": row.slug, "changes": changes},
    )
    return True


def add_own_instrument(
    session: Session, principal: Principal, organisation_code: str, given: OwnInstrumentIn
) -> OwnInstrumentView:
    """Add an own instrument to the organisation, public at once; publishers and admins.

    A given slug must be free in the organisation (retired instruments keep theirs); without one, a
    free slug is made from the title. Problems raise :class:`InvalidInput` naming each field; nothing
    is written then. Audited as ``own_instrument.add``.
    """
    organisation = _publisher(session, principal, organisation_code, "add an own instrument")
    values, problems = _checked(given, _framework(session))
    taken = _taken(session, organisation.id)
    if values.slug:
        slug = values.slug
        wrong = _slug_problem(slug)
        if wrong is not None:
            problems.insert(0, wrong)
        elif slug in taken:
            problems.insert(
                0,
                FieldProblem(
                    "slug",
                    f"{slug!r} is already the id of an own instrument of the organisation (retired ones "
                    "keep theirs); choose another or leave it empty",
                ),
            )
    else:
        slug = _free_slug(slug_of(values.title) or "hulpmiddel", taken)
    if problems:
        raise InvalidInput(problems=problems, summary="The own instrument was not added.")
    row = _insert(session, principal, organisation, slug, values)
    return _view(organisation, row)


def change_own_instrument(
    session: Session, principal: Principal, organisation_code: str, slug: str, change: OwnInstrumentChange
) -> OwnInstrumentView:
    """Change an own instrument's fields given in ``change``; publishers and admins.

    The result is checked whole as when adding. :class:`NotFound` for an unknown slug,
    :class:`~algoreg.errors.Conflict` for a retired instrument. Audited as ``own_instrument.change``
    when anything differs.
    """
    organisation = _publisher(session, principal, organisation_code, "change an own instrument")
    row = _row(session, organisation, slug)
    if row.retired_at is not None:
        raise Conflict(f"The own instrument '{slug}' is retired and can no longer be changed.")
    current = _view(organisation, row)
    merged = OwnInstrumentIn(
        title=current.title,
        description=current.description,
        categories=current.categories,
        phases=current.phases,
        topics=current.topics,
        roles=current.roles,
        requirement_refs=current.requirement_refs,
        measure_refs=current.measure_refs,
        url=current.url,
    )
    given = {
        f.name: getattr(change, f.name) for f in fields(change) if getattr(change, f.name) is not UNCHANGED
    }
    merged = replace(merged, **given)
    values, problems = _checked(merged, _framework(session))
    if problems:
        raise InvalidInput(problems=problems, summary="The own instrument was not changed.")
    _update(session, principal, organisation, row, values)
    return _view(organisation, row)


def retire_own_instrument(
    session: Session, principal: Principal, organisation_code: str, slug: str
) -> OwnInstrumentView:
    """Take an own instrument out of the public catalogue for good, keeping it and its slug.

    Publishers and admins. :class:`NotFound` for an unknown slug, :class:`~algoreg.errors.Conflict`
    when it is retired already. Audited as ``own_instrument.retire``.
    """
    organisation = _publisher(session, principal, organisation_code, "retire an own instrument")
    row = _row(session, organisation, slug)
    if row.retired_at is not None:
        raise Conflict(f"The own instrument '{slug}' is retired already.")
    row.retired_at = utcnow()
    row.retired_by = principal.name
    session.flush()
    record_event(
        session,
        principal,
        "own_instrument.retire",
        organisation_id=organisation.id,
        summary=f"Retired own instrument {slug} '{row.title}'",
        detail={"own_instrument_id": row.id, "slug": slug},
    )
    return _view(organisation, row)


def import_own_instruments(
    session: Session, principal: Principal, organisation_code: str, data: Any, where: str = "catalogue"
) -> ImportResult:
    """Store the instruments in already-parsed data in the hulpmiddelen shape as the organisation's own.

    All or nothing; publishers and admins. Each entry's slug is its id as the catalogue reads it
    (``id``, else the ``source_path``'s file name, else the title), folded to a slug. An entry whose
    slug is a current instrument of the organisation replaces that instrument's fields; a new slug
    adds one; the slug of a retired instrument is refused. Every problem of every entry raises one
    :class:`InvalidInput` naming ``where``, the entry and the file's key (``"f.yaml: [2].maatregel[0]"``).
    Audited per instrument added or changed.
    """
    organisation = _publisher(session, principal, organisation_code, "import own instruments")
    parsed = catalogue_from_data(data, "organisation", where=where)
    if not parsed:
        raise InvalidInput(
            problems=[FieldProblem(file_field(where), "holds no instruments")],
            summary="There are no instruments to import.",
        )
    framework = _framework(session)
    existing = {
        row.slug: row
        for row in session.scalars(
            select(OwnInstrument).where(OwnInstrument.organisation_id == organisation.id)
        )
    }
    problems: list[FieldProblem] = []
    planned: list[tuple[str, OwnInstrumentIn]] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(parsed):
        slug = entry.id if _SLUG.match(entry.id) else slug_of(entry.id)
        given = OwnInstrumentIn(
            title=entry.title,
            description=entry.description,
            slug=slug,
            categories=entry.categories,
            phases=entry.phases,
            topics=entry.topics,
            roles=entry.roles,
            requirement_refs=entry.requirement_refs,
            measure_refs=entry.measure_refs,
            url=entry.url,
        )
        values, found = _checked(given, framework)
        if not slug:
            found.insert(0, FieldProblem("slug", f"{entry.id!r} holds no letters or digits to make an id of"))
        elif slug in seen:
            found.insert(0, FieldProblem("slug", f"{slug!r} is also the id of entry {seen[slug]}"))
        elif slug in existing and existing[slug].retired_at is not None:
            found.insert(
                0, FieldProblem("slug", f"{slug!r} is the id of a retired own instrument; give another id")
            )
        seen.setdefault(slug, index)
        for problem in found:
            name, _, rest = problem.field.partition("[")
            key = FILE_KEYS.get(name, name) + (f"[{rest}" if rest else "")
            problems.append(FieldProblem(file_field(where, f"[{index}].{key}"), problem.reason))
        planned.append((slug, values))
    if problems:
        raise InvalidInput(problems=problems, summary=f"The instruments in {where} were not imported.")
    added: list[str] = []
    changed: list[str] = []
    unchanged: list[str] = []
    for slug, values in planned:
        if slug in existing:
            did_change = _update(session, principal, organisation, existing[slug], values)
            (changed if did_change else unchanged).append(slug)
        else:
            _insert(session, principal, organisation, slug, values)
            added.append(slug)
    return ImportResult(added=tuple(added), changed=tuple(changed), unchanged=tuple(unchanged))
