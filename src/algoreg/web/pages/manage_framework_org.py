"""Management pages of an organisation's implementation framework: how ready its algorithms are for the
audit frameworks of the ADR and the Algemene Rekenkamer, and the organisation's own measures.

Anyone with a role in the organisation reads both pages; editors (and up) add and change own
measures. Anyone else is refused (403), an unknown organisation is not found (404), and a visitor
who is not signed in is sent to the login page. Forms are POSTs with the CSRF token that answer 303
with a confirmation, or show the page again with every problem at its field and what was typed kept
(422), or with a refusal (409, such as phases given before the Algoritmekader was imported) as its
alert in the reader's language. Every chart has its numbers in a table beside it.
"""

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import quote

from babel.numbers import format_decimal
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from algoreg.errors import Conflict, FieldProblem, InvalidInput, NotFound
from algoreg.instruments.framework import own_measures, progress
from algoreg.instruments.framework.audit import Coverage, OrganisationReadiness
from algoreg.instruments.framework.definitions import NotImported, current_audit, current_framework
from algoreg.instruments.framework.model import LifecyclePhase
from algoreg.instruments.framework.own_measures import (
    MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS,
    OwnMeasureChange,
    OwnMeasureIn,
    OwnMeasureView,
)
from algoreg.register import algorithms
from algoreg.register.organisations import get_organisation
from algoreg.register.roles import Role
from algoreg.register.sessions import SignedIn
from algoreg.web import i18n
from algoreg.web.charts import Bar, BarChart, render_svg
from algoreg.web.deps import UoW
from algoreg.web.pages import form_problems
from algoreg.web.pages.deps import CSRF, User
from algoreg.web.pages.form_problems import Reasons, ShownProblem, confirmation, reason
from algoreg.web.pages.manage_common import common_context, translate_reason
from algoreg.web.pages.manage_framework_tasks import COVERAGE_LABELS, NO_TASK_REGISTRY
from algoreg.web.pages.statistics import SVG_POLICY
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])

#: Where the documentation on importing audit items and their mapping lives in the repository.
AUDIT_MAPPING_DOC = "docs/instruments/audit-mapping.md"

READINESS_PATH = "/beheer/organisatie/{code}/auditgereedheid"
OWN_MEASURES_PATH = "/beheer/organisatie/{code}/eigen-maatregelen"

OWN_MEASURE_DONE_MESSAGES: dict[str, str] = {
    "toegevoegd": (
        "The own measure was added; the organisation's algorithms with tasks have a task for it now."
    ),
    "gewijzigd": "The own measure was changed.",
}

#: Labels of the own-measure form's fields, by the name the page gives them.
OWN_MEASURE_FIELDS: dict[str, str] = {
    "code": "Code",
    "name": "Name",
    "description": "Description",
    "phases": "Lifecycle phases",
}

#: The coverages in the order the pages show them.
COVERAGES: tuple[Coverage, ...] = ("covered", "partly", "not", "unmapped")

UNKNOWN_FRAMEWORK = "The audit framework %(given)s is not known here; choose one of: %(allowed)s."
UNKNOWN_COVERAGE = "The coverage %(given)s is not known; choose one of the listed coverages."


#: The domain's reasons about own measures, and their English source texts (translated in .po).
_REASONS = Reasons(
    reason(
        r".* must be 1 to 64 lower-case letters, digits and hyphens, not starting with a hyphen",
        "Use 1 to 64 lower-case letters (a-z), digits and hyphens, not starting with a hyphen.",
    ),
    reason(
        r"(?P<code>'.*') is already the code of an own measure of the organisation",
        "%(code)s is already the code of an own measure of the organisation; choose another code.",
    ),
    reason(
        r"must be a text of 1 to (?P<maximum>\d+) characters", "Give a name of 1 to %(maximum)s characters."
    ),
    reason(
        r"is (?P<length>\d+) characters long; at most (?P<maximum>\d+)(?: are allowed)?",
        "This text is %(length)s characters long; at most %(maximum)s are allowed.",
    ),
    reason(r"'.*' is not one of .*", "Choose phases of the Algoritmekader."),
    # refusals (Conflict) shown as the page's alert
    NO_TASK_REGISTRY,
    reason(
        r"An own measure with the code (?P<code>'.*') was added at the same moment; .*",
        "An own measure with the code %(code)s was added by someone else at the same moment; "
        "nothing was stored. Choose another code, or look at the list first.",
    ),
    fallback=translate_reason,
)


