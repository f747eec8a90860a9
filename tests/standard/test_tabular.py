"""Reading and writing records as JSON, JSON Lines, CSV and XLSX."""

import copy
import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from algoreg.standard.tabular import FORMATS, TabularError, read_rows, write_rows
from algoreg.standard.v1_0 import FIELD_NAMES, AlgorithmRecord

SAMPLE: dict[str, Any] = {
    "name": "Tegemoetkoming berekenen voor café-eigenaren",
    "description_short": "Berekent de tegemoetkoming in euro's (€) voor ondernemers in Oïsterwijk-Noord.",
    "organization": "Gemeente Noorderhaaks",
    "category": ["Economie", "Overheidsfinanciën"],
    "status": "In gebruik",
    "begin_date": "2023-01",
    "contact_email": "algoritmes@noorderhaaks.example.nl",
    "publication_category": "Impactvolle algoritmes",
    "goal": '<p>Snellere afhandeling;\nzonder coördinatie per loket, ook "tussen" teams.</p>',
    "lawful_basis_grouping": [
        {"title": "Wet op de tegemoetkoming", "link": "https://wetten.example.nl/BWBR1"},
        {"title": "Verordening Noorderhaaks, artikel 3", "link": "https://lokaal.example.nl/v3"},
    ],
    "impacttoetsen_grouping": [
        {"title": "DPIA", "link": None},
        {"title": "IAMA", "link": "https://nh.example.nl/iama"},
    ],
    "source_data_grouping": [{"title": "Handelsregister", "link": "https://data.example.nl/kvk"}],
    "lang": "nld",
    "standard_version": "1.0",
    "source_id": "NH-042",
}

SECOND: dict[str, Any] = {
    "name": "Parkeervergunningen toewijzen",
    "description_short": "Wijst vergunningen toe op volgorde van aanvraag.",
    "organization": "Gemeente Noorderhaaks",
    "status": "In ontwikkeling",
    "contact_email": "parkeren@noorderhaaks.example.nl",
    "publication_category": "Overige algoritmes",
    "lang": "nld",
}

FORMULAS = {
    "name": '=HYPERLINK("https://evil.example","klik")',
    "description_short": "+31 20 123 4567 is het nummer",
    "organization": "@SUM(A1:A2)",
    "provider": "-1+1",
    "tags": "'=al met een aanhalingsteken",
    "source_id": "'gewoon citaat",
}


