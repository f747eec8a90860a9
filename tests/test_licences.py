"""Every locked dependency has a licence compatible with the EUPL-1.2."""

import re
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path

import pytest

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"

#: Permissive licences, and the copyleft ones the EUPL-1.2 names as compatible (MPL-2.0, LGPL).
COMPATIBLE = {
    "MIT", "MIT-0", "BSD", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "ISC", "PSF-2.0", "Python-2.0",
    "MPL-2.0", "LGPL-2.1", "LGPL-3.0", "LGPL-3.0-only", "LGPL-3.0-or-later", "EUPL-1.2", "Unlicense", "Zlib",
    "MIT-CMU",
    # Zope Public License 2.1: permissive, BSD-style (zope.event, zope.interface; gevent's, for locust)
    "ZPL-2.1",
}  # fmt: skip

_CLASSIFIERS = {
    "MIT License": "MIT",
    "BSD License": "BSD",
    "Apache Software License": "Apache-2.0",
    "ISC License (ISCL)": "ISC",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "Python Software Foundation License": "PSF-2.0",
    # Offered under a choice of licences (Pyphen: GPL-2.0+, LGPL-2.1+ or MPL-1.1); we take LGPL-2.1+.
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.1",
}
_FREE_TEXT = {"mit": "MIT", "mit license": "MIT", "bsd": "BSD", "bsd-3-clause": "BSD-3-Clause",
              "isc license": "ISC", "apache 2.0": "Apache-2.0", "apache-2.0": "Apache-2.0",
              "mpl-2.0": "MPL-2.0", "psf": "PSF-2.0"}  # fmt: skip


def licences_of(name: str) -> set[str]:
    """Return the SPDX-style licence names a distribution declares."""
    meta = metadata(name)
    found: set[str] = set()
    expression = meta.get("License-Expression")
    if expression:
        found |= {part for part in re.split(r"\s+(?:OR|AND)\s+|[()]", expression) if part}
    for classifier in meta.get_all("Classifier") or []:
        if classifier.startswith("License ::"):
            found.add(_CLASSIFIERS.get(classifier.split(" :: ")[-1], classifier))
    text = (meta.get("License") or "").strip().lower()
    if text in _FREE_TEXT:
        found.add(_FREE_TEXT[text])
    return found


def locked_packages() -> list[str]:
    return [line.split("==")[0] for line in LOCK.read_text().splitlines() if "==" in line]


@pytest.mark.parametrize("name", locked_packages())
def test_locked_dependency_is_compatible_with_the_eupl(name: str) -> None:
    try:
        licences = licences_of(name)
    except PackageNotFoundError:
        pytest.fail(f"{name} is locked but not installed; run `python3 run.py` to install the lock")
    assert licences & COMPATIBLE, f"{name} declares {sorted(licences) or 'no licence'}; check compatibility"
