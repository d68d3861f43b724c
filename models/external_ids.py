"""Identifiers of any entity in other systems (MBIDs, ISRC, AcoustID, Spotify, YouTube...)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, media_table_args
from models.enums import EntityType, enum_column_type


class ExternalId(Base):
    """Polymorphic (``entity_type``, ``entity_id``), so no foreign key: `tonearm db check` reports rows
    whose entity is gone. Schemes: mbid, recording_mbid, release_mbid, release_group_mbid, artist_mbid,
    track_mbid, isrc, acoustid, barcode, spotify_id, youtube_id, sc_id..."""

    __tablename__ = "external_ids"
    __table_args__ = media_table_args(
        UniqueConstraint("entity_type", "entity_id", "scheme", "value"),
        # ID-based matching looks up (scheme, value) -> entity.
        Index("ix_external_ids_scheme_value", "scheme", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[EntityType] = mapped_column(enum_column_type(EntityType, "entity_type"))
    entity_id: Mapped[int] = mapped_column(BigInteger)
    scheme: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(255))
