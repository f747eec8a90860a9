"""Benchmark of unsupervised bias detection against Algorithm Audit's ``unsupervised-bias-detection``.

Generated data with a planted biased segment, in three kinds (numeric, mixed, categorical features).
For every seed both tools cluster the same fitting rows with the same settings, and we measure in
the same run:

* how often the top cluster recovers the planted segment: Jaccard index between the fitting rows in
  the top cluster and the fitting rows in the segment, recovered when ≥ 0.5;
* the time of one analysis: for the peer only its ``fit`` (timed inside its own process); for ours
  the whole ``bias_aware_clustering`` call, which also splits off and routes the held-out rows,
  tests the cluster on them and compares every feature (so ours is timed on more work);
* for ours, how often the held-out test is significant at 0.05.

Ours runs twice: with its defaults (the worst leaves merged into the top cluster) and as plain HBAC
(``merge_leaves=False``, the top leaf), which is what the peer does.

The peer, ``unsupervised-bias-detection`` 0.2.6 (EUPL-1.2), pins numpy<2, so it cannot share our
environment: it is installed once into ``benchmarks/.peer-venv`` (pip, from PyPI) and run there as a
subprocess; data and labels go through ``.npz``/``.npy`` files in a temporary folder.

Usage::

    .venv/bin/python benchmarks/bias_unsupervised.py [--rows 20000] [--seeds 20] [--kind all]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from algoreg.bias.clustering import ClusteringSettings, bias_aware_clustering

PEER_PACKAGE = "unsupervised-bias-detection"
PEER_VERSION = "0.2.6"
PEER_DIRECTORY = Path(__file__).resolve().parent / ".peer-venv"
PEER_PYTHON = PEER_DIRECTORY / "bin" / "python"
ERROR_IN_SEGMENT, ERROR_ELSEWHERE = 0.5, 0.1
MAX_ITERATIONS, MIN_CLUSTER_SHARE, HELD_OUT_SHARE = 20, 0.02, 0.5
OURS, OURS_PLAIN, PEER = (
    "ours (default: merged leaves)",
    "ours, plain HBAC (top leaf)",
    f"{PEER_PACKAGE} {PEER_VERSION}",
)

# Runs inside the peer's venv: fits the peer's public estimators on each file and times only `fit`.
PEER_RUNNER = """
import json, sys, time
import numpy as np
from unsupervised_bias_detection.cluster import BiasAwareHierarchicalKMeans, BiasAwareHierarchicalKModes

job = json.loads(open(sys.argv[1]).read())
estimator = BiasAwareHierarchicalKMeans if job["estimator"] == "kmeans" else BiasAwareHierarchicalKModes
extra = {"n_init": 3} if job["estimator"] == "kmeans" else {}
warm = np.load(job["items"][0]["data"])
warm_model = estimator(bahc_max_iter=2, bahc_min_cluster_size=10, random_state=0, **extra)
warm_model.fit(warm["X"][:500], warm["y"][:500])
results = {}
for item in job["items"]:
    data = np.load(item["data"])
    model = estimator(
        bahc_max_iter=job["max_iterations"], bahc_min_cluster_size=job["min_cluster_size"],
        random_state=item["seed"], **extra,
    )
    started = time.perf_counter()
    model.fit(data["X"], data["y"])
    seconds = time.perf_counter() - started
    top = int(np.argmax(model.scores_))
    np.save(item["labels"], np.asarray(model.labels_) == top)
    results[str(item["seed"])] = {"seconds": seconds, "clusters": int(model.n_clusters_)}
