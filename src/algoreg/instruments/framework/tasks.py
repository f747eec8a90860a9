"""Framework tasks: per algorithm, one task per measure that follows from its AI Act profile.

Refreshing (:func:`refresh_tasks`) reads the algorithm's current AI Act profile, derives the
applicable requirements and their measures with the framework's rule
(:func:`~.applicability.plan_for_profile`) and brings the tasks in line: a task is created for every
measure that follows and has none yet, and for every own measure of the organisation
(:mod:`.own_measures`); a task whose measure no longer follows is kept, with its status, people,
evidence and history, and marked out of scope (``in_scope`` false); it comes back in scope when the
measure follows again. Tasks are never deleted.

The profile the rule is applied to is the decision aid's outcome in the task registry's vocabulary
(:func:`~algoreg.instruments.decision_tree.profile.to_task_registry_profile`) plus one attribute the
tree does not ask about: the type "impactvol algoritme" or "niet-impactvol algoritme", read from the
publication category of the algorithm's newest version in the register ("Impactvolle algoritmes" or
"Overige algoritmes"; the organisation's own choice, see the Handreiking Algoritmeregister).

A task's status is one of ``todo``, ``in_progress``, ``done`` and ``not_applicable``;
``not_applicable`` needs a reason. Its people (responsible, reviewer, accountable) are active user
accounts with a role in the algorithm's organisation.

Who may do what, by role in the algorithm's organisation: editors (and higher) refresh and change
tasks; viewers read them; anyone else is refused (:class:`~algoreg.errors.Forbidden`). Every change is
recorded in the task's own history (:class:`~algoreg.db.models.FrameworkTaskEvent`) and in the audit
log. Every function runs in the caller's transaction and completes whole or raises.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from algoreg.db.models import (
    AiActProfileRecord,
    Algorithm,
    AlgorithmVersion,
    FrameworkTask,
    FrameworkTaskEvent,
    FrameworkTaskEvidence,
    Membership,
    OwnMeasure,
    User,
    utcnow,
)
from algoreg.errors import Conflict, FieldProblem, InvalidInput, NotFound
from algoreg.instruments.decision_tree.profile import AIActProfile, to_task_registry_profile
from algoreg.instruments.framework.applicability import FrameworkPlan, plan_for_profile
from algoreg.instruments.framework.definitions import current_framework
from algoreg.instruments.framework.model import Framework
from algoreg.register.algorithms import find_algorithm
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal, Role
from algoreg.standard.enums import PublicationCategory

__all__ = [
    "MAX_REASON_CHARS",
    "UNCHANGED",
    "PersonRef",
    "RefreshResult",
    "TaskChange",
    "TaskEventView",
    "TaskStatus",
    "TaskView",
    "list_tasks",
    "refresh_tasks",
    "registry_profile",
    "task_history",
    "task_people",
    "update_task",
]

#: Longest reason for "not applicable" (characters).
MAX_REASON_CHARS = 2000


class TaskStatus(StrEnum):
    """Where a task stands; the values are those of the audit readiness (:mod:`.audit`)."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"


class PersonField(StrEnum):
    """The people of a task."""

    RESPONSIBLE = "responsible"
    REVIEWER = "reviewer"
    ACCOUNTABLE = "accountable"


_PERSON_COLUMN = {
    PersonField.RESPONSIBLE: "responsible_user_id",
    PersonField.REVIEWER: "reviewer_user_id",
    PersonField.ACCOUNTABLE: "accountable_user_id",
}


