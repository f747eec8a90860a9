"""Public page of the catalogue of instruments ("hulpmiddelen"): search by text, filter by phase, topic,
role, category and origin, and see for each instrument where it comes from and the requirements and
measures it serves.

The catalogue is the YAML file that ``ALGOREG_CATALOGUE_FILE`` names (the Algoritmekader's
``hulpmiddelen.yaml``, which the operator places there; read again only when the file changes),
followed by every organisation's own current instruments (:mod:`~algoreg.instruments.framework.
own_instruments`), each showing the organisation as its origin. The links
to requirements and measures are resolved against the imported Algoritmekader; without it, or for a
reference it does not know, the reference is shown as written. The whole search lives in the URL.
The instruments' texts are data in Dutch and are shown as they are, marked ``lang="nl"``.
"""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from algoreg.errors import InvalidInput
from algoreg.instruments.framework.catalogue import (
    Instrument,
    InstrumentLinks,
    combine_catalogues,
    link_instruments,
    load_catalogue,
    search_instruments,
)
from algoreg.instruments.framework.definitions import NotImported, current_framework
from algoreg.instruments.framework.model import Framework, Measure, Requirement
from algoreg.instruments.framework.own_instruments import current_instruments
from algoreg.web.deps import UoW
from algoreg.web.pages.deps import CSRF
from algoreg.web.templating import render

router = APIRouter(dependencies=[CSRF])
log = logging.getLogger(__name__)

#: The filters of the page: query parameter, the instrument's attribute, and its label (English source).
FILTERS: tuple[tuple[str, str, str], ...] = (
    ("fase", "phases", "Phase"),
    ("onderwerp", "topics", "Topic"),
    ("rol", "roles", "Role"),
    ("categorie", "categories", "Category"),
)

#: The value of the origin filter for the Algoritmekader's own instruments.
ALGORITMEKADER = "algoritmekader"

_LOADED: dict[Path, tuple[int, tuple[Instrument, ...]]] = {}


class CatalogueUnreadable(Exception):
    """The configured catalogue file cannot be read or does not have the catalogue's shape."""


def catalogue(path: Path) -> tuple[Instrument, ...]:
    """The instruments in the file at ``path``, read again only when its modification time changes."""
    try:
        changed = path.stat().st_mtime_ns
    except OSError as missing:
        raise CatalogueUnreadable(str(missing)) from None
    cached = _LOADED.get(path)
    if cached is not None and cached[0] == changed:
        return cached[1]
    try:
        instruments = load_catalogue(path)
    except InvalidInput as invalid:
        raise CatalogueUnreadable(invalid.message) from None
    _LOADED[path] = (changed, instruments)
    return instruments


@dataclass(frozen=True)
class Combined:
    """The file's instruments followed by the organisations' own, and the state of the file.

    ``file_state``: ``"configured"``, ``"not_configured"`` (no ``ALGOREG_CATALOGUE_FILE``) or
    ``"unreadable"`` (then only the organisations' own instruments are here).
    """

    instruments: tuple[Instrument, ...]
    file_state: str


def combined_catalogue(path: Path | None, session: Session) -> Combined:
    """The whole public catalogue: the configured file's instruments, then the organisations' current own."""
    from_file: tuple[Instrument, ...] = ()
    state = "not_configured"
    if path is not None:
        try:
            from_file, state = catalogue(path), "configured"
        except CatalogueUnreadable as unreadable:
            log.error("The catalogue of instruments %s cannot be read: %s", path, unreadable)
            state = "unreadable"
    own = current_instruments(session)
    try:
        return Combined(combine_catalogues(from_file, own), state)
    except InvalidInput as clash:  # only a file entry whose id looks like "<code>:<slug>" can clash
        log.error("The catalogue of instruments %s clashes with own instruments: %s", path, clash.problems)
        return Combined(from_file, state)


