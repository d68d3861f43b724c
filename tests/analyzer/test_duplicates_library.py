"""Duplicates of a scanned and analysed library: identical audio, and the same recording across codecs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.analysis import run_analysis
from analyzer.duplicates import find_duplicates
from analyzer.scan import run_scan
from models.engine import Database
from tests.audio_signals import make_library
from tests.scan_audio import tag

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("duplicates-audio"))


def test_groups_by_hash_and_by_fingerprint(db: Database, generated: Path, tmp_path: Path) -> None:
    root = tmp_path / "music"
    shutil.copytree(generated, root)
    shutil.copyfile(root / "other.flac", root / "other-copy.flac")
    tag(root / "other-copy.flac", title="other (copy)", album="Copies", genre="Test")  # tags only
    run_scan(db, [root], workers=1)
    run_analysis(db, workers=1)
    with db.session() as session:
        groups = find_duplicates(session)

    by_reason = {g.reason: g for g in groups}
    assert sorted(by_reason) == ["audio_hash", "fingerprint"] and len(groups) == 2
    same_recording = by_reason["fingerprint"]
    names = [Path(f.path).name for f in same_recording.files]
    # Four encodings of one signal (one 2 s shorter and 3 dB quieter); the other pieces stay out.
    assert sorted(names) == ["song-trimmed.flac", "song.flac", "song.mp3", "song.ogg"]
    assert len({f.audio_hash for f in same_recording.files}) == 4
    assert 0.85 <= same_recording.score < 1.0
    # Lossless first; between the two FLACs the untrimmed one; then the lossy ones by bitrate.
    assert names[:2] == ["song.flac", "song-trimmed.flac"]
    assert Path(same_recording.keep.path).name == "song.flac" and "not trimmed" in same_recording.why

    identical = by_reason["audio_hash"]
    assert sorted(Path(f.path).name for f in identical.files) == ["other-copy.flac", "other.flac"]
    assert identical.score == 1.0
    assert Path(identical.keep.path).name == "other-copy.flac" and "more complete tags" in identical.why
