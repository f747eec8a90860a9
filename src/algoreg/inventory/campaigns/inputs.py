"""What a campaign, an answer, a report or a support request consists of; every problem names its field."""

import re
from datetime import date
from enum import StrEnum
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from algoreg.errors import FieldProblem, InvalidInput

MAX_TITLE = 200
MAX_TEXT = 10_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class ActionKind(StrEnum):
    """How the state of an asked action is known."""

    ASSESSMENT = "assessment"  # from the algorithm's assessments with one of the named instruments
    REGISTER = "register"  # from the algorithm's publication in the register
    MANUAL = "manual"  # from what the organisation reports, with a note or link


class ReportedStatus(StrEnum):
    """What an organisation may report of a manual action."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"


def _clean(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ActionIn(_Input):
    """An action asked for every algorithm in scope; ``instrument_keys`` only for ``assessment``."""

    key: str = Field(description="Short identifier, such as 'iama' or 'register' (a–z, 0–9, - and _).")
    kind: ActionKind
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    instrument_keys: tuple[str, ...] = ()
    deadline: date | None = None

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY.match(value):
            raise ValueError(
                "use 1–64 lower-case letters, digits, '-' or '_', starting with a letter or digit"
            )
        return value

    @model_validator(mode="after")
    def _instruments(self) -> Self:
        if self.kind is ActionKind.ASSESSMENT and not self.instrument_keys:
            raise ValueError("an assessment action names the instrument keys that count, such as 'iama'")
        if self.kind is not ActionKind.ASSESSMENT and self.instrument_keys:
            raise ValueError("only an assessment action names instrument keys")
        return self


IAMA_KEYS = ("urn:nl:iama", "urn:nl:aivt:tr:iama", "iama")
"""Keys of the IAMA as the official files name it (2.0 in the assessment-definition format, 1.0 in the
task registry's), and a plain key for an organisation's own version."""

DEFAULT_ACTIONS = (
    ActionIn(
        key="iama",
        kind=ActionKind.ASSESSMENT,
        title="IAMA uitgevoerd",
        instrument_keys=IAMA_KEYS,
    ),
    ActionIn(key="register", kind=ActionKind.REGISTER, title="Gepubliceerd in een algoritmeregister"),
)
"""The two actions the cabinet's campaign asks for when a campaign names none."""


class CampaignIn(_Input):
    """A new campaign, or its changed details while it is a draft."""

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = Field(default="", max_length=MAX_TEXT)
    contact_name: str = Field(min_length=1, max_length=200)
    contact_email: str = Field(max_length=320)
    deadline: date
    actions: tuple[ActionIn, ...] = DEFAULT_ACTIONS

    _title = field_validator("title", "contact_name", mode="before")(_clean)

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("give an e-mail address such as algoritmes@ministerie.nl")
        return value

    @field_validator("actions")
    @classmethod
    def _distinct(cls, value: tuple[ActionIn, ...]) -> tuple[ActionIn, ...]:
        if not value:
            raise ValueError("ask at least one action")
        keys = [action.key for action in value]
        if len(set(keys)) != len(keys):
            raise ValueError("each action key may be used only once")
        return value


class ScopeIn(_Input):
    """An algorithm that falls under the campaign, with its risks for human rights."""

    algorithm: str = Field(min_length=1, max_length=32, description="The algorithm's id in the register.")
    human_rights_risks: str = Field(min_length=1, max_length=MAX_TEXT)


class ActionReportIn(_Input):
    """What an organisation reports of a manual action for one algorithm."""

    status: ReportedStatus
    note: str = Field(default="", max_length=MAX_TEXT)
    link: str | None = Field(default=None, max_length=500)

    @field_validator("link")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("give a web address starting with https://")
        return value or None

    @model_validator(mode="after")
    def _reason(self) -> Self:
        if self.status is ReportedStatus.NOT_APPLICABLE and not self.note:
            raise ValueError("say in the note why the action does not apply")
        return self


class SupportIn(_Input):
    """A request for support: expertise, budget (with the amount in whole euros) or both, and why."""

    algorithm: str | None = Field(default=None, max_length=32)
    expertise: bool = False
    budget_euros: int | None = Field(default=None, ge=1, le=100_000_000)
    reason: str = Field(min_length=1, max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.expertise and self.budget_euros is None:
            raise ValueError("ask for expertise, for a budget (with its amount), or for both")
        return self


class DecisionIn(_Input):
    """The central organisation's decision on a support request; a reason is always given."""

    grant: bool
    reason: str = Field(min_length=1, max_length=MAX_TEXT)


Model = TypeVar("Model", bound=BaseModel)


def parse(model: type[Model], data: Any, summary: str) -> Model:
    """``data`` validated as ``model``; every problem raises :class:`InvalidInput` naming its field."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        problems = [
            FieldProblem(".".join(str(part) for part in error["loc"]) or "body", _reason(error))
            for error in invalid.errors()
        ]
        raise InvalidInput(problems=problems, summary=summary) from None


def _reason(error: Any) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ")
