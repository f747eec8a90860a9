"""Logging in with an organisation account through OpenID Connect (only when configured).

``/inloggen/oidc`` sends the browser to the provider; ``/inloggen/oidc/callback`` checks the answer
and, for an existing active local account, starts a session exactly as a password login does. No
account is created and no role is granted here.
"""

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from algoreg.config import Settings, get_settings
from algoreg.errors import NotAuthenticated
from algoreg.register.sessions import start_session
from algoreg.register.users import find_login_user
from algoreg.web import oidc
from algoreg.web.deps import UoW
from algoreg.web.pages.auth import safe_next
from algoreg.web.pages.deps import CSRF
from algoreg.web.security import SESSION_COOKIE, new_csrf
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])


def _settings(request: Request) -> Settings:
    settings: Settings = getattr(request.app.state, "settings", None) or get_settings()
    if not settings.oidc_enabled:
        raise HTTPException(status_code=404, detail="Not Found")
    return settings


def _refused(request: Request, message: str, status_code: int) -> Response:
    response = render(request, "auth/oidc_refused.html", {"message": message}, status_code)
    response.delete_cookie(oidc.STATE_COOKIE, path=oidc.STATE_COOKIE_PATH)
    return response


@router.get("/inloggen/oidc")
def oidc_start(request: Request, next: str | None = None) -> Response:
    """Send the browser to the organisation's login service, remembering the login in a cookie."""
    settings = _settings(request)
    try:
        url, pending = oidc.start_login(settings, safe_next(next))
    except oidc.OidcError as error:
        return _refused(request, error.message, 502)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        oidc.STATE_COOKIE,
        oidc.seal(request.app.state.secret, pending),
        max_age=oidc.STATE_LIFETIME_SECONDS,
        path=oidc.STATE_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/inloggen/oidc/callback", response_class=HTMLResponse)
def oidc_callback(
    request: Request,
    uow: UoW,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    """Finish the login: check state and ID token, then start a session for the local account."""
    settings = _settings(request)
    try:
        pending = oidc.unseal(request.app.state.secret, request.cookies.get(oidc.STATE_COOKIE))
        if error is not None:
            raise oidc.OidcError("The login service did not log you in; please start again.")
        if not code or not state or not oidc.same_secret(state, pending.state):
            raise oidc.OidcError("The login took too long or was started elsewhere; please start again.")
        claims = oidc.validate_id_token(settings, oidc.exchange_code(settings, code, pending), pending.nonce)
        username = oidc.username_from_claims(settings, claims)
    except oidc.OidcError as failure:
        return _refused(request, failure.message, 400)
    try:
        with uow() as session:
            user = find_login_user(session, username)
            secret = start_session(session, user.id)
    except NotAuthenticated as refusal:
        return _refused(request, refusal.message, 403)
    response = RedirectResponse(pending.next_url, status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax", secure=secure)
    response.delete_cookie(oidc.STATE_COOKIE, path=oidc.STATE_COOKIE_PATH)
    request.state.rotated_csrf = new_csrf(request.app.state.secret)
    return response
