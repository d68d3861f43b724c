"""The dry run of an import: what :func:`scrobbler.ingest.ingest_file` would do with a file, writing nothing.

The preview reads the file exactly as the import does (same importer, same row checks, same batches of
``batch_size`` rows) and replays the batch writer's decisions (scrobbler/ingest_batch.py) against the
database with reads only: which raw keys are stored already or repeat an earlier row of the file, which
rows an id links to a track at once, and which repeat another source's listen (merged). What an earlier
batch of the same file would have written is kept in memory (:class:`_Overlay`), so later batches see it
as the real import would. The resulting :class:`~scrobbler.ingest.IngestReport` has the counts the import
gives on the same database; a test imports after a preview and compares.

On MariaDB the raw dedupe key is compared under the column's collation (utf8mb4_unicode_ci: case and
accents do not count, trailing spaces neither); :func:`_collation_key` folds keys the same way.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import numpy as np
from sqlalchemy import BigInteger, select, type_coerce
from sqlalchemy.orm import Session

from models.engine import Database
from models.progress import CancelToken, Progress
from models.users import User
from scrobbler import importers
from scrobbler.importers import Importer, ImportOptions
from scrobbler.ingest import DEFAULT_BATCH_SIZE, DEFAULT_DUPLICATE_WINDOW_SECS, IngestReport
from scrobbler.ingest_batch import (
    RAW,
    BatchResult,
    _Canonical,
    _find_twin,
    _id_links,
    _load_duplicate_sources,
    _stored_neighbours,
    _time_ranges,
)
from scrobbler.ingest_rows import PreparedListen
from scrobbler.ingest_worker import BACKGROUND_MIN_BYTES, FailedRow, Piece, background_pieces, prepare_rows
from scrobbler.records import ImportProblem

PREVIEW_STAGE = "check"


@dataclass
class FilePreview:
    """One file's dry run. ``report`` holds the counts the import would give (None when the file cannot
    be imported: ``error`` says why). ``repeated_in_file`` is the part of ``report.duplicates`` that repeats
    an earlier row of the same file; the rest is stored already. ``warning``: the file reads, but no
    listen would come out of it because rows failed."""

    path: Path
    format_name: str | None
    report: IngestReport | None
    error: str | None = None
    repeated_in_file: int = 0
    warning: str | None = None

    @property
    def already_stored(self) -> int:
        return 0 if self.report is None else self.report.duplicates - self.repeated_in_file

    @property
    def importable(self) -> bool:
        """Whether importing the file would write anything (new listens, or copies merged into stored ones)."""
        report = self.report
        return report is not None and not report.cancelled and (report.imported + report.merged) > 0


@dataclass
class ImportPreview:
    files: list[FilePreview] = field(default_factory=list)
    cancelled: bool = False

    @property
    def would_import(self) -> int:
        return sum(item.report.imported for item in self.files if item.report is not None)


def unusable_reason(path: Path) -> str | None:
    """Why ``path`` cannot be a history file at all (missing, a folder, empty, unreadable), else None."""
    if not path.exists():
        return "the file does not exist (moved or deleted?)"
    if path.is_dir():
        return "this is a folder; choose the history files inside it"
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except OSError as error:
        return f"the file cannot be read: {error.strerror or error}"
    if size == 0:
        return "the file is empty"
    return None


def unknown_format_reason() -> str:
    return (
        "not a listening history Tonearm can read (it reads exports from ListenBrainz, Last.fm, Libre.fm, "
        "Spotify and Maloja, and players' .scrobbler.log files)"
    )


def preview_files(
    db: Database,
    paths: Sequence[str | Path],
    user: User | int,
    *,
    options: ImportOptions | None = None,
    cancel: CancelToken | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    duplicate_window_secs: int = DEFAULT_DUPLICATE_WINDOW_SECS,
) -> Generator[Progress, None, ImportPreview]:
    """Dry-run each file (format detected, as ``tonearm import`` does); a file that cannot be imported gets
    its reason in ``error`` and the others go on."""
    result = ImportPreview()
    for given in paths:
        if cancel is not None and cancel.cancelled:
            break
        path = Path(given)
        reason = unusable_reason(path)
        importer = None if reason is not None else importers.detect(path)
        if reason is None and importer is None:
            reason = unknown_format_reason()
        if importer is None:
            result.files.append(FilePreview(path, None, None, reason))
            continue
        item = FilePreview(path, importer.NAME, None)
        try:
            item.report = yield from _preview(
                db, importer, path, user, options, cancel, batch_size, duplicate_window_secs, item
            )
        except Exception as error:  # a file the parser gives up on: the import would fail the same way
            item.report, item.error = None, f"the file cannot be read as {importer.NAME}: {error}"
        else:
            item.warning = _why_nothing_imported(path, item.report)
        result.files.append(item)
    result.cancelled = cancel is not None and cancel.cancelled
    return result


def preview_file(
    db: Database,
    importer: Importer,
    path: Path,
    user: User | int,
    *,
    options: ImportOptions | None = None,
    cancel: CancelToken | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    duplicate_window_secs: int = DEFAULT_DUPLICATE_WINDOW_SECS,
    background: bool | None = None,
) -> Generator[Progress, None, FilePreview]:
    """The dry run of ``ingest_file(db, importer, path, user, ...)`` with the same arguments."""
    item = FilePreview(path, importer.NAME, None)
    item.report = yield from _preview(
        db, importer, path, user, options, cancel, batch_size, duplicate_window_secs, item, background
    )
    item.warning = _why_nothing_imported(path, item.report)
    return item


def _why_nothing_imported(path: Path, report: IngestReport) -> str | None:
    """The CLI's rule (app/commands/listens.py): rows failed and none would be stored."""
    if report.cancelled or report.imported + report.duplicates + report.merged or not report.failed_count:
        return None
    return f"no row of {path.name} can be imported ({report.failed_count:,} failed)"


