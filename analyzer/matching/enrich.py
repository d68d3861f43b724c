"""`enrich`: match every pending listen (and re-try unmatched/ambiguous ones after the library changed),
writing links, candidates and facets in batched Core statements, one transaction per batch.

Manual decisions are never touched: they are not selected, and every UPDATE also says
``enrich_status != 'manual'`` in case a reviewer decided while the run was going.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from analyzer.matching.facets import library_fingerprint
from analyzer.matching.index import CatalogIndex
from analyzer.matching.matcher import ListenQuery, Matcher
from analyzer.matching.scoring import MatchSettings
from analyzer.matching.writes import EnrichedListen, shared_listen_moments, write_batch
from models.engine import Database
from models.enums import EnrichStatus
from models.listens import Listen
from models.progress import CancelToken, Progress
from models.types import utcnow
from models.users import ConfigEntry

RETRIED_STATUSES = (EnrichStatus.UNMATCHED, EnrichStatus.AMBIGUOUS)
FINGERPRINT_KEY = "matching.library_fingerprint"  # config: the catalog the last complete run matched against


@dataclass
class EnrichSummary:
    """What a run did. ``fuzzy`` counts listens that needed the fuzzy stage (distinct descriptions)."""

    selected: int = 0
    matched: int = 0
    ambiguous: int = 0
    unmatched: int = 0
    duplicates: int = 0
    fuzzy: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "selected": self.selected,
            "matched": self.matched,
            "ambiguous": self.ambiguous,
            "unmatched": self.unmatched,
            "duplicates": self.duplicates,
            "fuzzy": self.fuzzy,
        }


def listens_to_enrich(session: Session, *, retry: bool, user_id: int | None = None) -> list[int]:
    """Ids of pending listens, plus the unmatched/ambiguous ones when ``retry`` or when the library changed
    since the last complete run (a scan added tracks, a review learned an alias). Listens ingest linked at
    once by an ID (matched, never enriched) come too: their facets and confidence are still to fill."""
    condition = or_(
        Listen.enrich_status == EnrichStatus.PENDING,
        (Listen.enrich_status == EnrichStatus.MATCHED) & Listen.last_enriched_at.is_(None),
    )
    if retry or library_fingerprint(session) != _stored_fingerprint(session):
        condition = or_(condition, Listen.enrich_status.in_(RETRIED_STATUSES))
    statement = select(Listen.id).where(condition)
    if user_id is not None:
        statement = statement.where(Listen.user_id == user_id)
    return list(session.scalars(statement.order_by(Listen.id)))


def _stored_fingerprint(session: Session) -> str | None:
    return session.scalar(select(ConfigEntry.value).where(ConfigEntry.key == FINGERPRINT_KEY))


def _store_fingerprint(session: Session, fingerprint: str) -> None:
    entry = session.get(ConfigEntry, FINGERPRINT_KEY)
    if entry is None:
        session.add(ConfigEntry(key=FINGERPRINT_KEY, value=fingerprint))
    else:
        entry.value = fingerprint


def enrich_listens(
    db: Database,
    *,
    settings: MatchSettings | None = None,
    retry: bool = False,
    user_id: int | None = None,
    batch_size: int = 5000,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, EnrichSummary]:
    """Match listens to tracks; yields Progress per batch and returns the :class:`EnrichSummary`.

    The catalog index is built once at the start; each batch commits on its own, so a cancelled run
    keeps what it wrote and the next run continues with the listens still pending.
    """
    summary = EnrichSummary()
    yield Progress("index", 0, None, "reading the library")
    with db.session() as session:
        index = CatalogIndex.load(session)
        fingerprint = library_fingerprint(session)
        ids = listens_to_enrich(session, retry=retry, user_id=user_id)
        shared = shared_listen_moments(session) if ids else set()
    matcher = Matcher(index, settings)
    summary.selected = len(ids)
    check_tracks = not db.enforces_cross_schema_fks
    yield Progress("match", 0, len(ids), f"{len(index.tracks):,} tracks indexed")
    for offset in range(0, len(ids), batch_size):
        if cancel is not None:
            cancel.raise_if_cancelled()
        chunk = ids[offset : offset + batch_size]
        try:
            with db.session() as session:
                enriched = match_batch(session, matcher, chunk)
                result = write_batch(
                    session, index, enriched, check_tracks=check_tracks, shared_moments=shared
                )
        except IntegrityError:
            # A listen arrived meanwhile at an already shared second: redo the batch checking every link.
            with db.session() as session:
                enriched = match_batch(session, matcher, chunk)
                result = write_batch(session, index, enriched, check_tracks=check_tracks)
        for item in enriched:
            status = item.outcome.status
            if item.listen_id in result.duplicates:
                status = EnrichStatus.AMBIGUOUS
            setattr(summary, status, getattr(summary, status) + 1)
            reason = item.outcome.reason
            summary.reasons[reason] = summary.reasons.get(reason, 0) + 1
        summary.duplicates += len(result.duplicates)
        summary.fuzzy = matcher.fuzzy_count
        yield Progress("match", offset + len(chunk), len(ids), counts=summary.counts())
    if user_id is None:  # only a run over every user has re-tried every miss against this catalog
        with db.session() as session:
            _store_fingerprint(session, fingerprint)
    return summary


def match_batch(session: Session, matcher: Matcher, listen_ids: list[int]) -> list[EnrichedListen]:
    """Read a batch of listens and match each; the outcome of repeated descriptions comes from the memo."""
    columns = (
        Listen.id,
        Listen.user_id,
        Listen.listened_at,
        Listen.artist_name,
        Listen.track_name,
        Listen.release_name,
        Listen.track_duration_secs,
        Listen.recording_mbid,
        Listen.isrc,
        Listen.spotify_id,
    )
    rows = session.connection().execute(
        select(*columns, Listen.last_enriched_at).where(
            Listen.id.in_(listen_ids), Listen.enrich_status != EnrichStatus.MANUAL
        )
    )
    now: datetime = utcnow()
    match = matcher.match
    return [
        EnrichedListen(
            row[0],
            row[1],
            row[2],
            match(ListenQuery(row[3], row[4], row[5], row[6], row[7], row[8], row[9])),
            now,
            row[10] is not None,
        )
        for row in rows
    ]


def status_counts(session: Session) -> dict[str, int]:
    """How many listens are in each enrich status (for the CLI summary)."""
    rows = session.execute(select(Listen.enrich_status, func.count()).group_by(Listen.enrich_status))
    return {str(status): count for status, count in rows}
