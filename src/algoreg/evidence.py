"""Evidence that something was done, whatever it belongs to: a link to a document, or a small file.

A link is an ``http`` or ``https`` address of at most :data:`MAX_URL_CHARS` characters. A file has
a plain name (no folders), a media type and at most :data:`MAX_FILE_BYTES` bytes; its SHA-256 is kept
so that a download can be checked. Both carry a description of what they show. The domains that
keep evidence (framework tasks, remediation steps) check it here, and store it in their own tables.
"""

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from algoreg.errors import FieldProblem, InvalidInput

#: Largest file accepted as evidence (2 MiB); larger documents belong in a document system, linked.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_URL_CHARS = 2000
MAX_FILE_NAME_CHARS = 255
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


class EvidenceTooLarge(InvalidInput):
    """The file is larger than :data:`MAX_FILE_BYTES`; the web answers 413."""


@dataclass(frozen=True)
class EvidenceFile:
    """A stored file with its name, media type and SHA-256, as it is downloaded."""

    file_name: str
    media_type: str
    content: bytes
    sha256: str


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed :func:`check_file`: trimmed name, lower-case media type, size and SHA-256."""

    file_name: str
    media_type: str
    size: int
    sha256: str


def link_problems(url: str) -> tuple[str, list[FieldProblem]]:
    """The trimmed address and what is wrong with it as evidence (under the field ``url``)."""
    address = url.strip()
    parts = urlsplit(address)
    if len(address) > MAX_URL_CHARS:
        return address, [
            FieldProblem("url", f"is {len(address)} characters long; at most {MAX_URL_CHARS} are allowed")
        ]
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return address, [FieldProblem("url", f"{address!r} must be an http:// or https:// address")]
    return address, []


def check_size(content: bytes, summary: str) -> None:
    """Raise :class:`EvidenceTooLarge` (under ``content``) for a file over :data:`MAX_FILE_BYTES`."""
    if len(content) > MAX_FILE_BYTES:
        raise EvidenceTooLarge(
            problems=[
                FieldProblem(
                    "content", f"is {len(content)} bytes; at most {MAX_FILE_BYTES} bytes (2 MiB) are accepted"
                )
            ],
            summary=f"{summary} The file is too large; store it elsewhere and add a link.",
        )


def file_problems(file_name: str, media_type: str, content: bytes) -> tuple[CheckedFile, list[FieldProblem]]:
    """The file as it would be kept, and what is wrong with it (empty, a name with folders or control
    characters, a malformed media type), each under its field. Check its size with :func:`check_size`."""
    problems: list[FieldProblem] = []
    name = file_name.strip()
    if not content:
        problems.append(FieldProblem("content", "is empty; give the file's bytes"))
    if not name or len(name) > MAX_FILE_NAME_CHARS:
        problems.append(FieldProblem("file_name", f"must be 1 to {MAX_FILE_NAME_CHARS} characters"))
    elif any(char in name for char in "/\\") or any(ord(char) < 32 for char in name) or name in (".", ".."):
        problems.append(FieldProblem("file_name", f"{name!r} must be a plain file name, without folders"))
    kind = media_type.strip().lower()
    if not _MEDIA_TYPE.match(kind):
        problems.append(
            FieldProblem("media_type", f"{media_type!r} is not a media type such as application/pdf")
        )
    checked = CheckedFile(name, kind, len(content), hashlib.sha256(content).hexdigest())
    return checked, problems
