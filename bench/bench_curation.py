"""Matching a 1,000-entry playlist against the 100,000-track bench library (target <= 2 s).

    python -m bench.bench_curation [--library PATH] [--work-dir DIR] [--entries 1000] [--runs 3]

The library (bench_library's generated 100,000 tracks + 1,000,000 listens) is copied to ``--work-dir``
first and upgraded there; the shared copy is never written. The playlist is an M3U8 written from the
library the way real ones arrive: entries with another machine's path (re-found by file name) and their
"Artist - Title", entries whose path is a library file, names only with a typo, and songs not there.

Each run times the real ``import_playlist_file`` (parse, read the library, match, write the playlist),
split by phase, and beside it, in the same run: the plain whole-catalog index (``--plain``: what the
focused read replaces) and the peer, the listen matcher (``CatalogIndex.load`` + ``Matcher``) on 1,000
listens of the same library. Ranges over the runs; the machine is shared, so compare within a run.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from analyzer.curation.playlist_formats import read_playlists
from analyzer.curation.playlist_match import PlaylistMatcher
from analyzer.curation.playlists import import_playlist_file, store_playlist
from analyzer.matching import CatalogIndex, ListenQuery, Matcher
from bench.matching_data import _typo
from models.artists import Artist
from models.bootstrap import upgrade_database
from models.engine import Database, open_database
from models.listens import Listen
from models.media import MediaFile
from models.progress import run_to_end
from models.tracks import Track

SHARED = "/tmp/tonearm-bench-library/library-100000-1000000-0007.db"


def private_copy(library: str, work_dir: Path) -> Database:
    work_dir.mkdir(parents=True, exist_ok=True)
    target = work_dir / "library.db"
    if not target.exists():
        shutil.copyfile(library, target)
    db = open_database(f"sqlite:///{target}")
    upgrade_database(db)
    return db


def write_playlist(db: Database, path: Path, entries: int, seed: int) -> dict[str, int]:
    """An M3U8 of ``entries`` lines; returns how many of each kind."""
    rng = random.Random(seed)
    with db.session() as session:
        top = int(session.scalar(select(func.max(Track.id))) or 0)
        ids = rng.sample(range(1, top + 1), entries * 2)  # some tracks have no file or no artist
        rows = session.execute(
            select(Track.id, Track.title, Artist.name, Track.duration_secs, func.min(MediaFile.file_path))
            .join(Artist, Artist.id == Track.primary_artist_id)
            .join(MediaFile, MediaFile.track_id == Track.id)
            .where(Track.id.in_(ids))
            .group_by(Track.id, Track.title, Artist.name, Track.duration_secs)
        ).tuples().all()[:entries]  # fmt: skip
    kinds = {"foreign_path": 0, "local_path": 0, "names_typo": 0, "not_in_library": 0}
    lines = ["#EXTM3U"]
    for track_id, title, artist, duration, file_path in rows:
        roll = rng.random()
        seconds = round(duration or -1)
        if roll < 0.5:
            kinds["foreign_path"] += 1
            lines += [
                f"#EXTINF:{seconds},{artist} - {title}",
                "C:\\Users\\dj\\Music\\" + Path(file_path).name,
            ]
        elif roll < 0.7:
            kinds["local_path"] += 1
            lines += [f"#EXTINF:{seconds},{artist} - {title}", file_path]
        elif roll < 0.9:
            kinds["names_typo"] += 1
            lines += [
                f"#EXTINF:{seconds},{artist} - {_typo(rng, title)}",
                f"https://stream.example/{track_id}",
            ]
        else:
            kinds["not_in_library"] += 1
            lines += [
                f"#EXTINF:200,Nobody Here {track_id} - Unheard Song {track_id}",
                f"/elsewhere/{track_id}.mp3",
            ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return kinds


def timed_import(db: Database, path: Path) -> dict[str, float]:
    """The phases of one import, as import_playlist_file runs them, then the real call end to end."""
    phases: dict[str, float] = {}
    cpu = time.process_time()
    started = time.perf_counter()
    [parsed] = read_playlists(path)
    phases["parse"] = time.perf_counter() - started
    base = str(path.parent)
    mark = time.perf_counter()
    with db.session() as session:
        matcher = PlaylistMatcher.load(session, entries=[(e, base) for e in parsed.entries])
    phases["load"] = time.perf_counter() - mark
    mark = time.perf_counter()
    decisions = matcher.match_all(parsed.entries, base)
    phases["match"] = time.perf_counter() - mark
    mark = time.perf_counter()
    with db.session() as session:
        store_playlist(session, str(path), parsed, decisions)
    phases["write"] = time.perf_counter() - mark
    phases["total"] = time.perf_counter() - started
    phases["total_cpu"] = time.process_time() - cpu
    mark = time.perf_counter()
    summary = run_to_end(import_playlist_file(db, path))
    phases["import_playlist_file"] = time.perf_counter() - mark
    phases["counts"] = summary.playlists[0].counts  # type: ignore[assignment]
    return phases


def timed_plain(db: Database, path: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of the same matching through the plain whole-catalog index."""
    [parsed] = read_playlists(path)
    started, cpu = time.perf_counter(), time.process_time()
    with db.session() as session:
        matcher = PlaylistMatcher.load(session)
    matcher.match_all(parsed.entries, str(path.parent))
    return time.perf_counter() - started, time.process_time() - cpu


