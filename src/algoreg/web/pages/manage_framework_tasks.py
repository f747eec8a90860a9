"""Management pages of an algorithm's framework tasks: progress per phase, the tasks by phase, one task
with its status, people, evidence and history, and the algorithm's audit readiness.

Anyone with a role in the algorithm's organisation reads these pages; editors (and up) refresh the
tasks, change a task and add evidence. For anyone else the algorithm does not exist (404). Forms are
POSTs with the CSRF token that answer 303 with a confirmation, or show the page again with every
problem at its field and what was typed kept (422; 413 for a file over the limit).
"""

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from algoreg.errors import Conflict, FieldProblem, InvalidInput
from algoreg.instruments.framework import evidence, progress, tasks
from algoreg.instruments.framework.definitions import NotImported, current_framework
from algoreg.instruments.framework.evidence import MAX_FILE_BYTES, EvidenceTooLarge
from algoreg.instruments.framework.model import Framework
from algoreg.instruments.framework.tasks import UNCHANGED, TaskChange, TaskStatus
from algoreg.register.roles import Role
from algoreg.register.sessions import SignedIn
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages import form_problems
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.form_problems import Reasons, ShownProblem, confirmation, reason
from algoreg.web.pages.manage_bias_reports import AlgorithmPlace, algorithm_place
from algoreg.web.pages.manage_common import common_context, translate_reason
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

#: Words for a task's status (English source texts).
STATUS_LABELS: dict[str, str] = {
    TaskStatus.TODO: "To do",
    TaskStatus.IN_PROGRESS: "In progress",
    TaskStatus.DONE: "Done",
    TaskStatus.NOT_APPLICABLE: "Not applicable",
}

#: Words for an audit item's coverage.
COVERAGE_LABELS: dict[str, str] = {
    "covered": "Covered",
    "partly": "Partly covered",
    "not": "Not covered",
    "unmapped": "No measures linked",
}

#: Words for the actions in a task's history.
EVENT_LABELS: dict[str, str] = {
    "create": "Created",
    "refresh": "Refreshed",
    "update": "Changed",
    "evidence": "Evidence added",
}

TASKS_DONE_MESSAGES: dict[str, str] = {
    "ververst": "The framework tasks were brought in line with the current AI Act profile.",
}

TASK_DONE_MESSAGES: dict[str, str] = {
    "opgeslagen": "The task was saved.",
    "bewijs": "The evidence was added.",
}

#: Labels of the fields, by the name the page gives them.
FIELD_LABELS: dict[str, str] = {
    "status": "Status",
    "reason": "Reason why the measure does not apply",
    "responsible": "Responsible",
    "reviewer": "Reviewer",
    "accountable": "Accountable",
    "link-url": "Address (link)",
    "link-description": "What the link shows",
    "file-content": "File",
    "file-description": "What the file shows",
}

CHOOSE_FILE = "Choose a file."
CHOOSE_PERSON = "Choose a person of the organisation."


#: The refusal of an action that needs the Algoritmekader's measures before they were imported.
NO_TASK_REGISTRY = reason(
    r"No task registry has been imported into this register yet; an administrator imports one with: "
    r"(?P<command>.*)",
    "The measures of the Algoritmekader (its task registry) have not been imported into this register "
    "yet; an administrator imports them with: %(command)s",
)

