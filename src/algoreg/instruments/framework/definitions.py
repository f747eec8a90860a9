"""The imported definitions framework tasks work from, stored in the database.

Three kinds, each imported with a command (``algoreg framework import``) and kept as JSON with a
version and a digest, the newest of each kind being the current one:

* ``task_registry`` — the Algoritmekader's phases, roles, requirements and measures (the
  :class:`~.model.Framework` as loaded by :func:`~.load.load_framework`);
* ``decision_tree`` — the AI Act decision aid's tree as its file holds it, checked with
  :func:`~algoreg.instruments.decision_tree.model.parse_decision_tree`;
* ``audit`` — the ADR and Rekenkamer audit items (:func:`~.audit.load_audit_items`) and the mapping
  of measures to them (:func:`~.audit.audit_mapping_from_data`; optional, since the official items
  file holds no links to measures — without it every item is ``unmapped``).

Storing them rather than reading files at each request makes every AI Act profile and task point to
the exact definition it was made with (its digest), survives the files moving, and lets every app
process use the same definitions. Importing content identical to one already stored adds nothing.
Importing is an instance-wide act: only a superuser (the command line's operator) may do it.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from algoreg.db.models import FrameworkDefinition, utcnow
from algoreg.errors import Conflict, FieldProblem, Forbidden, InvalidInput
from algoreg.instruments.decision_tree.model import DecisionTree, parse_decision_tree
from algoreg.instruments.framework.audit import AuditItem, AuditMapping, audit_mapping_from_data
from algoreg.instruments.framework.model import Framework
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal

__all__ = [
    "CurrentAudit",
    "CurrentFramework",
    "CurrentTree",
    "DefinitionKind",
    "DefinitionView",
    "NotImported",
    "content_digest",
    "current_audit",
    "current_framework",
    "current_tree",
    "import_audit",
    "import_decision_tree",
    "import_task_registry",
    "imported_definitions",
    "tree_by_digest",
]

#: Longest version label.
MAX_VERSION_CHARS = 200


class DefinitionKind(StrEnum):
    """What an imported definition holds."""

    TASK_REGISTRY = "task_registry"
    DECISION_TREE = "decision_tree"
    AUDIT = "audit"


_HOW_TO_IMPORT = {
    DefinitionKind.TASK_REGISTRY: "algoreg framework import --task-registry <folder>",
    DefinitionKind.DECISION_TREE: "algoreg framework import --decision-tree <decision-tree.yaml>",
    DefinitionKind.AUDIT: "algoreg framework import --audit-items <maatregelen-adr-ark.csv> "
    "[--audit-mapping <mapping.yaml>]",
}


class NotImported(Conflict):
    """A definition the action needs has not been imported into this register yet (the web answers 409)."""

    def __init__(self, kind: DefinitionKind) -> None:
        super().__init__(
            f"No {kind.value.replace('_', ' ')} has been imported into this register yet; "
            f"an administrator imports one with: {_HOW_TO_IMPORT[kind]}"
        )
        self.kind = kind


@dataclass(frozen=True)
class DefinitionView:
    """A stored definition without its content: what it is, which version, its digest, who imported it."""

    id: int
    kind: DefinitionKind
    version: str
    digest: str
    imported_at: datetime
    imported_by: str
    #: False when identical content was stored already (nothing was added).
    added: bool = True


@dataclass(frozen=True)
class CurrentFramework:
    """The current task-registry definition, parsed."""

    definition_id: int
    version: str
    digest: str
    framework: Framework


@dataclass(frozen=True)
class CurrentTree:
    """The current decision tree, parsed."""

    definition_id: int
    digest: str
    tree: DecisionTree


@dataclass(frozen=True)
class CurrentAudit:
    """The current audit items and their mapping to measures (empty when none was imported)."""

    definition_id: int
    version: str
    digest: str
    items: tuple[AuditItem, ...]
    mapping: AuditMapping
    mapped: bool


def content_digest(content: Any) -> str:
    """The SHA-256 of the content's canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _require_superuser(principal: Principal) -> None:
    if not principal.is_superuser:
        raise Forbidden("Only an administrator of this register may import framework definitions.")