open(job["results"], "w").write(json.dumps(results))
"""


# --- generated data ------------------------------------------------------------------------------------


def numeric_data(rows: int, seed: int) -> tuple[pl.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x1, x2, x3 = rng.normal(size=(3, rows))
    segment = (x1 > 0.5) & (x2 > 0.5)
    return pl.DataFrame({"x1": x1, "x2": x2, "x3": x3}), segment


def mixed_data(rows: int, seed: int) -> tuple[pl.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(2, rows))
    cat = rng.choice(["A", "B", "C"], size=rows)
    segment = (x1 > 0.5) & (cat == "B")
    return pl.DataFrame({"x1": x1, "x2": x2, "cat": cat}), segment


def categorical_data(rows: int, seed: int) -> tuple[pl.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    c1 = rng.choice(["A", "B", "C"], size=rows)
    c2 = rng.choice(["P", "Q", "R", "S"], size=rows)
    c3 = rng.choice(["X", "Y"], size=rows)
    segment = (c1 == "B") & (c2 == "P")
    return pl.DataFrame({"c1": c1, "c2": c2, "c3": c3}), segment


@dataclass(frozen=True)
class Kind:
    name: str
    features: str
    segment: str
    make: Callable[[int, int], tuple[pl.DataFrame, np.ndarray]]
    peer: str  # the peer's estimator: "kmeans" or "kmodes"
    peer_encoding: str


KINDS = {
    "numeric": Kind(
        "numeric",
        "x1, x2, x3 ~ N(0, 1)",
        "x1 > 0.5 and x2 > 0.5 (9.5 %)",
        numeric_data,
        "kmeans",
        "k-means on the standardised features",
    ),
    "mixed": Kind(
        "mixed",
        "x1, x2 ~ N(0, 1); cat uniform over A, B, C",
        "x1 > 0.5 and cat = B (10.3 %)",
        mixed_data,
        "kmeans",
        "k-means on standardised x1, x2 and cat one-hot",
    ),
    "categorical": Kind(
        "categorical",
        "c1 uniform over A-C, c2 over P-S, c3 over X-Y",
        "c1 = B and c2 = P (8.3 %)",
        categorical_data,
        "kmodes",
        "k-modes on the category codes",
    ),
}


def with_errors(frame: pl.DataFrame, segment: np.ndarray, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(10_000 + seed)
    error = rng.random(frame.height) < np.where(segment, ERROR_IN_SEGMENT, ERROR_ELSEWHERE)
    return frame.with_columns(error=pl.Series(error.astype(np.int64)))


def peer_matrix(frame: pl.DataFrame, fit: np.ndarray, kind: Kind) -> np.ndarray:
    """The fitting rows as the peer takes them: numbers only (standardised, one-hot or codes)."""
    columns = []
    for name in frame.columns:
        series = frame[name]
        if series.dtype.is_numeric():
            values = series.to_numpy()[fit].astype(np.float64)
            columns.append(((values - values.mean()) / values.std())[:, None])
        elif kind.peer == "kmeans":
            values = series.to_numpy()[fit]
            columns.append(
                np.column_stack([(values == value).astype(np.float64) for value in sorted(set(values))])
            )
        else:
            codes = series.rank("dense").to_numpy()[fit].astype(np.int64)
            columns.append(codes[:, None])
    return np.hstack(columns)


def jaccard(found: np.ndarray, planted: np.ndarray) -> float:
    return float((found & planted).sum() / (found | planted).sum())


# --- the peer's environment ----------------------------------------------------------------------------


def ensure_peer() -> Path:
    """The peer's venv python, creating the venv and installing the peer the first time."""
    probe = [str(PEER_PYTHON), "-c", f"import importlib.metadata as m; print(m.version('{PEER_PACKAGE}'))"]
    if PEER_PYTHON.exists():
        found = subprocess.run(probe, capture_output=True, text=True, check=False)
        if found.returncode == 0 and found.stdout.strip() == PEER_VERSION:
            return PEER_PYTHON
    print(f"installing {PEER_PACKAGE}=={PEER_VERSION} into {PEER_DIRECTORY} (once)")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEER_DIRECTORY)], check=True)
    subprocess.run(
        [str(PEER_PYTHON), "-m", "pip", "install", "--quiet", f"{PEER_PACKAGE}=={PEER_VERSION}"], check=True
    )
    return PEER_PYTHON


# --- one kind of data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    kind: str
    tool: str
    recovered: int
    runs: int
    median_jaccard: float
    significant: int | None
    median_seconds: float
    total_seconds: float


@dataclass
class Tally:
    jaccards: list[float]
    seconds: list[float]
    significant: list[bool]

    def row(self, kind: str, tool: str) -> Row:
        return Row(
            kind=kind,
            tool=tool,
            recovered=sum(value >= 0.5 for value in self.jaccards),
            runs=len(self.jaccards),
            median_jaccard=statistics.median(self.jaccards),
            significant=sum(self.significant) if self.significant else None,
            median_seconds=statistics.median(self.seconds),
            total_seconds=sum(self.seconds),
        )


