"""Rendering pages with Jinja2: autoescaped, translated, with the request's user and CSRF token."""

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from algoreg.register.presentation import change_rows, format_day, record_sections
from algoreg.web import i18n

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


@lru_cache(maxsize=256)
def _static_hash(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]


def static_url(path: str) -> str:
    """Return the URL of a static file, with a content hash so browsers may cache it for long."""
    return f"/static/{path}?v={_static_hash(path)}"


@pass_context
def _gettext(context: Context, message: str, **variables: object) -> str:
    return i18n.gettext(context["lang"], message, **variables)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int, **variables: object) -> str:
    return i18n.ngettext(context["lang"], singular, plural, count, **variables)


@pass_context
def _url_with(context: Context, **changes: object) -> str:
    """The current URL with some query parameters replaced (``None`` removes one)."""
    request: Request = context["request"]
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    added = [(k, str(v)) for k, v in changes.items() if v is not None]
    query = urlencode(kept + added)
    return request.url.path + (f"?{query}" if query else "")


def _safe_html(value: str | None) -> Markup:
    """Mark rich text as safe: it was sanitised to the standard's small HTML subset when stored."""
    return Markup(value or "")  # noqa: S704 (sanitised with nh3 on input)


@lru_cache
def environment() -> Environment:
    """Return the one template environment of the application."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        _=_gettext,
        gettext=_gettext,
        ngettext=_ngettext,
        static_url=static_url,
        url_with=_url_with,
        languages=i18n.LANGUAGES,
        record_sections=record_sections,
        change_rows=change_rows,
        format_day=format_day,
    )
    env.filters["richtext"] = _safe_html
    return env


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render ``template`` for ``request`` in the request's language, with user and CSRF token."""
    values: dict[str, Any] = {
        "request": request,
        "lang": getattr(request.state, "lang", i18n.DEFAULT_LANGUAGE),
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
    }
    values.update(context or {})
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)
