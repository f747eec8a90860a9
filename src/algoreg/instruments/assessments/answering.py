"""Answering an assessment: answers checked by the questionnaire engine, stored append-only.

An answer is given to a *key*: a question that does not sit in a repeatable group (questions in a
group that is not repeatable count as top-level), or a repeatable group, whose answer is its list of
entries (each an object of answers by question id). Every answer is a new row with its author, time
and round; the newest row per key is the current answer and the older ones its history. ``None``
clears an answer (kept in the history too).

An answer is refused, with every problem named, when the key is unknown (or is a question inside
a repeatable group, answered through its group), when the value has the wrong type or is not
allowed, or when the question is not asked now because of earlier answers (or a stop reached before
it). Answers stored earlier that later answers make irrelevant are kept; the engine ignores them.
A form that showed the questions with the current answers may ask for the same when it gives both
at once: an answer to a question asked with the current answers, which the other answers given with
it leave unasked, is then stored and ignored like such an earlier answer (it must still be valid).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from algoreg.db.models import AssessmentAnswer, utcnow
from algoreg.errors import Conflict, FieldProblem, InvalidInput
from algoreg.instruments.assessments.access import (
    AssessmentState,
    answer_rows,
    current_answers,
    definition_of,
    readable,
    writable,
)
from algoreg.instruments.questionnaire.conditions import leaves, same_value
from algoreg.instruments.questionnaire.engine import AssessmentState as AnswersState
from algoreg.instruments.questionnaire.engine import evaluate
from algoreg.instruments.questionnaire.model import Element, Group, Instrument, Notice, RichTextQuestion, Stop
from algoreg.instruments.questionnaire.structure import is_question, placed_elements
from algoreg.register.audit import record_event
from algoreg.register.roles import Principal, Role
from algoreg.standard.richtext import sanitise

MAX_ANSWERS_AT_ONCE = 500
_SUMMARY = "The answers were not stored."


@dataclass(frozen=True)
class AnswerView:
    """One answer as given: to which key, the value (None: cleared), who, when, in which round."""

    id: int
    question_id: str
    value: Any
    author: str
    answered_at: datetime
    round: int


def answer_view(row: AssessmentAnswer) -> AnswerView:
    """What callers see of a stored answer row."""
    return AnswerView(
        id=row.id,
        question_id=row.question_id,
        value=row.value,
        author=row.author,
        answered_at=row.answered_at,
        round=row.round,
    )


@dataclass(frozen=True)
class _Key:
    element: Element
    conditions: tuple[Any, ...]
    order: int


def _keys(instrument: Instrument) -> tuple[dict[str, _Key], dict[str, str], dict[str, str]]:
    """Answerable keys; ids inside repeatable groups (→ their innermost group); other element kinds."""
    keys: dict[str, _Key] = {}
    inner: dict[str, str] = {}
    others: dict[str, str] = {}
    conditions: dict[str, tuple[Any, ...]] = {}
    for part in instrument.parts:
        others[part.id] = "a part"
        _walk(part.items, (part.visible_when,) if part.visible_when else (), conditions)
    for placed in placed_elements(instrument):
        element = placed.element
        answerable = is_question(element) or (isinstance(element, Group) and element.repeatable)
        if placed.repeat_scope:
            inner[element.id] = placed.repeat_scope[-1]
        elif answerable:
            keys[element.id] = _Key(element, conditions.get(element.id, ()), placed.order)
        elif isinstance(element, Notice):
            others[element.id] = "a notice (text to read)"
        elif isinstance(element, Stop):
            others[element.id] = "a stop"
        else:
            others[element.id] = "a group; answer its questions one by one"
    return keys, inner, others


def _walk(items: Sequence[Element], around: tuple[Any, ...], found: dict[str, tuple[Any, ...]]) -> None:
    for element in items:
        own = (*around, element.visible_when) if element.visible_when is not None else around
        found[element.id] = own
        if isinstance(element, Group) and not element.repeatable:
            _walk(element.items, own, found)


def _why_hidden(key: str, info: _Key, instrument: Instrument, answers: Mapping[str, Any]) -> str:
    state = evaluate(instrument, answers)
    if state.stop is not None:
        stop_order = next(p.order for p in placed_elements(instrument) if p.element.id == state.stop.stop_id)
        if stop_order < info.order:
            return (
                f"is not asked now: the answers reached the stop '{state.stop.stop_id}' before it "
                f"({state.stop.reason})"
            )
    depends = dict.fromkeys(leaf.question for condition in info.conditions for leaf in leaves(condition))
    named = ", ".join(f"'{question}'" for question in depends) or "earlier questions"
    return f"is not asked now: it is asked only for certain answers to {named}; change those first"


def _own_problems(state: AnswersState, key: str) -> list[FieldProblem]:
    return [
        problem
        for problem in state.problems
        if problem.field == key or problem.field.startswith((f"{key}[", f"{key}/"))
    ]


def answer_problems_for(
    instrument: Instrument,
    current: Mapping[str, Any],
    given: Mapping[str, Any],
    *,
    keep_made_unasked: bool = False,
) -> tuple[list[FieldProblem], dict[str, Any]]:
    """The problems of answers ``given`` on top of ``current``, and the answers they would lead to.

    Only problems of the given keys count (an older answer made irrelevant is not the new answer's
    fault). ``None`` clears a key and is always allowed for a known key. With ``keep_made_unasked``,
    an answer to a question that is asked with ``current`` but not with the answers given is no
    problem when it is a valid answer to that question with ``current``.
    """
    keys, inner, others = _keys(instrument)
    problems: list[FieldProblem] = []
    merged = dict(current)
    for key, value in given.items():
        if key not in keys:
            if key in inner:
                reason = (
                    f"sits in the repeatable group '{inner[key]}'; answer '{inner[key]}' with its list of "
                    "entries, each an object of answers by question id"
                )
            elif key in others:
                reason = f"is {others[key]}, not a question to answer"
            else:
                reason = f"there is no question '{key}' in '{instrument.id}' {instrument.version}"
            problems.append(FieldProblem(key, reason))
            continue
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    if problems:
        return problems, merged
    state = evaluate(instrument, merged)
    before = evaluate(instrument, current) if keep_made_unasked else None
    for key, value in given.items():
        if value is None:
            continue
        if (key,) not in state.visible:
            if before is not None and (key,) in before.visible:
                problems.extend(_own_problems(evaluate(instrument, {**current, key: value}), key))
            else:
                problems.append(FieldProblem(key, _why_hidden(key, keys[key], instrument, merged)))
            continue
        problems.extend(_own_problems(state, key))
    return problems, merged


def _cleaned(instrument: Instrument, given: Mapping[str, Any]) -> dict[str, Any]:
    """Rich-text answers sanitised to the standard's small HTML subset (top-level questions)."""
    keys, _inner, _others = _keys(instrument)
    cleaned: dict[str, Any] = {}
    for key, value in given.items():
        element = keys[key].element if key in keys else None
        if isinstance(element, RichTextQuestion) and isinstance(value, str):
            cleaned[key] = sanitise(value)
        elif isinstance(element, RichTextQuestion) and isinstance(value, list):
            cleaned[key] = [sanitise(item) if isinstance(item, str) else item for item in value]
        else:
            cleaned[key] = value
    return cleaned


