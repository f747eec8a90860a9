"""Page: importing many algorithms at once from a file (JSON, JSON lines, CSV or XLSX).

All-or-nothing is the default: when any row has a problem nothing is stored and every problem is
listed by row, field and reason. Otherwise the valid rows are stored and the others listed. An
unreadable file gets a message saying what is wrong with it.
"""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.register import transfer
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Role
from algoreg.register.transfer import ImportReport
from algoreg.standard.metadata import field_metadata
from algoreg.standard.tabular import TabularError, read_rows
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.manage_common import common_context, translate_reason
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])


@dataclass(frozen=True)
class RowProblem:
    """One problem of the import as the page shows it."""

    row: int | None
    field: str
    field_title: str
    message: str
    translated: bool


def _row_problems(problems: list[FieldProblem], lang: i18n.Language) -> list[RowProblem]:
    titles = field_metadata(lang)
    shown: list[RowProblem] = []
    for problem in problems:
        name = problem.field.split(".", 1)[0]
        title = titles[name].title if name in titles else ""
        message, translated = translate_reason(lang, problem.reason)
        shown.append(RowProblem(problem.record, problem.field, title, message, translated))
    return shown


def _page(request: Request, code: str, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    context = common_context(request) | {
        "organisation_code": code,
        "organisation_name": name,
        "file_error": None,
        "file_error_detail": None,
        "problems": [],
        "report": None,
        "nothing_stored": False,
        "all_or_nothing": True,
        "publish": False,
    }
    context.update(values)
    return render(request, "manage/import.html", context, status_code)


def _organisation(uow: UoW, user: User, organisation_code: str) -> tuple[str, str]:
    with uow() as session:
        organisation = get_organisation(session, organisation_code)
        user.principal.require(organisation.id, Role.EDITOR, "import algorithms")
        return organisation.code, organisation.name


@router.get("/beheer/organisatie/{organisation_code}/import", response_class=HTMLResponse)
def import_form(request: Request, organisation_code: str, user: User, uow: UoW) -> HTMLResponse:
    """Show the upload form (editors and up)."""
    code, name = _organisation(uow, user, organisation_code)
    return _page(request, code, name)


@router.post("/beheer/organisatie/{organisation_code}/import", response_class=HTMLResponse)
async def import_file(request: Request, organisation_code: str, user: User, uow: UoW) -> HTMLResponse:
    """Import the uploaded file and report what was stored, or every problem and that nothing was."""
    code, name = _organisation(uow, user, organisation_code)
    form = await request.form()
    lang: i18n.Language = request.state.lang
    all_or_nothing = form.get("mode") != "valid-rows"
    publish = form.get("publish") == "yes"
    options = {"all_or_nothing": all_or_nothing, "publish": publish}
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        message = i18n.gettext(lang, "Choose a file to import.")
        return _page(request, code, name, 422, file_error=message, **options)
    data = await upload.read()
    try:
        rows = read_rows(data, filename=upload.filename)
    except TabularError as unreadable:
        message = i18n.gettext(lang, "The file could not be read; nothing was imported.")
        return _page(
            request, code, name, 422, file_error=message, file_error_detail=unreadable.message, **options
        )
    report: ImportReport
    try:
        with uow() as session:
            report = transfer.import_records(
                session, user.principal, code, list(rows), all_or_nothing=all_or_nothing, publish=publish
            )
    except InvalidInput as invalid:
        return _page(
            request,
            code,
            name,
            422,
            problems=_row_problems(invalid.problems, lang),
            nothing_stored=True,
            total_rows=len(rows),
            **options,
        )
    return _page(
        request,
        code,
        name,
        problems=_row_problems(report.problems, lang),
        report=report,
        total_rows=len(rows),
        **options,
    )
