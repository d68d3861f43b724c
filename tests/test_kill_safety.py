"""Issue 18: ``kill -9`` at random points of ``tonearm scan``, ``analyze``, ``import`` and ``export`` (real
processes on a temporary SQLite database), then a rerun: nothing is lost, no process of the killed command
survives it, no ``.part`` file is left, and ``tonearm db check`` is clean.

Only the command's own process is killed, as ``kill -9 PID`` does; its worker processes (the scan's and the
analysis's pools, the import's parser) must go by themselves (models/process_lifetime.py). Each command runs in
a session of its own, so whatever it started shares its process group: that is where orphans are looked for.
A fixed seed picks the kill times, so a failure can be replayed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from scrobbler.exports.atomic import part_files
from tests.concurrency_scenario import REPO, make_history, make_music

pytestmark = [
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio"),
    pytest.mark.timeout(600),
]

SEED = 18
KILLS = 3  # kill points per command
SCANNED = 2000  # tiny files: two scan batches, and a read phase long enough to be hit
ANALYSED = 12
LISTENS = 30_000  # over 8 MB (padded lines): the import parses in a child process
ORPHAN_GRACE_SECS = 5.0


@dataclass(frozen=True)
class Setup:
    folder: Path
    scanned: Path
    analysed: Path
    history: Path
    empty_database: Path


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    folder = tmp_path_factory.mktemp("kill")
    history = make_history(folder / "history.jsonl", LISTENS, pad=240)
    assert history.stat().st_size > 8 * 1024 * 1024
    empty = Tonearm(folder / "empty.db")
    done = empty.run("db", "init")
    assert done.returncode == 0, done.stderr
    return Setup(
        folder,
        make_music(folder, SCANNED, 0.05),
        make_music(folder, ANALYSED, 0.5, first=SCANNED),
        history,
        empty.database,
    )


class Tonearm:
    """The CLI on one SQLite database file."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.base = [sys.executable, "-m", "app.cli", "--database-url", f"sqlite:///{database}"]

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.base, *args], capture_output=True, text=True, env=self.env, cwd=REPO, timeout=timeout
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*self.base, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            env=self.env,
            cwd=REPO,
            start_new_session=True,  # its own process group: where its children are found
        )

    def count(self, sql: str) -> int:
        with sqlite3.connect(self.database) as peek:
            return int(peek.execute(sql).fetchone()[0])


@pytest.fixture
def tonearm(tmp_path: Path, setup: Setup) -> Tonearm:
    """A new, initialised database (a copy of one made once: ``db init`` costs a process start)."""
    shutil.copyfile(setup.empty_database, tmp_path / "kill.db")
    return Tonearm(tmp_path / "kill.db")


