"""The questionnaire definition: an instrument of parts, each an ordered list of elements.

Elements are questions (eight types), groups (optionally repeatable), notices (text only) and
stops (the assessment ends when a condition holds). Every element and part has a stable id; the
answers to an assessment are keyed by question id, a repeatable group's answer being a list of
such mappings. All models are immutable; a definition that refers to a missing, later or
out-of-scope question is refused when it is built (see :mod:`.checks`).
"""

import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, model_validator

from algoreg.instruments.questionnaire.conditions import Condition, ElementId, Scalar

FORMAT_VERSION: Literal[1] = 1

Text = Annotated[str, Field(min_length=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Link(_Frozen):
    """A link to the implementation framework or elsewhere.

    ``urn`` names a framework requirement (``urn:nl:ak:ver:aia-01``), a measure
    (``urn:nl:ak:mtr:org-01``) or a question of another instrument
    (``urn:nl:aivt:tr:iama:1.0:1.1.1``); ``systemcard_path`` names a field of the system card.
    """

    urn: Text | None = None
    url: Text | None = None
    text: Text | None = None
    systemcard_path: Text | None = None
    version: Text | None = Field(default=None, description="Versions of the system card the path holds in.")

    @model_validator(mode="after")
    def _something(self) -> "Link":
        if not (self.urn or self.url or self.text or self.systemcard_path):
            raise ValueError("a link needs at least one of urn, url, text, systemcard_path")
        return self


class CrossReference(_Frozen):
    """A question of another instrument that relates to this one (e.g. fill in from, or show beside)."""

    instrument: Text = Field(description="The other instrument, e.g. 'DPIA' or 'IAMA'.")
    id: Text = Field(description="The question's id in that instrument.")
    relation: Text | None = Field(default=None, description="How they relate, e.g. 'pre-fill', 'pre-view'.")


class Resource(_Frozen):
    """A picture or document shown with an element."""

    source: Text
    description: str | None = None


class Option(_Frozen):
    """One choice of a choice question; ``value`` is what the answer holds, ``label`` what people read."""

    value: Scalar
    label: str | None = None
    help: str | None = None


class _Element(_Frozen):
    id: ElementId
    visible_when: Condition | None = Field(
        default=None, description="Shown only while this condition holds (on earlier answers)."
    )
    tags: tuple[Text, ...] = ()
    resources: tuple[Resource, ...] = ()


class _Guided(_Element):
    help: str | None = None
    number: str | None = Field(default=None, description="The number shown before the text, if any.")
    roles: tuple[Text, ...] = Field(default=(), description="Roles suggested to answer or take part.")
    links: tuple[Link, ...] = ()
    references: tuple[CrossReference, ...] = ()


class _Question(_Guided):
    text: Text
    required: bool = True
    repeatable: bool = Field(default=False, description="The answer is a list of entries of this type.")
    item_name: str | None = Field(
        default=None, description="What one entry of a repeatable question is called."
    )
    action_points: bool = Field(default=False, description="Every answer given here is an action point.")
    instances_from: ElementId | None = Field(
        default=None, description="Repeatable: one entry per answer given to that (earlier) question."
    )
    prefill_from: ElementId | None = Field(
        default=None, description="Offered pre-filled from the matching answer to that question."
    )
    lifecycle: tuple[Text, ...] = Field(default=(), description="Phases of the algorithm's lifecycle.")


class TextQuestion(_Question):
    """Plain text; ``multiline`` asks for a text area rather than one line."""

    type: Literal["text"]
    multiline: bool = False
    max_length: int | None = Field(default=None, ge=1)


class RichTextQuestion(_Question):
    """Text with a little markup (paragraphs, lists, emphasis), sanitised where it is stored."""

    type: Literal["rich_text"]
    max_length: int | None = Field(default=None, ge=1)


class SingleChoiceQuestion(_Question):
    """One value out of ``options`` (or out of the answers given to ``options_from``)."""

    type: Literal["single_choice"]
    options: tuple[Option, ...] = ()
    options_from: ElementId | None = Field(
        default=None, description="The options are the answers given to that earlier question."
    )
    display: Literal["radio", "dropdown"] = "radio"


class MultipleChoiceQuestion(_Question):
    """Any number of distinct values out of ``options`` (or out of the answers to ``options_from``)."""

    type: Literal["multiple_choice"]
    options: tuple[Option, ...] = ()
    options_from: ElementId | None = Field(
        default=None, description="The options are the answers given to that earlier question."
    )
    min_selected: int | None = Field(default=None, ge=0)
    max_selected: int | None = Field(default=None, ge=1)


class DateQuestion(_Question):
    """A calendar date, answered as ``YYYY-MM-DD``."""

    type: Literal["date"]
    earliest: datetime.date | None = None
    latest: datetime.date | None = None


class NumberQuestion(_Question):
    """A number, optionally whole and within bounds."""

    type: Literal["number"]
    integer: bool = False
    minimum: StrictInt | StrictFloat | None = None
    maximum: StrictInt | StrictFloat | None = None
    unit: str | None = None


class UploadQuestion(_Question):
    """A reference to an uploaded document or picture (the file itself is stored elsewhere)."""

    type: Literal["upload"]
    accept: tuple[Text, ...] = Field(
        default=(), description="Media types allowed, e.g. 'application/pdf', 'image/*'."
    )


class StatementQuestion(_Question):
    """A statement to sign: the answer records who signed it and on which date."""

    type: Literal["statement"]


class Notice(_Element):
    """Text to read, with nothing to answer."""

    type: Literal["notice"]
    title: str | None = None
    text: Text


class Stop(_Element):
    """The assessment ends here when ``when`` holds; ``reason`` says why."""

    type: Literal["stop"]
    when: Condition
    reason: Text
    help: str | None = None


class Group(_Guided):
    """Elements that belong together; a repeatable group is answered as a list of entries."""

    type: Literal["group"]
    title: str | None = None
    items: tuple["Element", ...] = Field(min_length=1)
    repeatable: bool = False
    required: bool = Field(default=False, description="Repeatable groups: at least one entry is needed.")
    item_name: str | None = Field(default=None, description="What one entry of a repeatable group is called.")
    instance_label: str | None = Field(
        default=None, description="Label of each entry; '{question id}' is replaced by that answer."
    )
    instances_from: ElementId | None = Field(
        default=None, description="One entry per answer given to that (earlier) question."
    )
    action_points: bool = Field(
        default=False, description="Every answer given in this group is an action point."
    )


Question = (
    TextQuestion
    | RichTextQuestion
    | SingleChoiceQuestion
    | MultipleChoiceQuestion
    | DateQuestion
    | NumberQuestion
    | UploadQuestion
    | StatementQuestion
)
ChoiceQuestion = SingleChoiceQuestion | MultipleChoiceQuestion
QUESTION_TYPES: tuple[type[BaseModel], ...] = (
    TextQuestion,
    RichTextQuestion,
    SingleChoiceQuestion,
    MultipleChoiceQuestion,
    DateQuestion,
    NumberQuestion,
    UploadQuestion,
    StatementQuestion,
)

Element = Annotated[Question | Group | Notice | Stop, Field(discriminator="type")]

Group.model_rebuild()


class Part(_Guided):
    """A part of the instrument; progress is counted per part."""

    title: Text
    items: tuple[Element, ...] = Field(min_length=1)
    action_point_summary: bool = Field(
        default=False, description="This part shows every action point of the instrument."
    )


class Instrument(_Frozen):
    """A whole instrument definition, checked for consistency when built."""

    format_version: Literal[1] = Field(
        default=FORMAT_VERSION, description="Version of this definition format."
    )
    id: ElementId
    version: Text
    title: Text
    description: str | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    url: str | None = None
    introduction: tuple[Notice, ...] = ()
    parts: tuple[Part, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "Instrument":
        # Imported here: the checks walk these models, so they cannot be imported at module load.
        from algoreg.instruments.questionnaire.checks import raise_for_problems

        raise_for_problems(self)
        return self
