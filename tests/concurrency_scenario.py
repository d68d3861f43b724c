"""The desktop's busiest moment, for the concurrency test and its benchmark: the scrobble server running
(``tonearm serve``) while a client scrobbles at a fixed rate, singles and 500-listen imports, and the jobs
run as real ``tonearm`` processes on the same database: a scan, analyze, and a first scan of more files in
one lane, a file import then enrich in the other, the two lanes at once.

Nothing is faked: real audio made by ffmpeg, real HTTP on a loopback port, the real CLI.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from models.engine import Database
from models.listens import Listen
from scrobbler.users import add_user, create_token
from tests.scan_audio import make_templates, place

REPO = Path(__file__).resolve().parent.parent
API_TRACK_PREFIX = "api scrobble "
IMPORT_EVERY = 25  # every 25th request (2 a second at 50/s) is a 500-listen import, the others singles
IMPORT_SIZE = 500


@dataclass
class JobRun:
    name: str
    command: list[str]
    returncode: int | None = None
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    stderr: str = ""


@dataclass
class ClientLog:
    """What the scrobbling client sent and how each request went."""

    sent_listens: int = 0
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    single_latencies: list[float] = field(default_factory=list)
    import_latencies: list[float] = field(default_factory=list)


def make_music(folder: Path, files: int, seconds: float = 1.0, *, first: int = 0) -> Path:
    """``files`` short tagged files (FLAC, MP3, OGG in turn), numbered from ``first``, one album per 20."""
    templates_folder = folder / f"templates-{seconds}"
    templates_folder.mkdir(parents=True, exist_ok=True)
    templates = make_templates(templates_folder, duration=seconds)
    music = folder / f"music-{first}"
    extensions = (".flac", ".mp3", ".ogg")
    for number in range(first, first + files):
        ext = extensions[number % len(extensions)]
        place(
            templates,
            music / f"album {number // 20:03d}" / f"{number:05d}{ext}",
            title=f"Song {number}",
            artist=f"Band {number % 37}",
            album=f"Album {number // 20}",
            tracknumber=str(number % 20 + 1),
        )
    return music


def make_history(path: Path, listens: int, *, start: int = 1_400_000_000, pad: int = 0) -> Path:
    """A ListenBrainz export file whose listens name the files of :func:`make_music` (so enrich links them);
    ``pad`` lengthens each line by about as many characters (a larger file for the same listens)."""
    lines = []
    for number in range(listens):
        song = number % 997
        release = f"Album {song // 20}" + (" " + "-" * pad if pad else "")
        meta = {"artist_name": f"Band {song % 37}", "track_name": f"Song {song}", "release_name": release}
        lines.append(json.dumps({"listened_at": start + 61 * number, "track_metadata": meta}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli_env(db: Database) -> dict[str, str]:
    env = dict(os.environ)
    env["TONEARM_DATABASE_URL"] = db.url.render_as_string(hide_password=False)
    if db.schemas.medialibrary:
        env["SCROBBLER_MEDIALIBRARY_SCHEMA"] = db.schemas.medialibrary
    if db.schemas.listens:
        env["SCROBBLER_LISTENS_SCHEMA"] = db.schemas.listens
    env["PYTHONPATH"] = str(REPO)
    return env


def run_job(db: Database, name: str, *args: str, timeout: float = 600) -> JobRun:
    """``tonearm ARGS --json`` as its own process; its JSON summary parsed when it printed one."""
    run = JobRun(name, [sys.executable, "-m", "app.cli", *args, "--json"])
    started = time.monotonic()
    done = subprocess.run(
        run.command, capture_output=True, text=True, env=cli_env(db), cwd=REPO, timeout=timeout
    )
    run.seconds = time.monotonic() - started
    run.returncode, run.stderr = done.returncode, done.stderr
    try:
        parsed = json.loads(done.stdout)
    except json.JSONDecodeError:
        parsed = {"stdout": done.stdout[-2000:]}
    run.summary = parsed[-1] if isinstance(parsed, list) and parsed else parsed
    return run


def run_lanes(
    db: Database, analysed: Path, scanned: Path, history: Path, user: str, analyze_workers: int = 1
) -> list[JobRun]:
    """scan ``analysed`` -> analyze -> scan ``scanned`` (more files: several batches) in one lane, import
    ``history`` -> enrich in the other, the two at once; returns the runs in that order."""
    runs: dict[str, JobRun] = {}

    def lane(*steps: tuple[str, tuple[str, ...]]) -> None:
        for name, args in steps:
            runs[name] = run_job(db, name, *args)
            if runs[name].returncode != 0:
                return

    library = (
        ("scan", ("scan", str(analysed))),
        ("analyze", ("analyze", "--workers", str(analyze_workers))),
        ("first scan", ("scan", str(scanned))),
    )
    listening = (("import", ("import", str(history), "--user", user)), ("enrich", ("enrich",)))
    threads = [threading.Thread(target=lane, args=library), threading.Thread(target=lane, args=listening)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [runs[name] for name in LANE_JOBS if name in runs]


LANE_JOBS = ("scan", "analyze", "first scan", "import", "enrich")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """``tonearm serve`` as its own process (as a user runs it beside the jobs); ready when it answers."""

    def __init__(self, db: Database) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(db),
            cwd=REPO,
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, f"the server ended: {self.process.communicate()[1][-2000:]}"
            assert time.monotonic() < deadline, "the server did not start"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a user stops it; returns its exit code and what it printed on stderr."""
        self.process.send_signal(signal.SIGINT)
        try:
            _, err = self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return self.process.returncode, err


