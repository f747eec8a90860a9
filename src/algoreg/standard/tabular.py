"""Reading and writing standard 1.0 records as JSON, JSON Lines, CSV and Excel (XLSX).

Keys and column headers are the standard's field names (``name``, ``organization``, …); the
CSV and XLSX columns are written in the standard's field order. Reading gives plain dicts, to
be checked with :mod:`algoreg.standard.validation`; writing accepts dicts or records.

JSON
    A list of record objects, or an object holding such a list under ``records`` or
    ``algorithms``. A single record object (one with standard field names as keys) is read as a
    list of one.
JSON Lines
    One record object per line; blank lines are skipped.
CSV and XLSX
    The first non-empty row is the header. Cells are text, and an empty cell means the field is
    absent. Two kinds of fields are written in one cell:

    * ``category``: the enum values separated by ``;`` (a line break also separates them), e.g.
      ``Verkeer;Werk``;
    * ``lawful_basis_grouping``, ``impacttoetsen_grouping`` and ``source_data_grouping``: a JSON
      array such as ``[{"title": "Wegenverkeerswet 1994", "link": "https://…"}]``. When reading,
      one ``title|link`` pair per line is accepted as well (the link is what follows the last
      ``|``; a line without ``|`` is a title without link).

    CSV is read as UTF-8 with or without byte order mark, with ``,`` or ``;`` between cells (taken
    from the header line). It is written as UTF-8 with a byte order mark, so that Excel shows
    accents such as ë correctly, and ``,`` between cells.

    XLSX is read from the first sheet; fully empty rows are skipped; numbers become text
    (``12`` rather than ``12.0``), dates in ``begin_date``/``end_date`` become a month
    ``YYYY-MM`` and other dates ISO 8601 text. Characters that XLSX cannot hold (control
    characters other than tab and line breaks) are left out when writing.

Formula injection
    A spreadsheet program runs a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula.
    When writing CSV or XLSX such a cell gets a leading ``'``; so does a cell that already starts
    with ``'`` followed by such a character, so that reading gives back exactly what was written.
    When reading CSV or XLSX, one leading ``'`` is removed only where it is followed by one of
    those characters (possibly after further ``'``).

Safety limits
    An XLSX file whose parts would unpack to more than ``max_uncompressed_bytes`` (100 MB by
    default) is refused before it is parsed, and a file of any format holding more than
    ``max_rows`` records (100,000 by default) is refused.
"""

import csv
import datetime as dt
import io
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from algoreg.standard.v1_0 import FIELD_NAMES, FIELDS_BY_NAME, FieldKind

#: The formats that :func:`read_rows` and :func:`write_rows` know.
FORMATS: tuple[str, ...] = ("json", "jsonl", "csv", "xlsx")

DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024

_SUFFIXES: dict[str, str] = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".xlsx": "xlsx",
}
_ALIASES: dict[str, str] = {"ndjson": "jsonl", "json-lines": "jsonl", "excel": "xlsx"}

_GROUPINGS = frozenset(spec.name for spec in FIELDS_BY_NAME.values() if spec.kind is FieldKind.GROUPING)
_LISTS = frozenset(spec.name for spec in FIELDS_BY_NAME.values() if spec.kind is FieldKind.ENUM_LIST)
_MONTHS = frozenset(spec.name for spec in FIELDS_BY_NAME.values() if spec.kind is FieldKind.MONTH)

_FORMULA_START = ("=", "+", "-", "@")
_ESCAPED = re.compile(r"^'+[=+\-@]")
_LIST_SEPARATOR = re.compile(r"[;\n]")
#: Characters an XLSX cell cannot hold: C0 controls other than tab, line feed, carriage return.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class TabularError(ValueError):
    """A file cannot be read or written as records; ``message`` says what and where.

    The message starts with the file's name (or ``input``) so it can be shown as it is.
    """

    def __init__(self, problem: str, source: str | None = None) -> None:
        self.problem = problem
        self.source = source
        self.message = f"{source}: {problem}" if source else problem
        super().__init__(self.message)


# --- reading -------------------------------------------------------------------------------------


