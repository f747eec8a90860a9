"""The AI Act profile from the decision aid's labels, the proposed category, the registry shape."""

import json
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema
import pytest
import yaml

from algoreg.instruments.decision_tree.analysis import Exploration, explore
from algoreg.instruments.decision_tree.model import DecisionTree, load_decision_tree
from algoreg.instruments.decision_tree.profile import (
    FAMILIES,
    TASK_REGISTRY_KEYS,
    AIActProfile,
    LabelFamily,
    ProposalReason,
    family_of,
    profile_from_labels,
    propose_publication_category,
    to_task_registry_profile,
)
from algoreg.standard.enums import PublicationCategory
from tests.conftest import reference_file


@pytest.fixture(scope="module")
def tree() -> DecisionTree:
    return load_decision_tree(reference_file("ai-verordening-beslishulp", "decision-tree.yaml"))


@pytest.fixture(scope="module")
def walked(tree: DecisionTree) -> Exploration:
    return explore(tree)


@pytest.fixture(scope="module")
def registry_profile_schema() -> dict[str, Any]:
    schema = json.loads(reference_file("task-registry", "schemas", "schema_requirements.json").read_text())
    items = schema["properties"]["ai_act_profile"]["items"]
    assert isinstance(items, dict)
    return items


def test_every_label_of_the_tree_has_one_family_and_each_question_gives_one_family(
    tree: DecisionTree,
) -> None:
    assert all(family_of(label) is not None for label in tree.labels_given)
    assert tree.labels_given == {label for labels in FAMILIES.values() for label in labels}
    for question in tree.questions:
        families = {family_of(label) for answer in question.answers for label in answer.labels}
        assert len(families) <= 1, question.question_id


def test_the_families_are_the_task_registrys_except_what_it_does_not_record(
    registry_profile_schema: dict[str, Any],
) -> None:
    properties = registry_profile_schema["properties"]
    assert [family.value for family in TASK_REGISTRY_KEYS] == list(properties)
    for family in TASK_REGISTRY_KEYS:
        allowed = properties[family.value]["items"]["enum"]
        ours = [label for label in FAMILIES[family] if label != "niet van toepassing"]
        # the registry also knows "impactvol algoritme" / "niet-impactvol algoritme" as a type, which the
        # decision tree does not ask about
        assert set(ours) <= set(allowed), family
        assert set(allowed) - set(ours) <= {"impactvol algoritme", "niet-impactvol algoritme"}, family
    assert LabelFamily.OPERATIONAL_STATUS not in TASK_REGISTRY_KEYS


def test_labels_are_sorted_into_families_and_unknown_ones_kept() -> None:
    profile = profile_from_labels(
        [
            "gebruiksverantwoordelijke",
            "aanbieder",
            "in gebruik",
            "AI-systeem",
            "nieuw label",
            "hoog-risico AI",
        ],
        conclusion_id="14.0.2",
    )
    assert profile.role == ("aanbieder", "gebruiksverantwoordelijke")
    assert profile.system_type == ("AI-systeem",)
    assert profile.risk_group == ("hoog-risico AI",)
    assert profile.operational_status == ("in gebruik",)
    assert profile.other_labels == ("nieuw label",)
    assert profile.ai_act_applies is True
    assert profile.is_high_risk
    assert profile_from_labels(["aanbieder"]).ai_act_applies is None
    assert profile_from_labels(["hoog-risico AI"], conclusion_id="11.2").is_high_risk is False


def _proposal(
    labels: Sequence[str], conclusion_id: str
) -> tuple[PublicationCategory, bool, tuple[ProposalReason, ...]]:
    proposal = propose_publication_category(profile_from_labels(labels, conclusion_id))
    return proposal.category, proposal.organisation_decides, proposal.reasons


@pytest.mark.parametrize(
    ("labels", "conclusion_id", "expected"),
    [
        (
            ["aanbieder", "AI-systeem", "hoog-risico AI", "geen transparantieverplichting"],
            "12.0.2",
            (PublicationCategory.HIGH_RISK_AI, False, (ProposalReason.HIGH_RISK_AI,)),
        ),
        (
            ["gebruiksverantwoordelijke", "AI-systeem", "verboden AI"],
            "13.0.0",
            (PublicationCategory.IMPACTFUL, True, (ProposalReason.PROHIBITED_PRACTICE,)),
        ),
        (
            [
                "gebruiksverantwoordelijke",
                "AI-systeem",
                "geen hoog-risico AI",
                "geen open-source",
                "transparantieverplichting",
            ],
            "13.0.3",
            (PublicationCategory.IMPACTFUL, True, (ProposalReason.TRANSPARENCY_OBLIGATION,)),
        ),
        (
            ["aanbieder", "AI-model voor algemene doeleinden", "systeemrisico"],
            "12.2.1",
            (PublicationCategory.IMPACTFUL, True, (ProposalReason.SYSTEMIC_RISK,)),
        ),
        (
            # Annex III area (the conformity question was asked), taken off the list by the exception
            [
                "aanbieder",
                "AI-systeem",
                "niet van toepassing",
                "geen hoog-risico AI",
                "geen open-source",
                "geen transparantieverplichting",
            ],
            "12.0.4",
            (PublicationCategory.IMPACTFUL, True, (ProposalReason.ANNEX_III_EXCEPTION,)),
        ),
        (
            [
                "aanbieder",
                "AI-systeem",
                "geen hoog-risico AI",
                "geen open-source",
                "geen transparantieverplichting",
            ],
            "12.0.4",
            (PublicationCategory.OTHER, True, (ProposalReason.NO_IMPACT_SIGNAL,)),
        ),
        (["geen algoritme"], "11.0", (PublicationCategory.OTHER, True, (ProposalReason.NO_IMPACT_SIGNAL,))),
    ],
)
def test_the_proposed_publication_category(
    labels: list[str],
    conclusion_id: str,
    expected: tuple[PublicationCategory, bool, tuple[ProposalReason, ...]],
) -> None:
    assert _proposal(labels, conclusion_id) == expected


