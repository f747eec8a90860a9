"""Algorithms and their immutable versions: create, edit, move through the workflow, read.

Every function here runs inside the caller's transaction and either completes whole or raises,
so the caller's rollback leaves nothing half-written. Every change is authorised against the
principal's role in the algorithm's organisation and recorded in the audit log.
"""

import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from algoreg.db.models import Algorithm, AlgorithmVersion, Organisation, SearchEntry, utcnow
from algoreg.errors import Conflict, FieldProblem, InvalidInput, NotFound, StaleWrite
from algoreg.register import publication_log
from algoreg.register.audit import record_event
from algoreg.register.organisations import get_organisation
from algoreg.register.publication_log import EntryKind
from algoreg.register.roles import Principal, Role
from algoreg.register.search_index import refresh_search_entry
from algoreg.register.workflow import RULES, Action, State, allowed_actions, next_state
from algoreg.standard.enums import CURRENT_STANDARD_VERSION
from algoreg.standard.v1_0 import AlgorithmRecord
from algoreg.standard.validation import problems_of

#: Fields the register fills in itself; values sent for them are ignored.
SYSTEM_FIELDS = ("lars", "publication_dt")


@dataclass(frozen=True)
class VersionView:
    """One version of an algorithm description, with the record as stored."""

    number: int
    record: dict[str, Any]
    created_at: datetime
    created_by: str
    published_at: datetime | None


@dataclass(frozen=True)
class AlgorithmView:
    """An algorithm as its organisation's people see it: workflow state and newest version."""

    public_id: str
    organisation_code: str
    organisation_name: str
    state: State
    lock_version: int
    latest: VersionView
    public_version_number: int | None
    is_public: bool
    allowed_actions: list[Action]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PublicAlgorithm:
    """A published algorithm as the public sees it."""

    public_id: str
    organisation_code: str
    organisation_name: str
    version_number: int
    published_at: datetime
    record: dict[str, Any]


def validate_record(data: Any, organisation: Organisation) -> AlgorithmRecord:
    """Return ``data`` as a valid 1.0 record for ``organisation`` or raise :class:`InvalidInput`.

    System fields are ignored; a missing ``organization`` is filled with the organisation's name,
    and a different one is refused (a record describes use by one organisation).
    """
    if not isinstance(data, dict):
        raise InvalidInput([FieldProblem("", "must be a JSON object with the fields of the standard")])
    prepared = {key: value for key, value in data.items() if key not in SYSTEM_FIELDS}
    if not prepared.get("organization"):
        prepared["organization"] = organisation.name
    problems = [FieldProblem(p.field, p.reason) for p in problems_of(prepared)]
    given = prepared.get("organization")
    if isinstance(given, str) and given.strip() != organisation.name:
        problems.append(
            FieldProblem(
                "organization",
                f"is '{given}', but this register entry belongs to '{organisation.name}'; "
                "use that name or leave the field empty",
            )
        )
    if problems:
        raise InvalidInput(problems)
    return AlgorithmRecord.model_validate(prepared)


def _new_public_id(session: Session) -> str:
    while True:
        candidate = f"{secrets.randbelow(10**8):08d}"
        if session.scalar(select(Algorithm.id).where(Algorithm.public_id == candidate)) is None:
            return candidate


def _stored_record(record: AlgorithmRecord, public_id: str) -> dict[str, Any]:
    data = record.to_json()
    data["lars"] = public_id
    data["publication_dt"] = None
    data["standard_version"] = CURRENT_STANDARD_VERSION.value
    return data


def _add_version(
    session: Session, algorithm: Algorithm, number: int, record: AlgorithmRecord, principal: Principal
) -> AlgorithmVersion:
    version = AlgorithmVersion(
        algorithm_id=algorithm.id,
        number=number,
        standard_version=CURRENT_STANDARD_VERSION.value,
        record=_stored_record(record, algorithm.public_id),
        name=record.name,
        status=record.status.value,
        publication_category=record.publication_category.value,
        created_by=principal.name,
    )
    session.add(version)
    return version