def record_answers(
    session: Session,
    principal: Principal,
    public_id: str,
    assessment_id: int,
    given: Mapping[str, Any],
    *,
    keep_made_unasked: bool = False,
) -> list[AnswerView]:
    """Store ``given`` (answers by key; None clears) as new answers; needs the editor role.

    All are checked together (see the module) and stored together or not at all. An answer equal
    to the current one is not stored again. With ``keep_made_unasked`` (a form that showed the
    questions with the current answers), an answer that the other answers given leave unasked is
    stored and ignored instead of refused (see the module). A signed-off assessment must be reopened
    first (:class:`Conflict`). Returns the answers stored; audited as ``assessment.answer``.
    """
    algorithm, assessment = writable(
        session, principal, public_id, assessment_id, Role.EDITOR, "answer questions of this assessment"
    )
    if assessment.state == AssessmentState.SIGNED_OFF:
        raise Conflict("This assessment is signed off; reopen it before changing answers.")
    if not given:
        raise InvalidInput(
            problems=[FieldProblem("answers", "is empty; give at least one answer by question id")],
            summary=_SUMMARY,
        )
    if len(given) > MAX_ANSWERS_AT_ONCE:
        raise InvalidInput(
            problems=[
                FieldProblem("answers", f"holds {len(given)} answers; at most {MAX_ANSWERS_AT_ONCE} at once")
            ],
            summary=_SUMMARY,
        )
    instrument = definition_of(assessment)
    current = current_answers(session, assessment)
    problems, _merged = answer_problems_for(instrument, current, given, keep_made_unasked=keep_made_unasked)
    if problems:
        raise InvalidInput(problems=problems, summary=f"{_SUMMARY} {len(problems)} answer(s) have a problem.")
    now = utcnow()
    stored: list[AssessmentAnswer] = []
    for key, value in _cleaned(instrument, given).items():
        if key in current and value is not None and same_answer(current[key], value):
            continue
        if key not in current and value is None:
            continue
        row = AssessmentAnswer(
            assessment_id=assessment.id,
            question_id=key,
            value=value,
            round=assessment.round,
            author=principal.name,
            answered_at=now,
        )
        session.add(row)
        stored.append(row)
    if stored:
        assessment.updated_at = now
        session.flush()
        record_event(
            session,
            principal,
            "assessment.answer",
            organisation_id=algorithm.organisation_id,
            algorithm_id=algorithm.id,
            summary=f"Answered {len(stored)} question(s) of assessment {assessment.id} '{assessment.title}'",
            detail={
                "assessment_id": assessment.id,
                "round": assessment.round,
                "questions": [row.question_id for row in stored],
            },
        )
        session.flush()
    return [answer_view(row) for row in stored]


def same_answer(left: Any, right: Any) -> bool:
    """Whether two answer values are the same JSON value (booleans kept apart from numbers)."""
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same_answer(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_answer(left[k], right[k]) for k in left)
    return same_value(left, right)


def answer_history(
    session: Session, principal: Principal | None, public_id: str, assessment_id: int, question_id: str
) -> list[AnswerView]:
    """Every answer given to ``question_id``, oldest first (the last is the current one); for the
    organisation's people. An id that is not an answerable key raises :class:`InvalidInput`."""
    _algorithm, assessment = readable(session, principal, public_id, assessment_id)
    keys, _inner, _others = _keys(definition_of(assessment))
    if question_id not in keys:
        raise InvalidInput(
            problems=[
                FieldProblem("question", f"'{question_id}' is not a question of this assessment to answer")
            ],
            summary="There is no history of that question.",
        )
    return [answer_view(row) for row in answer_rows(session, assessment) if row.question_id == question_id]


def answerable_keys(instrument: Instrument) -> tuple[str, ...]:
    """The keys answers are given to, in document order."""
    return tuple(_keys(instrument)[0])
