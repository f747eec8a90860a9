"""One analysis request for every kind of analysis: validated with field paths, run on any data source."""

from pathlib import Path

import polars as pl
import pytest

from algoreg.bias.analysis import analyse
from algoreg.bias.document import to_document
from algoreg.bias.requests import (
    AggregateRequest,
    DecisionsRequest,
    MonitoringRequest,
    request_of,
    run_request,
)
from algoreg.errors import InvalidInput

ROLES = {"protected": ["groep"], "outcome": "besluit"}


def problems_of(value: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        request_of(value)
    return {problem.field: problem.reason for problem in raised.value.problems}


def test_a_request_without_mode_analyses_decisions() -> None:
    request = request_of({"settings": {"roles": ROLES}})
    assert isinstance(request, DecisionsRequest)
    assert isinstance(
        request_of({"mode": "monitoring", "settings": {"roles": ROLES}, "period_column": "d"}),
        MonitoringRequest,
    )
    assert isinstance(request_of({"mode": "aggregate", "group": "g"}), AggregateRequest)


@pytest.mark.parametrize(
    ("value", "field", "words"),
    [
        ([], "request", "JSON object"),
        ({"mode": "raden"}, "mode", "must be one of"),
        ({"settings": {"roles": {"protected": ["groep"]}}}, "settings.roles.outcome", "outcome column"),
        ({"settings": {"roles": ROLES, "rates": ["guess"]}}, "settings.rates.0", "unknown rate"),
        ({"settings": {"roles": ROLES}, "extra": 1}, "extra", "Extra inputs"),
        (
            {"mode": "monitoring", "settings": {"roles": ROLES}, "period_column": "d", "period": "week"},
            "period",
            "month",
        ),
        ({"mode": "aggregate", "group": ""}, "group", "at least 1"),
        ({"mode": "aggregate", "group": "g", "stages": ["een"]}, "stages", "at least 2"),
        (
            {"mode": "aggregate", "group": "g", "judgement": {"tolerance": {"lower": 1.5, "upper": 2}}},
            "judgement.tolerance.lower",
            "lower < 1 < upper",
        ),
    ],
)
def test_every_problem_names_its_field_from_the_root(value: object, field: str, words: str) -> None:
    problems = problems_of(value)
    assert field in problems, problems
    assert words in problems[field]


def test_running_a_request_gives_the_same_document_as_the_library(tmp_path: Path) -> None:
    # given decision data in a file
    path = tmp_path / "besluiten.parquet"
    pl.DataFrame({"groep": ["a"] * 50 + ["b"] * 50, "besluit": [1, 0] * 25 + [0] * 50}).write_parquet(path)
    request = request_of({"settings": {"roles": ROLES, "min_group_size": 5}})

    # then the request's document has the body analyse() gives
    assert (
        run_request(str(path), request)["body"] == to_document(analyse(str(path), request.settings))["body"]
    )


def test_a_request_for_stage_counts_reads_long_layouts_in_the_order_given(tmp_path: Path) -> None:
    path = tmp_path / "fasen.csv"
    pl.DataFrame(
        {
            "g": ["a", "a", "b", "b"],
            "fase": ["controle", "start", "controle", "start"],
            "n": [20, 100, 5, 100],
        }
    ).write_csv(path)
    request = request_of(
        {
            "mode": "aggregate",
            "group": "g",
            "layout": "long",
            "stage_column": "fase",
            "count_column": "n",
            "stages": ["start", "controle"],
        }
    )
    body = run_request(str(path), request)["body"]
    assert body["stage_names"] == ["start", "controle"]
    assert body["counts"] == [[100, 20], [100, 5]]
