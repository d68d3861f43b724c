"""``find_duplicates``: duplicate groups of the library's present, analysed files.

(a) identical audio hash: the same encoded audio under other tags or paths (score 1.0);
(b) the same recording by fingerprint across formats, bitrates and small trims: candidates from the
inverted index, verified by aligned bit-error comparison. Files with one audio hash are one fingerprint
node, so a group of kind (b) may contain identical copies too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analyzer.audio.fingerprint import decode_fingerprint
from analyzer.duplicates.candidates import candidate_pairs
from analyzer.duplicates.grouping import MATCH_THRESHOLD, verified_groups
from analyzer.duplicates.keep import DuplicateFile, keep_rank, suggest_keep
from models.enums import AnalysisStatus, EntityType, ScanStatus
from models.external_ids import ExternalId
from models.media import Fingerprint, MediaFile
from models.tracks import Track, TrackGenre


@dataclass(frozen=True)
class DuplicateGroup:
    reason: Literal["audio_hash", "fingerprint"]
    score: float  # 1.0 for identical audio; the weakest verified fingerprint match otherwise
    files: list[DuplicateFile]  # the suggested keeper first
    keep: DuplicateFile
    why: str

    @property
    def explanation(self) -> str:
        if self.reason == "audio_hash":
            return "identical audio (same audio hash), other tags or path"
        return f"same recording by fingerprint (score {self.score:.2f})"


def find_duplicates(session: Session, *, threshold: float = MATCH_THRESHOLD) -> list[DuplicateGroup]:
    """All duplicate groups, largest first. Files whose decode failed have no hash or fingerprint and
    are not considered."""
    files, prints = _load(session)
    by_hash: dict[str, list[DuplicateFile]] = defaultdict(list)
    for item in files:
        if item.audio_hash:
            by_hash[item.audio_hash].append(item)
    # One fingerprint node per audio hash (or per file without a hash).
    nodes: list[list[DuplicateFile]] = []
    frames: list[np.ndarray] = []
    durations: list[float] = []
    seen_hashes: set[str] = set()
    for item in files:
        fp = prints.get(item.media_file_id)
        if fp is None or (item.audio_hash and item.audio_hash in seen_hashes):
            continue
        try:
            decoded = decode_fingerprint(fp[0])
        except ValueError:
            continue  # a damaged stored fingerprint: re-analysis replaces it
        if item.audio_hash:
            seen_hashes.add(item.audio_hash)
        nodes.append(by_hash[item.audio_hash] if item.audio_hash else [item])
        frames.append(decoded)
        durations.append(fp[1])
    pairs, _ = candidate_pairs(frames, np.asarray(durations))
    groups, _ = verified_groups(frames, pairs, threshold=threshold)
    out: list[DuplicateGroup] = []
    grouped_hashes: set[str] = set()
    for members, score in groups:
        group_files = [f for m in members for f in nodes[m]]
        grouped_hashes.update(f.audio_hash for f in group_files if f.audio_hash)
        out.append(_group("fingerprint", round(score, 4), group_files))
    for audio_hash, same in by_hash.items():
        if len(same) > 1 and audio_hash not in grouped_hashes:
            out.append(_group("audio_hash", 1.0, same))
    out.sort(key=lambda g: (-len(g.files), g.keep.path))
    return out


def _group(
    reason: Literal["audio_hash", "fingerprint"], score: float, files: list[DuplicateFile]
) -> DuplicateGroup:
    keep, why = suggest_keep(files)
    return DuplicateGroup(reason, score, sorted(files, key=keep_rank), keep, why)


def _load(session: Session) -> tuple[list[DuplicateFile], dict[int, tuple[str, float]]]:
    rows = session.execute(
        select(MediaFile.id, MediaFile.file_path, MediaFile.format, MediaFile.codec, MediaFile.bitrate,
               MediaFile.lossless, MediaFile.duration_secs, MediaFile.track_id, MediaFile.audio_hash)
        .where(MediaFile.scan_status != ScanStatus.MISSING, MediaFile.analysis_status == AnalysisStatus.DONE)
        .order_by(MediaFile.id)
    ).tuples().all()  # fmt: skip
    if not rows:
        return [], {}  # nothing analysed: no hashes or prints to group (and no tag reading on a big library)
    tag_scores = _tag_scores(session)
    files = [
        DuplicateFile(
            mid,
            path,
            fmt,
            codec,
            bitrate,
            bool(lossless),
            duration,
            track,
            audio_hash,
            tag_scores.get(track, 0) if track is not None else 0,
        )  # fmt: skip
        for mid, path, fmt, codec, bitrate, lossless, duration, track, audio_hash in rows
    ]
    prints = {
        mid: (chromaprint, float(duration))
        for mid, chromaprint, duration in session.execute(
            select(Fingerprint.media_file_id, Fingerprint.chromaprint, Fingerprint.duration_secs)
        ).tuples()
    }
    return files, prints


def _tag_scores(session: Session) -> dict[int, int]:
    """Per track: title, artist, album, any genre, any external id (MBIDs, ISRC...) — one point each."""
    scores: dict[int, int] = {}
    for tid, title, artist, album in session.execute(
        select(Track.id, Track.title, Track.primary_artist_id, Track.album_id)
    ).tuples():
        scores[tid] = int(bool(title)) + int(artist is not None) + int(album is not None)
    for (tid,) in session.execute(select(TrackGenre.track_id).group_by(TrackGenre.track_id)).tuples():
        scores[tid] = scores.get(tid, 0) + 1
    for (tid,) in session.execute(
        select(ExternalId.entity_id)
        .where(ExternalId.entity_type == EntityType.TRACK)
        .group_by(ExternalId.entity_id)
        .having(func.count() > 0)
    ).tuples():
        scores[int(tid)] = scores.get(int(tid), 0) + 1
    return scores
