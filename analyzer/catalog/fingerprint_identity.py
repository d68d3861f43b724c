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

from sqlalchemy import Table, and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from analyzer.audio.fingerprint import compare_fingerprints, decode_fingerprint
from analyzer.catalog.identity import base_uid, lengths_agree
from analyzer.catalog.orphans import prune_orphan_tracks
from analyzer.catalog.record import FALLBACK_KEY, fallback_folders
from analyzer.catalog.repair_listens import redistribute_listens
from analyzer.catalog.upsert import chunked
from analyzer.catalog.writer import CatalogWriter
from analyzer.duplicates.grouping import MATCH_THRESHOLD, UnionFind
from analyzer.duplicates.keep import DuplicateFile
from analyzer.duplicates.library import find_duplicates
from analyzer.scan.reading import FileRead, read_file
from models.enums import ScanStatus
from models.listen_changes import note_tracks_changed
from models.media import Fingerprint, MediaFile
from models.tracks import Track, TrackTagAttribute

MEDIA: Table = MediaFile.__table__  # type: ignore[assignment]
FINGERPRINT_VARIANT = "~f"
UNTAGGED_WINDOW_SECS = 3.0
UNTAGGED_WINDOW_SHARE = 0.1
UNTAGGED_CANDIDATES = 500
"""An untagged file is compared with the files nearest its length, within 3 s or 10 % (a copy trimmed by
2 s, as the duplicate finder's tests make, is 2.0-2.05 s shorter), at most 500 of them: analysis of one
file costs far more than decoding 500 stored prints."""


@dataclass
class FingerprintRegroup:
    split: int = 0  # files moved off a track whose audio they do not share
    joined: int = 0  # untagged files moved onto the tagged recording they are a copy of
    listens_moved: int = 0
    listens_to_review: int = 0


@dataclass
class PrintedFile:
    """A present file with its decoded fingerprint."""

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
    printed = printed_files(session, sorted(track_ids))
    _split(session, printed, result, roots)
    _join_untagged(session, printed, set(media_file_ids), result)
    return result


def printed_files(session: Session, track_ids: Sequence[int]) -> list[PrintedFile]:
    """The fingerprinted, present files of these tracks, by media file id."""
    return _printed_files(session, MediaFile.track_id, track_ids)


def _printed_files(session: Session, column: Any, values: Sequence[int]) -> list[PrintedFile]:
    found: list[PrintedFile] = []
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
            found.append(PrintedFile(media_id, track_id, path, audio_hash, float(duration or 0), frames))
    return found


def same_audio(a: PrintedFile, b: PrintedFile) -> bool:
    """One recording by their audio: the same audio hash, or a verified fingerprint match."""
    if a.audio_hash and a.audio_hash == b.audio_hash:
        return True
    return compare_fingerprints(a.frames, b.frames).score >= MATCH_THRESHOLD


def _audio_groups(files: list[PrintedFile]) -> list[list[PrintedFile]]:
    """Files linked by matching audio, transitively (as the duplicate finder groups them, so the split
    here never undoes a join made from its groups), in order of their first file."""
    sets = UnionFind(len(files))
    for a in range(len(files)):
        for b in range(a + 1, len(files)):
            if sets.find(a) != sets.find(b) and same_audio(files[a], files[b]):
                sets.union(a, b)
    groups: dict[int, list[PrintedFile]] = {}
    for index, item in enumerate(files):
        groups.setdefault(sets.find(index), []).append(item)
    return list(groups.values())


def _split(
    session: Session, printed: list[PrintedFile], result: FingerprintRegroup, roots: Sequence[str]
) -> None:
    by_track: dict[int, list[PrintedFile]] = {}
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
        groups = _audio_groups(files)
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
    session: Session, printed: list[PrintedFile], analysed: set[int], result: FingerprintRegroup
) -> None:
    untagged_tracks = _untagged(session, sorted({p.track_id for p in printed if p.media_id in analysed}))
    emptied: dict[int, int] = {}
    moved: set[int] = set()
    for item in printed:
        if item.media_id not in analysed or item.track_id not in untagged_tracks:
            continue
        target = _tagged_copy_of(session, item)
        if target is None:
            continue
        _move(session, [item.media_id], target)
        moved.add(item.media_id)
        emptied[item.track_id] = target
        result.joined += 1
    # The other order: a tagged file analysed after its untagged copy (another batch, another run) takes
    # in the copies already fingerprinted, so the join does not depend on which file was analysed first.
    for item in printed:
        if item.media_id not in analysed or item.track_id in untagged_tracks or item.track_id in emptied:
            continue
        for copy in _untagged_copies_of(session, item):
            if copy.media_id in moved:
                continue
            _move(session, [copy.media_id], item.track_id)
            moved.add(copy.media_id)
            emptied[copy.track_id] = item.track_id
            result.joined += 1
    _hand_over_emptied(session, emptied, result)


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


