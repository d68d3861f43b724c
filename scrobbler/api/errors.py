"""ListenBrainz-style API errors: ``{"code": <status>, "error": "<message>"}`` (formats.md §1).

As in LB ``webserver/errors.py::APIError.to_dict``, a per-listen error merges the offending listen's keys
into the body, with ``code`` and ``error`` written last so they always win.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException


class APIError(Exception):
    def __init__(self, status: int, message: str, listen: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.listen = listen

    def body(self) -> dict[str, Any]:
        body = dict(self.listen) if isinstance(self.listen, dict) else {}
        body["code"] = self.status
        body["error"] = self.message
        return body


def json_response(body: dict[str, Any], status: int) -> Response:
    """orjson, except for what it cannot write: an echoed listen may hold an integer past 64 bits
    (``"listened_at": 18446744073709551616``), which the standard library writes as LB's Flask does, or
    nest past what either can write, in which case the listen is left out and the error stays."""
    try:
        content = orjson.dumps(body)
    except orjson.JSONEncodeError:
        try:
            content = json.dumps(body, ensure_ascii=False, default=str).encode()
        except (RecursionError, ValueError):
            content = orjson.dumps({"code": body.get("code", status), "error": body.get("error", "")})
    return Response(content, status_code=status, media_type="application/json")


def error_response(status: int, message: str) -> Response:
    return json_response({"code": status, "error": message}, status)


async def api_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, APIError)
    return json_response(exc.body(), exc.status)


async def http_error_handler(_request: Request, exc: Exception) -> Response:
    """404s, 405s and the like in the same shape, so a client's error path sees one format."""
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, str(exc.detail))


async def query_error_handler(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ())[1:])
    return error_response(400, f"'{where}' should be a non-negative integer" if where else "Bad request.")


async def internal_error_handler(_request: Request, _exc: Exception) -> Response:
    """Unexpected failures in LB's shape and words (``errors.py::APIInternalServerError``)."""
    return error_response(500, "Something went wrong. Please try again.")