def read_rows(
    path_or_bytes: str | os.PathLike[str] | bytes,
    format: str | None = None,
    filename: str | None = None,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> list[dict[str, Any]]:
    """Read the records of a file as dicts keyed by the standard's field names.

    ``path_or_bytes`` is a path, or the file's content with ``filename`` naming it in messages.
    ``format`` is one of :data:`FORMATS`; when not given it is taken from the suffix of
    ``filename`` or of the path. Values are returned as found, not validated, except for the
    CSV/XLSX cell conventions described in the module documentation (absent cells are left
    out). Raises :class:`TabularError`, naming the file, when the file cannot be read, is not
    UTF-8 text, is not valid JSON (with line and column), is empty, lacks a header, has columns
    that are not fields of the standard, or exceeds ``max_rows`` or ``max_uncompressed_bytes``.
    """
    if isinstance(path_or_bytes, bytes):
        source = filename or "input"
        data = path_or_bytes
    else:
        path = Path(path_or_bytes)
        source = filename or str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TabularError(f"cannot read the file: {exc.strerror or exc}", source) from exc
    kind = resolve_format(
        format, filename or (None if isinstance(path_or_bytes, bytes) else str(path_or_bytes))
    )
    if kind == "xlsx":
        rows = _read_xlsx(data, source, max_rows, max_uncompressed_bytes)
    else:
        text = _decode(data, source)
        if not text.strip():
            raise TabularError("the file is empty; it holds no records", source)
        if kind == "json":
            rows = _read_json(text, source)
        elif kind == "jsonl":
            rows = _read_jsonl(text, source)
        else:
            rows = _read_csv(text, source, max_rows)
    if len(rows) > max_rows:
        raise _too_many_rows(max_rows, source)
    return rows


def resolve_format(format: str | None, filename: str | None = None) -> str:
    """Return the format named by ``format``, or else the one the suffix of ``filename`` implies.

    Raises :class:`TabularError` when the format is unknown or cannot be told.
    """
    if format:
        wanted = format.strip().lower().lstrip(".")
        wanted = _ALIASES.get(wanted, wanted)
        if wanted not in FORMATS:
            raise TabularError(f"unknown format '{format}'; use one of: {', '.join(FORMATS)}", filename)
        return wanted
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix == ".xls":
        raise TabularError("old Excel .xls files cannot be read; save the sheet as .xlsx", filename)
    raise TabularError(
        "cannot tell the format from the file name; use a .json, .jsonl, .csv or .xlsx file "
        "or name the format (json, jsonl, csv or xlsx)",
        filename,
    )


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TabularError(
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line} is not valid UTF-8); "
            "save it with UTF-8 encoding",
            source,
        ) from exc


def _read_json(text: str, source: str) -> list[dict[str, Any]]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TabularError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", source
        ) from exc
    if isinstance(value, dict):
        for key in ("records", "algorithms"):
            if key in value:
                if not isinstance(value[key], list):
                    raise TabularError(f"'{key}' must be a list of record objects", source)
                value = value[key]
                break
        else:
            if not any(key in FIELD_NAMES for key in value):
                raise TabularError(
                    "the JSON object holds no records: give a list of record objects, or an object "
                    "with a 'records' or 'algorithms' list",
                    source,
                )
            value = [value]
    if not isinstance(value, list):
        raise TabularError(f"the JSON holds {_kind(value)}; give a list of record objects", source)
    for position, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise TabularError(
                f"record {position} is {_kind(item)}, not an object with the standard's field names", source
            )
    return value


def _read_jsonl(text: str, source: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TabularError(
                f"line {number} is not valid JSON: {exc.msg} at column {exc.colno}", source
            ) from exc
        if not isinstance(value, dict):
            raise TabularError(
                f"line {number} holds {_kind(value)}, not an object with the standard's field names", source
            )
        rows.append(value)
    return rows


def _read_csv(text: str, source: str, max_rows: int) -> list[dict[str, Any]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, Sequence[object]]]:
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise TabularError(f"not valid CSV near line {reader.line_num}: {exc}", source) from exc

    return _rows_from_table(numbered(), source, max_rows, _csv_cell, "row")