#: The domain's reasons about tasks and evidence, and their English source texts.
_REASONS = Reasons(
    reason(
        r"is required when the status is not_applicable.*",
        "Say why the measure does not apply; a reason is required with the status Not applicable.",
    ),
    reason(r"is only kept with the status not_applicable.*", "Only give a reason with Not applicable."),
    reason(r"'.*' is not one of .*", "Choose one of the statuses."),
    reason(
        r"is (?P<length>\d+) characters long; at most (?P<maximum>\d+)(?: are allowed)?",
        "This text is %(length)s characters long; at most %(maximum)s are allowed.",
    ),
    reason(
        r".* must be an http:// or https:// address", "Give an address that starts with https:// or http://."
    ),
    reason(r"is required: say what the evidence shows", "Say what the evidence shows."),
    reason(r"is empty; give the file's bytes", "The file is empty."),
    reason(
        r"is (?P<size>\d+) bytes; at most \d+ bytes \((?P<megabytes>\d+) MiB\) are accepted",
        "The file is %(size)s bytes; at most %(megabytes)s MB is accepted.",
    ),
    reason(r"must be 1 to \d+ characters|.* must be a plain file name.*", "The file's name is not valid."),
    reason(r".* is not a media type .*", "The file's type is not valid."),
    reason(
        r"there is no active user with id .*|user .* has no role in the algorithm's organisation|"
        r"must be a user id .*",
        CHOOSE_PERSON,
    ),
    reason(re.escape(CHOOSE_FILE), CHOOSE_FILE),
    reason(re.escape(CHOOSE_PERSON), CHOOSE_PERSON),
    # refusals (Conflict) shown as the page's alert
    reason(
        r"Algorithm (?P<id>'.*') has no AI Act profile yet; record one with the decision aid before its "
        r"framework tasks can be derived\.",
        "Algorithm %(id)s has no AI Act profile yet; record one with the AI Act decision aid before its "
        "framework tasks can be derived.",
    ),
    reason(
        r"The framework tasks of algorithm (?P<id>'.*') were being refreshed at the same time; "
        r"nothing was changed, try again\.",
        "The framework tasks of algorithm %(id)s were being refreshed at the same time; nothing was "
        "changed, try again.",
    ),
    NO_TASK_REGISTRY,
    fallback=translate_reason,
)


def shown_problems(problems: list[FieldProblem], lang: i18n.Language, prefix: str = "") -> list[ShownProblem]:
    """The problems in ``lang``, each under the page's field (``prefix`` names the evidence form)."""

    def name_of(field: str) -> str:
        return prefix + ("content" if field in ("file_name", "media_type") else field)

    return form_problems.shown_problems(
        problems, lang, _REASONS, FIELD_LABELS, anchor_prefix="task-", name_of=name_of
    )


def _framework(uow: UoW) -> Framework | None:
    with uow() as session:
        try:
            return current_framework(session).framework
        except NotImported:
            return None


def _base(request: Request, place: AlgorithmPlace) -> dict[str, Any]:
    role = place.role
    return common_context(request) | {
        "algorithm": place.view,
        "name": str(place.view.latest.record.get("name", "")),
        "role": role,
        "may_edit": role is not None and role.rank >= Role.EDITOR.rank,
        "status_labels": STATUS_LABELS,
        "coverage_labels": COVERAGE_LABELS,
        "event_labels": EVENT_LABELS,
        "field_labels": FIELD_LABELS,
        "tasks_url": f"/beheer/algoritme/{place.view.public_id}/maatregelen",
    }


def _tasks_page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    public_id: str,
    *,
    alert: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    place = algorithm_place(uow, user, public_id)
    framework = _framework(uow)
    principal = user.principal
    phases: list[progress.PhaseProgress] = []
    listed: list[tasks.TaskView] = []
    readiness: progress.Readiness | None = None
    has_profile = False
    with uow() as session:
        algorithm = tasks.algorithm_for(session, principal, public_id, Role.VIEWER, "see the framework tasks")
        has_profile = tasks.current_profile_row(session, algorithm) is not None
        if framework is not None:
            phases = progress.phase_progress(session, principal, public_id)
            listed = tasks.list_tasks(session, principal, public_id)
        try:
            readiness = progress.algorithm_audit_readiness(session, principal, public_id)
        except NotImported:
            readiness = None
    in_scope = [task for task in listed if task.in_scope]
    groups: list[tuple[str, str | None, list[tasks.TaskView]]] = []
    if framework is not None:
        known = set(framework.phase_ids())
        for phase in framework.phases:
            members = [task for task in in_scope if phase.id in task.phases]
            if members:
                groups.append((phase.id, phase.name, members))
        rest = [task for task in in_scope if not known.intersection(task.phases)]
        if rest:
            groups.append(("zonder-fase", None, rest))
    context = _base(request, place) | {
        "framework": framework,
        "has_profile": has_profile,
        "phases": phases,
        "groups": groups,
        "out_of_scope": [task for task in listed if not task.in_scope],
        "task_count": len(in_scope),
        "readiness": readiness,
        "alert": alert,
        "done": confirmation(request, TASKS_DONE_MESSAGES),
    }
    return render(request, "manage/framework_tasks.html", context, status_code)


