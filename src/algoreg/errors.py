"""Errors the domain raises; the web and CLI shells turn them into responses and messages."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with an input: which field, and what was wrong and what is allowed."""

    field: str
    reason: str
    record: int | None = None


class AlgoregError(Exception):
    """Base of all domain errors; ``message`` is meant for the person who made the request."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(AlgoregError):
    """The thing asked for does not exist, or is not visible to the one asking."""


class Forbidden(AlgoregError):
    """The one asking may not do this in this organisation."""


class NotAuthenticated(AlgoregError):
    """No valid credentials were given for an action that needs them."""


class StaleWrite(AlgoregError):
    """The write was based on an older version than the one stored; nothing was changed."""


class Conflict(AlgoregError):
    """The action clashes with the current state (a duplicate, a workflow step not allowed now)."""


@dataclass
class InvalidInput(AlgoregError):
    """The input has problems; every problem is listed and nothing was stored."""

    problems: list[FieldProblem] = field(default_factory=list)
    summary: str = "The input is not valid; nothing was stored."

    def __post_init__(self) -> None:
        AlgoregError.__init__(self, self.summary)
