"""The fast path of a top-N tracks or releases list: the same rows as ranking every group
(:func:`scrobbler.stats.top_catalog.tracks` / ``releases``, then sorting), without reading them all.

A row's measure is its catalog entry's plus the raw group merged into it. SQL returns the K biggest catalog
entries and the K biggest raw groups; every row with the key of one of those (catalog entries and raw
groups alike, looked up by title) is summed exactly as the plain version does. Any row not among them is a
catalog entry no bigger than the K-th one, plus at most a raw group no bigger than the K-th one: when the
N-th candidate is strictly bigger than those two together, nothing unread can enter the top N; otherwise K
grows and the read is repeated. A 1M-listen history's all-time top 50 reads ~200 of ~36,000 groups
(tests/scrobbler/test_stats_top_bounded.py checks both give the same list).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from scrobbler.stats import top_catalog
from scrobbler.stats.scope import ListenScope
from scrobbler.stats.top_catalog import CatalogRow, RawRow
from scrobbler.stats.top_rows import Group, TopBy, TopKind, rank_key

FIRST_K = 64
"""Rows of each kind read first (the top 50 of the bench history is exact at the first read)."""

_Readers = tuple[Callable[..., list[CatalogRow]], Callable[..., list[RawRow]]]
_READERS: dict[TopKind, _Readers] = {
    TopKind.TRACKS: (top_catalog.track_rows, top_catalog.raw_track_rows),
    TopKind.RELEASES: (top_catalog.release_rows, top_catalog.raw_release_rows),
}


def bounded_top(session: Session, scope: ListenScope, kind: TopKind, by: TopBy, limit: int) -> list[Group]:
    """The ``limit`` biggest rows of ``kind`` ranked ``by``, in order (tracks or releases)."""
    catalog_reader, raw_reader = _READERS[kind]
    key = rank_key(by)
    k = max(FIRST_K, 2 * limit)
    while True:
        catalog = catalog_reader(session, scope, by=by, limit=k)
        raw = raw_reader(session, scope, by=by, limit=k)
        complete = len(catalog) < k and len(raw) < k  # every row was read
        bound = _measure_bound(catalog, k, by, at=(1, 2)) + _measure_bound(raw, k, by, at=(3, 4))
        titles = sorted({row[5][0] for row in catalog if row[5] is not None} | {row[0][0] for row in raw})
        keys = {row[5] for row in catalog if row[5] is not None} | {row[0] for row in raw}
        catalog_ids = {row[0] for row in catalog}
        raw_keys = {row[0] for row in raw}
        if titles:
            # Every other entry and raw group of those keys (by title, then the exact key: a collation
            # may match more), so each candidate is summed in full.
            catalog += [
                row
                for row in catalog_reader(session, scope, titles=titles)
                if row[5] in keys and row[0] not in catalog_ids
            ]
            raw += [
                row
                for row in raw_reader(session, scope, titles=titles)
                if row[0] in keys and row[0] not in raw_keys
            ]
        ranked = sorted(top_catalog.merge_groups(catalog, raw), key=key)
        if complete or (len(ranked) >= limit and _measure(ranked[limit - 1], by) > bound):
            return ranked[:limit]
        k *= 4


def _measure_bound(rows: list[Any], k: int, by: TopBy, at: tuple[int, int]) -> float:
    """The measure of the K-th row read (no unread row is bigger), 0 when fewer were there: none unread."""
    if len(rows) < k:
        return 0.0
    plays, secs = rows[k - 1][at[0]], rows[k - 1][at[1]]
    return float(plays) if by is TopBy.PLAYS else float(secs or 0)


def _measure(group: Group, by: TopBy) -> float:
    return float(group.plays) if by is TopBy.PLAYS else group.secs
