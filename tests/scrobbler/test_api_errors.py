"""Every error path of the API over raw HTTP, with ListenBrainz's statuses and bodies (formats.md §1)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
import pytest

from scrobbler.api.validation import MAX_LISTEN_PAYLOAD_SIZE
from tests.scrobbler.conftest import RunningApi


def listen(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "listened_at": int(time.time()) - 60,
        "track_metadata": {"artist_name": "Artist", "track_name": "Track"},
    }
    base.update(changes)
    return base


def submit(
    api: RunningApi, body: Any, token: str | None = "alice", raw: bytes | None = None
) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Token {api.token if token == 'alice' else token}"}
    content = raw if raw is not None else orjson.dumps(body)
    return httpx.post(f"{api.url}/1/submit-listens", content=content, headers=headers, timeout=30)


def single(*listens: dict[str, Any], listen_type: str = "single") -> dict[str, Any]:
    return {"listen_type": listen_type, "payload": list(listens)}


def assert_error(response: httpx.Response, status: int, fragment: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == status
    assert fragment in body["error"], body["error"]
    return body  # type: ignore[no-any-return]


def test_ok_without_content_type(api: RunningApi) -> None:
    response = submit(api, single(listen()))
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "content-type" not in response.request.headers


def test_no_token(api: RunningApi) -> None:
    assert_error(
        submit(api, single(listen()), token=None), 401, "You need to provide an Authorization header."
    )


def test_bad_token(api: RunningApi) -> None:
    assert_error(submit(api, single(listen()), token="wrong"), 401, "Invalid authorization token.")


def test_validate_token(api: RunningApi) -> None:
    url = f"{api.url}/1/validate-token"
    good = httpx.get(url, headers={"Authorization": f"Token {api.token}"}).json()
    assert good == {"code": 200, "message": "Token valid.", "valid": True, "user_name": "alice"}
    legacy = httpx.get(url, params={"token": api.other_token}).json()
    assert legacy["valid"] is True and legacy["user_name"] == "bob"
    assert httpx.get(url, headers={"Authorization": "Token nope"}).json() == {
        "code": 200,
        "message": "Token invalid.",
        "valid": False,
    }
    assert_error(httpx.get(url), 400, "Authorization token")


def test_bad_json(api: RunningApi) -> None:
    assert_error(submit(api, None, raw=b'{"listen_type": "single", "payload": ['), 400, "Cannot parse JSON")
    assert_error(submit(api, {"payload": [listen()]}), 400, "Invalid JSON document submitted.")
    assert_error(submit(api, single(listen(), listen_type="later")), 400, "valid listen_type")
    assert_error(submit(api, {"listen_type": "single", "payload": {}}), 400, "should be a list")
    assert_error(submit(api, single()), 400, "does not contain any listens")


def test_too_many_listens(api: RunningApi) -> None:
    body = single(*[listen(listened_at=1600000000 + i) for i in range(1001)], listen_type="import")
    assert_error(
        submit(api, body), 400, "Too many listens. You may not submit more than 1000 listens at once."
    )
    assert_error(submit(api, single(listen(), listen(listened_at=1600000000))), 400, "only one")


def test_too_large(api: RunningApi) -> None:
    big = listen(
        track_metadata={"artist_name": "A", "track_name": "T", "additional_info": {"x": "y" * 11000}}
    )
    assert_error(submit(api, single(big)), 400, "JSON document is too large")
    huge = b" " * (MAX_LISTEN_PAYLOAD_SIZE + 1)
    assert_error(submit(api, None, raw=huge), 400, "Payload too large.")


def test_missing_fields(api: RunningApi) -> None:
    no_artist = listen(track_metadata={"track_name": "T"})
    body = assert_error(submit(api, single(no_artist)), 400, "required field track_metadata.artist_name")
    assert body["track_metadata"] == {"track_name": "T"}  # LB merges the offending listen into the body
    blank = listen(track_metadata={"artist_name": "  ", "track_name": "T"})
    assert_error(submit(api, single(blank)), 400, "track_metadata.artist_name is empty")
    not_text = listen(track_metadata={"artist_name": ["A"], "track_name": "T"})
    assert_error(submit(api, single(not_text)), 400, "must be a single string")
    assert_error(submit(api, single({"listened_at": 1600000000})), 400, "key track_metadata")
    assert_error(submit(api, single({"track_metadata": {}})), 400, "key listened_at")
    extra = listen(extra=1)
    assert_error(submit(api, single(extra)), 400, "may only contain listened_at and track_metadata")


def test_bad_timestamps(api: RunningApi) -> None:
    assert_error(submit(api, single(listen(listened_at="soon"))), 400, "int value for listened_at")
    assert_error(submit(api, single(listen(listened_at=1033430399))), 400, "too low")
    assert_error(submit(api, single(listen(listened_at=int(time.time()) + 7200))), 400, "too high")
    playing = single(listen(), listen_type="playing_now")
    assert_error(submit(api, playing), 400, "must not contain listened_at")
    # LB coerces with int(): a numeric string is a valid timestamp.
    assert submit(api, single(listen(listened_at=str(int(time.time()) - 30)))).status_code == 200


def test_null_character(api: RunningApi) -> None:
    bad = listen(track_metadata={"artist_name": "A\x00", "track_name": "T"})
    assert_error(submit(api, single(bad)), 400, "\\x00")


@pytest.mark.parametrize(
    ("info", "fragment"),
    [
        ({"recording_mbid": "not-a-uuid"}, "recording_mbid MBID format invalid."),
        (
            {"artist_mbids": ["87c5dedd-371d-4a53-9f7f-80522fb7f3cb", "bad"]},
            "artist_mbids MBID format invalid.",
        ),
        ({"duration_ms": -5}, "duration_ms is invalid"),
        ({"duration": 3_000_000}, "duration is too large, max permitted value is 2073600"),
        ({"duration": 200, "duration_ms": 200000}, "both duration and duration_ms"),
        ({"tags": ["t"] * 51}, "more than 50 items"),
        ({"tags": ["x" * 65]}, "longer than 64 characters"),
    ],
)
def test_bad_additional_info(api: RunningApi, info: dict[str, Any], fragment: str) -> None:
    bad = listen(track_metadata={"artist_name": "A", "track_name": "T", "additional_info": info})
    assert_error(submit(api, single(bad)), 400, fragment)


def test_empty_mbid_is_dropped_not_refused(api: RunningApi) -> None:
    info = {"recording_mbid": "", "release_mbid": None}
    ok = listen(track_metadata={"artist_name": "A", "track_name": "Empty MBID", "additional_info": info})
    assert submit(api, single(ok)).status_code == 200


def test_listens_query_errors(api: RunningApi) -> None:
    assert_error(httpx.get(f"{api.url}/1/user/alice/listens", params={"count": -1}), 400, "Number of items")
    assert_error(httpx.get(f"{api.url}/1/user/nobody/listens"), 404, "Cannot find user: nobody")
    assert_error(httpx.get(f"{api.url}/1/nothing-here"), 404, "Not Found")


def test_openapi_documents_the_routes(api: RunningApi) -> None:
    spec = httpx.get(f"{api.url}/openapi.json").json()
    for path in (
        "/1/submit-listens",
        "/1/validate-token",
        "/1/user/{user_name}/listens",
        "/1/user/{user_name}/playing-now",
    ):
        assert path in spec["paths"]
    body = spec["paths"]["/1/submit-listens"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["properties"]["payload"]["maxItems"] == 1000


def test_what_lb_accepts_but_the_columns_cannot_hold(api: RunningApi) -> None:
    long_artist = listen(track_metadata={"artist_name": "A" * 1500, "track_name": "T"})
    assert_error(submit(api, single(long_artist)), 400, "artist name longer than 1024 characters")
