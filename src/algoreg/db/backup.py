"""Backups of the whole database, and restoring them: SQLite and PostgreSQL.

* SQLite is copied with SQLite's online backup API in one step: a consistent snapshot taken
  while the server goes on reading and writing (WAL mode lets writers continue meanwhile). The
  copy is one self-contained file (no ``-wal`` beside it).
* PostgreSQL is dumped with ``pg_dump --format=custom`` and restored with ``pg_restore --clean
  --if-exists --no-owner`` in one transaction. The URL is handed to them in libpq form WITHOUT its
  password, which goes through the ``PGPASSWORD`` variable of the child process only: it never
  appears on a command line, in output or in an error message.

A backup is written to a temporary file beside the target and renamed into place when complete,
so a failed backup never leaves a half-written file under the target's name. A restore refuses a
file that is not a backup of the database's own kind, and a database that already holds data
unless asked to replace it; afterwards the database is migrated to the newest schema.
"""

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, exists, inspect, select
from sqlalchemy.engine import URL, make_url

from algoreg.db.migrate import migrate
from algoreg.db.models import Base
from algoreg.db.session import make_engine
from algoreg.errors import AlgoregError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"

#: Tables whose rows do not make a database "hold data": the instance's own key is made on first start.
_NOT_DATA = frozenset({"instance_setting"})

#: A table in ``pg_restore --list`` output: "215; 1259 16390 TABLE public algorithm owner".
_LISTED_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )\S+ (\S+)(?: |$)", re.MULTILINE)

#: How long pg_dump or pg_restore may take before the command gives up, in seconds.
TOOL_TIMEOUT = 6 * 3600


class BackupError(AlgoregError):
    """A backup or restore could not be made; nothing was replaced."""


class BackupKind(StrEnum):
    """The kind of database a backup holds."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


@dataclass(frozen=True)
class BackupResult:
    """A finished backup: its kind, where it is and how large."""

    kind: BackupKind
    path: Path
    size: int


@dataclass(frozen=True)
class RestoreResult:
    """A finished restore: the kind of database and the tables that held data before (replaced)."""

    kind: BackupKind
    replaced: tuple[str, ...]


def kind_of_url(url: str | URL) -> BackupKind:
    """Return the kind of the database at ``url``; other databases are refused."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return BackupKind.SQLITE
    if backend == "postgresql":
        return BackupKind.POSTGRESQL
    raise BackupError(f"Backups work for SQLite and PostgreSQL databases; this one is '{backend}'.")


def kind_of_file(path: Path) -> BackupKind | None:
    """Return the kind of backup ``path`` holds, judged by its first bytes, or ``None``."""
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return BackupKind.SQLITE
    if head.startswith(PG_DUMP_MAGIC):
        return BackupKind.POSTGRESQL
    return None


def libpq_connection(url: str | URL) -> tuple[str, dict[str, str]]:
    """Return a PostgreSQL URL as a libpq connection string without password, and the password's env.

    The second value is ``{"PGPASSWORD": …}`` when the URL has a password, else empty; query
    parameters of the URL (``sslmode``, ``host`` of a socket folder …) are kept.
    """
    parsed = make_url(url)
    params: dict[str, str] = {}
    for key, value in parsed.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    if parsed.host:
        params["host"] = parsed.host
    if parsed.port:
        params["port"] = str(parsed.port)
    if parsed.username:
        params["user"] = parsed.username
    if parsed.database:
        params["dbname"] = parsed.database
    params.pop("password", None)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return make_conninfo(**params), env


def _sqlite_path(url: str | URL) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"Backups need a SQLite database in a file; the URL names '{database or ''}'.")
    return Path(database)


def _partial(target: Path) -> Path:
    return target.with_name(f".{target.name}.partial-{os.getpid()}")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client tools of the server's major "
            "version (Debian: postgresql-client)."
        )
    return found


