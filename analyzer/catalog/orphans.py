"""Dropping tracks a rescan left behind: no file holds them and nothing a person made points at them.

A tag edit can change a track's identity (its title is part of ``track_uid`` without an MBID); the old
track is then empty. It is removed only when no media file, listen, match candidate, playlist item or
event recording refers to it, so history and curation are never lost to a rescan.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from analyzer.catalog.upsert import chunked
from models.curation import EventRecording, PlaylistItem
from models.enums import EntityType
from models.external_ids import ExternalId
from models.listens import Listen, ListenMatchCandidate
from models.media import MediaFile
from models.tracks import Track


def prune_orphan_tracks(session: Session, candidates: Iterable[int]) -> int:
    """Delete those ``candidates`` that nothing refers to any more; returns how many went."""
    ids = sorted(set(candidates))
    gone: list[int] = []
    for chunk in chunked(ids):
        statement = select(Track.id).where(
            Track.id.in_(chunk),
            ~exists().where(MediaFile.track_id == Track.id),
            ~exists().where(Listen.track_id == Track.id),
            ~exists().where(ListenMatchCandidate.track_id == Track.id),
            ~exists().where(PlaylistItem.track_id == Track.id),
            ~exists().where(EventRecording.track_id == Track.id),
        )
        gone.extend(session.scalars(statement))
    for chunk in chunked(gone):
        session.execute(
            delete(ExternalId).where(
                ExternalId.entity_type == EntityType.TRACK, ExternalId.entity_id.in_(chunk)
            )
        )
        session.execute(delete(Track).where(Track.id.in_(chunk)))
    return len(gone)
