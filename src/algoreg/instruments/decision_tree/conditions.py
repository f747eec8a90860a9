"""The condition language of decision trees: the part of jexl that the AI Act decision tree uses.

The official decision aid writes the conditions of its redirects in jexl (JavaScript Expression
Language) over one variable, ``labels``: the labels the answers so far have given. The file uses
only membership tests and boolean logic, so that is all this module accepts::

    condition  := operand ( "&&" operand )*  |  operand ( "||" operand )*
    operand    := STRING "in" "labels"  |  "(" condition ")"  |  "!" operand   (the operand after "!"
                  must start with "(" or another "!")
    STRING     := "..." or '...'; a backslash escapes the quote and itself, as in jexl

``"x" in labels`` is true when ``x`` is one of the labels (jexl's ``in`` on an array compares
elements, it does not search substrings). Conditions are parsed into a small tree of frozen nodes
and evaluated by walking it; nothing is ever handed to ``eval``.

Two jexl rules would surprise a reader who knows JavaScript, so expressions that depend on them are
refused rather than silently evaluated: jexl gives ``&&`` and ``||`` the same precedence (left to
right), so mixing them needs parentheses here; and jexl binds ``!`` tighter than ``in``, so ``!``
must be followed by a parenthesised condition. Anything else jexl knows (comparisons, numbers,
property access, transforms, the ternary) is refused with an error naming the expression.
"""

import re
from collections.abc import Iterator, Set
from dataclasses import dataclass
from functools import lru_cache

#: The only variable a condition may read.
LABELS_VARIABLE = "labels"

SUPPORTED = '"label" in labels, !( … ), &&, || and parentheses'


class ConditionError(ValueError):
    """A condition that is not in the supported subset of jexl; names the expression and position."""

    def __init__(self, expression: str, position: int, reason: str) -> None:
        super().__init__(
            f"condition {expression!r}: {reason} (at position {position}); supported: {SUPPORTED}"
        )
        self.expression = expression
        self.position = position
        self.reason = reason


@dataclass(frozen=True)
class HasLabel:
    """``"label" in labels``: true when the label was given."""

    label: str


@dataclass(frozen=True)
class Not:
    """``!(condition)``."""

    operand: "Condition"


@dataclass(frozen=True)
class AllOf:
    """``a && b && …``: true when every operand is."""

    operands: tuple["Condition", ...]


@dataclass(frozen=True)
class AnyOf:
    """``a || b || …``: true when some operand is."""

    operands: tuple["Condition", ...]


Condition = HasLabel | Not | AllOf | AnyOf


@dataclass(frozen=True)
class _Token:
    kind: str  # "string", "name", "&&", "||", "!", "(", ")", "end"
    text: str
    position: int


_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'", re.DOTALL)
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_SPACE = re.compile(r"\s+")


def _unquote(literal: str) -> str:
    """Return a string literal's value the way jexl reads it: only ``\\<quote>`` and ``\\\\`` escape."""
    quote, body = literal[0], literal[1:-1]
    return re.sub(r"\\(\\|" + quote + ")", lambda match: match.group(1), body)


def _tokens(expression: str) -> Iterator[_Token]:
    position = 0
    while position < len(expression):
        if space := _SPACE.match(expression, position):
            position = space.end()
            continue
        two = expression[position : position + 2]
        if two in ("&&", "||"):
            yield _Token(two, two, position)
            position += 2
            continue
        char = expression[position]
        if char in "!()":
            if expression.startswith("!=", position):
                raise ConditionError(expression, position, "'!=' is not supported")
            yield _Token(char, char, position)
            position += 1
            continue
        if char in "\"'":
            string = _STRING.match(expression, position)
            if string is None:
                raise ConditionError(expression, position, "the string is not closed")
            yield _Token("string", _unquote(string.group()), position)
            position = string.end()
            continue
        if name := _NAME.match(expression, position):
            yield _Token("name", name.group(), position)
            position = name.end()
            continue
        raise ConditionError(expression, position, f"{char!r} is not supported")
    yield _Token("end", "", len(expression))


class _Parser:
    """Recursive descent over the token list; one method per grammar rule."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = list(_tokens(expression))
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def fail(self, reason: str, token: _Token | None = None) -> ConditionError:
        return ConditionError(self.expression, (token or self.current).position, reason)

    def take(self, kind: str) -> _Token:
        token = self.current
        if token.kind != kind:
            found = "the end" if token.kind == "end" else repr(token.text)
            raise self.fail(f"expected {kind!r}, found {found}")
        self.index += 1
        return token

    def parse(self) -> Condition:
        if self.current.kind == "end":
            raise self.fail("the condition is empty")
        condition = self.condition()
        if self.current.kind != "end":
            raise self.fail(f"unexpected {self.current.text!r}")
        return condition

    def condition(self) -> Condition:
        operands = [self.operand()]
        operator: _Token | None = None
        while self.current.kind in ("&&", "||"):
            if operator is not None and self.current.kind != operator.kind:
                raise self.fail(
                    "mixes '&&' and '||' without parentheses; jexl gives them the same precedence "
                    "(left to right), unlike JavaScript: add parentheses"
                )
            operator = self.current
            self.index += 1
            operands.append(self.operand())
        if operator is None:
            return operands[0]
        return AllOf(tuple(operands)) if operator.kind == "&&" else AnyOf(tuple(operands))

    def operand(self) -> Condition:
        token = self.current
        if token.kind == "!":
            self.index += 1
            if self.current.kind not in ("(", "!"):
                raise self.fail(
                    "'!' must be followed by a parenthesised condition: jexl binds '!' tighter than 'in', "
                    "so '!\"x\" in labels' would not negate the membership test"
                )
            return Not(self.operand())
        if token.kind == "(":
            self.index += 1
            inner = self.condition()
            self.take(")")
            return inner
        if token.kind == "string":
            self.index += 1
            keyword = self.current
            if keyword.kind != "name" or keyword.text != "in":
                raise self.fail("expected 'in' after the string")
            self.index += 1
            variable = self.take("name")
            if variable.text != LABELS_VARIABLE:
                raise self.fail(
                    f"unknown variable {variable.text!r}; a condition can only read 'labels'", variable
                )
            return HasLabel(token.text)
        if token.kind == "name":
            raise self.fail(f"{token.text!r} can only stand after a string and 'in'")
        found = "the end" if token.kind == "end" else repr(token.text)
        raise self.fail(f"expected a condition, found {found}")


@lru_cache(maxsize=4096)
def parse_condition(expression: str) -> Condition:
    """Parse a jexl condition into its tree, or raise :class:`ConditionError` naming what is not supported."""
    return _Parser(expression).parse()


def evaluate(condition: Condition, labels: Set[str]) -> bool:
    """Return whether ``condition`` holds when exactly ``labels`` have been given."""
    match condition:
        case HasLabel(label):
            return label in labels
        case Not(operand):
            return not evaluate(operand, labels)
        case AllOf(operands):
            return all(evaluate(operand, labels) for operand in operands)
        case AnyOf(operands):
            return any(evaluate(operand, labels) for operand in operands)


def holds(expression: str, labels: Set[str]) -> bool:
    """Parse (cached) and evaluate a jexl condition over the given labels."""
    return evaluate(parse_condition(expression), labels)


def labels_named(condition: Condition) -> frozenset[str]:
    """Return every label a condition tests for, so a definition can be checked for misspelt labels."""
    match condition:
        case HasLabel(label):
            return frozenset({label})
        case Not(operand):
            return labels_named(operand)
        case AllOf(operands) | AnyOf(operands):
            return frozenset().union(*(labels_named(operand) for operand in operands))
