"""The catalogue of instruments ("hulpmiddelen"): load, search, filter, and link to the framework.

The file shape is the front matter of the Algoritmekader's instrument pages
(``hulpmiddelen.yaml``): a list of entries with ``title``, ``toelichting`` (description),
``categorie``, ``vereiste`` (requirement ids), ``maatregel`` (measure ids), ``levenscyclus``
(phase ids), ``onderwerp`` (topics), ``rollen`` (role ids) and ``source_path``; each list may be
absent or null, and empty items in a list (``- `` with nothing after it) are skipped. An
organisation's own instruments use the same shape and may add ``id`` and ``url``. An entry's id
is its ``id``, else the file name of its ``source_path`` without extension, else its title
folded to a slug. An instrument an organisation keeps in the register (:mod:`.own_instruments`)
names that organisation in ``organisation_code`` and ``organisation_name``; its :attr:`Instrument.key`
(``<organisation code>:<id>``) tells it apart from another organisation's, and from the
Algoritmekader's, with the same id.

Searching is a pure function over the loaded list. Links to requirements and measures are
resolved against a loaded :class:`~.model.Framework`; references that name nothing there are
reported, not dropped silently (the Algoritmekader's pages are newer than the task-registry copy,
so some measures they name do not exist in it).
"""

from collections.abc import Collection, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.framework._files import file_field, raise_if, read_yaml, validation_problems
from algoreg.instruments.framework.model import Framework
from algoreg.register.search_text import fold, words

__all__ = [
    "Instrument",
    "InstrumentLinks",
    "Origin",
    "catalogue_from_data",
    "combine_catalogues",
    "instruments_serving",
    "link_instruments",
    "load_catalogue",
    "search_instruments",
]

Origin = Literal["algoritmekader", "organisation"]


class Instrument(BaseModel):
    """One instrument of the catalogue, with the framework ids it names as they were written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    description: str
    categories: tuple[str, ...]
    requirement_refs: tuple[str, ...]
    measure_refs: tuple[str, ...]
    phases: tuple[str, ...]
    topics: tuple[str, ...]
    roles: tuple[str, ...]
    source_path: str | None
    url: str | None
    origin: Origin
    #: The organisation whose own instrument this is (None for the Algoritmekader's and for files).
    organisation_code: str | None = None
    organisation_name: str | None = None

    @property
    def key(self) -> str:
        """The id, prefixed with the organisation's code and a colon for an organisation's instrument."""
        return f"{self.organisation_code}:{self.id}" if self.organisation_code else self.id

    @property
    def origin_key(self) -> str:
        """Where it comes from as the catalogue filters it: the organisation's code, else the origin."""
        return self.organisation_code or self.origin


class _EntryFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    title: str = Field(min_length=1)
    toelichting: str | None = None
    categorie: list[str] | None = None
    vereiste: list[str] | None = None
    maatregel: list[str] | None = None
    levenscyclus: list[str] | None = None
    onderwerp: list[str] | None = None
    rollen: list[str] | None = None
    source_path: str | None = None
    url: str | None = None

    @field_validator(
        "categorie", "vereiste", "maatregel", "levenscyclus", "onderwerp", "rollen", mode="before"
    )
    @classmethod
    def _one_as_list(cls, value: Any) -> Any:
        # One value may stand alone; an empty bullet ("- " with nothing after it) is no value.
        if isinstance(value, str):
            return [value]
        return [item for item in value if item is not None] if isinstance(value, list) else value


def _slug(title: str) -> str:
    return "-".join(words(title))


def _entry_id(entry: _EntryFile) -> str:
    if entry.id:
        return entry.id
    if entry.source_path:
        return PurePosixPath(entry.source_path).stem
    return _slug(entry.title)


def catalogue_from_data(data: Any, origin: Origin, where: str = "catalogue") -> tuple[Instrument, ...]:
    """The instruments in already-parsed data (a list of entries), in order.

    Raises :class:`InvalidInput` naming the place (``where``, then ``[index].field``) of every
    malformed entry and every id used twice.
    """
    if not isinstance(data, list):
        raise InvalidInput(
            problems=[FieldProblem(field=file_field(where), reason="must be a list of instruments")],
            summary=f"The catalogue {where} is not valid.",
        )
    problems: list[FieldProblem] = []
    instruments: list[Instrument] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data):
        try:
            entry = _EntryFile.model_validate(raw)
        except ValidationError as error:
            problems.extend(validation_problems(where, error, prefix=f"[{index}]"))
            continue
        instrument = Instrument(
            id=_entry_id(entry),
            title=entry.title.strip(),
            description=(entry.toelichting or "").strip(),
            categories=tuple(entry.categorie or ()),
            requirement_refs=tuple(entry.vereiste or ()),
            measure_refs=tuple(entry.maatregel or ()),
            phases=tuple(entry.levenscyclus or ()),
            topics=tuple(entry.onderwerp or ()),
            roles=tuple(entry.rollen or ()),
            source_path=entry.source_path,
            url=entry.url,
            origin=origin,
        )
        if instrument.id in seen:
            problems.append(
                FieldProblem(
                    field=file_field(where, f"[{index}]"),
                    reason=f"has the id {instrument.id!r} of entry {seen[instrument.id]}",
                )
            )
            continue
        seen[instrument.id] = index
        instruments.append(instrument)
    raise_if(problems, f"The catalogue {where} is not valid.")
    return tuple(instruments)