def group_members(group: int) -> list[str]:
    """Live (not zombie) processes in process group ``group``: "pid state command line"."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == group and state != "Z":
            found.append(f"{entry.name} {state} {command.strip()[:200]}")
    return found


@dataclass(frozen=True)
class Kill:
    at: float  # seconds after the start
    finished: bool  # the command ended before its kill was due
    children: int  # processes it had started, alive at the kill


def has_children(pid: int) -> bool:
    """Whether ``pid`` has started a process (its children list: cheap enough to poll every few ms)."""
    try:
        return bool(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:
        return len(group_members(pid)) > 1


def kill_at_random_points(
    cli: Tonearm,
    rng: random.Random,
    args: tuple[str, ...],
    *,
    within: tuple[float, float],
    phase: Callable[[int], bool] = has_children,
    after_phase: float = 0.4,
    after_kill: Callable[[], object] = lambda: None,
    kills: int = KILLS,
    signum: signal.Signals = signal.SIGKILL,
    prepare: Callable[[int], object] = lambda _number: None,
) -> list[Kill]:
    """Start ``tonearm ARGS`` KILLS times and kill each with SIGKILL: the first at a random time ``within``
    seconds of its start, the others at a random moment up to ``after_phase`` s after ``phase(pid)`` first
    holds (by default: it has started worker processes), since a purely random time often misses the
    short phase in which a command has children. Fails when a process of a killed command outlives it.
    ``prepare(number)`` runs before each start: it gives the command work again (on a fast, quiet machine
    a first run finishes everything before a later kill, and a run with nothing to do starts no worker)."""
    done = []
    for number in range(kills):
        prepare(number)
        process = cli.start(*args)
        started = time.monotonic()
        if number == 0:
            time.sleep(rng.uniform(*within))
        else:
            extra = rng.uniform(0, after_phase)
            deadline = started + 60
            while process.poll() is None and not phase(process.pid) and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(extra)
        children = len(group_members(process.pid)) - 1
        finished = process.poll() is not None
        if not finished:
            process.send_signal(signum)  # the command's process only, as `kill -9 PID`
        process.wait()
        kill = Kill(round(time.monotonic() - started, 2), finished, max(children, 0))
        grace = time.monotonic() + ORPHAN_GRACE_SECS
        while (left := group_members(process.pid)) and time.monotonic() < grace:
            time.sleep(0.05)
        for line in left:  # clean up before failing: the next test must not meet them
            os.kill(int(line.split()[0]), signal.SIGKILL)
        assert left == [], f"{args[0]} killed ({kill}) left processes behind: {left}"
        done.append(kill)
        after_kill()
    print(f"{args[0]} ({signum.name}): {done}")
    return done


def assert_db_check_clean(cli: Tonearm) -> None:
    check = cli.run("db", "check")
    assert check.returncode == 0, check.stdout + check.stderr


def touch_all(folder: Path, number: int) -> None:
    """Give every file a new modification time: the next scan reads them all again (its readers run)."""
    when = time.time() + 10 * (number + 1)
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (when, when))


def test_scan_killed_then_rerun(tonearm: Tonearm, setup: Setup) -> None:
    rng = random.Random(f"{SEED}-scan")
    kept: list[int] = []  # files stored after each kill: what a kill found committed stays
    notes = kill_at_random_points(
        tonearm,
        rng,
        ("scan", str(setup.scanned), "--json"),
        within=(0.8, 4.0),
        after_phase=0.1,
        after_kill=lambda: kept.append(tonearm.count("SELECT count(*) FROM media_files")),
        prepare=lambda number: touch_all(setup.scanned, number) if number else None,
    )
    assert any(kill.children for kill in notes), f"no kill while the readers ran: {notes}"
    # A plain kill (SIGTERM) while the readers run: the scan ends and so do they.
    notes += kill_at_random_points(
        tonearm,
        rng,
        ("scan", str(setup.scanned), "--json"),
        within=(0.8, 4.0),
        after_phase=0.1,
        after_kill=lambda: kept.append(tonearm.count("SELECT count(*) FROM media_files")),
        kills=2,
        signum=signal.SIGTERM,
        prepare=lambda number: touch_all(setup.scanned, 10 + number),
    )
    assert kept == sorted(kept), kept
    final = tonearm.run("scan", str(setup.scanned), "--json")
    assert final.returncode == 0, final.stderr
    summary = json.loads(final.stdout)
    assert summary["errors"] == 0 and not summary["cancelled"], summary
    assert tonearm.count("SELECT count(*) FROM media_files") == SCANNED, notes
    assert tonearm.count("SELECT count(*) FROM media_files WHERE scan_status = 'ok'") == SCANNED
    assert tonearm.count("SELECT count(DISTINCT track_id) FROM media_files") == SCANNED  # one track each
    assert_db_check_clean(tonearm)


def test_analyze_killed_then_rerun(tonearm: Tonearm, setup: Setup) -> None:
    scanned = tonearm.run("scan", str(setup.analysed), "--json")
    assert scanned.returncode == 0, scanned.stderr
    rng = random.Random(f"{SEED}-analyze")
    done = "SELECT count(*) FROM media_files WHERE analysis_status = 'done'"
    kept: list[int] = []

    def more_files(number: int) -> None:
        """From the second run on, copies of the music arrive in a new folder (new work to analyse)."""
        if number == 0:
            return
        batch = setup.analysed / f"arrived-{number}"
        for path in sorted(setup.analysed.glob("album */*.*")):
            target = batch / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        added = tonearm.run("scan", str(setup.analysed), "--json")
        assert added.returncode == 0, added.stderr

    notes = kill_at_random_points(
        tonearm,
        rng,
        ("analyze", "--workers", "2", "--json"),
        within=(1.0, 3.5),
        after_phase=1.5,
        after_kill=lambda: kept.append(tonearm.count(done)),
        prepare=more_files,
    )
    assert any(kill.children for kill in notes), f"no kill while the workers ran: {notes}"
    assert kept == sorted(kept), kept
    final = tonearm.run("analyze", "--workers", "2", "--json")
    assert final.returncode == 0, final.stderr
    files = tonearm.count("SELECT count(*) FROM media_files")
    assert files == ANALYSED * KILLS
    assert tonearm.count("SELECT count(*) FROM media_files WHERE analysis_status = 'done'") == files, notes
    assert tonearm.count("SELECT count(*) FROM audio_features") == files
    assert_db_check_clean(tonearm)


def test_import_killed_then_rerun(tonearm: Tonearm, setup: Setup) -> None:
    rng = random.Random(f"{SEED}-import")
    kept: list[int] = []
    notes = kill_at_random_points(
        tonearm,
        rng,
        ("import", str(setup.history), "--json"),
        within=(0.8, 4.0),
        after_kill=lambda: kept.append(tonearm.count("SELECT count(*) FROM listens")),
    )
    assert any(kill.children for kill in notes), f"no kill while the parser ran: {notes}"
    assert kept == sorted(kept) and set(kept) <= {0, 20_000, LISTENS}, kept  # whole batches only
    final = tonearm.run("import", str(setup.history), "--json")
    assert final.returncode == 0, final.stderr
    assert tonearm.count("SELECT count(*) FROM listens_raw") == LISTENS, notes
    assert tonearm.count("SELECT count(*) FROM listens") == LISTENS
    assert_db_check_clean(tonearm)


def test_export_killed_then_rerun(tonearm: Tonearm, setup: Setup, tmp_path: Path) -> None:
    imported = tonearm.run("import", str(setup.history), "--json")
    assert imported.returncode == 0, imported.stderr
    out = tmp_path / "out"
    out.mkdir()
    target = out / "listens.csv"
    rng = random.Random(f"{SEED}-export")
    left: list[Path] = []  # part files found right after a kill (the next export must remove them)
    notes = kill_at_random_points(
        tonearm,
        rng,
        ("export", "listens", "-o", str(target), "-q"),
        within=(0.7, 2.5),
        phase=lambda _pid: bool(set(part_files(target)) - set(left)),  # a part of this run
        after_kill=lambda: left.extend(part_files(target)),
    )
    assert left, f"no kill left a part file: the clean-up was not put to the test ({notes})"
    final = tonearm.run("export", "listens", "-o", str(target), "-q")
    assert final.returncode == 0, final.stderr
    assert [p.name for p in out.iterdir()] == ["listens.csv"], notes  # no .part left by the killed runs
    with target.open(encoding="utf-8") as exported:
        assert sum(1 for _ in exported) == LISTENS + 1  # the header and every listen
    assert_db_check_clean(tonearm)

    # Ctrl-C (SIGINT to the process group, as a terminal sends it) as soon as the export writes: it says
    # "Cancelled", exits 130, prints no traceback, leaves no part file and the complete file untouched.
    before = target.read_bytes()
    process = subprocess.Popen(
        [*tonearm.base, "export", "listens", "-o", str(target), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=tonearm.env,
        cwd=REPO,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not part_files(target) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Cancelled: export stopped after" in err and "Traceback" not in err, err
    assert [p.name for p in out.iterdir()] == ["listens.csv"] and target.read_bytes() == before