class _Unchanged:
    """The value of a :class:`TaskChange` field that is to stay as it is."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


@dataclass(frozen=True)
class TaskChange:
    """What to change in a task; fields left :data:`UNCHANGED` stay, ``None`` clears a person.

    ``reason`` is required with ``status`` ``not_applicable`` (and kept only then).
    """

    status: str = UNCHANGED
    reason: str | None = UNCHANGED
    responsible: int | None = UNCHANGED
    reviewer: int | None = UNCHANGED
    accountable: int | None = UNCHANGED


@dataclass(frozen=True)
class PersonRef:
    """A person on a task."""

    id: int
    username: str
    display_name: str


@dataclass(frozen=True)
class TaskView:
    """A task as lists and pages show it, with its measure's name and link from the framework."""

    id: int
    algorithm_public_id: str
    source: str  # "framework" or "own"
    measure_id: str | None
    own_measure_id: int | None
    code: str
    name: str
    url: str | None
    phases: tuple[str, ...]
    requirement_ids: tuple[str, ...]
    in_scope: bool
    status: TaskStatus
    reason: str | None
    responsible: PersonRef | None
    reviewer: PersonRef | None
    accountable: PersonRef | None
    evidence_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TaskEventView:
    """One change of a task."""

    id: int
    at: datetime
    actor: str
    action: str
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh did: tasks created, brought back in scope, taken out of scope, and the total."""

    created: int
    back_in_scope: int
    out_of_scope: int
    in_scope_total: int
    framework_version: str


# --- access -------------------------------------------------------------------------------------


def algorithm_for(
    session: Session, principal: Principal, public_id: str, needed: Role, doing: str
) -> Algorithm:
    """The algorithm with ``public_id``, if ``principal`` holds ``needed`` in its organisation.

    :class:`NotFound` for an unknown id, :class:`~algoreg.errors.Forbidden` for too low a role.
    """
    algorithm = find_algorithm(session, public_id)
    principal.require(algorithm.organisation_id, needed, doing)
    return algorithm


def _task(session: Session, algorithm: Algorithm, task_id: int) -> FrameworkTask:
    task = session.get(FrameworkTask, task_id)
    if task is None or task.algorithm_id != algorithm.id:
        raise NotFound(f"Algorithm '{algorithm.public_id}' has no framework task {task_id}.")
    return task


def add_event(
    session: Session, task: FrameworkTask, principal: Principal, action: str, changes: Mapping[str, Any]
) -> None:
    """Append one entry to the task's history."""
    session.add(
        FrameworkTaskEvent(
            task_id=task.id, at=utcnow(), actor=principal.name, action=action, changes=dict(changes)
        )
    )


# --- the profile the rule reads -----------------------------------------------------------------

_TYPE_OF_CATEGORY = {
    PublicationCategory.IMPACTFUL.value: "impactvol algoritme",
    PublicationCategory.OTHER.value: "niet-impactvol algoritme",
}


def registry_profile(profile: AIActProfile, registered_category: str | None) -> dict[str, list[str]]:
    """The task registry's profile for an algorithm: the decision aid's outcome, plus the type that the
    register's publication category gives ("impactvol algoritme" / "niet-impactvol algoritme")."""
    shaped = to_task_registry_profile(profile)
    extra = _TYPE_OF_CATEGORY.get(registered_category or "")
    if extra is not None and extra not in shaped["type"]:
        shaped["type"] = [*shaped["type"], extra]
    return shaped


def _registered_category(session: Session, algorithm: Algorithm) -> str | None:
    return session.scalar(
        select(AlgorithmVersion.publication_category).where(
            AlgorithmVersion.algorithm_id == algorithm.id,
            AlgorithmVersion.number == algorithm.latest_version_number,
        )
    )


def current_profile_row(session: Session, algorithm: Algorithm) -> AiActProfileRecord | None:
    """The algorithm's newest AI Act profile row, or None."""
    return session.scalar(
        select(AiActProfileRecord)
        .where(AiActProfileRecord.algorithm_id == algorithm.id)
        .order_by(AiActProfileRecord.id.desc())
        .limit(1)
    )


def plan_for_algorithm(session: Session, algorithm: Algorithm, framework: Framework) -> FrameworkPlan:
    """The applicable requirements and measures for the algorithm's current profile.

    :class:`Conflict` when no AI Act profile has been recorded for it yet.
    """
    row = current_profile_row(session, algorithm)
    if row is None:
        raise Conflict(
            f"Algorithm '{algorithm.public_id}' has no AI Act profile yet; record one with the decision aid "
            "before its framework tasks can be derived."
        )
    profile = AIActProfile.model_validate(row.profile)
    return plan_for_profile(framework, registry_profile(profile, _registered_category(session, algorithm)))


# --- refresh ------------------------------------------------------------------------------------


def refresh_tasks(session: Session, principal: Principal, public_id: str) -> RefreshResult:
    """Bring the algorithm's tasks in line with its current profile and the current framework.

    Needs the editor role; :class:`Conflict` without a profile, :class:`~.definitions.NotImported`
    without a framework. See the module docstring for what changes. Audited as
    ``framework_task.refresh`` (one entry with the counts), each task's change in its history.
    """
    algorithm = algorithm_for(session, principal, public_id, Role.EDITOR, "refresh the framework tasks")
    return refresh_algorithm_tasks(session, principal, algorithm)


