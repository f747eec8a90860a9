"""Benchmark of the bias metrics against Fairlearn's MetricFrame and a bare polars group-by.

Generated decision data (seeded): a 10-group protected attribute of unequal group sizes, a true
label and a selection whose rates differ by group. For every size in ``--rows`` it measures, in
the same run and on the same polars frame:

* **ours, metrics**: the path a user takes for the selection, true positive and false positive
  rate per group: :func:`~algoreg.bias.counts.count_table` on the polars frame, then
  :func:`~algoreg.bias.metrics.group_metrics` for the attribute;
* **Fairlearn** (only up to ``--fairlearn-max-rows``, once per size, it takes seconds):
  ``MetricFrame(metrics={selection_rate, true_positive_rate, false_positive_rate}, y_true, y_pred,
  sensitive_features)`` and reading ``.by_group``, on NumPy arrays made beforehand (not timed).
  Its values must equal ours: the largest absolute difference is printed and checked;
* **polars group-by** (the peer of the full analysis): ``group_by([group, selected, label]).len()``
  on the same frame, lazily collected and eagerly; the ratio is taken against the faster;
* **ours, full analysis**: :func:`~algoreg.bias.analysis.analyse` — the table of counts, the
  metrics per group, and for every group and rate (selection rate, true and false positive rate,
  precision) against the reference group and against the rest: Wilson intervals, difference and
  ratio with intervals, the test of equal rates, Benjamini–Hochberg over all tests, equivalence,
  power and a verdict.

Times are the median of ``--repeats`` runs after one warm-up (MetricFrame: one run after a warm-up
on 1,000 rows), the contenders taking turns. Memory is measured apart, in a fresh process per
contender and size, so that one contender's freed memory cannot hide another's: the resident set
size once the data is made (after a warm-up on 1,000 rows, so that imports are not counted), and
its high-water mark during one run (the kernel's ``VmHWM``, reset before the run; also sampled
every 5 ms); with ``--tracemalloc`` also the peak of traced Python allocations (NumPy's and
pandas' included, polars' own Rust allocations not).

Usage::

    .venv/bin/python benchmarks/bias_metrics.py [--rows 1000000 10000000] [--repeats 5] \
        [--skip-fairlearn] [--no-memory] [--tracemalloc]
"""

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fairlearn
import numpy as np
import pandas as pd
import polars as pl
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate

from algoreg.bias.analysis import AnalysisSettings, BiasAnalysis, analyse
from algoreg.bias.counts import count_table
from algoreg.bias.inputs import ColumnRoles
from algoreg.bias.metrics import GroupingMetrics, group_metrics

SEED = 2024
GROUP_NAMES = tuple(f"group {index:02d}" for index in range(10))
GROUP_WEIGHTS = np.linspace(1.0, 3.0, len(GROUP_NAMES)) / np.linspace(1.0, 3.0, len(GROUP_NAMES)).sum()
BASE_RATES = 0.30 + 0.03 * np.arange(len(GROUP_NAMES))
SELECTED_IF_POSITIVE = 0.60 + 0.02 * np.arange(len(GROUP_NAMES))
SELECTED_IF_NEGATIVE = 0.10 + 0.02 * np.arange(len(GROUP_NAMES))
RATES = ("selection_rate", "true_positive_rate", "false_positive_rate")
KEYS = ["group", "selected", "label"]
ROLES = ColumnRoles(protected=["group"], outcome="selected", label="label")
SETTINGS = AnalysisSettings(
    roles=ROLES, groupings=[{"attributes": ["group"]}], compare_with=("reference", "rest")
)
SPEEDUP_TARGET = 500.0  # ours against MetricFrame, at 1,000,000 rows
RATIO_TARGET = 2.0  # the full analysis against the polars group-by, at 10,000,000 rows

OURS_METRICS, FAIRLEARN, GROUP_BY_LAZY, GROUP_BY_EAGER, ANALYSIS = (
    "ours, metrics",
    "Fairlearn MetricFrame",
    "polars group-by (lazy)",
    "polars group-by (eager)",
    "ours, full analysis",
)


# --- generated data -------------------------------------------------------------------------------------


def generate(rows: int, seed: int = SEED) -> pl.DataFrame:
    """``rows`` decisions: group (text), label (0/1) and selected (0/1), always the same for a seed."""
    rng = np.random.default_rng(seed)
    group = rng.choice(len(GROUP_NAMES), size=rows, p=GROUP_WEIGHTS)
    label = rng.random(rows) < BASE_RATES[group]
    chance = np.where(label, SELECTED_IF_POSITIVE[group], SELECTED_IF_NEGATIVE[group])
    selected = rng.random(rows) < chance
    names = pl.Series("group", GROUP_NAMES, dtype=pl.String)
    return pl.DataFrame(
        {
            "group": names.gather(pl.Series(group.astype(np.uint32))),
            "label": label.astype(np.int8),
            "selected": selected.astype(np.int8),
        }
    )


