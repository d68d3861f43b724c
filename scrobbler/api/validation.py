"""ListenBrainz's submission rules, applied as ListenBrainz applies them (formats.md §1).

Sources: LB ``webserver/views/api.py::submit_listen`` and ``webserver/views/api_tools.py`` (limits,
``validate_listen``, ``verify_mbid_validity``, ``check_for_unicode_null_recursively``). Messages follow LB's
wording so clients that show them read the same text; statuses are 400 (formats.md lists no 413).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson

from scrobbler.api.errors import APIError

MAX_LISTENS_PER_REQUEST = 1000
MAX_LISTEN_PAYLOAD_SIZE = 10_240_000
MAX_LISTEN_SIZE = 10_240
MAX_TAGS_PER_LISTEN = 50
MAX_TAG_SIZE = 64
# LB: listened_at >= 2002-10-01 UTC; its message says 1033410600 but the check uses 1033430400.
LISTEN_MINIMUM_TS = 1_033_430_400
LISTENED_AT_ALLOWED_SKEW = 3600
MAX_DURATION_SECS = 24 * 24 * 3600  # 24 days
MAX_ITEMS_PER_GET = 1000
MAX_NESTING = 32  # ours: a listen is 4 levels deep; LB's only bound is the 10 KB per listen
DEFAULT_ITEMS_PER_GET = 25
# Python's datetime range, which LB's ``datetime.fromtimestamp`` enforces on min_ts/max_ts.
_MIN_QUERY_TS = int(datetime(1, 1, 2, tzinfo=UTC).timestamp())
_MAX_QUERY_TS = int(datetime(9999, 12, 31, tzinfo=UTC).timestamp())
LISTEN_TYPES = ("single", "import", "playing_now")
_SINGLE_MBID_KEYS = ("recording_mbid", "release_mbid", "release_group_mbid", "track_mbid")
_MULTI_MBID_KEYS = ("artist_mbids", "work_mbids")


def check_body_size(declared: int | None, actual: int | None = None) -> None:
    """The whole-body cap, from Content-Length before reading and from the bytes read."""
    for size in (declared, actual):
        if size is not None and size > MAX_LISTEN_PAYLOAD_SIZE:
            raise APIError(400, "Payload too large.")


def parse_submission(body: bytes) -> tuple[str, list[dict[str, Any]]]:
    """(listen_type, listens) of a submit-listens body, every listen validated and cleaned in place."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise APIError(400, f"Cannot parse JSON document: {error}") from None
    if not isinstance(data, dict) or "payload" not in data or "listen_type" not in data:
        raise APIError(400, "Invalid JSON document submitted.")
    payload = data["payload"]
    if not isinstance(payload, list):
        raise APIError(400, "The payload in the JSON document should be a list of listens.")
    if len(payload) == 0:
        raise APIError(400, "JSON document does not contain any listens.")
    if len(payload) > MAX_LISTENS_PER_REQUEST:
        raise APIError(
            400,
            f"Too many listens. You may not submit more than {MAX_LISTENS_PER_REQUEST} listens at once.",
        )
    if len(body) > len(payload) * MAX_LISTEN_SIZE:
        raise APIError(
            400,
            "JSON document is too large. In aggregate, listens may not be larger than "
            f"{MAX_LISTEN_SIZE} characters.",
        )
    listen_type = data["listen_type"]
    if listen_type not in LISTEN_TYPES:
        raise APIError(400, "JSON document requires a valid listen_type key.")
    if listen_type != "import" and len(payload) > 1:
        raise APIError(
            400,
            "JSON document contains more than listen for a single/playing_now. It should contain only one.",
        )
    # orjson stops at 1024 levels; deeper than ours (LB sets none) would cost the stack further on (the
    # stored payload is written back as JSON). Only a body with many brackets per listen is walked.
    if body.count(b"[") + body.count(b"{") > 16 * len(payload) + 16 and _depth_exceeds(payload, MAX_NESTING):
        raise APIError(400, f"JSON document may not nest deeper than {MAX_NESTING} levels in a listen.")
    now = int(time.time())
    # JSON can only carry NUL escaped, so a body without "\u0000" needs no per-string search.
    may_hold_null = b"\\u0000" in body
    for listen in payload:
        validate_listen(listen, listen_type, now, check_null=may_hold_null)
    return listen_type, payload


