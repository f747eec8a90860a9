"""Rows of plain values as a CSV or XLSX file, safe to open in a spreadsheet program."""

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

TABLE_FORMATS = ("csv", "xlsx")

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_bytes(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], format: str, sheet: str = "data"
) -> bytes:
    """The rows, in the order of ``columns``, as ``csv`` (UTF-8 with a byte order mark, which spreadsheet
    programs need to read it as UTF-8) or ``xlsx``. A text that a spreadsheet would run as a formula
    (starting with = + - or @) is kept text. Another format raises ValueError."""
    if format == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(columns)
        writer.writerows([_cell(row.get(name, "")) for name in columns] for row in rows)
        return ("\ufeff" + text.getvalue()).encode("utf-8")
    if format == "xlsx":
        workbook = Workbook(write_only=True)
        worksheet = workbook.create_sheet(sheet)
        worksheet.append(list(columns))
        for row in rows:
            worksheet.append([_cell(row.get(name, "")) for name in columns])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    raise ValueError(f"unknown format {format!r}; use {' or '.join(TABLE_FORMATS)}")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
