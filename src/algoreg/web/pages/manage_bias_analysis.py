"""The web tool for bias analyses: upload data, choose the columns, read the report, keep only that.

The data file is analysed while the request runs and deleted right after. The result page shows the
report and carries the analysis document (aggregated figures only) in its forms: to download it as
JSON, HTML or PDF, or — from an algorithm's pages, for its editors — to attach it as a draft bias
report. Nothing is stored until the user attaches it.
"""

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from algoreg.bias.requests import request_of, run_request
from algoreg.bias.uploads import DATA_FILE_TYPES, check_unpacked_size, data_file_suffix
from algoreg.errors import FieldProblem, InvalidInput
from algoreg.register import bias_reports
from algoreg.register.bias_reports import DocumentTooLarge, ReportDetails
from algoreg.register.roles import Role
from algoreg.register.sessions import SignedIn
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages.bias_analysis_form import DEFAULTS, form_field_of, request_from_form
from algoreg.web.pages.bias_report_content import report_fragment
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.manage_bias_reports import (
    AlgorithmPlace,
    ShownProblem,
    algorithm_place,
    shown_problems,
)
from algoreg.web.pages.manage_common import common_context
from algoreg.web.templating import render
from algoreg.web.uploads import upload_on_disk

router = APIRouter(dependencies=[CSRF])

UPLOAD_SUFFIX = "/analyseren"
"""The ending of the paths that take decision data, whose uploads have their own, larger limit."""

CHOOSE_DATA = "Choose the file with the data to analyse."

OWN_REASONS = frozenset({CHOOSE_DATA})
"""Reasons this page gives itself (English source texts, translated in bias_analysis.po)."""

#: Labels of the form's fields (English source texts), for the summary of problems.
FIELD_LABELS: dict[str, str] = {
    "data": "Data file",
    "mode": "Kind of analysis",
    "protected": "Protected or proxy columns",
    "outcome": "Outcome column",
    "score": "Score column",
    "label": "Label column",
    "threshold": "Threshold",
    "reference": "Reference groups",
    "tolerance_lower": "Tolerance",
    "min_group_size": "Smallest group",
    "q": "False discovery rate",
    "period_column": "Period column",
    "period": "Period",
    "group": "Group column",
    "stages": "Stages",
    "stage_column": "Stage column",
    "count_column": "Count column",
}


def _problems(problems: list[FieldProblem], mode: str, lang: i18n.Language) -> list[ShownProblem]:
    placed: list[FieldProblem] = []
    for problem in problems:
        name = form_field_of(problem.field, mode)
        moved = name == "data" and problem.field not in ("data", "source", "")
        placed.append(FieldProblem(name, f"{problem.field}: {problem.reason}" if moved else problem.reason))
    shown: list[ShownProblem] = []
    for one in shown_problems(placed, lang):
        message, translated = one.message, one.translated
        if message in OWN_REASONS:
            message, translated = i18n.gettext(lang, message), True
        label = i18n.gettext(lang, FIELD_LABELS.get(one.name, one.name))
        shown.append(ShownProblem(one.field, one.name, label, message, translated))
    return shown


def _place_for_editor(uow: UoW, user: SignedIn, public_id: str) -> AlgorithmPlace:
    place = algorithm_place(uow, user, public_id)
    user.principal.require(place.organisation_id, Role.EDITOR, "attach a bias report to this algorithm")
    return place


def _context(request: Request, place: AlgorithmPlace | None) -> dict[str, Any]:
    action = "/beheer/biastoets/analyseren"
    if place is not None:
        action = f"/beheer/algoritme/{place.view.public_id}/biastoets/analyseren"
    return common_context(request) | {
        "algorithm": place.view if place else None,
        "name": str(place.view.latest.record.get("name", "")) if place else "",
        "action": action,
        "file_types": ", ".join(DATA_FILE_TYPES),
        "max_upload_megabytes": request.app.state.settings.bias_max_upload_bytes // 1024 // 1024,
    }


def _form_page(
    request: Request,
    place: AlgorithmPlace | None,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    problems: list[ShownProblem] | None = None,
) -> HTMLResponse:
    context = _context(request, place) | {"values": values or dict(DEFAULTS), "problems": problems or []}
    return render(request, "manage/bias_analysis.html", context, status_code)


def _result_page(
    request: Request,
    place: AlgorithmPlace | None,
    document: str,
    status_code: int = 200,
    details: dict[str, str] | None = None,
    problems: list[ShownProblem] | None = None,
) -> HTMLResponse:
    context = _context(request, place) | {
        "document": document,
        "analysis": report_fragment(document, request.state.lang),
        "values": details or {"title": "", "period": "", "description": ""},
        "problems": problems or [],
        "may_attach": place is not None,
    }
    return render(request, "manage/bias_analysis_result.html", context, status_code)


def _values(form: FormData) -> dict[str, str]:
    values = {name: value for name in DEFAULTS if isinstance(value := form.get(name), str)}
    values.setdefault("origin", "")  # an unticked box sends nothing
    return {**DEFAULTS, **values}