def refresh_algorithm_tasks(session: Session, principal: Principal, algorithm: Algorithm) -> RefreshResult:
    """:func:`refresh_tasks` for an algorithm already found and authorised.

    Two refreshes of one algorithm at the same moment cannot both create its tasks: the later one
    raises :class:`Conflict` (try again) and changes nothing.
    """
    try:
        return _refresh(session, principal, algorithm)
    except IntegrityError:
        raise Conflict(
            f"The framework tasks of algorithm '{algorithm.public_id}' were being refreshed at the same "
            "time; nothing was changed, try again."
        ) from None


def _refresh(session: Session, principal: Principal, algorithm: Algorithm) -> RefreshResult:
    current = current_framework(session)
    plan = plan_for_algorithm(session, algorithm, current.framework)
    wanted: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for phase in plan.phases:
        for entry in phase.measures:
            phases, requirements = wanted.get(entry.measure_id, ((), ()))
            wanted[entry.measure_id] = (
                (*phases, phase.phase) if phase.phase is not None else phases,
                tuple(dict.fromkeys((*requirements, *entry.requirement_ids))),
            )
    tasks = list(session.scalars(select(FrameworkTask).where(FrameworkTask.algorithm_id == algorithm.id)))
    by_measure = {task.measure_id: task for task in tasks if task.measure_id is not None}
    by_own = {task.own_measure_id: task for task in tasks if task.own_measure_id is not None}
    now = utcnow()
    created = back = out = 0
    for measure_id, (phases, requirement_ids) in wanted.items():
        task = by_measure.get(measure_id)
        if task is None:
            task = _new_task(session, principal, algorithm, now, measure_id=measure_id)
            task.phases, task.requirement_ids = list(phases), list(requirement_ids)
            created += 1
            continue
        changes: dict[str, Any] = {}
        if not task.in_scope:
            task.in_scope = True
            changes["in_scope"] = [False, True]
            back += 1
        if list(requirement_ids) != list(task.requirement_ids) or list(phases) != list(task.phases):
            changes["requirement_ids"] = [list(task.requirement_ids), list(requirement_ids)]
            task.phases, task.requirement_ids = list(phases), list(requirement_ids)
        if changes:
            task.updated_at = now
            add_event(session, task, principal, "refresh", changes)
    for measure_id, task in by_measure.items():
        if measure_id not in wanted and task.in_scope:
            task.in_scope = False
            task.updated_at = now
            add_event(session, task, principal, "refresh", {"in_scope": [True, False]})
            out += 1
    own = session.scalars(select(OwnMeasure).where(OwnMeasure.organisation_id == algorithm.organisation_id))
    for measure in own:
        if measure.id not in by_own:
            task = _new_task(session, principal, algorithm, now, own_measure_id=measure.id)
            task.phases = list(measure.phases)
            created += 1
    session.flush()
    total = session.scalar(
        select(func.count())
        .select_from(FrameworkTask)
        .where(FrameworkTask.algorithm_id == algorithm.id, FrameworkTask.in_scope.is_(True))
    )
    result = RefreshResult(created, back, out, int(total or 0), current.version)
    record_event(
        session,
        principal,
        "framework_task.refresh",
        organisation_id=algorithm.organisation_id,
        algorithm_id=algorithm.id,
        summary=f"Refreshed framework tasks: {created} new, {back} back in scope, {out} out of scope",
        detail={
            "created": created,
            "back_in_scope": back,
            "out_of_scope": out,
            "framework_digest": current.digest,
        },
    )
    session.flush()
    return result