def _pieces(
    importer: Importer, path: Path, options: ImportOptions | None, background: bool | None
) -> Iterator[Piece]:
    """The import's own reading path: a parser process for large files, in-process otherwise."""
    if background is None:
        background = path.stat().st_size >= BACKGROUND_MIN_BYTES
    if background:
        return background_pieces(importer.NAME, path, options)
    return iter(prepare_rows(importer.parse(path, options)))  # type: ignore[arg-type]


def _preview(
    db: Database,
    importer: Importer,
    path: Path,
    user: User | int,
    options: ImportOptions | None,
    cancel: CancelToken | None,
    batch_size: int,
    window_secs: int,
    item: FilePreview,
    background: bool | None = None,
) -> Generator[Progress, None, IngestReport]:
    user_id = user if isinstance(user, int) else user.id
    report = IngestReport()
    overlay = _Overlay(_collation_key if db.engine.dialect.name != "sqlite" else _exact_key)
    batch: list[PreparedListen] = []
    name = path.name

    def flush() -> Progress:
        with db.sessions() as session:  # read only: closing it rolls back
            result, repeated = _plan_batch(session, user_id, batch, window_secs, overlay)
        report.add_batch(result)
        item.repeated_in_file += repeated
        batch.clear()
        message = f"{name}: {report.imported:,} would be imported"
        return Progress(PREVIEW_STAGE, report.read, None, message, report.counts())

    pieces = _pieces(importer, path, options, background)
    try:
        for piece in pieces:
            if cancel is not None and cancel.cancelled:
                report.cancelled = True
                break
            if isinstance(piece, PreparedListen):
                piece = [piece]
            if not isinstance(piece, list):
                report.read += 1
                if isinstance(piece, FailedRow):
                    report.add_failure(piece.location, piece.reason)
                elif isinstance(piece, ImportProblem):
                    report.add_problem(piece)
                continue
            start = 0
            while start < len(piece):
                taken = piece[start : start + batch_size - len(batch)]
                batch.extend(taken)
                report.read += len(taken)
                start += len(taken)
                if len(batch) >= batch_size:
                    yield flush()
        if batch and not report.cancelled:
            yield flush()
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:  # stop a background parser at once
            close()
    return report


def _exact_key(text: str) -> str:
    return text


def _collation_key(text: str) -> str:
    """``text`` as utf8mb4_unicode_ci compares it: no case, no accents, trailing spaces ignored."""
    if text.isascii():
        return text.lower().rstrip(" ")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().rstrip(" ")


_LISTENED_AT = itemgetter(PreparedListen._fields.index("listened_at"))
# PreparedListen.raw_key by itemgetter (C speed); tests/scrobbler/test_ingest_preview.py checks they agree.
_RAW_KEY_FIELDS = ("raw_listened_at", "source", "source_track_id")
_RAW_KEY = itemgetter(*(PreparedListen._fields.index(name) for name in _RAW_KEY_FIELDS))


