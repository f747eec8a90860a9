"""Management pages of an organisation's own instruments in the public catalogue (``/hulpmiddelen``):
the list with a form to add one, and one instrument with a form to change it and a button to retire it.

Anyone with a role in the organisation reads these pages, retired instruments included; publishers
and admins add, change and retire (what they write is public at once). Anyone else is refused (403),
an unknown organisation or instrument is not found (404), and a visitor who is not signed in is sent
to the login page. Forms are POSTs with the CSRF token that answer 303 with a confirmation, or show
the page again with every problem at its field and what was typed kept (422); retiring a retired
instrument, or changing one, answers 409.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from algoreg.errors import Conflict, FieldProblem, InvalidInput
from algoreg.instruments.framework import own_instruments
from algoreg.instruments.framework.definitions import NotImported, current_framework
from algoreg.instruments.framework.model import Framework
from algoreg.instruments.framework.own_instruments import (
    MAX_DESCRIPTION_CHARS,
    MAX_TITLE_CHARS,
    OwnInstrumentChange,
    OwnInstrumentIn,
    OwnInstrumentView,
)
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Role
from algoreg.register.sessions import SignedIn
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages import form_problems
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.form_problems import Reasons, ShownProblem, reason
from algoreg.web.pages.manage_common import common_context
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

INSTRUMENTS_PATH = "/beheer/organisatie/{code}/hulpmiddelen"

DONE_MESSAGES: dict[str, str] = {
    "toegevoegd": "The instrument was added; it is in the public catalogue now.",
    "gewijzigd": "The instrument was changed.",
    "ingetrokken": "The instrument was retired; it is no longer in the public catalogue.",
}

#: Labels of the form's fields, by the name the page (and the domain) gives them.
FIELD_LABELS: dict[str, str] = {
    "slug": "Id",
    "title": "Title",
    "description": "Description",
    "categories": "Categories",
    "phases": "Lifecycle phases",
    "topics": "Topics",
    "roles": "Roles",
    "requirement_refs": "Requirements it serves",
    "measure_refs": "Measures it serves",
    "url": "Web address",
}

#: The fields typed as one value a line.
LINE_FIELDS = ("categories", "topics", "requirement_refs", "measure_refs")
#: The fields chosen with check boxes when a framework is imported (one value a line otherwise).
CHOICE_FIELDS = ("phases", "roles")


#: The domain's reasons about own instruments, and their English source texts (translated in .po).
_REASONS = Reasons(
    reason(
        r".* must be 1 to 64 lower-case letters, digits and hyphens, not starting with a hyphen",
        "Use 1 to 64 lower-case letters (a-z), digits and hyphens, not starting with a hyphen.",
    ),
    reason(
        r"(?P<slug>'.*') is already the id of an own instrument of the organisation.*",
        "%(slug)s is already the id of an instrument of the organisation; choose another or leave it empty.",
    ),
    reason(
        r"must be a text of 1 to (?P<maximum>\d+) characters", "Give a text of 1 to %(maximum)s characters."
    ),
    reason(
        r"is (?P<length>\d+) characters long; at most (?P<maximum>\d+)",
        "This text is %(length)s characters long; at most %(maximum)s are allowed.",
    ),
    reason(r"must be a list of at most (?P<maximum>\d+) values", "Give at most %(maximum)s values."),
    reason(
        r"(?P<value>'.*') is not a phase of the imported Algoritmekader.*",
        "%(value)s is not a phase of the Algoritmekader; choose one of the listed phases.",
    ),
    reason(
        r"(?P<value>'.*') is not a role of the imported Algoritmekader.*",
        "%(value)s is not a role of the Algoritmekader; choose one of the listed roles.",
    ),
    reason(
        r"(?P<value>'.*') names no (requirement|measure) of the imported Algoritmekader.*",
        "%(value)s names nothing in the Algoritmekader; "
        "give the id, URN or code of a requirement or measure.",
    ),
    reason(r"(?P<value>'.*') names several .*", "%(value)s names several items; give an id."),
    reason(
        r"cannot be checked: no Algoritmekader has been imported.*",
        "No Algoritmekader has been imported into this register yet, so references cannot be checked; "
        "leave this empty.",
    ),
    reason(
        r".* must be an http:// or https:// address", "Give an address that starts with https:// or http://."
    ),
    # refusals (Conflict) shown as the page's alert
    reason(
        r"The own instrument '.*' is retired and can no longer be changed\.|"
        r"The own instrument '.*' is retired already\.",
        "The instrument is retired; it can no longer be changed or retired.",
    ),
    reason(
        r"An own instrument with the id (?P<slug>'.*') was added at the same moment; "
        r"nothing was stored, try again\.",
        "An instrument with the id %(slug)s was added by someone else at the same moment; nothing was "
        "stored, try again.",
    ),
)


def _input_name(field: str) -> str:
    return field.split("[", 1)[0]


def shown_problems(problems: list[FieldProblem], lang: i18n.Language) -> list[ShownProblem]:
    """The problems in ``lang``, each under its field of the form."""
    return form_problems.shown_problems(problems, lang, _REASONS, FIELD_LABELS, name_of=_input_name)


@dataclass(frozen=True)
class OrganisationPlace:
    """The organisation a page is about, and whether the signed-in person may change its instruments."""

    code: str
    name: str
    may_edit: bool


def _place(uow: UoW, user: SignedIn, code: str, doing: str, needed: Role = Role.VIEWER) -> OrganisationPlace:
    with uow() as session:
        organisation = get_organisation(session, code)
        user.principal.require(organisation.id, needed, doing)
        may_edit = user.principal.can(organisation.id, Role.PUBLISHER)
        return OrganisationPlace(organisation.code, organisation.name, may_edit)


def _framework(uow: UoW) -> Framework | None:
    with uow() as session:
        try:
            return current_framework(session).framework
        except NotImported:
            return None


def _lines(text: str) -> tuple[str, ...]:
    """The values of a text field with one value a line (empty lines left out)."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())[:200]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _values(form: FormData, framework: Framework | None) -> dict[str, Any]:
    """What was typed, as the form shows it again: texts, and chosen ids as lists."""
    values: dict[str, Any] = {name: _text(form, name) for name in ("slug", "title", "description", "url")}
    values |= {name: _text(form, name) for name in LINE_FIELDS}
    for name in CHOICE_FIELDS:
        if framework is not None:
            values[name] = [value for value in form.getlist(name) if isinstance(value, str)][:200]
        else:
            values[name] = _text(form, name)
    return values