def xlsx_bytes(rows: list[list[Any]], extra_sheet: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        workbook.create_sheet("tweede").append(["naam", "iets"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_member(xlsx: bytes, name: str, size: int) -> bytes:
    """Add a member of ``size`` zero bytes (highly compressible) to an XLSX archive."""
    buffer = io.BytesIO(xlsx)
    with (
        zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w", force_zip64=True) as member,
    ):
        chunk = b"\0" * (1024 * 1024)
        written = 0
        while written < size:
            part = chunk[: min(len(chunk), size - written)]
            member.write(part)
            written += len(part)
    return buffer.getvalue()


def error_of(data: bytes, fmt: str | None = "csv", **kwargs: Any) -> str:
    with pytest.raises(TabularError) as caught:
        read_rows(data, fmt, filename=kwargs.pop("filename", "algoritmes.dat"), **kwargs)
    return caught.value.message


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_keeps_every_value(fmt: str) -> None:
    # given
    records = [SAMPLE, SECOND]

    # when
    data = write_rows(records, fmt)
    rows = read_rows(data, fmt)

    # then
    assert rows == records
    assert [AlgorithmRecord.model_validate(row).name for row in rows] == [SAMPLE["name"], SECOND["name"]]


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("json", ".json"), ("jsonl", ".jsonl"), ("csv", ".csv"), ("xlsx", ".xlsx")]
)
def test_round_trip_through_a_file_takes_the_format_from_the_suffix(
    tmp_path: Path, fmt: str, suffix: str
) -> None:
    # given
    path = tmp_path / f"algoritmes{suffix}"
    path.write_bytes(write_rows([SAMPLE], fmt))

    # when
    rows = read_rows(path)

    # then
    assert rows == [SAMPLE]


@pytest.mark.parametrize("fmt", FORMATS)
def test_validated_records_can_be_written_and_read_back(fmt: str) -> None:
    # given
    record = AlgorithmRecord.model_validate(SAMPLE)

    # when
    rows = read_rows(write_rows([record], fmt), fmt)

    # then
    assert [AlgorithmRecord.model_validate(row) for row in rows] == [record]


@pytest.mark.parametrize("fmt", FORMATS)
def test_formula_like_values_round_trip(fmt: str) -> None:
    # given
    record = {**SECOND, **FORMULAS}

    # when
    rows = read_rows(write_rows([record], fmt), fmt)

    # then
    assert rows == [record]


def test_csv_columns_follow_the_standard_order() -> None:
    # given
    records = [SECOND]

    # when
    data = write_rows(records, "csv")

    # then
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == list(FIELD_NAMES)
    assert data.startswith(b"\xef\xbb\xbf")


def test_xlsx_columns_follow_the_standard_order() -> None:
    # given
    records = [SECOND]

    # when
    data = write_rows(records, "xlsx")

    # then
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(FIELD_NAMES)


def test_csv_cells_hold_categories_and_groupings_in_one_cell() -> None:
    # given
    records = [SAMPLE]

    # when
    data = write_rows(records, "csv")

    # then
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert row["category"] == "Economie;Overheidsfinanciën"
    assert json.loads(row["lawful_basis_grouping"]) == SAMPLE["lawful_basis_grouping"]
    assert row["end_date"] == ""


def test_json_is_written_in_field_order_without_absent_fields() -> None:
    # given
    record = {**SECOND, "website": None}

    # when
    [written] = json.loads(write_rows([record], "json"))

    # then
    assert list(written) == [name for name in FIELD_NAMES if name in SECOND]


# --- formula injection ---------------------------------------------------------------------------


def test_csv_escapes_cells_that_a_spreadsheet_would_run() -> None:
    # given
    record = {**SECOND, **FORMULAS}

    # when
    data = write_rows([record], "csv")

    # then
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert row["name"] == "'" + FORMULAS["name"]
    assert row["description_short"] == "'" + FORMULAS["description_short"]
    assert row["organization"] == "'" + FORMULAS["organization"]
    assert row["provider"] == "'-1+1"
    assert row["tags"] == "''=al met een aanhalingsteken"
    assert row["source_id"] == "'gewoon citaat"


def test_xlsx_holds_escaped_formulas_as_text() -> None:
    # given
    record = {**SECOND, **FORMULAS}

    # when
    data = write_rows([record], "xlsx")

    # then
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = {header.value: cell for header, cell in zip(sheet[1], sheet[2], strict=True)}
    assert cells["name"].value == "'" + FORMULAS["name"]
    assert cells["name"].data_type == "s"
    assert cells["organization"].value == "'@SUM(A1:A2)"


def test_reading_removes_a_quote_only_before_a_formula_character() -> None:
    # given
    data = b"name;organization;provider\n'=1+1;'Noorderhaaks';''+x\n"

    # when
    [row] = read_rows(data, "csv")

    # then
    assert row == {"name": "=1+1", "organization": "'Noorderhaaks'", "provider": "'+x"}


# --- CSV conventions -----------------------------------------------------------------------------


def test_csv_with_semicolons_bom_and_title_link_lines_is_read() -> None:
    # given
    text = (
        "name;category;lawful_basis_grouping;impacttoetsen_grouping;end_date\n"
        'Één;"Verkeer; Werk";"Wegenverkeerswet|https://wetten.example.nl/a\nVerordening | https://x.example.nl";'
        '"DPIA\nIAMA|https://iama.example.nl";\n'
    )
    data = b"\xef\xbb\xbf" + text.encode()

    # when
    [row] = read_rows(data, "csv")

    # then
    assert row == {
        "name": "Één",
        "category": ["Verkeer", "Werk"],
        "lawful_basis_grouping": [
            {"title": "Wegenverkeerswet", "link": "https://wetten.example.nl/a"},
            {"title": "Verordening", "link": "https://x.example.nl"},
        ],
        "impacttoetsen_grouping": [{"title": "DPIA"}, {"title": "IAMA", "link": "https://iama.example.nl"}],
    }


def test_csv_with_commas_without_bom_is_read() -> None:
    # given
    data = 'name,status\r\n"Eén, twee",In gebruik\r\n\r\n'.encode()

    # when
    rows = read_rows(data, "csv")

    # then
    assert rows == [{"name": "Eén, twee", "status": "In gebruik"}]


def test_header_only_csv_has_no_records() -> None:
    # given
    data = b"name,status\n"

    # when
    rows = read_rows(data, "csv")

    # then
    assert rows == []


# --- JSON conventions ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["records", "algorithms"])
def test_json_object_with_a_list_of_records_is_read(key: str) -> None:
    # given
    data = json.dumps({key: [SECOND]}).encode()

    # when
    rows = read_rows(data, "json")

    # then
    assert rows == [SECOND]


def test_single_json_record_is_read_as_a_list_of_one() -> None:
    # given
    data = json.dumps(SECOND).encode()

    # when
    rows = read_rows(data, "json")

    # then
    assert rows == [SECOND]


def test_json_lines_skip_blank_lines_and_keep_line_separator_characters() -> None:
    # given
    record = {**SECOND, "name": "Een\u2028twee"}
    data = (json.dumps(record, ensure_ascii=False) + "\n\n" + json.dumps(SECOND) + "\n").encode()

    # when
    rows = read_rows(data, "jsonl")

    # then
    assert rows == [record, SECOND]


# --- Excel conventions ---------------------------------------------------------------------------


def test_xlsx_reads_first_sheet_skips_empty_rows_and_turns_cells_into_text() -> None:
    # given
    data = xlsx_bytes(
        [
            [None, None, None, None],
            ["name", "source_id", "begin_date", "end_date", "publication_dt", "provider"],
            [
                "Één",
                42,
                dt.datetime(2023, 1, 1),
                dt.datetime(2024, 3, 15, 0, 0),
                dt.datetime(2024, 1, 2, 3, 4),
                2.5,
            ],
            [None, "", None, None],
            ["Twee", 7.0, "2023-02", None, dt.datetime(2024, 1, 2), True],
        ],
        extra_sheet=True,
    )

    # when
    rows = read_rows(data, "xlsx")

    # then
    assert rows == [
        {
            "name": "Één",
            "source_id": "42",
            "begin_date": "2023-01",
            "end_date": "2024-03",
            "publication_dt": "2024-01-02T03:04:00",
            "provider": "2.5",
        },
        {
            "name": "Twee",
            "source_id": "7",
            "begin_date": "2023-02",
            "publication_dt": "2024-01-02",
            "provider": "true",
        },
    ]


def test_xlsx_drops_characters_a_cell_cannot_hold() -> None:
    # given
    record = {**SECOND, "name": "Bel\x07 twee\tdrie"}

    # when
    [row] = read_rows(write_rows([record], "xlsx"), "xlsx")

    # then
    assert row["name"] == "Bel twee\tdrie"


# --- file and format problems --------------------------------------------------------------------


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    # given
    path = tmp_path / "weg.csv"

    # when
    with pytest.raises(TabularError) as caught:
        read_rows(path)

    # then
    assert str(path) in caught.value.message
    assert "cannot read the file" in caught.value.message


def test_directory_is_a_clear_error(tmp_path: Path) -> None:
    # given
    path = tmp_path / "map.json"
    path.mkdir()

    # when
    with pytest.raises(TabularError) as caught:
        read_rows(path)

    # then
    assert "cannot read the file" in caught.value.message


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_text_that_is_not_utf8_is_refused(fmt: str) -> None:
    # given
    data = "name\nCaf\xe9\n".encode("latin-1")

    # when
    message = error_of(data, fmt)

    # then
    assert message.startswith("algoritmes.dat: ")
    assert "not UTF-8" in message
    assert "line 2" in message


def test_malformed_json_names_line_and_column() -> None:
    # given
    data = b'[\n  {"name": "a"},\n  {"name" "b"}\n]'

    # when
    message = error_of(data, "json")

    # then
    assert "not valid JSON" in message
    assert "line 3, column 11" in message


def test_malformed_json_line_names_the_line() -> None:
    # given
    data = b'{"name": "a"}\n{"name": \n'

    # when
    message = error_of(data, "jsonl")

    # then
    assert "line 2 is not valid JSON" in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'"tekst"', "the JSON holds text"),
        (b'{"items": []}', "holds no records"),
        (b'{"records": {}}', "'records' must be a list"),
        (b'[{"name": "a"}, 3]', "record 2 is a number"),
    ],
)
def test_json_without_a_list_of_objects_is_refused(data: bytes, expected: str) -> None:
    # given: JSON of the wrong shape

    # when
    message = error_of(data, "json")

    # then
    assert expected in message


