"""The parts a bias report is made of: sections with headings, and blocks of content.

A :class:`Report` is a tree of :class:`Section` values, each with blocks — paragraphs, lists,
findings, description lists, tables and figures — whose texts are already in the reader's
language. The templates in ``web/templates/bias/`` lay the tree out as HTML; every block names its
``kind`` for them.
"""

from dataclasses import dataclass
from typing import ClassVar, Literal, TypeAlias

from algoreg.web.i18n import Language


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text; ``role`` ``"note"`` marks a notice the reader must not miss."""

    kind: ClassVar[str] = "paragraph"
    text: str
    role: Literal["", "note"] = ""


@dataclass(frozen=True)
class Items:
    """A list of texts, numbered when ``ordered``."""

    kind: ClassVar[str] = "items"
    items: tuple[str, ...]
    ordered: bool = False


@dataclass(frozen=True)
class FindingItem:
    """One finding: its verdict (the enum value, for styling), the verdict as words, and its sentence."""

    verdict: str
    label: str
    text: str


@dataclass(frozen=True)
class Findings:
    """Findings in plain language, each led by its verdict."""

    kind: ClassVar[str] = "findings"
    items: tuple[FindingItem, ...]


@dataclass(frozen=True)
class Pairs:
    """Terms with their values (a description list)."""

    kind: ClassVar[str] = "pairs"
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """A table with a caption; the first ``row_headers`` cells of each row are row headers.

    ``numeric`` says per column whether it holds figures (aligned to the right).
    """

    kind: ClassVar[str] = "table"
    id: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    row_headers: int = 1


@dataclass(frozen=True)
class Figure:
    """A chart (an SVG image as a data URL) with its text alternative, and the table of its figures."""

    kind: ClassVar[str] = "figure"
    id: str
    title: str
    note: str
    image: str
    alt: str
    table: Table


Block: TypeAlias = Paragraph | Items | Findings | Pairs | Table | Figure


@dataclass(frozen=True)
class Section:
    """A titled part of the report, with blocks and subsections (one heading level deeper)."""

    id: str
    heading: str
    blocks: tuple[Block, ...]
    sections: tuple["Section", ...] = ()


@dataclass(frozen=True)
class Report:
    """A whole report in one language: its title, what it is about, and its sections in order."""

    lang: Language
    title: str
    mode: str
    lead: str
    notice: str
    about: Pairs
    sections: tuple[Section, ...]
