"""Path maps (``tonearm folders map``, ``--path-map``) and the command line's answers to bad cluster input;
a result made by another feature extractor version is never stored."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.analysis import run_analysis
from analyzer.analysis.path_map import PathMap, PathMapError, library_path_map, parse_path_map
from analyzer.audio import FileAnalysis, analyze_file
from analyzer.scan import run_scan
from analyzer.scan.folders import FolderError, add_folder, list_folders, map_folder
from app.cli import app
from models.engine import Database
from tests.audio_signals import make_library


def test_the_longest_local_prefix_wins_and_only_whole_components_match() -> None:
    paths = PathMap.of([("/home/me/Music", "/mnt/music"), ("/home/me/Music/Live", "/srv/live")])
    assert paths.to_worker("/home/me/Music/a/b.flac") == "/mnt/music/a/b.flac"
    assert paths.to_worker("/home/me/Music/Live/x.flac") == "/srv/live/x.flac"
    assert paths.to_worker("/home/me/Musicals/y.flac") == "/home/me/Musicals/y.flac"  # not under it
    assert paths.to_worker("/elsewhere/z.flac") == "/elsewhere/z.flac"
    windows = PathMap.of([("/home/me/Music", "D:\\Music")])
    assert windows.to_worker("/home/me/Music/a/b.flac") == "D:\\Music\\a\\b.flac"


def test_parse_path_map_says_what_is_wrong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_path_map("music=/mnt/music/") == (str(tmp_path / "music"), "/mnt/music")
    for bad, words in [("music", "FROM=TO"), ("=/mnt", "FROM=TO"), ("music=relative/x", "absolute")]:
        with pytest.raises(PathMapError, match=words):
            parse_path_map(bad)


def test_folders_map_is_kept_per_folder(db: Database, tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    with db.session() as s:
        add_folder(s, music)
    with db.session() as s:
        assert map_folder(s, str(music), "/mnt/music/").worker_path == "/mnt/music"
    with db.session() as s:
        assert [f.worker_path for f in list_folders(s)] == ["/mnt/music"]
        assert library_path_map(s, [(str(music / "live"), "/srv/live")]).pairs == (
            (str(music / "live"), "/srv/live"),
            (str(music), "/mnt/music"),
        )
        with pytest.raises(FolderError, match="absolute"):
            map_folder(s, str(music), "mnt/music")
        with pytest.raises(FolderError, match="not a library folder"):
            map_folder(s, str(tmp_path / "other"), "/mnt/other")
    with db.session() as s:
        map_folder(s, str(music), None)
    with db.session() as s:
        assert library_path_map(s) == PathMap()


def said(result: object) -> str:
    """What the person sees: the output, and the one-line error ``app.cli.main`` prints for a CliError."""
    return f"{getattr(result, 'output', '')} {getattr(result, 'exception', '')}"


def test_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    url = ["--database-url", f"sqlite:///{tmp_path / 'tonearm.db'}"]
    music = tmp_path / "music"
    music.mkdir()
    assert runner.invoke(app, [*url, "folders", "add", str(music)]).exit_code == 0
    mapped = runner.invoke(app, [*url, "folders", "map", str(music), "/mnt/music"])
    assert mapped.exit_code == 0 and "/mnt/music on the cluster's workers" in mapped.output
    listed = json.loads(runner.invoke(app, [*url, "folders", "list", "--json"]).output)
    assert listed[0]["worker_path"] == "/mnt/music"
    neither = runner.invoke(app, [*url, "folders", "map", str(music)])
    assert neither.exit_code != 0 and "--clear" in said(neither)
    assert runner.invoke(app, [*url, "folders", "map", "--clear", str(music)]).exit_code == 0

    alone = runner.invoke(app, [*url, "analyze", "--path-map", f"{music}=/mnt/music"])
    assert alone.exit_code == 1 and "give --cluster" in said(alone)
    bad = runner.invoke(app, [*url, "analyze", "--cluster", "tcp://127.0.0.1:9", "--path-map", "nothing"])
    assert bad.exit_code == 1 and "FROM=TO" in said(bad)
    both = runner.invoke(app, [*url, "analyze", "--cluster", "tcp://127.0.0.1:9", "--workers", "2"])
    assert both.exit_code == 1 and "--workers sizes the local pool" in said(both)
    pytest.importorskip("distributed")
    nobody = runner.invoke(app, [*url, "analyze", "--json"], env={"TONEARM_CLUSTER": "tcp://127.0.0.1:9"})
    assert nobody.exit_code == 1 and "no Dask scheduler answers at tcp://127.0.0.1:9" in said(nobody)


def from_another_extractor(path: str) -> FileAnalysis:
    from dataclasses import replace

    return replace(analyze_file(path), extractor_version=99)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")
def test_a_result_of_another_extractor_version_is_refused_and_the_file_stays_pending(
    sqlite_db: Database, tmp_path: Path
) -> None:
    root = make_library(tmp_path / "audio")
    run_scan(sqlite_db, [root], workers=1)
    summary = run_analysis(sqlite_db, workers=1, analyze=from_another_extractor)
    assert (summary.analyzed, summary.unstored, summary.error_kinds) == (0, 6, {"refused": 6})
    assert "version 99" in summary.problems[0].reason
    assert run_analysis(sqlite_db, workers=1).analyzed == 6  # still pending: the next run takes them
