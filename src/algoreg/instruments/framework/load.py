"""Import the framework from the task-registry format.

A task-registry folder holds ``lifecycles/lifecycles.yaml`` (``lifecycles:`` display names in
order), ``roles/roles.yaml`` (``roles:`` display names), ``requirements/*.yaml`` and
``measures/*.yaml`` (one item per file, schema 1.1.0: ``schema_requirements.json`` and
``schema_measures.json``). Phase and role ids are the display names in lower case with spaces
replaced by hyphens, which is how the item files refer to them.

:func:`load_framework` checks each file's shape (the parts of the official schema that the
framework uses, with the AI Act vocabulary of :data:`~.model.PROFILE_VOCABULARY`) and then the
links between files: every phase and role an item names exists, every requirement URN a measure
names exists, every measure URN a requirement names exists, and requirement URNs are unique. All
problems in all files are collected and raised together as one :class:`InvalidInput`, each naming
the file and the place inside it; nothing is returned half-loaded.
"""

import re
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from algoreg.errors import FieldProblem
from algoreg.instruments.framework._files import file_field, raise_if, read_yaml, validation_problems
from algoreg.instruments.framework.model import (
    PROFILE_VOCABULARY,
    Framework,
    LifecyclePhase,
    Measure,
    ProfileCondition,
    Requirement,
    Role,
)

__all__ = ["LinkDiscrepancy", "link_discrepancies", "load_framework", "slug"]

_REQUIREMENT_URN = re.compile(r"^urn:nl:ak:ver:[a-z]+-[0-9]+")
_MEASURE_URN = re.compile(r"^urn:nl:ak:mtr:[a-z0-9_]+(?:-[0-9]+)?")


def slug(name: str) -> str:
    """The id form of a display name: lower case, runs of white space as one hyphen."""
    return re.sub(r"\s+", "-", name.strip().lower())


class _ProfileFile(BaseModel):
    """One ``ai_act_profile`` entry as the file holds it; values must come from the vocabulary."""

    model_config = ConfigDict(extra="ignore")

    type: list[str]
    open_source: list[str] = Field(default_factory=list)
    risk_group: list[str]
    systemic_risk: list[str] = Field(default_factory=list)
    transparency_obligations: list[str] = Field(default_factory=list)
    role: list[str]
    conformity_assessment_body: list[str] = Field(default_factory=list)

    @field_validator(*PROFILE_VOCABULARY, mode="after")
    @classmethod
    def _known_values(cls, values: list[str], info: ValidationInfo) -> list[str]:
        allowed = PROFILE_VOCABULARY[info.field_name]  # type: ignore[index]
        unknown = [f"item {index}: {value!r}" for index, value in enumerate(values) if value not in allowed]
        if unknown:
            raise ValueError(f"{'; '.join(unknown)} is not one of {', '.join(map(repr, allowed))}")
        return values


class _ItemFile(BaseModel):
    """What requirement and measure files share."""

    model_config = ConfigDict(extra="ignore")

    schema_version: str
    name: str
    description: str
    explanation: str = ""
    urn: str
    language: str
    url: str
    subject: list[str]
    lifecycle: list[str]
    links: list[str]


class _RequirementFile(_ItemFile):
    ai_act_profile: list[_ProfileFile]
    always_applicable: Literal[0, 1]

    @field_validator("urn")
    @classmethod
    def _urn(cls, urn: str) -> str:
        if not _REQUIREMENT_URN.match(urn):
            raise ValueError("must start with 'urn:nl:ak:ver:' followed by a code like 'aia-05'")
        return urn


class _MeasureFile(_ItemFile):
    suggested_roles: list[str]

    @field_validator("urn")
    @classmethod
    def _urn(cls, urn: str) -> str:
        if not _MEASURE_URN.match(urn):
            raise ValueError("must start with 'urn:nl:ak:mtr:' followed by a code like 'dat-01'")
        return urn


class _NamesFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    lifecycles: list[str] | None = None
    roles: list[str] | None = None


def _code(urn: str) -> str:
    return urn.rsplit(":", 1)[-1]


def _read_names(path: Path, key: Literal["lifecycles", "roles"], problems: list[FieldProblem]) -> list[str]:
    data, read_problems = read_yaml(path)
    problems.extend(read_problems)
    if read_problems:
        return []
    try:
        names = getattr(_NamesFile.model_validate(data), key)
    except ValidationError as error:
        problems.extend(validation_problems(path, error))
        return []
    if not names:
        problems.append(FieldProblem(field=file_field(path, key), reason="must be a non-empty list of names"))
        return []
    seen: set[str] = set()
    for index, name in enumerate(names):
        if slug(name) in seen:
            problems.append(FieldProblem(field=file_field(path, f"{key}[{index}]"), reason="is listed twice"))
        seen.add(slug(name))
    return list(dict.fromkeys(names))


_F = TypeVar("_F", _RequirementFile, _MeasureFile)


def _read_items(folder: Path, model: type[_F], problems: list[FieldProblem]) -> list[tuple[Path, _F]]:
    if not folder.is_dir():
        problems.append(FieldProblem(field=file_field(folder), reason="the folder does not exist"))
        return []
    items = []
    for path in sorted(folder.glob("*.yaml")):
        data, read_problems = read_yaml(path)
        problems.extend(read_problems)
        if read_problems:
            continue
        try:
            items.append((path, model.model_validate(data)))
        except ValidationError as error:
            problems.extend(validation_problems(path, error))
    if not items and not problems:
        problems.append(FieldProblem(field=file_field(folder), reason="holds no .yaml files"))
    return items


