"""Management pages of the inventory of origin-related personal data ("herkomstgegevens").

The list (filters on determination, remediation state and status, with totals), a form for a new
use, and one page per use with its determination, its remediation case and a form for each step.
Access follows :mod:`algoreg.inventory.origin_common`: editors and up read and write uses and
remediation steps; publishers and up also determine and close or reopen; for viewers and others
the pages do not exist (404). Forms are POSTs with the CSRF token; each answers with a redirect and
a confirmation, or with the page again showing each problem at its field.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData, UploadFile

from algoreg.errors import Conflict, FieldProblem, InvalidInput, NotFound
from algoreg.inventory import origin_uses, remediation
from algoreg.inventory.origin_common import DETERMINE_ROLE, WRITE_ROLE, DataKind, Determination
from algoreg.inventory.origin_uses import (
    DeterminationIn,
    RemediationFilter,
    UseFilter,
    UseIn,
    UseStatus,
    UseView,
)
from algoreg.inventory.remediation import MAX_FILE_BYTES, EvidenceTooLarge, StepChange, StepKind, StepStatus
from algoreg.register.sessions import SignedIn
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages import form_problems
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.form_problems import Reasons, ShownProblem, confirmation, reason
from algoreg.web.pages.manage_common import common_context, translate_reason
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

BASE = "/beheer/herkomstgegevens"

#: Words for kinds of data, determinations, statuses and steps (English source texts, see the .po file).
KIND_LABELS: dict[str, str] = {
    DataKind.NATIONALITY: "Nationality",
    DataKind.COUNTRY_OF_BIRTH: "Country of birth",
    DataKind.PARENTS_COUNTRY_OF_BIRTH: "Parents' country of birth",
    DataKind.MIGRATION_BACKGROUND: "Migration background",
    DataKind.INFERRED_ORIGIN: "Inferred origin (from names, language, …)",
    DataKind.OTHER: "Other origin-related data",
}
DETERMINATION_LABELS: dict[str, str] = {
    Determination.LAWFUL: "Lawful",
    Determination.UNLAWFUL: "Unlawful",
    Determination.IMPROPER: "Improper",
    "none": "Not determined",
}
STATUS_LABELS: dict[str, str] = {
    UseStatus.PROPOSED: "Proposed",
    UseStatus.CONFIRMED: "Confirmed",
    UseStatus.DISMISSED: "Dismissed",
}
REMEDIATION_LABELS: dict[str, str] = {
    RemediationFilter.NONE: "No remediation",
    RemediationFilter.OPEN: "Remediation open",
    RemediationFilter.CLOSED: "Remediation closed",
}
STEP_LABELS: dict[str, str] = {
    StepKind.USE_ENDED: "The use is ended",
    StepKind.PEOPLE_INFORMED: "The people concerned are informed",
    StepKind.DATA_CLEANED: "The polluted data is cleaned up",
}
STEP_STATUS_LABELS: dict[str, str] = {
    StepStatus.TODO: "To do",
    StepStatus.IN_PROGRESS: "In progress",
    StepStatus.DONE: "Done",
}
SOURCE_LABELS: dict[str, str] = {"manual": "Recorded by hand", "scan": "Proposed by the origin scan"}

#: Confirmations on a use's page, by the value of ``?gedaan=``.
DONE_MESSAGES: dict[str, str] = {
    "vastgelegd": "The use was recorded.",
    "opgeslagen": "Your changes were saved.",
    "bevestigd": "The proposal was confirmed.",
    "afgewezen": "The proposal was dismissed.",
    "beoordeeld": "The determination was recorded.",
    "stap": "The remediation step was saved.",
    "bewijs": "The evidence was added.",
    "gesloten": "The remediation case was closed.",
    "heropend": "The remediation case was reopened.",
}

#: Labels of every form field (English source texts).
FIELD_LABELS: dict[str, str] = {
    "organisation": "Organisation",
    "data_kind": "Which data",
    "data_detail": "Description of the data",
    "algorithm": "Algorithm",
    "system_name": "System or process",
    "purpose": "Purpose",
    "legal_basis": "Legal basis claimed",
    "dataset_name": "Data set",
    "column_name": "Column",
    "reason": "Reason",
    "outcome": "Determination",
    "reasoning": "Reasoning",
    "decided_by": "Decided by",
    "decided_on": "Decided on",
    "status": "Status",
    "owner": "Owner",
    "started_on": "Started on",
    "due_on": "Due on",
    "completed_on": "Completed on",
    "note": "How the use was ended",
    "people_count": "Number of people informed",
    "inform_method": "How they were informed",
    "datasets": "Data sets cleaned",
    "records_removed": "Records removed",
    "records_corrected": "Records corrected",
    "verification": "How the cleaning was verified",
    "url": "Link",
    "file": "File",
    "content": "File",
    "file_name": "File",
    "media_type": "File",
    "description": "What the evidence shows",
}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


#: The domain's reasons about the inventory, and their English source texts (translated in .po).
_REASONS = Reasons(
    reason(r"is required[^;]*; give a text of at least 1 character", "This field is required; fill it in."),
    reason(
        r"is (?P<length>\d+) characters long; at most (?P<maximum>\d+) are allowed",
        "This text is %(length)s characters long; at most %(maximum)s are allowed.",
    ),
    reason(r"is required before the step is done: .*", "Fill this in before the step is done."),
    reason(r"\S+ lies in the future.*", "This date lies in the future."),
    reason(r"\S+ lies before the start date \S+", "This date lies before the start date."),
    reason(r"must be a whole number from 0 to \d+; got .*", "Enter a whole number, 0 or more."),
    reason(r"must be a date such as .*", "Enter a date."),
    reason(r"'.*' is not an algorithm of this organisation", "Choose one of this organisation's algorithms."),
    reason(
        r".* must be an http:// or https:// address",
        "Enter a web address that starts with https:// or http://.",
    ),
    reason(
        r"is (?:todo|in_progress), not done; has no evidence; add a link or a file",
        "This step is not done and has no evidence.",
    ),
    reason(r"is (?:todo|in_progress), not done", "This step is not done."),
    reason(r"has no evidence; add a link or a file", "This step has no evidence; add a link or a file."),
    reason(
        r"is \d+ bytes; at most \d+ bytes \(2 MiB\) are accepted",
        "The file is larger than 2 MB; store it elsewhere and add a link.",
    ),
    reason(r"is empty; give the file's bytes", "The file is empty."),
    reason(r"Choose a file or give a link\.", "Choose a file or give a link."),
    reason(r"Choose one of your organisations\.", "Choose one of your organisations."),
    # refusals (Conflict) shown as the page's alert
    reason(
        r"Column (?P<column>'.*') of this system is in the inventory already, as use (?P<use>\d+); "
        r"change that use instead\.",
        "Column %(column)s of this system is in the inventory already, as use %(use)s; "
        "change that use instead.",
    ),
    reason(
        r"Column (?P<column>'.*') of this system was just inventoried by someone else\.",
        "Column %(column)s of this system was just recorded by someone else.",
    ),
    reason(r"A dismissed proposal cannot be changed\.", "A dismissed proposal cannot be changed."),
    reason(
        r"Only a proposal can be confirmed; this use is confirmed\.",
        "This use is confirmed already; only a proposal can be confirmed.",
    ),
    reason(
        r"Only a proposal can be confirmed; this use is dismissed\.",
        "This proposal was dismissed; only a proposal that is still open can be confirmed.",
    ),
    reason(
        r"Only a proposal can be dismissed; this use is confirmed\.",
        "This use is confirmed; only a proposal can be dismissed.",
    ),
    reason(
        r"Only a proposal can be dismissed; this use is dismissed\.", "This proposal was dismissed already."
    ),
    reason(
        r"Only a confirmed use can be determined; this use is proposed\. Confirm it first\.",
        "Only a confirmed use can be determined; this use is still a proposal. Confirm it first.",
    ),
    reason(
        r"Only a confirmed use can be determined; this use is dismissed\. Confirm it first\.",
        "Only a confirmed use can be determined; this proposal was dismissed.",
    ),
    reason(
        r"The remediation case is closed; reopen it, with a reason, before changing it\.",
        "The remediation case is closed; reopen it, with a reason, before changing it.",
    ),
    reason(r"The remediation case is open already\.", "The remediation case is open already."),
    fallback=translate_reason,
)


def _conflict(lang: i18n.Language, conflict: Conflict) -> Markup:
    """The refusal as the page's alert: translated through the reasons, or marked as English."""
    return _REASONS.shown(lang, conflict.message)