@router.get("/beheer/algoritme/{public_id}/maatregelen", response_class=HTMLResponse)
def tasks_page(request: Request, public_id: str, user: User, uow: UoW) -> HTMLResponse:
    """The algorithm's progress per phase, its tasks by phase and its audit readiness."""
    return _tasks_page(request, user, uow, public_id)


@router.post("/beheer/algoritme/{public_id}/maatregelen/verversen", response_class=HTMLResponse)
def refresh(request: Request, public_id: str, user: User, uow: UoW) -> Response:
    """Bring the tasks in line with the current profile and framework (editors and up); 409 when it cannot."""
    algorithm_place(uow, user, public_id)
    try:
        with uow() as session:
            tasks.refresh_tasks(session, user.principal, public_id)
    except Conflict as conflict:
        alert = _REASONS.shown(request.state.lang, conflict.message)
        return _tasks_page(request, user, uow, public_id, alert=alert, status_code=409)
    return RedirectResponse(f"/beheer/algoritme/{public_id}/maatregelen?gedaan=ververst", status_code=303)


def _task_page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    public_id: str,
    task_id: int,
    *,
    values: dict[str, str] | None = None,
    problems: list[ShownProblem] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    place = algorithm_place(uow, user, public_id)
    framework = _framework(uow)
    principal = user.principal
    with uow() as session:
        task = tasks.get_task(session, principal, public_id, task_id)
        found = evidence.list_evidence(session, principal, public_id, task_id)
        history = tasks.task_history(session, principal, public_id, task_id)
        people = tasks.task_people(session, principal, public_id)
    current = {
        "status": task.status.value,
        "reason": task.reason or "",
        "responsible": str(task.responsible.id) if task.responsible else "",
        "reviewer": str(task.reviewer.id) if task.reviewer else "",
        "accountable": str(task.accountable.id) if task.accountable else "",
        "link-url": "",
        "link-description": "",
        "file-description": "",
    }
    phase_names = {phase.id: phase.name for phase in framework.phases} if framework else {}
    requirements = []
    for requirement_id in task.requirement_ids:
        matches = framework.find_requirements(requirement_id) if framework else ()
        requirements.append(matches[0] if len(matches) == 1 else None)
    person_names = {str(person.id): person.display_name for person in people}
    context = _base(request, place) | {
        "task": task,
        "evidence": found,
        "history": history,
        "people": people,
        "person_names": person_names,
        "phase_names": phase_names,
        "requirements": list(zip(task.requirement_ids, requirements, strict=True)),
        "values": current | (values or {}),
        "problems": problems or [],
        "statuses": list(TaskStatus),
        "max_file_megabytes": MAX_FILE_BYTES // 1024 // 1024,
        "task_url": f"/beheer/algoritme/{public_id}/maatregelen/{task_id}",
        "done": confirmation(request, TASK_DONE_MESSAGES),
    }
    return render(request, "manage/framework_task.html", context, status_code)


@router.get("/beheer/algoritme/{public_id}/maatregelen/{task_id:int}", response_class=HTMLResponse)
def task_page(request: Request, public_id: str, task_id: int, user: User, uow: UoW) -> HTMLResponse:
    """One task: its measure, status, people, evidence and history, with forms for editors."""
    return _task_page(request, user, uow, public_id, task_id)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _person(value: str, field: str, problems: list[FieldProblem]) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not text.isdecimal() or len(text) > 12:
        problems.append(FieldProblem(field, CHOOSE_PERSON))
        return None
    return int(text)


def _done(public_id: str, task_id: int, what: str) -> RedirectResponse:
    return RedirectResponse(
        f"/beheer/algoritme/{quote(public_id)}/maatregelen/{task_id}?gedaan={what}", status_code=303
    )