def load_catalogue(path: Path, origin: Origin = "algoritmekader") -> tuple[Instrument, ...]:
    """The instruments in the YAML file at ``path`` (see :func:`catalogue_from_data`)."""
    data, problems = read_yaml(path)
    raise_if(problems, f"The catalogue {path} cannot be read.")
    return catalogue_from_data(data, origin, where=str(path))


def combine_catalogues(*catalogues: Sequence[Instrument]) -> tuple[Instrument, ...]:
    """The catalogues one after another; :class:`InvalidInput` when two instruments share a key.

    Instruments of different organisations (or of one and of the Algoritmekader) may share an id,
    since their :attr:`Instrument.key` differs.
    """
    combined: dict[str, Instrument] = {}
    problems = []
    for catalogue in catalogues:
        for instrument in catalogue:
            if instrument.key in combined:
                problems.append(
                    FieldProblem(
                        field=f"instruments.{instrument.key}",
                        reason=f"is the id of a {combined[instrument.key].origin} instrument "
                        f"and of a {instrument.origin} instrument",
                    )
                )
                continue
            combined[instrument.key] = instrument
    raise_if(problems, "The catalogues cannot be combined: ids are used twice.")
    return tuple(combined.values())


def _wanted(values: str | Collection[str] | None) -> set[str] | None:
    if values is None:
        return None
    return {fold(values)} if isinstance(values, str) else {fold(value) for value in values}


def _matches(have: Sequence[str], wanted: set[str] | None) -> bool:
    return wanted is None or any(fold(value) in wanted for value in have)


def search_instruments(
    instruments: Sequence[Instrument],
    text: str | None = None,
    *,
    phase: str | Collection[str] | None = None,
    topic: str | Collection[str] | None = None,
    role: str | Collection[str] | None = None,
    category: str | Collection[str] | None = None,
    origin: str | Collection[str] | None = None,
) -> list[Instrument]:
    """The instruments that match every given criterion, in their original order.

    ``text``: every word of it occurs in the title or description, ignoring case and diacritics
    (``"geletterdheid"`` finds "AI-Geletterdheid"; ``"Cafe"`` finds "Café"). ``phase``, ``topic``,
    ``role`` and ``category``: the instrument lists at least one of the given values (case folded).
    ``origin``: the instrument's :attr:`Instrument.origin_key` is one of the given values
    (``"algoritmekader"``, or an organisation's code). A criterion left ``None`` does not filter;
    an empty text matches everything.
    """
    query = words(text or "")
    phases, topics, roles, categories = _wanted(phase), _wanted(topic), _wanted(role), _wanted(category)
    origins = _wanted(origin)
    found = []
    for instrument in instruments:
        haystack = " ".join(words(f"{instrument.title} {instrument.description}"))
        if not all(word in haystack for word in query):
            continue
        if (
            _matches(instrument.phases, phases)
            and _matches(instrument.topics, topics)
            and _matches(instrument.roles, roles)
            and _matches(instrument.categories, categories)
            and _matches((instrument.origin_key,), origins)
        ):
            found.append(instrument)
    return found


class InstrumentLinks(BaseModel):
    """An instrument's references resolved against the framework.

    ``requirement_ids`` and ``measure_ids`` are what resolved; the ``dangling_*`` lists hold the
    references that name nothing (or, for a shared measure URN, more than one thing) in the framework.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    instrument_id: str
    requirement_ids: tuple[str, ...]
    measure_ids: tuple[str, ...]
    dangling_requirements: tuple[str, ...]
    dangling_measures: tuple[str, ...]
    dangling_phases: tuple[str, ...]
    dangling_roles: tuple[str, ...]


def link_instruments(framework: Framework, instruments: Sequence[Instrument]) -> list[InstrumentLinks]:
    """For every instrument, the requirements and measures it serves and the references that dangle."""
    phase_ids = set(framework.phase_ids())
    role_ids = {role.id for role in framework.roles}
    result = []
    for instrument in instruments:
        requirements = [(ref, framework.find_requirements(ref)) for ref in instrument.requirement_refs]
        measures = [(ref, framework.find_measures(ref)) for ref in instrument.measure_refs]
        result.append(
            InstrumentLinks(
                instrument_id=instrument.id,
                requirement_ids=tuple(dict.fromkeys(f[0].id for _, f in requirements if len(f) == 1)),
                measure_ids=tuple(dict.fromkeys(f[0].id for _, f in measures if len(f) == 1)),
                dangling_requirements=tuple(ref for ref, f in requirements if len(f) != 1),
                dangling_measures=tuple(ref for ref, f in measures if len(f) != 1),
                dangling_phases=tuple(p for p in instrument.phases if p not in phase_ids),
                dangling_roles=tuple(r for r in instrument.roles if r not in role_ids),
            )
        )
    return result


def instruments_serving(
    links: Sequence[InstrumentLinks], *, requirement_id: str | None = None, measure_id: str | None = None
) -> list[str]:
    """The ids of the instruments linked to the given requirement and/or measure (both must hold)."""
    return [
        link.instrument_id
        for link in links
        if (requirement_id is None or requirement_id in link.requirement_ids)
        and (measure_id is None or measure_id in link.measure_ids)
    ]
