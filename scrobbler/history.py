"""Reading a user's canonical listens back in ListenBrainz's listen shape (formats.md §1-2).

Used by the local API's ``GET /1/user/{name}/listens``; any caller that wants LB-shaped history can use it.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import Session

from models.listens import Listen, ListenRaw

_AT = type_coerce(Listen.listened_at, BigInteger)


def listen_bounds(session: Session, user_id: int) -> tuple[int | None, int | None]:
    """(oldest, latest) listened_at of the user's listens, as unix seconds."""
    row = session.execute(select(func.min(_AT), func.max(_AT)).where(Listen.user_id == user_id)).one()
    return (None if row[0] is None else int(row[0]), None if row[1] is None else int(row[1]))


def recent_listens(
    session: Session,
    user_id: int,
    user_name: str,
    *,
    min_ts: int | None = None,
    max_ts: int | None = None,
    count: int = 25,
) -> list[dict[str, Any]]:
    """Up to ``count`` listens, newest first, strictly between ``min_ts`` and ``max_ts`` when given.

    As in LB, ``min_ts`` alone pages forward: it returns the ``count`` listens right after ``min_ts``.
    """
    query = (
        select(Listen, ListenRaw.payload_json, ListenRaw.source_track_id, ListenRaw.ingested_at)
        .join(ListenRaw, ListenRaw.id == Listen.raw_id)
        .where(Listen.user_id == user_id)
    )
    if min_ts is not None:
        query = query.where(min_ts < _AT)
    if max_ts is not None:
        query = query.where(max_ts > _AT)
    forward = min_ts is not None and max_ts is None
    order = (_AT.asc(), Listen.id.asc()) if forward else (_AT.desc(), Listen.id.desc())
    rows = list(session.execute(query.order_by(*order).limit(count)).tuples())
    if forward:
        rows.reverse()
    return [
        _lb_listen(listen, payload, track_id, ingested_at.timestamp(), user_name)
        for listen, payload, track_id, ingested_at in rows
    ]


def _lb_listen(
    listen: Listen, payload_json: str, source_track_id: str | None, inserted_at: float, user_name: str
) -> dict[str, Any]:
    info = _submitted_additional_info(payload_json)
    for key, value in (
        ("recording_mbid", listen.recording_mbid),
        ("isrc", listen.isrc),
        ("spotify_id", listen.spotify_id and f"https://open.spotify.com/track/{listen.spotify_id}"),
        ("duration", listen.track_duration_secs and int(listen.track_duration_secs)),
    ):
        if value and key not in info and not (key == "duration" and "duration_ms" in info):
            info[key] = value
    info.setdefault("source", listen.source)
    metadata: dict[str, Any] = {
        "artist_name": listen.artist_name,
        "track_name": listen.track_name,
        "additional_info": info,
    }
    if listen.release_name:
        metadata["release_name"] = listen.release_name
    msid = source_track_id if listen.source.startswith("listenbrainz") else None
    return {
        "listened_at": int(listen.listened_at.timestamp()),
        "inserted_at": int(inserted_at),
        "recording_msid": msid,
        "user_name": user_name,
        "track_metadata": metadata,
    }


def _submitted_additional_info(payload_json: str) -> dict[str, Any]:
    """additional_info as the client sent it, when the raw row is ListenBrainz-shaped."""
    try:
        payload = orjson.loads(payload_json)
    except orjson.JSONDecodeError:
        return {}
    metadata = payload.get("track_metadata") if isinstance(payload, dict) else None
    info = metadata.get("additional_info") if isinstance(metadata, dict) else None
    return dict(info) if isinstance(info, dict) else {}