#: Labels of the inputs problems are shown at: the form fields, and the steps (for closing a case).
_PROBLEM_LABELS = FIELD_LABELS | STEP_LABELS


def _input_of(field: str) -> str:
    """The input a field's problems are shown at: a step's under the step, a file's under the file."""
    name = field.split(".")[-1] if field.startswith("steps.") else field
    return "file" if name in ("content", "file_name", "media_type") else name


def shown_problems(form: str, problems: list[FieldProblem], lang: i18n.Language) -> list[ShownProblem]:
    """The problems of one form in ``lang``, each under its field (a step's problems under the step)."""
    return form_problems.shown_problems(
        problems, lang, _REASONS, _PROBLEM_LABELS, anchor_prefix=f"{form}-", name_of=_input_of
    )


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "determination_labels": DETERMINATION_LABELS,
        "status_labels": STATUS_LABELS,
        "remediation_labels": REMEDIATION_LABELS,
        "step_labels": STEP_LABELS,
        "step_status_labels": STEP_STATUS_LABELS,
        "source_labels": SOURCE_LABELS,
        "max_file_megabytes": MAX_FILE_BYTES // 1024 // 1024,
    }


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


# --- the list ---------------------------------------------------------------------------------------


@router.get(BASE, response_class=HTMLResponse)
def list_page(request: Request, user: User, uow: UoW) -> HTMLResponse:
    """Every use the user may see, with filters and totals; unknown filter values are ignored."""
    query = request.query_params
    chosen = {
        "organisation": query.get("organisatie", ""),
        "determination": query.get("beoordeling", "")
        if query.get("beoordeling") in DETERMINATION_LABELS
        else "",
        "remediation": query.get("herstel", "") if query.get("herstel") in REMEDIATION_LABELS else "",
        "status": query.get("status", "") if query.get("status") in STATUS_LABELS else "",
    }
    with uow() as session:
        organisations = origin_uses.readable_organisations(session, user.principal)
        if chosen["organisation"] not in {organisation.code for organisation in organisations}:
            chosen["organisation"] = ""
        found = origin_uses.list_uses(
            session,
            user.principal,
            UseFilter(
                organisation_code=chosen["organisation"] or None,
                determination=chosen["determination"] or None,
                remediation=chosen["remediation"] or None,
                status=chosen["status"] or None,
            ),
        )
    if not organisations:
        raise NotFound("There is no such page.")
    context = (
        common_context(request)
        | _labels()
        | {
            "organisations": [(organisation.code, organisation.name) for organisation in organisations],
            "chosen": chosen,
            "filtered": any(chosen.values()),
            "result": found,
            "may_write": any(
                user.principal.can(organisation.id, WRITE_ROLE) for organisation in organisations
            ),
        }
    )
    return render(request, "manage/origin_inventory.html", context)


