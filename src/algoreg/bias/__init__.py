"""Bias testing for non-discrimination by design.

The heavy work is one group-by aggregation pushed down to the data's own engine (polars, DuckDB,
pandas, Dask, PostgreSQL …, through narwhals); everything after it — metrics, disparities,
statistical tests, equivalence and power — runs on the small table of counts that it returns.

Modules:

* :mod:`.inputs` — decision data from files, databases and dataframes, with the column roles.
* :mod:`.counts` — the one aggregation into a table of counts per group.
* :mod:`.metrics` — rates per group and intersection, and disparities between groups.
* :mod:`.statistics` — intervals, tests, false-discovery control, equivalence and power.
* :mod:`.aggregate` — analysis when only counts per group per process stage exist.
* :mod:`.proxies` and :mod:`.origin` — features that stand in for a protected attribute, and
  columns that hold origin-related personal data.
* :mod:`.clustering` — unsupervised bias detection when no protected attribute is available.
* :mod:`.analysis` — the whole analysis of decision data in one call (settings in :mod:`.settings`,
  results in :mod:`.results`, plain-language sentences in :mod:`.messages`).
* :mod:`.monitoring` — the same analysis per period, and what changed in the latest one.
* :mod:`.document` — any of these analyses as a versioned, hashed JSON document for reports.
"""