def test_json_line_that_is_no_object_is_refused() -> None:
    # given
    data = b'{"name": "a"}\n[1, 2]\n'

    # when
    message = error_of(data, "jsonl")

    # then
    assert "line 2 holds a list" in message


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_file_is_refused(fmt: str) -> None:
    # given
    data = b"" if fmt == "xlsx" else b"\xef\xbb\xbf \n"

    # when
    message = error_of(data, fmt)

    # then
    assert "empty" in message


def test_xlsx_with_an_empty_first_sheet_is_refused() -> None:
    # given
    data = xlsx_bytes([])

    # when
    message = error_of(data, "xlsx")

    # then
    assert "empty" in message


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_missing_header_is_refused(fmt: str) -> None:
    # given: a first row of values instead of field names
    rows = [["Één", "In gebruik", "nld"], ["Twee", "In gebruik", "nld"]]
    data = xlsx_bytes(rows) if fmt == "xlsx" else "\n".join(",".join(row) for row in rows).encode()

    # when
    message = error_of(data, fmt)

    # then
    assert "header" in message
    assert "'Één'" in message


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_unknown_columns_are_listed(fmt: str) -> None:
    # given
    rows = [["name", "naam", "status", "kleur"], ["a", "b", "In gebruik", "rood"]]
    data = xlsx_bytes(rows) if fmt == "xlsx" else "\n".join(",".join(row) for row in rows).encode()

    # when
    message = error_of(data, fmt)

    # then
    assert "unknown columns 'naam', 'kleur'" in message
    assert "not fields of standard 1.0" in message
    assert "description_short" in message