def _version(label: str) -> str:
    cleaned = " ".join(label.split())
    if not cleaned or len(cleaned) > MAX_VERSION_CHARS:
        raise InvalidInput(
            problems=[
                FieldProblem(
                    "version", f"must be a text of 1 to {MAX_VERSION_CHARS} characters; got {label!r}"
                )
            ],
            summary="The version label is not valid; nothing was imported.",
        )
    return cleaned


def _store(
    session: Session, principal: Principal, kind: DefinitionKind, version: str, content: dict[str, Any]
) -> DefinitionView:
    digest = content_digest(content)
    existing = session.scalar(
        select(FrameworkDefinition).where(
            FrameworkDefinition.kind == kind.value, FrameworkDefinition.digest == digest
        )
    )
    if existing is not None:
        return _view(existing, added=False)
    row = FrameworkDefinition(
        kind=kind.value,
        version=_version(version),
        digest=digest,
        content=content,
        imported_at=utcnow(),
        imported_by=principal.name,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        principal,
        f"framework.import_{kind.value}",
        summary=f"Imported {kind.value.replace('_', ' ')} {row.version} ({digest[:12]})",
        detail={"definition_id": row.id, "digest": digest, "version": row.version},
    )
    session.flush()
    return _view(row)


def _view(row: FrameworkDefinition, added: bool = True) -> DefinitionView:
    return DefinitionView(
        id=row.id,
        kind=DefinitionKind(row.kind),
        version=row.version,
        digest=row.digest,
        imported_at=row.imported_at,
        imported_by=row.imported_by,
        added=added,
    )


def import_task_registry(
    session: Session, principal: Principal, framework: Framework, version: str | None = None
) -> DefinitionView:
    """Store a loaded framework as the current task-registry definition; superusers only.

    ``version`` labels it (default: ``"sha256:"`` and the first 12 hex digits of its digest, since the
    task registry's files carry no release number). Audited as ``framework.import_task_registry``.
    """
    _require_superuser(principal)
    content = framework.model_dump(mode="json")
    label = version if version is not None else f"sha256:{content_digest(content)[:12]}"
    return _store(session, principal, DefinitionKind.TASK_REGISTRY, label, content)


