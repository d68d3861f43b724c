"""The review queue as a person works through it: listens waiting for review grouped by what was heard
(artist + title, optionally + release), biggest group first, with the counts left -- and the groups a
person put aside for later.

Grouping, ordering and the limit all happen in SQL (one grouped pass over the ``enrich_status`` index with
window totals), so opening a queue of 100,000 pending listens reads one page of groups, not the queue.
Groups are keyed by the listens' ``*_normalized`` columns, the same equality
:func:`analyzer.review.accept_group` uses, so a group here is exactly the listens a decision reaches.

"Skip for later" lives in the listens schema's ``config`` table (``review.skip.<digest>``, one row per
group, JSON value): no migration, kept across restarts, shared by the CLI and the window.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, delete, func, literal, literal_column, or_, select, tuple_
from sqlalchemy.orm import Session

from analyzer.review_evidence import CandidateEvidence, evidence_for, why_not_linked
from models.enums import EnrichStatus
from models.listens import Listen, ListenMatchCandidate
from models.users import ConfigEntry

REVIEWABLE = (EnrichStatus.AMBIGUOUS, EnrichStatus.UNMATCHED)
SKIP_PREFIX = "review.skip."
EVIDENCE_LISTENS = 200
"""Candidates are read for at most this many listens of a group (the newest): a group of 5,000 plays of
one song shows the same few tracks, and a decision still reaches every listen of the group."""


@dataclass(frozen=True, slots=True)
class GroupKey:
    """What a group's listens share: normalized artist and title, and the normalized release when the
    queue is grouped by release ("" for listens without one; None when not grouped by release)."""

    artist: str
    title: str
    release: str | None = None

    @property
    def digest(self) -> str:
        """A short stable name of the group (its ``config`` key)."""
        raw = json.dumps([self.artist, self.title, self.release], ensure_ascii=False)
        return hashlib.sha1(raw.encode()).hexdigest()[:24]

    def song(self) -> GroupKey:
        """The same song with any release: a skip of the song covers every release of it."""
        return GroupKey(self.artist, self.title)


@dataclass(frozen=True, slots=True)
class QueueGroup:
    """One group as the queue lists it: a raw spelling of what was heard, how many listens, their span."""

    key: GroupKey
    artist_name: str
    track_name: str
    release_name: str | None
    listens: int
    first_at: datetime
    last_at: datetime
    best_confidence: float | None
    listen_ids: tuple[int, ...] = ()  # the group's listens when read with the page (else read by key)

    @property
    def label(self) -> str:
        text = f"{self.artist_name} – {self.track_name}"
        return f"{text} [{self.release_name}]" if self.key.release is not None and self.release_name else text


@dataclass(frozen=True, slots=True)
class QueuePage:
    """The first groups of a queue, with what is left in all (skipped groups excluded from both)."""

    groups: list[QueueGroup]
    total_groups: int
    total_listens: int
    skipped_groups: int = 0


@dataclass(frozen=True, slots=True)
class GroupListen:
    listen_id: int
    listened_at: datetime
    artist_name: str
    track_name: str
    release_name: str | None
    duration_secs: float | None
    status: str
    reason: str | None
    confidence: float | None
    track_id: int | None


@dataclass
class GroupDetail:
    """Everything the review screen shows for one group: its listens (newest first), its candidates best
    first with per-field evidence, and why the matcher did not link it by itself."""

    key: GroupKey
    listens: list[GroupListen]
    candidates: list[CandidateEvidence] = field(default_factory=list)
    why: str = ""

    @property
    def listen_ids(self) -> list[int]:
        return [listen.listen_id for listen in self.listens]


def queue_page(
    session: Session,
    *,
    by_release: bool = False,
    limit: int = 50,
    statuses: Sequence[EnrichStatus] = REVIEWABLE,
    skipped: bool = False,
) -> QueuePage:
    """The biggest ``limit`` groups of listens with these statuses, and the totals left.

    ``skipped=False`` leaves out the groups put aside with :func:`skip_group`; ``skipped=True`` lists only
    those. Ties are broken by artist then title so a page is stable."""
    skips = skipped_keys(session)
    columns = _key_columns(by_release)
    listens = func.count(Listen.id)
    grouped = (
        select(
            *columns,
            listens.label("listens"),
            func.min(Listen.listened_at).label("first_at"),
            func.max(Listen.listened_at).label("last_at"),
            func.min(Listen.id).label("sample"),
            func.max(Listen.match_confidence).label("best"),
            func.group_concat(Listen.id).label("ids"),
            func.count().over().label("total_groups"),
            func.sum(listens).over().label("total_listens"),
        )
        .where(waiting(session, statuses))
        .group_by(*columns)
    )
    song_skips = {key.song() for key in skips}
    condition = skip_condition(song_skips)
    if condition is not None:
        grouped = grouped.where(condition if skipped else ~condition)
    elif skipped:
        return QueuePage([], 0, 0, 0)
    rows = session.execute(grouped.order_by(listens.desc(), *columns).limit(limit)).all()
    samples = sample_names(session, [row.sample for row in rows])
    groups = []
    for row in rows:
        key = GroupKey(row[0], row[1], (row[2] or "") if by_release else None)
        artist, title, release = samples.get(row.sample, (row[0], row[1], None))
        groups.append(
            QueueGroup(
                key,
                artist,
                title,
                release,
                int(row.listens),
                as_time(row.first_at),
                as_time(row.last_at),
                row.best,
                split_ids(row.ids, int(row.listens)),
            )
        )
    total_groups = int(rows[0].total_groups) if rows else 0
    total_listens = int(rows[0].total_listens) if rows else 0
    return QueuePage(groups, total_groups, total_listens, 0 if skipped else len(song_skips))


def waiting(session: Session, statuses: Sequence[EnrichStatus]) -> Any:
    """``enrich_status IN statuses``, marked as selective for SQLite's planner (``likelihood``).

    Statistics from an ANALYZE taken while nearly every listen was matched or unmatched say half the
    listens carry each status, and the planner then scans the whole table instead of the status index:
    the queue page of 100,000 pending listens among 1.1 M took 0.41-0.45 CPU-s that way against
    0.24-0.28 with the hint (alternating runs, bench/bench_review_gui.py's database). Listens
    waiting for a person are a small share of a history, which is what the hint says. MariaDB keeps the
    plain condition (its optimizer reads the index's real distribution)."""
    condition = Listen.enrich_status.in_(statuses)
    if session.get_bind().dialect.name == "sqlite":
        return func.likelihood(condition, literal_column("0.05"))  # a constant, not a bound parameter
    return condition


def split_ids(text: str | None, expected: int) -> tuple[int, ...]:
    """The ids of a ``group_concat(id)``; empty when the engine cut the list short (MariaDB's
    ``group_concat_max_len``), so the caller reads the group by its key instead."""
    if not text:
        return ()
    ids = tuple(int(part) for part in text.split(","))
    return ids if len(ids) == expected else ()


def _key_columns(by_release: bool) -> list[Any]:
    columns: list[Any] = [Listen.artist_name_normalized, Listen.track_name_normalized]
    if by_release:
        columns.append(func.coalesce(Listen.release_name_normalized, literal("")))
    return columns


def skip_condition(keys: Collection[GroupKey]) -> Any:
    """True for listens of these songs (None when there are none)."""
    if not keys:
        return None
    pairs = [(key.artist, key.title) for key in keys]
    return tuple_(Listen.artist_name_normalized, Listen.track_name_normalized).in_(pairs)


def as_time(value: Any) -> datetime:
    """Aggregates lose the column type on some engines: min()/max() of ``listened_at`` may come back as
    the stored epoch seconds."""
    if isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(int(value), UTC)


def group_of_listen(
    session: Session,
    listen_id: int,
    *,
    by_release: bool = False,
    statuses: Sequence[EnrichStatus] = REVIEWABLE,
) -> QueueGroup | None:
    """The queue group holding this listen (wherever it ranks), or None when the listen does not wait for
    review (unknown, linked or decided): what "review this listen" from another screen opens."""
    listen = session.get(Listen, listen_id)
    if listen is None or listen.enrich_status not in statuses:
        return None
    release = (listen.release_name_normalized or "") if by_release else None
    key = GroupKey(listen.artist_name_normalized, listen.track_name_normalized, release)
    return group_of_key(session, key, statuses, sample=listen)


def group_of_key(
    session: Session,
    key: GroupKey,
    statuses: Sequence[EnrichStatus] = REVIEWABLE,
    *,
    sample: Listen | None = None,
) -> QueueGroup | None:
    """The queue group of this key as the page would list it, wherever it ranks; None when nothing of it
    waits any more."""
    rows = session.execute(
        select(Listen.id, Listen.listened_at, Listen.match_confidence).where(*_group_filter(key, statuses))
    ).all()
    if not rows:
        return None
    if sample is None:
        sample = session.get(Listen, min(row[0] for row in rows))
        assert sample is not None
    return QueueGroup(
        key,
        sample.artist_name,
        sample.track_name,
        sample.release_name,
        len(rows),
        as_time(min(row[1] for row in rows)),
        as_time(max(row[1] for row in rows)),
        max((row[2] for row in rows if row[2] is not None), default=None),
        tuple(sorted(row[0] for row in rows)),
    )


def sample_names(session: Session, listen_ids: Sequence[int]) -> dict[int, tuple[str, str, str | None]]:
    if not listen_ids:
        return {}
    rows = session.execute(
        select(Listen.id, Listen.artist_name, Listen.track_name, Listen.release_name).where(
            Listen.id.in_(listen_ids)
        )
    )
    return {row.id: (row.artist_name, row.track_name, row.release_name) for row in rows}


def group_statement(key: GroupKey, statuses: Sequence[EnrichStatus] = REVIEWABLE) -> Select[Any]:
    """The listens of a group (as a SELECT of ``Listen.id``), for callers that decide on a whole group."""
    return select(Listen.id).where(*_group_filter(key, statuses))


def _group_filter(key: GroupKey, statuses: Sequence[EnrichStatus]) -> list[Any]:
    conditions = [
        Listen.enrich_status.in_(statuses),
        Listen.artist_name_normalized == key.artist,
        Listen.track_name_normalized == key.title,
    ]
    if key.release == "":
        conditions.append(or_(Listen.release_name_normalized.is_(None), Listen.release_name_normalized == ""))
    elif key.release is not None:
        conditions.append(Listen.release_name_normalized == key.release)
    return conditions


def load_group(
    session: Session,
    key: GroupKey,
    statuses: Sequence[EnrichStatus] = REVIEWABLE,
    listen_ids: Sequence[int] = (),
) -> GroupDetail:
    """The listens of one group (newest first) with their candidates and evidence; an empty detail when
    nothing of the group is left (decided meanwhile). ``listen_ids`` (the page's
    :attr:`QueueGroup.listen_ids`) reads them by primary key -- a few ms instead of a pass over the queue;
    those no longer waiting (decided meanwhile) are left out."""
    columns = (
        Listen.id,
        Listen.listened_at,
        Listen.artist_name,
        Listen.track_name,
        Listen.release_name,
        Listen.track_duration_secs,
        Listen.enrich_status,
        Listen.match_reason,
        Listen.match_confidence,
        Listen.track_id,
    )
    if listen_ids:
        rows: list[Any] = []
        ids = sorted(listen_ids)
        for start in range(0, len(ids), 1000):
            rows.extend(
                session.execute(
                    select(*columns).where(
                        Listen.id.in_(ids[start : start + 1000]), Listen.enrich_status.in_(statuses)
                    )
                )
            )
        rows.sort(key=lambda row: (row[1], row[0]), reverse=True)
    else:
        statement = select(*columns).where(*_group_filter(key, statuses))
        rows = list(session.execute(statement.order_by(Listen.listened_at.desc(), Listen.id.desc())))
    listens = [GroupListen(r[0], r[1], r[2], r[3], r[4], r[5], str(r[6]), r[7], r[8], r[9]) for r in rows]
    detail = GroupDetail(key, listens)
    if not listens:
        return detail
    detail.candidates = group_candidates(session, listens)
    detail.why = why_not_linked(listens[0].status, listens[0].reason, detail.candidates)
    return detail


def group_candidates(session: Session, listens: Sequence[GroupListen]) -> list[CandidateEvidence]:
    """The tracks proposed for any of these listens, best first, each with the evidence of the listen
    that ranked it highest; the track a listen is linked to (suspicious links) is always included."""
    sample = list(listens[:EVIDENCE_LISTENS])
    by_id = {listen.listen_id: listen for listen in sample}
    rows = session.execute(
        select(
            ListenMatchCandidate.listen_id,
            ListenMatchCandidate.track_id,
            ListenMatchCandidate.confidence,
            ListenMatchCandidate.rank,
            ListenMatchCandidate.features_json,
        ).where(ListenMatchCandidate.listen_id.in_(list(by_id)))
    ).all()
    best: dict[int, tuple[float, int, int, str | None]] = {}  # track -> (confidence, rank, listen, json)
    counts: dict[int, int] = {}
    for listen_id, track_id, confidence, rank, features in rows:
        counts[track_id] = counts.get(track_id, 0) + 1
        held = best.get(track_id)
        if held is None or (confidence, -rank) > (held[0], -held[1]):
            best[track_id] = (confidence, rank, listen_id, features)
    for listen in sample:  # a link without stored rivals still shows the linked track
        if listen.track_id is not None and listen.track_id not in best:
            best[listen.track_id] = (listen.confidence or 0.0, 1, listen.listen_id, None)
            counts[listen.track_id] = counts.get(listen.track_id, 0) + 1
    ordered = sorted(best.items(), key=lambda item: (-item[1][0], item[1][1], item[0]))
    chosen = [
        (track_id, by_id[listen_id], confidence, _features(features), counts[track_id])
        for track_id, (confidence, _rank, listen_id, features) in ordered
    ]
    return evidence_for(session, chosen, linked={listen.track_id for listen in sample if listen.track_id})


def _features(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    loaded: dict[str, Any] = json.loads(text)
    return loaded


# -- skip for later -------------------------------------------------------------------------------------


def skip_group(session: Session, key: GroupKey, label: str = "") -> None:
    """Put a song aside: it leaves the queue (every release of it) until :func:`unskip_group`."""
    song = key.song()
    name = SKIP_PREFIX + song.digest
    value = json.dumps({"artist": song.artist, "title": song.title, "label": label}, ensure_ascii=False)
    entry = session.get(ConfigEntry, name)
    if entry is None:
        session.add(ConfigEntry(key=name, value=value))
    else:
        entry.value = value
    session.flush()


def unskip_group(session: Session, key: GroupKey) -> bool:
    """Bring a skipped song back into the queue; False when it was not skipped."""
    result = session.execute(delete(ConfigEntry).where(ConfigEntry.key == SKIP_PREFIX + key.song().digest))
    return bool(getattr(result, "rowcount", 0))


def skipped_keys(session: Session) -> list[GroupKey]:
    """The songs put aside for later (oldest first)."""
    rows = session.execute(
        select(ConfigEntry.value)
        .where(ConfigEntry.key.like(SKIP_PREFIX + "%"))
        .order_by(ConfigEntry.updated_at, ConfigEntry.key)
    )
    keys = []
    for (value,) in rows:
        try:
            data = json.loads(value or "")
            keys.append(GroupKey(str(data["artist"]), str(data["title"])))
        except (ValueError, KeyError, TypeError):
            continue  # a hand-edited row: ignored rather than breaking the queue
    return keys


def is_skipped(session: Session, key: GroupKey) -> bool:
    return session.get(ConfigEntry, SKIP_PREFIX + key.song().digest) is not None


def listen_ids_of(session: Session, keys: Iterable[GroupKey], statuses: Sequence[EnrichStatus]) -> list[int]:
    """Every listen of these groups (for a decision that covers whole groups)."""
    found: list[int] = []
    for key in keys:
        found.extend(session.scalars(group_statement(key, statuses)))
    return found


__all__ = [
    "EVIDENCE_LISTENS",
    "REVIEWABLE",
    "GroupDetail",
    "GroupKey",
    "GroupListen",
    "QueueGroup",
    "QueuePage",
    "group_candidates",
    "group_statement",
    "is_skipped",
    "listen_ids_of",
    "load_group",
    "queue_page",
    "skip_group",
    "skipped_keys",
    "unskip_group",
]