def _tagged_copy_of(session: Session, item: PrintedFile) -> int | None:
    """The tagged track holding a file with this file's audio (the best match), if any."""
    if not item.duration:
        return None
    candidates = _near(session, item)
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


def _near(session: Session, item: PrintedFile) -> list[PrintedFile]:
    """Fingerprinted files on other tracks whose length is within the untagged window of ``item``'s."""
    slack = max(UNTAGGED_WINDOW_SECS, UNTAGGED_WINDOW_SHARE * item.duration)
    near = (
        select(MediaFile.id)
        .where(
            MediaFile.track_id != item.track_id,
            MediaFile.duration_secs.between(max(0.0, item.duration - slack), item.duration + slack),
        )
        .order_by(func.abs(MediaFile.duration_secs - item.duration))
        .limit(UNTAGGED_CANDIDATES)
    )
    return _printed_files(session, MediaFile.id, list(session.scalars(near)))


def _untagged_copies_of(session: Session, item: PrintedFile) -> list[PrintedFile]:
    """Files of untagged tracks whose audio is ``item``'s (a tagged file's)."""
    if not item.duration:
        return []
    candidates = _near(session, item)
    untagged = _untagged(session, sorted({c.track_id for c in candidates}))
    return [
        other
        for other in candidates
        if other.track_id in untagged
        and (
            (item.audio_hash and item.audio_hash == other.audio_hash)
            or compare_fingerprints(item.frames, other.frames).score >= MATCH_THRESHOLD
        )
    ]


def _move(session: Session, media_ids: list[int], track_id: int) -> None:
    session.execute(
        update(MEDIA).where(and_(MEDIA.c.id == bindparam("mid"))).values(track_id=bindparam("tid")),
        [{"mid": mid, "tid": track_id} for mid in media_ids],
    )


def join_copies_by_fingerprint(session: Session) -> FingerprintRegroup:
    """Library-wide join: each duplicate group (``analyzer.duplicates.find_duplicates``: same audio hash,
    or fingerprints verified as one recording) that spans several tracks is put on one of them — a
    tagged one before an untagged one, an MBID track first, then the track holding most of the group.
    A tagged file joins only when its length agrees with the target's (a radio edit of a song can share
    most of its audio), and two different recording MBIDs are both trusted. Emptied tracks hand their
    listens over and are dropped. In the caller's transaction; run after analysis and by the repair."""
    result = FingerprintRegroup()
    spanning = []
    for group in find_duplicates(session):
        by_track: dict[int, list[DuplicateFile]] = {}
        for item in group.files:
            if item.track_id is not None:
                by_track.setdefault(item.track_id, []).append(item)
        if len(by_track) > 1:
            spanning.append(by_track)
    if not spanning:
        return result
    track_ids = sorted({t for by_track in spanning for t in by_track})
    untagged = _untagged(session, track_ids)
    uids: dict[int, str] = {}
    for chunk in chunked(track_ids):
        uids.update(
            session.execute(select(Track.id, Track.track_uid).where(Track.id.in_(chunk))).tuples().all()
        )
    sources: dict[int, int] = {}
    for by_track in spanning:
        target = max(
            by_track,
            key=lambda t: (t not in untagged, uids.get(t, "").startswith("mb:"), len(by_track[t]), -t),
        )
        reference = next((f.duration_secs for f in by_track[target] if f.duration_secs), None)
        for track_id, files in by_track.items():
            if track_id == target or track_id in sources:
                continue
            if track_id not in untagged:
                if uids.get(track_id, "").startswith("mb:") and uids.get(target, "").startswith("mb:"):
                    continue
                if not all(lengths_agree(f.duration_secs, reference) for f in files):
                    continue
            _move(session, [f.media_file_id for f in files], target)
            sources[track_id] = target
            result.joined += len(files)
    _hand_over_emptied(session, sources, result)
    return result


def _hand_over_emptied(session: Session, sources: dict[int, int], result: FingerprintRegroup) -> None:
    """Tracks whose files all moved give their listens to the track the files went to, and go."""
    if not sources:
        return
    held: set[int] = set()
    for chunk in chunked(sorted(sources)):
        held.update(
            t for t in session.scalars(select(MediaFile.track_id).where(MediaFile.track_id.in_(chunk))) if t
        )
    handed = {old: {new} for old, new in sources.items() if old not in held}
    moves = redistribute_listens(session, handed)
    result.listens_moved += moves.moved
    result.listens_to_review += moves.to_review
    prune_orphan_tracks(session, list(handed))
    note_tracks_changed(session, sorted(set(sources.values())))