def _check_known(
    path: Path, key: str, values: list[str], known: set[str], what: str, problems: list[FieldProblem]
) -> None:
    for index, value in enumerate(values):
        if value not in known:
            problems.append(
                FieldProblem(
                    field=file_field(path, f"{key}[{index}]"),
                    reason=f"names {what} {value!r}, which the framework does not define",
                )
            )


def load_framework(root: Path) -> Framework:
    """The framework in the task-registry folder ``root``, with every file and link checked.

    Raises :class:`~algoreg.errors.InvalidInput` listing every problem found (file and place
    inside it); the returned framework's items are sorted by id, phases in lifecycle order.
    """
    problems: list[FieldProblem] = []
    phase_names = _read_names(root / "lifecycles" / "lifecycles.yaml", "lifecycles", problems)
    role_names = _read_names(root / "roles" / "roles.yaml", "roles", problems)
    requirement_files = _read_items(root / "requirements", _RequirementFile, problems)
    measure_files = _read_items(root / "measures", _MeasureFile, problems)

    phases = tuple(LifecyclePhase(id=slug(name), name=name, order=i) for i, name in enumerate(phase_names))
    roles = tuple(Role(id=slug(name), name=name) for name in role_names)
    phase_ids = {phase.id for phase in phases}
    role_ids = {role.id for role in roles}

    requirement_by_urn: dict[str, str] = {}
    for path, item in requirement_files:
        if item.urn in requirement_by_urn:
            problems.append(
                FieldProblem(
                    field=file_field(path, "urn"),
                    reason=f"{item.urn!r} is already the URN of {requirement_by_urn[item.urn]}",
                )
            )
        requirement_by_urn.setdefault(item.urn, path.stem)
        if phase_ids:
            _check_known(path, "lifecycle", item.lifecycle, phase_ids, "phase", problems)
    measure_urns = {item.urn for _, item in measure_files}
    for path, requirement_file in requirement_files:
        for index, urn in enumerate(requirement_file.links):
            if urn not in measure_urns:
                problems.append(
                    FieldProblem(
                        field=file_field(path, f"links[{index}]"), reason=f"no measure has the URN {urn!r}"
                    )
                )
    for path, measure_file in measure_files:
        if phase_ids:
            _check_known(path, "lifecycle", measure_file.lifecycle, phase_ids, "phase", problems)
        if role_ids:
            _check_known(path, "suggested_roles", measure_file.suggested_roles, role_ids, "role", problems)
        for index, urn in enumerate(measure_file.links):
            if urn not in requirement_by_urn:
                problems.append(
                    FieldProblem(
                        field=file_field(path, f"links[{index}]"),
                        reason=f"no requirement has the URN {urn!r}",
                    )
                )
    raise_if(problems, f"The task registry at {root} cannot be loaded; nothing was imported.")

    requirements = tuple(_requirement(path, item) for path, item in requirement_files)
    measures = tuple(_measure(path, item, requirement_by_urn) for path, item in measure_files)
    return Framework(phases=phases, roles=roles, requirements=requirements, measures=measures)


def _requirement(path: Path, item: _RequirementFile) -> Requirement:
    return Requirement(
        id=path.stem,
        urn=item.urn,
        code=_code(item.urn),
        name=item.name.strip(),
        description=item.description.strip(),
        explanation=item.explanation.strip(),
        url=item.url,
        language=item.language,
        schema_version=item.schema_version,
        subjects=tuple(item.subject),
        phases=tuple(item.lifecycle),
        always_applicable=item.always_applicable == 1,
        ai_act_profile=tuple(
            ProfileCondition.model_validate(
                {key: tuple(values) for key, values in entry.model_dump().items()}
            )
            for entry in item.ai_act_profile
        ),
        declared_measure_urns=tuple(item.links),
        source=str(path),
    )


def _measure(path: Path, item: _MeasureFile, requirement_by_urn: dict[str, str]) -> Measure:
    return Measure(
        id=path.stem,
        urn=item.urn,
        code=_code(item.urn),
        name=item.name.strip(),
        description=item.description.strip(),
        explanation=item.explanation.strip(),
        url=item.url,
        language=item.language,
        schema_version=item.schema_version,
        subjects=tuple(item.subject),
        phases=tuple(item.lifecycle),
        roles=tuple(item.suggested_roles),
        requirement_ids=tuple(dict.fromkeys(requirement_by_urn[urn] for urn in item.links)),
        source=str(path),
    )


class LinkDiscrepancy(BaseModel):
    """A requirement–measure link that only one side states.

    ``side`` is ``"requirement"`` when the requirement lists ``measure_urn`` but no measure with
    that URN names the requirement, and ``"measure"`` when a measure with that URN names the
    requirement but the requirement does not list the URN.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    requirement_id: str
    measure_urn: str
    side: Literal["requirement", "measure"]


def link_discrepancies(framework: Framework) -> list[LinkDiscrepancy]:
    """The links stated on one side only, compared by URN (the only form the requirement side has)."""
    found: list[LinkDiscrepancy] = []
    for requirement in framework.requirements:
        declared = set(requirement.declared_measure_urns)
        derived = {measure.urn for measure in framework.measures_for(requirement.id)}
        found.extend(
            LinkDiscrepancy(requirement_id=requirement.id, measure_urn=urn, side="requirement")
            for urn in sorted(declared - derived)
        )
        found.extend(
            LinkDiscrepancy(requirement_id=requirement.id, measure_urn=urn, side="measure")
            for urn in sorted(derived - declared)
        )
    return found
