"""The API's edges against ListenBrainz's own rules (LB ``api_tools.py``), token revocation, slow clients
and HTTPS: each over a real uvicorn server on loopback."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.engine import open_database
from models.schemas import SchemaConfig
from scrobbler.api.server import KEEP_ALIVE_TIMEOUT_SECS, REQUEST_READ_TIMEOUT_SECS, make_server
from scrobbler.users import add_user, create_token, revoke_token
from tests.scrobbler.conftest import RunningApi, free_port
from tests.scrobbler.test_api_errors import assert_error, listen, single, submit

MBID = "87c5dedd-371d-4a53-9f7f-80522fb7f3cb"


def with_info(**info: Any) -> dict[str, Any]:
    return listen(track_metadata={"artist_name": "A", "track_name": "Edge", "additional_info": info})


@pytest.mark.parametrize("at", [2**64, 2**64 + 1, 2**63, -(2**64), 10**30])
def test_listened_at_out_of_any_range_is_a_400_echoing_the_listen(api: RunningApi, at: int) -> None:
    raw = json.dumps(single(listen(listened_at=at))).encode()  # orjson cannot write past 64 bits
    body = assert_error(submit(api, None, raw=raw), 400, "Value for key listened_at is too")
    # The listen is merged into the body, as LB does (orjson reads past 64 bits as a float, like LB).
    assert float(body["listened_at"]) == float(at)


def test_listened_at_upper_bound_is_exclusive_like_lb(api: RunningApi) -> None:
    now = int(time.time())
    assert_error(submit(api, single(listen(listened_at=now + 3600 + 2))), 400, "too high")
    assert submit(api, single(listen(listened_at=now + 3600 - 60))).status_code == 200
    assert_error(submit(api, single(listen(listened_at=1033430399))), 400, "too low")
    for raw in (b"1e400", b"NaN", b"18446744073709551616e5"):
        body = b'{"listen_type":"single","payload":[{"listened_at":' + raw + b',"track_metadata":{}}]}'
        assert_error(submit(api, None, raw=body), 400, "")


@pytest.mark.parametrize(
    ("info", "message"),
    [
        ({"duration": None}, "Value for duration is invalid, should be a positive integer."),
        ({"duration_ms": None}, "Value for duration_ms is invalid, should be a positive integer."),
        ({"duration": "long"}, "Value for duration is invalid, should be a positive integer."),
        ({"duration": "inf"}, "Value for duration is invalid, should be a positive integer."),
        ({"duration": 0}, "Value for duration is invalid, should be a positive integer."),
        (
            {"duration_ms": 2_073_600_001},
            "Value for duration_ms is too large, max permitted value is 2073600000",
        ),
        ({"artist_mbids": "not a list"}, "artist_mbids MBID format invalid."),
        ({"work_mbids": [MBID, 5]}, "work_mbids MBID format invalid."),
        ({"recording_mbid": 12}, "recording_mbid MBID format invalid."),
    ],
)
def test_duration_and_mbid_errors_use_lb_messages(
    api: RunningApi, info: dict[str, Any], message: str
) -> None:
    body = assert_error(submit(api, single(with_info(**info))), 400, message)
    assert body["error"] == message


def test_null_and_empty_mbid_entries_are_dropped(api: RunningApi) -> None:
    info = {"artist_mbids": [None, MBID, "", None], "work_mbids": [None, ""], "release_mbid": None}
    track = f"MBID lists {time.time_ns()}"
    entry = listen(track_metadata={"artist_name": "A", "track_name": track, "additional_info": info})
    assert submit(api, single(entry)).status_code == 200
    stored = httpx.get(f"{api.url}/1/user/alice/listens", params={"count": 100}).json()["payload"]["listens"]
    kept = next(item for item in stored if item["track_metadata"]["track_name"] == track)
    additional = kept["track_metadata"].get("additional_info", {})
    assert additional.get("artist_mbids") == [MBID]
    assert "work_mbids" not in additional and "release_mbid" not in additional


def test_track_metadata_null_has_its_own_message(api: RunningApi) -> None:
    body = assert_error(submit(api, single(listen(track_metadata=None))), 400, "")
    assert body["error"] == "JSON document may not have track_metadata with null value."


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min_ts": 5, "max_ts": 5}, "max_ts should be greater than min_ts"),
        ({"min_ts": 1700000001, "max_ts": 1700000000}, "max_ts should be greater than min_ts"),
        ({"min_ts": 2**64}, f"Incorrect min_ts timestamp argument: {2**64}"),
        ({"max_ts": -(2**63)}, f"Incorrect max_ts timestamp argument: {-(2**63)}"),
        ({"max_ts": "soon"}, "Incorrect max_ts timestamp argument: soon"),
        ({"count": "many"}, "Invalid count argument: many"),
        ({"count": -1}, "Number of items requested should be positive"),
    ],
)
def test_listens_query_bounds(api: RunningApi, params: dict[str, Any], message: str) -> None:
    body = assert_error(httpx.get(f"{api.url}/1/user/alice/listens", params=params), 400, message)
    assert body == {"code": 400, "error": message}


def test_a_huge_count_is_capped_not_refused(api: RunningApi) -> None:
    response = httpx.get(f"{api.url}/1/user/alice/listens", params={"count": 10**30})
    assert response.status_code == 200


def test_a_revoked_token_is_refused_on_the_very_next_request(api: RunningApi) -> None:
    with api.db.session() as session:
        user = add_user(session, f"carol{time.time_ns()}")
        token = create_token(session, user).token
    assert submit(api, single(listen()), token=token).status_code == 200
    assert submit(api, single(listen()), token=token).status_code == 200
    with api.db.session() as session:
        assert revoke_token(session, token) == 1
    assert_error(submit(api, single(listen()), token=token), 401, "Invalid authorization token.")
    checked = httpx.get(f"{api.url}/1/validate-token", headers={"Authorization": f"Token {token}"}).json()
    assert checked["valid"] is False


def _seconds_until_closed(port: int, opening: bytes, trickle: bytes = b"") -> float:
    """Send ``opening``, then ``trickle`` one byte a second; the seconds until the server closes."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(opening)
        conn.settimeout(1.0)
        sent = 0
        while time.monotonic() - started < 60:
            try:
                if conn.recv(4096) == b"":
                    return time.monotonic() - started
            except TimeoutError:
                pass
            except ConnectionResetError:
                return time.monotonic() - started
            if sent < len(trickle):
                try:
                    conn.sendall(trickle[sent : sent + 1])
                except OSError:
                    return time.monotonic() - started
                sent += 1
    return time.monotonic() - started


