"""The inventory of uses of origin-related personal data, and their determination.

A use says which origin-related data (:class:`~.origin_common.DataKind`: nationality, country of
birth, parents' country of birth, migration background, origin inferred from names or language,
or other, described) an organisation uses in which algorithm of its register or which other named
system or process, for which purpose, on which legal basis it claims, and where the entry came
from: recorded by hand (``manual``), or proposed by the bias tool's origin scan of a data set
(``scan``, with the data set and column). A proposal is confirmed by a person (who then gives the
purpose) or dismissed; one column of one system is inventoried once, so a scan never proposes a
column that is in the inventory already (in any status).

A confirmed use is determined — lawful, unlawful or improper ("rechtmatig", "onrechtmatig",
"oneigenlijk") — with reasoning, who decided and when. A new determination never overwrites the
earlier ones: they stay as the use's history. An unlawful or improper determination opens the
use's remediation case (:mod:`.remediation`).

Who may do what is in :mod:`.origin_common`: editors (and higher) record and change uses; publishers
(and higher) determine; viewers and others see nothing. Every function runs in the caller's
transaction, completes whole or raises, and writes its change in the use's history and the audit log.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from algoreg.bias.origin import OriginScan
from algoreg.db.models import (
    Algorithm,
    AlgorithmVersion,
    Organisation,
    OriginDataUse,
    OriginDetermination,
    OriginInventoryEvent,
    utcnow,
)
from algoreg.errors import Conflict, FieldProblem, NotFound
from algoreg.inventory.origin_common import (
    DETERMINE_ROLE,
    READ_ROLE,
    WRITE_ROLE,
    DataKind,
    Determination,
    add_event,
    find_use,
    raise_problems,
    require,
    text_field,
)
from algoreg.inventory.origin_scan import proposals_from_scan
from algoreg.inventory.remediation import CaseView, case_views, ensure_case
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Principal

MAX_DETAIL_CHARS = 2000
MAX_SYSTEM_CHARS = 200
MAX_TEXT_CHARS = 10_000
MAX_DATASET_CHARS = 300
MAX_COLUMN_CHARS = 200
MAX_DECIDER_CHARS = 200

_SUMMARY = "The origin-data use was not stored."


class UseSource(StrEnum):
    """Where an entry came from: recorded by hand, or proposed by the origin scan of a data set."""

    MANUAL = "manual"
    SCAN = "scan"


class UseStatus(StrEnum):
    """Whether an entry is a proposal still to be confirmed, confirmed, or dismissed."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class RemediationFilter(StrEnum):
    """The remediation states the list filters on: no case, an open case, a closed case."""

    NONE = "none"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class UseIn:
    """What a person says about a use. ``algorithm`` is the public id of one of the organisation's
    algorithms; without it ``system_name`` names the system or process."""

    data_kind: str
    purpose: str = ""
    legal_basis: str = ""
    data_detail: str = ""
    algorithm: str | None = None
    system_name: str = ""
    dataset_name: str = ""
    column_name: str = ""


@dataclass(frozen=True)
class DeterminationIn:
    """A determination: the outcome, the reasoning, who decided and on which day."""

    outcome: str
    reasoning: str
    decided_by: str
    decided_on: date


@dataclass(frozen=True)
class DeterminationView:
    """One determination of a use, as recorded."""

    id: int
    outcome: Determination
    reasoning: str
    decided_by: str
    decided_on: date
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class UseView:
    """A use with its organisation, its determinations (newest first) and its remediation case."""

    id: int
    organisation_id: int
    organisation_code: str
    organisation_name: str
    data_kind: DataKind
    data_detail: str
    algorithm_public_id: str | None
    algorithm_name: str | None
    system_name: str
    purpose: str
    legal_basis: str
    source: UseSource
    dataset_name: str
    column_name: str
    scan_reasons: tuple[str, ...]
    status: UseStatus
    determinations: tuple[DeterminationView, ...]
    remediation: CaseView | None
    created_at: datetime
    created_by: str
    updated_at: datetime

    @property
    def determination(self) -> DeterminationView | None:
        """The current determination, if the use was determined."""
        return self.determinations[0] if self.determinations else None

    @property
    def system(self) -> str:
        """The algorithm's name, or the named system or process."""
        return self.algorithm_name or self.system_name


