"""Public pages of bias reports: every published report across the register, and one report with its JSON.

Only what the public may see is shown: a draft or withdrawn report, or one of an algorithm that is
not public, answers 404 exactly like an unknown id. The list's whole search lives in the URL
(``q``, ``organisation``, ``verdict``, ``page``), so it can be bookmarked and works without JavaScript.
"""

import math
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from algoreg.errors import NotFound
from algoreg.register import bias_reports
from algoreg.register.bias_reports import ReportFilter, VerdictPresent, verdicts_from
from algoreg.register.search import PageInfo
from algoreg.web.deps import UoW
from algoreg.web.pages.bias_report_content import MODE_LABELS, VERDICT_LABELS, report_fragment
from algoreg.web.pages.deps import CSRF
from algoreg.web.pages.public_algorithm import not_found_page
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

#: Reports per page of the list.
PAGE_SIZE = 20

_NOT_FOUND = "There is no published bias report with this number for this algorithm."


@router.get("/biastoetsen", response_class=HTMLResponse)
def reports_page(
    request: Request,
    uow: UoW,
    q: Annotated[str, Query()] = "",
    organisation: Annotated[str, Query()] = "",
    verdict: Annotated[list[str] | None, Query()] = None,
    page: Annotated[str, Query()] = "1",
) -> HTMLResponse:
    """Published bias reports of every organisation, newest first, with filters and pages.

    Unknown or malformed values in the URL are ignored, never an error.
    """
    text = q[:200]
    code = organisation.strip()[:64]
    verdicts = verdicts_from(verdict or [])
    number = int(page) if page.isdecimal() and len(page) < 8 else 1
    where = ReportFilter(organisation_code=code or None, verdicts=verdicts, text=text)
    with uow() as session:
        organisations = bias_reports.published_organisations(session)
        first = bias_reports.list_published_reports(session, where, offset=0, limit=PAGE_SIZE)
        count = max(1, math.ceil(first.total / PAGE_SIZE))
        number = min(max(1, number), count)
        result = (
            first
            if number == 1
            else bias_reports.list_published_reports(
                session, where, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
            )
        )
    start = (number - 1) * PAGE_SIZE + 1 if result.total else 0
    context = {
        "section": "bias",
        "text": text,
        "organisation": code.lower(),
        "organisations": organisations,
        "verdicts": [verdict.value for verdict in verdicts],
        "verdict_choices": [(v.value, VERDICT_LABELS[v.value]) for v in VerdictPresent],
        "result": result,
        "page": PageInfo(
            number=number,
            size=PAGE_SIZE,
            count=count if result.total else 0,
            first_item=start,
            last_item=start + len(result.items) - 1 if result.total else 0,
        ),
        "filtered": bool(text.strip() or code or verdicts),
    }
    return render(request, "public/bias_reports.html", context)


@router.get("/algoritme/{public_id}/biastoets/{report_id:int}", response_class=HTMLResponse)
def report_page(request: Request, public_id: str, report_id: int, uow: UoW) -> HTMLResponse:
    """One published bias report: what it covers, its verdicts, every finding and the legal questions."""
    try:
        with uow() as session:
            view = bias_reports.get_report(session, None, public_id, report_id)
            document = bias_reports.report_document(session, None, public_id, report_id)
    except NotFound:
        return not_found_page(request, _NOT_FOUND)
    context = {
        "section": "bias",
        "report": view,
        "analysis": report_fragment(document, request.state.lang),
        "mode_labels": MODE_LABELS,
        "document_url": f"/algoritme/{public_id}/biastoets/{report_id}.json",
    }
    return render(request, "public/bias_report.html", context)


@router.get("/algoritme/{public_id}/biastoets/{report_id:int}.json")
def report_document(request: Request, public_id: str, report_id: int, uow: UoW) -> Response:
    """The published report's document exactly as attached, as JSON; the ETag is its integrity digest."""
    try:
        with uow() as session:
            view = bias_reports.get_report(session, None, public_id, report_id)
            text = bias_reports.report_document(session, None, public_id, report_id)
    except NotFound:
        return not_found_page(request, _NOT_FOUND)
    return Response(
        text.encode("utf-8"),
        media_type="application/json",
        headers={
            "ETag": f'"{view.digest}"',
            "Content-Disposition": f'inline; filename="biastoets-{public_id}-{report_id}.json"',
        },
    )
