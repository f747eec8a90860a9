"""Signing in and out with a local account."""

import math
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from algoreg.errors import NotAuthenticated
from algoreg.register import login_throttle
from algoreg.register.accounts import authenticate_password, find_user
from algoreg.register.login_throttle import LoginLimits
from algoreg.register.sessions import end_session, start_session
from algoreg.web import i18n
from algoreg.web.api_reference import schemas, sections
from algoreg.web.deps import UoW
from algoreg.web.pages.deps import CSRF
from algoreg.web.security import SESSION_COOKIE, new_csrf
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])


def safe_next(target: str | None) -> str:
    """Return ``target`` when it is a path on this site, else the management home (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/beheer"


@router.get("/inloggen", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    """The login form."""
    return render(request, "auth/login.html", {"next": safe_next(next), "username": "", "error": None})


def login_limits(request: Request) -> LoginLimits:
    """The login rate limits of this instance's settings."""
    settings = request.app.state.settings
    return LoginLimits(settings.login_max_attempts, timedelta(seconds=settings.login_window_seconds))


def client_address(request: Request) -> str:
    """The client's IP address as the server sees it (behind a trusted proxy: the forwarded one)."""
    return request.client.host if request.client else "unknown"


def _refused(request: Request, username: str, next_url: str | None, retry_after: int) -> Response:
    minutes = max(1, math.ceil(retry_after / 60))
    error = i18n.ngettext(
        request.state.lang,
        "Too many failed attempts to log in. Try again in %(count)s minute.",
        "Too many failed attempts to log in. Try again in %(count)s minutes.",
        minutes,
    )
    context = {"next": safe_next(next_url), "username": username, "error": error}
    response = render(request, "auth/login.html", context, status_code=429)
    response.headers["Retry-After"] = str(retry_after)
    return response


@router.post("/inloggen", response_class=HTMLResponse)
def login(
    request: Request,
    uow: UoW,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """Check the credentials; on success start a fresh session and rotate the CSRF token.

    After too many failed logins for the username or from the client's address the attempt is
    refused with 429 and Retry-After before the password is looked at (see
    :mod:`algoreg.register.login_throttle`).
    """
    limits, address = login_limits(request), client_address(request)
    with uow() as session:
        refusal = login_throttle.refusal_for(session, limits, username, address)
        if refusal is not None:
            login_throttle.record_refusal(session, limits, username, address, refusal)
    if refusal is not None:
        return _refused(request, username, next, refusal.retry_after)
    try:
        with uow() as session:
            principal = authenticate_password(session, username, password)
            user = find_user(session, principal.name)
            login_throttle.record_success(session, username, address)
            secret = start_session(session, user.id)
    except NotAuthenticated:
        with uow() as session:
            login_throttle.record_failure(session, limits, username, address)
        context = {
            "next": safe_next(next),
            "username": username,
            "error": "The username or password is not correct.",
        }
        return render(request, "auth/login.html", context, status_code=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax", secure=secure)
    request.state.rotated_csrf = new_csrf(request.app.state.secret)
    return response


@router.post("/uitloggen")
def logout(request: Request, uow: UoW) -> Response:
    """End the session and forget its cookie."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        with uow() as session:
            end_session(session, secret)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    request.state.rotated_csrf = new_csrf(request.app.state.secret)
    return response


@router.get("/api/v1/docs", response_class=HTMLResponse, include_in_schema=False)
def api_docs(request: Request) -> Response:
    """The API reference, rendered from the OpenAPI document on this site."""
    openapi = request.app.openapi()
    return render(request, "api_docs.html", {"sections": sections(openapi), "schemas": schemas(openapi)})