def import_decision_tree(session: Session, principal: Principal, data: Any, source: str) -> DefinitionView:
    """Check decision-tree data (as its YAML file parses) and store it as the current tree; superusers only.

    Problems raise :class:`InvalidInput` naming ``source`` and the place in it. The version is the
    tree's own name and version. Audited as ``framework.import_decision_tree``.
    """
    _require_superuser(principal)
    tree = parse_decision_tree(data, source)
    try:
        content = json.loads(json.dumps(data, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError) as wrong:
        raise InvalidInput(
            problems=[FieldProblem(source, f"holds a value JSON cannot represent: {wrong}")],
            summary=f"{source} cannot be stored; nothing was imported.",
        ) from None
    return _store(session, principal, DefinitionKind.DECISION_TREE, f"{tree.name} {tree.version}", content)


def import_audit(
    session: Session,
    principal: Principal,
    items: tuple[AuditItem, ...],
    mapping_data: Any | None,
    version: str | None = None,
    mapping_source: str = "mapping",
) -> DefinitionView:
    """Store audit items with their measure mapping (checked against the current framework); superusers only.

    ``mapping_data`` has the shape :func:`~.audit.audit_mapping_from_data` reads
    (``{"measures": {<measure id>: {"ADR": ["SV.4"], "ARK": ["1.03"]}}}``); ``None`` stores the items
    unmapped. A mapping needs a task-registry definition (:class:`NotImported` otherwise).
    Audited as ``framework.import_audit``.
    """
    _require_superuser(principal)
    if not items:
        raise InvalidInput(
            problems=[FieldProblem("audit_items", "holds no items; give the ADR/Rekenkamer items file")],
            summary="There are no audit items to import.",
        )
    links: dict[str, list[str]] = {}
    unmapped: dict[str, str] = {}
    if mapping_data is not None:
        mapping = audit_mapping_from_data(
            mapping_data, current_framework(session).framework, items, where=mapping_source
        )
        links = {measure: list(keys) for measure, keys in mapping.links.items()}
        unmapped = dict(mapping.unmapped)
    content: dict[str, Any] = {
        "items": [item.model_dump(mode="json") for item in items],
        "mapping": links if mapping_data is not None else None,
    }
    if unmapped:  # only when given, so that earlier imports keep their digest
        content["unmapped"] = unmapped
    label = version if version is not None else f"sha256:{content_digest(content)[:12]}"
    return _store(session, principal, DefinitionKind.AUDIT, label, content)


def _current_row(session: Session, kind: DefinitionKind) -> FrameworkDefinition:
    row = session.scalar(
        select(FrameworkDefinition)
        .options(defer(FrameworkDefinition.content))  # read only when not parsed already
        .where(FrameworkDefinition.kind == kind.value)
        .order_by(FrameworkDefinition.id.desc())
        .limit(1)
    )
    if row is None:
        raise NotImported(kind)
    return row


# Parsed definitions by digest: the content behind a digest never changes, so parsing once is enough.
_PARSED: dict[str, Any] = {}
_MAX_PARSED = 16


def _parsed(digest: str, parse: Callable[[], Any]) -> Any:
    """The parsed content behind ``digest``; ``parse`` (which reads the content) runs only on a miss."""
    if digest not in _PARSED:
        if len(_PARSED) >= _MAX_PARSED:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[digest] = parse()
    return _PARSED[digest]


def current_framework(session: Session) -> CurrentFramework:
    """The newest imported task-registry definition; :class:`NotImported` when there is none."""
    row = _current_row(session, DefinitionKind.TASK_REGISTRY)
    framework = _parsed(row.digest, lambda: Framework.model_validate(row.content))
    return CurrentFramework(definition_id=row.id, version=row.version, digest=row.digest, framework=framework)


def has_framework(session: Session) -> bool:
    """Whether a task-registry definition has been imported."""
    try:
        _current_row(session, DefinitionKind.TASK_REGISTRY)
    except NotImported:
        return False
    return True


def current_tree(session: Session) -> CurrentTree:
    """The newest imported decision tree; :class:`NotImported` when there is none."""
    row = _current_row(session, DefinitionKind.DECISION_TREE)
    tree = _parsed(row.digest, lambda: parse_decision_tree(row.content, "stored decision tree"))
    return CurrentTree(definition_id=row.id, digest=row.digest, tree=tree)


def tree_by_digest(session: Session, digest: str) -> DecisionTree | None:
    """The stored decision tree with this digest (the one a profile was made with), or None."""
    row = session.scalar(
        select(FrameworkDefinition)
        .options(defer(FrameworkDefinition.content))
        .where(
            FrameworkDefinition.kind == DefinitionKind.DECISION_TREE.value,
            FrameworkDefinition.digest == digest,
        )
    )
    if row is None:
        return None
    tree: DecisionTree = _parsed(row.digest, lambda: parse_decision_tree(row.content, "stored decision tree"))
    return tree


def current_audit(session: Session) -> CurrentAudit:
    """The newest imported audit items and mapping; :class:`NotImported` when there are none."""
    row = _current_row(session, DefinitionKind.AUDIT)
    items = tuple(AuditItem.model_validate(item) for item in row.content["items"])
    raw_mapping = row.content.get("mapping")
    mapping = AuditMapping(
        links={key: tuple(value) for key, value in (raw_mapping or {}).items()},
        unmapped=row.content.get("unmapped") or {},
    )
    return CurrentAudit(
        definition_id=row.id,
        version=row.version,
        digest=row.digest,
        items=items,
        mapping=mapping,
        mapped=raw_mapping is not None,
    )


def imported_definitions(session: Session) -> list[DefinitionView]:
    """Every stored definition, newest first."""
    rows = session.scalars(select(FrameworkDefinition).order_by(FrameworkDefinition.id.desc()))
    return [_view(row) for row in rows]
