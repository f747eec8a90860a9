"""Which requirements apply to an algorithm, given its AI Act profile, and which measures follow.

The profile
    A mapping from attribute to values, in the task registry's own vocabulary
    (:data:`~.model.PROFILE_VOCABULARY`, the enums of ``schema_requirements.json`` 1.1.0). The keys
    are the attributes of a requirement's ``ai_act_profile``:

    ``type``                        e.g. ``["AI-systeem"]``, ``["impactvol algoritme"]``
    ``risk_group``                  e.g. ``["hoog-risico AI"]``
    ``role``                        e.g. ``["aanbieder", "gebruiksverantwoordelijke"]``
    ``systemic_risk``               e.g. ``["systeemrisico"]``
    ``open_source``, ``transparency_obligations``, ``conformity_assessment_body``

    A missing key means the algorithm has no value for it. A single string is taken as one value.
    Unknown keys and values outside the vocabulary raise :class:`~algoreg.errors.InvalidInput`.
    (The AI Act decision aid labels its answers with these same spellings; it also uses the label
    ``"niet van toepassing"``, which means "no value" and must be left out of the profile.)

The rule (as the requirement files encode it, and as MinBZK's AMT applies it)
    A requirement applies when

    1. its ``always_applicable`` is 1 — reason ``"always"``; otherwise
    2. one of its ``ai_act_profile`` entries matches the profile. An entry matches when, for every
       attribute the entry restricts (a non-empty value list), the profile holds at least one of
       those values; attributes with an empty list do not restrict. Reason ``"attributes"``, with
       the overlapping values per restricted attribute; or, when the matching entry restricts no
       attribute at all, reason ``"unrestricted"`` (in task-registry 940ae02 only
       ``aia-37-recht-klacht-indienen-bij-ai-bureau`` is such a requirement, so it applies to every
       profile).

    Within an attribute the values are alternatives (any overlap is enough); across attributes all
    restricted ones must overlap. A requirement that is not always applicable and has no profile
    entry applies to nothing. All real files have exactly one entry; with several, any may match
    (the first match is reported).

Measures
    The measures that follow are those that serve at least one applicable requirement (the links
    of the measure files), grouped by lifecycle phase in lifecycle order; a measure with several
    phases is listed under each of them.
"""

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.framework.model import (
    PROFILE_ATTRIBUTES,
    PROFILE_VOCABULARY,
    Framework,
    ProfileAttribute,
    Requirement,
)

__all__ = [
    "AiActProfile",
    "ApplicableMeasure",
    "ApplicableRequirement",
    "FrameworkPlan",
    "PhaseMeasures",
    "applicable_measures",
    "applicable_requirements",
    "normalise_profile",
    "plan_for_profile",
]

#: A profile after checking: every attribute of the vocabulary, each with a set of values.
AiActProfile = Mapping[ProfileAttribute, frozenset[str]]

Reason = Literal["always", "attributes", "unrestricted"]


def _config() -> ConfigDict:
    return ConfigDict(extra="forbid", frozen=True)


class ApplicableRequirement(BaseModel):
    """A requirement that applies, and why.

    ``reason`` is ``"always"`` (always applicable), ``"attributes"`` (the profile overlaps every
    attribute the requirement restricts; ``overlaps`` gives the shared values per attribute) or
    ``"unrestricted"`` (the requirement restricts no attribute).
    """

    model_config = _config()

    requirement_id: str
    urn: str
    reason: Reason
    overlaps: dict[ProfileAttribute, tuple[str, ...]] = {}


class ApplicableMeasure(BaseModel):
    """A measure that follows from the applicable requirements it serves (``requirement_ids``)."""

    model_config = _config()

    measure_id: str
    requirement_ids: tuple[str, ...]


class PhaseMeasures(BaseModel):
    """The applicable measures of one lifecycle phase (``phase`` is ``None`` for measures without one)."""

    model_config = _config()

    phase: str | None
    measures: tuple[ApplicableMeasure, ...]


class FrameworkPlan(BaseModel):
    """What the framework asks of one algorithm: its applicable requirements and measures per phase."""

    model_config = _config()

    profile: dict[ProfileAttribute, tuple[str, ...]]
    requirements: tuple[ApplicableRequirement, ...]
    phases: tuple[PhaseMeasures, ...]

    def measure_ids(self) -> tuple[str, ...]:
        """Every applicable measure once, in order of first appearance across the phases."""
        return tuple(dict.fromkeys(m.measure_id for phase in self.phases for m in phase.measures))