def create_algorithm(
    session: Session,
    principal: Principal,
    organisation_code: str,
    data: Any,
    *,
    public_id: str | None = None,
    source_id: str | None = None,
) -> Algorithm:
    """Create an algorithm in concept with its first version; needs the editor role.

    ``public_id`` may be given to keep an identity from elsewhere (an import); it must be unused.
    """
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, Role.EDITOR, "register an algorithm")
    record = validate_record(data, organisation)
    if public_id is not None and session.scalar(select(Algorithm.id).where(Algorithm.public_id == public_id)):
        raise Conflict(f"An algorithm with id '{public_id}' already exists.")
    now = utcnow()
    algorithm = Algorithm(
        public_id=public_id or _new_public_id(session),
        organisation_id=organisation.id,
        state=State.CONCEPT.value,
        latest_version_number=1,
        created_at=now,
        updated_at=now,
    )
    session.add(algorithm)
    session.flush()
    _add_version(session, algorithm, 1, record, principal)
    record_event(
        session,
        principal,
        "algorithm.create",
        organisation_id=organisation.id,
        algorithm_id=algorithm.id,
        version_number=1,
        summary=f"Registered '{record.name}'",
        detail={"source_id": source_id} if source_id else None,
    )
    session.flush()
    return algorithm


def find_algorithm(session: Session, public_id: str) -> Algorithm:
    """Return the algorithm with ``public_id`` or raise :class:`NotFound`."""
    algorithm = session.scalar(select(Algorithm).where(Algorithm.public_id == public_id))
    if algorithm is None:
        raise NotFound(f"There is no algorithm with id '{public_id}'.")
    return algorithm


def _check_fresh(algorithm: Algorithm, expected_lock_version: int | None) -> None:
    if expected_lock_version is not None and expected_lock_version != algorithm.lock_version:
        raise StaleWrite(
            f"This algorithm was changed by someone else since you loaded it (you edited version "
            f"{expected_lock_version} of its edit count, it is now at {algorithm.lock_version}). "
            "Nothing was saved: reload it, apply your changes again and save."
        )


def _latest(session: Session, algorithm: Algorithm) -> AlgorithmVersion:
    version = session.scalar(
        select(AlgorithmVersion).where(
            AlgorithmVersion.algorithm_id == algorithm.id,
            AlgorithmVersion.number == algorithm.latest_version_number,
        )
    )
    assert version is not None, "every algorithm has its latest version"
    return version


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleWrite(
            "This algorithm was changed by someone else at the same moment. Nothing was saved: "
            "reload it and try again."
        ) from exc


def update_algorithm(
    session: Session,
    principal: Principal,
    public_id: str,
    data: Any,
    expected_lock_version: int | None,
) -> Algorithm:
    """Store a new version of the description and return the algorithm to concept.

    Needs the editor role. When ``expected_lock_version`` is given and the algorithm changed since,
    :class:`StaleWrite` is raised and nothing is stored. An unchanged record stores no new version.
    """
    algorithm = find_algorithm(session, public_id)
    principal.require(algorithm.organisation_id, Role.EDITOR, "edit this algorithm")
    _check_fresh(algorithm, expected_lock_version)
    state = next_state(State(algorithm.state), Action.EDIT)
    record = validate_record(data, algorithm.organisation)
    latest = _latest(session, algorithm)
    if _stored_record(record, algorithm.public_id) == latest.record:
        return algorithm
    number = algorithm.latest_version_number + 1
    _add_version(session, algorithm, number, record, principal)
    algorithm.latest_version_number = number
    algorithm.state = state.value
    algorithm.updated_at = utcnow()
    record_event(
        session,
        principal,
        "algorithm.edit",
        organisation_id=algorithm.organisation_id,
        algorithm_id=algorithm.id,
        version_number=number,
        summary=f"Saved version {number} of '{record.name}'",
    )
    _flush(session)
    return algorithm


def perform(
    session: Session,
    principal: Principal,
    public_id: str,
    action: Action,
    expected_lock_version: int | None = None,
    note: str | None = None,
) -> Algorithm:
    """Take a workflow step (submit, approve, publish, retract, …) with the role it needs."""
    return perform_steps(session, principal, public_id, [action], expected_lock_version, note)