def _new_task(
    session: Session,
    principal: Principal,
    algorithm: Algorithm,
    now: datetime,
    *,
    measure_id: str | None = None,
    own_measure_id: int | None = None,
) -> FrameworkTask:
    task = FrameworkTask(
        algorithm_id=algorithm.id,
        measure_id=measure_id,
        own_measure_id=own_measure_id,
        phases=[],
        requirement_ids=[],
        in_scope=True,
        status=TaskStatus.TODO.value,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    add_event(
        session,
        task,
        principal,
        "create",
        {"measure_id": measure_id} if measure_id is not None else {"own_measure_id": own_measure_id},
    )
    return task


# --- changing a task ----------------------------------------------------------------------------


def _person(
    session: Session, algorithm: Algorithm, field: str, user_id: Any
) -> tuple[int | None, list[FieldProblem]]:
    if user_id is None:
        return None, []
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None, [FieldProblem(field, f"must be a user id (a whole number) or null; got {user_id!r}")]
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None, [FieldProblem(field, f"there is no active user with id {user_id}")]
    member = session.scalar(
        select(Membership.id).where(
            Membership.user_id == user_id, Membership.organisation_id == algorithm.organisation_id
        )
    )
    if member is None:
        return None, [
            FieldProblem(field, f"user {user.username!r} has no role in the algorithm's organisation")
        ]
    return user_id, []


def update_task(
    session: Session, principal: Principal, public_id: str, task_id: int, change: TaskChange
) -> TaskView:
    """Change a task's status and people; needs the editor role.

    Every problem is raised together as :class:`InvalidInput` naming the field: an unknown status
    (the allowed ones are listed), ``not_applicable`` without a reason (or one over
    :data:`MAX_REASON_CHARS`), a reason with another status, a person who is no active user of the
    organisation. A change to the same values records nothing. Audited as ``framework_task.update``.
    """
    algorithm = algorithm_for(session, principal, public_id, Role.EDITOR, "change framework tasks")
    task = _task(session, algorithm, task_id)
    problems: list[FieldProblem] = []
    status = task.status
    if change.status is not UNCHANGED:
        allowed = [item.value for item in TaskStatus]
        if change.status not in allowed:
            problems.append(FieldProblem("status", f"{change.status!r} is not one of {', '.join(allowed)}"))
        else:
            status = change.status
    given = change.reason
    if given is not UNCHANGED and given is not None and not isinstance(given, str):
        problems.append(FieldProblem("reason", f"must be a text or null; got {given!r}"))
        given = None
    reason = task.reason if given is UNCHANGED else (" ".join(given.split()) if given else None)
    if status == TaskStatus.NOT_APPLICABLE.value:
        if not reason:
            problems.append(
                FieldProblem(
                    "reason",
                    "is required when the status is not_applicable; say why the measure does not apply",
                )
            )
        elif len(reason) > MAX_REASON_CHARS:
            problems.append(
                FieldProblem(
                    "reason", f"is {len(reason)} characters long; at most {MAX_REASON_CHARS} are allowed"
                )
            )
    else:
        if given is not UNCHANGED and reason:
            problems.append(
                FieldProblem("reason", "is only kept with the status not_applicable; leave it out or null")
            )
        reason = None
    people: dict[PersonField, int | None] = {}
    for field in PersonField:
        value = getattr(change, field.value)
        if value is UNCHANGED:
            continue
        checked, found = _person(session, algorithm, field.value, value)
        problems += found
        people[field] = checked
    if problems:
        raise InvalidInput(problems=problems, summary="The framework task was not changed.")
    changes: dict[str, Any] = {}
    if status != task.status:
        changes["status"] = [task.status, status]
        task.status = status
    if reason != task.reason:
        changes["reason"] = [task.reason, reason]
        task.reason = reason
    for field, user_id in people.items():
        column = _PERSON_COLUMN[field]
        if getattr(task, column) != user_id:
            changes[field.value] = [getattr(task, column), user_id]
            setattr(task, column, user_id)
    if changes:
        task.updated_at = utcnow()
        add_event(session, task, principal, "update", changes)
        record_event(
            session,
            principal,
            "framework_task.update",
            organisation_id=algorithm.organisation_id,
            algorithm_id=algorithm.id,
            summary=f"Changed framework task {task.id} ({task.measure_id or 'own measure'}): "
            + ", ".join(changes),
            detail={"task_id": task.id, "changes": changes},
        )
        session.flush()
    return _views(session, algorithm, [task])[0]


# --- reading ------------------------------------------------------------------------------------


def list_tasks(
    session: Session, principal: Principal, public_id: str, *, include_out_of_scope: bool = True
) -> list[TaskView]:
    """The algorithm's tasks in lifecycle order (first phase, then code); needs the viewer role."""
    algorithm = algorithm_for(session, principal, public_id, Role.VIEWER, "see the framework tasks")
    return algorithm_tasks(session, algorithm, include_out_of_scope=include_out_of_scope)


def algorithm_tasks(
    session: Session, algorithm: Algorithm, *, include_out_of_scope: bool = True
) -> list[TaskView]:
    """The tasks of an algorithm already authorised, in lifecycle order."""
    query = select(FrameworkTask).where(FrameworkTask.algorithm_id == algorithm.id)
    if not include_out_of_scope:
        query = query.where(FrameworkTask.in_scope.is_(True))
    return _views(session, algorithm, list(session.scalars(query)))


def get_task(session: Session, principal: Principal, public_id: str, task_id: int) -> TaskView:
    """One task of the algorithm; needs the viewer role."""
    algorithm = algorithm_for(session, principal, public_id, Role.VIEWER, "see the framework tasks")
    return _views(session, algorithm, [_task(session, algorithm, task_id)])[0]


def task_history(session: Session, principal: Principal, public_id: str, task_id: int) -> list[TaskEventView]:
    """Every change of the task, oldest first; needs the viewer role."""
    algorithm = algorithm_for(session, principal, public_id, Role.VIEWER, "see the framework tasks")
    task = _task(session, algorithm, task_id)
    events = session.scalars(
        select(FrameworkTaskEvent)
        .where(FrameworkTaskEvent.task_id == task.id)
        .order_by(FrameworkTaskEvent.id)
    )
    return [TaskEventView(e.id, e.at, e.actor, e.action, dict(e.changes)) for e in events]


def task_people(session: Session, principal: Principal, public_id: str) -> list[PersonRef]:
    """The people who may be put on the algorithm's tasks (active users with a role in its
    organisation), by username; needs the viewer role."""
    algorithm = algorithm_for(session, principal, public_id, Role.VIEWER, "see the framework tasks")
    users = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == algorithm.organisation_id, User.is_active.is_(True))
        .order_by(User.username)
    )
    return [PersonRef(user.id, user.username, user.display_name) for user in users]


