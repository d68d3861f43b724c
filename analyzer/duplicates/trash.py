"""Moving the extra copies of a duplicate group to the trash, and remembering what went where.

The core never deletes a file: it hands each path to a caller-given *mover* (the app passes one built on
the system trash, tests one that moves into a folder) and records every move in the listens schema's
``config`` table (as :mod:`analyzer.review_log` does: no new table, no migration), one JSON entry per file
under ``duplicates.trash.<UTC time>.<media file id>``: the path, where it went, when, the group's evidence
and the file that was kept. After the moves, the moved files' ``media_files`` rows are marked missing
(what a rescan would do; their track and history stay) together with the records, in ONE transaction.

Safety rules a caller can rely on: a group whose kept file is not on disk moves nothing; the kept file is
never handed to the mover; a file not on disk any more is skipped with its reason; when the mover says
there is no trash (:class:`TrashUnavailable`) nothing more of that group is moved.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from analyzer.catalog.upsert import chunked
from analyzer.duplicates.keep import DuplicateFile
from models.engine import Database
from models.enums import ScanStatus
from models.media import MediaFile
from models.progress import CancelToken, Progress
from models.types import utcnow
from models.users import ConfigEntry

PREFIX = "duplicates.trash."


class TrashUnavailable(OSError):
    """The platform (or the file's volume) has no trash to move the file into; nothing was moved."""


class TrashRecordError(RuntimeError):
    """Files were moved to the trash but recording the moves in the database failed.

    ``moved`` lists every moved file with where it went, so a person can restore them by hand."""

    def __init__(self, moved: Sequence[TrashedFile], cause: BaseException) -> None:
        where = "; ".join(f"{item.path} -> {item.trashed_to}" for item in moved)
        super().__init__(
            f"moved {len(moved)} file(s) to the trash but could not record it ({cause}): {where}"
        )
        self.moved = list(moved)


Mover = Callable[[str], str]
"""Moves the file at a path out of the library and returns where it is now. Raises
:class:`TrashUnavailable` when there is no trash, any other ``OSError`` when this one file cannot go."""


@dataclass(frozen=True)
class TrashPlan:
    """One group's decision: keep ``keep``, move ``others``. ``evidence`` says why they are duplicates
    (e.g. "identical audio (same audio hash)"), ``reason`` is ``audio_hash`` or ``fingerprint``."""

    keep: DuplicateFile
    others: Sequence[DuplicateFile]
    reason: str
    evidence: str


@dataclass(frozen=True)
class TrashedFile:
    """One recorded move (also what :func:`trash_records` lists)."""

    path: str
    trashed_to: str
    moved_at: datetime
    media_file_id: int
    track_id: int | None
    kept_path: str
    reason: str
    evidence: str
    size_bytes: int = 0


@dataclass
class TrashSummary:
    """What :func:`trash_duplicates` did. ``skipped`` holds (path, why) for every file not moved."""

    moved: list[TrashedFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    no_trash: bool = False
    cancelled: bool = False

    @property
    def moved_bytes(self) -> int:
        return sum(item.size_bytes for item in self.moved)

    def counts(self) -> dict[str, int]:
        """Tallies for a progress line or a jobs panel (``moved 3, not moved 1``)."""
        return {"moved": len(self.moved), "not_moved": len(self.skipped)}


def trash_duplicates(
    db: Database, plans: Sequence[TrashPlan], mover: Mover, cancel: CancelToken | None = None
) -> Generator[Progress, None, TrashSummary]:
    """Move the ``others`` of each plan with ``mover``, then record the moves and mark the rows missing in
    one transaction. A cancel stops before the next file; what was moved is still recorded."""
    token = cancel or CancelToken()
    summary = TrashSummary()
    total = sum(len(plan.others) for plan in plans)
    done = 0
    sizes = _sizes(db, [item.media_file_id for plan in plans for item in plan.others])
    for plan in plans:
        if token.cancelled:
            summary.cancelled = True
            break
        done += _move_group(plan, mover, sizes, summary, token)
        yield Progress("trash", done, total, "moving duplicates to the trash", summary.counts())
    if summary.moved:
        try:
            with db.session() as session:
                record_moves(session, summary.moved)
        except Exception as error:
            raise TrashRecordError(summary.moved, error) from error
    return summary


def _move_group(
    plan: TrashPlan, mover: Mover, sizes: dict[int, int], summary: TrashSummary, token: CancelToken
) -> int:
    """Move one group's others; returns how many files it looked at."""
    if not os.path.isfile(plan.keep.path):
        summary.skipped += [
            (item.path, f"the file to keep is not on disk: {plan.keep.path}") for item in plan.others
        ]
        return len(plan.others)
    looked = 0
    for item in plan.others:
        if token.cancelled:
            summary.cancelled = True
            break
        looked += 1
        if item.media_file_id == plan.keep.media_file_id or os.path.realpath(item.path) == os.path.realpath(
            plan.keep.path
        ):
            summary.skipped.append((item.path, "it is the file to keep"))
            continue
        if not os.path.isfile(item.path):
            summary.skipped.append((item.path, "not on disk any more"))
            continue
        try:
            where = mover(item.path)
        except TrashUnavailable as error:
            summary.no_trash = True
            rest = plan.others[plan.others.index(item) :]
            summary.skipped += [(other.path, f"no trash on this system: {error}") for other in rest]
            return len(plan.others)
        except OSError as error:
            summary.skipped.append((item.path, error.strerror or str(error)))
            continue
        summary.moved.append(
            TrashedFile(
                item.path,
                where,
                utcnow(),
                item.media_file_id,
                item.track_id,
                plan.keep.path,
                plan.reason,
                plan.evidence,
                sizes.get(item.media_file_id, 0),
            )
        )
    return looked


def record_moves(session: Session, moved: Sequence[TrashedFile]) -> None:
    """Record each move in ``config`` and mark its ``media_files`` row missing (in the caller's transaction)."""
    for item in moved:
        session.add(ConfigEntry(key=_key(item), value=json.dumps(_as_json(item), ensure_ascii=False)))
    ids = [item.media_file_id for item in moved]
    now = utcnow()
    for chunk in chunked(ids):
        session.execute(
            update(MediaFile)
            .where(MediaFile.id.in_(chunk))
            .values(scan_status=ScanStatus.MISSING, last_scanned_at=now)
        )
    session.flush()


def trash_records(session: Session) -> list[TrashedFile]:
    """Every recorded move, newest first."""
    rows = session.execute(
        select(ConfigEntry.value).where(ConfigEntry.key.like(PREFIX + "%")).order_by(ConfigEntry.key.desc())
    ).scalars()
    return [_from_json(json.loads(value)) for value in rows if value]


def _key(item: TrashedFile) -> str:
    return f"{PREFIX}{item.moved_at:%Y%m%dT%H%M%S%f}Z.{item.media_file_id:012d}"


def _as_json(item: TrashedFile) -> dict[str, object]:
    return {
        "path": item.path,
        "trashed_to": item.trashed_to,
        "moved_at": item.moved_at.isoformat(),
        "media_file_id": item.media_file_id,
        "track_id": item.track_id,
        "kept_path": item.kept_path,
        "reason": item.reason,
        "evidence": item.evidence,
        "size_bytes": item.size_bytes,
    }


def _from_json(data: dict[str, object]) -> TrashedFile:
    return TrashedFile(
        path=str(data["path"]),
        trashed_to=str(data["trashed_to"]),
        moved_at=datetime.fromisoformat(str(data["moved_at"])),
        media_file_id=int(data["media_file_id"]),  # type: ignore[call-overload]
        track_id=None if data.get("track_id") is None else int(data["track_id"]),  # type: ignore[call-overload]
        kept_path=str(data["kept_path"]),
        reason=str(data.get("reason", "")),
        evidence=str(data.get("evidence", "")),
        size_bytes=int(data.get("size_bytes") or 0),  # type: ignore[call-overload]
    )


def _sizes(db: Database, media_ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    with db.session() as session:
        for chunk in chunked(media_ids):
            rows = session.execute(select(MediaFile.id, MediaFile.size_bytes).where(MediaFile.id.in_(chunk)))
            found.update((int(mid), int(size or 0)) for mid, size in rows.tuples())
    return found
