"""Uploaded data files: accepted kinds, and how far they may unpack before a row is read."""

import zipfile
from pathlib import Path

import polars as pl
import pytest

from algoreg.bias.uploads import check_unpacked_size, data_file_suffix
from algoreg.errors import InvalidInput


@pytest.mark.parametrize("name", ["data.csv", "DATA.CSV", "x.parquet", "x.xlsx"])
def test_data_files_are_known_by_their_ending(name: str) -> None:
    assert data_file_suffix(name) == Path(name).suffix.lower()


@pytest.mark.parametrize("name", ["data.json", "data", "data.xls", "data.csv.exe"])
def test_other_endings_are_refused_with_the_allowed_ones(name: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        data_file_suffix(name)
    assert ".csv, .parquet, .xlsx" in raised.value.problems[0].reason


def test_a_parquet_file_is_measured_by_its_uncompressed_row_groups(tmp_path: Path) -> None:
    # given a Parquet file of a million equal values: small on disk, 8 MB unpacked
    path = tmp_path / "x.parquet"
    pl.DataFrame({"x": [7] * 1_000_000}).write_parquet(
        path,
        compression="zstd",
        statistics=False,
        use_pyarrow=True,
        pyarrow_options={"use_dictionary": False},
    )
    assert path.stat().st_size < 1_000_000
    check_unpacked_size(path, 100 * 1024 * 1024)
    with pytest.raises(InvalidInput) as raised:
        check_unpacked_size(path, 1024 * 1024)
    assert "would unpack to" in raised.value.problems[0].reason


def test_a_zip_that_is_not_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK not really")
    with pytest.raises(InvalidInput) as raised:
        check_unpacked_size(path, 1024)
    assert "not a valid zip archive" in raised.value.problems[0].reason


def test_a_workbook_within_the_limit_passes(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
    check_unpacked_size(path, 1024)
