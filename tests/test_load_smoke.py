"""The load test runs end to end at a tiny size (the real figures are in docs/benchmarks.md)."""

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

KINDS = {
    "search page (HTML, words + facets)",
    "algorithm page (HTML)",
    "API list (JSON, filters + pages)",
    "API algorithm (JSON)",
}


def load_benchmark() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "load.py"
    spec = importlib.util.spec_from_file_location("load_benchmark", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def benchmark() -> ModuleType:
    return load_benchmark()


@pytest.mark.database  # the benchmark makes its databases beside the test database
def test_the_load_test_runs_tiny_with_zero_errors(benchmark: ModuleType) -> None:
    # given the database the tests run on (PostgreSQL also with two app processes)
    base = os.environ.get("ALGOREG_TEST_DATABASE_URL", "")
    database = "postgres" if base.startswith("postgresql") else "sqlite"
    arguments = ["--rows", "200", "--clients", "5", "--seconds", "5", "--health-seconds", "2"]
    # when the load test runs with 200 records and 5 clients for 5 seconds
    results = benchmark.main([*arguments, "--database", database, "--processes", "2"])
    # then every run answered every request of every kind, with zero errors
    runs = results[database]
    assert [(r["processes"], r["clients"]) for r in runs] == (
        [(1, 5), (2, 5)] if database == "postgres" else [(1, 5)]
    )
    for run in runs:
        assert run["failures"] == 0 and run["requests"] > 0
        assert set(run["kinds"]) == KINDS
        assert all(kind["requests"] > 0 and kind["failures"] == 0 for kind in run["kinds"].values())
        # and its figures are measured ones: a rate, a median no later than the p95, a ratio to /health
        assert run["rps"] > 0 and run["health_rps"] > 0
        assert 0 < run["median_ms"] <= run["p95_ms"]
        assert run["ratio"] == pytest.approx(run["rps"] / run["health_rps"])


def test_the_plan_asks_for_algorithms_that_exist_and_varied_searches(benchmark: ModuleType) -> None:
    # when the URLs for a register of 300 algorithms are made
    urls = benchmark.plan(300)
    # then every algorithm asked for is one of the 300, and searches differ
    ids = [int(url.rsplit("/", 1)[1]) for url in urls["algorithm"] + urls["api_algorithm"]]
    assert all(1 <= public_id <= 300 for public_id in ids)
    assert len(set(urls["search"])) > 100 and all(url.startswith("/?q=") for url in urls["search"])
    assert all(url.startswith("/api/v1/algorithms?") for url in urls["api_list"])


def test_a_failed_request_fails_the_load_test_after_printing_the_figures(
    benchmark: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a plan whose algorithms from the API, but for the warm-up's ten, do not exist
    make_plan = benchmark.plan

    def with_a_missing_algorithm(rows: int) -> dict[str, list[str]]:
        urls: dict[str, list[str]] = make_plan(rows)
        urls["api_algorithm"] = [*urls["api_algorithm"][:10], *["/api/v1/algorithms/99999999"] * 90]
        return urls

    monkeypatch.setattr(benchmark, "plan", with_a_missing_algorithm)
    # when the load test runs
    arguments = ["--rows", "100", "--clients", "3", "--seconds", "3", "--health-seconds", "2"]
    with pytest.raises(AssertionError, match="requests failed") as failed:
        benchmark.main([*arguments, "--database", "sqlite"])
    # then it names the failed requests, and printed the run's figures with their error count first
    assert "/api/v1/algorithms/99999999: status 404" in str(failed.value)
    printed = capsys.readouterr().out
    assert " errors | /health" in printed and " 0 errors | /health" not in printed
