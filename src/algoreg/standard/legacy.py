"""Older versions of the publication standard (0.1, 0.2.3, 0.3.1 and 0.4): reading them and upgrading to 1.0.

Each older version has a typed model with the fields of the delivery API's description of that
version, its length limits (counted without markup) and its enum values spelled as that version
spells them. Only ``name`` and ``organization`` are required; the fields the register fills in
itself (``lars``, ``create_dt``, ``language``, ``state``, ``publication_dt``) are accepted and
ignored.

:func:`upgrade` maps a record of any version to a 1.0 field dict with one mapping table per
version (:data:`MAPPINGS`): every field of an old version is either carried over, translated to a
1.0 value of the same meaning, converted into a 1.0 field of another shape, or reported as a loss
with a reason. Nothing is dropped silently, nothing is shortened, and no value is made up for a
field that standard 1.0 requires: what is missing is reported as a problem.
"""

import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, model_validator

from algoreg.standard.enums import Category, Lang, StandardVersion, Status
from algoreg.standard.richtext import sanitise, text_length
from algoreg.standard.v1_0 import (
    FIELD_NAMES,
    FIELDS_BY_NAME,
    AlgorithmRecord,
    FieldKind,
    ImpactAssessment,
    LawfulBasis,
    SourceData,
    check_length,
)
from algoreg.standard.validation import describe_error, field_path

#: Fields the register fills in itself; accepted on input of every version and otherwise ignored.
SERVER_FIELDS: frozenset[str] = frozenset({"lars", "create_dt", "language", "state", "publication_dt"})

#: Server-side fields that are not part of :class:`AlgorithmRecord`, removed from 1.0 input.
_SERVER_ONLY_FIELDS: frozenset[str] = SERVER_FIELDS - set(FIELD_NAMES)

#: The versions older than 1.0, oldest first.
LEGACY_VERSIONS: tuple[StandardVersion, ...] = (
    StandardVersion.V0_1,
    StandardVersion.V0_2_3,
    StandardVersion.V0_3_1,
    StandardVersion.V0_4,
)


class UpgradeError(ValueError):
    """The input cannot be read as a record of a known version of the standard."""


# --- enumerations of the older versions ------------------------------------------------------------


class YesNo(StrEnum):
    """A yes/no answer of versions 0.2.3 to 0.4 (IAMA, DPIA, base registrations, self-learning)."""

    YES = "Ja"
    NO = "Nee"


class AlgorithmType(StrEnum):
    """Whether an algorithm is rule-based or self-learning (versions 0.2.3 and 0.3.1)."""

    RULE_BASED = "Regelgebaseerd"
    SELF_LEARNING = "Zelflerend"


class CategoryV0_4(StrEnum):  # noqa: N801 - the version number is part of the name
    """Policy areas of version 0.4: nineteen values, of which sixteen live on in standard 1.0."""

    ORGANISATION = "Organisatie en bedrijfsvoering"
    SERVICES = "Dienstverlening"
    GOVERNANCE = "Bestuur"
    CULTURE = "Cultuur en recreatie"
    ECONOMY = "Economie"
    FINANCE = "Financiën"
    HOUSING = "Huisvesting"
    INTERNATIONAL = "Internationaal"
    AGRICULTURE = "Landbouw"
    MIGRATION = "Migratie en integratie"
    NATURE = "Natuur en milieu"
    EDUCATION = "Onderwijs en wetenschap"
    PUBLIC_ORDER = "Openbare orde en veiligheid"
    LAW = "Recht"
    SPATIAL = "Ruimte en infrastructuur"
    SOCIAL_SECURITY = "Sociale zekerheid"
    TRAFFIC = "Verkeer"
    WORK = "Werk"
    HEALTH = "Zorg en gezondheid"


# --- models of the older versions ------------------------------------------------------------------


def _at_most(limit: int) -> AfterValidator:
    """A validator refusing text longer than ``limit`` characters, markup not counted."""

    def check(value: str | None) -> str | None:
        if value is not None and text_length(value) > limit:
            raise ValueError(
                f"is {text_length(value)} characters long (markup not counted); "
                f"this version allows at most {limit}"
            )
        return value

    return AfterValidator(check)


