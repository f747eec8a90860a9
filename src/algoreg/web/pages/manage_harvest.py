"""Management pages of the central side: the harvest sources, their runs and quarantine.

Instance administrators see every source with its health, add sources and switch them on or off;
each source has a page with its run reports and the records held back with their reasons.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from algoreg.errors import AlgoregError, Forbidden, InvalidInput
from algoreg.federation import sources
from algoreg.federation.sources import SourceIn
from algoreg.standard.validation import describe_error
from algoreg.web import i18n
from algoreg.web.deps import UoW
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

HARVEST_PATH = "/beheer/oogst"

Text = Annotated[str, Form(max_length=2000)]


def _require_admin(user: User) -> None:
    if not user.principal.is_superuser:
        raise Forbidden("Only an administrator of this Algoreg instance manages harvest sources.")


def _overview(
    request: Request,
    uow: UoW,
    values: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> Response:
    with uow() as session:
        listed = sources.list_sources(session)
        runs = sources.list_runs(session, limit=20)
    context = {
        "section": "manage",
        "sources": listed,
        "runs": runs,
        "values": values
        or {"url": "", "kind": "algoreg", "organisation_code": "", "organisation_name": "", "token_env": ""},
        "errors": errors or [],
        "done": request.query_params.get("gedaan"),
    }
    return render(request, "manage/harvest.html", context, status)


@router.get(HARVEST_PATH, response_class=HTMLResponse)
def harvest_page(request: Request, uow: UoW, user: User) -> Response:
    """Every harvest source with its health, the newest runs, and a form to add a source."""
    _require_admin(user)
    return _overview(request, uow)


@router.post(HARVEST_PATH, response_class=HTMLResponse)
def add_source(
    request: Request,
    uow: UoW,
    user: User,
    url: Text = "",
    kind: Text = "algoreg",
    organisation_code: Text = "",
    organisation_name: Text = "",
    token_env: Text = "",
    all_categories: Annotated[str | None, Form()] = None,
) -> Response:
    """Add a source; problems come back on the form with what was typed."""
    _require_admin(user)
    values = {
        "url": url,
        "kind": kind,
        "organisation_code": organisation_code,
        "organisation_name": organisation_name,
        "token_env": token_env,
    }
    try:
        data = SourceIn(
            url=url,
            kind=kind,
            organisation_code=organisation_code or None,
            organisation_name=organisation_name or None,
            token_env=token_env or None,
            all_categories=all_categories is not None,
        )
        with uow() as session:
            sources.add_source(session, user.principal, data, request.app.state.settings.harvest_networks)
    except ValidationError as invalid:
        messages = [
            f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {describe_error(e)}" for e in invalid.errors()
        ]
        return _overview(request, uow, values, messages, 422)
    except InvalidInput as invalid:
        messages = [f"{problem.field}: {problem.reason}" for problem in invalid.problems]
        return _overview(request, uow, values, messages or [invalid.message], 422)
    except AlgoregError as error:
        return _overview(request, uow, values, [i18n.gettext(request.state.lang, error.message)], 409)
    return RedirectResponse(f"{HARVEST_PATH}?gedaan=toegevoegd", status_code=303)


@router.get(HARVEST_PATH + "/{source_id}", response_class=HTMLResponse)
def source_page(request: Request, source_id: int, uow: UoW, user: User) -> Response:
    """One source: its health, run reports and quarantined records."""
    _require_admin(user)
    with uow() as session:
        source = next((s for s in sources.list_sources(session) if s.id == source_id), None)
        if source is None:
            sources.get_source(session, source_id)  # raises NotFound
        runs = sources.list_runs(session, source_id=source_id, limit=50)
        held = sources.list_quarantine(session, source_id)
    context = {"section": "manage", "source": source, "runs": runs, "quarantine": held}
    return render(request, "manage/harvest_source.html", context)


@router.post(HARVEST_PATH + "/{source_id}/aan-uit", response_class=HTMLResponse)
def toggle_source(
    request: Request, source_id: int, uow: UoW, user: User, enabled: Annotated[str, Form()] = ""
) -> Response:
    """Switch harvesting of a source on or off."""
    _require_admin(user)
    with uow() as session:
        sources.set_enabled(session, user.principal, source_id, enabled == "1")
    return RedirectResponse(f"{HARVEST_PATH}/{source_id}", status_code=303)
