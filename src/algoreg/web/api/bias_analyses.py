"""The JSON API that runs a bias analysis on uploaded data: the result, or a draft report of an algorithm.

The data file (CSV, Parquet or XLSX, ``ALGOREG_BIAS_MAX_UPLOAD_BYTES`` at most) is analysed while the
request runs and deleted right after; what comes back — and what an attached report keeps — is the
``algoreg-bias/1`` document of aggregated figures, never a row of the data. Both endpoints need an API
token: any role to analyse, the editor role of the algorithm's organisation to attach.
"""

import json
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from algoreg.bias.requests import request_of, run_request
from algoreg.bias.uploads import check_unpacked_size, data_file_suffix
from algoreg.errors import FieldProblem, InvalidInput
from algoreg.register import bias_reports
from algoreg.register.bias_reports import ReportDetails
from algoreg.register.roles import Principal
from algoreg.web.api.bias_reports import BiasReportOut
from algoreg.web.deps import Actor, UoW
from algoreg.web.i18n import Language
from algoreg.web.uploads import upload_on_disk

router = APIRouter(prefix="/api/v1", tags=["bias analyses"])

UPLOAD_SUFFIX = "/analyses"
"""The ending of the paths that take decision data, whose uploads have their own, larger limit."""

REQUEST_DESCRIPTION = (
    "The analysis to run, as JSON: {'mode': 'decisions', 'settings': {...}} (the default mode), "
    "{'mode': 'monitoring', 'settings': {...}, 'period_column': ..., 'period': 'month'|'quarter'|'values'} "
    "or {'mode': 'aggregate', 'group': ..., 'layout': 'wide'|'long', 'stages': [...], 'judgement': {...}}. "
    "settings.roles names the columns: protected (a list), outcome, score, label, threshold."
)


class ResultFormat(StrEnum):
    """How the result of an analysis is sent: the document itself, or its report."""

    JSON = "json"
    HTML = "html"
    PDF = "pdf"


def _request_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as wrong:
        raise InvalidInput(
            problems=[FieldProblem("request", f"is not JSON: {wrong.msg} at position {wrong.pos}")],
            summary="The analysis request is not valid.",
        ) from None


def _settings(request: Request) -> tuple[int, int]:
    settings = request.app.state.settings
    return settings.bias_max_upload_bytes, settings.bias_max_unpacked_bytes


def analyse_upload(data: UploadFile, request_text: str, max_unpacked_bytes: int) -> dict[str, Any]:
    """The document of the analysis ``request_text`` asks for on the uploaded file, which is not kept."""
    suffix = data_file_suffix(data.filename or "")
    analysis_request = request_of(_request_json(request_text))
    with upload_on_disk(data.file, suffix) as path:
        check_unpacked_size(path, max_unpacked_bytes)
        return run_request(str(path), analysis_request)


def _result(
    document: dict[str, Any], result_format: ResultFormat, lang: Language, title: str | None
) -> Response:
    if result_format is ResultFormat.JSON:
        return Response(json.dumps(document).encode("utf-8"), media_type="application/json")
    from algoreg.web.reports.bias import render_html, render_pdf  # charts load on first use

    if result_format is ResultFormat.HTML:
        return Response(render_html(document, lang, title=title), media_type="text/html; charset=utf-8")
    return Response(
        render_pdf(document, lang, title=title),
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="bias-analysis.pdf"'},
    )


@router.post(
    "/bias/analyses",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {}, "text/html": {}, "application/pdf": {}},
            "description": "The algoreg-bias/1 document, or its report as HTML or PDF.",
        }
    },
)
async def analyse(
    request: Request,
    actor: Actor,
    data: Annotated[UploadFile, File(description="Decision data or stage counts: CSV, Parquet or XLSX.")],
    analysis: Annotated[str, Form(alias="request", description=REQUEST_DESCRIPTION, max_length=100_000)],
    result_format: Annotated[ResultFormat, Query(alias="format")] = ResultFormat.JSON,
    lang: Annotated[Language, Query()] = "nl",
    title: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Analyse uploaded data for bias and send the result; nothing is stored (any role, any organisation)."""
    _, max_unpacked = _settings(request)
    document = await run_in_threadpool(analyse_upload, data, analysis, max_unpacked)
    return await run_in_threadpool(_result, document, result_format, lang, title)


def _require_editor(uow: UoW, actor: Principal, public_id: str) -> None:
    with uow() as session:
        bias_reports.require_may_attach(session, actor, public_id)


@router.post("/algorithms/{public_id}/bias-reports/analyses", status_code=201, response_model=BiasReportOut)
async def analyse_and_attach(
    public_id: str,
    request: Request,
    response: Response,
    uow: UoW,
    actor: Actor,
    data: Annotated[UploadFile, File(description="Decision data or stage counts: CSV, Parquet or XLSX.")],
    analysis: Annotated[str, Form(alias="request", description=REQUEST_DESCRIPTION, max_length=100_000)],
    title: Annotated[str, Form(max_length=1000, description="Required; at most 200 characters.")],
    period: Annotated[str, Form(max_length=1000, description="The period or data covered; required.")],
    description: Annotated[str, Form(max_length=200_000, description="Rich text (p, ul, ol, li, br).")] = "",
) -> Any:
    """Analyse uploaded data and attach the result as a draft bias report (editor role); data is not kept."""
    await run_in_threadpool(_require_editor, uow, actor, public_id)
    details = bias_reports.check_details(ReportDetails(title=title, period=period, description=description))
    _, max_unpacked = _settings(request)
    document = await run_in_threadpool(analyse_upload, data, analysis, max_unpacked)

    def attach() -> BiasReportOut:
        with uow() as session:
            report_id = bias_reports.attach_report(session, actor, public_id, details, document).id
        with uow() as session:
            return BiasReportOut.of(bias_reports.get_report(session, actor, public_id, report_id), actor)

    attached = await run_in_threadpool(attach)
    response.headers["Location"] = f"/api/v1/algorithms/{public_id}/bias-reports/{attached.id}"
    return attached
