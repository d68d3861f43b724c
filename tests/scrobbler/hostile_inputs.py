"""Hostile history files and API requests, and a child-process runner that measures what they cost.

Run as ``python -m tests.scrobbler.hostile_inputs importers|api FOLDER``: it prints one JSON object with
every outcome and the peak RSS growth (``resource.getrusage``) over the imports already loaded, so the
memory bound is measured in a process that did nothing else.
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time
import traceback
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MIB = 1 << 20
NOW = int(time.time())
_LISTEN = {"listened_at": NOW - 600, "track_metadata": {"artist_name": "A", "track_name": "T"}}


def write_cases(folder: Path) -> list[Path]:
    """Every hostile file, written into ``folder``; large ones are sparse in content, not on the machine."""
    folder.mkdir(parents=True, exist_ok=True)
    small: dict[str, bytes] = {
        "nested_array.json": b"[" * 200_000,
        "nested_object.json": b'{"recenttracks":' * 50_000,
        "nested_inside_entry.json": b'[{"ts":"2024-01-01T00:00:00Z","x":' + b"[" * 100_000,
        "nested_jsonl.jsonl": b'{"listened_at":1700000000,"track_metadata":' + b"[" * 5000 + b"\n",
        "wrong_types.json": json.dumps(
            [
                {"listened_at": {"a": 1}, "track_metadata": ["x"]},
                {"listened_at": "soon", "track_metadata": {"artist_name": 5, "track_name": None}},
                {"ts": 17, "master_metadata_track_name": ["T"], "ms_played": "x"},
                {"endTime": None, "artistName": {}, "trackName": [], "msPlayed": -1},
                "a string entry",
                None,
            ]
        ).encode(),
        "out_of_range.json": (
            b'[{"listened_at":18446744073709551616,"track_metadata":{"artist_name":"A","track_name":"T"}},'
            b'{"listened_at":1e400,"track_metadata":{"artist_name":"A","track_name":"T"}},'
            b'{"listened_at":-99999999999999,"track_metadata":{"artist_name":"A","track_name":"T"}}]'
        ),
        "out_of_range_spotify.json": (
            b'[{"ts":"9999-99-99T99:99:99Z","ms_played":1e308,"master_metadata_track_name":"T",'
            b'"master_metadata_album_artist_name":"A"}]'
        ),
        "out_of_range.scrobbler.log": (
            b"#AUDIOSCROBBLER/1.1\n#TZ/UTC\nA\tB\tT\t1\t1e400\tL\t99999999999999999999\t\n"
            b"A\tB\tT\t-1\t-5\tL\t-99999999999\t\n"
        ),
        "out_of_range.csv": b"uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n"
        + b'"99999999999999999999","","A","","B","","T",""\n"-1","","A","","B","","T",""\n',
        "latin1.csv": "uts,artist,track\n1700000000,Café,Thé\n".encode("latin-1"),
        "utf16.json": json.dumps([_LISTEN]).encode("utf-16"),
        "surrogates.json": b'[{"listened_at":1700000000,"track_metadata":{"artist_name":"\\ud800",'
        b'"track_name":"\\udfff\\u0000"}}]',
        "truncated.json": json.dumps([_LISTEN] * 3).encode()[:-7],
        "binary.bin": bytes(random.Random(18).randrange(256) for _ in range(64 * 1024)),
        "librefm_broken.csv": b'+ACM- "unclosed\nArtist,Track,Time\n"A,T,1700000000\n\xff\xfe,x,1\n',
    }
    paths = []
    for name, content in small.items():
        (folder / name).write_bytes(content)
        paths.append(folder / name)
    paths.append(_write_long_line(folder / "long_line.csv", b"uts,artist,track\n1,", 256 * MIB, b",T\n"))
    paths.append(_write_long_line(folder / "long_string.json", b'[{"ts":"', 256 * MIB, b'"}]'))
    paths.append(_write_long_line(folder / "long.scrobbler.log", b"#AUDIOSCROBBLER/1.1\n", 256 * MIB, b"\n"))
    zipped = folder / "listenbrainz_hostile_1700000000.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("user.json", b'{"user_id":1,"username":"x"}')
        with archive.open("listens/2023/11.jsonl", "w") as member:
            for _ in range(1024):  # one line of 1 GiB
                member.write(b"x" * MIB)
            member.write(b"\n" + json.dumps(_LISTEN).encode() + b"\n")
    paths.append(zipped)
    return paths


def _write_long_line(path: Path, head: bytes, size: int, tail: bytes) -> Path:
    with path.open("wb") as handle:
        handle.write(head)
        block = b"a" * MIB
        for _ in range(size // MIB):
            handle.write(block)
        handle.write(tail)
    return path


def mutants(seed: int, samples: list[Path], count: int) -> Iterator[tuple[str, bytes]]:
    """Seeded mutations of real sample files: flips, cuts, splices of hostile fragments."""
    rng = random.Random(seed)
    fragments = [b"[[[[[[[[", b"18446744073709551616", b"1e400", b"\xff\xfe\xc3", b"\x00", b'"', b"\n", b"}]"]
    for index in range(count):
        source = rng.choice(samples)
        data = bytearray(source.read_bytes())
        for _ in range(rng.randrange(1, 6)):
            where = rng.randrange(len(data) + 1)
            action = rng.randrange(4)
            if action == 0 and data:
                data[min(where, len(data) - 1)] = rng.randrange(256)
            elif action == 1:
                data[where:where] = rng.choice(fragments) * rng.randrange(1, 50)
            elif action == 2:
                del data[where : where + rng.randrange(1, 40)]
            else:
                data = data[:where]
        yield f"{index:03d}-{source.name}", bytes(data)


def api_bodies() -> Iterator[tuple[str, bytes]]:
    """(label, body) for POST /1/submit-listens: every field wrong in turn, deep, huge, undecodable."""

    def body(listen: Any, listen_type: str = "single") -> bytes:
        return json.dumps({"listen_type": listen_type, "payload": [listen]}).encode()

    def with_meta(**meta: Any) -> dict[str, Any]:
        return {"listened_at": NOW - 60, "track_metadata": {"artist_name": "A", "track_name": "T", **meta}}

    yield "deep payload", b'{"listen_type":"single","payload":' + b"[" * 100_000

    def deep_info(levels: int, extra: bytes = b"") -> bytes:
        return (
            (
                b'{"listen_type":"single","payload":[{"listened_at":%d,"track_metadata":{"artist_name":"A",'
                b'"track_name":"T","additional_info":{%s"x":' % (NOW - 60, extra)
            )
            + b"[" * levels
            + b"]" * levels
            + b"}}}]}"
        )

    yield "deep info", deep_info(900)
    yield "deep info with null", deep_info(1000, b'"y":"\\u0000",')
    yield "info past orjson's depth", deep_info(1100)
    yield "huge string", body(with_meta(artist_name="a" * (9 * MIB)))
    yield "huge listen count", json.dumps({"listen_type": "import", "payload": [_LISTEN] * 5000}).encode()
    for value in (2**64, -(2**64), 10**400, "1e400", None, [], {}, True, 1.5e308):
        yield (
            f"listened_at={str(value)[:20]}",
            body({**_LISTEN, "listened_at": value}).replace(b'"1e400"', b"1e400"),
        )
    for key in ("duration", "duration_ms", "duration_played", "tracknumber"):
        for value in (None, -1, 2**64, "x", [], {}, 1e300):
            yield f"{key}={value!r}"[:40], body(with_meta(additional_info={key: value}))
    for key in ("artist_mbids", "work_mbids", "recording_mbid", "tags", "isrc", "spotify_id"):
        for value in (None, [None], [""], [5], "x", {"a": 1}, ["x" * 100] * 100):
            yield f"{key}={value!r}"[:40], body(with_meta(additional_info={key: value}))
    for meta in ({"artist_name": None}, {"track_name": 5}, {"release_name": []}, {"additional_info": []}):
        yield f"meta {meta}"[:40], body({**_LISTEN, "track_metadata": {**_LISTEN["track_metadata"], **meta}})
    for payload in (None, 5, "x", [None], [[]], [5], {}):
        yield f"payload={payload!r}", json.dumps({"listen_type": "import", "payload": payload}).encode()
    yield (
        "not utf-8",
        b'{"listen_type":"single","payload":[{"listened_at":1700000000,"track_metadata":'
        b'{"artist_name":"\xff\xfe","track_name":"T"}}]}',
    )
    yield "utf-16", body(_LISTEN).decode().encode("utf-16")
    yield "lone surrogate", body(with_meta(artist_name="\\ud800")).replace(b"\\\\ud800", b"\\ud800")
    yield "empty", b""
    yield "null", b"null"


def _importer_outcomes(paths: list[Path]) -> dict[str, Any]:
    import tempfile

    from models.bootstrap import init_database
    from models.engine import open_database
    from models.schemas import SchemaConfig
    from scrobbler import importers
    from scrobbler.ingest import run_ingest
    from scrobbler.records import ImportProblem, ListenRecord
    from scrobbler.users import default_user

    db = open_database(f"sqlite:///{Path(tempfile.mkdtemp()) / 'fuzz.db'}", SchemaConfig())
    init_database(db)
    with db.session() as session:
        user_id = default_user(session).id
    errors: list[str] = []
    outcomes: dict[str, Any] = {}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for path in paths:
        try:
            detected = importers.detect(path)
        except Exception:
            errors.append(f"detect {path.name}: {traceback.format_exc()}")
            detected = None
        outcomes[path.name] = {"detected": detected.NAME if detected else None}
        for importer in importers.all_importers():
            try:
                rows = list(importer.parse(path))
                bad = [row for row in rows if not isinstance(row, (ListenRecord, ImportProblem))]
                bad += [
                    row
                    for row in rows
                    if isinstance(row, ImportProblem) and not (row.location and row.reason)
                ]
                if bad:
                    errors.append(f"{importer.NAME} {path.name}: malformed rows {bad[:2]}")
                report = run_ingest(db, iter(rows), user_id)
                outcomes[path.name][importer.NAME] = [
                    report.imported,
                    report.failed_count,
                    report.skipped_count,
                ]
            except Exception:
                errors.append(f"{importer.NAME} {path.name}: {traceback.format_exc()}")
    growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    db.dispose()
    return {"errors": errors, "outcomes": outcomes, "peak_growth_mib": growth}


def _api_outcomes() -> dict[str, Any]:
    import tempfile

    from fastapi.testclient import TestClient

    from models.bootstrap import init_database
    from models.engine import open_database
    from models.schemas import SchemaConfig
    from scrobbler.api import create_app
    from scrobbler.users import add_user, create_token

    folder = Path(tempfile.mkdtemp())
    db = open_database(f"sqlite:///{folder / 'api.db'}", SchemaConfig())
    init_database(db)
    with db.session() as session:
        token = create_token(session, add_user(session, "fuzz")).token
    outcomes: dict[str, Any] = {}
    cases = list(api_bodies())
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        headers = {"Authorization": f"Token {token}"}
        client.post(
            "/1/submit-listens",
            content=json.dumps({"listen_type": "single", "payload": [_LISTEN]}),
            headers=headers,
        )
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for label, content in cases:
            response = client.post("/1/submit-listens", content=content, headers=headers)
            try:
                parsed = response.json()
                shaped = isinstance(parsed, dict) and ("error" in parsed or parsed == {"status": "ok"})
            except ValueError:
                shaped = False
            outcomes[label] = [response.status_code, shaped]
        for query in ("min_ts=1e400", "max_ts=-18446744073709551617", "count=%00", "min_ts=%ff", "count=-0"):
            response = client.get(f"/1/user/fuzz/listens?{query}")
            outcomes[f"GET {query}"] = [
                response.status_code,
                "code" in response.json() or "payload" in response.json(),
            ]
        growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    db.dispose()
    return {"outcomes": outcomes, "peak_growth_mib": growth}


def main(argv: list[str]) -> None:
    mode, folder = argv[1], Path(argv[2])
    if mode == "importers":
        paths = sorted(path for path in folder.iterdir() if path.is_file() and ".db" not in path.name)
        result = _importer_outcomes(paths)
    else:
        result = _api_outcomes()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
