"""The harvest benchmark runs end to end with tiny numbers (the real figures are in docs/benchmarks.md)."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest


def load_benchmark() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "harvest.py"
    spec = importlib.util.spec_from_file_location("harvest_benchmark", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_harvest_benchmark_runs_with_tiny_numbers(database_url: str) -> None:
    # given the harvest benchmark, on the database the tests use
    benchmark = load_benchmark()
    database = "postgres" if database_url.startswith("postgresql") else "sqlite"
    postgres = ["--postgres-url", database_url] if database == "postgres" else []
    # when it harvests 12 simulated registers of 3 records each with 4 workers
    figures = benchmark.main(
        ["--registers", "12", "--records", "3", "--workers", "4", "--database", database, *postgres]
    )
    # then every record was fetched and harvested, and the re-harvest was all 304s
    phases = figures["phases"]
    assert figures["stored"] == 36
    assert phases["fetch only"]["records"] == 36 and phases["fetch only"]["requests"] == 24
    assert phases["first harvest"]["records"] == 36 and phases["first harvest"]["seconds"] > 0
    again = phases["re-harvest"]
    assert again["records"] == 0 and again["requests"] == 12 and again["not_modified"] == 12
    # and with several workers each source was visited exactly once per harvest
    assert [tuple(pair) for pair in figures["source_runs"]] == [(12, 12), (12, 12)]
    assert figures["reharvest_304_share"] == pytest.approx(1.0)
    assert phases["first harvest"]["rss_peak_mb"] > 0 and figures["harvest_over_fetch"] > 0