# --- a new use --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Writable:
    """An organisation the user may record uses in, with its algorithms."""

    code: str
    name: str
    algorithms: list[tuple[str, str]]


def _writable(uow: UoW, user: SignedIn) -> list[_Writable]:
    with uow() as session:
        organisations = origin_uses.readable_organisations(session, user.principal)
        writable = [
            _Writable(o.code, o.name, origin_uses.algorithm_choices(session, user.principal, o.code))
            for o in organisations
            if user.principal.can(o.id, WRITE_ROLE)
        ]
    if not writable:
        raise NotFound("There is no such page.")
    return writable


def _use_values(form: FormData | None = None, view: UseView | None = None) -> dict[str, str]:
    names = (
        "data_kind",
        "data_detail",
        "algorithm",
        "system_name",
        "purpose",
        "legal_basis",
        "dataset_name",
        "column_name",
    )
    if form is not None:
        return {name: _text(form, name) for name in (*names, "organisation")}
    if view is not None:
        return {
            "data_kind": view.data_kind.value,
            "data_detail": view.data_detail,
            "algorithm": view.algorithm_public_id or "",
            "system_name": view.system_name,
            "purpose": view.purpose,
            "legal_basis": view.legal_basis,
            "dataset_name": view.dataset_name,
            "column_name": view.column_name,
            "organisation": view.organisation_code,
        }
    return dict.fromkeys((*names, "organisation"), "")


