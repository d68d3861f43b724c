"""Bad files and bad folders: each one recorded with a reason a person can act on, and the scan goes on."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from analyzer.scan import problem_files, run_scan
from models.engine import Database
from models.enums import ScanStatus
from models.media import MediaFile
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("scan-templates-errors"))


def statuses(db: Database) -> dict[str, tuple[str, str | None, str | None]]:
    with db.session() as s:
        rows = s.execute(
            select(MediaFile.file_path, MediaFile.scan_status, MediaFile.error_kind, MediaFile.scan_error)
        )
        return {Path(p).name: (str(st), kind, reason) for p, st, kind, reason in rows}


def test_bad_files_are_recorded_with_reasons(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    place(templates, root / "good.flac", title="Good", artist="A", album="B")
    (root / "empty.mp3").write_bytes(b"")
    (root / "random.ogg").write_bytes(os.urandom(4096))
    (root / "notes.mp3").write_text("these are my notes, not a song\n" * 20)
    wav = templates[".wav"].read_bytes()
    (root / "truncated.wav").write_bytes(wav[: len(wav) // 3])
    (root / "corrupt.wav").write_bytes(wav[:22] + b"\0" * 10 + wav[32:])  # 0 channels, 0 Hz
    shutil.copyfile(templates[".mp3"], root / "really-an-mp3.flac")  # wrong extension: content decides
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff")  # not an audio candidate at all

    summary = run_scan(sqlite_db, [root])
    found = statuses(sqlite_db)
    assert summary.found == 7 and "cover.jpg" not in found
    assert found["good.flac"][0] == "ok" and found["really-an-mp3.flac"][0] == "ok"
    expected_kinds = {
        "empty.mp3": "empty",
        "random.ogg": "not_audio",
        "notes.mp3": "not_audio",
        "truncated.wav": "truncated",
        "corrupt.wav": "corrupt",
    }
    assert {name: found[name][1] for name in expected_kinds} == expected_kinds
    for name in expected_kinds:
        status, kind, reason = found[name]
        assert status == "error" and reason and reason.startswith(kind or "?")
    assert summary.errors == 5 and summary.added == 2
    with sqlite_db.session() as s:
        assert (
            s.scalar(select(MediaFile.format).where(MediaFile.file_path.like("%really-an-mp3.flac"))) == "mp3"
        )
        listed = problem_files(s)
    assert sorted(Path(p.path).name for p in listed) == sorted(expected_kinds)

    again = run_scan(sqlite_db, [root])  # unchanged bad files are not read again
    assert (again.unchanged, again.errors) == (7, 0)


def test_permission_denied_file(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "music"
    place(templates, root / "locked.flac", title="Locked")
    place(templates, root / "open.flac", title="Open")
    real_open = open

    def guarded_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file).endswith("locked.flac"):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded_open)
    run_scan(sqlite_db, [root], workers=1)
    found = statuses(sqlite_db)
    assert found["locked.flac"][:2] == ("error", "permission_denied")
    assert found["open.flac"][0] == "ok"


def test_unreadable_folder_is_reported_and_not_marked_missing(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "music"
    place(templates, root / "locked/inside.flac", title="Inside")
    place(templates, root / "open/outside.flac", title="Outside")
    assert run_scan(sqlite_db, [root]).added == 2

    real_scandir = os.scandir

    def guarded_scandir(path):  # type: ignore[no-untyped-def]
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", guarded_scandir)
    summary = run_scan(sqlite_db, [root])
    assert [(Path(p.path).name, p.reason.split(":")[0]) for p in summary.problems] == [
        ("locked", "permission denied")
    ]
    assert summary.missing == 0 and statuses(sqlite_db)["inside.flac"][0] == "ok"


def test_symlink_loops_hidden_files_and_missing_roots(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    place(templates, root / "a/song.flac", title="Song")
    place(templates, root / ".hidden/secret.flac", title="Secret")
    place(templates, root / "a/.dotfile.flac", title="Dot")
    os.symlink(root, root / "a/loop")  # a -> music -> a -> ...
    os.symlink(tmp_path / "gone.flac", root / "a/dangling.flac")  # an audio name whose target is gone
    summary = run_scan(sqlite_db, [root, tmp_path / "nowhere"])
    assert summary.found == 1
    reasons = {Path(p.path).name: p.reason for p in summary.problems}
    assert "loop" in reasons["loop"] and "nowhere" in reasons
    assert reasons["dangling.flac"] == "skipped: a symbolic link whose target does not exist"
    with_hidden = run_scan(sqlite_db, [root], include_hidden=True)
    assert with_hidden.added == 2


def test_vanished_root_does_not_mark_everything_missing(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    place(templates, root / "x.flac", title="X")
    run_scan(sqlite_db, [root])
    shutil.rmtree(root)
    summary = run_scan(sqlite_db, [root])
    assert summary.missing == 0 and summary.problems
    assert statuses(sqlite_db)["x.flac"][0] == ScanStatus.OK
