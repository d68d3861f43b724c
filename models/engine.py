"""Opening a Tonearm database: URL resolution, engine options per engine, sessions.

Nothing here runs at import time; callers open a :class:`Database` and pass its sessions around.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from models.database_location import DATA_DIR_ENV as DATA_DIR_ENV  # re-exported: callers import them here
from models.database_location import DATABASE_URL_ENV, default_database_file, holds_nothing
from models.database_location import data_dir as data_dir

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from models.schemas import SchemaConfig

# SQLAlchemy's ORM and the schema config (which imports the declarative base) are imported where they are
# used: `tonearm scan` into a new database decides, before importing them, that it can start reading.


class DatabaseConfigError(Exception):
    """A database URL or setting that cannot work; the message is one line for a person."""


def default_database_url(environ: Mapping[str, str] | None = None) -> URL:
    return URL.create("sqlite", database=str(default_database_file(environ)))


def resolve_database_url(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> URL:
    """``--database-url`` wins, then ``TONEARM_DATABASE_URL``, then the SQLite file in the data dir."""
    env = os.environ if environ is None else environ
    text = explicit or env.get(DATABASE_URL_ENV)
    if not text:
        return default_database_url(env)
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise DatabaseConfigError(f"bad database URL {text!r}: {exc}") from None
    if url.get_backend_name() not in ("sqlite", "mariadb", "mysql"):
        raise DatabaseConfigError(
            f"unsupported database {url.get_backend_name()!r}: use sqlite:///PATH or mariadb+pymysql://..."
        )
    if url.get_backend_name() in ("mariadb", "mysql") and url.get_driver_name() not in ("pymysql",):
        url = url.set(drivername=f"{url.get_backend_name()}+pymysql")
    return url


def sqlite_schema_file(main_database: str, schema: str) -> str:
    """The file attached as ``schema`` beside the main SQLite file (``tonearm.db`` -> ``tonearm-<schema>.db``)."""
    if main_database in ("", ":memory:"):
        return ":memory:"
    path = Path(main_database)
    return str(path.with_name(f"{path.stem}-{schema}{path.suffix or '.db'}"))


def is_new_sqlite_database(url: str | URL | None = None, *, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``url`` (resolved as :func:`resolve_database_url` does) is a SQLite database that holds
    nothing yet: its main file (and that file's write-ahead log) does not exist or has no byte. A first
    scan then starts reading before the database is created. Only a hint for speed: the scan compares
    what it read with the rows the database turns out to hold (an attached schema's file, another
    program). False for MariaDB, in-memory and URI-style names: they are opened first."""
    resolved = url if isinstance(url, URL) else resolve_database_url(url, environ)
    if resolved.get_backend_name() != "sqlite":
        return False
    main = _sqlite_file_path(resolved.database or "")
    return main is not None and holds_nothing(main)


@dataclass
class Database:
    """An open database: its engine (with the schema split applied) and a session factory."""

    url: URL
    schemas: SchemaConfig
    engine: Engine
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        from sqlalchemy.orm import sessionmaker

        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if not self.enforces_cross_schema_fks:
            from models.integrity import install_cross_schema_guard

            install_cross_schema_guard(self.sessions)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name  # "sqlite" or "mariadb"/"mysql"

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def enforces_cross_schema_fks(self) -> bool:
        """False where listens -> medialibrary foreign keys cannot be declared (attached SQLite files)."""
        return not (self.is_sqlite and self.schemas.medialibrary != self.schemas.listens)

    def files(self) -> dict[str, str]:
        """SQLite: the main file and one attached file per named schema."""
        if not self.is_sqlite:
            return {}
        main = self.url.database or ""
        out = {"main": main}
        for schema in self.schemas.named_schemas():
            out[schema] = sqlite_schema_file(main, schema)
        return out

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error.

        On SQLite the transaction is deferred: it reads from a snapshot and never blocks a writer. Code that
        writes while other programs may write too (every job beside the scrobble server) uses
        :func:`models.unit_of_work.write_transaction` (or :meth:`write_session`) instead: a deferred
        transaction that reads and then writes fails at once with "database is locked" when another
        writer committed since its snapshot, whatever the busy timeout."""
        with self.sessions.begin() as session:
            yield session

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A session in one WRITE transaction: on SQLite it starts with ``BEGIN IMMEDIATE`` (it waits up to
        the busy timeout for the write lock at its start, then holds it, so it can never fail half-way
        for another writer); on MariaDB an ordinary transaction. No retry here: see
        :func:`models.unit_of_work.write_transaction`."""
        with self.sessions.begin() as session:
            begin_as_writer(session)
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(
    url: str | URL | None = None,
    schemas: SchemaConfig | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    create_dirs: bool = True,
    echo: bool = False,
) -> Database:
    """Create the engine for ``url`` (resolved as :func:`resolve_database_url` does) with Tonearm's options.

    Does not connect. SQLite: WAL, foreign_keys=ON, busy_timeout, synchronous=NORMAL, and the schema files
    attached on every new connection. MariaDB: PyMySQL with utf8mb4.
    """
    from models.schemas import SchemaConfig

    resolved = url if isinstance(url, URL) else resolve_database_url(url, environ)
    schema_config = schemas if schemas is not None else SchemaConfig.from_env(environ)
    translate = {"schema_translate_map": schema_config.translate_map()}
    if resolved.get_backend_name() == "sqlite":
        database = resolved.database or ""
        if database not in ("", ":memory:") and create_dirs:
            make_private_dirs(Path(database).expanduser().parent)
        engine = create_engine(resolved, echo=echo, execution_options=translate)
        _configure_sqlite(engine, database, schema_config)
    else:
        query = dict(resolved.query)
        query.setdefault("charset", "utf8mb4")
        resolved = resolved.set(query=query)
        engine = create_engine(
            resolved, echo=echo, pool_pre_ping=True, pool_recycle=3600, execution_options=translate
        )
        event.listen(engine, "handle_error", _check_violation_is_integrity_error)
    return Database(url=resolved, schemas=schema_config, engine=engine)


