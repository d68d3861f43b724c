"""The local ListenBrainz-compatible API: the subset real scrobblers and liblistenbrainz use.

Routes and rules follow LB ``webserver/views/api.py`` (formats.md §1). The submit route reads the raw
body itself: LB never checks Content-Type (liblistenbrainz sends none) and the size caps must be checked
before parsing. Listens are written by the group-commit :class:`ListenWriter`; playing-now listens stay
in memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException

from models import __version__
from scrobbler.api.auth import ApiUser, TokenChecker, token_from_header
from scrobbler.api.errors import (
    APIError,
    api_error_handler,
    http_error_handler,
    internal_error_handler,
    query_error_handler,
)
from scrobbler.api.playing_now import PlayingNowStore
from scrobbler.api.status import ServerStatus
from scrobbler.api.validation import (
    DEFAULT_ITEMS_PER_GET,
    MAX_ITEMS_PER_GET,
    check_body_size,
    listens_query,
    parse_submission,
)
from scrobbler.api.writer import ListenWriter
from scrobbler.history import listen_bounds, recent_listens
from scrobbler.importers.listenbrainz_listen import record_from_listen
from scrobbler.importers.rules import ImportOptions
from scrobbler.ingest import DEFAULT_DUPLICATE_WINDOW_SECS, SessionSource, session_factory
from scrobbler.ingest_rows import PreparedListen, RowRejected, prepare
from scrobbler.records import ListenRecord
from scrobbler.users import get_user

API_SOURCE = "api"  # listens_raw.source of listens submitted to this server
# The client already judged these listens; LB's own bounds were checked by validation.
_API_OPTIONS = ImportOptions(apply_scrobble_rule=False, max_future=timedelta(hours=1))
_SUBMIT_BODY_DOC = {
    "required": True,
    "description": "A ListenBrainz submission; Content-Type is not required (LB does not check it).",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["listen_type", "payload"],
                "properties": {
                    "listen_type": {"type": "string", "enum": ["single", "playing_now", "import"]},
                    "payload": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 1000,
                        "items": {
                            "type": "object",
                            "properties": {
                                "listened_at": {"type": "integer"},
                                "track_metadata": {"type": "object"},
                            },
                        },
                    },
                },
            }
        }
    },
}
# The hot path answers with fixed bytes: no response model, no per-request serialization.
_OK_BODY = b'{"status":"ok"}'
_AUTH_HEADER_DOC = {
    "name": "Authorization",
    "in": "header",
    "required": True,
    "description": "`Token <user token>` (create one with `tonearm token create USER`).",
    "schema": {"type": "string"},
}


def create_app(
    target: SessionSource,
    *,
    group_size: int = 256,
    duplicate_window_secs: int = DEFAULT_DUPLICATE_WINDOW_SECS,
    status: ServerStatus | None = None,
) -> FastAPI:
    """The API app over a database (or session factory); the writer thread lives with the app's lifespan.
    ``duplicate_window_secs``: how far apart a scrobble and an imported copy of it may be (ingest.py).
    ``status`` (also ``app.state.status``; a new one when None) counts what submissions brought and who sent
    them, for a status display (the desktop app's server screen)."""
    seen = status if status is not None else ServerStatus()
    sessions: sessionmaker[Session] = session_factory(target)
    writer = ListenWriter(sessions, max_group=group_size, window_secs=duplicate_window_secs)
    tokens = TokenChecker(sessions)
    playing_now = PlayingNowStore()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        writer.start()
        try:
            yield
        finally:
            await run_in_threadpool(writer.stop)

    app = FastAPI(
        title="Tonearm scrobble API",
        version=__version__,
        description="The ListenBrainz API subset that scrobblers use, served locally by Tonearm.",
        lifespan=lifespan,
    )
    app.state.status = seen
    app.add_exception_handler(APIError, api_error_handler)
    app.add_exception_handler(HTTPException, http_error_handler)
    app.add_exception_handler(RequestValidationError, query_error_handler)
    app.add_exception_handler(Exception, internal_error_handler)

    async def authenticate(header: str | None) -> ApiUser:
        return await run_in_threadpool(tokens.require, header)

    @app.post(
        "/1/submit-listens",
        tags=["listens"],
        response_class=Response,
        responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}},
        openapi_extra={"requestBody": _SUBMIT_BODY_DOC, "parameters": [_AUTH_HEADER_DOC]},
    )
    async def submit_listens(request: Request) -> Response:
        """Submit 1 listen (``single``, ``playing_now``) or up to 1000 (``import``) for the token's user."""
        # Read straight from the request (documented in openapi_extra): no dependency resolution per call.
        agent, address = request.headers.get("user-agent"), _address(request)
        user: ApiUser | None = None
        try:
            user = await authenticate(request.headers.get("authorization"))
            declared = request.headers.get("content-length")
            check_body_size(int(declared) if declared and declared.isdigit() else None)
            body = await _read_capped(request)
            listen_type, listens = parse_submission(body)
            if listen_type == "playing_now":
                playing_now.put(user.id, listens[0])
                seen.record(agent, address, user.name, action="playing now")
                return Response(_OK_BODY, media_type="application/json")
            records = [_record(listen, index) for index, listen in enumerate(listens)]
        except APIError as error:
            seen.record(
                agent, address, user.name if user else None, refused=f"{error.status}: {error.message}"
            )
            raise
        await asyncio.wrap_future(writer.submit(user.id, records))
        seen.record(agent, address, user.name, listens=len(records))
        return Response(_OK_BODY, media_type="application/json")

    @app.get("/1/validate-token", tags=["auth"])
    async def validate_token(
        request: Request, authorization: str | None = Header(None), token: str | None = Query(None)
    ) -> dict[str, Any]:
        """Whether a token is valid (header, or LB's legacy ``?token=``); an absent token is a 400."""
        given = token_from_header(authorization) or token
        if not given:
            raise APIError(400, "You need to provide an Authorization token.")
        user = await run_in_threadpool(tokens.user_for, given)
        agent, address = request.headers.get("user-agent"), _address(request)
        if user is None:
            seen.record(agent, address, None, action="token check", refused="invalid token")
            return {"code": 200, "message": "Token invalid.", "valid": False}
        seen.record(agent, address, user.name, action="token check")
        return {"code": 200, "message": "Token valid.", "valid": True, "user_name": user.name}

    @app.get("/1/user/{user_name}/listens", tags=["listens"])
    def user_listens(
        user_name: str,
        min_ts: str | None = Query(None, description="Only listens after this unix time."),
        max_ts: str | None = Query(None, description="Only listens before this unix time."),
        count: str | None = Query(
            None, description=f"At most {MAX_ITEMS_PER_GET}; default {DEFAULT_ITEMS_PER_GET}."
        ),
    ) -> dict[str, Any]:
        """A user's listens, newest first (LB's payload shape; duplicates merged into one listen)."""
        bounds, limit = listens_query(min_ts, max_ts, count)
        with sessions.begin() as session:
            user = _user_or_404(session, user_name)
            listens = recent_listens(
                session,
                user.id,
                user.username,
                min_ts=bounds[0],
                max_ts=bounds[1],
                count=limit,
            )
            oldest, latest = listen_bounds(session, user.id)
        return {
            "payload": {
                "count": len(listens),
                "user_id": user_name,
                "latest_listen_ts": latest,
                "oldest_listen_ts": oldest,
                "listens": listens,
            }
        }

    @app.get("/1/user/{user_name}/playing-now", tags=["listens"])
    def user_playing_now(user_name: str) -> dict[str, Any]:
        """What the user is playing now, if a client said so within the track's length (else 10 min)."""
        with sessions.begin() as session:
            user = _user_or_404(session, user_name)
            user_id = user.id
        current = playing_now.get(user_id)
        listens = [{"playing_now": True, "track_metadata": current["track_metadata"]}] if current else []
        return {
            "payload": {
                "count": len(listens),
                "user_id": user_name,
                "playing_now": True,
                "listens": listens,
            }
        }

    return app


def _address(request: Request) -> str | None:
    return request.client.host if request.client is not None else None


def _user_or_404(session: Session, name: str) -> Any:
    user = get_user(session, name)
    if user is None:
        raise APIError(404, f"Cannot find user: {name}")
    return user


def _record(listen: dict[str, Any], index: int) -> PreparedListen:
    """The listen as ingest will store it; what LB accepts but our columns cannot hold is a 400."""
    row = record_from_listen(listen, f"payload[{index}]", API_SOURCE, _API_OPTIONS)
    if not isinstance(row, ListenRecord):
        raise APIError(400, row.reason, listen)
    try:
        return prepare(row)
    except RowRejected as error:
        raise APIError(400, str(error), listen) from None


async def _read_capped(request: Request) -> bytes:
    """The body, refusing to buffer more than the cap even when Content-Length lied or was absent."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        check_body_size(None, size)
        chunks.append(chunk)
    return b"".join(chunks)
