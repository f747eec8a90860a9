"""Bias analyses as versioned JSON documents: the contract between an analysis and its reports.

A document is a JSON object::

    {
      "format": "algoreg-bias/1",
      "mode": "decisions" | "aggregate" | "monitoring",
      "created": "2025-01-31T12:00:00Z",
      "software": {"name": "algoreg", "version": "0.1.0"},
      "body": { ... the analysis ... },
      "integrity": {"algorithm": "sha256", "digest": "…"}
    }

``body`` is the analysis itself — :class:`~algoreg.bias.results.BiasAnalysis` for decision data,
:class:`AggregateAnalysis` for counts per process stage, and
:class:`~algoreg.bias.monitoring.MonitoringAnalysis` for periods — with the settings it was made
with. It holds aggregates only: counts per group, rates, tests, verdicts and message ids with their
parameters; never a row about a person. Group labels are kept, with the group's size beside them.

``integrity.digest`` is the SHA-256 of the canonical JSON (UTF-8, keys sorted, no whitespace) of
every other member of the document, so that a changed figure, setting or date is detected
(:func:`from_document` refuses such a document). It protects against accidents and careless edits,
not against someone who recomputes the digest: a signature belongs where the document is published.

Within format version 1, members may be added but never removed, renamed or given another meaning.
The body models forbid members they do not know, so older software refuses a document with added
members rather than misread it.
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel, ValidationError

from algoreg import __version__
from algoreg.bias.aggregate import GroupAtStage, StageAnalysis
from algoreg.bias.messages import LEGAL_QUESTIONS, Message
from algoreg.bias.monitoring import MonitoringAnalysis
from algoreg.bias.results import (
    BiasAnalysis,
    Judgement,
    VerdictSummary,
    judgement_message,
    judgement_of,
    verdict_summary,
)
from algoreg.bias.settings import ToleranceChoice, frozen_model_config
from algoreg.errors import FieldProblem, InvalidInput

FORMAT = "algoreg-bias/1"
"""The format and its version; a reader refuses any other."""

Mode = Literal["decisions", "aggregate", "monitoring"]

_SUMMARY = "The bias analysis document cannot be read."


# --- the aggregate-only analysis as a document body -------------------------------------------------


class JudgementSettingsResult(BaseModel):
    """The settings a judgement was made with (the statistics' ``JudgementSettings``)."""

    model_config = frozen_model_config()

    tolerance: ToleranceChoice
    q: float
    alpha: float
    power: float
    confidence: float
    min_group_size: int


class StageComparison(Judgement):
    """A group's share passing to a stage against that of all other groups, with its sentence."""

    message: Message


class GroupAtStageResult(BaseModel):
    """One group at one stage (see :class:`~algoreg.bias.aggregate.GroupAtStage`)."""

    model_config = frozen_model_config()

    group: str
    stage: str
    count: int
    expected: float | None
    adjusted_residual: float | None
    from_previous: StageComparison
    from_population: StageComparison


class GoodnessOfFitResult(BaseModel):
    """Pearson's test of a stage's group mix against the first stage's mix (not BH-adjusted)."""

    model_config = frozen_model_config()

    groups: tuple[str, ...]
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    statistic: float
    degrees_of_freedom: int
    p_value: float
    min_expected_count: float
    method: str
    message: Message


class StageResultModel(BaseModel):
    """The analysis of one stage after the first."""

    model_config = frozen_model_config()

    stage: str
    previous_stage: str
    total: int
    goodness_of_fit: GoodnessOfFitResult | None
    groups: tuple[GroupAtStageResult, ...]


class AggregateAnalysis(BaseModel):
    """:func:`~algoreg.bias.aggregate.analyse_stages` in serialisable form.

    ``counts[g][s]`` is the count of ``groups[g]`` at ``stage_names[s]``. ``summary`` counts every
    distinct comparison once (at the second stage the comparison from the previous stage and from
    the population is the same one).
    """

    model_config = frozen_model_config()

    settings: JudgementSettingsResult
    stage_names: tuple[str, ...]
    groups: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    stages: tuple[StageResultModel, ...]
    summary: VerdictSummary
    legal_questions: tuple[Message, ...] = LEGAL_QUESTIONS


def aggregate_analysis(analysis: StageAnalysis) -> AggregateAnalysis:
    """The serialisable form of an analysis of counts per group and process stage."""
    settings = analysis.settings
    tolerance = ToleranceChoice(
        scale=settings.tolerance.scale.value,
        lower=settings.tolerance.lower,
        upper=settings.tolerance.upper,
    )
    first = analysis.counts.stages[0]
    tests = analysis.tests_in_family

    def comparison(found: GroupAtStage, previous: str, which: str) -> StageComparison:
        judgement = judgement_of(found.from_previous if which == "previous" else found.from_population)
        message = judgement_message(
            judgement,
            group=found.group,
            rate=Message("bias.rate.stage", {"previous_stage": previous, "stage": found.stage}),
            reference=Message("bias.reference.rest"),
            tests=tests,
            tolerance=tolerance,
            min_group_size=settings.min_group_size,
        )
        return StageComparison(**dict(judgement), message=message)

    stages = []
    distinct: list[Judgement] = []
    for index, stage in enumerate(analysis.stages):
        groups = []
        for found in stage.groups:
            from_previous = comparison(found, stage.previous_stage, "previous")
            from_population = comparison(found, first, "population")
            distinct.append(from_previous)
            if index > 0:
                distinct.append(from_population)
            groups.append(
                GroupAtStageResult(
                    group=found.group,
                    stage=found.stage,
                    count=found.count,
                    expected=found.expected,
                    adjusted_residual=found.adjusted_residual,
                    from_previous=from_previous,
                    from_population=from_population,
                )
            )
        fit = stage.goodness_of_fit
        stages.append(
            StageResultModel(
                stage=stage.stage,
                previous_stage=stage.previous_stage,
                total=stage.total,
                goodness_of_fit=None
                if fit is None
                else GoodnessOfFitResult(
                    groups=fit.groups,
                    observed=fit.observed,
                    expected=fit.expected,
                    statistic=fit.statistic,
                    degrees_of_freedom=fit.degrees_of_freedom,
                    p_value=fit.p_value,
                    min_expected_count=fit.min_expected_count,
                    method=fit.method.value,
                    message=Message(
                        "bias.stage.goodness_of_fit",
                        {"stage": stage.stage, "first_stage": first, "p": fit.p_value},
                    ),
                ),
                groups=tuple(groups),
            )
        )
    return AggregateAnalysis(
        settings=JudgementSettingsResult(
            tolerance=tolerance,
            q=settings.q,
            alpha=settings.alpha,
            power=settings.power,
            confidence=settings.confidence,
            min_group_size=settings.min_group_size,
        ),
        stage_names=analysis.counts.stages,
        groups=analysis.counts.groups,
        counts=analysis.counts.counts,
        stages=tuple(stages),
        summary=verdict_summary(distinct, tests),
    )


# --- documents ----------------------------------------------------------------------------------------

AnyAnalysis: TypeAlias = BiasAnalysis | AggregateAnalysis | MonitoringAnalysis

_MODELS: dict[str, type[BaseModel]] = {
    "decisions": BiasAnalysis,
    "aggregate": AggregateAnalysis,
    "monitoring": MonitoringAnalysis,
}


def to_document(
    analysis: BiasAnalysis | AggregateAnalysis | MonitoringAnalysis | StageAnalysis,
    *,
    created: datetime | None = None,
) -> dict[str, Any]:
    """The analysis as a JSON-ready document of format ``algoreg-bias/1`` (see the module's notes).

    ``created`` (timezone-aware; default now) is stored in UTC. A
    :class:`~algoreg.bias.aggregate.StageAnalysis` is converted with :func:`aggregate_analysis`.
    The result contains only JSON types (no NaN or infinity) and passes :func:`from_document`.
    """
    if isinstance(analysis, StageAnalysis):
        analysis = aggregate_analysis(analysis)
    mode = _mode_of(analysis)
    moment = datetime.now(UTC) if created is None else created
    if moment.tzinfo is None:
        raise InvalidInput(
            problems=[FieldProblem("created", "give a timezone-aware date and time")], summary=_SUMMARY
        )
    document: dict[str, Any] = {
        "format": FORMAT,
        "mode": mode,
        "created": moment.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "software": {"name": "algoreg", "version": __version__},
        "body": analysis.model_dump(mode="json"),
    }
    document["integrity"] = {"algorithm": "sha256", "digest": document_digest(document)}
    return document


def from_document(document: Mapping[str, Any]) -> AnyAnalysis:
    """The analysis a document holds, after checking its format, mode and digest.

    Returns a :class:`~algoreg.bias.results.BiasAnalysis`, :class:`AggregateAnalysis` or
    :class:`~algoreg.bias.monitoring.MonitoringAnalysis` according to ``mode``. A document of
    another format, with an unknown mode, a digest that does not match its content, or a body that
    does not validate raises :class:`~algoreg.errors.InvalidInput` naming the member.
    """
    if not isinstance(document, Mapping):
        raise InvalidInput(problems=[FieldProblem("document", "must be a JSON object")], summary=_SUMMARY)
    problems = []
    if document.get("format") != FORMAT:
        problems.append(FieldProblem("format", f"must be '{FORMAT}'; got {document.get('format')!r}"))
    mode = document.get("mode")
    if mode not in _MODELS:
        problems.append(FieldProblem("mode", f"must be one of {', '.join(_MODELS)}; got {mode!r}"))
    for member in ("created", "software", "body", "integrity"):
        if member not in document:
            problems.append(FieldProblem(member, "is missing"))
    if problems:
        raise InvalidInput(problems=problems, summary=_SUMMARY)
    integrity = document["integrity"]
    expected = document_digest(document)
    if not isinstance(integrity, Mapping) or integrity.get("algorithm") != "sha256":
        raise InvalidInput(
            problems=[FieldProblem("integrity.algorithm", "must be 'sha256'")], summary=_SUMMARY
        )
    if integrity.get("digest") != expected:
        raise InvalidInput(
            problems=[
                FieldProblem(
                    "integrity.digest",
                    "does not match the document's content: the document was changed after it was made",
                )
            ],
            summary=_SUMMARY,
        )
    try:
        result = _MODELS[str(mode)].model_validate(document["body"])
    except ValidationError as invalid:
        raise InvalidInput(
            problems=[
                FieldProblem(".".join(("body", *(str(part) for part in error["loc"]))), error["msg"])
                for error in invalid.errors()
            ],
            summary=_SUMMARY,
        ) from None
    assert isinstance(result, BiasAnalysis | AggregateAnalysis | MonitoringAnalysis)
    return result


def document_digest(document: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of the canonical JSON of every member of the document but ``integrity``."""
    content = {key: value for key, value in document.items() if key != "integrity"}
    try:
        canonical = json.dumps(
            content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as wrong:
        raise InvalidInput(
            problems=[FieldProblem("document", f"holds a value JSON cannot represent: {wrong}")],
            summary=_SUMMARY,
        ) from None
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _mode_of(analysis: object) -> Mode:
    if isinstance(analysis, BiasAnalysis):
        return "decisions"
    if isinstance(analysis, AggregateAnalysis):
        return "aggregate"
    if isinstance(analysis, MonitoringAnalysis):
        return "monitoring"
    raise InvalidInput(
        problems=[
            FieldProblem(
                "analysis",
                f"a {type(analysis).__name__} has no document form; give a BiasAnalysis, StageAnalysis, "
                "AggregateAnalysis or MonitoringAnalysis",
            )
        ],
        summary="The analysis cannot be written as a document.",
    )
