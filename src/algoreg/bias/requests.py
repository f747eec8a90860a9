"""One request for a bias analysis, whatever its kind: what the API, the web tool and the CLI ask for.

A request says which analysis to run on one table of data and with which settings:

* ``decisions`` — one row per case (:func:`~algoreg.bias.analysis.analyse`);
* ``monitoring`` — one row per case with a period column (:func:`~algoreg.bias.monitoring.analyse_periods`);
* ``aggregate`` — counts per group per process stage (:func:`~algoreg.bias.aggregate.analyse_stages`).

:func:`request_of` validates a mapping (JSON from a client) and raises
:class:`~algoreg.errors.InvalidInput` naming every wrong field, with the path from the request's
root (``settings.roles.outcome``, ``judgement.q``); :func:`run_request` runs it and returns the
``algoreg-bias/1`` document, which holds only aggregated figures.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal, Self, TypeAlias

import polars as pl
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, field_validator, model_validator

from algoreg.bias.aggregate import StageCounts, analyse_stages
from algoreg.bias.analysis import analyse
from algoreg.bias.document import to_document
from algoreg.bias.inputs import DataSource, load_frame
from algoreg.bias.monitoring import PeriodUnit, analyse_periods
from algoreg.bias.settings import AnalysisSettings, ToleranceChoice, frozen_model_config
from algoreg.bias.statistics import JudgementSettings
from algoreg.errors import FieldProblem, InvalidInput

_SUMMARY = "The analysis request is not valid."


class JudgementChoice(BaseModel):
    """How disparities between stages are judged (see :class:`~algoreg.bias.statistics.JudgementSettings`)."""

    model_config = frozen_model_config()

    tolerance: ToleranceChoice = ToleranceChoice()
    q: float = Field(default=0.05, gt=0.0, lt=1.0)
    alpha: float = Field(default=0.05, gt=0.0, lt=0.5)
    power: float = Field(default=0.8, gt=0.0, lt=1.0)
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)
    min_group_size: int = Field(default=30, ge=1)

    def settings(self) -> JudgementSettings:
        """The settings as the statistics module takes them (an impossible tolerance raises InvalidInput)."""
        try:
            tolerance = self.tolerance.tolerance()
        except InvalidInput as invalid:
            raise InvalidInput(
                problems=[FieldProblem(f"judgement.tolerance.{p.field}", p.reason) for p in invalid.problems],
                summary=_SUMMARY,
            ) from None
        return JudgementSettings(
            tolerance=tolerance,
            q=self.q,
            alpha=self.alpha,
            power=self.power,
            confidence=self.confidence,
            min_group_size=self.min_group_size,
        )


class DecisionsRequest(BaseModel):
    """Decision data, one row per case, analysed as a whole."""

    model_config = frozen_model_config()

    mode: Literal["decisions"] = "decisions"
    settings: AnalysisSettings


class MonitoringRequest(BaseModel):
    """Decision data analysed per period: ``period_column`` holds a date or the period itself."""

    model_config = frozen_model_config()

    mode: Literal["monitoring"]
    settings: AnalysisSettings
    period_column: str = Field(min_length=1, max_length=200)
    period: PeriodUnit = "month"


class AggregateRequest(BaseModel):
    """Counts per group per process stage, when no data per case exists.

    ``layout`` ``"wide"``: one row per group (``group`` names its column) and one column per stage;
    ``"long"``: one row per group and stage, with ``stage_column`` and ``count_column``. ``stages``
    lists the stages in process order (default: as in the data).
    """

    model_config = frozen_model_config()

    mode: Literal["aggregate"]
    group: str = Field(min_length=1, max_length=200)
    layout: Literal["wide", "long"] = "wide"
    stages: tuple[str, ...] | None = Field(default=None, min_length=2)
    stage_column: str = Field(default="stage", min_length=1, max_length=200)
    count_column: str = Field(default="count", min_length=1, max_length=200)
    judgement: JudgementChoice = JudgementChoice()

    @field_validator("stages", mode="before")
    @classmethod
    def _no_empty_list(cls, value: Any) -> Any:
        return None if value == [] or value == () else value

    @model_validator(mode="after")
    def _possible_tolerance(self) -> Self:
        self.judgement.settings()
        return self


AnalysisRequest: TypeAlias = Annotated[
    DecisionsRequest | MonitoringRequest | AggregateRequest, Field(discriminator="mode")
]
"""Any of the three requests, told apart by ``mode``."""

_ADAPTER: TypeAdapter[DecisionsRequest | MonitoringRequest | AggregateRequest] = TypeAdapter(AnalysisRequest)

MODES = ("decisions", "monitoring", "aggregate")
"""The modes a request may have, as the document names them."""


def request_of(value: Any) -> DecisionsRequest | MonitoringRequest | AggregateRequest:
    """The validated request of a mapping; a request without ``mode`` analyses decisions.

    Every problem raises :class:`InvalidInput` naming the field by its path from the request.
    """
    if not isinstance(value, Mapping):
        raise InvalidInput(problems=[FieldProblem("request", "must be a JSON object")], summary=_SUMMARY)
    data = dict(value)
    mode = data.setdefault("mode", "decisions")
    if mode not in MODES:
        raise InvalidInput(
            problems=[FieldProblem("mode", f"must be one of {', '.join(MODES)}; got {mode!r}")],
            summary=_SUMMARY,
        )
    try:
        return _ADAPTER.validate_python(data)
    except InvalidInput as invalid:  # raised by a nested model's own checks, which name fields from there
        prefix = "" if mode == "aggregate" else "settings."
        raise InvalidInput(
            problems=[FieldProblem(prefix + p.field, p.reason) for p in invalid.problems], summary=_SUMMARY
        ) from None
    except ValidationError as invalid:
        problems = [
            FieldProblem(".".join(str(part) for part in error["loc"][1:]) or "request", error["msg"])
            for error in invalid.errors()
        ]
        raise InvalidInput(problems=problems, summary=_SUMMARY) from None


def run_request(
    source: DataSource,
    request: DecisionsRequest | MonitoringRequest | AggregateRequest,
    *,
    created: datetime | None = None,
) -> dict[str, Any]:
    """Run the analysis the request asks for on ``source`` and return its ``algoreg-bias/1`` document.

    The document holds counts, rates and tests per group — never a row of the data. Problems with
    the data (missing columns, wrong types, empty groups) raise :class:`InvalidInput`.
    """
    if isinstance(request, DecisionsRequest):
        return to_document(analyse(source, request.settings), created=created)
    if isinstance(request, MonitoringRequest):
        analysis = analyse_periods(source, request.settings, request.period_column, request.period)
        return to_document(analysis, created=created)
    frame = load_frame(source).collect().to_native()
    assert isinstance(frame, pl.DataFrame)
    if request.layout == "wide":
        counts = StageCounts.from_wide(frame, group=request.group, stages=request.stages)
    else:
        counts = StageCounts.from_long(
            frame,
            group=request.group,
            stage=request.stage_column,
            count=request.count_column,
            stages=request.stages,
        )
    return to_document(analyse_stages(counts, settings=request.judgement.settings()), created=created)