@router.post("/beheer/algoritme/{public_id}/maatregelen/{task_id:int}", response_class=HTMLResponse)
async def update(request: Request, public_id: str, task_id: int, user: User, uow: UoW) -> Response:
    """Save a task's status, reason and people (editors and up); problems are shown at their fields."""
    place = algorithm_place(uow, user, public_id)
    user.principal.require(place.organisation_id, Role.EDITOR, "change framework tasks")
    form = await request.form()
    names = ("status", "reason", "responsible", "reviewer", "accountable")
    values = {name: _text(form, name) for name in names}
    lang: i18n.Language = request.state.lang
    problems: list[FieldProblem] = []
    people = {
        name: _person(values[name], name, problems) for name in ("responsible", "reviewer", "accountable")
    }
    status = values["status"]
    change = TaskChange(
        status=status or UNCHANGED,
        reason=values["reason"] if status == TaskStatus.NOT_APPLICABLE.value else None,
        **people,
    )
    try:
        if problems:
            raise InvalidInput(problems=problems, summary="The framework task was not changed.")
        with uow() as session:
            tasks.update_task(session, user.principal, public_id, task_id, change)
    except InvalidInput as invalid:
        shown = shown_problems(invalid.problems, lang)
        return _task_page(
            request, user, uow, public_id, task_id, values=values, problems=shown, status_code=422
        )
    return _done(public_id, task_id, "opgeslagen")


@router.post(
    "/beheer/algoritme/{public_id}/maatregelen/{task_id:int}/bewijs/link", response_class=HTMLResponse
)
async def add_link(request: Request, public_id: str, task_id: int, user: User, uow: UoW) -> Response:
    """Add a link as evidence (editors and up)."""
    place = algorithm_place(uow, user, public_id)
    user.principal.require(place.organisation_id, Role.EDITOR, "add evidence to framework tasks")
    form = await request.form()
    values = {"link-url": _text(form, "url"), "link-description": _text(form, "description")}
    try:
        with uow() as session:
            evidence.add_link(
                session, user.principal, public_id, task_id, values["link-url"], values["link-description"]
            )
    except InvalidInput as invalid:
        shown = shown_problems(invalid.problems, request.state.lang, "link-")
        return _task_page(
            request, user, uow, public_id, task_id, values=values, problems=shown, status_code=422
        )
    return _done(public_id, task_id, "bewijs")


@router.post(
    "/beheer/algoritme/{public_id}/maatregelen/{task_id:int}/bewijs/bestand", response_class=HTMLResponse
)
async def add_file(request: Request, public_id: str, task_id: int, user: User, uow: UoW) -> Response:
    """Add a file as evidence (editors and up); at most the evidence limit is read (413 beyond it)."""
    place = algorithm_place(uow, user, public_id)
    user.principal.require(place.organisation_id, Role.EDITOR, "add evidence to framework tasks")
    form = await request.form()
    lang: i18n.Language = request.state.lang
    values = {"file-description": _text(form, "description")}
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        problems = shown_problems([FieldProblem("content", CHOOSE_FILE)], lang, "file-")
        return _task_page(
            request, user, uow, public_id, task_id, values=values, problems=problems, status_code=422
        )
    content = await upload.read(MAX_FILE_BYTES + 1)
    media_type = upload.content_type or "application/octet-stream"
    try:
        with uow() as session:
            evidence.add_file(
                session,
                user.principal,
                public_id,
                task_id,
                upload.filename.replace("\\", "/").rsplit("/", 1)[-1],
                media_type,
                content,
                values["file-description"],
            )
    except EvidenceTooLarge as too_large:
        shown = shown_problems(too_large.problems, lang, "file-")
        return _task_page(
            request, user, uow, public_id, task_id, values=values, problems=shown, status_code=413
        )
    except InvalidInput as invalid:
        shown = shown_problems(invalid.problems, lang, "file-")
        return _task_page(
            request, user, uow, public_id, task_id, values=values, problems=shown, status_code=422
        )
    return _done(public_id, task_id, "bewijs")


@router.get("/beheer/algoritme/{public_id}/maatregelen/{task_id:int}/bewijs/{evidence_id:int}")
def download(public_id: str, task_id: int, evidence_id: int, user: User, uow: UoW) -> Response:
    """A file kept as evidence, as an attachment, for the organisation's people."""
    with uow() as session:
        found = evidence.evidence_file(session, user.principal, public_id, task_id, evidence_id)
    disposition = f"attachment; filename*=UTF-8''{quote(found.file_name)}"
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{found.sha256}"',
        },
    )