@dataclass(frozen=True)
class UseFilter:
    """Which uses to list: of one organisation, with a determination ("none": undetermined), a
    remediation state, a status. Empty values do not filter."""

    organisation_code: str | None = None
    determination: str | None = None
    remediation: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class UseTotals:
    """How many uses (not dismissed) there are, by determination, remediation state and status."""

    total: int
    by_determination: dict[str, int]
    by_remediation: dict[str, int]
    by_status: dict[str, int]


@dataclass(frozen=True)
class UseList:
    """The uses that matched, and the totals over all uses the filter's organisation scope holds."""

    items: list[UseView]
    totals: UseTotals


@dataclass(frozen=True)
class EventView:
    """One change of a use: who, when, which action and what changed."""

    id: int
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class SkippedColumn:
    """A flagged column that was not proposed, and why (it is in the inventory already)."""

    column: str
    use_id: int
    reason: str


@dataclass(frozen=True)
class ProposalOutcome:
    """What a scan proposed: the new proposals, and the columns skipped as already inventoried."""

    created: list[UseView]
    skipped: list[SkippedColumn]
    columns_checked: int


# --- checking input ---------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def column_key(column_name: str, algorithm_id: int | None, system_name: str) -> str | None:
    """The key that makes one column of one system unique in an organisation's inventory."""
    if not column_name.strip():
        return None
    system = f"a:{algorithm_id}" if algorithm_id is not None else f"s:{_fold(system_name)}"
    return f"{_fold(column_name)}|{system}"


@dataclass(frozen=True)
class _Checked:
    data_kind: DataKind
    data_detail: str
    algorithm_id: int | None
    system_name: str
    purpose: str
    legal_basis: str
    dataset_name: str
    column_name: str


def _check(session: Session, organisation_id: int, given: UseIn, *, purpose_required: bool) -> _Checked:
    problems: list[FieldProblem] = []
    kind: DataKind | None = None
    try:
        kind = DataKind(given.data_kind)
    except ValueError:
        problems.append(
            FieldProblem(
                "data_kind", f"{given.data_kind!r} is not a kind of data; use one of {', '.join(DataKind)}"
            )
        )
    detail = text_field(
        problems,
        "data_detail",
        given.data_detail,
        MAX_DETAIL_CHARS,
        required=kind is DataKind.OTHER,
        why=" for the kind 'other': say which data",
    )
    algorithm_id = None
    if given.algorithm is not None and given.algorithm.strip():
        algorithm = session.scalar(select(Algorithm).where(Algorithm.public_id == given.algorithm.strip()))
        if algorithm is None or algorithm.organisation_id != organisation_id:
            problems.append(
                FieldProblem(
                    "algorithm", f"{given.algorithm.strip()!r} is not an algorithm of this organisation"
                )
            )
        else:
            algorithm_id = algorithm.id
    system = text_field(
        problems,
        "system_name",
        given.system_name,
        MAX_SYSTEM_CHARS,
        required=algorithm_id is None and not (given.algorithm or "").strip(),
        why=" without an algorithm: name the system or process that uses the data",
    )
    purpose = text_field(
        problems,
        "purpose",
        given.purpose,
        MAX_TEXT_CHARS,
        required=purpose_required,
        why=": say what the data is used for",
    )
    legal_basis = text_field(problems, "legal_basis", given.legal_basis, MAX_TEXT_CHARS)
    dataset = text_field(problems, "dataset_name", given.dataset_name, MAX_DATASET_CHARS)
    column = text_field(problems, "column_name", given.column_name, MAX_COLUMN_CHARS)
    raise_problems(problems, _SUMMARY)
    assert kind is not None
    return _Checked(kind, detail, algorithm_id, system, purpose, legal_basis, dataset, column)