def _views(session: Session, algorithm: Algorithm, tasks: Sequence[FrameworkTask]) -> list[TaskView]:
    try:
        framework: Framework | None = current_framework(session).framework
    except Conflict:
        framework = None
    phase_order = {phase: index for index, phase in enumerate(framework.phase_ids())} if framework else {}
    user_ids = {
        user_id
        for task in tasks
        for user_id in (task.responsible_user_id, task.reviewer_user_id, task.accountable_user_id)
        if user_id is not None
    }
    users = {
        user.id: PersonRef(user.id, user.username, user.display_name)
        for user in session.scalars(select(User).where(User.id.in_(user_ids)))
    }
    counted = session.execute(
        select(FrameworkTaskEvidence.task_id, func.count())
        .where(FrameworkTaskEvidence.task_id.in_([task.id for task in tasks]))
        .group_by(FrameworkTaskEvidence.task_id)
    )
    evidence = {task_id: int(count) for task_id, count in counted}
    views = []
    for task in tasks:
        code, name, url = _describe(task, framework)
        views.append(
            TaskView(
                id=task.id,
                algorithm_public_id=algorithm.public_id,
                source="framework" if task.measure_id is not None else "own",
                measure_id=task.measure_id,
                own_measure_id=task.own_measure_id,
                code=code,
                name=name,
                url=url,
                phases=tuple(task.phases),
                requirement_ids=tuple(task.requirement_ids),
                in_scope=task.in_scope,
                status=TaskStatus(task.status),
                reason=task.reason,
                responsible=users.get(task.responsible_user_id or 0),
                reviewer=users.get(task.reviewer_user_id or 0),
                accountable=users.get(task.accountable_user_id or 0),
                evidence_count=int(evidence.get(task.id, 0)),
                created_at=task.created_at,
                updated_at=task.updated_at,
            )
        )

    def order(view: TaskView) -> tuple[int, int, str]:
        first = min(
            (phase_order.get(phase, len(phase_order)) for phase in view.phases), default=len(phase_order)
        )
        return (first, 0 if view.source == "framework" else 1, view.code)

    return sorted(views, key=order)


def _describe(task: FrameworkTask, framework: Framework | None) -> tuple[str, str, str | None]:
    if task.own_measure is not None:
        return task.own_measure.code, task.own_measure.name, None
    measure_id = task.measure_id or ""
    found = framework.find_measures(measure_id) if framework is not None else ()
    if len(found) == 1:
        return found[0].code, found[0].name, found[0].url
    return measure_id, measure_id, None
