"""``tonearm db repair``: bring a catalog built by an older identity rule to one track per recording.

Before the rule in ``analyzer.catalog.identity``, a track was a hash of album artist, album, disc, track
and title only, so different recordings tagged alike (The Battle for Wesnoth's two "Defeat", HyperRogue's
"Living Caves" pieces) became one track. The repair re-reads the tags of every readable file, regroups
each track's files by the current rule and:

- keeps the track (its id, playlists, events, manual listens) for the group holding most of its files,
  under the current uid, so later scans find it;
- writes each other group as its own track (or joins the track that already is that recording);
- moves each listen of a split track to the recording whose length and names it fits, or sends it back to
  review when it fits several (``analyzer.catalog.repair_listens``); manual decisions stay;
- marks the stats rollup for every listen moved, and drops tracks nothing refers to any more;
- then applies the fingerprint rule (``analyzer.catalog.fingerprint_identity``) to files already analysed:
  per track (different audio splits), and library-wide (copies of one recording under other tags join).

Files that cannot be read now stay where they are and are counted. Running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from analyzer.catalog.fingerprint_identity import (
    FINGERPRINT_VARIANT,
    join_copies_by_fingerprint,
    printed_files,
    regroup_by_fingerprint,
    same_audio,
)
from analyzer.catalog.identity import base_uid, length_checked, lengths_agree
from analyzer.catalog.orphans import prune_orphan_tracks
from analyzer.catalog.record import TrackRecord, fallback_folders
from analyzer.catalog.repair_listens import redistribute_listens
from analyzer.catalog.upsert import chunked, select_in
from analyzer.catalog.writer import CatalogWriter
from analyzer.scan.folders import list_folders
from analyzer.scan.reading import FileRead, read_file
from models.engine import Database
from models.enums import ScanStatus
from models.media import MediaFile
from models.progress import CancelToken, Progress
from models.tracks import Track

TRACKS_PER_BATCH = 200
"""Tracks regrouped per transaction: a stopped repair keeps every finished batch."""
MEDIA: Table = MediaFile.__table__  # type: ignore[assignment]
TRACKS: Table = Track.__table__  # type: ignore[assignment]


@dataclass
class RepairSummary:
    """What the repair did; ``cancelled`` when stopped early (finished batches are kept)."""

    tracks_checked: int = 0
    files_read: int = 0
    files_unreadable: int = 0
    tracks_split: int = 0
    files_moved: int = 0
    files_split_by_audio: int = 0  # fingerprints differ from the rest of their track's
    files_joined_by_audio: int = 0  # copies (untagged, or tagged otherwise) joined to their recording
    listens_moved: int = 0
    listens_to_review: int = 0
    manual_kept: int = 0
    tracks_removed: int = 0
    unreadable: list[str] = field(default_factory=list)  # "path: reason", the first 50
    cancelled: bool = False


def repair_track_identity(
    db: Database, cancel: CancelToken | None = None, *, batch_tracks: int = TRACKS_PER_BATCH
) -> Generator[Progress, None, RepairSummary]:
    """Regroup every track's files by the current identity rule (see the module docstring). Yields
    Progress (stage "regroup", done/total in tracks); returns the summary, ``cancelled`` set if stopped."""
    summary = RepairSummary()
    with db.session() as session:
        roots = [folder.path for folder in list_folders(session)]
        track_ids = [
            int(tid)
            for tid in session.scalars(
                select(MediaFile.track_id)
                .where(MediaFile.track_id.is_not(None), MediaFile.scan_status == ScanStatus.OK)
                .distinct()
                .order_by(MediaFile.track_id)
            )
            if tid is not None
        ]
    total = len(track_ids)
    yield Progress("regroup", 0, total, "Re-reading tags")
    for start in range(0, total, batch_tracks):
        if cancel is not None and cancel.cancelled:
            summary.cancelled = True
            break
        batch = track_ids[start : start + batch_tracks]
        with db.session() as session:
            _repair_batch(session, batch, roots, summary)
        summary.tracks_checked += len(batch)
        yield Progress(
            "regroup",
            summary.tracks_checked,
            total,
            f"{summary.tracks_split} tracks split",
            {"split": summary.tracks_split, "listens_moved": summary.listens_moved},
        )
    if not summary.cancelled:
        yield Progress("join", summary.tracks_checked, total, "Joining copies by their audio")
        with db.session() as session:
            joined = join_copies_by_fingerprint(session)
        summary.files_joined_by_audio += joined.joined
        summary.listens_moved += joined.listens_moved
        summary.listens_to_review += joined.listens_to_review
    return summary


def _repair_batch(
    session: Session, track_ids: Sequence[int], roots: list[str], summary: RepairSummary
) -> None:
    files: dict[int, list[tuple[int, TrackRecord]]] = {tid: [] for tid in track_ids}
    rows = session.execute(
        select(MediaFile.id, MediaFile.file_path, MediaFile.track_id).where(
            MediaFile.track_id.in_(track_ids), MediaFile.scan_status == ScanStatus.OK
        )
    ).all()
    for media_id, path, track_id in rows:
        outcome = read_file(path, fallback_folders(path, roots))
        if isinstance(outcome, FileRead):
            files[track_id].append((media_id, outcome.record))
            summary.files_read += 1
        else:
            summary.files_unreadable += 1
            if len(summary.unreadable) < 50:
                reason = outcome.reason if outcome is not None else "the file is gone"
                summary.unreadable.append(f"{path}: {reason}")
    held_elsewhere = {tid for tid, found in files.items() if len(found) < _count(rows, tid)}
    groups = _recording_groups(session, files)
    held_elsewhere |= _stay_by_audio(session, groups)
    held_elsewhere |= _stay_split_by_audio(session, groups)
    _keep_tracks(session, groups)
    files = {tid: [item for group in found for item in group] for tid, found in groups.items()}
    writer = CatalogWriter()
    ordered = [(tid, media_id, record) for tid, found in files.items() for media_id, record in found]
    new_ids = writer.write(session, [record for _, _, record in ordered])
    moved = [
        {"mid": media_id, "tid": new_id}
        for (tid, media_id, _), new_id in zip(ordered, new_ids, strict=True)
        if new_id != tid
    ]
    if moved:
        statement = update(MEDIA).where(MEDIA.c.id == bindparam("mid")).values(track_id=bindparam("tid"))
        session.execute(statement, moved)
    summary.files_moved += len(moved)
    destinations: dict[int, set[int]] = {tid: set() for tid in files}
    for (tid, _, _), new_id in zip(ordered, new_ids, strict=True):
        destinations[tid].add(new_id)
    splits: dict[int, set[int]] = {}
    for tid, dest in destinations.items():
        if tid in held_elsewhere:
            dest.add(tid)  # unreadable files, and copies its audio vouches for, keep the old track
        if dest - {tid}:
            splits[tid] = dest
    summary.tracks_split += sum(1 for tid, dest in splits.items() if len(dest) > 1)
    counts = redistribute_listens(session, splits)
    summary.listens_moved += counts.moved
    summary.listens_to_review += counts.to_review
    summary.manual_kept += counts.manual_kept
    summary.tracks_removed += prune_orphan_tracks(session, list(splits))
    # Files already fingerprinted: the audio has the last word, as after an analysis batch.
    by_audio = regroup_by_fingerprint(session, [media_id for media_id, _, _ in rows], roots)
    summary.files_split_by_audio += by_audio.split
    summary.files_joined_by_audio += by_audio.joined
    summary.listens_moved += by_audio.listens_moved
    summary.listens_to_review += by_audio.listens_to_review


Grouped = dict[int, list[list[tuple[int, TrackRecord]]]]
"""Per track: its readable files grouped by recording under the current rule, the keeper group first."""


def _recording_groups(session: Session, files: dict[int, list[tuple[int, TrackRecord]]]) -> Grouped:
    """Group each track's files by base uid and agreeing lengths. The keeper, the group that keeps the
    track, is the largest group of tagged files (a title from tags, not the file name); on a tie the one
    whose length the track showed."""
    shown = {
        row[0]: float(row[1] or 0.0)
        for chunk in chunked(sorted(files))
        for row in select_in(session, TRACKS, ("id", "duration_secs"), "id", chunk)
    }
    grouped: Grouped = {}
    for tid, found in files.items():
        groups: list[list[tuple[int, TrackRecord]]] = []
        for item in found:
            record = item[1]
            for group in groups:
                first = group[0][1]
                if first.track_uid == record.track_uid and (
                    not length_checked(first.track_uid)
                    or lengths_agree(first.duration_secs, record.duration_secs)
                ):
                    group.append(item)
                    break
            else:
                groups.append([item])
        groups.sort(
            key=lambda g: (
                "title" not in g[0][1].fallback,
                len(g),
                -abs(g[0][1].duration_secs - shown.get(tid, 0.0)),
            ),
            reverse=True,
        )
        grouped[tid] = groups
    return grouped


def _stay_by_audio(session: Session, grouped: Grouped) -> set[int]:
    """Once fingerprinted, the audio decides: a group whose audio matches the keeper's stays on the
    track however its tags read (an untagged copy joined earlier), so the repair never undoes a join.
    Removes those groups (they are not rewritten); returns the tracks that keep such files."""
    shared = sorted(tid for tid, groups in grouped.items() if len(groups) > 1)
    prints = {item.media_id: item for item in printed_files(session, shared)}
    keeping: set[int] = set()
    for tid in shared:
        keeper, *others = grouped[tid]
        kept = [prints[mid] for mid, _ in keeper if mid in prints]
        remaining = [keeper]
        for group in others:
            heard = [prints[mid] for mid, _ in group if mid in prints]
            if any(same_audio(a, b) for a in heard for b in kept):
                keeping.add(tid)
            else:
                remaining.append(group)
        grouped[tid] = remaining
    return keeping


def _stay_split_by_audio(session: Session, grouped: Grouped) -> set[int]:
    """A track the fingerprint rule split off (``<base>~f<id>``) holds files whose tags give ``<base>``,
    the other track's uid: their audio set them apart, so they stay. Returns the tracks keeping files."""
    uids = {
        row[0]: row[1]
        for chunk in chunked(sorted(grouped))
        for row in select_in(session, TRACKS, ("id", "track_uid"), "id", chunk)
    }
    keeping: set[int] = set()
    for tid, groups in grouped.items():
        uid = uids.get(tid, "")
        if FINGERPRINT_VARIANT not in uid:
            continue
        base = base_uid(uid)
        remaining = [g for g in groups if g[0][1].track_uid != base]
        if len(remaining) < len(groups):
            keeping.add(tid)
            grouped[tid] = remaining
    return keeping


