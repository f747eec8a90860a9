"""Pages: one published algorithm, its published versions and the difference between two of them.

Only what the public may see is shown: an algorithm in concept, retracted or archived answers 404
exactly like an unknown id.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from algoreg.errors import NotFound
from algoreg.federation.provenance import provenance_of
from algoreg.register import algorithms, bias_reports
from algoreg.register.algorithms import PublicAlgorithm
from algoreg.register.diff import diff_records
from algoreg.register.presentation import change_rows, record_sections
from algoreg.register.version_choice import VersionChoice, choose_versions
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages.deps import CSRF
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

# The shared partials public/_record.html and public/_diff.html compute their rows with these, so
# that any page may include them with just a record or a list of changes.

_NOT_FOUND = "There is no published algorithm with this id in the register."


def not_found_page(request: Request, message: str) -> HTMLResponse:
    """Render the register's 404 page with ``message`` (an English source text, translated)."""
    lang = request.state.lang
    return render(
        request,
        "error.html",
        {"title": i18n.gettext(lang, "Page not found"), "message": i18n.gettext(lang, message)},
        404,
    )


def _history(uow: UoW, public_id: str) -> list[PublicAlgorithm] | None:
    with uow() as session:
        try:
            return algorithms.published_history(session, public_id)
        except NotFound:
            return None


def _algorithm_page(
    request: Request, history: list[PublicAlgorithm], shown: PublicAlgorithm, uow: UoW
) -> HTMLResponse:
    current = history[-1]
    with uow() as session:
        source = provenance_of(session, shown.public_id)
        reports = bias_reports.reports_of_algorithm(session, None, shown.public_id)
    lang = request.state.lang
    return render(
        request,
        "public/algorithm.html",
        {
            "algorithm": shown,
            "current": current,
            "history": history,
            "is_current": shown.version_number == current.version_number,
            "sections": record_sections(shown.record, lang),
            "choice": VersionChoice.default(history),
            "provenance": source,
            "bias_reports": reports,
        },
    )


@router.get("/algoritme/{public_id}", response_class=HTMLResponse)
def algorithm_page(request: Request, public_id: str, uow: UoW) -> HTMLResponse:
    """The published version of an algorithm, with its history and a form to compare versions."""
    history = _history(uow, public_id)
    if not history:
        return not_found_page(request, _NOT_FOUND)
    return _algorithm_page(request, history, history[-1], uow)


@router.get("/algoritme/{public_id}/versie/{number}", response_class=HTMLResponse)
def version_page(request: Request, public_id: str, number: str, uow: UoW) -> HTMLResponse:
    """One published version of an algorithm, by its number (a permalink)."""
    history = _history(uow, public_id)
    if not history:
        return not_found_page(request, _NOT_FOUND)
    shown = next((item for item in history if str(item.version_number) == number.strip()), None)
    if shown is None:
        return not_found_page(request, "This algorithm has no published version with this number.")
    return _algorithm_page(request, history, shown, uow)


@router.get("/algoritme/{public_id}/verschil", response_class=HTMLResponse)
def diff_page(
    request: Request,
    public_id: str,
    uow: UoW,
    van: Annotated[str | None, Query()] = None,
    naar: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """The readable difference between two published versions chosen with ``van`` and ``naar``."""
    history = _history(uow, public_id)
    if not history:
        return not_found_page(request, _NOT_FOUND)
    choice = choose_versions(history, van, naar)
    context = {"algorithm": history[-1], "history": history, "choice": choice, "changes": []}
    if choice.errors:
        return render(request, "public/algorithm_diff.html", context, 400)
    before = next(item for item in history if item.version_number == choice.from_number)
    after = next(item for item in history if item.version_number == choice.to_number)
    context["changes"] = change_rows(diff_records(before.record, after.record), request.state.lang)
    context["before"], context["after"] = before, after
    return render(request, "public/algorithm_diff.html", context)
