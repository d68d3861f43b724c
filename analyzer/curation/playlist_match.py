"""Matching playlist entries to library tracks: a score 0-100 and a status per entry.

Strongest evidence first: the entry's path is a library file (100); the path moved or names another
machine, and a library file with the same name (and folders, and length) is found; else the entry's names
and IDs go through the listen matcher (:class:`analyzer.matching.Matcher`: IDs, exact keys, aliases,
fuzzy candidates, versions never confused), whose calibrated confidence becomes the score. Pure and
in-memory once loaded: :meth:`PlaylistMatcher.load` reads what it needs in a few selects.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.orm import Session

from analyzer.curation._focused_index import focused_index
from analyzer.curation.playlist_formats import ParsedEntry
from analyzer.curation.playlist_paths import EntryLocation, entry_location, names_from_path, shared_tail
from analyzer.matching import CatalogIndex, ListenQuery, Matcher, MatchSettings
from analyzer.scan.paths import path_hash
from models.curation import EntryStatus
from models.enums import ScanStatus
from models.media import MediaFile

DURATION_AGREES_SECS = 3.0  # the matcher's slack: encoders and sources round lengths differently
DURATION_DIFFERS_SECS = 10.0  # a file this much longer or shorter is another edit, not the listed one
_UNIDENTIFIED = {"id", "unknown", "?", "??", "???"}  # "ID - ID": a DJ set's unreleased track


@dataclass(frozen=True, slots=True)
class EntryMatch:
    """The decision for one entry. ``candidates``: (track id, score, features JSON), best first; kept for
    ambiguous and missing entries (and for a link that had a plausible rival)."""

    status: EntryStatus
    track_id: int | None
    score: int
    reason: str
    candidates: tuple[tuple[int, int, str], ...] = ()


@dataclass(slots=True)
class _File:
    path: str
    parts: tuple[str, ...]
    track_id: int
    duration: float | None


@dataclass
class LibraryFiles:
    """Present, identified files by path key and by file name (case-folded), for paths and re-finding."""

    by_hash: dict[str, _File] = field(default_factory=dict)
    by_name: dict[str, list[_File]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(
        cls, session: Session, *, names: set[str] | None = None, hashes: set[str] | None = None
    ) -> LibraryFiles:
        """Every present identified file; or, given the file names (case-folded) and path keys a
        playlist holds, only the files that answer to them (one pass over the paths, none kept)."""
        files = cls()
        present = (MediaFile.track_id.is_not(None), MediaFile.scan_status != ScanStatus.MISSING)
        columns = (MediaFile.file_path, MediaFile.file_path_hash, MediaFile.track_id, MediaFile.duration_secs)
        if names is None and hashes is None:
            rows = session.execute(select(*columns).where(*present).order_by(MediaFile.id)).tuples()
            for path, key, track_id, duration in rows:
                files._add(path, key, track_id, duration)
            return files
        wanted = sorted(hashes or ())
        for start in range(0, len(wanted), 2000):
            key_chunk = wanted[start : start + 2000]
            for row in session.execute(
                select(*columns).where(*present, MediaFile.file_path_hash.in_(key_chunk))
            ).tuples():
                files._add(*row)
        if names:
            # One pass over the stored paths as text (no per-row decoding): a few are kept.
            stored = type_coerce(MediaFile.file_path, Text)
            ids = [
                media_id
                for media_id, path in session.connection().execute(
                    select(MediaFile.id, stored).where(*present)
                )
                if path[path.rfind("/") + 1 :].casefold() in names or path.startswith("bytes:")
            ]
            for start in range(0, len(ids), 2000):
                id_chunk = ids[start : start + 2000]
                rows = session.execute(
                    select(*columns).where(MediaFile.id.in_(id_chunk)).order_by(MediaFile.id)
                ).tuples()
                for row in rows:
                    files._add(*row)
        return files

    def _add(self, path: str, key: str, track_id: int | None, duration: float | None) -> None:
        if track_id is None or key in self.by_hash:
            return
        parts = tuple(p for p in path.split("/") if p)
        found = _File(path, parts, track_id, duration)
        self.by_hash[key] = found
        if parts:
            self.by_name[parts[-1].casefold()].append(found)


class PlaylistMatcher:
    """Matches parsed entries against one catalog snapshot (index + files). Build with :meth:`load`."""

    def __init__(
        self, index: CatalogIndex, files: LibraryFiles, settings: MatchSettings | None = None
    ) -> None:
        self.matcher = Matcher(index, settings)
        self.files = files

    @classmethod
    def load(
        cls,
        session: Session,
        settings: MatchSettings | None = None,
        *,
        entries: Iterable[tuple[ParsedEntry, str | None]] | None = None,
    ) -> PlaylistMatcher:
        """Read the catalog. Given the (entry, playlist folder) pairs to match, only what they can reach is
        read (same decisions, a fraction of the time: :mod:`analyzer.curation._focused_index`)."""
        if entries is None:
            return cls(CatalogIndex.load(session), LibraryFiles.load(session), settings)
        queries: list[ListenQuery] = []
        names: set[str] = set()
        hashes: set[str] = set()
        for entry, base in entries:
            where = entry_location(entry.location, base)
            if where is not None and where.local is not None:
                hashes.add(path_hash(where.local))
            if where is not None and where.file_name:
                names.add(where.file_name.casefold())
            query = entry_query(entry, where)
            if query is not None:
                queries.append(query)
        return cls(
            focused_index(session, queries), LibraryFiles.load(session, names=names, hashes=hashes), settings
        )

    def match_all(self, entries: Iterable[ParsedEntry], base_dir: str | None) -> list[EntryMatch]:
        return [self.match(entry, base_dir) for entry in entries]

    def match(self, entry: ParsedEntry, base_dir: str | None) -> EntryMatch:
        """One entry's decision; ``base_dir`` is the playlist's folder (relative paths start there)."""
        where = entry_location(entry.location, base_dir)
        if where is not None and where.local is not None:
            found = self.files.by_hash.get(path_hash(where.local))
            if found is not None:
                return EntryMatch(EntryStatus.MATCHED, found.track_id, 100, "path")
        if _unidentified(entry):
            return EntryMatch(EntryStatus.MISSING, None, 0, "unidentified")
        by_names = self._by_names(entry, where)
        if where is not None and where.parts:
            refound = self._refind(entry, where, by_names)
            if refound is not None:
                return refound
        if by_names is None:
            return EntryMatch(EntryStatus.MISSING, None, 0, "nothing_to_match")
        return by_names

    def _by_names(self, entry: ParsedEntry, where: EntryLocation | None) -> EntryMatch | None:
        query = entry_query(entry, where)
        if query is None:
            return None
        outcome = self.matcher.match(query)
        candidates = tuple((c.track_id, _score(c.confidence), c.features_json) for c in outcome.candidates)
        score = _score(outcome.confidence)
        if outcome.status == "matched":
            return EntryMatch(EntryStatus.MATCHED, outcome.track_id, score, outcome.reason, candidates)
        status = EntryStatus.AMBIGUOUS if outcome.status == "ambiguous" else EntryStatus.MISSING
        return EntryMatch(status, None, score, outcome.reason, candidates)

    def _refind(
        self, entry: ParsedEntry, where: EntryLocation, by_names: EntryMatch | None
    ) -> EntryMatch | None:
        """A file with the entry's file name; more shared folders and an agreeing length rank it higher.
        A unique best is linked unless the entry's own names clearly point at another track."""
        name = where.file_name
        if not name:
            return None
        scored: list[tuple[int, _File]] = []
        for found in self.files.by_name.get(name.casefold(), ()):
            if _lengths_differ(entry.duration_secs, found.duration):
                continue
            scored.append((shared_tail(where.parts, found.parts), found))
        if not scored:
            return None
        scored.sort(key=lambda item: -item[0])
        best_tail, best = scored[0]
        evidence = {"file_name": name, "via": "refound"}
        found_rows = tuple(
            (
                f.track_id,
                60 + min(30, 10 * (tail - 1)),
                json.dumps({**evidence, "shared": tail, "path": f.path}),
            )
            for tail, f in scored[:5]
        )
        if by_names is not None and by_names.status == EntryStatus.MATCHED:
            if any(f.track_id == by_names.track_id for _, f in scored):
                return EntryMatch(
                    EntryStatus.MATCHED, by_names.track_id, max(by_names.score, 95), "refound_and_names"
                )
            # The file name says one track, the entry's names another: a person decides.
            names_row = (int(by_names.track_id or 0), by_names.score, json.dumps({"via": by_names.reason}))
            return EntryMatch(
                EntryStatus.AMBIGUOUS, None, 60, "path_names_disagree", (names_row, *found_rows)
            )
        if any(tail == best_tail and f.track_id != best.track_id for tail, f in scored[1:]):
            return EntryMatch(EntryStatus.AMBIGUOUS, None, 60, "refound_several", found_rows)
        agrees = (
            entry.duration_secs is not None
            and best.duration is not None
            and abs(entry.duration_secs - best.duration) <= DURATION_AGREES_SECS
        )
        score = min(99, 85 + 5 * (best_tail - 1) + (5 if agrees else 0))
        reason = "refound_path" if best_tail > 1 else "refound_file_name"
        return EntryMatch(EntryStatus.MATCHED, best.track_id, score, reason)


def entry_query(entry: ParsedEntry, where: EntryLocation | None) -> ListenQuery | None:
    """What the listen matcher is asked for an entry: its names and IDs, else names read from its path."""
    artist, title, album = entry.artist, entry.title, entry.album
    if not title and where is not None and where.parts:
        artist, title, album = names_from_path(where.parts)
    if not (title or entry.recording_mbid or entry.isrc or entry.spotify_id):
        return None
    return ListenQuery(artist or "", title or "", album, entry.duration_secs,
                       entry.recording_mbid, entry.isrc, entry.spotify_id)  # fmt: skip


def _lengths_differ(listed: float | None, actual: float | None) -> bool:
    return bool(listed and actual and abs(listed - actual) > DURATION_DIFFERS_SECS)


def _score(confidence: float | None) -> int:
    return 0 if confidence is None else max(0, min(100, round(confidence * 100)))


def _unidentified(entry: ParsedEntry) -> bool:
    return (entry.title or "").strip().casefold() in _UNIDENTIFIED and not entry.location
