"""The command line starts without the heavy libraries: each command imports what it uses when it runs.

Every check runs in a fresh Python process, since the test process itself has long imported them.
"""

import json
import os
import subprocess
import sys
import textwrap

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from algoreg.db.models import Organisation

#: Libraries that neither ``algoreg --help`` nor any command's help may load: the analyses' (polars,
#: SciPy, scikit-learn …), the reports' (Altair, WeasyPrint), the web app's and the database's.
HEAVY = (
    "sklearn",
    "scipy",
    "numpy",
    "polars",
    "pandas",
    "narwhals",
    "duckdb",
    "altair",
    "weasyprint",
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
)
#: What a command that only reads or writes the database (org, user, campaigns …) may not load.
ANALYSIS_AND_WEB = ("sklearn", "scipy", "polars", "pandas", "altair", "weasyprint", "fastapi", "uvicorn")

#: Run in a fresh process: run the statements, then print which of the names given are imported.
PROBE = textwrap.dedent(
    """
    import json, sys
    names = json.loads(sys.argv[1])
    {statements}
    print(json.dumps(sorted(name for name in names if name in sys.modules)))
    """
)

#: Statements that ask the help of the command line and of every group and command in it.
EVERY_HELP = textwrap.dedent(
    """
    import typer
    from typer.testing import CliRunner
    from algoreg.cli import app
    runner, failed, shown = CliRunner(), [], 0
    def walk(command, path):
        global shown
        result = runner.invoke(app, [*path, "--help"])
        shown += 1
        if result.exit_code != 0 or "Usage:" not in result.output:
            failed.append(" ".join(path) or "algoreg")
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])
    walk(typer.main.get_command(app), [])
    print(json.dumps({"shown": shown, "failed": failed}), file=sys.stderr)
    """
)


def loaded(statements: str, names: tuple[str, ...], env: dict[str, str] | None = None) -> list[str]:
    """The ``names`` among the modules imported after running ``statements`` in a new process."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(statements=statements), json.dumps(names)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stderr
    found: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    # when the command line's package is imported, as the 'algoreg' script does
    found = loaded("from algoreg.cli import app, main", HEAVY)

    # then none of the heavy libraries is
    assert found == []


def test_the_probe_sees_a_heavy_import() -> None:
    # given a module that needs scikit-learn at import time
    # when it is imported in the probe
    found = loaded("import algoreg.bias.clustering", HEAVY)

    # then the probe reports it, so an empty report above means something
    assert "sklearn" in found


def test_every_help_text_shows_without_the_heavy_libraries() -> None:
    # when the help of the command line and of every group and command is asked
    script = PROBE.format(statements=EVERY_HELP)
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    # then each is shown, and none of the heavy libraries was imported for it
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report["failed"] == []
    assert report["shown"] > 40, "every command of every group was asked"
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_a_database_command_loads_no_analysis_or_web_library(engine: Engine, database_url: str) -> None:
    # given the database of the tests
    run = textwrap.dedent(
        """
        from algoreg.cli import app
        for args in (["org", "create", "gm0001", "Gemeente Voorbeeld", "gemeente"], ["org", "list"]):
            try:
                app(args)
            except SystemExit as ended:
                assert ended.code in (0, None), (args, ended.code)
        """
    )

    # when an organisation is created and listed in one process
    found = loaded(run, ANALYSIS_AND_WEB, env={"ALGOREG_DATABASE_URL": database_url})

    # then the commands ran without the analysis, report or web libraries
    assert found == []
    with Session(engine) as session:
        assert session.scalars(select(Organisation.code)).all() == ["gm0001"]
