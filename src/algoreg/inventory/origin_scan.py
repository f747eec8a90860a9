"""From the bias tool's origin scan to proposed inventory entries: one proposal per flagged column.

:func:`proposals_from_scan` is pure: it reads an :class:`~algoreg.bias.origin.OriginScan` (the
column check of :mod:`algoreg.bias.origin`) and says, for every flagged column, which kind of
origin data it most likely holds and why. Storing the proposals, without duplicates, is
:func:`algoreg.inventory.origin_uses.propose_from_scan`.

The kind follows what the scan found, most specific first. By name: parents' country of birth,
country of birth, nationality, migration background, then language (mother tongue, home language:
origin inferred from language); anything else the name points to (ethnicity, "herkomst", place of
birth, residence status, civic integration) is "other", with the scan's category as its detail.
By content alone: nationality words give nationality, migration-background categories give
migration background, and country names, codes or regions give "other" — values that are
countries say nothing of whether they are a nationality or a country of birth, so a person says.
"""

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from algoreg.bias.inputs import load_frame
from algoreg.bias.origin import DEFAULT_MAX_ROWS, ColumnOrigin, OriginScan, scan_frame
from algoreg.errors import FieldProblem, InvalidInput
from algoreg.inventory.origin_common import DataKind

#: The scan's name categories that map to a kind of our own, most specific first.
_BY_NAME: tuple[tuple[str, DataKind], ...] = (
    ("parents' country of birth", DataKind.PARENTS_COUNTRY_OF_BIRTH),
    ("country of birth", DataKind.COUNTRY_OF_BIRTH),
    ("nationality", DataKind.NATIONALITY),
    ("migration background", DataKind.MIGRATION_BACKGROUND),
    ("language", DataKind.INFERRED_ORIGIN),
)

#: The scan's kinds of values that map to a kind of our own.
_BY_CONTENT: dict[str, DataKind] = {
    "nationality": DataKind.NATIONALITY,
    "origin category": DataKind.MIGRATION_BACKGROUND,
}


@dataclass(frozen=True)
class ScanProposal:
    """What the scan proposes for one flagged column: the kind of data, a detail, and the scan's reasons."""

    column: str
    kind: DataKind
    detail: str
    reasons: tuple[str, ...]


def proposal_for(column: ColumnOrigin) -> ScanProposal | None:
    """The proposal for one column of a scan, or None when the scan did not flag it."""
    if not column.flagged:
        return None
    categories = column.categories
    for category, kind in _BY_NAME:
        if category in categories:
            detail = "inferred from language" if kind is DataKind.INFERRED_ORIGIN else ""
            return ScanProposal(column.column, kind, detail, column.reasons)
    if categories:
        return ScanProposal(column.column, DataKind.OTHER, ", ".join(categories), column.reasons)
    evidence = column.by_content
    kinds = sorted(evidence.by_kind, key=lambda item: -item.share) if evidence is not None else []
    for item in kinds:
        if item.kind in _BY_CONTENT:
            return ScanProposal(column.column, _BY_CONTENT[item.kind], "", column.reasons)
    found = ", ".join(item.kind for item in kinds) or "origin values"
    return ScanProposal(
        column.column,
        DataKind.OTHER,
        f"values are {found}: check whether this is nationality or country of birth",
        column.reasons,
    )


def proposals_from_scan(scan: OriginScan) -> list[ScanProposal]:
    """One proposal per flagged column of ``scan``, in the frame's column order."""
    return [proposal for column in scan.columns if (proposal := proposal_for(column)) is not None]


def scan_data_file(path: str | Path, *, max_rows: int = DEFAULT_MAX_ROWS, seed: int = 0) -> OriginScan:
    """Read a CSV, Parquet or XLSX file and run the origin scan on it (content of at most ``max_rows``).

    A file that cannot be read raises :class:`InvalidInput` under ``data``.
    """
    try:
        frame = load_frame(str(path)).collect().to_native()
    except (pl.exceptions.PolarsError, OSError, ValueError) as failed:
        first = (str(failed).strip().splitlines() or [type(failed).__name__])[0]
        raise InvalidInput(
            problems=[FieldProblem("data", f"could not be read as a data file: {first}")],
            summary="The data file was not scanned.",
        ) from None
    if not isinstance(frame, pl.DataFrame):
        frame = pl.DataFrame(frame)
    return scan_frame(frame, max_rows=max_rows, seed=seed)