def _use_in(values: dict[str, str]) -> UseIn:
    return UseIn(
        data_kind=values["data_kind"],
        purpose=values["purpose"],
        legal_basis=values["legal_basis"],
        data_detail=values["data_detail"],
        algorithm=values["algorithm"] or None,
        system_name=values["system_name"],
        dataset_name=values["dataset_name"],
        column_name=values["column_name"],
    )


def _new_page(
    request: Request,
    writable: list[_Writable],
    values: dict[str, str],
    problems: list[ShownProblem] | None = None,
    status_code: int = 200,
    alert: str | None = None,
) -> HTMLResponse:
    context = (
        common_context(request)
        | _labels()
        | {
            "organisations": writable,
            "values": values,
            "problems": problems or [],
            "alert": alert,
        }
    )
    return render(request, "manage/origin_use_new.html", context, status_code)


@router.get(f"{BASE}/nieuw", response_class=HTMLResponse)
def new_page(request: Request, user: User, uow: UoW) -> HTMLResponse:
    """The form to record a use by hand (editors and up)."""
    writable = _writable(uow, user)
    values = _use_values() | {"organisation": request.query_params.get("organisatie", writable[0].code)}
    return _new_page(request, writable, values)


@router.post(BASE, response_class=HTMLResponse)
async def create(request: Request, user: User, uow: UoW) -> Response:
    """Record a use; problems are shown at their fields (422), a duplicate column as an alert (409)."""
    writable = _writable(uow, user)
    form = await request.form()
    values = _use_values(form)
    lang: i18n.Language = request.state.lang
    if not values["organisation"].strip():  # any other organisation is the domain's to refuse (404)
        problem = FieldProblem("organisation", "Choose one of your organisations.")
        return _new_page(request, writable, values, shown_problems("use", [problem], lang), 422)
    try:
        with uow() as session:
            view = origin_uses.create_use(session, user.principal, values["organisation"], _use_in(values))
    except InvalidInput as invalid:
        return _new_page(request, writable, values, shown_problems("use", invalid.problems, lang), 422)
    except Conflict as conflict:
        return _new_page(request, writable, values, status_code=409, alert=_conflict(lang, conflict))
    return RedirectResponse(f"{BASE}/{view.id}?gedaan=vastgelegd", status_code=303)


# --- one use ----------------------------------------------------------------------------------------


def _use_page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    use_id: int,
    *,
    status_code: int = 200,
    alert: str | None = None,
    form: str = "",
    values: dict[str, str] | None = None,
    problems: list[ShownProblem] | None = None,
) -> HTMLResponse:
    with uow() as session:
        view = origin_uses.get_use(session, user.principal, use_id)
        history = origin_uses.use_history(session, user.principal, use_id)
        algorithms = origin_uses.algorithm_choices(session, user.principal, view.organisation_code)
    principal = user.principal
    context = (
        common_context(request)
        | _labels()
        | {
            "use": view,
            "history": list(reversed(history)),
            "algorithms": algorithms,
            "done": confirmation(request, DONE_MESSAGES),
            "alert": alert,
            "form": form,
            "values": values or {},
            "use_values": values if form == "use" and values else _use_values(view=view),
            "problems": problems or [],
            "may_write": principal.can(view.organisation_id, WRITE_ROLE),
            "may_determine": principal.can(view.organisation_id, DETERMINE_ROLE),
            "today": date.today().isoformat(),
            "user_name": user.display_name,
        }
    )
    return render(request, "manage/origin_use.html", context, status_code)


def _done(use_id: int, what: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"{BASE}/{use_id}?gedaan={what}{anchor}", status_code=303)


@router.get(BASE + "/{use_id:int}", response_class=HTMLResponse)
def use_page(request: Request, use_id: int, user: User, uow: UoW) -> HTMLResponse:
    """One use with its determination, remediation and history, and the forms the user may use."""
    return _use_page(request, user, uow, use_id)


