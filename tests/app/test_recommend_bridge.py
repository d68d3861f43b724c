"""`tonearm stats recommend` on a scanned and analysed library: the app wires the analyzer's FAISS index
into the scrobbler's recommendations (which may not import the analyzer)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from analyzer.analysis import run_analysis
from analyzer.scan import run_scan
from app.cli import main
from app.similarity_bridge import similar_tracks_search
from models.engine import Database
from models.listens import Listen, ListenRaw
from models.media import MediaFile
from models.types import from_epoch
from models.users import User
from tests.audio_signals import make_library

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("bridge-audio"))


def track_of(db: Database, name: str) -> int:
    with db.session() as session:
        files = session.scalars(select(MediaFile)).all()
        return next(f.track_id for f in files if Path(f.file_path).name == name and f.track_id)


def test_recommends_unplayed_tracks_that_sound_like_the_most_played(
    sqlite_db: Database, generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert similar_tracks_search(sqlite_db) is None  # nothing analysed yet: no index
    root = tmp_path / "music"
    shutil.copytree(generated, root)
    run_scan(sqlite_db, [root], workers=1)
    run_analysis(sqlite_db, workers=1)
    played = track_of(sqlite_db, "song.flac")
    now = int(time.time())
    with sqlite_db.session() as session:
        user = User(username="alice")
        session.add(user)
        session.flush()
        for day in range(5):  # five recent plays of one song
            when = from_epoch(now - day * 86_400 - 3_600)
            raw = ListenRaw(user_id=user.id, source="test", payload_json="{}", listened_at=when)
            session.add(raw)
            session.flush()
            session.add(Listen(raw_id=raw.id, user_id=user.id, track_id=played, listened_at=when, source="test",
                               artist_name="Generator", track_name="song.flac", artist_name_normalized="generator",
                               track_name_normalized="song flac"))  # fmt: skip

    search = similar_tracks_search(sqlite_db)
    assert search is not None
    ranked = [track for track, _ in search([played], 6)]
    variants = {track_of(sqlite_db, n) for n in ("song.mp3", "song.ogg", "song-trimmed.flac")}
    assert set(ranked[1:4]) == variants or set(ranked[:3]) == variants  # itself may rank first

    url = str(sqlite_db.url.render_as_string(hide_password=False))
    code = main(
        ["--database-url", url, "stats", "recommend", "--user", "alice", "--range", "last-30-days", "--json"]
    )
    out = capsys.readouterr().out
    assert code == 0
    rows = json.loads(out)
    tracks = [r for r in rows if r["kind"] == "track"]
    assert {r["catalog_id"] for r in tracks[:3]} == variants  # the other encodings of the played song
    assert all(r["catalog_id"] != played for r in rows)
