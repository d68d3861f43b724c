"""What `tonearm db info` and `tonearm db check` report: where the data is, what is in it, what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, inspect, select, text

from models.bootstrap import current_revision, head_revision
from models.engine import Database
from models.integrity import find_orphans
from models.registry import metadata
from models.schemas import physical_metadata


@dataclass
class SchemaInfo:
    logical: str
    physical: str | None  # None: the connection's default schema
    location: str  # SQLite file, or "<database>" on MariaDB
    tables: dict[str, int | None]  # table -> row count (None when the table is missing)


@dataclass
class DatabaseInfo:
    engine: str
    server_version: str
    url: str  # password hidden
    revision: str | None
    head: str
    schemas: list[SchemaInfo]
    files: dict[str, str] = field(default_factory=dict)


def database_info(db: Database) -> DatabaseInfo:
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        default_schema = inspector.default_schema_name
        version = ".".join(str(p) for p in (connection.dialect.server_version_info or ()))
        schemas: list[SchemaInfo] = []
        files = db.files()
        for logical in ("medialibrary", "listens"):
            physical = db.schemas.physical(logical)
            present = set(inspector.get_table_names(schema=physical))
            counts: dict[str, int | None] = {}
            for table in metadata.sorted_tables:
                if table.schema != logical:
                    continue
                counts[table.name] = (
                    connection.scalar(select(func.count()).select_from(table))
                    if table.name in present
                    else None
                )
            if db.is_sqlite:
                location = files.get(physical or "main", files.get("main", ""))
            else:
                location = physical or str(default_schema)
            schemas.append(SchemaInfo(logical, physical, location, dict(sorted(counts.items()))))
    return DatabaseInfo(
        engine=db.dialect,
        server_version=version,
        url=db.url.render_as_string(hide_password=True),
        revision=current_revision(db),
        head=head_revision(),
        schemas=schemas,
        files=files,
    )


@dataclass
class CheckReport:
    problems: list[str]
    notes: list[str]
    counts: dict[str, int | None]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_database(db: Database) -> CheckReport:
    """Integrity (engine checks), missing tables, migration state and orphaned references."""
    problems: list[str] = []
    notes: list[str] = []
    info = database_info(db)
    counts: dict[str, int | None] = {}
    for schema in info.schemas:
        for table, count in schema.tables.items():
            counts[f"{schema.logical}.{table}"] = count
            if count is None:
                problems.append(f"missing table {schema.logical}.{table} (run `tonearm db init`)")
    if info.revision is None:
        problems.append("database is not under migration control (run `tonearm db init`)")
    elif info.revision != info.head:
        problems.append(f"schema revision {info.revision} is behind {info.head} (run `tonearm db upgrade`)")
    if any(c is None for c in counts.values()):
        return CheckReport(problems, notes, counts)
    with db.engine.connect() as connection:
        if db.is_sqlite:
            for name in ["main", *db.schemas.named_schemas()]:
                quoted = '"' + name.replace('"', '""') + '"'
                result = connection.exec_driver_sql(f"PRAGMA {quoted}.integrity_check").scalars().all()
                if result != ["ok"]:
                    problems.append(f"SQLite integrity check of {name}: {'; '.join(map(str, result[:5]))}")
                for row in connection.exec_driver_sql(f"PRAGMA {quoted}.foreign_key_check"):
                    problems.append(f"foreign key violation in {name}.{row[0]} rowid {row[1]} -> {row[2]}")
            if not db.enforces_cross_schema_fks:
                notes.append(
                    "SQLite split: listens -> medialibrary references are checked by Tonearm, not SQLite"
                )
        else:
            for tbl in physical_metadata(db.schemas).sorted_tables:
                qualified = f"`{tbl.schema}`.`{tbl.name}`" if tbl.schema else f"`{tbl.name}`"
                for row in connection.execute(text(f"CHECK TABLE {qualified}")):
                    if row[2] == "error" or (
                        row[2] == "status" and row[3] not in ("OK", "Table is already up to date")
                    ):
                        problems.append(f"CHECK TABLE {tbl.name}: {row[3]}")
    with db.session() as session:
        problems.extend(str(orphan) for orphan in find_orphans(session))
    return CheckReport(problems, notes, counts)