def validate_listen(listen: Any, listen_type: str, now: int, *, check_null: bool = True) -> None:
    """LB ``validate_listen``: raises APIError carrying the listen, cleans strings and durations in place."""
    if not isinstance(listen, dict):
        raise APIError(400, "Listen is empty and cannot be validated.")
    if listen_type == "playing_now":
        if "listened_at" in listen:
            raise APIError(
                400, "JSON document must not contain listened_at while submitting playing_now.", listen
            )
        if "track_metadata" in listen and len(listen) > 1:
            raise APIError(
                400,
                "JSON document may only contain track_metadata as top level key when submitting playing_now.",
                listen,
            )
    else:
        _validate_listened_at(listen, now)
    if "track_metadata" not in listen:
        raise APIError(400, "JSON document must contain the key track_metadata at the top level.", listen)
    metadata = listen["track_metadata"]
    if metadata is None:
        raise APIError(400, "JSON document may not have track_metadata with null value.", listen)
    if not isinstance(metadata, dict):
        raise APIError(400, "track_metadata must be a JSON object.", listen)
    for key in ("artist_name", "track_name"):
        value = metadata.get(key)
        if value is None:
            raise APIError(
                400, f"JSON document does not contain required field track_metadata.{key}.", listen
            )
        if not isinstance(value, str):
            raise APIError(400, f"track_metadata.{key} must be a single string.", listen)
        metadata[key] = value = value.strip()
        if not value:
            raise APIError(400, f"field track_metadata.{key} is empty.", listen)
    release = metadata.get("release_name")
    if release is not None:
        if not isinstance(release, str):
            raise APIError(400, "track_metadata.release_name must be a single string.", listen)
        if not release.strip():  # LB drops an empty release_name rather than failing
            del metadata["release_name"]
    info = metadata.get("additional_info")
    if info is not None:
        if not isinstance(info, dict):
            raise APIError(400, "track_metadata.additional_info must be a JSON object.", listen)
        _validate_additional_info(info, listen)
    if check_null and _contains_null(listen):
        raise APIError(400, "\\x00 is not allowed in any string in the JSON document.", listen)


def _validate_listened_at(listen: dict[str, Any], now: int) -> None:
    if "listened_at" not in listen:
        raise APIError(400, "JSON document must contain the key listened_at at the top level.", listen)
    try:
        # LB coerces with int(): "1600000000" and 1600000000.7 are accepted as 1600000000.
        listen["listened_at"] = int(listen["listened_at"])
    except (TypeError, ValueError, OverflowError):
        raise APIError(400, "JSON document must contain an int value for listened_at.", listen) from None
    at = listen["listened_at"]
    # LB's order: too high (>= now + 1 h), then too low, then the other top-level keys.
    if at >= now + LISTENED_AT_ALLOWED_SKEW:
        raise APIError(400, "Value for key listened_at is too high.", listen)
    if at < LISTEN_MINIMUM_TS:
        raise APIError(
            400,
            "Value for key listened_at is too low. listened_at timestamp should be greater than "
            "1033410600 (2002-10-01 00:00:00 UTC).",
            listen,
        )
    if "track_metadata" not in listen:
        raise APIError(400, "JSON document must contain the key track_metadata at the top level.", listen)
    if len(listen) > 2:
        raise APIError(
            400, "JSON document may only contain listened_at and track_metadata top level keys", listen
        )


