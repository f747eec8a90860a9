"""The non-discrimination-by-design checklist: four principles in every phase, with bias-test evidence.

Neither the task registry nor the Algoritmekader data defines this checklist (they only list the
guide it comes from in the catalogue), so Algoreg ships its own definition, written by its authors:
``data/non_discrimination_by_design.yaml`` beside this module (format ``algoreg-checklist/1``).
A definition names its principles and its phases (lifecycle phase ids of the framework) and holds
items, each with a stable ``id``, a ``phase``, a ``principle``, a text per language, the measures
and requirements it relates to, and ``bias_evidence``: whether marking it "met" needs a bias
analysis attached (``required``), may have one (``optional``) or does not use one (``none``).
Every phase must have at least one item for every principle.

Answers are kept per item (:class:`ChecklistAnswer`) and can carry evidence; a bias analysis is
referred to by the SHA-256 digest of its ``algoreg-bias/1`` document (:func:`bias_evidence` checks
the document before making the reference). :func:`checklist_status` tells per phase and principle
how far an algorithm is, and flags items claimed "met" without the bias evidence they require.
"""

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.framework._files import file_field, raise_if, read_yaml, validation_problems
from algoreg.instruments.framework.model import Framework

__all__ = [
    "FORMAT",
    "BiasEvidence",
    "Checklist",
    "ChecklistAnswer",
    "ChecklistItem",
    "ChecklistLinks",
    "ChecklistStatus",
    "EvidenceRef",
    "ItemState",
    "ItemStatus",
    "Principle",
    "bias_evidence",
    "checklist_from_data",
    "checklist_status",
    "link_checklist",
    "load_checklist",
]

FORMAT = "algoreg-checklist/1"
BiasEvidence = Literal["required", "optional", "none"]
ItemState = Literal["open", "met", "not_met", "not_applicable"]

_DEFAULT = "non_discrimination_by_design.yaml"


def _config() -> ConfigDict:
    return ConfigDict(extra="forbid", frozen=True)


class Principle(BaseModel):
    """A principle of the checklist: a stable ``id`` and its name per language."""

    model_config = _config()

    id: str = Field(min_length=1)
    name: dict[str, str]


class ChecklistItem(BaseModel):
    """One question of the checklist: where it sits (phase × principle), its text and its links."""

    model_config = _config()

    id: str = Field(min_length=1)
    phase: str
    principle: str
    text: dict[str, str]
    bias_evidence: BiasEvidence
    measures: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()


class _Source(BaseModel):
    model_config = _config()

    title: str
    url: str | None = None