class Scrobbler:
    """A client sending ``rate`` requests a second, on ``connections`` keep-alive connections (a request
    waits for its answer; the next one due goes out on another connection), until stopped."""

    def __init__(
        self, port: int, token: str, rate: float, *, connections: int = 8, start: int = 1_700_000_000
    ) -> None:
        self.port, self.token, self.rate, self.start = port, token, rate, start
        self.log = ClientLog()
        self.stopping = threading.Event()
        self.due: queue.Queue[tuple[bool, bytes, int] | None] = queue.Queue()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._schedule, name="scrobble-schedule", daemon=True)]
        self.threads += [
            threading.Thread(target=self._send, name=f"scrobbler-{n}", daemon=True)
            for n in range(connections)
        ]

    def begin(self) -> Scrobbler:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> ClientLog:
        self.stopping.set()
        for thread in self.threads:
            thread.join(120)
        return self.log

    def _listen(self) -> dict[str, Any]:
        number = self.log.sent_listens
        self.log.sent_listens += 1
        meta = {"artist_name": "API Band", "track_name": f"{API_TRACK_PREFIX}{number}"}
        return {"listened_at": self.start + number, "track_metadata": meta}

    def _schedule(self) -> None:
        period = 1.0 / self.rate
        due = time.monotonic()
        number = 0
        while not self.stopping.is_set():
            now = time.monotonic()
            if now < due:
                time.sleep(due - now)
            due += period
            is_import = number % IMPORT_EVERY == IMPORT_EVERY - 1
            count = IMPORT_SIZE if is_import else 1
            body = {
                "listen_type": "import" if is_import else "single",
                "payload": [self._listen() for _ in range(count)],
            }
            self.due.put((is_import, json.dumps(body).encode(), count))
            number += 1
        for _ in self.threads[1:]:
            self.due.put(None)

    def _send(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        while (item := self.due.get()) is not None:
            is_import, data, count = item
            started = time.monotonic()
            try:
                connection.request("POST", "/1/submit-listens", body=data, headers=headers)
                response = connection.getresponse()
                text = response.read().decode(errors="replace")
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                status, text = 0, f"{type(error).__name__}: {error}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            elapsed = time.monotonic() - started
            with self.lock:
                self.log.requests += 1
                (self.log.import_latencies if is_import else self.log.single_latencies).append(elapsed)
                if status != 200:
                    self.log.failures.append(f"{count} listens: {status} {text[:300]}")
        connection.close()


def make_user_and_token(db: Database, name: str) -> str:
    with db.session() as session:
        user = add_user(session, name)
        return create_token(session, user).token


def api_listens(db: Database, user_id_name: str) -> tuple[int, int]:
    """(listens the client's scrobbles became, distinct ones among them) for the user."""
    from models.users import User

    with db.session() as session:
        user_id = session.scalar(select(User.id).where(User.username == user_id_name))
        where = (Listen.user_id == user_id, Listen.track_name.like(f"{API_TRACK_PREFIX}%"))
        total = session.scalar(select(func.count()).select_from(Listen).where(*where))
        distinct = session.scalar(select(func.count(func.distinct(Listen.track_name))).where(*where))
    return int(total or 0), int(distinct or 0)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