def _analyse(upload: UploadFile, values: dict[str, str], max_unpacked_bytes: int) -> str:
    """The document (JSON text) of the analysis the form asks for; the uploaded file is deleted."""
    request = request_of(request_from_form(values))
    suffix = data_file_suffix(upload.filename or "")
    with upload_on_disk(upload.file, suffix) as path:
        check_unpacked_size(path, max_unpacked_bytes)
        return json.dumps(run_request(str(path), request))


async def _run(request: Request, place: AlgorithmPlace | None) -> Response:
    form = await request.form()
    values = _values(form)
    lang: i18n.Language = request.state.lang
    upload = form.get("data")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _form_page(
            request, place, 422, values, _problems([FieldProblem("data", CHOOSE_DATA)], "", lang)
        )
    try:
        document = await run_in_threadpool(
            _analyse, upload, values, request.app.state.settings.bias_max_unpacked_bytes
        )
    except InvalidInput as invalid:
        return _form_page(request, place, 422, values, _problems(invalid.problems, values["mode"], lang))
    return _result_page(request, place, document)


@router.get("/beheer/biastoets/analyseren", response_class=HTMLResponse)
def analysis_form(request: Request, user: User) -> HTMLResponse:
    """The form of the analysis tool, for anyone signed in; nothing is stored."""
    return _form_page(request, None)


@router.post("/beheer/biastoets/analyseren", response_class=HTMLResponse)
async def analyse(request: Request, user: User) -> Response:
    """Analyse the uploaded data and show the report; every problem is shown with the form (422)."""
    return await _run(request, None)


@router.get("/beheer/algoritme/{public_id}/biastoets/analyseren", response_class=HTMLResponse)
def algorithm_analysis_form(request: Request, public_id: str, user: User, uow: UoW) -> HTMLResponse:
    """The analysis tool for one algorithm, whose result can be attached to it (editors and up)."""
    return _form_page(request, _place_for_editor(uow, user, public_id))


@router.post("/beheer/algoritme/{public_id}/biastoets/analyseren", response_class=HTMLResponse)
async def analyse_for_algorithm(request: Request, public_id: str, user: User, uow: UoW) -> Response:
    """Analyse the uploaded data for the algorithm and show the report with the form to attach it."""
    return await _run(request, _place_for_editor(uow, user, public_id))


@router.post("/beheer/algoritme/{public_id}/biastoets/analyseren/toevoegen", response_class=HTMLResponse)
async def attach_result(request: Request, public_id: str, user: User, uow: UoW) -> Response:
    """Attach the shown analysis as a draft report; problems are shown with the report (422, 413)."""
    place = _place_for_editor(uow, user, public_id)
    form = await request.form()
    lang: i18n.Language = request.state.lang
    document = form.get("document")
    if not isinstance(document, str) or not document:
        raise InvalidInput(problems=[FieldProblem("document", "is missing")], summary="Nothing was attached.")
    values = {
        name: text if isinstance(text := form.get(name), str) else ""
        for name in ("title", "period", "description")
    }
    try:
        with uow() as session:
            report_id = bias_reports.attach_report(
                session, user.principal, public_id, ReportDetails(**values), document
            ).id
    except DocumentTooLarge as too_large:
        return _result_page(request, place, document, 413, values, shown_problems(too_large.problems, lang))
    except InvalidInput as invalid:
        if any(problem.field.startswith("document") for problem in invalid.problems):
            raise  # the document was changed on its way back: no report page can be shown for it
        return _result_page(request, place, document, 422, values, shown_problems(invalid.problems, lang))
    return RedirectResponse(
        f"/beheer/algoritme/{public_id}/biastoets/{report_id}?gedaan=toegevoegd", status_code=303
    )


@router.post("/beheer/biastoets/document")
async def download(request: Request, user: User) -> Response:
    """The shown analysis as a file: its JSON document, or its report as HTML or PDF (checked first)."""
    form = await request.form()
    document = form.get("document")
    chosen = form.get("format")
    if not isinstance(document, str) or chosen not in ("json", "html", "pdf"):
        raise InvalidInput(
            problems=[FieldProblem("format", "choose json, html or pdf, with the analysis document")],
            summary="Nothing can be downloaded.",
        )
    parsed = bias_reports.read_document(document)  # checks format and digest
    lang: i18n.Language = request.state.lang
    if chosen == "json":
        return Response(
            parsed.text.encode("utf-8"),
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="bias-analysis.json"'},
        )
    from algoreg.web.reports.bias import render_html, render_pdf  # charts load on first use

    source = json.loads(parsed.text)
    if chosen == "html":
        html = await run_in_threadpool(render_html, source, lang)
        return Response(
            html.encode("utf-8"),
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="bias-analysis.html"'},
        )
    pdf = await run_in_threadpool(render_pdf, source, lang)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="bias-analysis.pdf"'},
    )
