"""The jexl subset of the AI Act decision tree: parsing, evaluation, and loud refusal of everything else."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from algoreg.instruments.decision_tree.conditions import (
    AllOf,
    AnyOf,
    ConditionError,
    HasLabel,
    Not,
    evaluate,
    holds,
    labels_named,
    parse_condition,
)


@pytest.mark.parametrize(
    ("expression", "labels", "expected"),
    [
        ('"aanbieder" in labels', {"aanbieder"}, True),
        ('"aanbieder" in labels', {"gebruiksverantwoordelijke"}, False),
        ('"aanbieder" in labels', set(), False),
        # membership compares whole labels, it does not search inside them
        ('"AI-systeem" in labels', {"AI-systeem voor algemene doeleinden"}, False),
        ('"aanbieder" in labels && "gebruiksverantwoordelijke" in labels', {"aanbieder"}, False),
        (
            '"aanbieder" in labels && "gebruiksverantwoordelijke" in labels',
            {"aanbieder", "gebruiksverantwoordelijke"},
            True,
        ),
        ('"importeur" in labels || "distributeur" in labels', {"distributeur"}, True),
        ('"importeur" in labels || "distributeur" in labels', {"aanbieder"}, False),
        ('!("open-source" in labels)', {"geen open-source"}, True),
        ('!("open-source" in labels)', {"open-source"}, False),
        ('!!("open-source" in labels)', {"open-source"}, True),
        ('("a" in labels || "b" in labels) && "c" in labels', {"b", "c"}, True),
        ('("a" in labels || "b" in labels) && "c" in labels', {"a"}, False),
        ('"a" in labels || ("b" in labels && "c" in labels)', {"a"}, True),
        ('"a" in labels || ("b" in labels && "c" in labels)', {"b"}, False),
        ("'single quoted' in labels", {"single quoted"}, True),
        ('  "spaced"   in\tlabels  ', {"spaced"}, True),
        ('"say \\"hi\\"" in labels', {'say "hi"'}, True),
        ('"back\\\\slash" in labels', {"back\\slash"}, True),
        # taken from the official file: three negations joined by &&
        (
            '!("open-source" in labels) && !("geen open-source" in labels) && !("hoog-risico AI" in labels)',
            {"AI-systeem", "geen hoog-risico AI"},
            True,
        ),
    ],
)
def test_conditions_evaluate_over_the_given_labels(expression: str, labels: set[str], expected: bool) -> None:
    assert holds(expression, labels) is expected


def test_a_condition_parses_into_its_tree() -> None:
    # when
    tree = parse_condition('("a" in labels || "b" in labels) && !("c" in labels) && "d" in labels')
    # then
    assert tree == AllOf((AnyOf((HasLabel("a"), HasLabel("b"))), Not(HasLabel("c")), HasLabel("d")))
    assert labels_named(tree) == {"a", "b", "c", "d"}


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ('"a" in labels || "b" in labels && "c" in labels', "same precedence"),
        ('"a" in labels && "b" in labels || "c" in labels', "same precedence"),
        ('!"a" in labels', "'!' must be followed by a parenthesised"),
        ('"a" in tags', "unknown variable 'tags'"),
        ("labels", "can only stand after a string"),
        ('"a"', "expected 'in'"),
        ('"a" in', "expected 'name'"),
        ('"a" in labels)', "unexpected ')'"),
        ('("a" in labels', "expected ')'"),
        ('"a in labels', "not closed"),
        ('labels == "a"', "'=' is not supported"),
        ('"a" != "b"', "'!=' is not supported"),
        ("1 in labels", "'1' is not supported"),
        ('"a" in labels.items', "'.' is not supported"),
        ('"a" in labels ? "x" : "y"', "'?' is not supported"),
        ("labels|length > 0", "'|' is not supported"),
        ('"a" in labels & "b" in labels', "'&' is not supported"),
        ('"a" in labels "b"', "unexpected 'b'"),
    ],
)
def test_anything_outside_the_subset_is_refused_naming_the_expression(expression: str, reason: str) -> None:
    with pytest.raises(ConditionError) as raised:
        parse_condition(expression)
    assert raised.value.expression == expression
    assert repr(expression) in str(raised.value)
    assert reason in str(raised.value)


def test_the_error_points_at_the_offending_position() -> None:
    with pytest.raises(ConditionError) as raised:
        parse_condition('"a" in labels && "b" in tags')
    assert raised.value.position == len('"a" in labels && "b" in ')


# A formula is a label name or ("not", f) / ("and", f, g, ...) / ("or", f, g, ...).
_NAMES = st.sampled_from(["aanbieder", "hoog-risico AI", "open-source", "AI-systeem", "x y"])
_FORMULAS = st.recursive(
    _NAMES,
    lambda inner: st.one_of(
        st.tuples(st.just("not"), inner),
        st.builds(lambda parts: ("and", *parts), st.lists(inner, min_size=2, max_size=3)),
        st.builds(lambda parts: ("or", *parts), st.lists(inner, min_size=2, max_size=3)),
    ),
    max_leaves=8,
)


def _render(formula: object) -> str:
    if isinstance(formula, str):
        return f'"{formula}" in labels'
    assert isinstance(formula, tuple)
    operator, *operands = formula
    if operator == "not":
        return f"!({_render(operands[0])})"
    joiner = " && " if operator == "and" else " || "
    return joiner.join(f"({_render(operand)})" for operand in operands)


def _truth(formula: object, labels: set[str]) -> bool:
    if isinstance(formula, str):
        return formula in labels
    assert isinstance(formula, tuple)
    operator, *operands = formula
    if operator == "not":
        return not _truth(operands[0], labels)
    values = [_truth(operand, labels) for operand in operands]
    return all(values) if operator == "and" else any(values)


@given(formula=_FORMULAS, labels=st.sets(_NAMES))
def test_parsed_conditions_agree_with_their_meaning(formula: object, labels: set[str]) -> None:
    # given a formula written out in the condition language
    expression = _render(formula)
    # then evaluating the parsed text gives the formula's truth value
    assert evaluate(parse_condition(expression), labels) is _truth(formula, labels)
