"""Uploaded files on disk for as long as a request needs them, and not a moment longer."""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def upload_on_disk(content: BinaryIO, suffix: str) -> Iterator[Path]:
    """The uploaded ``content`` as a file ending in ``suffix``, in a folder only this process can read.

    The folder and the file are removed when the block is left, however it is left: the data of an
    upload is never kept. (The request's size limit already bounds how much is copied.)
    """
    with tempfile.TemporaryDirectory(prefix="algoreg-upload-") as folder:
        path = Path(folder) / f"data{suffix}"
        content.seek(0)
        with path.open("wb") as target:
            shutil.copyfileobj(content, target, length=1024 * 1024)
        yield path
