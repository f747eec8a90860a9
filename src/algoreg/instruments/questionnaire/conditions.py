"""The condition language of our questionnaire definitions: small, declarative, never ``eval``.

A condition is a mapping with one recognisable key:

* ``{question: X, equals: V}`` — the answer to X is V (types are strict: ``true`` is not ``1``);
* ``{question: X, in: [V, W]}`` — the answer to X is one of the listed values;
* ``{question: X, contains: V}`` — the answer to X is a list (several choices, or the entries of a
  repeatable question) that holds V;
* ``{question: X, not_empty: true}`` — X has been answered;
* ``{question: X, at_least: N}`` / ``{question: X, at_most: N}`` (or both) — the number given, or
  the number of entries chosen, lies within the bound;
* ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}`` — combinations.

Conditions read the answers the engine accepted so far: an answer to a question that is not
visible, or that is not valid, counts as absent.
"""

from collections.abc import Callable, Iterator
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    Tag,
    model_validator,
)

#: Ids of questions, groups, notices, stops and parts: letters, digits and ``. _ : / -``.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/\-]*$"
ElementId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=200)]

#: A value a condition compares with, or a choice option's value.
Scalar = StrictBool | StrictInt | StrictFloat | StrictStr

#: Looks up the accepted answer to a question id (``None`` when absent).
Lookup = Callable[[str], Any]


class _Condition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    tag: ClassVar[str]


class Equals(_Condition):
    """Holds when the answer to ``question`` is exactly ``equals``."""

    tag: ClassVar[str] = "equals"
    question: ElementId
    equals: Scalar


class OneOf(_Condition):
    """Holds when the answer to ``question`` is one of the values in ``in``."""

    tag: ClassVar[str] = "in"
    question: ElementId
    values: tuple[Scalar, ...] = Field(alias="in", min_length=1)


class Contains(_Condition):
    """Holds when the answer to ``question`` is a list holding ``contains``."""

    tag: ClassVar[str] = "contains"
    question: ElementId
    contains: Scalar


class NotEmpty(_Condition):
    """Holds when ``question`` has been answered (not absent, not blank, not an empty list)."""

    tag: ClassVar[str] = "not_empty"
    question: ElementId
    not_empty: Literal[True]


class Within(_Condition):
    """Holds when the number given, or the count of entries chosen, lies within the bounds."""

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["at_least"]}, {"required": ["at_most"]}]}
    )
    tag: ClassVar[str] = "within"
    question: ElementId
    at_least: StrictInt | StrictFloat | None = None
    at_most: StrictInt | StrictFloat | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> "Within":
        if self.at_least is None and self.at_most is None:
            raise ValueError("give at_least, at_most or both")
        if self.at_least is not None and self.at_most is not None and self.at_least > self.at_most:
            raise ValueError("at_least is greater than at_most")
        return self


class AllOf(_Condition):
    """Holds when every condition in ``all`` holds."""

    tag: ClassVar[str] = "all"
    conditions: tuple["Condition", ...] = Field(alias="all", min_length=1)


class AnyOf(_Condition):
    """Holds when at least one condition in ``any`` holds."""

    tag: ClassVar[str] = "any"
    conditions: tuple["Condition", ...] = Field(alias="any", min_length=1)


class Not(_Condition):
    """Holds when ``not`` does not hold."""

    tag: ClassVar[str] = "not"
    condition: "Condition" = Field(alias="not")


_KEY_TAGS: tuple[tuple[str, str], ...] = (
    ("all", "all"),
    ("any", "any"),
    ("not", "not"),
    ("equals", "equals"),
    ("in", "in"),
    ("contains", "contains"),
    ("not_empty", "not_empty"),
    ("at_least", "within"),
    ("at_most", "within"),
)


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, _Condition):
        return value.tag
    if isinstance(value, dict):
        for key, tag in _KEY_TAGS:
            if key in value:
                return tag
    return None


Condition = Annotated[
    Annotated[Equals, Tag("equals")]
    | Annotated[OneOf, Tag("in")]
    | Annotated[Contains, Tag("contains")]
    | Annotated[NotEmpty, Tag("not_empty")]
    | Annotated[Within, Tag("within")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Not, Tag("not")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message=(
            "not a condition; allowed: {question, equals | in | contains | not_empty | at_least | at_most}, "
            "{all: [...]}, {any: [...]} or {not: {...}}"
        ),
    ),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()

Leaf = Equals | OneOf | Contains | NotEmpty | Within


def same_value(left: Any, right: Any) -> bool:
    """Return whether two answer values are equal, keeping booleans apart from numbers."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    return type(left) is type(right) and bool(left == right)


def is_answered(value: Any) -> bool:
    """Return whether ``value`` counts as an answer: not absent, not blank text, not an empty list."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | tuple | dict):
        return len(value) > 0
    return True


def holds(condition: Condition, lookup: Lookup) -> bool:
    """Return whether ``condition`` holds for the answers that ``lookup`` gives."""
    if isinstance(condition, AllOf):
        return all(holds(part, lookup) for part in condition.conditions)
    if isinstance(condition, AnyOf):
        return any(holds(part, lookup) for part in condition.conditions)
    if isinstance(condition, Not):
        return not holds(condition.condition, lookup)
    value = lookup(condition.question)
    if isinstance(condition, NotEmpty):
        return is_answered(value)
    if not is_answered(value):
        return False
    if isinstance(condition, Equals):
        return same_value(value, condition.equals)
    if isinstance(condition, OneOf):
        return any(same_value(value, option) for option in condition.values)
    if isinstance(condition, Contains):
        return isinstance(value, list | tuple) and any(same_value(item, condition.contains) for item in value)
    return _within(condition, value)


def _within(condition: Within, value: Any) -> bool:
    if isinstance(value, list | tuple):
        amount: float = len(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        amount = value
    else:
        return False
    if condition.at_least is not None and amount < condition.at_least:
        return False
    return condition.at_most is None or amount <= condition.at_most


def leaves(condition: Condition) -> Iterator[Leaf]:
    """Yield every comparison inside ``condition``, in the order written."""
    if isinstance(condition, AllOf | AnyOf):
        for part in condition.conditions:
            yield from leaves(part)
    elif isinstance(condition, Not):
        yield from leaves(condition.condition)
    else:
        yield condition


def literals(leaf: Leaf) -> tuple[Any, ...]:
    """Return the values a comparison compares the answer with (none for ``not_empty`` and bounds)."""
    if isinstance(leaf, Equals):
        return (leaf.equals,)
    if isinstance(leaf, OneOf):
        return leaf.values
    if isinstance(leaf, Contains):
        return (leaf.contains,)
    return ()