def describe_data() -> str:
    """The generator in words, for the output."""
    shares = ", ".join(f"{share:.1%}" for share in GROUP_WEIGHTS)
    return (
        f"seed {SEED}; {len(GROUP_NAMES)} groups ('group 00' … 'group 09', text) with shares {shares}; "
        "group g (0–9) has base rate P(label=1) = 0.30 + 0.03·g, and P(selected | label=1) = 0.60 + 0.02·g, "
        "P(selected | label=0) = 0.10 + 0.02·g (a disparity of 0.18 in both from group 00 to group 09)"
    )


# --- the contenders -------------------------------------------------------------------------------------


def ours_metrics(frame: pl.DataFrame) -> GroupingMetrics:
    """Selection, true and false positive rate per group, as a user computes them with Algoreg."""
    return group_metrics(count_table(frame, ROLES), ["group"])


def fairlearn_by_group(y_true: np.ndarray, y_pred: np.ndarray, sensitive: np.ndarray) -> pd.DataFrame:
    """The same rates per group, as a user computes them with Fairlearn."""
    frame = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "true_positive_rate": true_positive_rate,
            "false_positive_rate": false_positive_rate,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=sensitive,
    )
    by_group: pd.DataFrame = frame.by_group
    return by_group


def group_by_lazy(frame: pl.DataFrame) -> pl.DataFrame:
    """The bare polars group-by of the same counts, lazily collected."""
    return frame.lazy().group_by(KEYS).len().collect()


def group_by_eager(frame: pl.DataFrame) -> pl.DataFrame:
    """The bare polars group-by of the same counts, on the frame itself."""
    return frame.group_by(KEYS).len()


def full_analysis(frame: pl.DataFrame) -> BiasAnalysis:
    """The whole analysis with its statistics, as a user runs it with Algoreg."""
    return analyse(frame, SETTINGS)


