"""Import every model module so ``Base.metadata`` holds the whole contract.

Callers that need the full metadata (bootstrap, Alembic, tests) import :data:`metadata` from here rather
than relying on which model modules happen to be imported already.
"""

from __future__ import annotations

from models import (  # noqa: F401  (imported for their table definitions)
    artists,
    curation,
    external_ids,
    folders,
    leases,
    listens,
    media,
    organize,
    ratings,
    releases,
    stats_rollups,
    tracks,
    users,
)
from models.base import LISTENS, MEDIALIBRARY, Base

metadata = Base.metadata

CONTRACT_TABLES: dict[str, frozenset[str]] = {
    MEDIALIBRARY: frozenset(
        {
            "artists",
            "artist_aliases",
            "release_groups",
            "releases",
            "release_items",
            "tracks",
            "track_artists",
            "track_genres",
            "genres",
            "labels",
            "release_labels",
            "track_labels",
            "track_tag_attributes",
            "tag_sources",
            "media_files",
            "title_aliases",
            "publishers",
            "release_publishers",
            "playlists",
            "playlist_items",
            "events",
            "event_recordings",
            "external_ids",
        }
    ),  # fmt: skip
    LISTENS: frozenset(
        {
            "users",
            "listens_raw",
            "listens",
            "listen_match_candidates",
            "listen_artists",
            "listen_genres",
            "config",
        }
    ),  # fmt: skip
}
"""The tables the data contract names, per logical schema (additions are documented in docs/data-model.md)."""


def tables_by_schema() -> dict[str, list[str]]:
    """Every table we define, grouped by logical schema, sorted by name."""
    grouped: dict[str, list[str]] = {MEDIALIBRARY: [], LISTENS: []}
    for table in metadata.sorted_tables:
        grouped[str(table.schema)].append(table.name)
    return {schema: sorted(names) for schema, names in grouped.items()}