def _duplicate(
    session: Session, organisation_id: int, key: str | None, except_id: int | None = None
) -> OriginDataUse | None:
    if key is None:
        return None
    query = select(OriginDataUse).where(
        OriginDataUse.organisation_id == organisation_id, OriginDataUse.column_key == key
    )
    if except_id is not None:
        query = query.where(OriginDataUse.id != except_id)
    return session.scalar(query)


def _refuse_duplicate(
    session: Session, organisation_id: int, checked: _Checked, except_id: int | None = None
) -> str | None:
    key = column_key(checked.column_name, checked.algorithm_id, checked.system_name)
    other = _duplicate(session, organisation_id, key, except_id)
    if other is not None:
        raise Conflict(
            f"Column '{checked.column_name}' of this system is in the inventory already, as use {other.id}; "
            "change that use instead."
        )
    return key


def _organisation_for_writing(session: Session, principal: Principal, organisation_code: str) -> Organisation:
    try:
        organisation = get_organisation(session, organisation_code)
    except NotFound:
        raise NotFound(f"There is no organisation with code '{organisation_code}'.") from None
    if not principal.can(organisation.id, READ_ROLE):
        raise NotFound(f"There is no organisation with code '{organisation_code}'.")
    principal.require(organisation.id, WRITE_ROLE, "record uses of origin-related data")
    return organisation


def require_may_propose(session: Session, principal: Principal, organisation_code: str) -> None:
    """Raise unless ``principal`` may record uses in the organisation (before scanning a data set for it)."""
    _organisation_for_writing(session, principal, organisation_code)


# --- writing ----------------------------------------------------------------------------------------


def create_use(session: Session, principal: Principal, organisation_code: str, given: UseIn) -> UseView:
    """Record a use by hand, confirmed at once (editor role); the purpose is required.

    Problems raise :class:`InvalidInput` by field; a column of a system that is in the inventory
    already raises :class:`Conflict`. Organisations the principal cannot read do not exist for it.
    """
    organisation = _organisation_for_writing(session, principal, organisation_code)
    checked = _check(session, organisation.id, given, purpose_required=True)
    key = _refuse_duplicate(session, organisation.id, checked)
    use = _new_use(principal, organisation.id, checked, key, UseSource.MANUAL, UseStatus.CONFIRMED, ())
    session.add(use)
    try:
        session.flush()
    except IntegrityError:  # recorded at the same moment by someone else
        raise Conflict(
            f"Column '{checked.column_name}' of this system was just inventoried by someone else."
        ) from None
    add_event(session, principal, use, "create", _snapshot(use), f"Recorded origin-data use {use.id}")
    return get_use(session, principal, use.id)


def _new_use(
    principal: Principal,
    organisation_id: int,
    checked: _Checked,
    key: str | None,
    source: UseSource,
    status: UseStatus,
    reasons: tuple[str, ...],
) -> OriginDataUse:
    now = utcnow()
    return OriginDataUse(
        organisation_id=organisation_id,
        data_kind=checked.data_kind.value,
        data_detail=checked.data_detail,
        algorithm_id=checked.algorithm_id,
        system_name=checked.system_name,
        purpose=checked.purpose,
        legal_basis=checked.legal_basis,
        source=source.value,
        dataset_name=checked.dataset_name,
        column_name=checked.column_name,
        column_key=key,
        scan_reasons=list(reasons),
        status=status.value,
        created_at=now,
        created_by=principal.name,
        updated_at=now,
    )


_EDITABLE = (
    "data_kind",
    "data_detail",
    "algorithm_id",
    "system_name",
    "purpose",
    "legal_basis",
    "dataset_name",
    "column_name",
)


def _snapshot(use: OriginDataUse) -> dict[str, Any]:
    return {name: getattr(use, name) for name in (*_EDITABLE, "source", "status")}