class Checklist(BaseModel):
    """A checklist definition: principles, phases in order, and the items."""

    model_config = _config()

    format: Literal["algoreg-checklist/1"]
    id: str = Field(min_length=1)
    version: int
    title: dict[str, str]
    source: _Source | None = None
    principles: tuple[Principle, ...] = Field(min_length=1)
    phases: tuple[str, ...] = Field(min_length=1)
    items: tuple[ChecklistItem, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "Checklist":
        problems = _consistency_problems(self)
        if problems:
            raise ValueError(_SEPARATOR.join(f"{where}{_AT}{reason}" for where, reason in problems))
        return self

    def item(self, item_id: str) -> ChecklistItem | None:
        """The item with this id, or ``None``."""
        return next((item for item in self.items if item.id == item_id), None)


_SEPARATOR = "\n"
_AT = " :: "


def _consistency_problems(checklist: "Checklist") -> list[tuple[str, str]]:
    """What the item types cannot say: unique ids, known phases and principles, every cell filled."""
    principles = [principle.id for principle in checklist.principles]
    problems = []
    if len(set(principles)) != len(principles):
        problems.append(("principles", "an id is used twice"))
    if len(set(checklist.phases)) != len(checklist.phases):
        problems.append(("phases", "a phase is listed twice"))
    seen: set[str] = set()
    for index, item in enumerate(checklist.items):
        if item.id in seen:
            problems.append((f"items[{index}].id", f"{item.id!r} is used twice"))
        seen.add(item.id)
        if item.phase not in checklist.phases:
            problems.append((f"items[{index}].phase", f"{item.phase!r} is not one of the checklist's phases"))
        if item.principle not in principles:
            problems.append((f"items[{index}].principle", f"{item.principle!r} is not a principle"))
    cells = {(item.phase, item.principle) for item in checklist.items}
    problems.extend(
        ("items", f"phase {phase!r} has no item for principle {principle!r}")
        for phase in checklist.phases
        for principle in principles
        if (phase, principle) not in cells
    )
    return problems


def checklist_from_data(data: Any, where: str = "checklist") -> Checklist:
    """The checklist held by already-parsed data; :class:`InvalidInput` naming every problem's place."""
    try:
        return Checklist.model_validate(data)
    except ValidationError as error:
        problems = []
        for found in validation_problems(where, error):
            if _AT in found.reason:  # the consistency check's own list, one problem per line
                for line in found.reason.removeprefix("Value error, ").split(_SEPARATOR):
                    place, reason = line.split(_AT, 1)
                    problems.append(FieldProblem(field=file_field(where, place), reason=reason))
            else:
                problems.append(found)
        raise InvalidInput(problems=problems, summary=f"The checklist {where} is not valid.") from None


def load_checklist(path: Path | None = None) -> Checklist:
    """The checklist in the YAML file at ``path``; without a path, Algoreg's own
    non-discrimination-by-design checklist shipped with the package."""
    if path is None:
        resource = resources.files(__package__ or "algoreg.instruments.framework") / "data" / _DEFAULT
        path = Path(str(resource))
    data, problems = read_yaml(path)
    raise_if(problems, f"The checklist {path} cannot be read.")
    return checklist_from_data(data, where=str(path))


class ChecklistLinks(BaseModel):
    """The checklist's phases, measures and requirements that the framework does not know."""

    model_config = _config()

    dangling_phases: tuple[str, ...]
    dangling_measures: tuple[str, ...]
    dangling_requirements: tuple[str, ...]


def link_checklist(framework: Framework, checklist: Checklist) -> ChecklistLinks:
    """Check the checklist's references against the framework: what names nothing (or, for measures,
    more than one thing) there. All empty means every reference resolves."""
    phases = set(framework.phase_ids())
    measures = dict.fromkeys(ref for item in checklist.items for ref in item.measures)
    requirements = dict.fromkeys(ref for item in checklist.items for ref in item.requirements)
    return ChecklistLinks(
        dangling_phases=tuple(phase for phase in checklist.phases if phase not in phases),
        dangling_measures=tuple(ref for ref in measures if len(framework.find_measures(ref)) != 1),
        dangling_requirements=tuple(
            ref for ref in requirements if len(framework.find_requirements(ref)) != 1
        ),
    )


class EvidenceRef(BaseModel):
    """Evidence attached to an answer.

    ``kind`` ``"bias_analysis"``: ``reference`` is ``"sha256:<digest>"`` of an ``algoreg-bias/1``
    document and ``mode`` its mode. ``kind`` ``"document"``: ``reference`` names any other document.
    """

    model_config = _config()

    kind: Literal["bias_analysis", "document"]
    reference: str = Field(min_length=1)
    mode: Literal["decisions", "aggregate", "monitoring"] | None = None


def bias_evidence(document: Mapping[str, Any]) -> EvidenceRef:
    """A reference to a bias analysis document, after checking its format, digest and content.

    Raises :class:`InvalidInput` (from :func:`algoreg.bias.document.from_document`) for a document
    that is not a valid, unchanged ``algoreg-bias/1`` document.
    """
    from algoreg.bias.document import from_document  # heavy: the whole bias package

    from_document(document)
    return EvidenceRef(
        kind="bias_analysis", reference=f"sha256:{document['integrity']['digest']}", mode=document["mode"]
    )


class ChecklistAnswer(BaseModel):
    """The answer to one item for one algorithm; ``not_applicable`` needs a ``note`` saying why."""

    model_config = _config()

    state: ItemState
    note: str | None = None
    evidence: tuple[EvidenceRef, ...] = ()

    @model_validator(mode="after")
    def _note_when_not_applicable(self) -> "ChecklistAnswer":
        if self.state == "not_applicable" and not (self.note or "").strip():
            raise ValueError("an item marked not_applicable needs a note saying why")
        return self


class ItemStatus(BaseModel):
    """An item's state for the algorithm; ``evidence_missing``: "met" without the bias evidence it needs."""

    model_config = _config()

    item_id: str
    phase: str
    principle: str
    state: ItemState
    evidence_missing: bool


class ChecklistStatus(BaseModel):
    """Where an algorithm stands on the checklist.

    ``cells`` gives per phase and principle the number of items settled (``met`` with the evidence
    it needs, or ``not_applicable``) and in total; ``complete`` is true when every item is settled.
    """

    model_config = _config()

    checklist_id: str
    items: tuple[ItemStatus, ...]
    cells: dict[str, dict[str, tuple[int, int]]]
    complete: bool


def checklist_status(checklist: Checklist, answers: Mapping[str, ChecklistAnswer]) -> ChecklistStatus:
    """The state of every item (unanswered items are ``open``), per phase × principle, and whether it is done.

    Raises :class:`InvalidInput` when an answer names an item the checklist does not have.
    """
    unknown = [item_id for item_id in answers if checklist.item(item_id) is None]
    if unknown:
        raise InvalidInput(
            problems=[
                FieldProblem(field=f"answers.{item_id}", reason="is not an item of the checklist")
                for item_id in unknown
            ],
            summary=f"The answers do not fit the checklist {checklist.id}.",
        )
    statuses = []
    cells: dict[str, dict[str, tuple[int, int]]] = {
        phase: {principle.id: (0, 0) for principle in checklist.principles} for phase in checklist.phases
    }
    for item in checklist.items:
        answer = answers.get(item.id)
        state: ItemState = answer.state if answer else "open"
        has_bias = answer is not None and any(ref.kind == "bias_analysis" for ref in answer.evidence)
        missing = state == "met" and item.bias_evidence == "required" and not has_bias
        statuses.append(
            ItemStatus(
                item_id=item.id,
                phase=item.phase,
                principle=item.principle,
                state=state,
                evidence_missing=missing,
            )
        )
        settled = (state == "met" and not missing) or state == "not_applicable"
        done, total = cells[item.phase][item.principle]
        cells[item.phase][item.principle] = (done + settled, total + 1)
    return ChecklistStatus(
        checklist_id=checklist.id,
        items=tuple(statuses),
        cells=cells,
        complete=all(done == total for row in cells.values() for done, total in row.values()),
    )
