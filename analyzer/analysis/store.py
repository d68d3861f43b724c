"""The one writer of analysis results: media_files status and hash, fingerprints, audio_features, and
the regrouping of tracks those fingerprints call for (``analyzer.catalog.fingerprint_identity``).

A batch is one transaction of set-based Core statements (executemany), so a stop loses at most the
batch in progress and a re-run picks those files up again (they are still pending).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlalchemy.orm import Session

from analyzer.analysis.pending import AnalysisJob
from analyzer.analysis.pool import AnalysisFailed, AnalysisOutcome
from analyzer.audio import FileAnalysis
from analyzer.audio.features import feature_vector
from analyzer.catalog.fingerprint_identity import regroup_by_fingerprint
from analyzer.scan.folders import list_folders
from models.enums import AnalysisStatus
from models.media import AudioFeatures, Fingerprint, MediaFile

CHUNK_IDS = 500
_COLUMNS = ("bpm", "bpm_confidence", "key", "scale", "key_strength", "camelot", "loudness_lufs",
            "dynamic_complexity", "danceability", "onset_rate", "energy", "acousticness",
            "instrumentalness", "valence")  # fmt: skip
_DETAILS = ("mfcc_mean", "mfcc_std", "spectral_centroid_mean", "spectral_centroid_std",
            "spectral_contrast_mean", "hpcp_mean", "danceability_score")  # fmt: skip


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def write_results(session: Session, results: Sequence[tuple[AnalysisJob, AnalysisOutcome]]) -> None:
    """Store one batch: replace each file's fingerprint and features, set its status and reason."""
    if not results:
        return
    now = datetime.now(UTC)
    files, prints, features = _table(MediaFile), _table(Fingerprint), _table(AudioFeatures)
    ids = [job.media_file_id for job, _ in results]
    for start in range(0, len(ids), CHUNK_IDS):
        chunk = ids[start : start + CHUNK_IDS]
        session.execute(delete(prints).where(prints.c.media_file_id.in_(chunk)))
        session.execute(delete(features).where(features.c.media_file_id.in_(chunk)))
    status_rows: list[dict[str, Any]] = []
    print_rows: list[dict[str, Any]] = []
    feature_rows: list[dict[str, Any]] = []
    for job, outcome in results:
        if isinstance(outcome, AnalysisFailed):
            status_rows.append(_status(job, None, AnalysisStatus.ERROR, outcome.reason, now))
            continue
        problems = "; ".join(outcome.problems) or None
        status_rows.append(_status(job, outcome.audio_hash, AnalysisStatus.DONE, problems, now))
        if outcome.fingerprint is not None:
            print_rows.append(
                {
                    "media_file_id": job.media_file_id,
                    "chromaprint": outcome.fingerprint,
                    "duration_secs": outcome.fingerprint_duration or outcome.duration_secs,
                    "algorithm": 2,  # Essentia's Chromaprinter uses chromaprint's default (TEST2)
                    "computed_at": now,
                }
            )
        if outcome.features is not None:
            feature_rows.append(_feature_row(job.media_file_id, outcome, now))
    session.execute(
        update(files)
        .where(files.c.id == bindparam("b_id"))
        .values(
            audio_hash=bindparam("b_hash"),
            analysis_status=bindparam("b_status"),
            analysis_error=bindparam("b_error"),
            analyzed_at=bindparam("b_at"),
        ),
        status_rows,
    )
    if print_rows:
        session.execute(insert(prints), print_rows)
    if feature_rows:
        session.execute(insert(features), feature_rows)
    if print_rows:
        # Fingerprints are evidence tags are not: they now decide which files are one recording.
        roots = [folder.path for folder in list_folders(session)]
        regroup_by_fingerprint(session, [row["media_file_id"] for row in print_rows], roots)


def _status(
    job: AnalysisJob, audio_hash: str | None, status: AnalysisStatus, error: str | None, now: datetime
) -> dict[str, Any]:
    # A failed decode keeps no hash: a stale one would let moved-file reconciliation trust old audio.
    return {
        "b_id": job.media_file_id,
        "b_hash": audio_hash,
        "b_status": status,
        "b_error": error,
        "b_at": now,
    }


def _feature_row(media_file_id: int, analysis: FileAnalysis, now: datetime) -> dict[str, Any]:
    found = analysis.features
    assert found is not None
    row: dict[str, Any] = {name: getattr(found, name) for name in _COLUMNS}
    details = {name: getattr(found, name) for name in _DETAILS}
    row.update(
        media_file_id=media_file_id,
        extractor_version=str(analysis.extractor_version),
        details_json=json.dumps(details),
        vector=feature_vector(found).astype("<f4").tobytes(),
        computed_at=now,
    )
    return row