class _Overlay:
    """What the earlier batches of one file would have written, as later batches of the real import see it:
    the raw keys, the new canonical listens, and the sources that merged into stored or new listens.

    Kept compact, so a dry run of a million listens does not hold a million Python objects: per batch, the
    raw keys' hashes as one sorted int64 array, and the new listens as parallel arrays (time, source,
    names, track, virtual id) with the source and names as indexes into short lists of distinct values.
    Python's 64-bit hash of a raw key stands for the key: two different keys of one file sharing a hash
    (about 3 in 10^8 for a million rows) would count one new row as a repeat.
    """

    def __init__(self, fold: Callable[[str], str]) -> None:
        self.fold = fold
        self.exact = fold is _exact_key
        self.seen: list[np.ndarray] = []  # per batch: sorted hashes of the raw keys it would have inserted
        self.batches: list[tuple[np.ndarray, ...]] = []  # per batch: times, sources, names, tracks, vids
        self.stored_sources: dict[int, set[str]] = {}  # listen_id -> sources merged into it
        self.virtual_sources: dict[int, set[str]] = {}  # vid -> sources merged into it
        self.source_list: list[str] = []
        self.source_ids: dict[str, int] = {}
        self.name_list: list[tuple[str, str]] = []
        self.name_ids: dict[tuple[str, str], int] = {}
        self.next_vid = 1

    def key(self, raw_key: tuple[int, str, str]) -> tuple[int, str, str]:
        if self.exact:
            return raw_key
        return (raw_key[0], self.fold(raw_key[1]), self.fold(raw_key[2]))

    def seen_before(self, hashes: list[int]) -> np.ndarray:
        """Which of ``hashes`` an earlier batch would have inserted (a boolean per hash)."""
        wanted = np.asarray(hashes, dtype=np.int64)
        found = np.zeros(len(wanted), dtype=bool)
        for earlier in self.seen:
            at = np.searchsorted(earlier, wanted).clip(max=len(earlier) - 1)
            found |= earlier[at] == wanted
        return found

    def keep_keys(self, hashes: list[int]) -> None:
        if hashes:
            self.seen.append(np.sort(np.asarray(hashes, dtype=np.int64)))

    def stored_keys(self, session: Session, user_id: int, times: list[int]) -> set[tuple[int, str, str]]:
        """The raw keys stored for ``user_id`` at the seconds of ``times`` (ranges of the index)."""
        listened_at = type_coerce(RAW.c.listened_at, BigInteger)
        found: set[tuple[int, str, str]] = set()
        for low, high in _time_ranges(times, 0):
            query = select(listened_at, RAW.c.source, RAW.c.source_track_key).where(
                RAW.c.user_id == user_id, listened_at >= low, listened_at <= high
            )
            for at, source, track_key in session.execute(query):
                found.add(self.key((int(at), source, track_key or "")))
        return found

    def near(self, times: list[int], window_secs: int) -> list[_Canonical]:
        """Listens earlier batches would have written within the window of ``times``."""
        found: list[_Canonical] = []
        for low, high in _time_ranges(times, window_secs):
            for batch_times, sources, names, tracks, vids in self.batches:
                start, stop = np.searchsorted(batch_times, [low, high + 1])
                for i in range(int(start), int(stop)):
                    vid = int(vids[i])
                    track = int(tracks[i])
                    canonical = _Canonical(
                        int(batch_times[i]),
                        self.source_list[sources[i]],
                        self.name_list[names[i]],
                        None if track < 0 else track,
                        raw_id=vid,
                    )
                    canonical.duplicate_sources.update(self.virtual_sources.get(vid, ()))
                    found.append(canonical)
        return found

    def keep(self, fresh: list[tuple[PreparedListen, int | None, int]]) -> None:
        if not fresh:
            return
        ordered = sorted(fresh, key=lambda item: item[0].listened_at)
        source_ids, name_ids = self.source_ids, self.name_ids
        sources, names = [], []
        for row, _, _ in ordered:
            source = source_ids.get(row.source)
            if source is None:
                source = source_ids[row.source] = len(self.source_list)
                self.source_list.append(row.source)
            pair = row.names
            name = name_ids.get(pair)
            if name is None:
                name = name_ids[pair] = len(self.name_list)
                self.name_list.append(pair)
            sources.append(source)
            names.append(name)
        self.batches.append(
            (
                np.fromiter((row.listened_at for row, _, _ in ordered), np.int64, len(ordered)),
                np.asarray(sources, dtype=np.int32),
                np.asarray(names, dtype=np.int32),
                np.fromiter((-1 if t is None else t for _, t, _ in ordered), np.int64, len(ordered)),
                np.fromiter((vid for _, _, vid in ordered), np.int64, len(ordered)),
            )
        )


