"""Looking analysed files up on AcoustID and submitting new fingerprints, remembering what was sent.

AcoustID track ids found go to external_ids (scheme ``acoustid``, entity track). A fingerprint is
submitted once: acoustid_submissions holds the SHA-1 of every fingerprint sent, whichever file it came
from. Only fingerprints whose track has a recording MBID are submitted (as Picard does): an anonymous
fingerprint adds nothing AcoustID can link.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from analyzer.acoustid.service import AcoustIdError, AcoustIdService, Submission
from models.engine import Database
from models.enums import EntityType
from models.external_ids import ExternalId
from models.media import AcoustidSubmission, Fingerprint, MediaFile
from models.progress import CancelToken, Progress
from models.unit_of_work import write_transaction

LOOKUP_MIN_SCORE = 0.5
"""Below this AcoustID's match is a guess (beets' chroma plugin uses the same floor)."""
SUBMIT_BATCH = 50


@dataclass
class AcoustIdSummary:
    """What a sync did; ``cancelled``: it stopped early, every link and submission counted is stored."""

    looked_up: int = 0
    linked: int = 0
    submitted: int = 0
    already_submitted: int = 0
    errors: list[str] = field(default_factory=list)
    cancelled: bool = False


def fingerprint_sha1(fingerprint: str) -> str:
    return hashlib.sha1(fingerprint.encode("ascii")).hexdigest()


def sync_acoustid(
    db: Database,
    service: AcoustIdService,
    media_file_ids: Sequence[int],
    *,
    submit: bool = False,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, AcoustIdSummary]:
    """Look up (and with ``submit``, submit) the fingerprints of ``media_file_ids``; yields Progress.

    Service errors are collected per file in the summary (the generator's return value), never raised.
    A cancel stops before the next request and returns the summary with ``cancelled=True``.
    """
    token = cancel or CancelToken()
    summary = AcoustIdSummary()
    with db.session() as session:
        rows = _fingerprints(session, media_file_ids)
    for done, (media_id, track_id, chromaprint, duration) in enumerate(rows, 1):
        if token.cancelled:
            summary.cancelled = True
            return summary
        try:
            matches = service.lookup(chromaprint, duration)
        except AcoustIdError as exc:
            summary.errors.append(f"file {media_id}: lookup failed: {exc}")
            continue
        summary.looked_up += 1
        best = matches[0] if matches else None
        if best is not None and best.score >= LOOKUP_MIN_SCORE and track_id is not None:
            summary.linked += write_transaction(
                db,
                partial(_link, track_id=track_id, acoustid=best.acoustid),
                what=f"AcoustID: linking track {track_id}",
            )
        yield Progress("acoustid", done, len(rows), "looking up AcoustID", _counts(summary))
    if submit:
        yield from _submit_new(db, service, rows, summary, token)
    return summary


def _fingerprints(session: Session, ids: Sequence[int]) -> list[tuple[int, int | None, str, float]]:
    out: list[tuple[int, int | None, str, float]] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        out += (
            session.execute(
                select(MediaFile.id, MediaFile.track_id, Fingerprint.chromaprint, Fingerprint.duration_secs)
                .join(Fingerprint, Fingerprint.media_file_id == MediaFile.id)
                .where(MediaFile.id.in_(chunk))
                .order_by(MediaFile.id)
            )
            .tuples()
            .all()
        )
    return out


def _link(session: Session, track_id: int, acoustid: str) -> int:
    known = session.execute(
        select(ExternalId.id).where(
            ExternalId.entity_type == EntityType.TRACK,
            ExternalId.entity_id == track_id,
            ExternalId.scheme == "acoustid",
            ExternalId.value == acoustid,
        )
    ).first()
    if known is not None:
        return 0
    session.execute(
        insert(ExternalId).values(
            entity_type=EntityType.TRACK, entity_id=track_id, scheme="acoustid", value=acoustid
        )
    )
    return 1


def _submit_new(
    db: Database,
    service: AcoustIdService,
    rows: list[tuple[int, int | None, str, float]],
    summary: AcoustIdSummary,
    token: CancelToken,
) -> Iterator[Progress]:
    with db.session() as session:
        sent = set(session.execute(select(AcoustidSubmission.fingerprint_sha1)).scalars())
        mbids = _recording_mbids(session, {t for _, t, _, _ in rows if t is not None})
    todo: list[tuple[int, str, Submission]] = []
    for media_id, track_id, chromaprint, duration in rows:
        digest = fingerprint_sha1(chromaprint)
        mbid = mbids.get(track_id) if track_id is not None else None
        if digest in sent:
            summary.already_submitted += 1
        elif mbid is not None:
            sent.add(digest)  # the same audio in two files is one submission
            todo.append((media_id, digest, Submission(chromaprint, duration, mbid)))
    for start in range(0, len(todo), SUBMIT_BATCH):
        if token.cancelled:
            summary.cancelled = True
            return
        batch = todo[start : start + SUBMIT_BATCH]
        try:
            ids = service.submit([s for _, _, s in batch])
        except AcoustIdError as exc:
            summary.errors.append(f"submit failed: {exc}")
            continue
        rows_sent = [
            {"media_file_id": m, "fingerprint_sha1": d, "submission_id": sid, "status": "submitted"}
            for (m, d, _), sid in zip(batch, ids, strict=True)
        ]
        write_transaction(
            db,
            partial(_record_submissions, rows=rows_sent),
            what=f"AcoustID: recording {len(rows_sent)} submissions",
        )
        summary.submitted += len(batch)
        yield Progress("acoustid-submit", start + len(batch), len(todo), "submitting", _counts(summary))


def _record_submissions(session: Session, rows: Sequence[Mapping[str, object]]) -> None:
    session.execute(insert(AcoustidSubmission), rows)


def _recording_mbids(session: Session, track_ids: set[int]) -> dict[int, str]:
    if not track_ids:
        return {}
    rows = session.execute(
        select(ExternalId.entity_id, ExternalId.value).where(
            ExternalId.entity_type == EntityType.TRACK,
            ExternalId.scheme.in_(("recording_mbid", "mbid")),
            ExternalId.entity_id.in_(sorted(track_ids)),
        )
    ).tuples()
    return {int(track): str(value) for track, value in rows}


def _counts(summary: AcoustIdSummary) -> dict[str, int]:
    return {
        "looked_up": summary.looked_up,
        "linked": summary.linked,
        "submitted": summary.submitted,
        "errors": len(summary.errors),
    }
