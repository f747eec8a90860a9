"""Differences between two versions of a record, field by field, readable by people."""

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from algoreg.standard.richtext import text_without_markup
from algoreg.standard.v1_0 import FIELD_NAMES

_WORD = re.compile(r"\S+|\s+")


class ChangeKind(StrEnum):
    """How a field changed between two versions."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


class SegmentKind(StrEnum):
    """A piece of text in a word-level difference."""

    SAME = "same"
    INSERTED = "inserted"
    DELETED = "deleted"


@dataclass(frozen=True)
class Segment:
    """A run of words that is unchanged, inserted or deleted."""

    kind: SegmentKind
    text: str


@dataclass(frozen=True)
class FieldChange:
    """The change of one field; ``segments`` gives a word-level difference for text fields."""

    field: str
    kind: ChangeKind
    before: Any
    after: Any
    segments: list[Segment]


_IGNORED = frozenset({"lars", "publication_dt"})


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return text_without_markup(value)
    return None


def word_diff(before: str, after: str) -> list[Segment]:
    """Return the word-level difference that turns ``before`` into ``after``."""
    old, new = _WORD.findall(before), _WORD.findall(after)
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment(SegmentKind.SAME, "".join(old[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment(SegmentKind.DELETED, "".join(old[i1:i2])))
        if j2 > j1:
            segments.append(Segment(SegmentKind.INSERTED, "".join(new[j1:j2])))
    return segments


def diff_records(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """Return the changed fields from ``before`` to ``after``, in the standard's field order.

    Fields the register fills itself (id, publication date) are not compared.
    """
    changes: list[FieldChange] = []
    for field in FIELD_NAMES:
        if field in _IGNORED:
            continue
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        kind = ChangeKind.ADDED if old is None else ChangeKind.REMOVED if new is None else ChangeKind.CHANGED
        old_text, new_text = _as_text(old), _as_text(new)
        segments = word_diff(old_text or "", new_text or "") if (old_text or new_text) else []
        changes.append(FieldChange(field, kind, old, new, segments))
    return changes
