"""Browser-facing security: language and session per request, CSRF protection, security headers.

* The language comes from ``?lang=`` (remembered in a cookie) or that cookie, else Dutch.
* The signed-in user comes from the ``algoreg_session`` cookie (HttpOnly, SameSite=Lax).
* CSRF: every page response carries a signed random token in the ``algoreg_csrf`` cookie; every
  form (and htmx request) sends it back, and :func:`verify_csrf` refuses unsafe requests whose
  token is missing, unsigned or different. Login rotates it.
* Headers: a Content-Security-Policy without ``unsafe-inline`` for scripts and styles, no framing,
  no MIME sniffing, same-origin referrers.
"""

import hashlib
import hmac
import secrets

from fastapi import HTTPException, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from algoreg.register.sessions import SignedIn, resolve_session
from algoreg.web import i18n
from algoreg.web.deps import UnitOfWork

SESSION_COOKIE = "algoreg_session"
CSRF_COOKIE = "algoreg_csrf"
LANG_COOKIE = "algoreg_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def sign_csrf(secret: str, nonce: str) -> str:
    """Return a CSRF token: a nonce with its HMAC under the instance secret."""
    mac = hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()
    return f"{nonce}.{mac}"


def csrf_is_valid(secret: str, token: str | None) -> bool:
    """Tell whether ``token`` was signed by this instance."""
    if not token or "." not in token:
        return False
    nonce, _ = token.split(".", 1)
    return hmac.compare_digest(sign_csrf(secret, nonce), token)


def new_csrf(secret: str) -> str:
    """Return a fresh signed CSRF token."""
    return sign_csrf(secret, secrets.token_urlsafe(24))


class WebContext:
    """ASGI middleware setting ``request.state.lang``, ``.user``, ``.csrf_token`` and security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Prepare the request's context and finish the response's cookies and headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        secret: str = request.app.state.secret
        requested = i18n.pick_language(request.query_params.get("lang"))
        remembered = i18n.pick_language(request.cookies.get(LANG_COOKIE))
        request.state.lang = requested or remembered or i18n.DEFAULT_LANGUAGE
        request.state.user = self._user(request)
        cookie_token = request.cookies.get(CSRF_COOKIE)
        token_is_new = not csrf_is_valid(secret, cookie_token)
        request.state.csrf_token = new_csrf(secret) if token_is_new else cookie_token
        secure = request.url.scheme == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if requested and requested != remembered:
                    headers.append(
                        "set-cookie",
                        _cookie(LANG_COOKIE, requested, secure, http_only=False, max_age=365 * 86400),
                    )
                rotated = getattr(request.state, "rotated_csrf", None)
                if token_is_new or rotated:
                    headers.append(
                        "set-cookie", _cookie(CSRF_COOKIE, rotated or request.state.csrf_token, secure)
                    )
                for name, value in _security_headers(secure).items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _user(request: Request) -> SignedIn | None:
        secret = request.cookies.get(SESSION_COOKIE)
        if not secret:
            return None
        uow: UnitOfWork = request.app.state.uow
        with uow() as session:
            return resolve_session(session, secret)


def _cookie(
    name: str, value: str, secure: bool, *, http_only: bool = True, max_age: int | None = None
) -> str:
    parts = [f"{name}={value}", "Path=/", "SameSite=Lax"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)


def _security_headers(secure: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token (form field or header) does not match the cookie."""
    if request.method not in _UNSAFE:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    cookie = request.cookies.get(CSRF_COOKIE)
    secret: str = request.app.state.secret
    if not (cookie and sent and hmac.compare_digest(cookie, sent) and csrf_is_valid(secret, sent)):
        raise HTTPException(
            status_code=403,
            detail="The form's security token is missing or out of date. Reload the page and try again.",
        )