def update_use(session: Session, principal: Principal, use_id: int, given: UseIn) -> UseView:
    """Change what a use says (editor role); a confirmed use keeps a required purpose.

    The history records each changed field as [before, after]; an unchanged use is not recorded.
    A dismissed use cannot be changed (:class:`Conflict`).
    """
    use = find_use(session, principal, use_id)
    require(principal, use, WRITE_ROLE, "change uses of origin-related data")
    if use.status == UseStatus.DISMISSED:
        raise Conflict("A dismissed proposal cannot be changed.")
    checked = _check(session, use.organisation_id, given, purpose_required=use.status == UseStatus.CONFIRMED)
    key = _refuse_duplicate(session, use.organisation_id, checked, except_id=use.id)
    changes = _apply(use, checked, key)
    if changes:
        add_event(session, principal, use, "update", changes, f"Changed origin-data use {use.id}")
    return get_use(session, principal, use.id)


def _apply(use: OriginDataUse, checked: _Checked, key: str | None) -> dict[str, Any]:
    new = {
        "data_kind": checked.data_kind.value,
        "data_detail": checked.data_detail,
        "algorithm_id": checked.algorithm_id,
        "system_name": checked.system_name,
        "purpose": checked.purpose,
        "legal_basis": checked.legal_basis,
        "dataset_name": checked.dataset_name,
        "column_name": checked.column_name,
    }
    changes = {
        name: [getattr(use, name), value] for name, value in new.items() if getattr(use, name) != value
    }
    for name in changes:
        setattr(use, name, new[name])
    use.column_key = key
    return changes


def confirm_use(session: Session, principal: Principal, use_id: int, given: UseIn | None = None) -> UseView:
    """Confirm a proposal (editor role), with corrections when given; a purpose is then required.

    A use that is not a proposal raises :class:`Conflict`.
    """
    use = find_use(session, principal, use_id)
    require(principal, use, WRITE_ROLE, "confirm proposed uses of origin-related data")
    if use.status != UseStatus.PROPOSED:
        raise Conflict(f"Only a proposal can be confirmed; this use is {use.status}.")
    current = given or UseIn(
        data_kind=use.data_kind,
        purpose=use.purpose,
        legal_basis=use.legal_basis,
        data_detail=use.data_detail,
        algorithm=use.algorithm.public_id if use.algorithm is not None else None,
        system_name=use.system_name,
        dataset_name=use.dataset_name,
        column_name=use.column_name,
    )
    checked = _check(session, use.organisation_id, current, purpose_required=True)
    key = _refuse_duplicate(session, use.organisation_id, checked, except_id=use.id)
    changes = _apply(use, checked, key)
    use.status = UseStatus.CONFIRMED.value
    changes["status"] = [UseStatus.PROPOSED.value, UseStatus.CONFIRMED.value]
    add_event(session, principal, use, "confirm", changes, f"Confirmed proposed origin-data use {use.id}")
    return get_use(session, principal, use.id)


def dismiss_use(session: Session, principal: Principal, use_id: int, reason: str) -> UseView:
    """Dismiss a proposal with a reason (editor role): it stays, so that the column is not proposed again."""
    use = find_use(session, principal, use_id)
    require(principal, use, WRITE_ROLE, "dismiss proposed uses of origin-related data")
    problems: list[FieldProblem] = []
    why = text_field(
        problems, "reason", reason, MAX_TEXT_CHARS, required=True, why=": say why it is dismissed"
    )
    raise_problems(problems, "The proposal was not dismissed.")
    if use.status != UseStatus.PROPOSED:
        raise Conflict(f"Only a proposal can be dismissed; this use is {use.status}.")
    use.status = UseStatus.DISMISSED.value
    add_event(
        session,
        principal,
        use,
        "dismiss",
        {"status": [UseStatus.PROPOSED.value, UseStatus.DISMISSED.value], "reason": why},
        f"Dismissed proposed origin-data use {use.id}",
    )
    return get_use(session, principal, use.id)