def test_duplicate_column_is_refused() -> None:
    # given
    data = b"name,status,name\na,b,c\n"

    # when
    message = error_of(data, "csv")

    # then
    assert "'name' appears more than once" in message


def test_value_under_a_column_without_header_is_refused() -> None:
    # given
    data = b"name,status\na,In gebruik,extra\n"

    # when
    message = error_of(data, "csv")

    # then
    assert "row 2 has a value in column 3, which has no header" in message


def test_malformed_grouping_json_names_row_and_column() -> None:
    # given
    data = 'name;lawful_basis_grouping\nÉén;"[{""title"": ""Wet""]"\n'.encode()

    # when
    message = error_of(data, "csv")

    # then
    assert "row 2, column lawful_basis_grouping: not valid JSON" in message
    assert "title|link" in message


@pytest.mark.parametrize(
    ("fmt", "filename", "expected"),
    [
        ("yaml", "a.yaml", "unknown format 'yaml'"),
        (None, "a.txt", "cannot tell the format"),
        (None, "a.xls", "save the sheet as .xlsx"),
    ],
)
def test_unknown_format_is_refused(fmt: str | None, filename: str, expected: str) -> None:
    # given
    data = b"name\na\n"

    # when
    message = error_of(data, fmt, filename=filename)

    # then
    assert expected in message


def test_format_given_overrides_the_suffix() -> None:
    # given
    data = b"name\na\n"

    # when
    rows = read_rows(data, "csv", filename="export.txt")

    # then
    assert rows == [{"name": "a"}]


def test_xlsx_that_is_no_zip_is_refused() -> None:
    # given
    data = b"name,status\na,b\n"

    # when
    message = error_of(data, "xlsx")

    # then
    assert "not a valid zip archive" in message


def test_zip_that_is_no_workbook_is_refused() -> None:
    # given
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "geen werkmap")

    # when
    message = error_of(buffer.getvalue(), "xlsx")

    # then
    assert "cannot be read as an Excel workbook" in message


# --- safety limits -------------------------------------------------------------------------------


def test_zip_bomb_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a workbook with a part that unpacks to 101 MB but is small on disk
    data = with_member(xlsx_bytes([["name"], ["a"]]), "xl/media/padding.bin", 101 * 1024 * 1024)
    assert len(data) < 1024 * 1024

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", no_parsing)

    # when
    message = error_of(data, "xlsx")

    # then
    assert "refused" in message
    assert "more than the limit of 100.0 MB" in message


def test_uncompressed_limit_can_be_lowered() -> None:
    # given
    data = with_member(xlsx_bytes([["name"], ["a"]]), "xl/media/padding.bin", 2 * 1024 * 1024)

    # when
    message = error_of(data, "xlsx", max_uncompressed_bytes=1024 * 1024)

    # then
    assert "more than the limit of 1.0 MB" in message


@pytest.mark.parametrize("fmt", FORMATS)
def test_too_many_rows_are_refused(fmt: str) -> None:
    # given
    data = write_rows([SECOND] * 6, fmt)

    # when
    message = error_of(data, fmt, max_rows=5)

    # then
    assert "more than 5 records" in message


@pytest.mark.parametrize("fmt", FORMATS)
def test_rows_up_to_the_limit_are_accepted(fmt: str) -> None:
    # given
    data = write_rows([SECOND] * 5, fmt)

    # when
    rows = read_rows(data, fmt, max_rows=5)

    # then
    assert len(rows) == 5


# --- writing problems ----------------------------------------------------------------------------


def test_writing_a_field_outside_the_standard_is_refused() -> None:
    # given
    record = {**SECOND, "kleur": "rood"}

    # when
    with pytest.raises(TabularError) as caught:
        write_rows([record], "csv")

    # then
    assert "'kleur'" in caught.value.message
    assert "not a field of standard 1.0" in caught.value.message


def test_writing_an_unknown_format_is_refused() -> None:
    # given
    records = [copy.deepcopy(SECOND)]

    # when
    with pytest.raises(TabularError) as caught:
        write_rows(records, "pdf")

    # then
    assert "unknown format 'pdf'" in caught.value.message