def test_high_risk_conclusions_and_only_they_propose_the_high_risk_category(
    tree: DecisionTree, walked: Exploration
) -> None:
    # The conclusions whose own text names a high-risk system ("hoog-risico AI-systeem", also spelt
    # "hoog risico") are exactly those where the proposal is the high-risk category.
    high_risk_texts = {
        conclusion.conclusion_id
        for conclusion in tree.conclusions
        if "hoog-risico AI-systeem" in conclusion.conclusion.replace("niet-hoog-risico", "")
        or "hoog risico" in conclusion.conclusion
    }
    proposed = {
        path.conclusion_id
        for path in walked.paths
        if propose_publication_category(profile_from_labels(path.labels, path.conclusion_id)).category
        is PublicationCategory.HIGH_RISK_AI
    }
    assert proposed == high_risk_texts
    assert len(proposed) == 16  # 4 each for providers, deployers, both, and importers with distributors


def test_the_task_registry_shape_is_valid_for_every_path(
    walked: Exploration, registry_profile_schema: dict[str, Any]
) -> None:
    validator = jsonschema.Draft202012Validator(registry_profile_schema)
    for path in walked.paths:
        shaped = to_task_registry_profile(profile_from_labels(path.labels, path.conclusion_id))
        assert list(validator.iter_errors(shaped)) == [], path


def test_the_task_registry_shape_of_a_high_risk_provider() -> None:
    profile = profile_from_labels(
        [
            "aanbieder",
            "gebruiksverantwoordelijke",
            "in gebruik",
            "AI-systeem",
            "niet van toepassing",
            "hoog-risico AI",
            "geen transparantieverplichting",
        ],
        conclusion_id="14.0.2",
    )
    assert to_task_registry_profile(profile) == {
        "type": ["AI-systeem"],
        "open_source": [],
        "risk_group": ["hoog-risico AI"],
        "systemic_risk": [],
        "transparency_obligations": ["geen transparantieverplichting"],
        "role": ["aanbieder", "gebruiksverantwoordelijke"],
        "conformity_assessment_body": [],
    }


def test_outside_the_act_the_task_registry_risk_group_is_the_exemption() -> None:
    # the open-source exemption reaches 11.2 after the tree had already said "not high risk"
    profile = profile_from_labels(
        ["aanbieder", "AI-systeem", "geen hoog-risico AI", "open-source", "geen transparantieverplichting"],
        "11.2",
    )
    shaped = to_task_registry_profile(profile)
    assert shaped["risk_group"] == ["uitzondering van toepassing"]
    assert shaped["open_source"] == ["open-source"]


def _applies(requirement: Mapping[str, Any], shaped: Mapping[str, list[str]]) -> bool:
    """A plain reading of a requirement's ai_act_profile: some entry whose every non-empty list meets ours."""
    return bool(requirement.get("always_applicable")) or any(
        all(not wanted or set(wanted) & set(shaped.get(key, [])) for key, wanted in entry.items())
        for entry in requirement.get("ai_act_profile") or []
    )


def test_the_shape_selects_task_registry_requirements_as_expected() -> None:
    # given two real requirements: the risk-management system (high-risk providers) and the documentation
    # duty for AI judged not to be high risk
    requirements = {
        name: yaml.safe_load(reference_file("task-registry", "requirements", f"{name}.yaml").read_text())
        for name in ("aia-03-risicobeheersysteem", "aia-02-documentatie-beoordeling-niet-hoog-risico-ai")
    }
    high_risk_provider = to_task_registry_profile(
        profile_from_labels(
            ["aanbieder", "AI-systeem", "hoog-risico AI", "transparantieverplichting"], "12.0.1"
        )
    )
    not_high_risk_provider = to_task_registry_profile(
        profile_from_labels(["aanbieder", "AI-systeem", "geen hoog-risico AI", "geen open-source"], "12.0.4")
    )
    exempted = to_task_registry_profile(
        profile_from_labels(["aanbieder", "AI-systeem", "geen hoog-risico AI", "open-source"], "11.2")
    )
    risk_management = requirements["aia-03-risicobeheersysteem"]
    documentation = requirements["aia-02-documentatie-beoordeling-niet-hoog-risico-ai"]
    assert _applies(risk_management, high_risk_provider)
    assert not _applies(risk_management, not_high_risk_provider)
    assert _applies(documentation, not_high_risk_provider)
    assert not _applies(documentation, exempted)


def test_a_profile_is_plain_data() -> None:
    profile = profile_from_labels(["importeur", "AI-systeem", "geen hoog-risico AI"], "15.0.3")
    assert AIActProfile.model_validate_json(profile.model_dump_json()) == profile
