"""The problems list: real unreadable files with their reasons, missing files, and a real failed analysis,
on every engine and layout; and `tonearm files` lists the failed analysis too."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from analyzer.analysis import run_analysis
from analyzer.catalog import PROBLEM_KINDS, list_problems
from analyzer.scan import problem_files, run_scan
from app.cli import main
from models.engine import Database
from tests.audio_signals import garbled_mp3
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("problem-templates"), duration=2.0)


def bad_library(root: Path, templates: dict[str, Path]) -> Path:
    place(templates, root / "good.flac", title="Good", artist="A", album="B")
    # other audio than good.flac: the same audio would make its vanishing a move, not a missing file
    place(templates, root / "gone.ogg", title="Gone", artist="A", album="B", tracknumber="2")
    (root / "notes.mp3").write_text("these are my notes, not a song\n" * 20)
    wav = templates[".wav"].read_bytes()
    (root / "truncated.wav").write_bytes(wav[: len(wav) // 3])
    garbled_mp3(templates[".mp3"], root / "garbled.mp3")  # the scan reads it, the decoder rejects it
    return root


def test_every_kind_with_its_reason(db: Database, tmp_path: Path, templates: dict[str, Path]) -> None:
    root = bad_library(tmp_path / "music", templates)
    run_scan(db, [root], workers=1)
    with db.session() as session:
        assert list_problems(session, ["analysis_failed", "missing"]) == []
    summary = run_analysis(db, workers=1)
    assert summary.errors == 1
    (root / "gone.ogg").unlink()
    run_scan(db, [root], workers=1)

    with db.session() as session:
        problems = list_problems(session)
        assert [(Path(p.path).name, p.kind, p.error_kind) for p in problems] == [
            ("garbled.mp3", "analysis_failed", None),
            ("gone.ogg", "missing", None),
            ("notes.mp3", "unreadable", "not_audio"),
            ("truncated.wav", "unreadable", "truncated"),
        ]
        by_name = {Path(p.path).name: p for p in problems}
        assert "damaged" in by_name["garbled.mp3"].reason
        assert by_name["gone.ogg"].reason == "no longer on disk"
        assert by_name["truncated.wav"].reason.startswith("truncated")
        assert all(p.when is not None and p.when.tzinfo is not None for p in problems)
        assert all(os.path.isabs(p.path) and p.media_file_id > 0 for p in problems)

        assert [Path(p.path).name for p in list_problems(session, {"unreadable"})] == [
            "notes.mp3",
            "truncated.wav",
        ]
        assert [Path(p.path).name for p in list_problems(session, ("missing", "analysis_failed"))] == [
            "garbled.mp3",
            "gone.ogg",
        ]
        assert list_problems(session, []) == []
        with pytest.raises(ValueError, match=r"unknown problem kind broken \(known: unreadable, missing"):
            list_problems(session, ["broken"])
        # `tonearm files` reads the same list (status spelled as it always was)
        rows = problem_files(session, include_missing=False)
        assert [(Path(p.path).name, p.status) for p in rows] == [
            ("garbled.mp3", "analysis_failed"),
            ("notes.mp3", "error"),
            ("truncated.wav", "error"),
        ]
    assert PROBLEM_KINDS == ("unreadable", "missing", "analysis_failed")

    # Its analysis failed, then the scan could not read it either: listed once, as unreadable.
    (root / "garbled.mp3").write_text("not audio any more\n" * 20)
    run_scan(db, [root], workers=1)
    with db.session() as session:
        assert list_problems(session, ["analysis_failed"]) == []
        assert [p.kind for p in list_problems(session) if p.path.endswith("garbled.mp3")] == ["unreadable"]


def test_a_file_fixed_on_disk_leaves_the_list(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    """Rescanning one file (a file is a valid scan root) after fixing it takes it off the list."""
    root = bad_library(tmp_path / "music", templates)
    run_scan(sqlite_db, [root], workers=1)
    place(templates, root / "truncated.wav")
    run_scan(sqlite_db, [root / "truncated.wav"], workers=1)
    with sqlite_db.session() as session:
        assert [Path(p.path).name for p in list_problems(session)] == ["notes.mp3"]


def test_files_command_lists_failed_analyses(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "music"
    place(templates, root / "good.flac", title="Good", artist="A", album="B")
    garbled_mp3(templates[".mp3"], root / "garbled.mp3")
    run_scan(sqlite_db, [root], workers=1)
    assert run_analysis(sqlite_db, workers=1).errors == 1
    url = ["--database-url", f"sqlite:///{tmp_path / 'tonearm.db'}"]
    assert main([*url, "files", "--errors", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(Path(p["path"]).name, p["status"]) for p in listed] == [("garbled.mp3", "analysis_failed")]
    assert main([*url, "files"]) == 0
    assert f"analysis_failed {root / 'garbled.mp3'}: " in capsys.readouterr().out
