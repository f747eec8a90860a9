#!/usr/bin/env python3
"""Set up Algoreg in .venv and run it: ``python3 run.py demo`` or ``python3 run.py test``.

Needs only Python 3.11 or newer. The first run creates ``.venv/`` and installs the locked
dependencies from ``requirements.lock``; later runs reinstall only when the lock file changed.

  python3 run.py demo [--port 8000]     start the demo register on http://127.0.0.1:8000
  python3 run.py test [--postgres URL] [--no-checks]
                                        lint, type-check and run the test suite
                                        (--no-checks: the tests only, as CI does on its second database)
  python3 run.py lock                   re-resolve requirements.lock from pyproject.toml
"""

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".algoreg-installed"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    """Run a command and stop with its exit code when it fails."""
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_environment() -> None:
    """Create .venv and install the locked dependencies and Algoreg itself, when needed."""
    if sys.version_info < (3, 11):
        sys.exit("Algoreg needs Python 3.11 or newer.")
    if not PYTHON.exists():
        print("Creating .venv …", flush=True)
        venv.create(VENV, with_pip=True)
    lock = LOCK.read_bytes() if LOCK.exists() else b""
    wanted = hashlib.sha256(lock + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if lock:
        print("Installing the locked dependencies …", flush=True)
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", LOCK)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "-e", ".")
    STAMP.write_text(wanted)


def test(arguments: list[str]) -> None:
    """Lint, type-check and run the tests; ``--postgres [URL]`` runs them on PostgreSQL, and
    ``--no-checks`` leaves out linting and type-checking (they do not depend on the database)."""
    env = dict(os.environ)
    pytest_args = []
    checks = True
    iterator = iter(arguments)
    for argument in iterator:
        if argument == "--postgres":
            env["ALGOREG_TEST_DATABASE_URL"] = next(iterator, DEFAULT_POSTGRES)
        elif argument == "--no-checks":
            checks = False
        else:
            pytest_args.append(argument)
    if checks:
        run(BIN / "ruff", "check", "src", "tests", "benchmarks", "scripts", "run.py")
        run(BIN / "ruff", "format", "--check", "src", "tests", "benchmarks", "scripts", "run.py")
        run(BIN / "mypy")
    database = env.get("ALGOREG_TEST_DATABASE_URL", "SQLite")
    print(f"Running the tests on {database.split('@')[-1]} …", flush=True)
    run(BIN / "pytest", "-n", "2", *pytest_args, env=env)


def lock() -> None:
    """Resolve pyproject.toml's dependencies (with dev tools) in a clean environment and pin them."""
    with tempfile.TemporaryDirectory() as folder:
        builder = venv.EnvBuilder(with_pip=True)
        builder.create(folder)
        python = Path(folder) / BIN.name / PYTHON.name
        run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[dev]")
        frozen = subprocess.run(
            [python, "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    pins = [line for line in frozen.splitlines() if line and not line.startswith(("pip==", "setuptools=="))]
    LOCK.write_text(
        "# Locked with `python3 run.py lock`; installed by `python3 run.py`.\n" + "\n".join(pins) + "\n"
    )
    print(f"Pinned {len(pins)} packages in {LOCK.name}.")


def main() -> None:
    """Dispatch to the sub-command named on the command line."""
    command, *arguments = sys.argv[1:] or ["help"]
    if command == "lock":
        lock()
        return
    ensure_environment()
    if command == "demo":
        os.execv(BIN / "algoreg", [str(BIN / "algoreg"), "demo", *arguments])
    elif command == "test":
        test(arguments)
    else:
        print(__doc__)


if __name__ == "__main__":
    main()
