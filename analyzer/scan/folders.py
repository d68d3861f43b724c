"""Library folders: the folders a person chose, kept in the database so the CLI and the app share them.

Rules a caller can rely on:

- A folder is stored absolute and normalised (``~`` expanded, ``..`` and trailing separators removed),
  symlinks not resolved, the same way ``media_files`` stores paths.
- Folders never nest. Adding a folder inside a library folder is refused (it is already scanned);
  adding a parent of library folders replaces them (the parent covers everything they covered, so no
  file leaves the library).
- The library is what lies under its folders. Removing a folder deletes its files' rows (with their
  fingerprints and features) and prunes the tracks no file holds any more, as a rescan prunes orphans,
  except tracks a playlist or event refers to. Listens linked to a pruned track are never lost: they
  are unlinked and go back to ``pending``, so the next ``enrich`` matches them again (to another copy, or
  to the same recording when the folder is added back and rescanned).

The caller owns the transaction; these functions only flush.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, delete, func, or_, select, type_coerce, update
from sqlalchemy.orm import Session

from analyzer.catalog.orphans import prune_orphan_tracks
from analyzer.catalog.upsert import chunked
from analyzer.scan.paths import path_hash
from models.curation import EventRecording, PlaylistItem
from models.enums import EnrichStatus
from models.folders import LibraryFolder as FolderRow
from models.listen_changes import note_spans_changed
from models.listens import Listen, ListenMatchCandidate
from models.media import AcoustidSubmission, AudioFeatures, Fingerprint, MediaFile
from models.types import encode_path, utcnow


@dataclass(frozen=True)
class LibraryFolder:
    id: int
    path: str
    added_at: datetime
    worker_path: str | None = None  # where an analysis cluster's workers see it (``map_folder``)


class FolderError(Exception):
    """A folder cannot be added or removed; the message is one line, for people."""


@dataclass(frozen=True)
class RemovedFolder:
    """What removing a folder took out of the library."""

    folder: LibraryFolder
    files_removed: int
    tracks_removed: int
    listens_unlinked: int


def list_folders(session: Session) -> list[LibraryFolder]:
    """Every library folder, sorted by path."""
    rows = session.scalars(select(FolderRow)).all()
    return sorted((_view(row) for row in rows), key=lambda folder: folder.path)


def add_folder(session: Session, path: str | os.PathLike[str]) -> LibraryFolder:
    """Add a readable folder to the library and return it; a library folder inside it is replaced.

    Raises :class:`FolderError` when the path is empty, missing, not a folder, unreadable, already a
    library folder, or inside one."""
    folder = normalise_folder(path)
    if not os.path.exists(folder):
        raise FolderError(f"no such folder: {folder}")
    if not os.path.isdir(folder):
        raise FolderError(f"not a folder: {folder} (add the folder that holds it)")
    try:
        with os.scandir(folder):
            pass
    except OSError as exc:
        raise FolderError(f"cannot read the folder {folder}: {exc.strerror or exc}") from exc
    rows = session.scalars(select(FolderRow)).all()
    for row in rows:
        if row.path == folder:
            raise FolderError(f"already a library folder: {folder}")
        if _is_inside(folder, row.path):
            raise FolderError(f"already in the library: {folder} is inside the library folder {row.path}")
    for row in rows:
        if _is_inside(row.path, folder):
            session.delete(row)  # covered by the new parent: its files stay in the library
    # Whole seconds: MariaDB's DATETIME keeps no more, and the caller gets what list_folders will give.
    added = FolderRow(path=folder, path_hash=path_hash(folder), added_at=utcnow().replace(microsecond=0))
    session.add(added)
    session.flush()
    return _view(added)


def remove_folder(session: Session, path_or_id: str | int) -> RemovedFolder:
    """Remove a library folder (by id, or by path: it need not exist on disk any more) and its files.

    Raises :class:`FolderError` when no library folder has that id or path."""
    row = _find(session, path_or_id)
    folder = _view(row)
    session.delete(row)
    session.flush()
    file_ids, track_ids = _files_under(session, folder.path)
    for chunk in chunked(file_ids):
        for model in (Fingerprint, AudioFeatures, AcoustidSubmission):
            session.execute(delete(model).where(model.media_file_id.in_(chunk)))
        session.execute(delete(MediaFile).where(MediaFile.id.in_(chunk)))
    doomed = _tracks_to_prune(session, sorted(track_ids))
    unlinked = _unlink_listens(session, doomed)
    for chunk in chunked(doomed):
        session.execute(delete(ListenMatchCandidate).where(ListenMatchCandidate.track_id.in_(chunk)))
    pruned = prune_orphan_tracks(session, doomed)
    return RemovedFolder(folder, len(file_ids), pruned, unlinked)


def map_folder(session: Session, path_or_id: str | int, worker_path: str | None) -> LibraryFolder:
    """Record where the workers of an analysis cluster see a library folder (None: forget it).

    Raises :class:`FolderError` when no library folder has that id or path, or the worker path is not
    absolute (it is a path on other machines, so it is kept as written, not resolved here)."""
    from analyzer.analysis.path_map import PathMapError, normalise_worker

    row = _find(session, path_or_id)
    try:
        row.worker_path = None if worker_path is None else normalise_worker(worker_path)
    except PathMapError as error:
        raise FolderError(str(error)) from None
    session.flush()
    return _view(row)


def normalise_folder(path: str | os.PathLike[str]) -> str:
    """The absolute, normalised form a folder is stored and compared in (symlinks not resolved)."""
    text = os.fspath(path)
    if not text.strip():
        raise FolderError("no folder given")
    return os.path.abspath(os.path.expanduser(text))


def _view(row: FolderRow) -> LibraryFolder:
    return LibraryFolder(row.id, row.path, row.added_at, row.worker_path)


def _find(session: Session, path_or_id: str | int) -> FolderRow:
    if isinstance(path_or_id, int):
        row = session.get(FolderRow, path_or_id)
        if row is None:
            raise FolderError(f"no library folder has the id {path_or_id}")
        return row
    folder = normalise_folder(path_or_id)
    found = session.scalars(select(FolderRow).where(FolderRow.path_hash == path_hash(folder))).first()
    if found is None:
        raise FolderError(f"not a library folder: {folder}")
    return found


def _is_inside(path: str, folder: str) -> bool:
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    return path.startswith(prefix)


def _files_under(session: Session, folder: str) -> tuple[list[int], set[int]]:
    """Ids of the media rows under ``folder`` and the tracks they held.

    The LIKE prefix narrows the rows on the server; the exact test runs here, because MariaDB's
    collation compares case-insensitively and non-UTF-8 names are stored encoded (``bytes:...``)."""
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    statement = select(MediaFile.id, MediaFile.file_path, MediaFile.track_id).where(
        or_(
            MediaFile.file_path.startswith(encode_path(prefix), autoescape=True),
            MediaFile.file_path.startswith("bytes:"),
        )
    )
    file_ids: list[int] = []
    track_ids: set[int] = set()
    for media_id, path, track_id in session.execute(statement).tuples():
        if path.startswith(prefix):
            file_ids.append(media_id)
            if track_id is not None:
                track_ids.add(track_id)
    return file_ids, track_ids


def _tracks_to_prune(session: Session, track_ids: Sequence[int]) -> list[int]:
    """The tracks no file holds any more and no playlist or event refers to."""
    doomed: list[int] = []
    for chunk in chunked(track_ids):
        statement = select(MediaFile.track_id).where(MediaFile.track_id.in_(chunk)).distinct()
        held = set(session.scalars(statement))
        curated = set(session.scalars(select(PlaylistItem.track_id).where(PlaylistItem.track_id.in_(chunk))))
        curated.update(
            session.scalars(select(EventRecording.track_id).where(EventRecording.track_id.in_(chunk)))
        )
        doomed.extend(track_id for track_id in chunk if track_id not in held and track_id not in curated)
    return doomed


def _unlink_listens(session: Session, track_ids: Sequence[int]) -> int:
    """Send the listens of these tracks back to matching; returns how many there were.

    Found by track (its index), never loaded: removing a whole library of 100,000 tracks unlinks ~850,000
    listens. Each user's span of changed listens goes to the stats rollup."""
    listened = type_coerce(Listen.listened_at, BigInteger)
    spans: dict[int, tuple[int, int]] = {}
    unlinked = 0
    for chunk in chunked(track_ids):
        rows = session.execute(
            select(Listen.user_id, func.min(listened), func.max(listened), func.count())
            .where(Listen.track_id.in_(chunk))
            .group_by(Listen.user_id)
        ).tuples()
        found = 0
        for user_id, lo, hi, count in rows:
            old = spans.get(user_id, (lo, hi))
            spans[user_id] = (min(old[0], lo), max(old[1], hi))
            found += count
        if not found:
            continue
        session.execute(
            update(Listen)
            .where(Listen.track_id.in_(chunk))
            .values(
                track_id=None,
                enrich_status=EnrichStatus.PENDING,
                match_confidence=None,
                match_reason=None,
                last_enriched_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        unlinked += found
    note_spans_changed(session, spans)
    return unlinked


__all__ = [
    "FolderError",
    "LibraryFolder",
    "RemovedFolder",
    "add_folder",
    "list_folders",
    "map_folder",
    "normalise_folder",
    "remove_folder",
]
