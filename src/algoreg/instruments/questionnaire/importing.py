"""What an importer of an official format returns, and the errors it raises.

An importer translates everything that decides which questions there are, which are shown, which
are required and when the assessment stops; a construct it cannot translate makes it fail, naming
the file and the location. Parts of a file that change none of that and that our format does not
hold (scores and advice rules written in another expression language, default values) are not
dropped silently: each becomes an :class:`ImportNote` naming its location.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal, NoReturn

from pydantic import BaseModel, ConfigDict, ValidationError

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.questionnaire.model import Instrument

SourceFormat = Literal["task-registry", "assessment-definition"]


class ImportNote(BaseModel):
    """Something in the imported file that our format does not hold, and where it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    location: str
    message: str


class ImportResult(BaseModel):
    """An imported instrument, the file and format it came from, and what was not carried over."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instrument: Instrument
    source: str
    source_format: SourceFormat
    notes: tuple[ImportNote, ...] = ()


class Untranslatable(Exception):
    """A construct of the source file that has no translation into our format (location and reason)."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason


def untranslatable(location: str, reason: str) -> NoReturn:
    """Stop the import: the construct at ``location`` cannot be translated, for ``reason``."""
    raise Untranslatable(location, reason)


@contextmanager
def translating(location: str) -> Iterator[None]:
    """Turn a value our models refuse (an id they cannot hold, say) into :class:`Untranslatable` at
    ``location``."""
    try:
        yield
    except ValidationError as error:
        reasons = "; ".join(
            f"{'.'.join(str(step) for step in detail['loc'])}: {detail['msg']}"
            if detail["loc"]
            else detail["msg"]
            for detail in error.errors(include_url=False)
        )
        raise Untranslatable(location, f"cannot be expressed in our format: {reasons}") from error


def import_failure(source: str, error: Untranslatable, kind: str) -> InvalidInput:
    """Return the error an importer raises for ``error`` in the file ``source`` of format ``kind``."""
    return InvalidInput(
        problems=[FieldProblem(f"{source}: {error.location}", error.reason)],
        summary=f"{source} cannot be imported as a {kind} instrument.",
    )