def _read_xlsx(data: bytes, source: str, max_rows: int, max_uncompressed_bytes: int) -> list[dict[str, Any]]:
    if not data:
        raise TabularError("the file is empty; it holds no records", source)
    _check_zip(data, source, max_uncompressed_bytes)
    import openpyxl  # type: ignore[import-untyped, unused-ignore]  # only XLSX needs it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a parser of untrusted input may fail in many ways
        raise TabularError(f"cannot be read as an Excel workbook ({exc})", source) from exc
    try:
        if not workbook.worksheets:
            raise TabularError("the workbook has no sheets", source)
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # do not trust the stored size of the sheet
        numbered = enumerate(sheet.iter_rows(values_only=True), start=1)
        return _rows_from_table(numbered, source, max_rows, _xlsx_cell, "row")
    finally:
        workbook.close()


def _check_zip(data: bytes, source: str, limit: int) -> None:
    """Refuse ``data`` unless it is a zip archive whose members unpack to at most ``limit`` bytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TabularError("is not an Excel .xlsx workbook (it is not a valid zip archive)", source) from exc
    total = sum(member.file_size for member in members)
    if total > limit:
        raise TabularError(
            f"refused: the workbook would unpack to {_size(total)}, more than the limit of {_size(limit)}",
            source,
        )


def _rows_from_table(
    numbered_rows: Iterable[tuple[int, Sequence[object]]],
    source: str,
    max_rows: int,
    cell_text: Callable[[object, str], str | None],
    row_word: str,
) -> list[dict[str, Any]]:
    """Turn a header row and data rows of cells into record dicts, skipping empty rows."""
    header: list[str] | None = None
    columns: list[str | None] = []
    rows: list[dict[str, Any]] = []
    for number, cells in numbered_rows:
        if all(_blank(cell) for cell in cells):
            continue
        if header is None:
            header = [_header_name(cell) for cell in cells]
            columns = _check_header(header, source)
            continue
        if len(rows) >= max_rows:
            raise _too_many_rows(max_rows, source)
        row: dict[str, Any] = {}
        for index, cell in enumerate(cells):
            name = columns[index] if index < len(columns) else None
            if name is None:
                if not _blank(cell):
                    raise TabularError(
                        f"{row_word} {number} has a value in column {index + 1}, which has no header", source
                    )
                continue
            text = cell_text(cell, name)
            if text is None or not text.strip():
                continue
            row[name] = _parse_cell(name, _unescape(text), f"{row_word} {number}, column {name}", source)
        rows.append(row)
    if header is None:
        raise TabularError("the file is empty; it holds no header and no records", source)
    return rows


def _header_name(cell: object) -> str:
    return "" if cell is None else str(cell).strip().lstrip("\ufeff").strip()


def _check_header(header: list[str], source: str) -> list[str | None]:
    names = [name for name in header if name]
    if not any(name in FIELD_NAMES for name in names):
        shown = ", ".join(f"'{name}'" for name in names[:5])
        raise TabularError(
            "the first row must be a header with the standard's field names (such as name, organization, "
            f"status), but it holds {shown}",
            source,
        )
    unknown = [name for name in names if name not in FIELD_NAMES]
    if unknown:
        raise TabularError(
            "unknown columns "
            + ", ".join(f"'{name}'" for name in unknown)
            + ": they are not fields of standard 1.0. Allowed column names: "
            + ", ".join(FIELD_NAMES),
            source,
        )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise TabularError(f"the column '{name}' appears more than once in the header", source)
        seen.add(name)
    return [name or None for name in header]


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _csv_cell(cell: object, name: str) -> str | None:
    return None if cell is None else str(cell)


def _xlsx_cell(cell: object, name: str) -> str | None:
    """Turn an Excel cell value into the text a person sees, as the standard wants it."""
    if cell is None or isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, dt.datetime):
        if name in _MONTHS:
            return f"{cell.year:04d}-{cell.month:02d}"
        if cell.time() == dt.time(0, 0):
            return cell.date().isoformat()
        return cell.isoformat()
    if isinstance(cell, dt.date):
        return f"{cell.year:04d}-{cell.month:02d}" if name in _MONTHS else cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _parse_cell(name: str, text: str, where: str, source: str) -> Any:
    if name in _LISTS:
        return [part.strip() for part in _LIST_SEPARATOR.split(text) if part.strip()]
    if name in _GROUPINGS:
        return _parse_grouping(text, where, source)
    return text


def _parse_grouping(text: str, where: str, source: str) -> Any:
    stripped = text.strip()
    if stripped.startswith(("[", "{")):
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise TabularError(
                f"{where}: not valid JSON ({exc.msg} at position {exc.pos + 1}); write a JSON array such as "
                '[{"title": "…", "link": "https://…"}] or one title|link pair per line',
                source,
            ) from exc
        return [value] if isinstance(value, dict) else value
    entries: list[dict[str, str]] = []
    for line in stripped.splitlines():
        if not line.strip():
            continue
        if "|" in line:
            title, link = line.rsplit("|", 1)
            entry = {"title": title.strip()}
            if link.strip():
                entry["link"] = link.strip()
        else:
            entry = {"title": line.strip()}
        entries.append(entry)
    return entries


def _unescape(text: str) -> str:
    return text[1:] if _ESCAPED.match(text) else text


# --- writing -------------------------------------------------------------------------------------


def write_rows(records: Iterable[Mapping[str, Any] | BaseModel], format: str) -> bytes:
    """Write records in ``format`` (one of :data:`FORMATS`) and return the file's bytes.

    Records are dicts keyed by field name, or models such as ``AlgorithmRecord``. Fields are
    written in the standard's order and absent (``None``) values are left out, so that
    :func:`read_rows` gives back the same records. CSV and XLSX follow the cell conventions of
    the module documentation and are protected against formula injection. Raises
    :class:`TabularError` for an unknown format or a key that is not a field of standard 1.0.
    """
    kind = resolve_format(format)
    rows = [_ordered(record) for record in records]
    if kind == "json":
        return (json.dumps(rows, ensure_ascii=False, indent=2, default=_json_default) + "\n").encode("utf-8")
    if kind == "jsonl":
        lines = [json.dumps(row, ensure_ascii=False, default=_json_default) for row in rows]
        return "".join(line + "\n" for line in lines).encode("utf-8")
    table = [[_cell_out(name, row.get(name)) for name in FIELD_NAMES] for row in rows]
    if kind == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=",", lineterminator="\r\n")
        writer.writerow(FIELD_NAMES)
        writer.writerows([["" if cell is None else cell for cell in line] for line in table])
        return buffer.getvalue().encode("utf-8-sig")
    return _write_xlsx(table)


def _ordered(record: Mapping[str, Any] | BaseModel) -> dict[str, Any]:
    data: Mapping[str, Any] = record.model_dump(mode="json") if isinstance(record, BaseModel) else record
    unknown = [key for key in data if key not in FIELD_NAMES]
    if unknown:
        raise TabularError(
            "cannot write " + ", ".join(f"'{key}'" for key in unknown) + ": not a field of standard 1.0"
        )
    return {name: _plain(data[name]) for name in FIELD_NAMES if data.get(name) is not None}


def _plain(value: Any) -> Any:
    """Make ``value`` plain JSON data: enums become their value, models their dict."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _cell_out(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if name in _GROUPINGS:
        if not value:
            return None
        text = json.dumps(value, ensure_ascii=False, default=_json_default)
    elif name in _LISTS and isinstance(value, list):
        if not value:
            return None
        text = ";".join(str(item) for item in value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return _escape(text)


def _escape(text: str) -> str:
    return "'" + text if text.lstrip("'").startswith(_FORMULA_START) else text


def _write_xlsx(table: list[list[str | None]]) -> bytes:
    import openpyxl  # type: ignore[import-untyped, unused-ignore]

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("algorithms")
    sheet.append(list(FIELD_NAMES))
    for line in table:
        sheet.append([None if cell is None else _XLSX_ILLEGAL.sub("", cell) for cell in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- helpers -------------------------------------------------------------------------------------


def _too_many_rows(max_rows: int, source: str) -> TabularError:
    return TabularError(
        f"refused: the file holds more than {max_rows:,} records; split it into smaller files", source
    )


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.1f} kB"
    return f"{count} bytes"