# Page cache per database file (negative: KiB) and memory-mapped reads. SQLite's defaults (2 MiB, no mmap)
# are sized for phones; a music library with a million listens has indexes of a few hundred MiB, and stats,
# matching and bulk imports walk them. The cache is allocated only as pages are used; mmap is address space.
_SQLITE_CACHE_KIB = -65536
_SQLITE_MMAP_BYTES = 1 << 30
# Checkpoint the WAL into the database every ~40 MB instead of every 4 MB: index pages that every batch of a
# bulk write touches again are copied back once rather than once per batch (10-15 % of a large import).
_SQLITE_WAL_CHECKPOINT_PAGES = 10_000


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parent as 0700: listening history and API token digests are
    nobody else's business on a shared machine. Folders that already exist keep the mode their owner chose.
    """
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue  # made by another process in the meantime: its mode is its creator's
        path.chmod(PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask; say it exactly


def create_private_file(path: Path) -> None:
    """Create an empty ``path`` as 0600 if it does not exist yet. SQLite takes an empty file as a new
    database and gives the ``-wal``, ``-shm`` and journal files it makes beside it the same mode."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(descriptor, PRIVATE_FILE_MODE)  # past any umask
    finally:
        os.close(descriptor)


def _sqlite_file_path(database: str) -> Path | None:
    """The filesystem path SQLite will open, or None for memory and URI-style names."""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _configure_sqlite(engine: Engine, main_database: str, schemas: SchemaConfig) -> None:
    attach = [(name, sqlite_schema_file(main_database, name)) for name in schemas.named_schemas()]
    own_files = [path for path in map(_sqlite_file_path, [main_database, *(f for _, f in attach)]) if path]

    @event.listens_for(engine, "do_connect")
    def _create_files_private(_dialect, _record, _cargs, _cparams):
        # Before SQLite opens (and would create 0644) the main file or ATTACH makes a schema file.
        for path in own_files:
            if path.parent.is_dir():
                create_private_file(path)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Our own transaction control: let SQLAlchemy's BEGIN (below) be the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for name, path in attach:
            cursor.execute("ATTACH DATABASE ? AS " + _quote(name), (path,))
        for schema in ["main"] + [name for name, _ in attach]:
            cursor.execute(f"PRAGMA {_quote(schema)}.journal_mode=WAL")
            cursor.execute(f"PRAGMA {_quote(schema)}.synchronous=NORMAL")
            cursor.execute(f"PRAGMA {_quote(schema)}.cache_size={_SQLITE_CACHE_KIB}")
            cursor.execute(f"PRAGMA {_quote(schema)}.mmap_size={_SQLITE_MMAP_BYTES}")
            cursor.execute(f"PRAGMA {_quote(schema)}.wal_autocheckpoint={_SQLITE_WAL_CHECKPOINT_PAGES}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # pysqlite's implicit transactions start late and skip SELECTs; an explicit BEGIN makes every
        # transaction (including reads) atomic across the attached files. Reads stay deferred (a snapshot,
        # no lock: they never block a writer); a write unit begins IMMEDIATE, taking the write lock (of
        # every attached file) first, so it waits its turn under busy_timeout instead of failing when its
        # snapshot turns out stale at its first write (SQLITE_BUSY_SNAPSHOT, issue 18).
        if conn.get_execution_options().get(WRITER_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


WRITER_OPTION = "tonearm_writer"
"""Connection execution option: the next transaction on this connection begins as a writer (SQLite)."""
SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite statement (or ``BEGIN IMMEDIATE``) waits for another connection's lock before it
fails with "database is locked". Longer than any one write transaction of a job (a scan batch, an enrich
batch, an import batch take well under a second), short enough that a stuck writer shows."""


def begin_as_writer(session: Session) -> None:
    """Make ``session``'s transaction a write transaction from its first statement (SQLite:
    ``BEGIN IMMEDIATE``; MariaDB: READ COMMITTED, so a unit that inserts-or-ignores a row another writer
    committed meanwhile then reads that row, where REPEATABLE READ's older snapshot would not show it — two
    scans of one folder at once). Call before the session has run anything."""
    options: dict[str, object] = {WRITER_OPTION: True}
    if session.get_bind().dialect.name != "sqlite":
        options["isolation_level"] = "READ COMMITTED"
    connection = session.connection(execution_options=options)
    if not connection.get_execution_options().get(WRITER_OPTION):  # SQLAlchemy warned: already begun
        raise RuntimeError("begin_as_writer: the session's transaction had already begun as a reader")


_MARIADB_CHECK_FAILED = 4025  # ER_CONSTRAINT_FAILED


def _check_violation_is_integrity_error(context):
    """PyMySQL reports a failed CHECK constraint as OperationalError; SQLite (and the SQL standard) call it
    an integrity violation. Raise IntegrityError on both engines so callers handle one exception."""
    from sqlalchemy import exc

    orig = context.original_exception
    if getattr(orig, "args", None) and orig.args[0] == _MARIADB_CHECK_FAILED:
        return exc.IntegrityError(context.statement, context.parameters, orig)
    return None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