def _run_tool(args: list[str], env: Mapping[str, str], secret: str | None) -> str:
    """Run a PostgreSQL client tool; return its standard output or raise with its (scrubbed) errors."""
    try:
        done = subprocess.run(  # noqa: S603 (the tool's full path and our own arguments)
            args,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=TOOL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{Path(args[0]).name} did not finish within {TOOL_TIMEOUT} seconds.") from None
    if done.returncode != 0:
        message = done.stderr.strip() or f"exit code {done.returncode}"
        if secret:
            message = message.replace(secret, "***")
        raise BackupError(f"{Path(args[0]).name} failed: {message}")
    return done.stdout


def backup(url: str | URL, target: Path, overwrite: bool = False) -> BackupResult:
    """Write a complete, consistent backup of the database at ``url`` to ``target``.

    Safe while the server runs. ``target`` must not exist unless ``overwrite``; it is replaced
    only once the backup is complete.
    """
    kind = kind_of_url(url)
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists already; choose another file or add --force to replace it.")
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give the name of the backup file to write.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    partial = _partial(target)
    try:
        if kind is BackupKind.SQLITE:
            _backup_sqlite(_sqlite_path(url), partial)
        else:
            conninfo, env = libpq_connection(url)
            args = [_tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={conninfo}"]
            _run_tool(args, env, env.get("PGPASSWORD"))
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(kind, target, target.stat().st_size)


def _backup_sqlite(source: Path, partial: Path) -> None:
    if not source.is_file():
        raise BackupError(f"The SQLite database {source} does not exist.")
    partial.unlink(missing_ok=True)
    origin = sqlite3.connect(source, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            origin.backup(copy)  # one step: a consistent snapshot of the whole database
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite backup failed: {error}") from None
    finally:
        origin.close()


def check_backup_file(path: Path, expected: BackupKind) -> None:
    """Refuse a missing file, one that is no backup or of the other kind, or one without Algoreg's tables."""
    if not path.exists():
        raise BackupError(f"The backup file {path} does not exist.")
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    found = kind_of_file(path)
    if found is None:
        raise BackupError(
            f"{path} is not a backup made by 'algoreg backup': neither a SQLite database nor a pg_dump "
            "archive in custom format."
        )
    if found is not expected:
        raise BackupError(
            f"{path} is a {found.value} backup, but the database to restore into is {expected.value}; "
            f"restore it into a {found.value} database (set ALGOREG_DATABASE_URL accordingly)."
        )
    if found is BackupKind.SQLITE:
        _check_sqlite_file(path)
    elif "alembic_version" not in dump_tables(path):
        raise BackupError(f"{path} is a pg_dump archive but not of an Algoreg database.")


def dump_tables(path: Path) -> set[str]:
    """Return the names of the tables a pg_dump archive creates."""
    listing = _run_tool([_tool("pg_restore"), "--list", str(path)], {}, None)
    return set(_LISTED_TABLE.findall(listing))


def _check_sqlite_file(path: Path) -> None:
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            (integrity,) = connection.execute("PRAGMA quick_check").fetchone()
            tables = {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be read as a SQLite database: {error}") from None
    if integrity != "ok":
        raise BackupError(f"{path} is damaged: {integrity}")
    if "alembic_version" not in tables:
        raise BackupError(f"{path} is a SQLite database but not an Algoreg database.")


def tables_with_data(engine: Engine) -> tuple[str, ...]:
    """Return the names of Algoreg's tables that hold at least one row (the instance key aside)."""
    present = set(inspect(engine).get_table_names())
    found = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            wanted = table.name in present and table.name not in _NOT_DATA
            if wanted and connection.scalar(select(exists().select_from(table))):
                found.append(table.name)
    return tuple(found)


def restore(url: str | URL, source: Path, force: bool = False) -> RestoreResult:
    """Replace the database at ``url`` by the backup in ``source``, then migrate it to the newest schema.

    Refuses (changing nothing) a file that is not a backup of this kind of database, and a
    database that holds data unless ``force``. PostgreSQL restores in one transaction.
    """
    kind = kind_of_url(url)
    check_backup_file(source, kind)
    engine = make_engine(url.render_as_string(hide_password=False) if isinstance(url, URL) else url)
    try:
        if kind is BackupKind.SQLITE and not _sqlite_path(url).exists():
            replaced: tuple[str, ...] = ()
        else:
            replaced = tables_with_data(engine)
        if replaced and not force:
            raise BackupError(
                f"The database already holds data (in {', '.join(replaced[:5])}"
                f"{' …' if len(replaced) > 5 else ''}); restoring replaces all of it. Add --force to do so."
            )
        if kind is BackupKind.POSTGRESQL:
            _refuse_newer_tables(engine, source)
        engine.dispose()
        if kind is BackupKind.SQLITE:
            _restore_sqlite(source, _sqlite_path(url))
        else:
            conninfo, env = libpq_connection(url)
            args = [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={conninfo}",
                str(source),
            ]
            _run_tool(args, env, env.get("PGPASSWORD"))
        migrate(engine)
    finally:
        engine.dispose()
    return RestoreResult(kind, replaced)


def _refuse_newer_tables(engine: Engine, source: Path) -> None:
    """pg_restore --clean replaces only the tables in the archive; others would survive and clash."""
    extra = sorted(set(inspect(engine).get_table_names()) - dump_tables(source))
    if extra:
        raise BackupError(
            f"The database has tables the backup does not ({', '.join(extra[:5])}"
            f"{' …' if len(extra) > 5 else ''}), probably from a newer version of Algoreg. Restore into a "
            "new, empty database instead (createdb), and point ALGOREG_DATABASE_URL at it."
        )


def _restore_sqlite(source: Path, target: Path) -> None:
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    origin = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target, timeout=30)
        try:
            origin.backup(destination)
        finally:
            destination.close()
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite restore failed: {error}") from None
    finally:
        origin.close()
