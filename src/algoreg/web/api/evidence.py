"""Evidence in the JSON API, for every kind of thing that keeps it: the body, and a file's bytes from it."""

import base64
import binascii
from typing import Literal

from pydantic import BaseModel, Field

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.evidence import MAX_FILE_BYTES, EvidenceTooLarge

_SUMMARY = "The evidence was not added."


class EvidenceIn(BaseModel):
    """Evidence to add: a link (``url``), or a file (``file_name``, ``media_type``, ``content_base64``)."""

    kind: Literal["link", "file"]
    description: str = Field(max_length=100_000)
    url: str | None = Field(default=None, max_length=10_000)
    file_name: str | None = Field(default=None, max_length=1000)
    media_type: str | None = Field(default=None, max_length=200)
    content_base64: str | None = Field(
        default=None, description=f"The file's bytes in base64; at most {MAX_FILE_BYTES} bytes decoded."
    )


def file_content(body: EvidenceIn) -> bytes:
    """The bytes of the file in ``body``; a missing part, too much or bad base64 raises (413 or 422)."""
    problems = [
        FieldProblem(name, "is required for a file")
        for name in ("file_name", "media_type", "content_base64")
        if getattr(body, name) is None
    ]
    if problems:
        raise InvalidInput(problems=problems, summary=_SUMMARY)
    assert body.content_base64 is not None
    if len(body.content_base64) > (MAX_FILE_BYTES // 3 + 2) * 4:
        raise EvidenceTooLarge(
            problems=[FieldProblem("content_base64", f"decodes to more than {MAX_FILE_BYTES} bytes")],
            summary=f"{_SUMMARY} The file is too large; store it elsewhere and add a link.",
        )
    try:
        return base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            problems=[
                FieldProblem("content_base64", "is not valid base64 (A–Z, a–z, 0–9, +, / and = padding)")
            ],
            summary=_SUMMARY,
        ) from None