def perform_steps(
    session: Session,
    principal: Principal,
    public_id: str,
    actions: Sequence[Action],
    expected_lock_version: int | None = None,
    note: str | None = None,
) -> Algorithm:
    """Take workflow steps in order as one change (such as submit, approve and publish).

    Each step needs its role and must be allowed from the state the step before left, and each
    is audited as if taken alone; the search index and the publication log follow the end result
    once. Raises when a step is not allowed; the caller's transaction then writes nothing.
    """
    algorithm = find_algorithm(session, public_id)
    _check_fresh(algorithm, expected_lock_version)
    was_public = is_public(algorithm)
    public_before = _public_view(algorithm)
    for action in actions:
        if action is Action.EDIT:
            raise Conflict("Editing stores a new version; use the edit operation instead.")
        principal.require(algorithm.organisation_id, RULES[action].role, f"{action.value} this algorithm")
        _take_step(session, principal, algorithm, action, note)
    _flush(session)
    if _public_view(algorithm) != public_before:  # submit and approve leave the index as it is
        refresh_search_entry(session, algorithm.id)
    if actions:
        _log_publication(
            session, algorithm, Action.PUBLISH if Action.PUBLISH in actions else actions[-1], was_public
        )
    return algorithm


def _take_step(
    session: Session, principal: Principal, algorithm: Algorithm, action: Action, note: str | None
) -> None:
    """Change the algorithm's state by one workflow step and audit it (not flushed)."""
    current = State(algorithm.state)
    before = State(algorithm.state_before_archive) if algorithm.state_before_archive else None
    new_state = next_state(current, action, before)
    now = utcnow()
    latest_number = algorithm.latest_version_number
    if action is Action.PUBLISH:
        latest = _latest(session, algorithm)
        if latest.published_at is None:  # a version keeps the date it was first published
            latest.published_at = now
            latest.published_by = principal.name
        algorithm.public_version_number = latest.number
        algorithm.retracted_at = None
    elif action is Action.RETRACT:
        if algorithm.public_version_number is None or algorithm.retracted_at is not None:
            raise Conflict("Nothing of this algorithm is public, so there is nothing to retract.")
        algorithm.retracted_at = now
    elif action is Action.ARCHIVE:
        algorithm.state_before_archive = current.value
        algorithm.archived_at = now
    elif action is Action.UNARCHIVE:
        algorithm.state_before_archive = None
        algorithm.archived_at = None
    algorithm.state = new_state.value
    algorithm.updated_at = now
    record_event(
        session,
        principal,
        f"algorithm.{action.value}",
        organisation_id=algorithm.organisation_id,
        algorithm_id=algorithm.id,
        version_number=latest_number,
        summary=f"{action.value}: {current.value} → {new_state.value}",
        detail={"note": note} if note else None,
    )


def _public_view(algorithm: Algorithm) -> int | None:
    """Return the number of the version the public sees, or ``None`` when nothing is public."""
    return algorithm.public_version_number if is_public(algorithm) else None


def _log_publication(session: Session, algorithm: Algorithm, action: Action, was_public: bool) -> None:
    """Append to the publication log when what the public sees changed."""
    now_public = is_public(algorithm)
    if now_public and (action is Action.PUBLISH or not was_public):
        public = get_published(session, algorithm.public_id)
        publication_log.append(session, algorithm, EntryKind.PUBLISHED, action.value, public.record)
    elif was_public and not now_public:
        publication_log.append(session, algorithm, EntryKind.WITHDRAWN, action.value, None)


def public_record_of(version: AlgorithmVersion) -> dict[str, Any]:
    """Return a stored version's record exactly as the public is served it."""
    return _public_record(version, version.algorithm.public_id)


def is_public(algorithm: Algorithm) -> bool:
    """Tell whether the public can see this algorithm now."""
    return (
        algorithm.public_version_number is not None
        and algorithm.retracted_at is None
        and algorithm.archived_at is None
    )


def _version_view(version: AlgorithmVersion) -> VersionView:
    return VersionView(
        number=version.number,
        record=version.record,
        created_at=version.created_at,
        created_by=version.created_by,
        published_at=version.published_at,
    )


