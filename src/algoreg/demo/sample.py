"""Typed loader of the sample register in ``sample_register.yaml``.

The YAML file describes fictional organisations and the algorithms they register, in Dutch. This
module turns it into frozen dataclasses whose records are validated :class:`AlgorithmRecord`
instances, and refuses a malformed file with a :class:`SampleRegisterError` that names the
organisation or algorithm and the field at fault.

Earlier versions of an algorithm are written in the YAML as partial overrides of its current
record, oldest first; a field set to ``null`` means that the older version did not have it.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError

from algoreg.standard.v1_0 import FIELD_NAMES, AlgorithmRecord, check_url

#: Kinds of organisation the register knows, as stored in ``organisation.kind``.
ORGANISATION_KINDS: tuple[str, ...] = ("ministerie", "provincie", "gemeente", "waterschap", "zbo", "other")

#: Workflow states an algorithm's newest version can be in (the values of the workflow's ``State``).
WORKFLOW_STATES: tuple[str, ...] = ("concept", "in_review", "approved", "published", "retracted", "archived")

_RESOURCE = "sample_register.yaml"
_ORGANISATION_KEYS = ("code", "name", "kind", "website", "contact_email")
_ALGORITHM_KEYS = ("organisation", "workflow", "record", "earlier_versions")
_CODE = re.compile(r"^[a-z]+[0-9]+$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class SampleRegisterError(ValueError):
    """The sample register file is malformed; the message names the entry and field at fault."""


@dataclass(frozen=True)
class SampleOrganisation:
    """A fictional organisation of the sample register."""

    code: str
    name: str
    kind: str
    website: str
    contact_email: str


@dataclass(frozen=True)
class SampleAlgorithm:
    """A sample algorithm: its organisation's code, workflow state, current and earlier records.

    ``earlier_versions`` holds the older published versions, oldest first; each differs from
    ``record``.
    """

    organisation: str
    workflow: str
    record: AlgorithmRecord
    earlier_versions: list[AlgorithmRecord]


@dataclass(frozen=True)
class SampleRegister:
    """The whole sample register: organisations and algorithms in the order of the file."""

    organisations: list[SampleOrganisation]
    algorithms: list[SampleAlgorithm]

    def organisation(self, code: str) -> SampleOrganisation:
        """Return the organisation with ``code``; raise :class:`KeyError` if there is none."""
        for organisation in self.organisations:
            if organisation.code == code:
                return organisation
        raise KeyError(code)


def load_sample_register() -> SampleRegister:
    """Read the sample register shipped with Algoreg and return it validated.

    Every record is a valid standard 1.0 record; raises :class:`SampleRegisterError` otherwise.
    """
    text = resources.files("algoreg.demo").joinpath(_RESOURCE).read_text(encoding="utf-8")
    return parse_sample_register(text)


def parse_sample_register(text: str) -> SampleRegister:
    """Parse a sample register written in YAML and validate all of it.

    Raises :class:`SampleRegisterError` naming the organisation or algorithm and the field when
    the text is not valid YAML, has unknown or missing keys, refers to an unknown organisation or
    workflow state, or holds a record (current or earlier) that the standard refuses.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SampleRegisterError(f"the sample register is not valid YAML: {error}") from error
    top = _mapping(data, "the sample register", required=("organisations", "algorithms"), allowed=None)
    unknown = sorted(set(top) - {"organisations", "algorithms"})
    if unknown:
        raise SampleRegisterError(f"the sample register has unknown top-level keys: {', '.join(unknown)}")

    organisations = [
        _organisation(entry, index)
        for index, entry in enumerate(_sequence(top["organisations"], "organisations"), start=1)
    ]
    by_code: dict[str, SampleOrganisation] = {}
    names: set[str] = set()
    for organisation in organisations:
        if organisation.code in by_code:
            raise SampleRegisterError(f"organisation code {organisation.code!r} occurs more than once")
        if organisation.name in names:
            raise SampleRegisterError(f"organisation name {organisation.name!r} occurs more than once")
        by_code[organisation.code] = organisation
        names.add(organisation.name)

    algorithms = [
        _algorithm(entry, index, by_code)
        for index, entry in enumerate(_sequence(top["algorithms"], "algorithms"), start=1)
    ]
    seen: set[tuple[str, str]] = set()
    for index, algorithm in enumerate(algorithms, start=1):
        key = (algorithm.organisation, algorithm.record.name)
        if key in seen:
            raise SampleRegisterError(
                f"{_label(index, algorithm.record.name)}: organisation {algorithm.organisation!r} "
                "already has an algorithm with this name"
            )
        seen.add(key)
    return SampleRegister(organisations=organisations, algorithms=algorithms)


