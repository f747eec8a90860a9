"""The implementation framework as typed values: lifecycle phases, roles, requirements and measures.

The models are independent of the files they come from (see :mod:`.load` for the task-registry
format). Every item has a stable ``id``: the name of its file without ``.yaml`` (the same name the
Algoritmekader's pages, URLs and instrument pages use, e.g. ``"5-ver-03-biasanalyse"``). The
``urn`` each file declares is kept as well, but it is not unique for measures: three pairs of
measure files in task-registry 940ae02 declare the same URN (see
:meth:`Framework.duplicate_measure_urns`), so URNs only identify an item where they are unique.

Links between requirements and measures are taken from the measure files: each measure names the
requirements it serves by URN, and requirement URNs are unique. The requirement files list their
measures by URN too (kept as :attr:`Requirement.declared_measure_urns`); with duplicate measure URNs
that direction is ambiguous, so it is only checked against the measure side
(:func:`algoreg.instruments.framework.load.link_discrepancies`).

All models are frozen and JSON-serialisable (``model_dump(mode="json")``).
"""

from collections.abc import Mapping
from functools import cached_property
from typing import Literal, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict

from algoreg.errors import FieldProblem, InvalidInput, NotFound

__all__ = [
    "PROFILE_ATTRIBUTES",
    "PROFILE_VOCABULARY",
    "Framework",
    "LifecyclePhase",
    "Measure",
    "ProfileAttribute",
    "ProfileCondition",
    "Requirement",
    "Role",
]

ProfileAttribute: TypeAlias = Literal[
    "type",
    "open_source",
    "risk_group",
    "systemic_risk",
    "transparency_obligations",
    "role",
    "conformity_assessment_body",
]

#: The AI Act profile vocabulary of the task registry (schema_requirements.json 1.1.0): per
#: attribute of a requirement's ``ai_act_profile``, the values it may hold. An algorithm's profile
#: (the input of :func:`~algoreg.instruments.framework.applicability.applicable_requirements`) uses
#: the same attributes and values; the AI Act decision aid's labels are spelled the same way.
PROFILE_VOCABULARY: Mapping[ProfileAttribute, tuple[str, ...]] = {
    "type": (
        "AI-systeem",
        "AI-systeem voor algemene doeleinden",
        "AI-model voor algemene doeleinden",
        "geen algoritme",
        "impactvol algoritme",
        "niet-impactvol algoritme",
    ),
    "open_source": ("open-source", "geen open-source"),
    "risk_group": ("hoog-risico AI", "geen hoog-risico AI", "verboden AI", "uitzondering van toepassing"),
    "systemic_risk": ("systeemrisico", "geen systeemrisico"),
    "transparency_obligations": ("transparantieverplichting", "geen transparantieverplichting"),
    "role": ("aanbieder", "gebruiksverantwoordelijke", "importeur", "distributeur"),
    "conformity_assessment_body": ("beoordeling door derde partij",),
}

#: The attributes in the order the schema lists them.
PROFILE_ATTRIBUTES: tuple[ProfileAttribute, ...] = tuple(PROFILE_VOCABULARY)


def _config() -> ConfigDict:
    return ConfigDict(extra="forbid", frozen=True)


class LifecyclePhase(BaseModel):
    """A phase of the algorithm lifecycle: ``id`` is the slug the requirement and measure files use
    (``"dataverkenning-en-datapreparatie"``), ``name`` the display name, ``order`` its place (0 first)."""

    model_config = _config()

    id: str
    name: str
    order: int


class Role(BaseModel):
    """A role that carries out measures: ``id`` is the slug the measure files use (``"beleid-en-advies"``)."""

    model_config = _config()

    id: str
    name: str


class ProfileCondition(BaseModel):
    """One entry of a requirement's ``ai_act_profile``: per attribute the values it is restricted to.

    An empty tuple means the attribute does not restrict the requirement.
    """

    model_config = _config()

    type: tuple[str, ...] = ()
    open_source: tuple[str, ...] = ()
    risk_group: tuple[str, ...] = ()
    systemic_risk: tuple[str, ...] = ()
    transparency_obligations: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    conformity_assessment_body: tuple[str, ...] = ()

    def restrictions(self) -> dict[ProfileAttribute, tuple[str, ...]]:
        """The attributes this condition restricts (a non-empty value list), in schema order."""
        return {attribute: values for attribute in PROFILE_ATTRIBUTES if (values := getattr(self, attribute))}