def view(session: Session, principal: Principal, public_id: str) -> AlgorithmView:
    """Return the management view of an algorithm; any role in its organisation may read it."""
    algorithm = find_algorithm(session, public_id)
    if not principal.can(algorithm.organisation_id, Role.VIEWER):
        raise NotFound(f"There is no algorithm with id '{public_id}'.")
    return _algorithm_view(session, algorithm)


def _algorithm_view(session: Session, algorithm: Algorithm) -> AlgorithmView:
    return AlgorithmView(
        public_id=algorithm.public_id,
        organisation_code=algorithm.organisation.code,
        organisation_name=algorithm.organisation.name,
        state=State(algorithm.state),
        lock_version=algorithm.lock_version,
        latest=_version_view(_latest(session, algorithm)),
        public_version_number=algorithm.public_version_number,
        is_public=is_public(algorithm),
        allowed_actions=[a for a in allowed_actions(State(algorithm.state)) if a is not Action.EDIT],
        created_at=algorithm.created_at,
        updated_at=algorithm.updated_at,
    )


def list_for_organisation(
    session: Session, principal: Principal, organisation_code: str
) -> list[AlgorithmView]:
    """Return all algorithms of an organisation, with workflow state, for its own people."""
    organisation = get_organisation(session, organisation_code)
    principal.require(organisation.id, Role.VIEWER, "see this organisation's algorithms")
    algorithms = session.scalars(
        select(Algorithm).where(Algorithm.organisation_id == organisation.id).order_by(Algorithm.id)
    )
    return [_algorithm_view(session, algorithm) for algorithm in algorithms]


def versions(session: Session, principal: Principal, public_id: str) -> list[VersionView]:
    """Return every version of an algorithm, oldest first, for its organisation's people."""
    algorithm = find_algorithm(session, public_id)
    if not principal.can(algorithm.organisation_id, Role.VIEWER):
        raise NotFound(f"There is no algorithm with id '{public_id}'.")
    rows = session.scalars(
        select(AlgorithmVersion)
        .where(AlgorithmVersion.algorithm_id == algorithm.id)
        .order_by(AlgorithmVersion.number)
    )
    return [_version_view(v) for v in rows]


# --- the public side -------------------------------------------------------------------------


def _public_record(version: AlgorithmVersion, public_id: str) -> dict[str, Any]:
    record = dict(version.record)
    record["lars"] = public_id
    record["publication_dt"] = version.published_at.isoformat() if version.published_at else None
    return record


def _public_query() -> Any:
    return (
        select(Algorithm, AlgorithmVersion, Organisation)
        .join(
            AlgorithmVersion,
            (AlgorithmVersion.algorithm_id == Algorithm.id)
            & (AlgorithmVersion.number == Algorithm.public_version_number),
        )
        .join(Organisation, Organisation.id == Algorithm.organisation_id)
        .where(Algorithm.retracted_at.is_(None), Algorithm.archived_at.is_(None))
    )


def _public(algorithm: Algorithm, version: AlgorithmVersion, organisation: Organisation) -> PublicAlgorithm:
    assert version.published_at is not None
    return PublicAlgorithm(
        public_id=algorithm.public_id,
        organisation_code=organisation.code,
        organisation_name=organisation.name,
        version_number=version.number,
        published_at=version.published_at,
        record=_public_record(version, algorithm.public_id),
    )


#: The largest id a cursor may name (the largest value of an integer column).
MAX_ALGORITHM_ID = 2**31 - 1


def _storable_name(value: object) -> bool:
    """Whether ``value`` could be a stored name: text of at most 200 characters that a database takes."""
    if not isinstance(value, str) or len(value) > 200 or "\x00" in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class ListCursor:
    """Where a page of :func:`list_published` ended: the name and id of its last algorithm.

    Given back as ``after``, it asks for the algorithms that come after that one in the list's
    order, however many came before it; its :attr:`token` is the opaque text the API hands out.
    """

    name: str
    algorithm_id: int

    @property
    def token(self) -> str:
        """The cursor as URL-safe text."""
        data = json.dumps([self.name, self.algorithm_id], ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str, field: str = "after") -> "ListCursor":
        """Read a cursor from its :attr:`token`; :class:`InvalidInput` names ``field`` when it is not one."""
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        except (ValueError, UnicodeError):
            data = None
        if (
            isinstance(data, list)
            and len(data) == 2
            and _storable_name(data[0])
            and isinstance(data[1], int)
            and not isinstance(data[1], bool)
            and 0 < data[1] <= MAX_ALGORITHM_ID
        ):
            return cls(data[0], data[1])
        raise InvalidInput(
            [
                FieldProblem(
                    field,
                    f"is '{token[:40]}', which is not a cursor of this list; "
                    "give the next_after of the page before, or leave it out for the first page",
                )
            ]
        )


