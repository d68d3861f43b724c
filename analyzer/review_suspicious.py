"""The "Suspicious" queue: automatic links worth a second look, so wrong automatic matches get fixed too
(ListenBrainz users' most-voted ask, LB-1399).

A matched listen (never a manual one) is suspicious when any of these holds, read from what enrich stored:
- a weak link: its calibrated confidence is below :data:`WEAK_LINK` (green, see
  :func:`analyzer.review_evidence.confidence_band`), although it passed the matcher's auto-link threshold;
- a close rival: the matcher kept a runner-up candidate (it only stores rivals of a link when they are
  plausible themselves) and the link leads it by less than :data:`CLOSE_MARGIN` in calibrated confidence;
- names that differ: the link came from the fuzzy stage (no exact title + artist agreement);
- a duration far off: the length the source reported and the track's differ by more than
  :data:`FAR_DURATION_SECS` (another edit, a live take, another song of the same name).

Groups are songs as heard (like the review queue), biggest first, grouped and limited in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from analyzer.review_queue import (
    GroupKey,
    QueueGroup,
    QueuePage,
    as_time,
    sample_names,
    skip_condition,
    skipped_keys,
    split_ids,
)
from models.enums import EnrichStatus
from models.listens import Listen, ListenMatchCandidate
from models.tracks import Track

WEAK_LINK = 0.96
CLOSE_MARGIN = 0.1
FAR_DURATION_SECS = 30.0
SUSPICIOUS_STATUSES = (EnrichStatus.MATCHED,)

REASON_TEXT = {
    "weak": "a weak link (below 96 %)",
    "rival": "a close runner-up",
    "fuzzy": "the names differ (found by the fuzzy stage)",
    "duration": f"the length is more than {FAR_DURATION_SECS:.0f} s off",
}


@dataclass(frozen=True, slots=True)
class SuspiciousGroup:
    """A queue group of automatic links with the reasons that make it worth a look."""

    group: QueueGroup
    reasons: tuple[str, ...]  # keys of REASON_TEXT

    @property
    def reason_text(self) -> str:
        return "; ".join(REASON_TEXT[reason] for reason in self.reasons)


def suspicious_page(session: Session, *, limit: int = 50) -> tuple[QueuePage, list[SuspiciousGroup]]:
    """The biggest ``limit`` groups of suspicious automatic links and the totals, songs skipped for later
    left out of both, each group with its reasons."""
    first, second = aliased(ListenMatchCandidate), aliased(ListenMatchCandidate)
    rival = exists().where(
        first.listen_id == Listen.id,
        second.listen_id == Listen.id,
        first.track_id == Listen.track_id,
        second.track_id != Listen.track_id,
        first.confidence - second.confidence < CLOSE_MARGIN,
    )
    weak = Listen.match_confidence < WEAK_LINK
    fuzzy = Listen.match_reason == "fuzzy"
    far = func.abs(Listen.track_duration_secs - Track.duration_secs) > FAR_DURATION_SECS
    flags = [case((condition, 1), else_=0) for condition in (weak, rival, fuzzy, far)]
    columns = [Listen.artist_name_normalized, Listen.track_name_normalized]
    count = func.count(Listen.id)
    statement = (
        select(
            *columns,
            count.label("listens"),
            func.min(Listen.listened_at).label("first_at"),
            func.max(Listen.listened_at).label("last_at"),
            func.min(Listen.id).label("sample"),
            func.min(Listen.match_confidence).label("weakest"),
            func.group_concat(Listen.id).label("ids"),
            *(func.max(flag).label(name) for flag, name in zip(flags, REASON_TEXT, strict=True)),
            func.count().over().label("total_groups"),
            func.sum(count).over().label("total_listens"),
        )
        .join(Track, Track.id == Listen.track_id)
        .where(
            Listen.enrich_status == EnrichStatus.MATCHED,
            or_(weak, fuzzy, and_(Listen.track_duration_secs.is_not(None), far), rival),
        )
        .group_by(*columns)
    )
    skipped = skip_condition(skipped_keys(session))
    if skipped is not None:
        statement = statement.where(~skipped)
    rows = session.execute(statement.order_by(count.desc(), *columns).limit(limit)).all()
    samples = sample_names(session, [row.sample for row in rows])
    found: list[SuspiciousGroup] = []
    for row in rows:
        artist, title, release = samples.get(row.sample, (row[0], row[1], None))
        group = QueueGroup(
            GroupKey(row[0], row[1]),
            artist,
            title,
            release,
            int(row.listens),
            as_time(row.first_at),
            as_time(row.last_at),
            row.weakest,
            split_ids(row.ids, int(row.listens)),
        )
        found.append(SuspiciousGroup(group, tuple(name for name in REASON_TEXT if getattr(row, name))))
    total_groups = int(rows[0].total_groups) if rows else 0
    total_listens = int(rows[0].total_listens) if rows else 0
    return QueuePage([item.group for item in found], total_groups, total_listens), found


def why_suspicious(reasons: Sequence[str]) -> str:
    """The line the review screen shows in place of "why not linked"."""
    if not reasons:
        return "Linked automatically."
    return "Linked automatically, but " + "; ".join(REASON_TEXT[reason] for reason in reasons) + "."