class LegacyRecord(BaseModel):
    """What the models of all older versions share: unknown fields are refused, server fields ignored."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _ignore_server_fields(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items() if key not in SERVER_FIELDS}
        return data


class RecordV0_1(LegacyRecord):  # noqa: N801 - the version number is part of the name
    """A record of version 0.1, in which every field is free text."""

    name: Annotated[str, _at_most(1024)]
    organization: Annotated[str, _at_most(1024)]
    department: Annotated[str | None, _at_most(1024)] = None
    description_short: Annotated[str | None, _at_most(5000)] = None
    type: Annotated[str | None, _at_most(1024)] = None
    category: Annotated[str | None, _at_most(1024)] = None
    website: Annotated[str | None, _at_most(1024)] = None
    status: Annotated[str | None, _at_most(1024)] = None
    goal: Annotated[str | None, _at_most(5000)] = None
    impact: Annotated[str | None, _at_most(5000)] = None
    proportionality: Annotated[str | None, _at_most(5000)] = None
    decision_making_process: Annotated[str | None, _at_most(5000)] = None
    documentation: Annotated[str | None, _at_most(1024)] = None
    description: Annotated[str | None, _at_most(10000)] = None
    application_url: Annotated[str | None, _at_most(1024)] = None
    publiccode: Annotated[str | None, _at_most(1024)] = None
    mprd: Annotated[str | None, _at_most(500)] = None
    source_data: Annotated[str | None, _at_most(5000)] = None
    methods_and_models: Annotated[str | None, _at_most(5000)] = None
    monitoring: Annotated[str | None, _at_most(5000)] = None
    human_intervention: Annotated[str | None, _at_most(5000)] = None
    risks: Annotated[str | None, _at_most(5000)] = None
    performance_standard: Annotated[str | None, _at_most(5000)] = None
    competent_authority: Annotated[str | None, _at_most(1024)] = None
    lawful_basis: Annotated[str | None, _at_most(5000)] = None
    iama: Annotated[str | None, _at_most(128)] = None
    iama_description: Annotated[str | None, _at_most(5000)] = None
    dpia: Annotated[str | None, _at_most(128)] = None
    dpia_description: Annotated[str | None, _at_most(5000)] = None
    objection_procedure: Annotated[str | None, _at_most(5000)] = None
    standard_version: Literal["0.1"] | None = None
    uuid: Annotated[str | None, _at_most(1024)] = None
    url: Annotated[str | None, _at_most(1024)] = None
    contact_email: Annotated[str | None, _at_most(1024)] = None
    area: Annotated[str | None, _at_most(1024)] = None
    lang: Annotated[str | None, _at_most(1024)] = None
    revision_date: Annotated[str | None, _at_most(1024)] = None


class RecordV0_2_3(LegacyRecord):  # noqa: N801 - the version number is part of the name
    """A record of version 0.2.3: the fields of 0.1 with enums for type, status and the yes/no answers."""

    name: Annotated[str, _at_most(100)]
    organization: Annotated[str, _at_most(100)]
    department: Annotated[str | None, _at_most(500)] = None
    description_short: Annotated[str | None, _at_most(250)] = None
    type: AlgorithmType | None = None
    category: Annotated[str | None, _at_most(500)] = None
    website: Annotated[str | None, _at_most(500)] = None
    status: Status | None = None
    goal: Annotated[str | None, _at_most(5000)] = None
    impact: Annotated[str | None, _at_most(5000)] = None
    proportionality: Annotated[str | None, _at_most(5000)] = None
    decision_making_process: Annotated[str | None, _at_most(5000)] = None
    documentation: Annotated[str | None, _at_most(500)] = None
    description: Annotated[str | None, _at_most(5000)] = None
    application_url: Annotated[str | None, _at_most(100)] = None
    publiccode: Annotated[str | None, _at_most(100)] = None
    mprd: YesNo | None = None
    source_data: Annotated[str | None, _at_most(5000)] = None
    methods_and_models: Annotated[str | None, _at_most(5000)] = None
    monitoring: Annotated[str | None, _at_most(5000)] = None
    human_intervention: Annotated[str | None, _at_most(5000)] = None
    risks: Annotated[str | None, _at_most(5000)] = None
    performance_standard: Annotated[str | None, _at_most(5000)] = None
    competent_authority: Annotated[str | None, _at_most(100)] = None
    lawful_basis: Annotated[str | None, _at_most(5000)] = None
    iama: YesNo | None = None
    iama_description: Annotated[str | None, _at_most(5000)] = None
    dpia: YesNo | None = None
    dpia_description: Annotated[str | None, _at_most(5000)] = None
    objection_procedure: Annotated[str | None, _at_most(5000)] = None
    standard_version: Literal["0.2.3"] | None = None
    uuid: Annotated[str | None, _at_most(100)] = None
    url: Annotated[str | None, _at_most(100)] = None
    contact_email: Annotated[str | None, _at_most(100)] = None
    area: Annotated[str | None, _at_most(100)] = None
    lang: Annotated[str | None, _at_most(100)] = None
    revision_date: Annotated[str | None, _at_most(10)] = None


class RecordV0_3_1(LegacyRecord):  # noqa: N801 - the version number is part of the name
    """A record of version 0.3.1, which added provider, process index, source id and tags."""

    name: Annotated[str, _at_most(100)]
    organization: Annotated[str, _at_most(100)]
    department: Annotated[str | None, _at_most(500)] = None
    description_short: Annotated[str | None, _at_most(250)] = None
    type: AlgorithmType | None = None
    category: Annotated[str | None, _at_most(500)] = None
    website: Annotated[str | None, _at_most(500)] = None
    status: Status | None = None
    goal: Annotated[str | None, _at_most(2500)] = None
    impact: Annotated[str | None, _at_most(2500)] = None
    proportionality: Annotated[str | None, _at_most(2500)] = None
    provider: Annotated[str | None, _at_most(100)] = None
    application_url: Annotated[str | None, _at_most(500)] = None
    process_index_url: Annotated[str | None, _at_most(500)] = None
    lawful_basis: Annotated[str | None, _at_most(2500)] = None
    iama: YesNo | None = None
    iama_description: Annotated[str | None, _at_most(500)] = None
    dpia: YesNo | None = None
    objection_procedure: Annotated[str | None, _at_most(2500)] = None
    url: Annotated[str | None, _at_most(500)] = None
    contact_email: Annotated[str | None, _at_most(500)] = None
    area: Annotated[str | None, _at_most(100)] = None
    lang: Annotated[str | None, _at_most(3)] = None
    standard_version: Literal["0.3.1"] | None = None
    uuid: Annotated[str | None, _at_most(100)] = None
    source_id: Annotated[str | None, _at_most(100)] = None
    revision_date: Annotated[str | None, _at_most(10)] = None
    tags: Annotated[str | None, _at_most(2500)] = None
    description: Annotated[str | None, _at_most(2500)] = None
    source_data: Annotated[str | None, _at_most(5000)] = None
    methods_and_models: Annotated[str | None, _at_most(5000)] = None
    publiccode: Annotated[str | None, _at_most(500)] = None
    monitoring: Annotated[str | None, _at_most(2500)] = None
    human_intervention: Annotated[str | None, _at_most(2500)] = None
    risks: Annotated[str | None, _at_most(2500)] = None
    performance_standard: Annotated[str | None, _at_most(2500)] = None


class RecordV0_4(LegacyRecord):  # noqa: N801 - the version number is part of the name
    """A record of version 0.4, the direct predecessor of 1.0 (themes as a list, dates, links)."""

    name: Annotated[str, _at_most(100)]
    organization: Annotated[str, _at_most(250)]
    description_short: Annotated[str | None, _at_most(250)] = None
    type: YesNo | None = None
    category: list[CategoryV0_4] | None = None
    website: Annotated[str | None, _at_most(500)] = None
    status: Status | None = None
    begin_date: Annotated[str | None, _at_most(7)] = None
    end_date: Annotated[str | None, _at_most(7)] = None
    goal: Annotated[str | None, _at_most(2500)] = None
    proportionality: Annotated[str | None, _at_most(2500)] = None
    provider: Annotated[str | None, _at_most(200)] = None
    lawful_basis: Annotated[str | None, _at_most(2500)] = None
    lawful_basis_link: Annotated[str | None, _at_most(500)] = None
    impacttoetsen: list[str] | None = None
    iama_description: Annotated[str | None, _at_most(500)] = None
    url: Annotated[str | None, _at_most(500)] = None
    contact_email: Annotated[str | None, _at_most(500)] = None
    lang: Annotated[str | None, _at_most(3)] = None
    standard_version: Literal["0.4"] | None = None
    uuid: Annotated[str | None, _at_most(100)] = None
    source_id: Annotated[str | None, _at_most(100)] = None
    tags: Annotated[str | None, _at_most(2500)] = None
    source_data: Annotated[str | None, _at_most(5000)] = None
    source_data_link: Annotated[str | None, _at_most(500)] = None
    methods_and_models: Annotated[str | None, _at_most(5000)] = None
    publiccode: Annotated[str | None, _at_most(500)] = None
    human_intervention: Annotated[str | None, _at_most(2500)] = None
    risks: Annotated[str | None, _at_most(2500)] = None


#: The model of each older version.
LEGACY_MODELS: Mapping[StandardVersion, type[LegacyRecord]] = {
    StandardVersion.V0_1: RecordV0_1,
    StandardVersion.V0_2_3: RecordV0_2_3,
    StandardVersion.V0_3_1: RecordV0_3_1,
    StandardVersion.V0_4: RecordV0_4,
}

#: The field names of every version, server-side fields not included.
VERSION_FIELDS: Mapping[StandardVersion, frozenset[str]] = {
    **{version: frozenset(model.model_fields) for version, model in LEGACY_MODELS.items()},
    StandardVersion.V1_0: frozenset(FIELD_NAMES) - SERVER_FIELDS,
}


def read_legacy(data: dict[str, Any], version: StandardVersion | None = None) -> LegacyRecord:
    """Read ``data`` as a record of an older version, detected with :func:`detect_version` if not given.

    Returns the typed record. Raises :class:`UpgradeError` naming every field that does not fit
    that version, or when the version is 1.0 or cannot be told.
    """
    version = _version_of(data, version)
    if version is StandardVersion.V1_0:
        raise UpgradeError("The record is of version 1.0; read it with AlgorithmRecord instead.")
    return _read(LEGACY_MODELS[version], data, version)


# --- telling the version ---------------------------------------------------------------------------


def detect_version(data: dict[str, Any]) -> StandardVersion:
    """Tell which version of the standard ``data`` follows.

    The record's own ``standard_version`` decides when it is given. Otherwise the version is the
    only one whose fields include all fields of the record (server-side fields aside); when
    several do, the one whose model accepts the values. Raises :class:`UpgradeError` (a
    ``ValueError``) when ``data`` is not a dict, names an unknown version, or fits no version or
    more than one.
    """
    _require_dict(data)
    declared = _declared_version(data)
    if declared is not None:
        return declared
    fields = {str(key) for key in data} - SERVER_FIELDS - {"standard_version"}
    if not fields:
        raise UpgradeError(
            "The record has no fields from which its version can be told; "
            "set 'standard_version' or pass from_version."
        )
    candidates = [version for version in StandardVersion if fields <= VERSION_FIELDS[version]]
    if not candidates:
        raise UpgradeError(_no_version_message(fields))
    if len(candidates) == 1:
        return candidates[0]
    fitting = [version for version in candidates if _fits(version, data)]
    if len(fitting) == 1:
        return fitting[0]
    names = ", ".join(str(version) for version in fitting or candidates)
    raise UpgradeError(
        f"The version of the record cannot be told: its fields and values fit versions {names}. "
        "Set 'standard_version' in the record or pass from_version."
    )


def _require_dict(data: object) -> None:
    if not isinstance(data, dict):
        raise UpgradeError(
            f"A record must be a dict of field names and values, but {type(data).__name__} was given."
        )


def _declared_version(data: Mapping[str, Any]) -> StandardVersion | None:
    value = data.get("standard_version")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise UpgradeError(f"standard_version must be text such as '0.4', but {value!r} was given.")
    try:
        return StandardVersion(value)
    except ValueError:
        known = ", ".join(str(version) for version in StandardVersion)
        raise UpgradeError(
            f"Unknown standard_version {value!r}; the versions that can be read are {known}."
        ) from None


def _no_version_message(fields: set[str]) -> str:
    every_field: set[str] = set().union(*VERSION_FIELDS.values())
    unknown = sorted(fields - every_field)
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        return (
            f"The fields {listed} belong to no known version of the standard, so the version cannot be told."
        )
    closest = max(StandardVersion, key=lambda version: len(fields & VERSION_FIELDS[version]))
    strays = ", ".join(repr(name) for name in sorted(fields - VERSION_FIELDS[closest]))
    return (
        f"The record mixes fields of different versions: it is closest to version {closest}, "
        f"but {strays} are not part of that version."
    )


def _fits(version: StandardVersion, data: Mapping[str, Any]) -> bool:
    model: type[BaseModel] = AlgorithmRecord if version is StandardVersion.V1_0 else LEGACY_MODELS[version]
    clean = {key: value for key, value in data.items() if key not in _SERVER_ONLY_FIELDS}
    try:
        model.model_validate(clean)
    except ValidationError:
        return False
    return True


def _version_of(data: dict[str, Any], given: StandardVersion | None) -> StandardVersion:
    _require_dict(data)
    if given is None:
        return detect_version(data)
    given = StandardVersion(given)
    declared = _declared_version(data)
    if declared is not None and declared is not given:
        raise UpgradeError(
            f"The record says it is version {declared}, but version {given} was asked for; "
            "correct 'standard_version' or from_version."
        )
    return given


def _read(model: type[LegacyRecord], data: Mapping[str, Any], version: StandardVersion) -> LegacyRecord:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        reasons = "; ".join(_describe_legacy_error(error, version) for error in exc.errors(include_url=False))
        raise UpgradeError(f"The record is not a valid version {version} record: {reasons}.") from None


def _describe_legacy_error(error: Mapping[str, Any], version: StandardVersion) -> str:
    where = field_path(error.get("loc", ())) or "record"
    if error.get("type") == "extra_forbidden":
        return f"{where}: not a field of version {version}"
    if error.get("type") == "value_error":
        return f"{where}: {error.get('ctx', {}).get('error', error.get('msg', ''))!s}"
    return f"{where}: {str(error.get('msg', 'not valid')).rstrip('.')}"


# --- the result of an upgrade ----------------------------------------------------------------------


@dataclass(frozen=True)
class UpgradeNote:
    """Something of the old record that did not make it into 1.0 as it was.

    ``field`` is the field of the old record (or the 1.0 field, for text that is too long),
    ``value`` a short rendering of the value concerned and ``reason`` an English sentence saying
    why it was not carried over and, where possible, what to do about it.
    """

    field: str
    value: str
    reason: str


@dataclass(frozen=True)
class UpgradeResult:
    """The outcome of :func:`upgrade`.

    ``data`` is the 1.0 field dict that was produced, whether valid or not; ``record`` is that dict
    as a validated :class:`AlgorithmRecord`, or ``None`` when it is not a valid 1.0 record, in which
    case ``problems`` says why (one sentence per problem, starting with the field's path).
    ``losses`` lists what of the old record could not be carried over.
    """

    record: AlgorithmRecord | None
    data: dict[str, Any]
    losses: list[UpgradeNote]
    problems: list[str]


# --- mapping rules ---------------------------------------------------------------------------------


class _Upgrade:
    """The 1.0 field dict being built, and the losses noted on the way."""

    def __init__(self, version: StandardVersion) -> None:
        self.version = version
        self.data: dict[str, Any] = {}
        self.losses: list[UpgradeNote] = []

    def put(self, field: str, value: Any) -> None:
        self.data[field] = value

    def lose(self, field: str, value: Any, reason: str) -> None:
        self.losses.append(UpgradeNote(field=field, value=_short(value), reason=reason))

    def entries(self, field: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.data.setdefault(field, [])
        return entries


@dataclass(frozen=True)
class Carry:
    """The old field means the same as a 1.0 field; its value is taken over unchanged."""

    source: str
    target: str

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,)

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.target,)

    def apply(self, upgrade: _Upgrade, record: Mapping[str, Any]) -> None:
        value = record.get(self.source)
        if not _blank(value):
            upgrade.put(self.target, value)


@dataclass(frozen=True)
class Translate:
    """The old field holds a value of a 1.0 enum, possibly spelled differently.

    A spelling found in ``spellings`` (compared without regard to case and spacing) is replaced
    by the 1.0 value; any other value is taken over unchanged, so that validation names it and
    lists the values 1.0 allows.
    """

    source: str
    target: str
    spellings: Mapping[str, Enum]

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,)

    @property
    def targets(self) -> tuple[str, ...]:
        return (self.target,)

    def apply(self, upgrade: _Upgrade, record: Mapping[str, Any]) -> None:
        value = record.get(self.source)
        if _blank(value):
            return
        known = self.spellings.get(_key(value)) if isinstance(value, str) else None
        upgrade.put(self.target, known.value if known is not None else value)


@dataclass(frozen=True)
class Drop:
    """The old field has no counterpart in 1.0; a value in it is reported as a loss."""

    source: str
    reason: str

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,)

    @property
    def targets(self) -> tuple[str, ...]:
        return ()

    def apply(self, upgrade: _Upgrade, record: Mapping[str, Any]) -> None:
        value = record.get(self.source)
        if not _blank(value):
            upgrade.lose(self.source, value, self.reason)


@dataclass(frozen=True)
class Convert:
    """The old fields ``sources`` become the 1.0 fields ``targets`` by a conversion of their shape."""

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    function: Callable[[_Upgrade, Mapping[str, Any]], None]

    def apply(self, upgrade: _Upgrade, record: Mapping[str, Any]) -> None:
        self.function(upgrade, record)


Rule = Carry | Translate | Drop | Convert


# --- value tables ----------------------------------------------------------------------------------


def _key(value: str) -> str:
    """A spelling compared without regard to case and spacing."""
    return " ".join(value.split()).casefold()


_STATUS_SPELLINGS: Mapping[str, Enum] = {_key(status.value): status for status in Status}

_LANGUAGE_SPELLINGS: Mapping[str, Enum] = dict.fromkeys(
    ("nld", "dut", "nl", "nl-nl", "nederlands", "dutch"), Lang.DUTCH
)

#: Themes of 1.0 by their spelling, and the 0.4 themes that 1.0 renamed without changing their meaning.
_CATEGORY_SPELLINGS: Mapping[str, Category] = {
    **{_key(category.value): category for category in Category},
    _key(CategoryV0_4.FINANCE.value): Category.PUBLIC_FINANCE,
    "financien": Category.PUBLIC_FINANCE,
    _key(CategoryV0_4.HOUSING.value): Category.HOUSING,
}

_YES_NO: Mapping[str, bool] = {"ja": True, "yes": True, "nee": False, "no": False}

_THEMES = ", ".join(f"'{category.value}'" for category in Category)

_DROPPED: Mapping[str, str] = {
    "department": "Standard 1.0 names the responsible organisation only, not its department.",
    "type": "Standard 1.0 does not record whether the algorithm is rule-based or self-learning.",
    "impact": (
        "Standard 1.0 has no separate field for the impact on citizens and businesses; "
        "work it into 'goal' or 'risks' if it matters."
    ),
    "decision_making_process": (
        "Standard 1.0 has no field naming the business or decision process; "
        "'process_index_url' can link to the processing register instead."
    ),
    "documentation": "Standard 1.0 has one link to a public page ('website') and none for a project page.",
    "description": (
        "Standard 1.0 has only the short description ('description_short', at most 400 characters), "
        "no long one."
    ),
    "application_url": "Standard 1.0 names the supplier ('provider') but does not link to its page.",
    "mprd": (
        "Standard 1.0 does not ask whether base registrations are used; "
        "name the data sources in 'source_data_grouping' instead."
    ),
    "monitoring": "Standard 1.0 has no field for how the use of the algorithm is monitored.",
    "performance_standard": "Standard 1.0 has no field for the expected performance.",
    "competent_authority": "Standard 1.0 has no field for the competent authority.",
    "objection_procedure": "Standard 1.0 has no field for the objection procedure.",
    "uuid": "Standard 1.0 has no field for the identifier the national register gave the older record.",
    "area": "Standard 1.0 has no field for the geographic area.",
    "revision_date": "Standard 1.0 has no field for a revision date.",
}


# --- conversions -----------------------------------------------------------------------------------


def _categories_from_list(upgrade: _Upgrade, record: Mapping[str, Any]) -> None:
    """0.4 themes, a list: each becomes the 1.0 theme of the same meaning, or is reported."""
    values = record.get("category") or []
    _put_categories(upgrade, [value for value in values if isinstance(value, str)])


def _categories_from_text(upgrade: _Upgrade, record: Mapping[str, Any]) -> None:
    """Themes of 0.1 to 0.3.1, free text: each comma-separated term that names a 1.0 theme is kept."""
    value = record.get("category")
    if isinstance(value, str):
        _put_categories(upgrade, [term for term in re.split(r"[,;|\n]", value) if term.strip()])


def _put_categories(upgrade: _Upgrade, terms: Iterable[str]) -> None:
    kept: list[str] = []
    for term in terms:
        category = _CATEGORY_SPELLINGS.get(_key(term))
        if category is None:
            upgrade.lose(
                "category",
                term.strip(),
                f"Not a theme of standard 1.0, and no 1.0 theme means the same; choose from: {_THEMES}.",
            )
        elif category.value not in kept:
            kept.append(category.value)
    if kept:
        upgrade.put("category", kept)


@dataclass(frozen=True)
class _Link:
    """A web address found in text, with the name written before it, if any."""

    label: str | None
    url: str


@dataclass(frozen=True)
class _LinkText:
    """Text split into its web addresses (with names) and the rest."""

    links: tuple[_Link, ...]
    rest: tuple[str, ...]


_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")
_SEPARATORS = " \t\r\n,;:|-–—()[]•*"
_URL_TRAILERS = ".,;:!?]}"
#: A piece of text before an address longer than this is prose, not the address's name.
_LABEL_MAX = 100


def _split_links(value: str) -> _LinkText:
    """Find the web addresses in ``value`` and the names before them ("DPIA: https://…, IAMA: …")."""
    text = html.unescape(_ANY_TAG.sub("\n", value))
    links: list[_Link] = []
    rest: list[str] = []
    position = 0
    for match in _URL_IN_TEXT.finditer(text):
        url = _trim_url(match.group())
        lines = _meaningful_lines(text[position : match.start()])
        label = lines[-1] if lines and len(lines[-1]) <= _LABEL_MAX else None
        rest.extend(lines[:-1] if label is not None else lines)
        links.append(_Link(label=label, url=url))
        position = match.start() + len(url)
    rest.extend(_meaningful_lines(text[position:]))
    return _LinkText(links=tuple(links), rest=tuple(rest))


def _trim_url(url: str) -> str:
    while url and (url[-1] in _URL_TRAILERS or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def _meaningful_lines(text: str) -> list[str]:
    lines = (line.strip(_SEPARATORS) for line in text.splitlines())
    return [line for line in lines if any(char.isalnum() for char in line)]


def _references(source: str, target: str, text_field: str) -> Convert:
    """A text of links (0.4) becomes entries ``{title, link}`` of a 1.0 grouping; other text is reported."""

    def convert(upgrade: _Upgrade, record: Mapping[str, Any]) -> None:
        value = record.get(source)
        if not isinstance(value, str) or not value.strip():
            return
        found = _split_links(value)
        if not found.links:
            upgrade.lose(
                source,
                value,
                f"Contains no web address starting with http:// or https://, which every entry of "
                f"'{target}' needs; add the reference by hand, or work the text into '{text_field}'.",
            )
            return
        for link in found.links:
            entry: dict[str, Any] = {"link": link.url}
            if link.label is not None:
                entry = {"title": link.label, **entry}
            upgrade.entries(target).append(entry)
        if found.rest:
            upgrade.lose(
                source,
                " / ".join(found.rest),
                f"Only web addresses and the names written before them become entries of '{target}'; "
                f"this text was not carried over. Work it into '{text_field}' if it matters.",
            )

    return Convert(sources=(source,), targets=(target,), function=convert)


# --- impact assessments ----------------------------------------------------------------------------

IAMA_TITLE = "Impact Assessment Mensenrechten en Algoritmes (IAMA)"
DPIA_TITLE = "Data Protection Impact Assessment (DPIA)"

_ASSESSMENT_NAMES: Mapping[str, str] = {
    _key(IAMA_TITLE.split(" (")[0]): "iama",
    _key(DPIA_TITLE.split(" (")[0]): "dpia",
}
_ABBREVIATION = re.compile(r"\(([^()]+)\)\s*$")


@dataclass(frozen=True)
class _Assessment:
    """An impact assessment asked about with a yes/no field (0.1 to 0.3.1), and its describing field."""

    abbreviation: str
    title: str
    answer_field: str
    text_field: str | None


def _assessment_key(name: str) -> str:
    """What an assessment is known by: the abbreviation in brackets, or the name itself."""
    key = _key(name)
    bracketed = _ABBREVIATION.search(key)
    if bracketed:
        return bracketed.group(1).strip()
    return _ASSESSMENT_NAMES.get(key, key)


def _attach(upgrade: _Upgrade, link: _Link, own_title: str | None) -> None:
    """Give ``link`` to the assessment it names, else to ``own_title``, adding an entry when needed.

    Without a name or an own assessment, the link goes to the only entry if there is just one
    without a link; otherwise it becomes an entry of its own, without a title.
    """
    entries = upgrade.entries("impacttoetsen_grouping")
    for name in (link.label, own_title):
        if name is None:
            continue
        wanted = _assessment_key(name)
        for entry in entries:
            if "link" not in entry and _assessment_key(str(entry.get("title", ""))) == wanted:
                entry["link"] = link.url
                return
    title = own_title if own_title is not None else link.label
    if title is not None:
        entries.append({"title": title, "link": link.url})
    elif len(entries) == 1 and "link" not in entries[0]:
        entries[0]["link"] = link.url
    else:
        entries.append({"link": link.url})


def _assessments_by_answer(assessments: tuple[_Assessment, ...]) -> Convert:
    """Yes/no answers and descriptions of assessments (0.1 to 0.3.1) become 1.0 entries and text.

    'Ja' adds an entry titled with the assessment's full name; 'Nee' and other answers are
    reported. Web addresses in a description become links of the entry it concerns; a
    description that says more than that (prose, or names of other assessments) is carried into
    1.0 ``impacttoetsen``, preceded by the assessment's abbreviation.
    """
    sources = tuple(
        field for item in assessments for field in (item.answer_field, item.text_field) if field is not None
    )

    def convert(upgrade: _Upgrade, record: Mapping[str, Any]) -> None:
        texts: list[str] = []
        for item in assessments:
            answer = record.get(item.answer_field)
            if not _blank(answer):
                said = _YES_NO.get(_key(str(answer)))
                if said is True:
                    upgrade.entries("impacttoetsen_grouping").append({"title": item.title})
                elif said is False:
                    upgrade.lose(
                        item.answer_field,
                        answer,
                        "Standard 1.0 lists only the impact assessments that were carried out, so an "
                        "explicit 'no' is not kept; 'impacttoetsen' can explain why it was not done.",
                    )
                else:
                    upgrade.lose(
                        item.answer_field,
                        answer,
                        f"Not a yes/no answer ('Ja' or 'Nee'), so it cannot tell whether the "
                        f"{item.abbreviation} was carried out.",
                    )
            text = record.get(item.text_field) if item.text_field is not None else None
            if isinstance(text, str) and text.strip():
                found = _split_links(text)
                for link in found.links:
                    _attach(upgrade, link, item.title)
                foreign_names = any(
                    link.label is not None and _assessment_key(link.label) != _assessment_key(item.title)
                    for link in found.links
                )
                if found.rest or foreign_names or not found.links:
                    texts.append(f"<div>{item.abbreviation}: {text}</div>")
        if texts:
            upgrade.put("impacttoetsen", "".join(texts))

    return Convert(sources=sources, targets=("impacttoetsen_grouping", "impacttoetsen"), function=convert)


def _assessments_v0_4(upgrade: _Upgrade, record: Mapping[str, Any]) -> None:
    """0.4 names of assessments and the text with their links become 1.0 entries (and text).

    Every name becomes an entry; each web address in ``iama_description`` becomes the link of
    the entry its name refers to (a new entry when none does). A description that says more
    than names and addresses is also carried whole into 1.0 ``impacttoetsen``.
    """
    for name in record.get("impacttoetsen") or []:
        if isinstance(name, str) and name.strip():
            upgrade.entries("impacttoetsen_grouping").append({"title": name})
    text = record.get("iama_description")
    if isinstance(text, str) and text.strip():
        found = _split_links(text)
        for link in found.links:
            _attach(upgrade, link, None)
        if found.rest or not found.links:
            upgrade.put("impacttoetsen", text)


# --- the mapping tables ----------------------------------------------------------------------------


def _carry(*names: str) -> tuple[Carry, ...]:
    return tuple(Carry(name, name) for name in names)


def _drop(*names: str) -> tuple[Drop, ...]:
    return tuple(Drop(name, _DROPPED[name]) for name in names)


def _version_marker(upgrade: _Upgrade, record: Mapping[str, Any]) -> None:
    upgrade.put("standard_version", StandardVersion.V1_0.value)


_COMMON: tuple[Rule, ...] = (
    *_carry(
        "name",
        "organization",
        "description_short",
        "website",
        "goal",
        "proportionality",
        "lawful_basis",
        "source_data",
        "methods_and_models",
        "publiccode",
        "human_intervention",
        "risks",
        "url",
        "contact_email",
    ),
    Translate("status", "status", _STATUS_SPELLINGS),
    Translate("lang", "lang", _LANGUAGE_SPELLINGS),
    Convert(("standard_version",), ("standard_version",), _version_marker),
)

_FREE_TEXT_CATEGORY = Convert(("category",), ("category",), _categories_from_text)

_BEFORE_0_3: tuple[Rule, ...] = (
    *_COMMON,
    _FREE_TEXT_CATEGORY,
    _assessments_by_answer(
        (
            _Assessment("IAMA", IAMA_TITLE, "iama", "iama_description"),
            _Assessment("DPIA", DPIA_TITLE, "dpia", "dpia_description"),
        )
    ),
    *_drop(
        "department",
        "type",
        "impact",
        "decision_making_process",
        "documentation",
        "description",
        "application_url",
        "mprd",
        "monitoring",
        "performance_standard",
        "competent_authority",
        "objection_procedure",
        "uuid",
        "area",
        "revision_date",
    ),
)

#: For each older version, what becomes of each of its fields. Every field is named exactly once.
MAPPINGS: Mapping[StandardVersion, tuple[Rule, ...]] = {
    StandardVersion.V0_1: _BEFORE_0_3,
    StandardVersion.V0_2_3: _BEFORE_0_3,
    StandardVersion.V0_3_1: (
        *_COMMON,
        *_carry("provider", "process_index_url", "source_id", "tags"),
        _FREE_TEXT_CATEGORY,
        _assessments_by_answer(
            (
                _Assessment("IAMA", IAMA_TITLE, "iama", "iama_description"),
                _Assessment("DPIA", DPIA_TITLE, "dpia", None),
            )
        ),
        *_drop(
            "department",
            "type",
            "impact",
            "application_url",
            "objection_procedure",
            "area",
            "uuid",
            "revision_date",
            "description",
            "monitoring",
            "performance_standard",
        ),
    ),
    StandardVersion.V0_4: (
        *_COMMON,
        *_carry("begin_date", "end_date", "provider", "source_id", "tags"),
        Convert(("category",), ("category",), _categories_from_list),
        _references("lawful_basis_link", "lawful_basis_grouping", "lawful_basis"),
        _references("source_data_link", "source_data_grouping", "source_data"),
        Convert(
            ("impacttoetsen", "iama_description"),
            ("impacttoetsen_grouping", "impacttoetsen"),
            _assessments_v0_4,
        ),
        *_drop("type", "uuid"),
    ),
}


# --- upgrading -------------------------------------------------------------------------------------


def upgrade(data: dict[str, Any], from_version: StandardVersion | None = None) -> UpgradeResult:
    """Upgrade a record of any known version to standard 1.0, reporting what could not be carried over.

    The version is ``from_version`` or else told by :func:`detect_version`. A record of an older
    version must be valid for that version; it is then mapped by :data:`MAPPINGS`, and the result
    lists as ``losses`` every non-empty value that has no place in 1.0 and every text that is
    longer than 1.0 allows (carried over unchanged, never shortened). Fields that 1.0 requires
    but the old record cannot supply are left out and named in ``problems``, as is anything else
    that keeps the result from being a valid 1.0 record. A 1.0 record is only validated: its
    data is returned as given (server-side fields outside the 1.0 model removed), without losses.

    Raises :class:`UpgradeError` (a ``ValueError``) when ``data`` is not a dict, its version is
    unknown or cannot be told, or it is not a valid record of its older version.
    """
    version = _version_of(data, from_version)
    if version is StandardVersion.V1_0:
        given = {key: value for key, value in data.items() if key not in _SERVER_ONLY_FIELDS}
        return _result(given, [], version)
    record = _read(LEGACY_MODELS[version], data, version).model_dump(mode="json", exclude_unset=True)
    work = _Upgrade(version)
    for rule in MAPPINGS[version]:
        rule.apply(work, record)
    _note_lengths(work)
    order = {name: position for position, name in enumerate(FIELD_NAMES)}
    produced = dict(sorted(work.data.items(), key=lambda item: order.get(item[0], len(order))))
    return _result(produced, work.losses, version)


def _note_lengths(work: _Upgrade) -> None:
    """Report each produced text that is longer than 1.0 allows; it stays as it is."""
    for field, value in work.data.items():
        spec = FIELDS_BY_NAME.get(field)
        if spec is None or spec.max_length is None or not isinstance(value, str):
            continue
        try:
            check_length(field, sanitise(value) if spec.kind is FieldKind.RICH_TEXT else value)
        except ValueError as exc:
            work.lose(
                field,
                value,
                f"Carried over unchanged, but it {exc}; shorten it before publishing.",
            )


def _result(data: dict[str, Any], losses: list[UpgradeNote], version: StandardVersion) -> UpgradeResult:
    try:
        record = AlgorithmRecord.model_validate(data)
    except ValidationError as exc:
        problems = [_describe_problem(error, data, version) for error in exc.errors(include_url=False)]
        return UpgradeResult(record=None, data=data, losses=losses, problems=problems)
    return UpgradeResult(record=record, data=data, losses=losses, problems=[])


def _describe_problem(error: Mapping[str, Any], data: Mapping[str, Any], version: StandardVersion) -> str:
    loc = tuple(error.get("loc", ()))
    where = field_path(loc)
    missing = error.get("type") == "missing"
    if missing and len(loc) == 1 and str(loc[0]) in FIELDS_BY_NAME:
        source = "the record" if version is StandardVersion.V1_0 else f"the version {version} record"
        return f"{where}: standard 1.0 requires this field, but {source} has no value for it; {_hint(where)}."
    if missing and len(loc) == 3 and loc[2] == "title" and str(loc[0]) in _ENTRY_MODELS:
        entries = data.get(str(loc[0]))
        entry = entries[loc[1]] if isinstance(entries, list) and isinstance(loc[1], int) else {}
        link = entry.get("link") if isinstance(entry, Mapping) else None
        limit = _max_length(_ENTRY_MODELS[str(loc[0])], "title")
        return (
            f"{where}: every entry needs a title, but only the link {link!r} was given; "
            f"give the name of what it refers to (at most {limit} characters)."
        )
    return f"{where}: {describe_error(error)}"


#: The model of an entry of each 1.0 grouping.
_ENTRY_MODELS: Mapping[str, type[BaseModel]] = {
    "lawful_basis_grouping": LawfulBasis,
    "impacttoetsen_grouping": ImpactAssessment,
    "source_data_grouping": SourceData,
}


def _max_length(model: type[BaseModel], field: str) -> int | None:
    for constraint in model.model_fields[field].metadata:
        limit = getattr(constraint, "max_length", None)
        if isinstance(limit, int):
            return limit
    return None


def _hint(field: str) -> str:
    """Say what a required 1.0 field may hold."""
    spec = FIELDS_BY_NAME[field]
    annotation = AlgorithmRecord.model_fields[field].annotation
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        values = [f"'{member.value}'" for member in annotation]
        if len(values) == 1:
            return f"the only allowed value is {values[0]}"
        return "choose one of " + ", ".join(values)
    if spec.kind is FieldKind.EMAIL:
        return "give the e-mail address at which people can ask about this algorithm"
    if spec.max_length is not None:
        return f"give a text of at most {spec.max_length} characters"
    return "give a value"


def _blank(value: Any) -> bool:
    """Whether a value holds nothing: absent, only spaces, or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return len(value) == 0
    return False


_SHORT = 80


def _short(value: Any) -> str:
    """A short rendering of a value for a note."""
    shown = repr(value.strip()) if isinstance(value, str) else repr(value)
    return shown if len(shown) <= _SHORT else shown[: _SHORT - 1] + "…"