class Requirement(BaseModel):
    """A requirement ("vereiste"): what the law or policy demands of an algorithm.

    ``always_applicable`` and ``ai_act_profile`` decide for which algorithms it applies (see
    :mod:`.applicability`). ``source`` is the file it was loaded from.
    """

    model_config = _config()

    id: str
    urn: str
    code: str
    name: str
    description: str
    explanation: str
    url: str
    language: str
    schema_version: str
    subjects: tuple[str, ...]
    phases: tuple[str, ...]
    always_applicable: bool
    ai_act_profile: tuple[ProfileCondition, ...]
    declared_measure_urns: tuple[str, ...]
    source: str


class Measure(BaseModel):
    """A measure ("maatregel"): what an organisation can do to meet requirements.

    ``requirement_ids`` are the requirements it serves (resolved from the URNs in its file),
    ``phases`` the lifecycle phases it belongs to and ``roles`` the roles suggested to carry it out.
    """

    model_config = _config()

    id: str
    urn: str
    code: str
    name: str
    description: str
    explanation: str
    url: str
    language: str
    schema_version: str
    subjects: tuple[str, ...]
    phases: tuple[str, ...]
    roles: tuple[str, ...]
    requirement_ids: tuple[str, ...]
    source: str


_Item = TypeVar("_Item", Requirement, Measure)


class Framework(BaseModel):
    """The whole framework: phases in lifecycle order, roles, requirements and measures, each sorted by id.

    Lookups accept an item's id, its URN or its code (the URN's last part, ``"aia-05"``); a URN or
    code that several measures share is refused as ambiguous.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    phases: tuple[LifecyclePhase, ...]
    roles: tuple[Role, ...]
    requirements: tuple[Requirement, ...]
    measures: tuple[Measure, ...]

    @cached_property
    def _requirement_index(self) -> dict[str, list[Requirement]]:
        return _index(self.requirements)

    @cached_property
    def _measure_index(self) -> dict[str, list[Measure]]:
        return _index(self.measures)

    @cached_property
    def _measures_by_requirement(self) -> dict[str, tuple[Measure, ...]]:
        found: dict[str, list[Measure]] = {requirement.id: [] for requirement in self.requirements}
        for measure in self.measures:
            for requirement_id in measure.requirement_ids:
                found.setdefault(requirement_id, []).append(measure)
        return {key: tuple(value) for key, value in found.items()}

    def find_requirements(self, ref: str) -> tuple[Requirement, ...]:
        """Every requirement whose id, URN or code is ``ref`` (none, one, or several for a shared code)."""
        return tuple(self._requirement_index.get(ref, ()))

    def find_measures(self, ref: str) -> tuple[Measure, ...]:
        """Every measure whose id, URN or code is ``ref`` (several when a URN is shared)."""
        return tuple(self._measure_index.get(ref, ()))

    def requirement(self, ref: str) -> Requirement:
        """The one requirement ``ref`` names; :class:`NotFound` if none, :class:`InvalidInput` if several."""
        return _one(self.find_requirements(ref), ref, "requirement")

    def measure(self, ref: str) -> Measure:
        """The one measure ``ref`` names; :class:`NotFound` if none, :class:`InvalidInput` if several."""
        return _one(self.find_measures(ref), ref, "measure")

    def measures_for(self, requirement_id: str) -> tuple[Measure, ...]:
        """The measures that serve the requirement with this id, sorted by measure id."""
        return self._measures_by_requirement.get(requirement_id, ())

    def phase_ids(self) -> tuple[str, ...]:
        """The phase ids in lifecycle order."""
        return tuple(phase.id for phase in self.phases)

    def duplicate_measure_urns(self) -> dict[str, tuple[str, ...]]:
        """The URNs declared by more than one measure file, with the ids of those measures."""
        by_urn: dict[str, list[str]] = {}
        for measure in self.measures:
            by_urn.setdefault(measure.urn, []).append(measure.id)
        return {urn: tuple(ids) for urn, ids in sorted(by_urn.items()) if len(ids) > 1}


def _index(items: tuple[_Item, ...]) -> dict[str, list[_Item]]:
    index: dict[str, list[_Item]] = {}
    for item in items:
        for key in dict.fromkeys((item.id, item.urn, item.code)):
            index.setdefault(key, []).append(item)
    return index


def _one(found: tuple[_Item, ...], ref: str, kind: str) -> _Item:
    if not found:
        raise NotFound(f"There is no {kind} {ref!r} in the framework.")
    if len(found) > 1:
        ids = ", ".join(item.id for item in found)
        raise InvalidInput(
            problems=[FieldProblem(field=kind, reason=f"{ref!r} names several {kind}s ({ids}); use an id")],
            summary=f"The {kind} reference {ref!r} is ambiguous.",
        )
    return found[0]