def _keep_tracks(session: Session, grouped: Grouped) -> None:
    """Give each track the uid (and length) of its keeper group, so the writer puts that group back on
    it; a uid another track already holds stays that track's."""
    wanted: dict[int, tuple[str, float]] = {}
    for tid, groups in grouped.items():
        if groups:
            first = groups[0][0][1]
            wanted[tid] = (first.track_uid, first.duration_secs)
    bases = sorted({uid for uid, _ in wanted.values()})
    holders: dict[str, int] = {
        row[0]: row[1]
        for chunk in chunked(bases)
        for row in select_in(session, TRACKS, ("track_uid", "id"), "track_uid", chunk)
    }
    renames: list[dict[str, object]] = []
    for tid, (uid, length) in wanted.items():
        if holders.setdefault(uid, tid) == tid:
            renames.append({"tid": tid, "uid": uid, "length": length})
        # else: another track already is this recording; the writer joins these files to it by length
    if renames:
        statement = (
            update(TRACKS)
            .where(TRACKS.c.id == bindparam("tid"))
            .values(track_uid=bindparam("uid"), duration_secs=bindparam("length"))
        )
        session.execute(statement, renames)


def _count(rows: Sequence[Any], track_id: int) -> int:
    return sum(1 for row in rows if row[2] == track_id)
