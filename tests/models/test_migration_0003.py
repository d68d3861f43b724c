"""Migration 0003: listen_sources keeps only duplicate links; a listen's first raw row is listens.raw_id."""

from __future__ import annotations

from alembic import command
from sqlalchemy import column, select, table

from models.bootstrap import alembic_config, current_revision, upgrade_database
from models.engine import Database


def _tables(db: Database) -> dict[str, object]:
    schema = db.schemas.listens
    return {
        "users": table("users", column("id"), column("username"), column("created_at"), schema=schema),
        "raw": table(
            "listens_raw",
            column("id"),
            column("user_id"),
            column("ingested_at"),
            column("source"),
            column("source_track_id"),
            column("payload_json"),
            column("listened_at"),
            schema=schema,
        ),
        "listens": table(
            "listens",
            column("id"),
            column("raw_id"),
            column("user_id"),
            column("listened_at"),
            column("source"),
            column("artist_name"),
            column("track_name"),
            column("artist_name_normalized"),
            column("track_name_normalized"),
            column("enrich_status"),
            schema=schema,
        ),
        "sources": table(
            "listen_sources", column("listen_id"), column("raw_id"), column("relation"), schema=schema
        ),
    }


def test_upgrade_drops_primary_rows_keeps_duplicates_and_downgrade_restores_them(empty_db: Database) -> None:
    upgrade_database(empty_db, "0002")
    t = _tables(empty_db)
    users, raw, listens, sources = t["users"], t["raw"], t["listens"], t["sources"]
    with empty_db.engine.begin() as connection:
        connection.execute(users.insert().values(id=1, username="u", created_at="2020-01-01 00:00:00"))
        for raw_id, source in ((1, "lastfm"), (2, "api"), (3, "lastfm")):
            connection.execute(
                raw.insert().values(
                    id=raw_id, user_id=1, ingested_at="2020-01-01 00:00:00", source=source,
                    source_track_id=f"t{raw_id}", payload_json="{}", listened_at=1_600_000_000 + raw_id,
                )
            )  # fmt: skip
        for listen_id, raw_id in ((10, 1), (11, 3)):
            connection.execute(
                listens.insert().values(
                    id=listen_id, raw_id=raw_id, user_id=1, listened_at=1_600_000_000 + raw_id, source="lastfm",
                    artist_name="A", track_name="T", artist_name_normalized="a", track_name_normalized="t",
                    enrich_status="pending",
                )
            )  # fmt: skip
        connection.execute(
            sources.insert(),
            [
                {"listen_id": 10, "raw_id": 1, "relation": "primary"},
                {"listen_id": 10, "raw_id": 2, "relation": "duplicate"},
                {"listen_id": 11, "raw_id": 3, "relation": "primary"},
            ],
        )

    def links() -> list[tuple[int, int, str]]:
        with empty_db.engine.connect() as connection:
            query = select(sources.c.listen_id, sources.c.raw_id, sources.c.relation)
            return sorted(tuple(row) for row in connection.execute(query))

    assert upgrade_database(empty_db, "0003") == ("0002", "0003")
    assert links() == [(10, 2, "duplicate")]
    with empty_db.engine.begin() as connection:
        command.downgrade(alembic_config(empty_db, connection), "0002")
    assert current_revision(empty_db) == "0002"
    assert links() == [(10, 1, "primary"), (10, 2, "duplicate"), (11, 3, "primary")]
