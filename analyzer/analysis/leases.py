"""Leases: several analyze runs on one library split its pending files, none analysed twice.

A run claims a few files at a time. On MariaDB the claim reads the candidates with ``SELECT ... FOR UPDATE
SKIP LOCKED`` (two runs claiming at the same moment take different rows instead of waiting on each other)
and then writes one lease row per file; the lease's primary key is what guarantees that only one run holds
a file, so the claim is correct even when a candidate was read before another run's lease was committed.
Writing a file's result deletes its lease in the same transaction, the run renews its leases as it commits,
and a run that dies leaves leases that expire (``LEASE_SECONDS``), or that the next run on the same machine
drops at once when the dead run's process is gone (:func:`forget_dead_runs`).

On SQLite one machine writes the file by nature; the same code runs (the lock clause is not rendered) and is
correct there too, but the runner only uses leases on a server database unless asked.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from analyzer.analysis.pending import AnalysisJob, needs_analysis
from analyzer.catalog.upsert import chunked, insert_ignore
from models.leases import AnalysisLease
from models.media import MediaFile
from models.types import utcnow

LEASE_SECONDS = 600.0
"""How long a claim holds without renewal. A run renews at every commit (about every second), so this
only has to outlast the longest single file (a 2-hour mix is ~30 s of analysis) and sets how long a
crashed run's files wait before another run takes them."""


def new_owner() -> str:
    """A name for this run that no other run shares (host, pid, random), at most 64 characters."""
    return f"{_host()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def forget_dead_runs(session: Session) -> int:
    """Drop the leases of runs on this machine whose process is gone (a killed ``tonearm analyze``): run again
    here, it need not wait for them to expire. Returns how many leases were dropped. A run elsewhere is
    never judged from here: its leases expire."""
    host = _host()
    owners = session.scalars(
        select(AnalysisLease.owner)
        .where(AnalysisLease.owner.startswith(f"{host}:", autoescape=True))
        .distinct()
    ).all()
    dropped = 0
    for owner in owners:
        _, _, rest = owner.partition(":")
        pid_text = rest.partition(":")[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            result = session.execute(delete(AnalysisLease).where(AnalysisLease.owner == owner))
            dropped += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return dropped


def _host() -> str:
    return socket.gethostname()[:40]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def claim_jobs(
    session: Session,
    owner: str,
    limit: int,
    *,
    retry_errors: bool = False,
    ttl: float = LEASE_SECONDS,
    now: datetime | None = None,
) -> list[AnalysisJob]:
    """Claim up to ``limit`` files that need analysis and no live lease holds; returns those now ``owner``'s,
    in id order. Commit soon after: the candidate rows stay locked until then on MariaDB."""
    moment = now or utcnow()
    leased = exists(
        select(AnalysisLease.media_file_id).where(
            AnalysisLease.media_file_id == MediaFile.id, AnalysisLease.expires_at > moment
        )
    )
    candidates = dict(
        session.execute(
            select(MediaFile.id, MediaFile.file_path)
            .where(needs_analysis(retry_errors=retry_errors), ~leased)
            .order_by(MediaFile.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        .tuples()
        .all()
    )
    if not candidates:
        return []
    ids = sorted(candidates)
    expires = moment + timedelta(seconds=ttl)
    # An expired lease is taken over; a live one (committed after the candidates were read) wins.
    session.execute(
        delete(AnalysisLease).where(AnalysisLease.media_file_id.in_(ids), AnalysisLease.expires_at <= moment)
    )
    table = AnalysisLease.__table__
    session.execute(
        insert_ignore(table, session.get_bind().dialect.name),  # type: ignore[arg-type]
        [{"media_file_id": i, "owner": owner, "expires_at": expires} for i in ids],
    )
    mine = session.scalars(
        select(AnalysisLease.media_file_id).where(
            AnalysisLease.owner == owner, AnalysisLease.media_file_id.in_(ids)
        )
    )
    return [AnalysisJob(i, candidates[i]) for i in sorted(mine)]


def renew_leases(session: Session, owner: str, *, ttl: float = LEASE_SECONDS) -> int:
    """Push the expiry of every lease ``owner`` holds ``ttl`` seconds ahead; returns how many it holds."""
    result = session.execute(
        update(AnalysisLease)
        .where(AnalysisLease.owner == owner)
        .values(expires_at=utcnow() + timedelta(seconds=ttl))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def release_leases(session: Session, owner: str, media_file_ids: Iterable[int] | None = None) -> None:
    """Give files back (written, or dropped by a stop); without ids, every lease ``owner`` holds."""
    if media_file_ids is None:
        session.execute(delete(AnalysisLease).where(AnalysisLease.owner == owner))
        return
    for chunk in chunked(list(media_file_ids)):
        session.execute(
            delete(AnalysisLease).where(AnalysisLease.owner == owner, AnalysisLease.media_file_id.in_(chunk))
        )


def unclaimed_count(session: Session, *, retry_errors: bool = False) -> int:
    """Files that need analysis and no live lease holds: what is left for any run to take."""
    moment = utcnow()
    leased = exists(
        select(AnalysisLease.media_file_id).where(
            AnalysisLease.media_file_id == MediaFile.id, AnalysisLease.expires_at > moment
        )
    )
    statement = (
        select(func.count()).select_from(MediaFile).where(needs_analysis(retry_errors=retry_errors), ~leased)
    )
    return int(session.scalar(statement) or 0)