async def _attempt(
    request: Request,
    user: SignedIn,
    uow: UoW,
    use_id: int,
    form_name: str,
    action: Any,
    values: dict[str, str],
) -> Response | None:
    """Run ``action`` in one transaction; on a problem, the page again with it (422 or 409)."""
    lang: i18n.Language = request.state.lang
    try:
        with uow() as session:
            action(session)
    except EvidenceTooLarge as too_large:
        problems = shown_problems(form_name, too_large.problems, lang)
        return _use_page(
            request, user, uow, use_id, status_code=413, form=form_name, values=values, problems=problems
        )
    except InvalidInput as invalid:
        problems = shown_problems(form_name, invalid.problems, lang)
        return _use_page(
            request, user, uow, use_id, status_code=422, form=form_name, values=values, problems=problems
        )
    except Conflict as conflict:
        return _use_page(request, user, uow, use_id, status_code=409, alert=_conflict(lang, conflict))
    return None


@router.post(BASE + "/{use_id:int}", response_class=HTMLResponse)
async def edit(request: Request, use_id: int, user: User, uow: UoW) -> Response:
    """Save what a use says (editors and up); for a proposal, ``confirm`` also confirms it."""
    form = await request.form()
    values = _use_values(form)
    confirm = _text(form, "confirm") == "1"

    def action(session: Any) -> None:
        if confirm:
            origin_uses.confirm_use(session, user.principal, use_id, _use_in(values))
        else:
            origin_uses.update_use(session, user.principal, use_id, _use_in(values))

    failed = await _attempt(request, user, uow, use_id, "use", action, values)
    return failed or _done(use_id, "bevestigd" if confirm else "opgeslagen")


@router.post(BASE + "/{use_id:int}/afwijzen", response_class=HTMLResponse)
async def dismiss(request: Request, use_id: int, user: User, uow: UoW) -> Response:
    """Dismiss a proposal with a reason (editors and up)."""
    form = await request.form()
    values = {"reason": _text(form, "reason")}
    failed = await _attempt(
        request,
        user,
        uow,
        use_id,
        "dismiss",
        lambda session: origin_uses.dismiss_use(session, user.principal, use_id, values["reason"]),
        values,
    )
    return failed or _done(use_id, "afgewezen")


def _day(value: str, name: str, problems: list[FieldProblem]) -> date | None:
    text = value.strip()
    if not text:
        return None
    if _DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    problems.append(FieldProblem(name, f"must be a date such as 2026-03-31; got {text!r}"))
    return None


def _count(value: str, name: str, problems: list[FieldProblem]) -> int | None:
    text = value.strip()
    if not text:
        return None
    if text.isdigit() and len(text) <= 10:
        return int(text)
    problems.append(
        FieldProblem(name, f"must be a whole number from 0 to {remediation.MAX_COUNT}; got {text!r}")
    )
    return None


@router.post(BASE + "/{use_id:int}/beoordeling", response_class=HTMLResponse)
async def determine(request: Request, use_id: int, user: User, uow: UoW) -> Response:
    """Record a determination (publishers and up; editors are refused with 403)."""
    form = await request.form()
    values = {name: _text(form, name) for name in ("outcome", "reasoning", "decided_by", "decided_on")}

    def action(session: Any) -> None:
        problems: list[FieldProblem] = []
        decided_on = _day(values["decided_on"], "decided_on", problems)
        if not values["decided_on"].strip():
            problems.append(FieldProblem("decided_on", "must be a date such as 2026-03-31; got ''"))
        if problems:
            raise InvalidInput(problems=problems, summary="The determination was not stored.")
        assert decided_on is not None
        given = DeterminationIn(values["outcome"], values["reasoning"], values["decided_by"], decided_on)
        origin_uses.determine_use(session, user.principal, use_id, given)

    failed = await _attempt(request, user, uow, use_id, "determination", action, values)
    return failed or _done(use_id, "beoordeeld", "#determination-title")


_STEP_FIELDS = (
    "status",
    "owner",
    "started_on",
    "due_on",
    "completed_on",
    "note",
    "people_count",
    "inform_method",
    "datasets",
    "records_removed",
    "records_corrected",
    "verification",
)