def _validate_additional_info(info: dict[str, Any], listen: dict[str, Any]) -> None:
    tags = info.get("tags")
    if tags is not None:
        if not isinstance(tags, list) or len(tags) > MAX_TAGS_PER_LISTEN:
            raise APIError(
                400,
                f"JSON document may not contain more than {MAX_TAGS_PER_LISTEN} items in "
                "track_metadata.additional_info.tags.",
                listen,
            )
        for tag in tags:
            if not isinstance(tag, str) or len(tag) > MAX_TAG_SIZE:
                raise APIError(
                    400,
                    "JSON document may not contain track_metadata.additional_info.tags longer than "
                    f"{MAX_TAG_SIZE} characters.",
                    listen,
                )
    if "duration" in info and "duration_ms" in info:
        raise APIError(400, "JSON document should not contain both duration and duration_ms.", listen)
    # LB validates a present key whatever its value: ``"duration": null`` is a 400, not "no duration".
    # duration_played is ours (LB keeps it unchecked); a null one is dropped rather than refused.
    for key, scale in (("duration", 1), ("duration_ms", 1000)):
        if key in info:
            info[key] = _duration(info[key], key, MAX_DURATION_SECS * scale, listen)
    if info.get("duration_played") is None:
        info.pop("duration_played", None)
    else:
        info["duration_played"] = _duration(
            info["duration_played"], "duration_played", MAX_DURATION_SECS, listen
        )
    for key in _SINGLE_MBID_KEYS:
        if key not in info:
            continue
        if not info[key]:  # LB drops None, "" (any falsy value) silently
            del info[key]
        elif not _is_uuid(info[key]):
            raise APIError(400, f"{key} MBID format invalid.", listen)
    for key in _MULTI_MBID_KEYS:
        if key not in info:
            continue
        values = info[key]
        if not values:  # an empty list or null: the key is dropped
            del info[key]
            continue
        if not isinstance(values, list):
            raise APIError(400, f"{key} MBID format invalid.", listen)
        kept = [value for value in values if value]  # LB drops null and "" entries, keeps the rest
        if not all(_is_uuid(value) for value in kept):
            raise APIError(400, f"{key} MBID format invalid.", listen)
        if kept:
            info[key] = kept
        else:
            del info[key]


def _duration(value: Any, key: str, maximum: int, listen: dict[str, Any]) -> int:
    """LB ``validate_duration_field``: ``int(float(x))``, so "222000" and 222000.5 pass; its two messages."""
    invalid = f"Value for {key} is invalid, should be a positive integer."
    try:
        number = int(float(value))
    except (TypeError, ValueError, OverflowError):  # null, "abc", "inf", 1e400 as text
        raise APIError(400, invalid, listen) from None
    if number <= 0:
        raise APIError(400, invalid, listen)
    if number > maximum:
        raise APIError(400, f"Value for {key} is too large, max permitted value is {maximum}", listen)
    return number


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _contains_null(value: Any) -> bool:
    """Whether any string (key or value) holds NUL; iterative, so no nesting can exhaust the stack."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether containers nest deeper than ``limit`` (iterative)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def listens_query(
    min_ts: str | None, max_ts: str | None, count: str | None
) -> tuple[tuple[int | None, int | None], int]:
    """((min_ts, max_ts), count) of a listens GET, as LB ``_validate_get_listens_endpoint_params`` reads
    them: a timestamp that is not an integer or past the calendar is a 400 naming it, as is
    ``max_ts <= min_ts``; count is capped at 1000 and may not be negative."""
    low, high = _query_ts("min_ts", min_ts), _query_ts("max_ts", max_ts)
    if low is not None and high is not None and high <= low:
        raise APIError(400, "max_ts should be greater than min_ts")
    limit = DEFAULT_ITEMS_PER_GET
    if count:
        try:
            limit = int(count)
        except ValueError:
            raise APIError(400, f"Invalid count argument: {count}") from None
    if limit < 0:
        raise APIError(400, "Number of items requested should be positive")
    return (low, high), min(limit, MAX_ITEMS_PER_GET)


def _query_ts(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not _MIN_QUERY_TS <= number <= _MAX_QUERY_TS:
        raise APIError(400, f"Incorrect {name} timestamp argument: {value}")
    return number