# --- shared ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationPlace:
    """The organisation a page is about, and whether the signed-in person may change its measures."""

    code: str
    name: str
    may_edit: bool


def organisation_place(uow: UoW, user: SignedIn, code: str, doing: str) -> OrganisationPlace:
    """The organisation with ``code`` for someone with a role in it (404 unknown, 403 without a role)."""
    with uow() as session:
        organisation = get_organisation(session, code)
        user.principal.require(organisation.id, Role.VIEWER, doing)
        may_edit = user.principal.can(organisation.id, Role.EDITOR)
        return OrganisationPlace(organisation.code, organisation.name, may_edit)


def _base(request: Request, place: OrganisationPlace) -> dict[str, Any]:
    return common_context(request) | {
        "organisation": place,
        "readiness_url": READINESS_PATH.format(code=quote(place.code)),
        "own_measures_url": OWN_MEASURES_PATH.format(code=quote(place.code)),
    }


# --- audit readiness ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    """One row of a chart's table: a coverage in words and the number of audit items with it."""

    coverage: str
    label: str
    count: int
    shown: str


@dataclass(frozen=True)
class FrameworkChart:
    """One audit framework's items by coverage: chart, text alternative and the same numbers as rows."""

    framework: str
    slug: str
    title: str
    alt: str
    rows: list[CoverageRow]
    chart: BarChart


def framework_chart(framework: str, counts: Mapping[Coverage, int], lang: i18n.Language) -> FrameworkChart:
    """The chart of how many of ``framework``'s audit items have each coverage, with its table's rows."""
    _ = i18n.gettext
    rows = [
        CoverageRow(
            key,
            _(lang, COVERAGE_LABELS[key]),
            counts.get(key, 0),
            format_decimal(counts.get(key, 0), locale=lang),
        )
        for key in COVERAGES
    ]
    title = _(lang, "%(framework)s: audit items by coverage", framework=framework)
    chart = BarChart(
        title=title,
        description="; ".join(f"{row.label}: {row.shown}" for row in rows),
        category_title=_(lang, "Coverage"),
        value_title=_(lang, "Number of audit items"),
        bars=tuple(Bar(row.label, row.count, row.shown) for row in rows),
        lang=lang,
    )
    alt = _(
        lang,
        "%(kind)s: %(title)s. The numbers are in the table below.",
        kind=_(lang, "Bar chart"),
        title=title,
    )
    return FrameworkChart(framework, _slug(framework), title, alt, rows, chart)


