"""Once files are fingerprinted, the audio decides which are one recording (run after each analysis batch).

Tags and lengths (``analyzer.catalog.identity``) are a guess; a Chromaprint comparison is evidence:

- **split**: files on one tag-identified (``h:``) track whose fingerprints do not match are different
  recordings. The group holding most files keeps the track; each other group becomes its own track
  (uid ``<base>~f<media file id>``), and the track's listens go where they fit or to review
  (``analyzer.catalog.repair_listens``). A recording MBID is trusted over the audio and never split.
- **join**: a file whose tags gave no title (its track carries ``tonearm:fallback`` with ``title``)
  joins the tagged track holding a file with a matching fingerprint; the untagged track, left empty,
  hands its listens over and is dropped.

"Matching" is the duplicate finder's verified score (``analyzer.duplicates.grouping.MATCH_THRESHOLD``),
and identical audio hashes always match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, bindparam, select, update
from sqlalchemy.orm import Session

from analyzer.audio.fingerprint import compare_fingerprints, decode_fingerprint
from analyzer.catalog.identity import base_uid, length_tolerance
from analyzer.catalog.orphans import prune_orphan_tracks
from analyzer.catalog.record import FALLBACK_KEY, fallback_folders
from analyzer.catalog.repair_listens import redistribute_listens
from analyzer.catalog.upsert import chunked
from analyzer.catalog.writer import CatalogWriter
from analyzer.duplicates.grouping import MATCH_THRESHOLD
from analyzer.scan.reading import FileRead, read_file
from models.enums import ScanStatus
from models.listen_changes import note_tracks_changed
from models.media import Fingerprint, MediaFile
from models.tracks import Track, TrackTagAttribute

MEDIA: Table = MediaFile.__table__  # type: ignore[assignment]
FINGERPRINT_VARIANT = "~f"


@dataclass
class FingerprintRegroup:
    split: int = 0  # files moved off a track whose audio they do not share
    joined: int = 0  # untagged files moved onto the tagged recording they are a copy of
    listens_moved: int = 0
    listens_to_review: int = 0


@dataclass
class _Printed:
    media_id: int
    track_id: int
    path: str
    audio_hash: str | None
    duration: float
    frames: Any  # decoded fingerprint (numpy uint32)


def regroup_by_fingerprint(
    session: Session, media_file_ids: Sequence[int], roots: Sequence[str] = ()
) -> FingerprintRegroup:
    """Apply the fingerprint rule to the tracks of these (just analysed) files, in the caller's
    transaction. ``roots``: the library folders, for the path fallback of files re-read to split."""
    result = FingerprintRegroup()
    track_ids: set[int] = set()
    for chunk in chunked(sorted(set(media_file_ids))):
        track_ids.update(
            tid
            for tid in session.scalars(
                select(MediaFile.track_id).where(MediaFile.id.in_(chunk), MediaFile.track_id.is_not(None))
            )
            if tid is not None
        )
    if not track_ids:
        return result
    printed = _printed_files(session, MediaFile.track_id, sorted(track_ids))
    _split(session, printed, result, roots)
    _join_untagged(session, printed, set(media_file_ids), result)
    return result


def _printed_files(session: Session, column: Any, values: Sequence[int]) -> list[_Printed]:
    found: list[_Printed] = []
    for chunk in chunked(values):
        rows = session.execute(
            select(
                MediaFile.id,
                MediaFile.track_id,
                MediaFile.file_path,
                MediaFile.audio_hash,
                MediaFile.duration_secs,
                Fingerprint.chromaprint,
            )
            .join(Fingerprint, Fingerprint.media_file_id == MediaFile.id)
            .where(column.in_(chunk), MediaFile.scan_status == ScanStatus.OK)
            .order_by(MediaFile.id)
        )
        for media_id, track_id, path, audio_hash, duration, chromaprint in rows:
            try:
                frames = decode_fingerprint(chromaprint)
            except Exception:  # a damaged stored print says nothing about identity
                continue
            found.append(_Printed(media_id, track_id, path, audio_hash, float(duration or 0), frames))
    return found


def _same_audio(a: _Printed, b: _Printed) -> bool:
    if a.audio_hash and a.audio_hash == b.audio_hash:
        return True
    return compare_fingerprints(a.frames, b.frames).score >= MATCH_THRESHOLD


def _split(
    session: Session, printed: list[_Printed], result: FingerprintRegroup, roots: Sequence[str]
) -> None:
    by_track: dict[int, list[_Printed]] = {}
    for item in printed:
        by_track.setdefault(item.track_id, []).append(item)
    shared = [track_id for track_id, files in by_track.items() if len(files) > 1]
    uids: dict[int, str] = {}
    for chunk in chunked(shared):
        uids.update(
            session.execute(select(Track.id, Track.track_uid).where(Track.id.in_(chunk))).tuples().all()
        )
    writer = CatalogWriter()
    splits: dict[int, set[int]] = {}
    for track_id, files in by_track.items():
        uid = uids.get(track_id, "")
        if len(files) < 2 or not uid.startswith("h:"):
            continue
        groups: list[list[_Printed]] = []
        for item in files:
            home = next((g for g in groups if _same_audio(g[0], item)), None)
            if home is None:
                groups.append([item])
            else:
                home.append(item)
        if len(groups) < 2:
            continue
        keeper = max(groups, key=len)  # on a tie the first: the oldest file's recording
        for group in groups:
            if group is keeper:
                continue
            first = group[0]
            outcome = read_file(first.path, fallback_folders(first.path, roots))
            if not isinstance(outcome, FileRead):
                continue  # unreadable now: it stays where it is until it can be read
            record = outcome.record._replace(
                track_uid=f"{base_uid(uid)}{FINGERPRINT_VARIANT}{first.media_id}",
                duration_secs=first.duration or outcome.record.duration_secs,
            )
            [new_id] = writer.write(session, [record])
            _move(session, [item.media_id for item in group], new_id)
            splits.setdefault(track_id, {track_id}).add(new_id)
            result.split += len(group)
    moves = redistribute_listens(session, splits)
    result.listens_moved += moves.moved
    result.listens_to_review += moves.to_review


def _join_untagged(
    session: Session, printed: list[_Printed], analysed: set[int], result: FingerprintRegroup
) -> None:
    untagged_tracks = _untagged(session, sorted({p.track_id for p in printed if p.media_id in analysed}))
    emptied: dict[int, int] = {}
    for item in printed:
        if item.media_id not in analysed or item.track_id not in untagged_tracks:
            continue
        target = _tagged_copy_of(session, item)
        if target is None:
            continue
        _move(session, [item.media_id], target)
        emptied[item.track_id] = target
        result.joined += 1
    if not emptied:
        return
    still_held = set(session.scalars(select(MediaFile.track_id).where(MediaFile.track_id.in_(list(emptied)))))
    handed = {old: {new} for old, new in emptied.items() if old not in still_held}
    moves = redistribute_listens(session, handed)
    result.listens_moved += moves.moved
    result.listens_to_review += moves.to_review
    prune_orphan_tracks(session, list(handed))
    note_tracks_changed(session, sorted(set(emptied.values())))


def _untagged(session: Session, track_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(track_ids):
        for track_id, value in session.execute(
            select(TrackTagAttribute.track_id, TrackTagAttribute.value).where(
                TrackTagAttribute.track_id.in_(chunk), TrackTagAttribute.key == FALLBACK_KEY
            )
        ):
            if "title" in value.split(","):
                found.add(track_id)
    return found


def _tagged_copy_of(session: Session, item: _Printed) -> int | None:
    """The tagged track holding a file with this file's audio (the best match), if any."""
    if not item.duration:
        return None
    slack = length_tolerance(item.duration, item.duration)
    near = select(MediaFile.id).where(
        MediaFile.track_id != item.track_id,
        MediaFile.duration_secs.between(item.duration - slack, item.duration + slack),
    )
    candidates = _printed_files(session, MediaFile.id, list(session.scalars(near)))
    untagged = _untagged(session, sorted({c.track_id for c in candidates}))
    best: tuple[float, int] | None = None
    for other in candidates:
        if other.track_id in untagged:
            continue
        if item.audio_hash and item.audio_hash == other.audio_hash:
            score = 1.0
        else:
            score = compare_fingerprints(item.frames, other.frames).score
        if score >= MATCH_THRESHOLD and (best is None or score > best[0]):
            best = (score, other.track_id)
    return best[1] if best else None


def _move(session: Session, media_ids: list[int], track_id: int) -> None:
    session.execute(
        update(MEDIA).where(and_(MEDIA.c.id == bindparam("mid"))).values(track_id=bindparam("tid")),
        [{"mid": mid, "tid": track_id} for mid in media_ids],
    )
