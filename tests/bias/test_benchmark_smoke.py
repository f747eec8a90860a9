"""The bias metrics benchmark runs end to end at a tiny size (the real figures are in docs/benchmarks.md)."""

import importlib.util
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest


def load_benchmark() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bias_metrics.py"
    spec = importlib.util.spec_from_file_location("bias_metrics_benchmark", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def benchmark() -> ModuleType:
    return load_benchmark()


def test_the_bias_metrics_benchmark_runs_with_tiny_numbers(benchmark: ModuleType) -> None:
    # when the benchmark runs on 5,000 rows, twice per contender, without the memory processes
    figures = benchmark.main(["--rows", "5000", "--repeats", "2", "--no-memory"])
    # then every contender was timed, ours equals MetricFrame and counted what polars counted
    (size,) = figures["sizes"]
    assert size["rows"] == 5000
    assert size["largest_difference"] == 0.0
    contenders = size["contenders"]
    assert set(contenders) == {
        benchmark.OURS_METRICS,
        benchmark.FAIRLEARN,
        benchmark.GROUP_BY_LAZY,
        benchmark.GROUP_BY_EAGER,
        benchmark.ANALYSIS,
    }
    assert len(contenders[benchmark.OURS_METRICS]["seconds"]) == 2
    assert len(contenders[benchmark.FAIRLEARN]["seconds"]) == 1
    assert size["speedup"] > 0 and size["analysis_over_group_by"] > 0
    # and the analysis judged 4 rates of 10 groups against the reference (9) and the rest (10)
    assert size["findings"] == 76 == sum(size["verdicts"].values())


def test_the_generated_data_is_seeded_and_has_the_stated_shape(benchmark: ModuleType) -> None:
    # when the same size is made twice
    first, second = benchmark.generate(20_000), benchmark.generate(20_000)
    # then it is the same data, with ten groups and a selection rate that rises with the group
    assert first.equals(second)
    assert first["group"].n_unique() == 10
    rates = first.group_by("group").agg(pl.col("selected").mean().alias("rate")).sort("group")["rate"]
    assert rates[0] < rates[9] and rates[9] - rates[0] > 0.1


def test_memory_is_measured_in_a_fresh_process(benchmark: ModuleType) -> None:
    # when the memory of the bare group-by is measured on 5,000 rows, with tracemalloc
    figures = benchmark.memory_in_child(benchmark.GROUP_BY_LAZY, 5000, True)
    # then the resident set size was read at the start and at its peak, and Python allocations traced
    assert 0 < figures["rss_start_mb"] <= figures["rss_peak_mb"]
    assert figures["traced_peak_mb"] is not None and figures["traced_peak_mb"] >= 0
