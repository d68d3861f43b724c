"""Top artists: whole local days from the per-day artist rollup, the partial days at a range's ends and
every read the rollup cannot serve straight from ``listens`` + ``listen_artists``; raw artist names of
unmatched listens merge into the catalog artist of the same normalized name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, func, literal_column, outerjoin, select, type_coerce
from sqlalchemy.orm import Session

from models.artists import Artist
from models.listens import Listen, ListenArtist
from scrobbler.stats import rollup
from scrobbler.stats.scope import ListenScope, listening_secs
from scrobbler.stats.top_rows import Group, scoped

# SQLite reads a top-artists list fastest by listen id when the scope's listens are one compact run of ids, as
# they are when listens arrive in time order or a year of history is imported at once: probing
# listen_artists' key once per listen costs more than the grouping itself. Used when the scope's
# ids span at most _DENSE_SPAN times as many ids as it has listens; otherwise the (user_id, listened_at)
# range is read as on MariaDB.
_DENSE_SPAN = 2


def id_span(session: Session, scope: ListenScope) -> tuple[int, int] | None:
    """The lowest and highest listen id of the scope when the id-ordered plan applies (SQLite, dense ids)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return None
    # The ids of the first and the last listen in time are the bounds when listens arrived in order (two
    # index seeks); one pass over the index counts the listens and checks that none lies outside, which is
    # cheaper than min() and max() of every id (6 vs 10 ms on a year of 99,000 listens).
    ends = select(Listen.id).where(*scope.conditions()).limit(1)
    first, last = connection.execute(
        select(
            ends.order_by(Listen.listened_at).scalar_subquery(),
            ends.order_by(Listen.listened_at.desc()).scalar_subquery(),
        )
    ).one()
    if first is None:
        return None
    lo, hi = min(first, last), max(first, last)
    count, outside = connection.execute(
        select(func.count(), func.count().filter(~Listen.id.between(lo, hi))).where(*scope.conditions())
    ).one()
    if outside:
        lo, hi = connection.execute(
            select(func.min(Listen.id), func.max(Listen.id)).where(*scope.conditions())
        ).one()
    if hi - lo + 1 > _DENSE_SPAN * count:
        return None
    return int(lo), int(hi)


_Sums = dict[int, list[float]]  # artist id -> [plays, seconds]
_RawSums = dict[str, list[Any]]  # normalized raw name -> [a raw spelling, plays, seconds]


def _add(sums: _Sums, key: int, plays: int, secs: float) -> None:
    entry = sums.get(key)
    if entry is None:
        sums[key] = [plays, secs]
    else:
        entry[0] += plays
        entry[1] += secs


def _add_raw(sums: _RawSums, norm: str, name: str, plays: int, secs: float) -> None:
    entry = sums.get(norm)
    if entry is None:
        sums[norm] = [name, plays, secs]
    else:
        entry[0] = min(entry[0], name)  # the spelling min() picks when read in one query
        entry[1] += plays
        entry[2] += secs


def artists(session: Session, scope: ListenScope) -> list[Group]:
    """Whole days from the per-day rollup (rebuilt first where writers marked it), partial days at the
    range's ends and every read the rollup cannot serve straight from listens."""
    linked: _Sums = {}
    raw: _RawSums = {}
    days, edges = rollup.split_scope(scope)
    names: dict[int, tuple[str, str]] = {}
    if days is not None and rollup.ensure_fresh(session, scope.user_id):
        from_days, raw_days = rollup.artist_sums(session, scope.user_id, days)
        for artist_id, name, norm, plays, total in from_days:
            names[artist_id] = (name, norm)
            _add(linked, int(artist_id), int(plays), float(total or 0))
        for norm, artist, plays, total in raw_days:
            _add_raw(raw, norm, artist, int(plays), float(total or 0))
    else:
        edges = [scope]
    for edge in edges:
        _artists_direct(session, edge, linked, raw)
    names.update(_artist_names(session, [a for a in linked if a not in names]))
    matched: dict[object, Group] = {}
    by_name: dict[str, Group] = {}
    for artist_id, (count, seconds) in linked.items():
        known = names.get(artist_id)
        label, label_norm = known if known is not None else (f"#{artist_id}", None)
        group = Group(label, None, int(count), float(seconds), artist_id)
        matched[artist_id] = group
        # Raw names merge into the catalog artist of the same normalized name (the most played one when
        # several artists share it).
        if label_norm is not None and (label_norm not in by_name or by_name[label_norm].plays < group.plays):
            by_name[label_norm] = group
    for norm, (artist, plays, total) in raw.items():
        into = by_name.get(norm)
        if into is None:
            matched[("raw", norm)] = Group(artist, None, int(plays), float(total), None)
        else:
            into.plays += int(plays)
            into.secs += float(total)
    return list(matched.values())