def fairlearn_inputs(frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The arrays MetricFrame takes: y_true, y_pred and the sensitive feature."""
    return frame["label"].to_numpy(), frame["selected"].to_numpy(), frame["group"].to_numpy()


# --- checks -------------------------------------------------------------------------------------------


def largest_difference(ours: GroupingMetrics, theirs: pd.DataFrame) -> float:
    """The largest absolute difference between our rates and Fairlearn's, over every group and rate."""
    groups = [found.group[0] for found in ours.groups]
    if groups != sorted(str(name) for name in theirs.index):
        raise AssertionError(f"the groups differ: ours {groups}, Fairlearn's {list(theirs.index)}")
    largest = 0.0
    for found in ours.groups:
        for name in RATES:
            rate = found.rates.get(name)
            if rate is None or rate.value is None:
                raise AssertionError(f"no {name} for {found.group}")
            value = theirs.loc[found.group[0], name]
            assert isinstance(value, float), value
            largest = max(largest, abs(rate.value - value))
    return largest


def check_counts(ours: GroupingMetrics, counted: pl.DataFrame, analysis: BiasAnalysis, rows: int) -> None:
    """Ours, the full analysis and the polars group-by count the same rows per group and cell."""
    if counted["len"].sum() != rows or ours.overall.counts.n != rows or analysis.data.rows_counted != rows:
        raise AssertionError("the contenders did not count every row")
    cells = {
        (str(row["group"]), int(row["selected"]), int(row["label"])): int(row["len"])
        for row in counted.iter_rows(named=True)
    }
    for found in ours.groups:
        name, counts = found.group[0], found.counts
        expected = {(1, 1): counts.tp, (1, 0): counts.fp, (0, 1): counts.fn, (0, 0): counts.tn}
        for (selected, label), count in expected.items():
            if cells.get((name, selected, label), 0) != count:
                raise AssertionError(f"{name}: selected {selected}, label {label}: {count} against {cells}")
    grouping = analysis.groupings[0]
    if [group.counts.n for group in grouping.groups] != [found.counts.n for found in ours.groups]:
        raise AssertionError("the full analysis counted other group sizes than the metrics")
    tested = 4 * (len(GROUP_NAMES) - 1 + len(GROUP_NAMES))
    if len(analysis.findings) != tested:
        raise AssertionError(f"expected {tested} findings, got {len(analysis.findings)}")


# --- timing ---------------------------------------------------------------------------------------------


def timed_turns(contenders: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Run every contender once to warm up, then ``repeats`` times each, taking turns; seconds per run."""
    for work in contenders.values():
        work()
    seconds: dict[str, list[float]] = {name: [] for name in contenders}
    for turn in range(repeats):
        names = list(contenders)
        order = names[turn % len(names) :] + names[: turn % len(names)]
        for name in order:
            started = time.perf_counter()
            contenders[name]()
            seconds[name].append(time.perf_counter() - started)
    return seconds


# --- memory, each contender in a fresh process ---------------------------------------------------------


def rss_bytes() -> int:
    """The resident set size of this process now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def reset_high_water_mark() -> bool:
    """Reset the kernel's peak resident set size of this process (Linux 4.0 and later)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def high_water_mark_bytes() -> int:
    """The kernel's peak resident set size of this process (since the last reset)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def contender_on(contender: str, frame: pl.DataFrame) -> Callable[[], object]:
    """One run of the named contender on ``frame`` (MetricFrame's inputs are made here, not in the run)."""
    if contender == FAIRLEARN:
        y_true, y_pred, sensitive = fairlearn_inputs(frame)
        return lambda: fairlearn_by_group(y_true, y_pred, sensitive)
    chosen = {
        OURS_METRICS: ours_metrics,
        GROUP_BY_LAZY: group_by_lazy,
        GROUP_BY_EAGER: group_by_eager,
        ANALYSIS: full_analysis,
    }[contender]
    return lambda: chosen(frame)


def measure_memory(contender: str, rows: int, trace: bool) -> dict[str, Any]:
    """Make the data, then run one contender once, measuring memory; run in a fresh process.

    The contender first runs once on 1,000 rows, so that what it imports and sets up on first use is
    not counted as memory for the data.
    """
    contender_on(contender, generate(1000))()
    work = contender_on(contender, generate(rows))
    gc.collect()
    start = rss_bytes()
    exact = reset_high_water_mark()
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.005):
            peak[0] = max(peak[0], rss_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        work()
    finally:
        done.set()
        sampler.join(timeout=5)
    sampled = max(peak[0], rss_bytes())
    figures: dict[str, Any] = {
        "rss_start_mb": start / 2**20,
        "rss_peak_mb": (max(high_water_mark_bytes(), sampled) if exact else sampled) / 2**20,
        "rss_sampled_peak_mb": sampled / 2**20,
        "high_water_mark_reset": exact,
        "traced_peak_mb": None,
    }
    if trace:
        gc.collect()
        tracemalloc.start()
        try:
            work()
            figures["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
    return figures


def memory_in_child(contender: str, rows: int, trace: bool) -> dict[str, Any]:
    """:func:`measure_memory` in a fresh Python process; its figures."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--memory-child",
        contender,
        "--rows",
        str(rows),
    ]
    if trace:
        command.append("--tracemalloc")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"measuring the memory of {contender} failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# --- one size -------------------------------------------------------------------------------------------


@dataclass
class Measured:
    """What one contender took at one size."""

    name: str
    seconds: list[float]
    memory: dict[str, Any] | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def time_contenders(
    frame: pl.DataFrame, args: argparse.Namespace, figures: dict[str, Any]
) -> tuple[dict[str, Measured], BiasAnalysis]:
    """Time every contender on ``frame`` and check that they agree; the times and our analysis."""
    fast = (OURS_METRICS, GROUP_BY_LAZY, GROUP_BY_EAGER, ANALYSIS)
    timed = timed_turns({name: contender_on(name, frame) for name in fast}, args.repeats)
    measured = {name: Measured(name, seconds) for name, seconds in timed.items()}
    ours, analysis, counted = ours_metrics(frame), full_analysis(frame), group_by_lazy(frame)
    check_counts(ours, counted, analysis, frame.height)
    if not args.skip_fairlearn and frame.height <= args.fairlearn_max_rows:
        fairlearn_by_group(*fairlearn_inputs(generate(1000)))  # warm-up, as for the others
        y_true, y_pred, sensitive = fairlearn_inputs(frame)
        started = time.perf_counter()
        theirs = fairlearn_by_group(y_true, y_pred, sensitive)
        measured[FAIRLEARN] = Measured(FAIRLEARN, [time.perf_counter() - started])
        difference = largest_difference(ours, theirs)
        figures["largest_difference"] = difference
        print(f"  largest absolute difference between our rates and MetricFrame's: {difference:.3g}")
        if difference > 1e-12:
            raise AssertionError(f"our rates differ from MetricFrame's by up to {difference}")
    return measured, analysis


def run_size(rows: int, args: argparse.Namespace) -> dict[str, Any]:
    """Measure every contender on ``rows`` generated rows; return the figures."""
    started = time.perf_counter()
    frame = generate(rows)
    made = time.perf_counter() - started
    print(f"\n{rows:,} rows: data made in {made:.1f} s, {frame.estimated_size() / 2**20:.0f} MB", flush=True)
    figures: dict[str, Any] = {"rows": rows, "data_seconds": made}
    measured, analysis = time_contenders(frame, args, figures)
    del frame  # the memory processes make their own
    gc.collect()
    if not args.no_memory:
        for name, found in measured.items():
            found.memory = memory_in_child(name, rows, args.tracemalloc)
    verdicts: dict[str, int] = {}
    for finding in analysis.findings:
        verdicts[str(finding.verdict)] = verdicts.get(str(finding.verdict), 0) + 1
    peer = min(measured[GROUP_BY_LAZY].median, measured[GROUP_BY_EAGER].median)
    figures |= {
        "contenders": {
            name: {"median_seconds": found.median, "seconds": found.seconds, "memory": found.memory}
            for name, found in measured.items()
        },
        "analysis_over_group_by": measured[ANALYSIS].median / peer,
        "metrics_over_group_by": measured[OURS_METRICS].median / peer,
        "findings": len(analysis.findings),
        "verdicts": verdicts,
    }
    if FAIRLEARN in measured:
        figures["speedup"] = measured[FAIRLEARN].median / measured[OURS_METRICS].median
        figures["analysis_speedup"] = measured[FAIRLEARN].median / measured[ANALYSIS].median
    print_size(figures, measured)
    return figures


def print_size(figures: dict[str, Any], measured: dict[str, Measured]) -> None:
    """The figures of one size, as a table and a few sentences."""
    print("  | contender | median time | runs | RSS at start → peak | traced peak |")
    print("  |---|---:|---:|---:|---:|")
    for name in (FAIRLEARN, OURS_METRICS, GROUP_BY_LAZY, GROUP_BY_EAGER, ANALYSIS):
        if name not in measured:
            continue
        found = measured[name]
        memory, rss, traced = found.memory, "–", "–"
        if memory is not None:
            rss = f"{memory['rss_start_mb']:.0f} → {memory['rss_peak_mb']:.0f} MB"
            rss += f" (+{memory['rss_peak_mb'] - memory['rss_start_mb']:.0f})"
            if memory["traced_peak_mb"] is not None:
                traced = f"{memory['traced_peak_mb']:.1f} MB"
        print(f"  | {name} | {seconds_text(found.median)} | {len(found.seconds)} | {rss} | {traced} |")
    rows = figures["rows"]
    if "speedup" in figures:
        target = "met" if figures["speedup"] >= SPEEDUP_TARGET else "NOT met"
        print(
            f"  MetricFrame / ours (metrics): {figures['speedup']:,.0f}× "
            f"(target ≥ {SPEEDUP_TARGET:.0f}× at 1,000,000 rows: {target if rows == 1_000_000 else 'n/a'}); "
            f"MetricFrame / ours (full analysis): {figures['analysis_speedup']:,.0f}×"
        )
    ratio = figures["analysis_over_group_by"]
    target = "met" if ratio <= RATIO_TARGET else "NOT met"
    print(
        f"  full analysis / fastest polars group-by: {ratio:.2f}× "
        f"(target ≤ {RATIO_TARGET:.0f}× at 10,000,000 rows: {target if rows == 10_000_000 else 'n/a'}); "
        f"metrics / group-by: {figures['metrics_over_group_by']:.2f}×"
    )
    print(f"  the analysis made {figures['findings']} findings: {figures['verdicts']}", flush=True)


def seconds_text(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[1_000_000, 10_000_000], help="sizes to measure, in rows"
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of the fast contenders (median)")
    parser.add_argument("--skip-fairlearn", action="store_true", help="leave MetricFrame out (quick runs)")
    parser.add_argument(
        "--fairlearn-max-rows", type=int, default=1_000_000, help="run MetricFrame only up to this size"
    )
    parser.add_argument("--no-memory", action="store_true", help="leave out the memory measurements")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child is not None:
        print(json.dumps(measure_memory(args.memory_child, args.rows[0], args.tracemalloc)))
        return {}
    if min(args.rows) < 1000 or args.repeats < 1:
        parser.error("--rows must be at least 1000 and --repeats at least 1")
    print(f"Generated data: {describe_data()}.")
    print(
        f"Python {sys.version.split()[0]}, polars {pl.__version__}, pandas {pd.__version__}, "
        f"NumPy {np.__version__}, {os.cpu_count()} CPU cores; median of {args.repeats} runs "
        "(MetricFrame: one run)."
    )
    if not args.skip_fairlearn:
        print(f"Fairlearn {fairlearn.__version__}, up to {args.fairlearn_max_rows:,} rows.")
    sizes = [run_size(rows, args) for rows in args.rows]
    return {"sizes": sizes}


if __name__ == "__main__":
    main()
