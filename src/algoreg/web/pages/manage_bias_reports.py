"""Management pages of bias reports: attach a document, read a report in any state, edit, publish, withdraw.

Everything needs a role in the algorithm's organisation: any role reads, editors attach and edit,
publishers publish and withdraw. For anyone else a report does not exist (404). Forms are POSTs
with the CSRF token; an upload is bounded by the request limit and by the document's own limit.
"""

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData, UploadFile

from algoreg.errors import Conflict, FieldProblem, InvalidInput
from algoreg.register import algorithms, bias_reports
from algoreg.register.algorithms import AlgorithmView
from algoreg.register.bias_reports import MAX_DOCUMENT_BYTES, DocumentTooLarge, ReportDetails, ReportState
from algoreg.register.roles import Role
from algoreg.register.sessions import SignedIn
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages import form_problems
from algoreg.web.pages.bias_report_content import MODE_LABELS, report_fragment
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.form_problems import Reasons, confirmation, reason
from algoreg.web.pages.form_problems import ShownProblem as ShownProblem  # used by the bias analysis tool
from algoreg.web.pages.manage_common import common_context, translate_reason
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

#: Words for each state of a report (English source texts).
REPORT_STATE_LABELS: dict[str, str] = {
    ReportState.DRAFT: "Draft",
    ReportState.PUBLISHED: "Published",
    ReportState.WITHDRAWN: "Withdrawn",
}

#: Confirmations on a report's page, by the value of ``?gedaan=``.
REPORT_DONE_MESSAGES: dict[str, str] = {
    "toegevoegd": "The bias test was attached as a draft.",
    "opgeslagen": "Your changes to the bias test were saved.",
    "gepubliceerd": "The bias test was published; the public can read it while the algorithm is public.",
    "ingetrokken": "The bias test was withdrawn; the public can no longer read it.",
}

CHOOSE_FILE = "Choose the JSON file of the bias analysis."

#: Labels of the form's fields (English source texts); problems of the document belong to the file.
FIELD_LABELS: dict[str, str] = {
    "title": "Title",
    "period": "Period or data tested",
    "description": "Description",
    "document": "Document (JSON file)",
}


#: The domain's reasons about bias reports, and their English source texts (translated in bias.po).
_REASONS = Reasons(
    reason(r"is required; give a text of at least 1 character", "This field is required; fill it in."),
    reason(
        r"is (?P<length>\d+) characters long; at most (?P<maximum>\d+) are allowed",
        "This text is %(length)s characters long; at most %(maximum)s are allowed.",
    ),
    reason(
        r"is (?P<length>\d+) characters of text long \(markup not counted\); "
        r"at most (?P<maximum>\d+) are allowed",
        "This text is %(length)s characters long (markup not counted); at most %(maximum)s are allowed.",
    ),
    reason(
        r"is (?P<size>\d+) bytes; at most \d+ bytes \((?P<megabytes>\d+) MB\) are accepted",
        "The file is %(size)s bytes; at most %(megabytes)s MB is accepted.",
    ),
    reason(
        r"does not match the document's content: the document was changed after it was made",
        "The document was changed after it was made: its integrity digest does not match its content.",
    ),
    reason(
        r"must be 'algoreg-bias/1'; got (?P<given>.*)",
        "This is not a bias analysis document of format algoreg-bias/1 (its format is %(given)s).",
    ),
    reason(
        r"must be one of decisions, aggregate, monitoring; got (?P<given>.*)",
        "The kind of analysis (mode) %(given)s is unknown; known are decisions, aggregate and monitoring.",
    ),
    reason(r"is not UTF-8 text.*", "The file is not UTF-8 text."),
    reason(r"must be a JSON object; got .*", "The file does not hold a JSON object."),
    reason(r"is not valid JSON: (?P<detail>.*)", "The file is not valid JSON (%(detail)s)."),
    reason(re.escape(CHOOSE_FILE), CHOOSE_FILE),
    # refusals (Conflict) shown as the page's alert
    reason(
        r"A published bias report cannot be edited; withdraw it first, then edit it\.",
        "A published bias report cannot be edited; withdraw it first, then edit it.",
    ),
    reason(r"This bias report is published already\.", "This bias report is published already."),
    reason(
        r"This bias report is not published, so there is nothing to withdraw\.",
        "This bias report is not published, so there is nothing to withdraw.",
    ),
    fallback=translate_reason,
)