def _given(values: dict[str, Any]) -> dict[str, Any]:
    """The domain's fields from the form's values."""
    given: dict[str, Any] = {name: values[name] for name in ("title", "description")}
    given["url"] = values["url"].strip() or None
    for name in (*LINE_FIELDS, *CHOICE_FIELDS):
        value = values[name]
        given[name] = tuple(value) if isinstance(value, list) else _lines(value)
    return given


def _shown_values(view: OwnInstrumentView | None, framework: Framework | None) -> dict[str, Any]:
    """The form's values for a stored instrument (or empty ones)."""
    values: dict[str, Any] = {
        "slug": view.slug if view else "",
        "title": view.title if view else "",
        "description": view.description if view else "",
        "url": (view.url or "") if view else "",
    }
    for name in LINE_FIELDS:
        values[name] = "\n".join(getattr(view, name)) if view else ""
    for name in CHOICE_FIELDS:
        stored = list(getattr(view, name)) if view else []
        values[name] = stored if framework is not None else "\n".join(stored)
    return values


def _page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    place: OrganisationPlace,
    *,
    editing: OwnInstrumentView | None = None,
    values: dict[str, Any] | None = None,
    problems: list[ShownProblem] | None = None,
    alert: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    framework = _framework(uow)
    listed: list[OwnInstrumentView] = []
    if editing is None:
        with uow() as session:
            listed = own_instruments.list_own_instruments(session, user.principal, place.code)
    names: dict[str, str] = {}
    if framework is not None:
        names = {phase.id: phase.name for phase in framework.phases}
        names |= {role.id: role.name for role in framework.roles}
    base_url = INSTRUMENTS_PATH.format(code=quote(place.code))
    context = common_context(request) | {
        "organisation": place,
        "instruments": listed,
        "current_count": sum(1 for item in listed if item.retired_at is None),
        "editing": editing,
        "framework": framework,
        "choices": {
            "phases": [(phase.id, phase.name) for phase in framework.phases] if framework else [],
            "roles": [(role.id, role.name) for role in framework.roles] if framework else [],
        },
        "names": names,
        "values": _shown_values(editing, framework) | (values or {}),
        "problems": problems or [],
        "field_labels": FIELD_LABELS,
        "max_title": MAX_TITLE_CHARS,
        "max_description": MAX_DESCRIPTION_CHARS,
        "instruments_url": base_url,
        "public_url": f"/hulpmiddelen?herkomst={quote(place.code)}",
        "alert": alert,
        "done": DONE_MESSAGES.get(request.query_params.get("gedaan", "")),
    }
    template = "manage/own_instrument.html" if editing is not None else "manage/own_instruments.html"
    return render(request, template, context, status_code)