def _artist_names(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    names: dict[int, tuple[str, str]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        rows = session.connection().execute(
            select(Artist.id, Artist.name, Artist.name_normalized).where(
                Artist.id.in_(ordered[start : start + 500])
            )
        )
        names.update((int(artist_id), (name, norm)) for artist_id, name, norm in rows)
    return names


def _artists_direct(session: Session, scope: ListenScope, linked_out: _Sums, raw_out: _RawSums) -> None:
    """Add the artist sums of ``scope``, read from listens and listen_artists, into the two dicts."""
    secs = type_coerce(func.sum(listening_secs()), Float)  # plain floats: no per-row result processing
    span = id_span(session, scope)
    if span is None:
        linked = scoped(
            select(ListenArtist.artist_id.label("artist_id"), func.count().label("plays"), secs.label("secs"))
            .select_from(Listen)
            .join(ListenArtist, ListenArtist.listen_id == Listen.id)
            .group_by(ListenArtist.artist_id),
            scope,
        ).subquery()
        unlinked = scoped(
            select(Listen.artist_name_normalized, func.min(Listen.artist_name), func.count(), secs)
            .select_from(outerjoin(Listen, ListenArtist, ListenArtist.listen_id == Listen.id))
            .where(ListenArtist.listen_id.is_(None))
            .group_by(Listen.artist_name_normalized),
            scope,
        )
    else:
        lo, hi = span
        # Walk listen_artists' primary key over the id span and fetch each listen by rowid (both in key
        # order), instead of probing the primary key once per listen of the range.
        # OFFSET 0 keeps the per-row subquery a co-routine, so the GROUP BY sorter holds (artist, seconds)
        # rather than every column the seconds are computed from.
        rows = (
            select(ListenArtist.artist_id.label("artist_id"), listening_secs().label("secs"))
            .select_from(ListenArtist)
            .join(Listen, Listen.id == ListenArtist.listen_id)
            .where(ListenArtist.listen_id.between(lo, hi), *scope.conditions(indexed=False))
            .offset(0)
            .subquery()
        )
        linked = (
            select(
                rows.c.artist_id,
                func.count().label("plays"),
                type_coerce(func.sum(rows.c.secs), Float).label("secs"),
            )
            .group_by(rows.c.artist_id)
            .subquery()
        )
        # "Has no listen_artists row" as a merge of two id-ordered scans (SQLite's ordered EXCEPT);
        # only the survivors are read from listens and checked against the scope.
        no_link = (
            select(Listen.id.label("id"))
            .where(Listen.id.between(lo, hi))
            .except_(select(ListenArtist.listen_id).where(ListenArtist.listen_id.between(lo, hi)))
            .order_by(literal_column("1"))
            .subquery()
        )
        unlinked = (
            select(Listen.artist_name_normalized, func.min(Listen.artist_name), func.count(), secs)
            .select_from(no_link)
            .join(Listen, Listen.id == no_link.c.id)
            .where(*scope.conditions(indexed=False))
            .group_by(Listen.artist_name_normalized)
        )
    connection = session.connection()
    for artist_id, plays, total in connection.execute(select(linked)).tuples():
        _add(linked_out, int(artist_id), int(plays), float(total or 0))
    for norm, artist, plays, total in connection.execute(unlinked).tuples():
        _add_raw(raw_out, norm, artist, int(plays), float(total or 0))