def determine_use(
    session: Session, principal: Principal, use_id: int, given: DeterminationIn, *, today: date | None = None
) -> UseView:
    """Record a determination of a confirmed use (publisher role); earlier ones stay as its history.

    The reasoning and who decided are required, the day may not lie in the future; problems raise
    :class:`InvalidInput`. Editors are refused (:class:`~algoreg.errors.Forbidden`); a use that is
    not confirmed raises :class:`Conflict`. An unlawful or improper outcome opens the use's
    remediation case if it has none.
    """
    use = find_use(session, principal, use_id)
    require(principal, use, DETERMINE_ROLE, "determine whether a use of origin-related data is lawful")
    if use.status != UseStatus.CONFIRMED:
        raise Conflict(f"Only a confirmed use can be determined; this use is {use.status}. Confirm it first.")
    problems: list[FieldProblem] = []
    outcome: Determination | None = None
    try:
        outcome = Determination(given.outcome)
    except ValueError:
        problems.append(
            FieldProblem(
                "outcome", f"{given.outcome!r} is not a determination; use one of {', '.join(Determination)}"
            )
        )
    reasoning = text_field(
        problems,
        "reasoning",
        given.reasoning,
        MAX_TEXT_CHARS,
        required=True,
        why=": say why, with the rules applied",
    )
    decided_by = text_field(
        problems, "decided_by", given.decided_by, MAX_DECIDER_CHARS, required=True, why=": say who decided"
    )
    if given.decided_on > (today or date.today()):
        problems.append(FieldProblem("decided_on", f"{given.decided_on.isoformat()} lies in the future"))
    raise_problems(problems, "The determination was not stored.")
    assert outcome is not None
    before = use.determination
    session.add(
        OriginDetermination(
            use_id=use.id,
            outcome=outcome.value,
            reasoning=reasoning,
            decided_by=decided_by,
            decided_on=given.decided_on,
            recorded_at=utcnow(),
            recorded_by=principal.name,
        )
    )
    use.determination = outcome.value
    add_event(
        session,
        principal,
        use,
        "determine",
        {"determination": [before, outcome.value], "decided_by": decided_by, "decided_on": given.decided_on},
        f"Determined origin-data use {use.id}: {outcome.value}",
    )
    if outcome.needs_remediation:
        ensure_case(session, principal, use)
    return get_use(session, principal, use.id)


def propose_from_scan(
    session: Session,
    principal: Principal,
    organisation_code: str,
    scan: OriginScan,
    *,
    dataset_name: str,
    algorithm: str | None = None,
    system_name: str = "",
) -> ProposalOutcome:
    """Store a proposal for every column the origin scan flagged (editor role), for one system.

    The system is the organisation's algorithm ``algorithm`` (a public id) or ``system_name``. A
    column of that system already in the inventory, in any status, is skipped and reported, so that
    running the scan again never duplicates an entry. Proposals wait for a person to confirm them.
    """
    organisation = _organisation_for_writing(session, principal, organisation_code)
    system = UseIn(
        data_kind=DataKind.OTHER.value, data_detail="-", algorithm=algorithm, system_name=system_name
    )
    _check(session, organisation.id, system, purpose_required=False)
    created: list[int] = []
    skipped: list[SkippedColumn] = []
    seen: set[str] = set()
    for proposal in proposals_from_scan(scan):
        given = UseIn(
            data_kind=proposal.kind.value,
            data_detail=proposal.detail,
            algorithm=algorithm,
            system_name=system_name,
            dataset_name=dataset_name,
            column_name=proposal.column,
        )
        checked = _check(session, organisation.id, given, purpose_required=False)
        key = column_key(checked.column_name, checked.algorithm_id, checked.system_name)
        other = _duplicate(session, organisation.id, key)
        if other is not None or (key is not None and key in seen):
            use_id = other.id if other is not None else 0
            skipped.append(
                SkippedColumn(
                    proposal.column, use_id, "this column of this system is in the inventory already"
                )
            )
            continue
        if key is not None:
            seen.add(key)
        use = _new_use(
            principal, organisation.id, checked, key, UseSource.SCAN, UseStatus.PROPOSED, proposal.reasons
        )
        session.add(use)
        session.flush()
        add_event(
            session,
            principal,
            use,
            "propose",
            {**_snapshot(use), "reasons": list(proposal.reasons)},
            f"Origin scan proposed origin-data use {use.id}",
        )
        created.append(use.id)
    views = _views(session, select(OriginDataUse).where(OriginDataUse.id.in_(created))) if created else []
    return ProposalOutcome(created=views, skipped=skipped, columns_checked=len(scan.columns))