def _done(place: OrganisationPlace, what: str, slug: str | None = None) -> RedirectResponse:
    path = INSTRUMENTS_PATH.format(code=quote(place.code)) + (f"/{quote(slug)}" if slug else "")
    return RedirectResponse(f"{path}?gedaan={what}", status_code=303)


@router.get("/beheer/organisatie/{organisation_code}/hulpmiddelen", response_class=HTMLResponse)
def instruments_page(request: Request, organisation_code: str, user: User, uow: UoW) -> HTMLResponse:
    """The organisation's own instruments, retired ones too, with a form to add one for publishers."""
    place = _place(uow, user, organisation_code, "see the organisation's own instruments")
    return _page(request, user, uow, place)


@router.post("/beheer/organisatie/{organisation_code}/hulpmiddelen", response_class=HTMLResponse)
async def add_instrument(request: Request, organisation_code: str, user: User, uow: UoW) -> Response:
    """Add an own instrument (publishers and up); problems are shown at their fields with what was typed."""
    place = _place(uow, user, organisation_code, "add an own instrument", Role.PUBLISHER)
    framework = _framework(uow)
    values = _values(await request.form(), framework)
    given = OwnInstrumentIn(slug=values["slug"], **_given(values))
    try:
        with uow() as session:
            added = own_instruments.add_own_instrument(session, user.principal, place.code, given)
    except InvalidInput as invalid:
        shown = shown_problems(invalid.problems, request.state.lang)
        return _page(request, user, uow, place, values=values, problems=shown, status_code=422)
    except Conflict as conflict:
        alert = _conflict(request, conflict)
        return _page(request, user, uow, place, values=values, alert=alert, status_code=409)
    return _done(place, "toegevoegd", added.slug)


def _instrument(uow: UoW, user: SignedIn, place: OrganisationPlace, slug: str) -> OwnInstrumentView:
    with uow() as session:
        return own_instruments.get_own_instrument(session, user.principal, place.code, slug)


@router.get("/beheer/organisatie/{organisation_code}/hulpmiddelen/{slug}", response_class=HTMLResponse)
def instrument_page(
    request: Request, organisation_code: str, slug: str, user: User, uow: UoW
) -> HTMLResponse:
    """One own instrument, with a form to change it and a button to retire it for publishers."""
    place = _place(uow, user, organisation_code, "see the organisation's own instruments")
    return _page(request, user, uow, place, editing=_instrument(uow, user, place, slug))


@router.post("/beheer/organisatie/{organisation_code}/hulpmiddelen/{slug}", response_class=HTMLResponse)
async def change_instrument(
    request: Request, organisation_code: str, slug: str, user: User, uow: UoW
) -> Response:
    """Change an own instrument (publishers and up); its id stays. 409 for a retired one."""
    place = _place(uow, user, organisation_code, "change an own instrument", Role.PUBLISHER)
    current = _instrument(uow, user, place, slug)
    framework = _framework(uow)
    values = _values(await request.form(), framework) | {"slug": current.slug}
    try:
        with uow() as session:
            own_instruments.change_own_instrument(
                session, user.principal, place.code, slug, OwnInstrumentChange(**_given(values))
            )
    except InvalidInput as invalid:
        shown = shown_problems(invalid.problems, request.state.lang)
        return _page(
            request, user, uow, place, editing=current, values=values, problems=shown, status_code=422
        )
    except Conflict as conflict:
        alert = _conflict(request, conflict)
        return _page(request, user, uow, place, editing=current, alert=alert, status_code=409)
    return _done(place, "gewijzigd", slug)


def _conflict(request: Request, conflict: Conflict) -> Markup:
    """The refusal as the page's alert: translated through the reasons, or marked as English."""
    return _REASONS.shown(request.state.lang, conflict.message)


@router.post(
    "/beheer/organisatie/{organisation_code}/hulpmiddelen/{slug}/intrekken", response_class=HTMLResponse
)
def retire_instrument(request: Request, organisation_code: str, slug: str, user: User, uow: UoW) -> Response:
    """Retire an own instrument (publishers and up): it leaves the public catalogue and is kept."""
    place = _place(uow, user, organisation_code, "retire an own instrument", Role.PUBLISHER)
    try:
        with uow() as session:
            own_instruments.retire_own_instrument(session, user.principal, place.code, slug)
    except Conflict as conflict:
        current = _instrument(uow, user, place, slug)
        return _page(
            request,
            user,
            uow,
            place,
            editing=current,
            alert=_conflict(request, conflict),
            status_code=409,
        )
    return _done(place, "ingetrokken", slug)
