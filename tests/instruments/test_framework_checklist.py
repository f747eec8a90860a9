"""The non-discrimination-by-design checklist: our own definition, its links, answers and evidence."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from algoreg.bias.aggregate import StageCounts, analyse_stages
from algoreg.bias.document import to_document
from algoreg.errors import InvalidInput
from algoreg.instruments.framework.checklist import (
    Checklist,
    ChecklistAnswer,
    EvidenceRef,
    bias_evidence,
    checklist_from_data,
    checklist_status,
    link_checklist,
    load_checklist,
)
from algoreg.instruments.framework.load import load_framework
from tests.conftest import reference_file

PRINCIPLES = ["diversity", "context", "verifiability", "evaluation"]


@pytest.fixture(scope="module")
def checklist() -> Checklist:
    return load_checklist()


def _definition() -> dict[str, Any]:
    path = (
        Path(__file__).resolve().parents[2]
        / "src/algoreg/instruments/framework/data/non_discrimination_by_design.yaml"
    )
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def test_the_shipped_checklist_has_four_principles_in_every_phase(checklist: Checklist) -> None:
    assert [principle.id for principle in checklist.principles] == PRINCIPLES
    assert checklist.phases == (
        "probleemanalyse",
        "dataverkenning-en-datapreparatie",
        "ontwikkelen",
        "verificatie-en-validatie",
        "implementatie",
    )
    cells = sorted((item.phase, item.principle) for item in checklist.items)
    assert cells == sorted((phase, principle) for phase in checklist.phases for principle in PRINCIPLES)
    assert all(set(item.text) == {"nl", "en"} for item in checklist.items)
    assert {item.bias_evidence for item in checklist.items} == {"required", "optional", "none"}


def test_every_phase_measure_and_requirement_it_names_exists_in_the_task_registry(
    checklist: Checklist,
) -> None:
    framework = load_framework(reference_file("task-registry"))
    links = link_checklist(framework, checklist)
    assert (links.dangling_phases, links.dangling_measures, links.dangling_requirements) == ((), (), ())


def test_a_definition_missing_a_principle_in_a_phase_is_refused() -> None:
    # given: the item for diversity in the data phase removed
    data = _definition()
    data["items"] = [item for item in data["items"] if item["id"] != "ndd-data-diversity"]

    # when
    with pytest.raises(InvalidInput) as refused:
        checklist_from_data(data, where="eigen.yaml")

    # then
    assert [(problem.field, problem.reason) for problem in refused.value.problems] == [
        (
            "eigen.yaml: items",
            "phase 'dataverkenning-en-datapreparatie' has no item for principle 'diversity'",
        )
    ]


def test_unknown_phases_principles_and_repeated_ids_are_each_named() -> None:
    data = _definition()
    data["items"][1]["phase"] = "ontwerp"
    data["items"][2]["principle"] = "fairness"
    data["items"][3]["id"] = data["items"][0]["id"]

    with pytest.raises(InvalidInput) as refused:
        checklist_from_data(data, where="eigen.yaml")

    problems = {problem.field: problem.reason for problem in refused.value.problems}
    assert problems["eigen.yaml: items[1].phase"] == "'ontwerp' is not one of the checklist's phases"
    assert problems["eigen.yaml: items[2].principle"] == "'fairness' is not a principle"
    assert problems["eigen.yaml: items[3].id"] == "'ndd-problem-diversity' is used twice"
    assert [p.reason for p in refused.value.problems if p.field == "eigen.yaml: items"] == [
        "phase 'probleemanalyse' has no item for principle 'context'",
        "phase 'probleemanalyse' has no item for principle 'verifiability'",
    ]


def test_a_definition_with_wrong_values_names_their_place() -> None:
    data = _definition()
    data["items"][3]["bias_evidence"] = "sometimes"
    data["format"] = "algoreg-checklist/2"

    with pytest.raises(InvalidInput) as refused:
        checklist_from_data(data, where="eigen.yaml")

    assert {problem.field for problem in refused.value.problems} == {
        "eigen.yaml: format",
        "eigen.yaml: items[3].bias_evidence",
    }


def _bias_document() -> dict[str, Any]:
    counts = StageCounts(
        stages=("population", "selected"), groups=("A", "B"), counts=((1000, 100), (1000, 160))
    )
    return to_document(analyse_stages(counts))


def test_bias_evidence_refers_to_a_checked_bias_analysis_by_its_digest() -> None:
    # given
    document = json.loads(json.dumps(_bias_document()))

    # when
    evidence = bias_evidence(document)

    # then
    assert evidence == EvidenceRef(
        kind="bias_analysis", reference=f"sha256:{document['integrity']['digest']}", mode="aggregate"
    )
    changed = copy.deepcopy(document)
    changed["created"] = "2020-01-01T00:00:00Z"
    with pytest.raises(InvalidInput) as refused:
        bias_evidence(changed)
    assert refused.value.problems[0].field == "integrity.digest"


def test_status_per_phase_and_principle_with_missing_bias_evidence_flagged(checklist: Checklist) -> None:
    # given
    evidence = bias_evidence(_bias_document())
    answers = {
        "ndd-develop-evaluation": ChecklistAnswer(state="met"),  # requires bias evidence, has none
        "ndd-verify-evaluation": ChecklistAnswer(state="met", evidence=(evidence,)),
        "ndd-problem-diversity": ChecklistAnswer(state="met"),  # needs no bias evidence
        "ndd-implement-diversity": ChecklistAnswer(
            state="not_applicable", note="geen gebruikers: volledig batch"
        ),
        "ndd-data-context": ChecklistAnswer(state="not_met", note="postcode nog niet onderzocht"),
    }

    # when
    status = checklist_status(checklist, answers)

    # then
    by_id = {item.item_id: item for item in status.items}
    assert (by_id["ndd-develop-evaluation"].state, by_id["ndd-develop-evaluation"].evidence_missing) == (
        "met",
        True,
    )
    assert by_id["ndd-verify-evaluation"].evidence_missing is False
    assert by_id["ndd-problem-diversity"].evidence_missing is False
    assert by_id["ndd-problem-context"].state == "open"
    assert status.cells["ontwikkelen"]["evaluation"] == (0, 1)
    assert status.cells["verificatie-en-validatie"]["evaluation"] == (1, 1)
    assert status.cells["implementatie"]["diversity"] == (1, 1)
    assert status.cells["dataverkenning-en-datapreparatie"]["context"] == (0, 1)
    assert sum(done for row in status.cells.values() for done, _ in row.values()) == 3
    assert status.complete is False
    assert type(status).model_validate_json(status.model_dump_json()) == status


def test_the_checklist_is_complete_when_every_item_is_settled(checklist: Checklist) -> None:
    evidence = EvidenceRef(kind="bias_analysis", reference="sha256:" + "0" * 64, mode="decisions")
    answers = {item.id: ChecklistAnswer(state="met", evidence=(evidence,)) for item in checklist.items}
    assert checklist_status(checklist, answers).complete is True

    answers["ndd-verify-verifiability"] = ChecklistAnswer(state="met")
    assert checklist_status(checklist, answers).complete is False


def test_answers_are_checked(checklist: Checklist) -> None:
    with pytest.raises(ValueError, match="needs a note"):
        ChecklistAnswer(state="not_applicable")
    with pytest.raises(InvalidInput) as refused:
        checklist_status(checklist, {"ndd-bestaat-niet": ChecklistAnswer(state="met")})
    assert refused.value.problems[0].field == "answers.ndd-bestaat-niet"