# --- reading ----------------------------------------------------------------------------------------


def get_use(session: Session, principal: Principal | None, use_id: int) -> UseView:
    """One use with its determinations and remediation, if the principal may read it; else NotFound."""
    find_use(session, principal, use_id)
    return _views(session, select(OriginDataUse).where(OriginDataUse.id == use_id))[0]


def use_history(session: Session, principal: Principal | None, use_id: int) -> list[EventView]:
    """Every change of the use and its remediation, oldest first."""
    use = find_use(session, principal, use_id)
    rows = session.scalars(
        select(OriginInventoryEvent)
        .where(OriginInventoryEvent.use_id == use.id)
        .order_by(OriginInventoryEvent.id)
    )
    return [EventView(row.id, row.at, row.actor, row.action, dict(row.changes)) for row in rows]


def readable_organisations(session: Session, principal: Principal) -> list[Organisation]:
    """The organisations whose inventory ``principal`` may read, by name (all of them for superusers)."""
    query = select(Organisation).order_by(Organisation.name, Organisation.code)
    if not principal.is_superuser:
        ids = [org_id for org_id in principal.roles if principal.can(org_id, READ_ROLE)]
        query = query.where(Organisation.id.in_(ids))
    return list(session.scalars(query))


def list_uses(session: Session, principal: Principal, where: UseFilter = UseFilter()) -> UseList:
    """The uses ``principal`` may read, newest first, filtered; totals over the organisation scope.

    An organisation code the principal may not read (or that does not exist) is :class:`NotFound`;
    an unknown determination, remediation state or status raises :class:`InvalidInput`. Totals leave
    dismissed proposals out.
    """
    organisations = readable_organisations(session, principal)
    ids = [organisation.id for organisation in organisations]
    if where.organisation_code:
        chosen = [o.id for o in organisations if o.code == where.organisation_code.strip().lower()]
        if not chosen:
            raise NotFound(f"There is no organisation with code '{where.organisation_code}'.")
        ids = chosen
    problems: list[FieldProblem] = []
    allowed = {
        "determination": [*Determination, "none"],
        "remediation": list(RemediationFilter),
        "status": list(UseStatus),
    }
    for name, values in allowed.items():
        value = getattr(where, name)
        if value and value not in values:
            problems.append(FieldProblem(name, f"{value!r} is not allowed; use one of {', '.join(values)}"))
    raise_problems(problems, "The origin-data uses cannot be listed.")
    scope = select(OriginDataUse).where(OriginDataUse.organisation_id.in_(ids))
    everything = _views(session, scope.order_by(OriginDataUse.created_at.desc(), OriginDataUse.id.desc()))
    items = [view for view in everything if _matches(view, where)]
    counted = [view for view in everything if view.status is not UseStatus.DISMISSED]
    totals = UseTotals(
        total=len(counted),
        by_determination=dict(
            Counter(view.determination.outcome.value if view.determination else "none" for view in counted)
        ),
        by_remediation=dict(Counter(_remediation_state(view) for view in counted)),
        by_status=dict(Counter(view.status.value for view in everything)),
    )
    return UseList(items=items, totals=totals)


def _remediation_state(view: UseView) -> str:
    return view.remediation.state.value if view.remediation is not None else RemediationFilter.NONE.value


def _matches(view: UseView, where: UseFilter) -> bool:
    if where.determination:
        current = view.determination.outcome.value if view.determination else "none"
        if current != where.determination:
            return False
    if where.remediation and _remediation_state(view) != where.remediation:
        return False
    return not (where.status and view.status.value != where.status)