def normalise_profile(profile: Mapping[str, Sequence[str] | str]) -> AiActProfile:
    """The profile checked against the vocabulary, with every attribute present (missing ones empty).

    Raises :class:`InvalidInput` naming each unknown attribute and each value outside its attribute's
    vocabulary, with the allowed ones.
    """
    problems = []
    result: dict[ProfileAttribute, frozenset[str]] = {
        attribute: frozenset() for attribute in PROFILE_ATTRIBUTES
    }
    for key, raw in profile.items():
        if key not in PROFILE_VOCABULARY:
            problems.append(
                FieldProblem(
                    field=f"profile.{key}",
                    reason=f"is not a profile attribute; allowed are {', '.join(PROFILE_ATTRIBUTES)}",
                )
            )
            continue
        attribute: ProfileAttribute = key  # type: ignore[assignment]
        values = (raw,) if isinstance(raw, str) else tuple(raw)
        allowed = PROFILE_VOCABULARY[attribute]
        for index, value in enumerate(values):
            if value not in allowed:
                problems.append(
                    FieldProblem(
                        field=f"profile.{key}[{index}]",
                        reason=f"{value!r} is not one of {', '.join(map(repr, allowed))}",
                    )
                )
        result[attribute] = frozenset(values)
    if problems:
        raise InvalidInput(problems=problems, summary="The AI Act profile is not valid.")
    return result


def _applies(requirement: Requirement, profile: AiActProfile) -> ApplicableRequirement | None:
    if requirement.always_applicable:
        return ApplicableRequirement(requirement_id=requirement.id, urn=requirement.urn, reason="always")
    for condition in requirement.ai_act_profile:
        restrictions = condition.restrictions()
        overlaps = {
            attribute: tuple(value for value in values if value in profile[attribute])
            for attribute, values in restrictions.items()
        }
        if all(overlaps.values()):
            return ApplicableRequirement(
                requirement_id=requirement.id,
                urn=requirement.urn,
                reason="attributes" if restrictions else "unrestricted",
                overlaps=overlaps,
            )
    return None


def applicable_requirements(
    framework: Framework, profile: Mapping[str, Sequence[str] | str]
) -> list[ApplicableRequirement]:
    """The requirements that apply to an algorithm with this AI Act profile, each with its reason.

    Follows the rule in this module's docstring; the result is in the framework's order (by id).
    Raises :class:`InvalidInput` for a profile outside the vocabulary (see :func:`normalise_profile`).
    """
    checked = normalise_profile(profile)
    return [found for requirement in framework.requirements if (found := _applies(requirement, checked))]


def applicable_measures(
    framework: Framework, requirements: Sequence[ApplicableRequirement]
) -> list[PhaseMeasures]:
    """The measures serving any of ``requirements``, grouped per lifecycle phase in lifecycle order.

    Every phase of the framework is present (possibly empty); measures are sorted by id within a
    phase and list which of the given requirements they serve. Measures without a phase come last,
    under ``phase=None``, only when there are any.
    """
    wanted = {item.requirement_id for item in requirements}
    by_phase: dict[str | None, list[ApplicableMeasure]] = {phase: [] for phase in framework.phase_ids()}
    for measure in framework.measures:
        served = tuple(
            requirement_id for requirement_id in measure.requirement_ids if requirement_id in wanted
        )
        if not served:
            continue
        entry = ApplicableMeasure(measure_id=measure.id, requirement_ids=served)
        for phase in measure.phases or (None,):
            by_phase.setdefault(phase, []).append(entry)
    return [
        PhaseMeasures(phase=phase, measures=tuple(sorted(entries, key=lambda m: m.measure_id)))
        for phase, entries in by_phase.items()
        if phase is not None or entries
    ]


def plan_for_profile(framework: Framework, profile: Mapping[str, Sequence[str] | str]) -> FrameworkPlan:
    """The applicable requirements and the measures per phase for one algorithm's AI Act profile."""
    checked = normalise_profile(profile)
    requirements = applicable_requirements(framework, profile)
    return FrameworkPlan(
        profile={attribute: tuple(sorted(values)) for attribute, values in checked.items() if values},
        requirements=tuple(requirements),
        phases=tuple(applicable_measures(framework, requirements)),
    )