def shown_links(framework: Framework | None, found: list[Instrument]) -> list[InstrumentLinks | None]:
    """Each instrument's links to the framework, in order (None for each without a framework)."""
    if framework is None:
        return [None] * len(found)
    return list(link_instruments(framework, found))


@dataclass(frozen=True)
class Shown:
    """An instrument with the requirements and measures it serves, resolved where the framework knows them."""

    instrument: Instrument
    requirements: tuple[Requirement, ...]
    measures: tuple[Measure, ...]
    unresolved: tuple[str, ...]


def _shown(instrument: Instrument, framework: Framework | None, links: InstrumentLinks | None) -> Shown:
    if framework is None or links is None:
        return Shown(instrument, (), (), (*instrument.requirement_refs, *instrument.measure_refs))
    return Shown(
        instrument,
        tuple(framework.find_requirements(ref)[0] for ref in links.requirement_ids),
        tuple(framework.find_measures(ref)[0] for ref in links.measure_ids),
        (*links.dangling_requirements, *links.dangling_measures),
    )


def _choices(instruments: tuple[Instrument, ...], attribute: str, order: tuple[str, ...]) -> list[str]:
    values = {value for instrument in instruments for value in getattr(instrument, attribute)}
    known = [value for value in order if value in values]
    return known + sorted(values - set(known))


@router.get("/hulpmiddelen", response_class=HTMLResponse)
def catalogue_page(
    request: Request,
    uow: UoW,
    q: Annotated[str, Query()] = "",
    fase: Annotated[str, Query()] = "",
    onderwerp: Annotated[str, Query()] = "",
    rol: Annotated[str, Query()] = "",
    categorie: Annotated[str, Query()] = "",
    herkomst: Annotated[str, Query()] = "",
) -> HTMLResponse:
    """The instruments that match the search and filters; unknown filter values simply match nothing."""
    path: Path | None = request.app.state.settings.catalogue_file
    with uow() as session:
        combined = combined_catalogue(path, session)
        try:
            framework: Framework | None = current_framework(session).framework
        except NotImported:
            framework = None
    instruments = combined.instruments
    chosen = {"fase": fase.strip()[:200], "onderwerp": onderwerp.strip()[:200]}
    chosen |= {"rol": rol.strip()[:200], "categorie": categorie.strip()[:200]}
    chosen |= {"herkomst": herkomst.strip()[:200]}
    text = q[:200]
    found = search_instruments(
        instruments,
        text,
        phase=chosen["fase"] or None,
        topic=chosen["onderwerp"] or None,
        role=chosen["rol"] or None,
        category=chosen["categorie"] or None,
        origin=chosen["herkomst"] or None,
    )
    links = shown_links(framework, found)
    phase_order = framework.phase_ids() if framework else ()
    role_order = tuple(role.id for role in framework.roles) if framework else ()
    orders = {"phases": phase_order, "roles": role_order}
    names = {phase.id: phase.name for phase in framework.phases} if framework else {}
    names |= {role.id: role.name for role in framework.roles} if framework else {}
    filters = [
        (param, label, _choices(instruments, attribute, orders.get(attribute, ())))
        for param, attribute, label in FILTERS
    ]
    origins = {item.origin_key: item.organisation_name or "" for item in instruments}
    if any(item.origin == ALGORITMEKADER for item in instruments):
        origins[ALGORITMEKADER] = "Algoritmekader"
    context = {
        "section": "catalogue",
        "configured": combined.file_state != "not_configured",
        "problem": "unreadable" if combined.file_state == "unreadable" else None,
        "total": len(instruments),
        "found": [_shown(item, framework, link) for item, link in zip(found, links, strict=True)],
        "origins": sorted(origins.items(), key=lambda pair: (pair[0] != ALGORITMEKADER, pair[1].casefold())),
        "text": text,
        "chosen": chosen,
        "filters": filters,
        "names": names,
        "filtered": bool(text or any(chosen.values())),
    }
    return render(request, "public/catalogue.html", context)
