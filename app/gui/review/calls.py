"""What the Review screen runs in a worker thread: one core call in one session each, returning plain
results (no widget, no signal). The controller schedules them through the window's JobRunner."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from analyzer.review import Decision
    from analyzer.review_queue import GroupDetail, GroupKey, QueueGroup, QueuePage
    from models.engine import Database

Mode = Literal["pending", "suspicious", "skipped"]
PAGE_SIZE = 60


def reviewer_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "gui"


def read_page(
    db: Database, mode: Mode, by_release: bool, current: GroupKey | None
) -> tuple[QueuePage, dict[Any, tuple[str, ...]], GroupDetail | None, QueueGroup | None]:
    """The queue page and, in the same background call, the detail of the group that will be current: the
    current one while anything of it still waits (read on its own when it ranks below the page: a person
    looking at it keeps it), else the first. Opening shows a group one read sooner."""
    from analyzer.review_queue import REVIEWABLE, group_of_key, queue_page
    from analyzer.review_suspicious import suspicious_page

    reasons: dict[Any, tuple[str, ...]] = {}
    kept: QueueGroup | None = None
    with db.session() as session:
        if mode == "suspicious":
            page, groups = suspicious_page(session, limit=PAGE_SIZE)
            reasons = {item.group.key: item.reasons for item in groups}
        else:
            page = queue_page(session, by_release=by_release, limit=PAGE_SIZE, skipped=mode == "skipped")
        if current is not None and mode != "suspicious" and all(g.key != current for g in page.groups):
            kept = group_of_key(session, current, REVIEWABLE)  # (a suspicious group is its flagged listens)
    first = kept or next(
        (g for g in page.groups if g.key == current), page.groups[0] if page.groups else None
    )
    detail = None if first is None else read_group(db, first, mode, reasons.get(first.key, ()))
    return page, reasons, detail, kept


def read_group(db: Database, group: QueueGroup, mode: Mode, reasons: tuple[str, ...]) -> GroupDetail:
    from analyzer.review_queue import REVIEWABLE, load_group
    from analyzer.review_suspicious import SUSPICIOUS_STATUSES, why_suspicious
    from models.enums import EnrichStatus

    statuses = SUSPICIOUS_STATUSES if mode == "suspicious" else REVIEWABLE
    with db.session() as session:
        detail = load_group(session, group.key, statuses, group.listen_ids)
    if mode == "suspicious":
        detail.why = why_suspicious(reasons)
        detail.listens = [item for item in detail.listens if item.status == EnrichStatus.MATCHED.value]
    return detail


def group_of_listen(db: Database, listen_id: int, mode: Mode, by_release: bool) -> QueueGroup | None:
    from analyzer.review_queue import REVIEWABLE
    from analyzer.review_queue import group_of_listen as find
    from analyzer.review_suspicious import SUSPICIOUS_STATUSES

    statuses = SUSPICIOUS_STATUSES if mode == "suspicious" else REVIEWABLE
    with db.session() as session:
        return find(session, listen_id, by_release=by_release, statuses=statuses)


def link_listens(db: Database, ids: Sequence[int], track_id: int, reviewer: str, action: str) -> Decision:
    from analyzer.review import accept_listens

    with db.session() as session:
        return accept_listens(session, ids, track_id, reviewer=reviewer, action=action)


def reject_listens(db: Database, ids: Sequence[int], reviewer: str) -> Decision:
    from analyzer import review

    with db.session() as session:
        return review.reject_listens(session, ids, reviewer=reviewer)


def set_skipped(db: Database, key: GroupKey, skipped: bool, label: str = "") -> Any:
    from analyzer.review_queue import skip_group, unskip_group

    with db.session() as session:
        return skip_group(session, key, label) if skipped else unskip_group(session, key)


def undo_decision(db: Database) -> Decision | None:
    from analyzer.review import undo

    with db.session() as session:
        return undo(session)
