"""Ctrl-C in long commands: the first stops at a safe point, the command says what was done and exits 130;
a second stops at once; neither prints a traceback or leaves a partial file. Real SQLite files, real audio,
real signals (to the whole process group, as a terminal sends them)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

import app.commands.export as export_command
from app.cli import main
from app.commands.long_run import interruptible
from models.bootstrap import init_database
from models.engine import open_database
from models.progress import Progress
from models.types import from_epoch
from scrobbler.exports import export_listens
from tests.listening_fixtures import Library
from tests.scan_audio import make_templates

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


@pytest.fixture(autouse=True)
def python_handles_ctrl_c() -> Generator[None, None, None]:
    """Python's own Ctrl-C handler, as an interactive terminal gives it: a shell starting the suite as a
    background job (`make test &`) hands it SIGINT ignored, and these tests send SIGINT to themselves."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture
def url(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite:///{tmp_path / 'cli.db'}"]


def many_files(tmp_path: Path, count: int) -> Path:
    (tmp_path / "tiny").mkdir()
    small = make_templates(tmp_path / "tiny", duration=0.05)[".wav"]
    music = tmp_path / "music"
    for number in range(count):
        folder = music / f"album {number // 50:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(small, folder / f"track {number:04d}.wav")
    return music


def media_files(database: Path) -> int:
    with sqlite3.connect(database) as peek:
        return int(peek.execute("SELECT count(*) FROM media_files").fetchone()[0])


@needs_ffmpeg
@pytest.mark.parametrize("how", ["ctrl-c", "kill"])
def test_ctrl_c_stops_a_scan_after_a_committed_batch_and_the_next_scan_continues(
    tmp_path: Path, how: str
) -> None:
    """Ctrl-C (SIGINT to the terminal's process group) and a plain `kill` (SIGTERM to the command) stop
    the same way."""
    total = 5000
    music = many_files(tmp_path, total)
    database = tmp_path / "cli.db"
    command = [sys.executable, "-m", "app.cli", "--database-url", f"sqlite:///{database}", "scan", "--json"]
    assert subprocess.run([*command[:5], "db", "init"], capture_output=True).returncode == 0
    # A session of its own: the group's Ctrl-C reaches the scan and its reader processes, not pytest.
    process = subprocess.Popen(
        [*command, str(music)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if media_files(database) > 0:  # a first batch is committed
                break
        except sqlite3.OperationalError:  # the table is being created or locked for a moment
            pass
        time.sleep(0.02)
    if how == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)
    else:
        os.kill(process.pid, signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    summary = json.loads(out)
    written = summary["added"] + summary["updated"] + summary["errors"]
    assert summary["cancelled"] is True and 0 < written < total
    assert f"scan stopped: {written:,} files written, scan again to continue" in err
    assert media_files(database) == written  # what it says it wrote is what is stored

    again = subprocess.run([*command, str(music)], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    resumed = json.loads(again.stdout)
    assert (resumed["unchanged"], resumed["added"], resumed["cancelled"]) == (written, total - written, False)


@needs_ffmpeg
def test_scan_without_path_scans_the_library_folders(
    url: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*url, "scan"]) == 1
    assert (
        "tonearm: error: no library folders yet: add one with `tonearm folders add PATH` or pass PATH"
        in capsys.readouterr().err
    )
    music = many_files(tmp_path, 3)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copyfile(music / "album 000" / "track 0000.wav", elsewhere / "other.wav")
    assert main([*url, "folders", "add", str(music)]) == 0
    capsys.readouterr()
    assert main([*url, "scan", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["found"], summary["added"], summary["cancelled"]) == (3, 3, False)  # not elsewhere


def fill_listens(database: Path, count: int) -> None:
    db = open_database(f"sqlite:///{database}")
    init_database(db)
    with db.session() as session:
        lib = Library(session)
        alice = lib.user("alice")
        for i in range(count):
            lib.listen(alice, from_epoch(1_600_000_000 + i * 60), "Artist", f"Track {i}", matched=False)
    db.dispose()


def interrupted_export(times: int) -> Any:
    """export_listens in chunks of 5 that, once a chunk is in the temp file, gets ``times`` Ctrl-C."""

    def export(*args: Any, **kwargs: Any) -> Generator[Progress, None, Any]:
        events = export_listens(*args, **kwargs, chunk_rows=5)
        yield next(events)  # the count
        yield next(events)  # a first chunk: the .part file exists now
        for _ in range(times):
            os.kill(os.getpid(), signal.SIGINT)  # runs the handler in this (the main) thread at once
        result = yield from events
        return result

    return export


@pytest.mark.parametrize("times", [1, 2], ids=["ctrl-c", "ctrl-c-twice"])
def test_ctrl_c_during_an_export_leaves_no_part_file(
    url: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    times: int,
) -> None:
    fill_listens(tmp_path / "cli.db", 200)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "listens.csv"
    target.write_text("old export\n", encoding="utf-8")
    monkeypatch.setattr(export_command, "export_listens", interrupted_export(times))
    assert main([*url, "export", "listens", "--user", "alice", "-o", str(target)]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if times == 1:
        assert f"export stopped after 5 listens; {target} was not written" in err
    else:
        assert "Stopped at once: what was committed is kept." in err
    assert sorted(p.name for p in out.iterdir()) == ["listens.csv"]  # no .part left behind
    assert target.read_text(encoding="utf-8") == "old export\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back


def test_first_ctrl_c_cancels_the_token_the_second_interrupts() -> None:
    with pytest.raises(KeyboardInterrupt), interruptible("Stopping", show_bar=False) as run:
        os.kill(os.getpid(), signal.SIGINT)
        assert run.token.cancelled
        os.kill(os.getpid(), signal.SIGINT)
        pytest.fail("the second Ctrl-C did not interrupt")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_first_sigterm_cancels_the_token_a_second_interrupts() -> None:
    with pytest.raises(KeyboardInterrupt), interruptible("Stopping", show_bar=False) as run:
        os.kill(os.getpid(), signal.SIGTERM)
        assert run.token.cancelled
        os.kill(os.getpid(), signal.SIGTERM)
        pytest.fail("the second SIGTERM did not interrupt")
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_the_bar_drains_every_stage_and_returns_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    from app.commands.long_run import Bar, LongRun
    from models.progress import CancelToken

    closed = []

    def operation() -> Generator[Progress, None, str]:
        try:
            yield Progress("walk", 10, None)
            yield Progress("read", 5, 10, "reading")
            yield Progress("read", 10, 10, "reading")
            return "summary"
        finally:
            closed.append(True)

    bar = Bar("Looking", "files", {"walk": "Looking", "read": "Reading"}, rate=True, message=True)
    assert LongRun(CancelToken(), show_bar=True).drain(operation(), bar) == "summary"
    assert closed == [True]

    class Broken(dict[str, str]):
        def get(self, *args: object) -> str:  # type: ignore[override]
            raise RuntimeError("drawing failed")

    with pytest.raises(RuntimeError, match="drawing failed"):
        LongRun(CancelToken(), show_bar=True).drain(operation(), Bar("x", "files", Broken()))
    assert closed == [True, True]  # closed on the way out, mid-run: an export's cleanup runs