def _organisation(entry: object, index: int) -> SampleOrganisation:
    where = f"organisation #{index}"
    data = _mapping(entry, where, required=_ORGANISATION_KEYS, allowed=_ORGANISATION_KEYS)
    values = {key: _text(data[key], f"{where}, field {key!r}") for key in _ORGANISATION_KEYS}
    where = f"organisation #{index} ({values['code']!r})"
    if not _CODE.match(values["code"]):
        raise SampleRegisterError(f"{where}, field 'code': must be lower-case letters followed by digits")
    if values["kind"] not in ORGANISATION_KINDS:
        raise SampleRegisterError(f"{where}, field 'kind': must be one of {', '.join(ORGANISATION_KINDS)}")
    try:
        check_url(values["website"])
    except ValueError as error:
        raise SampleRegisterError(f"{where}, field 'website': {error}") from error
    if not _EMAIL.match(values["contact_email"]):
        raise SampleRegisterError(f"{where}, field 'contact_email': must be an e-mail address")
    return SampleOrganisation(**values)


def _algorithm(entry: object, index: int, organisations: Mapping[str, SampleOrganisation]) -> SampleAlgorithm:
    data = _mapping(
        entry, f"algorithm #{index}", required=("organisation", "workflow", "record"), allowed=_ALGORITHM_KEYS
    )
    raw_record = _mapping(data["record"], f"algorithm #{index}, field 'record'", required=(), allowed=None)
    where = _label(index, raw_record.get("name"))

    code = _text(data["organisation"], f"{where}, field 'organisation'")
    organisation = organisations.get(code)
    if organisation is None:
        raise SampleRegisterError(f"{where}, field 'organisation': no organisation has code {code!r}")
    workflow = _text(data["workflow"], f"{where}, field 'workflow'")
    if workflow not in WORKFLOW_STATES:
        raise SampleRegisterError(f"{where}, field 'workflow': must be one of {', '.join(WORKFLOW_STATES)}")

    record = _record(raw_record, f"{where}, record")
    if record.organization != organisation.name:
        raise SampleRegisterError(
            f"{where}, record field 'organization': is {record.organization!r} but organisation "
            f"{code!r} is called {organisation.name!r}"
        )

    earlier: list[AlgorithmRecord] = []
    overrides = data.get("earlier_versions")
    if overrides is not None:
        for number, override in enumerate(
            _sequence(overrides, f"{where}, field 'earlier_versions'"), start=1
        ):
            earlier.append(
                _earlier_version(raw_record, record, override, f"{where}, earlier version #{number}")
            )
    return SampleAlgorithm(organisation=code, workflow=workflow, record=record, earlier_versions=earlier)


def _earlier_version(
    raw_record: Mapping[str, Any], current: AlgorithmRecord, override: object, where: str
) -> AlgorithmRecord:
    changes = _mapping(override, where, required=(), allowed=None)
    if not changes:
        raise SampleRegisterError(f"{where}: lists no changes to the current record")
    for field in changes:
        if field not in FIELD_NAMES:
            raise SampleRegisterError(f"{where}, field {field!r}: is not a field of standard 1.0")
    if "organization" in changes:
        raise SampleRegisterError(f"{where}, field 'organization': an earlier version keeps its organisation")
    merged = {key: value for key, value in {**raw_record, **changes}.items() if value is not None}
    version = _record(merged, where)
    if version == current:
        raise SampleRegisterError(f"{where}: is identical to the current record")
    return version


def _record(data: Mapping[str, Any], where: str) -> AlgorithmRecord:
    try:
        return AlgorithmRecord.model_validate(dict(data))
    except ValidationError as error:
        problems = "; ".join(
            f"field {'.'.join(str(part) for part in problem['loc']) or '(record)'!r}: "
            f"{problem['msg'].removeprefix('Value error, ')}"
            for problem in error.errors()
        )
        raise SampleRegisterError(f"{where}: {problems}") from error


def _label(index: int, name: object) -> str:
    return f"algorithm #{index} ({name!r})" if isinstance(name, str) else f"algorithm #{index}"


def _mapping(
    value: object, where: str, *, required: Sequence[str], allowed: Sequence[str] | None
) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise SampleRegisterError(f"{where}: must be a mapping of field names to values")
    missing = [key for key in required if key not in value]
    if missing:
        raise SampleRegisterError(f"{where}: missing field(s) {', '.join(missing)}")
    if allowed is not None:
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise SampleRegisterError(f"{where}: unknown field(s) {', '.join(unknown)}")
    return value


def _sequence(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise SampleRegisterError(f"{where}: must be a list")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SampleRegisterError(f"{where}: must be a non-empty text")
    return value.strip()