def _input_of(field: str) -> str:
    return "document" if field.startswith("document") else field


def shown_problems(problems: list[FieldProblem], lang: i18n.Language) -> list[ShownProblem]:
    """The problems of an attach or edit form in ``lang``, each under the form field it belongs to."""
    return form_problems.shown_problems(
        problems, lang, _REASONS, FIELD_LABELS, anchor_prefix="report-", name_of=_input_of
    )


@dataclass(frozen=True)
class AlgorithmPlace:
    """The algorithm a page is about, its organisation's id and the user's role there."""

    view: AlgorithmView
    organisation_id: int
    role: Role | None


def algorithm_place(uow: UoW, user: SignedIn, public_id: str) -> AlgorithmPlace:
    """The algorithm, for a user with any role in its organisation (else NotFound)."""
    with uow() as session:
        view = algorithms.view(session, user.principal, public_id)
        organisation_id = algorithms.find_algorithm(session, public_id).organisation_id
    return AlgorithmPlace(view, organisation_id, user.principal.role_in(organisation_id))


def _base(request: Request, place: AlgorithmPlace) -> dict[str, Any]:
    role = place.role
    return common_context(request) | {
        "algorithm": place.view,
        "name": str(place.view.latest.record.get("name", "")),
        "role": role,
        "may_attach": role is not None and role.rank >= Role.EDITOR.rank,
        "may_publish": role is not None and role.rank >= Role.PUBLISHER.rank,
        "report_state_labels": REPORT_STATE_LABELS,
        "mode_labels": MODE_LABELS,
        "max_document_megabytes": MAX_DOCUMENT_BYTES // 1024 // 1024,
    }


def _new_page(
    request: Request,
    place: AlgorithmPlace,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    problems: list[ShownProblem] | None = None,
) -> HTMLResponse:
    context = _base(request, place) | {
        "values": values or {"title": "", "period": "", "description": ""},
        "problems": problems or [],
    }
    return render(request, "manage/bias_report_new.html", context, status_code)


def _report_page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    public_id: str,
    report_id: int,
    *,
    status_code: int = 200,
    alert: str | None = None,
    values: dict[str, str] | None = None,
    problems: list[ShownProblem] | None = None,
) -> HTMLResponse:
    place = algorithm_place(uow, user, public_id)
    with uow() as session:
        report = bias_reports.get_report(session, user.principal, public_id, report_id)
        document = bias_reports.report_document(session, user.principal, public_id, report_id)
    done = confirmation(request, REPORT_DONE_MESSAGES)
    context = _base(request, place) | {
        "report": report,
        "analysis": report_fragment(document, request.state.lang),
        "done": done,
        "alert": alert,
        "may_edit": place.role is not None
        and place.role.rank >= Role.EDITOR.rank
        and report.state is not ReportState.PUBLISHED,
        "values": values
        or {"title": report.title, "period": report.period, "description": report.description},
        "problems": problems or [],
    }
    return render(request, "manage/bias_report.html", context, status_code)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _details(form: FormData) -> tuple[ReportDetails, dict[str, str]]:
    values = {name: _text(form, name) for name in ("title", "period", "description")}
    return ReportDetails(**values), values


@router.get("/beheer/algoritme/{public_id}/biastoets/nieuw", response_class=HTMLResponse)
def new_report(request: Request, public_id: str, user: User, uow: UoW) -> HTMLResponse:
    """The form to attach a bias analysis document to the algorithm (editors and up)."""
    place = algorithm_place(uow, user, public_id)
    user.principal.require(place.organisation_id, Role.EDITOR, "attach a bias report to this algorithm")
    return _new_page(request, place)