def _slug(framework: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", framework.lower()).strip("-") or "kader"


@dataclass(frozen=True)
class AlgorithmRow:
    """One algorithm's items of one audit framework by coverage, with its name and public id."""

    public_id: str
    name: str
    counts: dict[Coverage, int]


@dataclass(frozen=True)
class ItemRow:
    """One audit item over the organisation's algorithms: its text, coverage and algorithms per coverage."""

    framework: str
    number: str
    text: str
    coverage: Coverage
    counts: dict[Coverage, int]
    measures: int
    #: Why no measure serves the item, as the imported mapping says (its author's words), if it does.
    unserved: str | None = None


@dataclass(frozen=True)
class OrganisationAudit:
    """What the readiness page shows, or why there is nothing to show (``missing``).

    ``unserved`` gives, by item key, the mapping's reason why no measure serves an item.
    """

    readiness: progress.Readiness | None
    missing: Literal["audit", "tasks"] | None
    texts: dict[str, str]
    names: dict[str, str]
    unserved: dict[str, str] = field(default_factory=dict)


def organisation_audit(uow: UoW, user: SignedIn, code: str) -> OrganisationAudit:
    """The organisation's audit readiness with item texts and algorithm names (viewer role).

    ``missing`` is ``"audit"`` when no audit items were imported, ``"tasks"`` when none of its
    algorithms has framework tasks yet.
    """
    principal = user.principal
    with uow() as session:
        names = {
            view.public_id: str(view.latest.record.get("name") or view.public_id)
            for view in algorithms.list_for_organisation(session, principal, code)
        }
        try:
            found = progress.organisation_audit_readiness(session, principal, code)
        except NotImported:
            return OrganisationAudit(None, "audit", {}, names)
        except Conflict:
            return OrganisationAudit(None, "tasks", {}, names)
        audit = current_audit(session)
    texts = {item.key: item.text for item in audit.items}
    return OrganisationAudit(found, None, texts, names, dict(audit.mapping.unmapped))


def _result(found: OrganisationAudit) -> OrganisationReadiness | None:
    if found.readiness is None:
        return None
    assert isinstance(found.readiness.result, OrganisationReadiness)
    return found.readiness.result


@router.get("/beheer/organisatie/{organisation_code}/auditgereedheid", response_class=HTMLResponse)
def readiness_page(
    request: Request,
    organisation_code: str,
    user: User,
    uow: UoW,
    kader: Annotated[str, Query(max_length=64)] = "",
    dekking: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    """The organisation's readiness per audit framework and item over its algorithms with tasks.

    ``kader`` shows one audit framework, ``dekking`` only the items with that coverage; an unknown
    value is reported (422) and everything is shown. Algorithms are listed by name.
    """
    lang: i18n.Language = request.state.lang
    place = organisation_place(uow, user, organisation_code, "see the audit readiness")
    found = organisation_audit(uow, user, place.code)
    result = _result(found)
    frameworks = list(result.summary) if result else []
    alerts: list[str] = []
    if kader and result is not None and kader not in frameworks:
        allowed = ", ".join(frameworks) or "—"
        alerts.append(i18n.gettext(lang, UNKNOWN_FRAMEWORK, given=repr(kader), allowed=allowed))
        kader = ""
    if dekking and dekking not in COVERAGE_LABELS:
        alerts.append(i18n.gettext(lang, UNKNOWN_COVERAGE, given=repr(dekking)))
        dekking = ""
    shown = [kader] if kader else frameworks
    charts: list[FrameworkChart] = []
    per_algorithm: dict[str, list[AlgorithmRow]] = {}
    items: list[ItemRow] = []
    if result is not None:
        charts = [framework_chart(name, result.summary[name], lang) for name in shown]
        for name in shown:
            rows = [
                AlgorithmRow(
                    public_id,
                    found.names.get(public_id, public_id),
                    dict(readiness.summary.get(name, {"covered": 0, "partly": 0, "not": 0, "unmapped": 0})),
                )
                for public_id, readiness in result.algorithms.items()
            ]
            per_algorithm[name] = sorted(rows, key=lambda row: (row.name.casefold(), row.public_id))
        items = [
            ItemRow(
                item.framework,
                item.number,
                found.texts.get(f"{item.framework}:{item.number}", ""),
                item.coverage,
                dict(item.counts),
                len(item.measures),
                found.unserved.get(f"{item.framework}:{item.number}"),
            )
            for item in result.items
            if item.framework in shown and (not dekking or item.coverage == dekking)
        ]
    context = _base(request, place) | {
        "found": found,
        "mapped": found.readiness.mapped if found.readiness else False,
        "audit_version": found.readiness.audit_version if found.readiness else None,
        "frameworks": frameworks,
        "charts": charts,
        "per_algorithm": per_algorithm,
        "items": items,
        "algorithm_count": len(result.algorithms) if result else 0,
        "all_algorithms": len(found.names),
        "coverage_labels": COVERAGE_LABELS,
        "chosen": {"kader": kader, "dekking": dekking},
        "filtered": bool(kader or dekking),
        "alert": " ".join(alerts) or None,
        "mapping_doc": AUDIT_MAPPING_DOC,
    }
    return render(request, "manage/audit_readiness.html", context, 422 if alerts else 200)


@router.get(
    "/beheer/organisatie/{organisation_code}/auditgereedheid/grafiek/{slug}.svg", response_class=Response
)
def readiness_chart(request: Request, organisation_code: str, slug: str, user: User, uow: UoW) -> Response:
    """One audit framework's chart of items by coverage as an SVG image, in the language of ``?lang=``."""
    place = organisation_place(uow, user, organisation_code, "see the audit readiness")
    result = _result(organisation_audit(uow, user, place.code))
    lang: i18n.Language = request.state.lang
    names = [name for name in (result.summary if result else {}) if _slug(name) == slug]
    if result is None or not names:
        raise NotFound(f"The audit readiness of organisation '{place.code}' has no chart '{slug}'.")
    svg = render_svg(framework_chart(names[0], result.summary[names[0]], lang).chart)
    etag = '"' + hashlib.sha256(svg.encode()).hexdigest()[:32] + '"'
    headers = {
        "Content-Security-Policy": SVG_POLICY,
        "Cache-Control": "private, no-cache",
        "ETag": etag,
        "Content-Language": lang,
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml; charset=utf-8", headers=headers)


# --- own measures ---------------------------------------------------------------------------------


def shown_problems(problems: list[FieldProblem], lang: i18n.Language) -> list[ShownProblem]:
    """The problems in ``lang``, each at its input of the own-measure form (``phases[1]``: the phases)."""
    return form_problems.shown_problems(
        problems,
        lang,
        _REASONS,
        OWN_MEASURE_FIELDS,
        anchor_prefix="measure-",
        name_of=lambda field: field.split("[", 1)[0],
    )


def _phases(uow: UoW) -> tuple[LifecyclePhase, ...] | None:
    with uow() as session:
        try:
            return current_framework(session).framework.phases
        except NotImported:
            return None


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _values(form: FormData) -> dict[str, Any]:
    return {
        "code": _text(form, "code"),
        "name": _text(form, "name"),
        "description": _text(form, "description"),
        "phases": [value for value in form.getlist("phases") if isinstance(value, str)][:50],
    }


def _own_measures_page(
    request: Request,
    user: SignedIn,
    uow: UoW,
    place: OrganisationPlace,
    *,
    values: dict[str, Any] | None = None,
    problems: list[ShownProblem] | None = None,
    editing: OwnMeasureView | None = None,
    alert: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    history: list[own_measures.OwnMeasureEvent] = []
    with uow() as session:
        listed = own_measures.list_own_measures(session, user.principal, place.code)
        if editing is not None:
            history = own_measures.own_measure_history(session, user.principal, place.code, editing.id)
    phases = _phases(uow)
    blank = {"code": "", "name": "", "description": "", "phases": []}
    if editing is not None:
        blank = {
            "code": editing.code,
            "name": editing.name,
            "description": editing.description,
            "phases": list(editing.phases),
        }
    context = _base(request, place) | {
        "measures": listed,
        "phases": phases,
        "phase_names": {phase.id: phase.name for phase in phases or ()},
        "values": blank | (values or {}),
        "problems": problems or [],
        "editing": editing,
        "history": history,
        "field_labels": OWN_MEASURE_FIELDS,
        "max_name": MAX_NAME_CHARS,
        "max_description": MAX_DESCRIPTION_CHARS,
        "done": confirmation(request, OWN_MEASURE_DONE_MESSAGES),
        "alert": alert,
    }
    template = "manage/own_measure_edit.html" if editing is not None else "manage/own_measures.html"
    return render(request, template, context, status_code)


@router.get("/beheer/organisatie/{organisation_code}/eigen-maatregelen", response_class=HTMLResponse)
def own_measures_page(request: Request, organisation_code: str, user: User, uow: UoW) -> HTMLResponse:
    """The organisation's own measures, with a form to add one for editors."""
    place = organisation_place(uow, user, organisation_code, "see the own measures")
    return _own_measures_page(request, user, uow, place)


@router.post("/beheer/organisatie/{organisation_code}/eigen-maatregelen", response_class=HTMLResponse)
async def add_own_measure(request: Request, organisation_code: str, user: User, uow: UoW) -> Response:
    """Add an own measure (editors and up); problems are shown at their fields with what was typed."""
    place = organisation_place(uow, user, organisation_code, "add an own measure")
    form = await request.form()
    values = _values(form)
    given = OwnMeasureIn(
        code=values["code"],
        name=values["name"],
        description=values["description"],
        phases=tuple(values["phases"]),
    )
    try:
        with uow() as session:
            own_measures.add_own_measure(session, user.principal, place.code, given)
    except InvalidInput as invalid:
        shown = shown_problems(invalid.problems, request.state.lang)
        return _own_measures_page(request, user, uow, place, values=values, problems=shown, status_code=422)
    except Conflict as conflict:
        alert = _REASONS.shown(request.state.lang, conflict.message)
        return _own_measures_page(request, user, uow, place, values=values, alert=alert, status_code=409)
    return RedirectResponse(
        f"{OWN_MEASURES_PATH.format(code=quote(place.code))}?gedaan=toegevoegd", status_code=303
    )


def _own_measure(uow: UoW, user: SignedIn, place: OrganisationPlace, measure_id: int) -> OwnMeasureView:
    with uow() as session:
        return own_measures.get_own_measure(session, user.principal, place.code, measure_id)


@router.get(
    "/beheer/organisatie/{organisation_code}/eigen-maatregelen/{measure_id:int}", response_class=HTMLResponse
)
def own_measure_page(
    request: Request, organisation_code: str, measure_id: int, user: User, uow: UoW
) -> HTMLResponse:
    """One own measure with its history of changes, and a form to change it for editors."""
    place = organisation_place(uow, user, organisation_code, "see the own measures")
    measure = _own_measure(uow, user, place, measure_id)
    return _own_measures_page(request, user, uow, place, editing=measure)


@router.post(
    "/beheer/organisatie/{organisation_code}/eigen-maatregelen/{measure_id:int}", response_class=HTMLResponse
)
async def change_own_measure(
    request: Request, organisation_code: str, measure_id: int, user: User, uow: UoW
) -> Response:
    """Change an own measure's name, description and phases (editors and up); its code stays."""
    place = organisation_place(uow, user, organisation_code, "change an own measure")
    measure = _own_measure(uow, user, place, measure_id)
    form = await request.form()
    values = _values(form) | {"code": measure.code}
    change = OwnMeasureChange(
        name=values["name"], description=values["description"], phases=tuple(values["phases"])
    )
    try:
        with uow() as session:
            own_measures.change_own_measure(session, user.principal, place.code, measure_id, change)
    except InvalidInput as invalid:
        shown = shown_problems(invalid.problems, request.state.lang)
        return _own_measures_page(
            request, user, uow, place, values=values, problems=shown, editing=measure, status_code=422
        )
    except Conflict as conflict:
        alert = _REASONS.shown(request.state.lang, conflict.message)
        return _own_measures_page(
            request, user, uow, place, values=values, editing=measure, alert=alert, status_code=409
        )
    return RedirectResponse(
        f"{OWN_MEASURES_PATH.format(code=quote(place.code))}/{measure_id}?gedaan=gewijzigd", status_code=303
    )
