"""Synthetic listening histories for the ingest benchmarks: LB export JSONL and Last.fm CSV.

Deterministic (seeded) so two runs import the same rows; a few thousand artists and tens of thousands of
tracks repeat the way real histories do, which is what the normalize cache and the indexes meet in use.
"""

from __future__ import annotations

import csv
import random
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson

START = 1_500_000_000  # 2017-07-14


def _catalog(rng: random.Random, tracks: int) -> list[tuple[str, str, str, str, str]]:
    artists = [
        f"Artist {i} {rng.choice(['Band', 'Trio', 'Ensemble', 'Project', 'Sound'])}" for i in range(3000)
    ]
    rows = []
    for i in range(tracks):
        artist = rng.choice(artists)
        mbid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        msid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        rows.append((artist, f"Track {i} – Ünïcode", f"Album {i // 10}", mbid, msid))
    return rows


def write_listenbrainz_jsonl(path: Path, count: int, seed: int = 1) -> Path:
    """``count`` listens as one LB export listens file (formats.md §2), in time order."""
    rng = random.Random(seed)
    catalog = _catalog(rng, 50_000)
    at = START
    with path.open("wb") as out:
        for _ in range(count):
            at += rng.randint(60, 400)
            artist, track, release, mbid, msid = rng.choice(catalog)
            info: dict[str, object] = {
                "duration_ms": rng.randint(120_000, 400_000),
                "submission_client": "bench",
            }
            if rng.random() < 0.5:
                info["recording_mbid"] = mbid
            listen = {
                "listened_at": at,
                "inserted_at": at + 5.5,
                "track_metadata": {
                    "artist_name": artist,
                    "track_name": track,
                    "release_name": release,
                    "additional_info": info,
                    "recording_msid": msid,
                },
            }
            out.write(orjson.dumps(listen) + b"\n")
    return path


def write_lastfm_csv(path: Path, count: int, seed: int = 2) -> Path:
    """``count`` scrobbles in the 4-column Last.fm export (artist, album, track, "31 Jan 2021 12:34")."""
    rng = random.Random(seed)
    catalog = _catalog(rng, 20_000)
    at = START
    stamps = []
    for _ in range(count):
        at += rng.randint(60, 400)
        stamps.append(at)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        for stamp in reversed(stamps):  # Last.fm exports are newest first
            artist, track, release, _mbid, _msid = rng.choice(catalog)
            when = datetime.fromtimestamp(stamp, UTC).strftime("%d %b %Y %H:%M")
            writer.writerow([artist, release, track, when])
    return path