@dataclass(frozen=True)
class PublicPage:
    """One page of published algorithms, the total that matched, and the cursor of the next page.

    ``next_after`` is ``None`` on the last page.
    """

    items: list[PublicAlgorithm]
    total: int
    offset: int
    limit: int
    next_after: ListCursor | None = None


def list_published(
    session: Session,
    *,
    organisation_code: str | None = None,
    publication_category: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
    after: ListCursor | None = None,
) -> PublicPage:
    """Return published, visible algorithms (newest public versions only), filtered and paged.

    The order is by name, then by creation (id). ``after`` starts the page after the algorithm a
    previous page's ``next_after`` names, and ``offset`` then counts from there; ``total`` is
    always the number of all algorithms that match the filters.
    """
    # The search index holds exactly the public algorithms, one narrow row each, kept in the same
    # transaction as every workflow step; counting and ordering there avoids sorting whole records.
    conditions: list[Any] = []
    if organisation_code:
        wanted = select(Organisation.id).where(Organisation.code == organisation_code.lower())
        conditions.append(SearchEntry.organisation_id.in_(wanted.scalar_subquery()))
    if publication_category:
        conditions.append(SearchEntry.publication_category == publication_category)
    if status:
        conditions.append(SearchEntry.status == status)
    total = session.scalar(select(func.count()).select_from(SearchEntry).where(*conditions)) or 0
    ordered = select(SearchEntry.algorithm_id, SearchEntry.name).where(*conditions)
    if after is not None:
        position = tuple_(SearchEntry.name, SearchEntry.algorithm_id)
        ordered = ordered.where(position > tuple_(literal(after.name), literal(after.algorithm_id)))
    ordered = ordered.order_by(SearchEntry.name, SearchEntry.algorithm_id).offset(offset).limit(limit + 1)
    keys = session.execute(ordered).all()
    more, keys = len(keys) > limit, keys[:limit]
    rows = session.execute(_public_query().where(Algorithm.id.in_([key[0] for key in keys])))
    by_id = {row[0].id: row for row in rows}
    items = [_public(*by_id[key[0]]) for key in keys if key[0] in by_id]
    cursor = ListCursor(keys[-1][1], keys[-1][0]) if more and keys else None
    return PublicPage(items, total, offset, limit, cursor)


def get_published(session: Session, public_id: str) -> PublicAlgorithm:
    """Return the public version of an algorithm, or :class:`NotFound` when nothing is public."""
    row = session.execute(_public_query().where(Algorithm.public_id == public_id)).first()
    if row is None:
        raise NotFound(f"There is no published algorithm with id '{public_id}'.")
    return _public(*row)


def published_history(session: Session, public_id: str) -> list[PublicAlgorithm]:
    """Return every version that was ever published, oldest first, while the algorithm is public."""
    current = get_published(session, public_id)
    rows = session.execute(
        select(Algorithm, AlgorithmVersion, Organisation)
        .join(AlgorithmVersion, AlgorithmVersion.algorithm_id == Algorithm.id)
        .join(Organisation, Organisation.id == Algorithm.organisation_id)
        .where(
            Algorithm.public_id == public_id,
            AlgorithmVersion.published_at.is_not(None),
            AlgorithmVersion.number <= current.version_number,
        )
        .order_by(AlgorithmVersion.number)
    )
    return [_public(*row) for row in rows]


def published_version(session: Session, public_id: str, number: int) -> PublicAlgorithm:
    """Return one published version of a public algorithm by its number."""
    for item in published_history(session, public_id):
        if item.version_number == number:
            return item
    raise NotFound(f"Algorithm '{public_id}' has no published version {number}.")