def _plan_batch(
    session: Session, user_id: int, rows: Sequence[PreparedListen], window_secs: int, overlay: _Overlay
) -> tuple[BatchResult, int]:
    """What ``ingest_batch.write_batch`` would do with ``rows``, read-only; also how many rows repeat an
    earlier row of the file. Mirrors write_batch step by step (keep the two in step)."""
    result = BatchResult()
    if not rows:
        return result, 0
    ordered = sorted(rows, key=_LISTENED_AT)
    raw_keys = list(map(_RAW_KEY, ordered))
    stored_keys = overlay.stored_keys(session, user_id, [key[0] for key in raw_keys])
    unstored = [
        (row, hash(key))
        for row, key in zip(ordered, map(overlay.key, raw_keys), strict=True)
        if key not in stored_keys
    ]
    earlier = overlay.seen_before([hashed for _, hashed in unstored])
    new: list[PreparedListen] = []
    kept: list[int] = []
    this_batch: set[int] = set()
    repeated = 0
    for (row, hashed), before in zip(unstored, earlier.tolist(), strict=True):  # the INSERT-or-ignore
        if before or hashed in this_batch:
            repeated += 1
            continue
        this_batch.add(hashed)
        kept.append(hashed)
        new.append(row)
    overlay.keep_keys(kept)
    result.inserted = len(new)
    result.already_stored = len(rows) - len(new)
    if not new:
        return result, repeated

    links = _id_links(session, new)
    new_times = list(map(_LISTENED_AT, new))
    stored = _stored_neighbours(session, user_id, new_times, window_secs) + overlay.near(
        new_times, window_secs
    )
    sources = {row.source for row in new}
    sources.update(canonical.source for canonical in stored)
    by_name = len(sources) > 1
    by_names: dict[tuple[str, str], list[_Canonical]] = {}
    by_track_time: dict[tuple[int, int], _Canonical] = {}
    for canonical in stored:
        by_names.setdefault(canonical.names, []).append(canonical)
        if canonical.track_id is not None:
            by_track_time[(canonical.track_id, canonical.listened_at)] = canonical
    if stored and by_name:
        new_names = {row.names for row in new}
        candidates = [c for c in stored if c.names in new_names and c.listen_id is not None]
        _load_duplicate_sources(session, candidates)
        for canonical in candidates:
            canonical.duplicate_sources.update(overlay.stored_sources.get(canonical.listen_id or 0, ()))

    fresh: list[tuple[PreparedListen, int | None, int]] = []
    duplicates = 0
    if not links and not by_name:  # the writer's plain file import: every row is a new listen
        fresh = [(row, None, overlay.next_vid + i) for i, row in enumerate(new)]
        overlay.next_vid += len(new)
        new = []
    for row in new:
        track_id, reason = links.get(id(row), (None, None))
        twin = by_track_time.get((track_id, row.listened_at)) if track_id is not None else None
        if twin is None and by_name:
            twin = _find_twin(row, by_names, window_secs)
        if twin is not None:
            twin.duplicate_sources.add(row.source)
            if twin.listen_id is not None:
                overlay.stored_sources.setdefault(twin.listen_id, set()).add(row.source)
            else:
                overlay.virtual_sources.setdefault(twin.raw_id or 0, set()).add(row.source)
            duplicates += 1
            continue
        vid = overlay.next_vid
        overlay.next_vid += 1
        if by_name or track_id is not None:
            canonical = _Canonical(row.listened_at, row.source, row.names, track_id, raw_id=vid)
            if by_name:
                by_names.setdefault(canonical.names, []).append(canonical)
            if track_id is not None:
                by_track_time[(track_id, row.listened_at)] = canonical
                result.linked[reason or ""] = result.linked.get(reason or "", 0) + 1
        fresh.append((row, track_id, vid))
    overlay.keep(fresh)
    result.cross_source_duplicates = duplicates
    return result, repeated