def test_stalled_and_slow_clients_are_closed_within_the_read_deadline(api: RunningApi) -> None:
    port = int(api.url.rsplit(":", 1)[1])
    headers = f"POST /1/submit-listens HTTP/1.1\r\nHost: x\r\nAuthorization: Token {api.token}\r\n"
    cases = {
        "silent": (b"", b""),
        "half a request line": (b"POST /1/submit-li", b""),
        "half the headers": (headers.encode(), b""),
        "half the body": ((headers + "Content-Length: 400\r\n\r\n").encode() + b'{"listen_type":', b""),
        "one header byte a second": (b"GET /1/validate-token HTTP/1.1\r\n", b"X-Slow: " + b"a" * 60),
    }
    closed: dict[str, float] = {}

    def run(name: str, opening: bytes, trickle: bytes) -> None:
        closed[name] = _seconds_until_closed(port, opening, trickle)

    threads = [threading.Thread(target=run, args=(name, *case)) for name, case in cases.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bound = REQUEST_READ_TIMEOUT_SECS + 3
    assert all(seconds <= bound for seconds in closed.values()), closed
    assert all(seconds >= REQUEST_READ_TIMEOUT_SECS - 1 for seconds in closed.values()), closed


def test_an_idle_keep_alive_connection_is_closed(api: RunningApi) -> None:
    port = int(api.url.rsplit(":", 1)[1])
    request = b"GET /1/validate-token?token=x HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request)
        assert conn.recv(4096).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        assert conn.recv(4096) == b""  # closed by the server, not by our timeout
        assert time.monotonic() - started <= KEEP_ALIVE_TIMEOUT_SECS + 2


def test_a_fast_client_is_not_cut_by_the_deadline(api: RunningApi) -> None:
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Token {api.token}"}) as client:
        for _ in range(3):
            assert (
                client.post(
                    "/1/submit-listens", content=b'{"listen_type":"single","payload":[' + b"]}"
                ).status_code
                == 400
            )
            time.sleep(1)
        assert client.get("/1/validate-token").json()["valid"] is True


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def https_api(tmp_path: Path, self_signed: tuple[Path, Path]) -> Iterator[tuple[str, str]]:
    db = open_database(f"sqlite:///{tmp_path / 'tonearm.db'}", SchemaConfig())
    from models.bootstrap import init_database

    init_database(db)
    with db.session() as session:
        token = create_token(session, add_user(session, "alice")).token
    port = free_port()
    server = make_server(db, "127.0.0.1", port, tls_cert=self_signed[0], tls_key=self_signed[1])
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the HTTPS server did not start"
        time.sleep(0.01)
    try:
        yield f"https://127.0.0.1:{port}", token
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        db.dispose()


def test_https_with_a_self_signed_certificate(
    https_api: tuple[str, str], self_signed: tuple[Path, Path]
) -> None:
    url, token = https_api
    context = ssl.create_default_context(cafile=str(self_signed[0]))
    with httpx.Client(base_url=url, verify=context, headers={"Authorization": f"Token {token}"}) as client:
        assert client.get("/1/validate-token").json()["valid"] is True
        assert client.post("/1/submit-listens", json=single(listen())).json() == {"status": "ok"}
        assert client.get("/1/user/alice/listens").json()["payload"]["count"] == 1
    with pytest.raises(httpx.ConnectError):  # an unverified client is refused by its own TLS check
        httpx.get(f"{url}/1/validate-token")
    with pytest.raises(httpx.HTTPError):  # plain HTTP on the HTTPS port gets no API answer
        httpx.get(url.replace("https", "http") + "/1/validate-token", timeout=5)


def test_bad_tls_files_are_refused_with_a_reason(tmp_path: Path, self_signed: tuple[Path, Path]) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'tonearm.db'}", SchemaConfig())
    cert, key = self_signed
    with pytest.raises(ValueError, match="needs both"):
        make_server(db, tls_cert=cert)
    with pytest.raises(ValueError, match="not a readable file"):
        make_server(db, tls_cert=cert, tls_key=tmp_path / "missing.pem")
    with pytest.raises(ValueError, match="cannot use"):
        make_server(db, tls_cert=key, tls_key=cert)
    db.dispose()


def test_oversized_headers_are_refused_at_once(api: RunningApi) -> None:
    port = int(api.url.rsplit(":", 1)[1])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"GET /1/validate-token HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (64 * 1024))
        answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400") or answer == b""
    assert time.monotonic() - started < 5
