"""Moved files: a missing row and a present row with the same audio hash are one file that moved.

The scan cannot see a move (a path is its identity); analysis can, once it gives the new file an
``audio_hash`` (tag-independent). Reconciling keeps what hangs off the old row — its track, analysis
results, first-seen date — on the new row, and drops the old row.
"""

from __future__ import annotations

from sqlalchemy import Table, delete, exists, select, update
from sqlalchemy.orm import Session

from models.enums import ScanStatus
from models.listen_changes import note_listens_changed
from models.listens import Listen
from models.media import AcoustidSubmission, AudioFeatures, Fingerprint, MediaFile
from models.types import to_epoch


def reconcile_moved_files(session: Session) -> int:
    """Merge every missing row into a present row with the same audio hash; returns how many moved.

    The new row inherits the old track when it has none; when its tags gave it a different track and no
    other file holds the old one, listens of the old track follow to the new one.
    """
    # On the Core table: a scan ends here, and an ORM query would first configure every mapper of the
    # models (~20 ms of one core after the last file, when nothing else is left to run beside it).
    media: Table = MediaFile.__table__  # type: ignore[assignment]
    old, new = media.alias("old"), media.alias("new")
    pairs = session.execute(
        select(old.c.id, old.c.track_id, old.c.first_seen_at, new.c.id, new.c.track_id)
        .join_from(old, new, (new.c.audio_hash == old.c.audio_hash) & (new.c.id != old.c.id))
        .where(
            old.c.audio_hash.is_not(None),
            old.c.scan_status == ScanStatus.MISSING,
            new.c.scan_status != ScanStatus.MISSING,
        )
        .order_by(old.c.id, new.c.id)
    ).all()
    moved = 0
    claimed: set[int] = set()
    for old_id, old_track, first_seen, new_id, new_track in pairs:
        if old_id in claimed or new_id in claimed:
            continue  # one old row per new row (identical audio in two places stays two files)
        claimed.update((old_id, new_id))
        for model in (Fingerprint, AudioFeatures):
            table: Table = model.__table__  # type: ignore[assignment]
            already = session.execute(select(exists().where(table.c.media_file_id == new_id))).scalar()
            if already:
                session.execute(delete(table).where(table.c.media_file_id == old_id))
            else:
                session.execute(
                    update(table).where(table.c.media_file_id == old_id).values(media_file_id=new_id)
                )
        session.execute(
            update(AcoustidSubmission)
            .where(AcoustidSubmission.media_file_id == old_id)
            .values(media_file_id=new_id)
        )
        values: dict[str, object] = {"first_seen_at": first_seen}
        if new_track is None:
            values["track_id"] = old_track
        session.execute(update(MediaFile).where(MediaFile.id == new_id).values(**values))
        session.execute(delete(MediaFile).where(MediaFile.id == old_id))
        if old_track is not None and new_track is not None and old_track != new_track:
            still_held = session.execute(
                select(
                    exists().where(
                        MediaFile.track_id == old_track, MediaFile.scan_status != ScanStatus.MISSING
                    )
                )
            ).scalar()
            if not still_held:
                _move_listens(session, old_track, new_track)
        moved += 1
    return moved


def _move_listens(session: Session, old_track: int, new_track: int) -> None:
    # Selected first, then updated by id: MariaDB cannot update a table it reads in a subquery, and a
    # listen whose (user, time) the new track already has would break the dedupe key, so it stays.
    taken = set(
        session.execute(
            select(Listen.user_id, Listen.listened_at).where(Listen.track_id == new_track)
        ).tuples()
    )
    rows = session.execute(
        select(Listen.id, Listen.user_id, Listen.listened_at).where(Listen.track_id == old_track)
    )
    moved = [(listen_id, user, at) for listen_id, user, at in rows.tuples() if (user, at) not in taken]
    ids = [listen_id for listen_id, _, _ in moved]
    note_listens_changed(session, ((user, to_epoch(at)) for _, user, at in moved))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(
            update(Listen)
            .where(Listen.id.in_(chunk))
            .values(track_id=new_track)
            .execution_options(synchronize_session=False)
        )
