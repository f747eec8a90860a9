"""Turning domain errors and request validation errors into clear JSON responses.

Every error body has ``detail`` (a sentence for people). Input errors add ``errors``: a list of
``{"field", "reason"}`` (plus ``record`` for imports) naming each field, what was wrong and what is
allowed. Under the delivery API (``/aanleverapi/``) validation errors keep the official shape
``{"detail": [{"loc", "msg", "type"}]}`` so that its clients understand them.
"""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from algoreg.errors import (
    AlgoregError,
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    StaleWrite,
)
from algoreg.standard.validation import describe_error
from algoreg.web import i18n
from algoreg.web.api.params import MAX_INTEGER
from algoreg.web.pages.deps import LoginRequired

_STATUS: dict[type[AlgoregError], int] = {
    NotFound: 404,
    Forbidden: 403,
    NotAuthenticated: 401,
    StaleWrite: 409,
    Conflict: 409,
    InvalidInput: 422,
}


def _is_delivery_api(request: Request) -> bool:
    return request.url.path.startswith("/aanleverapi/")


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/aanleverapi/"))


_PAGE_TITLES = {401: "Log in", 403: "Not allowed", 404: "Page not found"}


def _page_error(request: Request, status: int, message: str) -> Response:
    from algoreg.web.templating import render  # the pages are optional for the JSON API

    title = i18n.gettext(request.state.lang, _PAGE_TITLES.get(status, "Something went wrong"))
    return render(
        request, "error.html", {"title": title, "message": i18n.gettext(request.state.lang, message)}, status
    )


def problems_body(problems: list[FieldProblem], summary: str) -> dict[str, Any]:
    """Return the JSON body that lists input problems."""
    errors: list[dict[str, Any]] = []
    for problem in problems:
        item: dict[str, Any] = {"field": problem.field, "reason": problem.reason}
        if problem.record is not None:
            item["record"] = problem.record
        errors.append(item)
    return {"detail": summary, "errors": errors}


def _field_of(location: tuple[Any, ...]) -> str:
    parts = (
        [str(part) for part in location[1:]]
        if location and location[0] == "body"
        else [str(part) for part in location]
    )
    return ".".join(parts) or "body"  # the body as a whole, such as a body that is missing


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AlgoregError)
    status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
    if _is_page(request):
        return _page_error(request, status, exc.message)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
    if isinstance(exc, InvalidInput):
        if _is_delivery_api(request):
            detail = [
                {
                    "loc": ["body", *p.field.split(".")] if p.field else ["body"],
                    "msg": p.reason,
                    "type": "value_error",
                }
                for p in exc.problems
            ]
            return JSONResponse({"detail": detail}, status_code=422)
        return JSONResponse(problems_body(exc.problems, exc.message), status_code=422)
    return JSONResponse({"detail": exc.message}, status_code=status, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if _is_delivery_api(request):
        detail = [
            {"loc": list(error["loc"]), "msg": describe_error(error), "type": error["type"]}
            for error in errors
        ]
        return JSONResponse({"detail": detail}, status_code=422)
    problems = [FieldProblem(_field_of(tuple(error["loc"])), describe_error(error)) for error in errors]
    return JSONResponse(
        problems_body(problems, "The request is not valid; nothing was stored."), status_code=422
    )


def _unreadable_body(request: Request, detail: str) -> JSONResponse:
    """A body that cannot be read is an input error of the field ``body``, like any other (422)."""
    reason = (
        f"could not be read ({detail.rstrip('.')}); send JSON encoded as UTF-8, "
        "or a file as a well-formed multipart/form-data form"
    )
    if _is_delivery_api(request):
        return JSONResponse({"detail": [{"loc": ["body"], "msg": reason, "type": "value_error"}]}, 422)
    return JSONResponse(
        problems_body(
            [FieldProblem("body", reason)], "The request body could not be read; nothing was stored."
        ),
        status_code=422,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if _is_page(request) and hasattr(request.state, "lang"):
        return _page_error(request, exc.status_code, str(exc.detail))
    if exc.status_code == 400 and not _is_page(request):
        # The API raises no 400 itself: FastAPI and Starlette do, when a body cannot be decoded.
        return _unreadable_body(request, str(exc.detail))
    return await http_exception_handler(request, exc)


#: SQLSTATE of PostgreSQL's "numeric value out of range" (such as an id beyond its integer column).
_OUT_OF_RANGE = "22003"


async def _number_out_of_range(request: Request, exc: Exception) -> Response:
    """A number too large for the database (SQLite's OverflowError, PostgreSQL's 22003) is bad input.

    Routes bound their numbers (:data:`algoreg.web.api.params.PathNumber`), naming the field;
    this catches any they miss, so that such a number is refused instead of failing the request.
    """
    if isinstance(exc, DataError) and getattr(exc.orig, "sqlstate", None) != _OUT_OF_RANGE:
        raise exc
    problem = FieldProblem(
        "path or query", f"holds a number larger than the {MAX_INTEGER} this register stores"
    )
    return await _domain_error(request, InvalidInput([problem], "A number in the request is out of range."))


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/inloggen?next={exc.next_url}", status_code=303)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn errors into the responses described above."""
    app.add_exception_handler(AlgoregError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(OverflowError, _number_out_of_range)
    app.add_exception_handler(DataError, _number_out_of_range)