def run_kind(kind: Kind, rows: int, seeds: int, peer_python: Path, folder: Path) -> list[Row]:
    ours, plain, peer = Tally([], [], []), Tally([], [], []), Tally([], [], [])
    warm_frame, warm_segment = kind.make(2000, 999)
    bias_aware_clustering(with_errors(warm_frame, warm_segment, 999), "error", higher_is_worse=True)
    items, truths = [], {}
    for seed in range(seeds):
        features, segment = kind.make(rows, seed)
        frame = with_errors(features, segment, seed)
        fit = np.zeros(rows, dtype=np.bool_)
        for tally, merge in ((ours, True), (plain, False)):
            settings = ClusteringSettings(
                max_iterations=MAX_ITERATIONS,
                min_cluster_size=MIN_CLUSTER_SHARE,
                held_out_share=HELD_OUT_SHARE,
                seed=seed,
                merge_leaves=merge,
            )
            started = time.perf_counter()
            result = bias_aware_clustering(frame, "error", higher_is_worse=True, settings=settings)
            tally.seconds.append(time.perf_counter() - started)
            fit = ~result.held_out.to_numpy()
            top = result.labels.to_numpy() == 0
            tally.jaccards.append(jaccard(top[fit], segment[fit]))
            tally.significant.append(result.test is not None and result.test.significant)
        data = folder / f"{kind.name}-{seed}.npz"
        # the peer flags low values as bias: its metric is 1 - error
        np.savez(data, X=peer_matrix(features, fit, kind), y=1.0 - frame["error"].to_numpy()[fit])
        items.append(
            {"seed": seed, "data": str(data), "labels": str(folder / f"{kind.name}-{seed}-labels.npy")}
        )
        truths[seed] = segment[fit]
    job = folder / f"{kind.name}.json"
    results = folder / f"{kind.name}-results.json"
    min_cluster_size = int(np.ceil(MIN_CLUSTER_SHARE * (rows - round(rows * HELD_OUT_SHARE))))
    job.write_text(
        json.dumps(
            {
                "estimator": kind.peer,
                "max_iterations": MAX_ITERATIONS,
                "min_cluster_size": min_cluster_size,
                "items": items,
                "results": str(results),
            }
        )
    )
    runner = folder / "peer_runner.py"
    runner.write_text(PEER_RUNNER)
    # ours keeps k-means to one OpenMP thread; the peer gets the same, else its many small fits
    # spin on a busy two-core machine
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([str(peer_python), str(runner), str(job)], check=True, env=environment)
    measured = json.loads(results.read_text())
    for item in items:
        seed = int(str(item["seed"]))
        top = np.load(str(item["labels"]))
        peer.jaccards.append(jaccard(top, truths[seed]))
        peer.seconds.append(float(measured[str(seed)]["seconds"]))
    return [
        ours.row(kind.name, OURS),
        plain.row(kind.name, OURS_PLAIN),
        peer.row(kind.name, PEER),
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows per generated data set")
    parser.add_argument("--seeds", type=int, default=20, help="data sets (and seeds) per kind")
    parser.add_argument("--kind", choices=(*KINDS, "all"), default="all")
    args = parser.parse_args(argv)
    peer_python = ensure_peer()
    kinds = list(KINDS.values()) if args.kind == "all" else [KINDS[args.kind]]
    fitting = args.rows - round(args.rows * HELD_OUT_SHARE)
    print(
        f"{args.rows:,} rows per data set, {args.seeds} seeds; errors at {ERROR_IN_SEGMENT} in the planted "
        f"segment, {ERROR_ELSEWHERE} elsewhere. Both tools cluster the same {fitting:,} fitting rows "
        f"(held-out share {HELD_OUT_SHARE}) with at most {MAX_ITERATIONS} iterations and a minimum cluster "
        f"size of {MIN_CLUSTER_SHARE:.0%} of them ({int(np.ceil(MIN_CLUSTER_SHARE * fitting))} rows). "
        "Recovered: Jaccard ≥ 0.5 between the top cluster and the segment on the fitting rows."
    )
    for kind in kinds:
        print(f"  {kind.name}: {kind.features}; segment {kind.segment}; peer: {kind.peer_encoding}")
    table: list[Row] = []
    with tempfile.TemporaryDirectory() as directory:
        for kind in kinds:
            table.extend(run_kind(kind, args.rows, args.seeds, peer_python, Path(directory)))
    print()
    print(
        "| data | tool | recovered | median Jaccard | held-out test significant | median time | total time |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in table:
        significant = "–" if row.significant is None else f"{row.significant}/{row.runs}"
        print(
            f"| {row.kind} | {row.tool} | {row.recovered}/{row.runs} | {row.median_jaccard:.2f} "
            f"| {significant} | {row.median_seconds:.3f} s | {row.total_seconds:.1f} s |"
        )
    print()
    for kind in kinds:
        ours = next(row for row in table if row.kind == kind.name and row.tool == OURS)
        peer = next(row for row in table if row.kind == kind.name and row.tool == PEER)
        print(
            f"{kind.name}: median time peer / ours = {peer.median_seconds / ours.median_seconds:.2f}; "
            f"recovered ours {ours.recovered}/{ours.runs}, peer {peer.recovered}/{peer.runs}"
        )
    return table


if __name__ == "__main__":
    main()
