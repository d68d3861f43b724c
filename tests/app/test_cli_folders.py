"""`tonearm folders add|remove|list` through app.cli.main, on a real SQLite file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import main
from tests.scan_audio import make_templates, place


@pytest.fixture
def url(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite:///{tmp_path / 'cli.db'}"]


def test_add_list_remove(url: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("rock", "jazz", "rock/live"):
        (tmp_path / name).mkdir()
    assert main([*url, "folders", "list"]) == 0
    assert "No library folders yet: add one with `tonearm folders add PATH`." in capsys.readouterr().out

    assert main([*url, "folders", "add", str(tmp_path / "rock" / "live"), str(tmp_path / "jazz")]) == 0
    out = capsys.readouterr().out
    assert f"Added {tmp_path / 'rock' / 'live'} (id 1)." in out and "Run `tonearm scan`" in out

    # One bad path fails on its own, with its reason; the good one is still added; the exit code says so.
    assert main([*url, "folders", "add", str(tmp_path / "nowhere"), str(tmp_path / "rock")]) == 1
    captured = capsys.readouterr()
    assert f"error: no such folder: {tmp_path / 'nowhere'}" in captured.err
    assert f"Added {tmp_path / 'rock'} (id 3)." in captured.out
    assert f"it replaces the library folder inside it: {tmp_path / 'rock' / 'live'}" in captured.out

    assert main([*url, "folders", "add", str(tmp_path / "jazz")]) == 1
    assert f"error: already a library folder: {tmp_path / 'jazz'}" in capsys.readouterr().err

    assert main([*url, "folders", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(f["id"], f["path"], f["on_disk"]) for f in listed] == [
        (2, str(tmp_path / "jazz"), True),
        (3, str(tmp_path / "rock"), True),
    ]
    (tmp_path / "jazz").rmdir()
    assert main([*url, "folders", "list"]) == 0
    table = capsys.readouterr().out
    assert [line.split("│")[3].strip() for line in table.splitlines() if line.startswith("│ 2 ")] == ["NO"]
    assert main([*url, "folders", "list", "--json"]) == 0
    assert [f["on_disk"] for f in json.loads(capsys.readouterr().out)] == [False, True]

    assert main([*url, "folders", "remove", "2"]) == 0  # by id
    assert f"Removed {tmp_path / 'jazz'}: 0 files and 0 tracks left the library." in capsys.readouterr().out
    assert main([*url, "folders", "remove", "2"]) == 1
    assert "no library folder has the id 2 (`tonearm folders list` shows" in capsys.readouterr().err
    assert main([*url, "folders", "remove", str(tmp_path / "elsewhere")]) == 1
    assert f"not a library folder: {tmp_path / 'elsewhere'}" in capsys.readouterr().err


def test_a_folder_named_with_digits_is_removed_by_path(
    url: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "1999").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main([*url, "folders", "add", "1999"]) == 0
    capsys.readouterr()
    assert main([*url, "folders", "remove", "1999"]) == 0
    assert f"Removed {tmp_path / '1999'}" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")
def test_remove_after_a_scan_reports_files_and_tracks(
    url: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "templates").mkdir()
    templates = make_templates(tmp_path / "templates")
    root = tmp_path / "music"
    place(templates, root / "a.flac", title="One", artist="A", album="X", tracknumber="1")
    place(templates, root / "b.mp3", title="Two", artist="A", album="X", tracknumber="2")
    assert main([*url, "folders", "add", str(root)]) == 0
    assert main([*url, "scan", "--json", str(root)]) == 0
    capsys.readouterr()
    assert main([*url, "folders", "remove", str(root)]) == 0
    assert f"Removed {root}: 2 files and 2 tracks left the library." in capsys.readouterr().out
    assert main([*url, "tracks", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