def _views(session: Session, query: Select[OriginDataUse]) -> list[UseView]:
    uses = list(session.scalars(query))
    if not uses:
        return []
    ids = [use.id for use in uses]
    determinations: dict[int, list[DeterminationView]] = {}
    rows = session.scalars(
        select(OriginDetermination)
        .where(OriginDetermination.use_id.in_(ids))
        .order_by(OriginDetermination.id.desc())
    )
    for row in rows:
        determinations.setdefault(row.use_id, []).append(
            DeterminationView(
                id=row.id,
                outcome=Determination(row.outcome),
                reasoning=row.reasoning,
                decided_by=row.decided_by,
                decided_on=row.decided_on,
                recorded_at=row.recorded_at,
                recorded_by=row.recorded_by,
            )
        )
    cases = case_views(session, ids)
    organisations = {
        o.id: o
        for o in session.scalars(
            select(Organisation).where(Organisation.id.in_({u.organisation_id for u in uses}))
        )
    }
    names = _algorithm_names(session, {use.algorithm_id for use in uses if use.algorithm_id is not None})
    return [
        UseView(
            id=use.id,
            organisation_id=use.organisation_id,
            organisation_code=organisations[use.organisation_id].code,
            organisation_name=organisations[use.organisation_id].name,
            data_kind=DataKind(use.data_kind),
            data_detail=use.data_detail,
            algorithm_public_id=names[use.algorithm_id][0] if use.algorithm_id in names else None,
            algorithm_name=names[use.algorithm_id][1] if use.algorithm_id in names else None,
            system_name=use.system_name,
            purpose=use.purpose,
            legal_basis=use.legal_basis,
            source=UseSource(use.source),
            dataset_name=use.dataset_name,
            column_name=use.column_name,
            scan_reasons=tuple(use.scan_reasons or ()),
            status=UseStatus(use.status),
            determinations=tuple(determinations.get(use.id, ())),
            remediation=cases.get(use.id),
            created_at=use.created_at,
            created_by=use.created_by,
            updated_at=use.updated_at,
        )
        for use in uses
    ]


def _algorithm_names(session: Session, algorithm_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Public id and newest version's name of each algorithm."""
    ids = list(algorithm_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Algorithm.id, Algorithm.public_id, AlgorithmVersion.name)
        .join(AlgorithmVersion, AlgorithmVersion.algorithm_id == Algorithm.id)
        .where(Algorithm.id.in_(ids), AlgorithmVersion.number == Algorithm.latest_version_number)
    )
    return {algorithm_id: (public_id, name) for algorithm_id, public_id, name in rows}


def algorithm_choices(
    session: Session, principal: Principal, organisation_code: str
) -> list[tuple[str, str]]:
    """Public id and newest name of each algorithm of an organisation whose inventory ``principal`` reads."""
    organisation = get_organisation(session, organisation_code)
    if not principal.can(organisation.id, READ_ROLE):
        raise NotFound(f"There is no organisation with code '{organisation_code}'.")
    rows = session.execute(
        select(Algorithm.public_id, AlgorithmVersion.name)
        .join(AlgorithmVersion, AlgorithmVersion.algorithm_id == Algorithm.id)
        .where(
            Algorithm.organisation_id == organisation.id,
            AlgorithmVersion.number == Algorithm.latest_version_number,
        )
        .order_by(AlgorithmVersion.name, Algorithm.public_id)
    )
    return [(public_id, name) for public_id, name in rows]


__all__ = [
    "DeterminationIn",
    "DeterminationView",
    "EventView",
    "ProposalOutcome",
    "RemediationFilter",
    "SkippedColumn",
    "UseFilter",
    "UseIn",
    "UseList",
    "UseSource",
    "UseStatus",
    "UseTotals",
    "UseView",
    "algorithm_choices",
    "column_key",
    "confirm_use",
    "create_use",
    "determine_use",
    "dismiss_use",
    "get_use",
    "list_uses",
    "propose_from_scan",
    "readable_organisations",
    "require_may_propose",
    "update_use",
    "use_history",
]