@router.post(BASE + "/{use_id:int}/herstel/sluiten", response_class=HTMLResponse)
async def close(request: Request, use_id: int, user: User, uow: UoW) -> Response:
    """Close the remediation case (publishers and up): only with all three steps done with evidence."""
    failed = await _attempt(
        request,
        user,
        uow,
        use_id,
        "close",
        lambda session: remediation.close_case(session, user.principal, use_id),
        {},
    )
    return failed or _done(use_id, "gesloten", "#remediation-title")


@router.post(BASE + "/{use_id:int}/herstel/heropenen", response_class=HTMLResponse)
async def reopen(request: Request, use_id: int, user: User, uow: UoW) -> Response:
    """Reopen a closed case with a reason (publishers and up)."""
    form = await request.form()
    values = {"reason": _text(form, "reason")}
    failed = await _attempt(
        request,
        user,
        uow,
        use_id,
        "reopen",
        lambda session: remediation.reopen_case(session, user.principal, use_id, values["reason"]),
        values,
    )
    return failed or _done(use_id, "heropend", "#remediation-title")


def _step_kind(step: str) -> StepKind:
    try:
        return StepKind(step)
    except ValueError:
        raise NotFound("There is no such page.") from None


@router.post(BASE + "/{use_id:int}/herstel/{step}", response_class=HTMLResponse)
async def save_step(request: Request, use_id: int, step: str, user: User, uow: UoW) -> Response:
    """Save a remediation step (editors and up)."""
    kind = _step_kind(step)
    form = await request.form()
    shown = [name for name in _STEP_FIELDS if name in form]
    values = {name: _text(form, name) for name in shown}

    def action(session: Any) -> None:
        problems: list[FieldProblem] = []
        given: dict[str, Any] = {}
        for name in shown:
            if name.endswith("_on"):
                given[name] = _day(values[name], name, problems)
            elif name in ("people_count", "records_removed", "records_corrected"):
                given[name] = _count(values[name], name, problems)
            else:
                given[name] = values[name]
        if problems:
            raise InvalidInput(problems=problems, summary="The remediation step was not changed.")
        remediation.update_step(
            session, user.principal, use_id, kind.value, StepChange(**given, given=frozenset(given))
        )

    failed = await _attempt(request, user, uow, use_id, f"step-{kind.value}", action, values)
    return failed or _done(use_id, "stap", f"#step-{kind.value}-title")


@router.post(BASE + "/{use_id:int}/herstel/{step}/bewijs", response_class=HTMLResponse)
async def add_evidence(request: Request, use_id: int, step: str, user: User, uow: UoW) -> Response:
    """Add a link or a small file as evidence to a step (editors and up)."""
    kind = _step_kind(step)
    form = await request.form()
    values = {"url": _text(form, "url"), "description": _text(form, "description")}
    upload = form.get("file")
    content = (
        await upload.read(MAX_FILE_BYTES + 1) if isinstance(upload, UploadFile) and upload.filename else None
    )

    def action(session: Any) -> None:
        if content is not None and isinstance(upload, UploadFile):
            remediation.add_file(
                session,
                user.principal,
                use_id,
                kind.value,
                upload.filename or "bewijs",
                upload.content_type or "application/octet-stream",
                content,
                values["description"],
            )
        elif values["url"].strip():
            remediation.add_link(
                session, user.principal, use_id, kind.value, values["url"], values["description"]
            )
        else:
            raise InvalidInput(
                problems=[FieldProblem("file", "Choose a file or give a link.")],
                summary="The evidence was not added.",
            )

    failed = await _attempt(request, user, uow, use_id, f"evidence-{kind.value}", action, values)
    return failed or _done(use_id, "bewijs", f"#step-{kind.value}-title")


@router.get(BASE + "/{use_id:int}/bewijs/{evidence_id:int}")
def evidence_file(use_id: int, evidence_id: int, user: User, uow: UoW) -> Response:
    """A file kept as evidence, as an attachment (editors and up)."""
    with uow() as session:
        stored = remediation.evidence_file(session, user.principal, use_id, evidence_id)
    return Response(
        stored.content,
        media_type=stored.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(stored.file_name, safe='')}",
            "X-Content-Type-Options": "nosniff",
        },
    )