@router.post("/beheer/algoritme/{public_id}/biastoetsen", response_class=HTMLResponse)
async def attach(request: Request, public_id: str, user: User, uow: UoW) -> Response:
    """Attach the uploaded document as a draft report; every problem is shown with the form (422, 413)."""
    place = algorithm_place(uow, user, public_id)
    user.principal.require(place.organisation_id, Role.EDITOR, "attach a bias report to this algorithm")
    form = await request.form()
    lang: i18n.Language = request.state.lang
    details, values = _details(form)
    upload = form.get("document")
    if not isinstance(upload, UploadFile) or not upload.filename:
        missing = shown_problems([FieldProblem("document", CHOOSE_FILE)], lang)
        return _new_page(request, place, 422, values, missing)
    content = await upload.read(MAX_DOCUMENT_BYTES + 1)
    try:
        with uow() as session:
            report = bias_reports.attach_report(session, user.principal, public_id, details, content)
            report_id = report.id
    except DocumentTooLarge as too_large:
        return _new_page(request, place, 413, values, shown_problems(too_large.problems, lang))
    except InvalidInput as invalid:
        return _new_page(request, place, 422, values, shown_problems(invalid.problems, lang))
    return RedirectResponse(
        f"/beheer/algoritme/{public_id}/biastoets/{report_id}?gedaan=toegevoegd", status_code=303
    )


@router.get("/beheer/algoritme/{public_id}/biastoets/{report_id:int}", response_class=HTMLResponse)
def report_page(request: Request, public_id: str, report_id: int, user: User, uow: UoW) -> HTMLResponse:
    """One report in any state, for every role in the organisation, with the steps the user may take."""
    return _report_page(request, user, uow, public_id, report_id)


@router.post("/beheer/algoritme/{public_id}/biastoets/{report_id:int}", response_class=HTMLResponse)
async def edit(request: Request, public_id: str, report_id: int, user: User, uow: UoW) -> Response:
    """Save new details of a report that is not published (editors and up)."""
    form = await request.form()
    details, values = _details(form)
    lang: i18n.Language = request.state.lang
    try:
        with uow() as session:
            bias_reports.edit_report(session, user.principal, public_id, report_id, details)
    except InvalidInput as invalid:
        return _report_page(
            request,
            user,
            uow,
            public_id,
            report_id,
            status_code=422,
            values=values,
            problems=shown_problems(invalid.problems, lang),
        )
    except Conflict as conflict:
        return _report_page(
            request, user, uow, public_id, report_id, status_code=409, alert=_conflict(lang, conflict)
        )
    return RedirectResponse(
        f"/beheer/algoritme/{public_id}/biastoets/{report_id}?gedaan=opgeslagen", status_code=303
    )


def _conflict(lang: i18n.Language, conflict: Conflict) -> Markup:
    """The refusal as the page's alert: translated through the reasons, or marked as English."""
    return _REASONS.shown(lang, conflict.message)


@router.post(
    "/beheer/algoritme/{public_id}/biastoets/{report_id:int}/publiceren", response_class=HTMLResponse
)
def publish(request: Request, public_id: str, report_id: int, user: User, uow: UoW) -> Response:
    """Publish the report (publishers and up); a report published already gives 409."""
    try:
        with uow() as session:
            bias_reports.publish_report(session, user.principal, public_id, report_id)
    except Conflict as conflict:
        alert = _conflict(request.state.lang, conflict)
        return _report_page(request, user, uow, public_id, report_id, status_code=409, alert=alert)
    return RedirectResponse(
        f"/beheer/algoritme/{public_id}/biastoets/{report_id}?gedaan=gepubliceerd", status_code=303
    )


@router.post("/beheer/algoritme/{public_id}/biastoets/{report_id:int}/intrekken", response_class=HTMLResponse)
def withdraw(request: Request, public_id: str, report_id: int, user: User, uow: UoW) -> Response:
    """Withdraw the report from the public (publishers and up); one that is not published gives 409."""
    try:
        with uow() as session:
            bias_reports.withdraw_report(session, user.principal, public_id, report_id)
    except Conflict as conflict:
        alert = _conflict(request.state.lang, conflict)
        return _report_page(request, user, uow, public_id, report_id, status_code=409, alert=alert)
    return RedirectResponse(
        f"/beheer/algoritme/{public_id}/biastoets/{report_id}?gedaan=ingetrokken", status_code=303
    )


@router.get("/beheer/algoritme/{public_id}/biastoets/{report_id:int}.json")
def document(public_id: str, report_id: int, user: User, uow: UoW) -> Response:
    """The report's document exactly as attached, in any state, for the organisation's people."""
    with uow() as session:
        view = bias_reports.get_report(session, user.principal, public_id, report_id)
        text = bias_reports.report_document(session, user.principal, public_id, report_id)
    return Response(text.encode("utf-8"), media_type="application/json", headers={"ETag": f'"{view.digest}"'})
