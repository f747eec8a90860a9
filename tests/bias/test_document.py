"""The JSON document of an analysis: versioned, hashed, round-tripping, and free of rows about people."""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import polars as pl
import pytest

import algoreg
from algoreg.bias.aggregate import StageCounts, analyse_stages
from algoreg.bias.analysis import analyse
from algoreg.bias.document import (
    FORMAT,
    AggregateAnalysis,
    aggregate_analysis,
    document_digest,
    from_document,
    to_document,
)
from algoreg.bias.messages import render
from algoreg.bias.results import BiasAnalysis
from algoreg.bias.statistics import Verdict
from algoreg.errors import InvalidInput

CREATED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def people(rows: int = 600, seed: int = 11) -> pl.DataFrame:
    """Decision data with identifying columns that must never reach a document; "Urk" has one person."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["Amsterdam-Noord", "Zwolle", "Tiel"], rows, p=[0.5, 0.4, 0.1])
    group[0] = "Urk"
    label = (rng.random(rows) < 0.4).astype(int)
    score = rng.random(rows) * 0.9 + 0.05  # many decimals: each one a person's own score
    return pl.DataFrame(
        {
            "citizen_id": [f"BSN-{100000000 + 7919 * index}" for index in range(rows)],
            "name": [f"Jansen-{index:04d}x" for index in range(rows)],
            "born": [f"19{40 + index % 60}-0{1 + index % 9}-1{index % 10}" for index in range(rows)],
            "district": group,
            "label": label,
            "score": score,
            "selected": (score > 0.6).astype(int),
        }
    )


SETTINGS = {
    "roles": {"protected": ["district"], "outcome": "selected", "label": "label", "score": "score"},
    "compare_with": ["reference", "rest"],
    "score": {"bootstrap_resamples": 200, "score_decimals": 6},
    "origin": {"check": True, "sample_rows": 200},
}


@pytest.fixture(scope="module")
def analysis() -> BiasAnalysis:
    return analyse(people(), SETTINGS)


def test_the_document_round_trips_through_json(analysis: BiasAnalysis) -> None:
    # when
    document = to_document(analysis, created=CREATED)
    again = from_document(json.loads(json.dumps(document)))

    # then
    assert again == analysis
    assert isinstance(again, BiasAnalysis)
    assert to_document(again, created=CREATED) == document


def test_the_document_states_its_format_mode_time_software_and_digest(analysis: BiasAnalysis) -> None:
    # when
    document = to_document(
        analysis, created=datetime(2025, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    )

    # then
    assert list(document) == ["format", "mode", "created", "software", "body", "integrity"]
    assert document["format"] == FORMAT == "algoreg-bias/1"
    assert document["mode"] == "decisions"
    assert document["created"] == "2025-03-01T09:30:00Z"
    assert document["software"] == {"name": "algoreg", "version": algoreg.__version__}
    assert document["integrity"]["algorithm"] == "sha256"
    assert document["integrity"]["digest"] == document_digest(document)
    assert len(document["integrity"]["digest"]) == 64
    body = document["body"]
    assert body["settings"]["tolerance"] == {"scale": "ratio", "lower": 0.8, "upper": 1.25}
    assert body["settings"]["q"] == 0.05 and body["settings"]["min_group_size"] == 30
    finding = body["findings"][0]
    assert finding["verdict"] in {verdict.value for verdict in Verdict}
    assert set(finding["message"]) == {"id", "params"}
    assert body["legal_questions"][0]["id"] == "bias.legal.intro"


def test_no_value_of_the_rows_other_than_group_labels_reaches_the_document(analysis: BiasAnalysis) -> None:
    # given
    data = people()
    text = json.dumps(to_document(analysis, created=CREATED), ensure_ascii=False)

    # then: no identifier, name or date of birth anywhere in the text
    for column in ("citizen_id", "name", "born"):
        for value in data[column].to_list():
            assert value not in text, (column, value)
    # and no number of the document is a person's score, exact or on the score grid (6 decimals)
    numbers = {value for value in _walk(json.loads(text)) if isinstance(value, float)}
    for score in data["score"].to_list():
        assert score not in numbers and round(score, 6) not in numbers, score
    # but the group labels are there, each with its size
    grouping = json.loads(text)["body"]["groupings"][0]
    sizes = {group["label"]: group["counts"]["n"] for group in grouping["groups"]}
    expected = data.group_by("district").len().rows()
    assert sizes == dict(expected)


def test_a_changed_figure_a_wrong_format_or_a_broken_body_is_refused(analysis: BiasAnalysis) -> None:
    document = to_document(analysis, created=CREATED)

    changed = json.loads(json.dumps(document))
    changed["body"]["findings"][0]["rate"]["successes"] += 1
    with pytest.raises(InvalidInput) as error:
        from_document(changed)
    assert [problem.field for problem in error.value.problems] == ["integrity.digest"]

    later = {**document, "created": "2030-01-01T00:00:00Z"}
    with pytest.raises(InvalidInput):
        from_document(later)

    with pytest.raises(InvalidInput) as error:
        from_document({**document, "format": "algoreg-bias/2"})
    assert [problem.field for problem in error.value.problems] == ["format"]

    broken = {key: value for key, value in document.items() if key != "integrity"}
    broken["body"] = {**broken["body"], "rates": "many"}
    broken["integrity"] = {"algorithm": "sha256", "digest": document_digest(broken)}
    with pytest.raises(InvalidInput) as error:
        from_document(broken)
    assert error.value.problems[0].field.startswith("body.rates")


def test_a_naive_time_or_an_unknown_analysis_is_refused(analysis: BiasAnalysis) -> None:
    with pytest.raises(InvalidInput) as error:
        to_document(analysis, created=datetime(2025, 3, 1, 9, 30))
    assert error.value.problems[0].field == "created"
    with pytest.raises(InvalidInput) as error:
        to_document("not an analysis")  # type: ignore[arg-type]
    assert error.value.problems[0].field == "analysis"


# --- the aggregate-only mode ----------------------------------------------------------------------------


def stage_counts() -> StageCounts:
    return StageCounts(
        stages=("population", "risk", "checked"),
        groups=("A", "B", "C"),
        counts=((6000, 600, 300), (3000, 600, 200), (20, 5, 1)),
    )


def test_an_analysis_of_counts_per_stage_has_the_same_document_format() -> None:
    # given
    stages = analyse_stages(stage_counts())

    # when
    document = to_document(stages, created=CREATED)
    again = from_document(json.loads(json.dumps(document)))

    # then
    assert document["format"] == FORMAT and document["mode"] == "aggregate"
    assert isinstance(again, AggregateAnalysis)
    assert again == aggregate_analysis(stages)
    assert again.counts == stage_counts().counts and again.stage_names == ("population", "risk", "checked")


def test_the_aggregate_document_carries_every_judgement_and_its_sentence() -> None:
    # given
    stages = analyse_stages(stage_counts())

    # when
    result = aggregate_analysis(stages)

    # then: the same verdicts and adjusted p-values as the analysis itself
    for stage, original in zip(result.stages, stages.stages, strict=True):
        for group, source in zip(stage.groups, original.groups, strict=True):
            for mine, theirs in (
                (group.from_previous, source.from_previous),
                (group.from_population, source.from_population),
            ):
                assert mine.verdict is theirs.verdict
                assert mine.adjusted_p_value == theirs.adjusted_p_value
                assert render(mine.message)
    b_at_risk = result.stages[0].groups[1].from_previous
    assert (b_at_risk.rate.successes, b_at_risk.rate.trials) == (600, 3000)
    assert (b_at_risk.reference_rate.successes, b_at_risk.reference_rate.trials) == (605, 6020)
    assert render(b_at_risk.message).startswith(
        "Group 'B' has a share that passed from 'population' to 'risk' of 20% (18.6%–21.5%; n = 3,000), "
        "1.99 times that of all other groups together (10%"
    )
    c_checked = result.stages[1].groups[2].from_previous
    assert c_checked.verdict is Verdict.TOO_FEW_CASES
    # three stages of distinct comparisons: 3 groups × (1 + 2)
    assert result.summary.comparisons == 9
    assert result.summary.tests_in_family == stages.tests_in_family
    assert result.stages[0].goodness_of_fit is not None


def _walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [item for child in value.values() for item in _walk(child)]
    if isinstance(value, list):
        return [item for child in value for item in _walk(child)]
    return [value]


def test_documents_hold_only_json_numbers_that_are_finite(analysis: BiasAnalysis) -> None:
    document = to_document(analysis, created=CREATED)
    for value in _walk(document):
        assert value is None or isinstance(value, str | int | float | bool)
    json.dumps(document, allow_nan=False)