def timed_peer(db: Database, listens: int, seed: int) -> tuple[float, float]:
    """The listen matcher on ``listens`` listens of the library: its index, then matching."""
    with db.session() as session:
        top = int(session.scalar(select(func.max(Listen.id))) or 0)
        ids = random.Random(seed).sample(range(1, top + 1), listens)
        rows = session.execute(
            select(Listen.artist_name, Listen.track_name, Listen.release_name, Listen.duration_secs)
            .where(Listen.id.in_(ids))
        ).tuples().all()  # fmt: skip
    started, cpu = time.perf_counter(), time.process_time()
    with db.session() as session:
        matcher = Matcher(CatalogIndex.load(session), memo_limit=0)
    for artist, title, release, duration in rows:
        matcher.match(ListenQuery(artist, title, release, duration))
    return time.perf_counter() - started, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", default=SHARED)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/curation-bench"))
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-plain", action="store_true", help="Skip the whole-catalog comparison.")
    args = parser.parse_args(argv)
    if not os.path.exists(args.library):
        print(f"no bench library at {args.library}: build it with bench.bench_library", file=sys.stderr)
        return 1
    db = private_copy(args.library, args.work_dir)
    playlist = args.work_dir / "playlist.m3u8"
    kinds = write_playlist(db, playlist, args.entries, args.seed)
    print(f"playlist: {args.entries} entries {kinds}")
    totals: list[float] = []
    cpus: list[float] = []
    for run in range(1, args.runs + 1):
        phases = timed_import(db, playlist)
        plain = None if args.no_plain else timed_plain(db, playlist)
        peer, peer_cpu = timed_peer(db, args.entries, args.seed + run)
        totals.append(phases["total"])
        cpus.append(phases["total_cpu"])
        shown = ", ".join(f"{k} {v:.2f}s" for k, v in phases.items() if k != "counts")
        extra = f"; plain index + match {plain[0]:.2f}s (cpu {plain[1]:.2f}s)" if plain is not None else ""
        print(f"run {run}: {shown}{extra}; peer (listen matcher, {args.entries} listens) {peer:.2f}s "
              f"(cpu {peer_cpu:.2f}s) -> peer/ours {peer / phases['total']:.1f}x wall, "
              f"{peer_cpu / phases['total_cpu']:.1f}x cpu; {phases['counts']}")  # fmt: skip
    print(f"import of {args.entries} entries: {min(totals):.2f}-{max(totals):.2f} s wall, "
          f"{min(cpus):.2f}-{max(cpus):.2f} CPU-s over {args.runs} runs (target <= 2 s)")  # fmt: skip
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
