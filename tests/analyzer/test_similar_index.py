"""Similarity over an analysed library: variants first, filters, persistence and incremental updates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import analyzer.similarity.index as index_module
from analyzer.analysis import run_analysis
from analyzer.scan import run_scan
from analyzer.similarity import compatible_keys, index_path, load_index, similar_tracks
from app.cli import main
from models.engine import Database, open_database
from tests.audio_signals import make_library
from tests.scan_audio import tag

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")
VARIANTS = {"song.mp3", "song.ogg", "song-trimmed.flac"}


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("similar-audio"))


@pytest.fixture
def analysed(sqlite_db: Database, generated: Path, tmp_path: Path) -> tuple[Database, Path]:
    root = tmp_path / "music"
    shutil.copytree(generated, root)
    run_scan(sqlite_db, [root], workers=1)
    run_analysis(sqlite_db, workers=1)
    return sqlite_db, root


def names(found: list) -> list[str]:  # type: ignore[type-arg]
    return [Path(t.path).name for t in found]


def test_own_variants_come_first_and_the_query_is_excluded(analysed: tuple[Database, Path]) -> None:
    db, root = analysed
    found = similar_tracks(db, str(root / "song.flac"), k=5)
    assert len(found) == 5 and "song.flac" not in names(found)
    assert set(names(found)[:3]) == VARIANTS
    assert found[0].distance <= found[3].distance
    by_id = similar_tracks(db, found[0].track_id, k=1)
    assert len(by_id) == 1


def test_bpm_window_and_harmonic_key_filters(analysed: tuple[Database, Path]) -> None:
    db, root = analysed
    query = similar_tracks(db, str(root / "song.mp3"), k=1)[0]  # the flac or another variant
    assert query.bpm is not None and abs(query.bpm - 100) < 2  # 100 BPM generated
    within = similar_tracks(db, str(root / "song.flac"), k=10, bpm_window=5)
    assert set(names(within)) == VARIANTS  # other (128) and third (80 BPM) are outside 5 %
    same_key = similar_tracks(db, str(root / "song.flac"), k=10, key="same")
    assert same_key and all(t.camelot == query.camelot for t in same_key)


def test_compatible_keys_on_the_camelot_wheel() -> None:
    assert compatible_keys("8B", "adjacent") == {"8B", "9B", "7B", "8A"}
    assert compatible_keys("12A", "adjacent") == {"12A", "1A", "11A", "12B"}
    assert compatible_keys("1B", "adjacent") == {"1B", "2B", "12B", "1A"}
    assert compatible_keys("5A", "same") == {"5A"} and compatible_keys("5A", "any") is None


def test_index_survives_restart_and_updates_incrementally(
    analysed: tuple[Database, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, root = analysed
    path = index_path(db)
    saved = load_index(path)
    assert saved is not None and saved.size == 6 and saved.kind == "flat"
    reopened = open_database(db.url)
    try:
        assert index_path(reopened) == path
        mtime = path.stat().st_mtime_ns
        assert len(similar_tracks(reopened, str(root / "song.flac"), k=3)) == 3
        assert path.stat().st_mtime_ns == mtime  # served from the saved index, not rebuilt
    finally:
        reopened.dispose()

    monkeypatch.setattr(index_module, "RESTANDARDIZE_SHARE", 10.0)  # force the incremental path
    shutil.copyfile(root / "third.mp3", root / "third-again.mp3")
    tag(root / "third-again.mp3", title="third again", album="Elsewhere")
    run_scan(db, [root], workers=1)
    assert run_analysis(db, workers=1).indexed_tracks == 7
    updated = load_index(path)
    assert updated is not None and updated.size == 7
    assert updated.standardized_count == 6  # placed with the stored statistics, not rebuilt
    found = similar_tracks(db, str(root / "third-again.mp3"), k=1)
    assert names(found) == ["third.mp3"] and found[0].distance < 1e-6  # identical audio


def test_cli_analyze_duplicates_similar(
    generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "music"
    shutil.copytree(generated, root)
    url = ["--database-url", f"sqlite:///{tmp_path / 'cli.db'}"]
    assert main([*url, "scan", "--json", str(root)]) == 0
    capsys.readouterr()
    assert main([*url, "analyze", "--json", "--workers", "1"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["analyzed"], summary["errors"], summary["indexed_tracks"]) == (6, 0, 6)

    assert main([*url, "duplicates", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert [(g["reason"], Path(g["keep"]).name, len(g["files"])) for g in groups] == [
        ("fingerprint", "song.flac", 4)
    ]

    playlist = tmp_path / "mix.m3u8"
    assert main([*url, "similar", str(root / "song.flac"), "-k", "3", "--m3u8", str(playlist)]) == 0
    assert "Playlist written" in capsys.readouterr().out
    lines = playlist.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U" and lines[1].startswith("#EXTINF:") and "Generator - " in lines[1]
    assert {Path(p).name for p in lines[2::2]} == VARIANTS
    assert main([*url, "similar", "999"]) == 1
    assert main([*url, "analyze", "--acoustid"]) == 1  # opt-in: no key, no network
    assert "API key" in capsys.readouterr().err
