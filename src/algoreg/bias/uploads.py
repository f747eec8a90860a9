"""Decision data that someone sent: which files are accepted, and how far they may unpack.

An upload's size on the wire is bounded by the web's request limits; this module bounds what the
file would become once read. XLSX is a zip archive and Parquet compresses its columns: both state
their unpacked size in their own metadata, which is checked before any row is read, so that a small
file cannot make the server unpack gigabytes.
"""

import zipfile
from pathlib import Path

import pyarrow.parquet as pq

from algoreg.errors import FieldProblem, InvalidInput

DATA_FILE_TYPES = (".csv", ".parquet", ".xlsx")
"""The kinds of data file accepted from a client, by their ending."""

_SUMMARY = "The data file was not analysed."


def _refused(field: str, reason: str) -> InvalidInput:
    return InvalidInput(problems=[FieldProblem(field, reason)], summary=_SUMMARY)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def data_file_suffix(filename: str, field: str = "data") -> str:
    """The accepted ending of an uploaded file's name, in lower case; any other raises InvalidInput."""
    suffix = Path(filename).suffix.lower()
    if suffix not in DATA_FILE_TYPES:
        shown = suffix or "no ending"
        raise _refused(field, f"files of type '{shown}' are not read; send {', '.join(DATA_FILE_TYPES)}")
    return suffix


def check_unpacked_size(path: Path, max_unpacked_bytes: int, field: str = "data") -> None:
    """Refuse a data file that would unpack to more than ``max_unpacked_bytes``, or is not what it says.

    CSV is read as it is (its size is bounded by the upload). For XLSX the zip directory's sizes are
    added up; for Parquet the uncompressed sizes of its row groups. A file that cannot be opened as
    its kind raises :class:`InvalidInput` too.
    """
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        try:
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(member.file_size for member in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise _refused(field, "is not an Excel .xlsx workbook (it is not a valid zip archive)") from None
    elif suffix == ".parquet":
        try:
            metadata = pq.ParquetFile(path).metadata
        except Exception:  # pyarrow raises several kinds for a damaged file
            raise _refused(field, "is not a Parquet file that can be read") from None
        unpacked = sum(metadata.row_group(index).total_byte_size for index in range(metadata.num_row_groups))
    else:
        return
    if unpacked > max_unpacked_bytes:
        raise _refused(
            field,
            f"refused: the file would unpack to {_megabytes(unpacked)}, more than the "
            f"{_megabytes(max_unpacked_bytes)} accepted; send CSV, or a smaller file",
        )
