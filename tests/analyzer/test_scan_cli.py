"""`tonearm scan`, `tonearm files --errors` and `tonearm tracks` through app.cli.main."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import main
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("scan-templates-cli"))


@pytest.fixture
def library(tmp_path: Path, templates: dict[str, Path]) -> Path:
    root = tmp_path / "music"
    place(
        templates,
        root / "Artist/Album/01 One.flac",
        title="One",
        artist="Artist",
        album="Album",
        tracknumber="1",
    )
    place(
        templates,
        root / "Artist/Album/02 Two.mp3",
        title="Two (Radio Edit)",
        artist="Artist feat. Guest",
        album="Album",
    )
    (root / "Artist/Album/broken.mp3").write_bytes(b"\0" * 10)
    return root


def test_scan_json_summary_then_files_and_tracks(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--database-url", f"sqlite:///{tmp_path / 'cli.db'}"]
    assert main([*url, "scan", "--json", str(library)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {k: summary[k] for k in ("added", "updated", "unchanged", "missing", "errors")} == {
        "added": 2,
        "updated": 0,
        "unchanged": 0,
        "missing": 0,
        "errors": 1,
    }

    assert main([*url, "files", "--errors", "--json"]) == 0
    problems = json.loads(capsys.readouterr().out)
    assert [(Path(p["path"]).name, p["kind"]) for p in problems] == [("broken.mp3", "not_audio")]

    assert main([*url, "tracks", "--json", "--search", "radio edit"]) == 0
    tracks = json.loads(capsys.readouterr().out)
    assert [(t["title"], t["artist"], t["album"]) for t in tracks] == [
        ("Two (Radio Edit)", "Artist feat. Guest", "Album")
    ]

    assert main([*url, "scan", str(library)]) == 0
    text = capsys.readouterr().out
    assert "3 audio files" in text and "3 unchanged" in text and "0 errors" in text

    assert main([*url, "files", "--errors"]) == 0
    assert "broken.mp3: not_audio" in capsys.readouterr().out
    assert main([*url, "tracks"]) == 0
    assert "2 tracks" in capsys.readouterr().out


def test_scan_of_a_path_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = ["--database-url", f"sqlite:///{tmp_path / 'cli.db'}"]
    assert main([*url, "scan", str(tmp_path / "nope")]) == 1
    assert "no such file or folder" in capsys.readouterr().err
