"""A small library for the curation tests: tracks through tests.matching_fixtures, each with a real file on
disk under ``root/music`` and its media_files row keyed as the scanner keys it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from analyzer.scan.paths import path_hash
from models.media import MediaFile
from tests import matching_fixtures as fx

JOGA_MBID = "0c5b8a4c-7a4b-4b0c-9d3e-1f2a3b4c5d6e"

# (artist, title, album, seconds, path under music/, ids)
LIBRARY: list[tuple[str, str, str | None, float, str, dict[str, str]]] = [
    ("Röyksopp", "Eple", "Melody A.M.", 221, "Röyksopp/Melody A.M./01 Eple.flac", {}),
    ("Björk", "Jóga", "Homogenic", 305, "Björk/Homogenic/02 Jóga.flac", {"recording_mbid": JOGA_MBID}),
    ("Daft Punk", "One More Time", "Discovery", 320, "Daft Punk/Discovery/01 One More Time.ogg",
     {"spotify_id": "0DiWol3AO6WpXZgp0goxAV"}),
    ("Sigur Rós", "Hoppípolla", "Takk...", 213, "Sigur Rós/Takk.../04 Hoppípolla.flac", {}),
    ("Kraftwerk", "Das Model", "Die Mensch-Maschine", 222, "Kraftwerk/Die Mensch-Maschine/05 Das Model.flac", {}),
    ("Stardust", "Music Sounds Better With You", None, 412, "Stardust/Music Sounds Better With You.mp3", {}),
    ("Jay-Z", "99 Problems", "The Black Album", 234, "Jay-Z/The Black Album/06 99 Problems.mp3", {}),
    ("坂本龍一", "Merry Christmas Mr. Lawrence", None, 275, "坂本龍一/Merry Christmas Mr. Lawrence.flac", {}),
    ("Air", "Intro", "Talkie Walkie", 90, "Air/Talkie Walkie/01 Intro.mp3", {}),
    ("Moby", "Intro", "Play Live", 95, "Moby/Play Live/01 Intro.mp3", {}),
]  # fmt: skip


def build_library(session: Session, root: Path) -> dict[str, int]:
    """Create the tracks and their files; returns track ids by "Artist - Title"."""
    ids: dict[str, int] = {}
    for artist, title, album, seconds, relative, external in LIBRARY:
        track_id = fx.track(session, artist, title, album=album, duration=seconds, ids=external)
        add_file(session, root / "music" / relative, track_id, seconds)
        ids[f"{artist} - {title}"] = track_id
    return ids


def add_file(session: Session, path: Path, track_id: int, seconds: float) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not really audio: matching reads the catalog, never the file")
    row = MediaFile(file_path=str(path), file_path_hash=path_hash(str(path)), track_id=track_id,
                    duration_secs=seconds, size_bytes=path.stat().st_size)  # fmt: skip
    session.add(row)
    session.flush()
    return row.id
