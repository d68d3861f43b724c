"""The Stats screen's core, per view, in this checkout beside another one (an older commit), same minutes.

Each round runs one fresh process per tree, alternating, on the same database copy; each process computes
every view once (the first call in a process, as a screen's first switch pays it) and again (warm), and
prints CPU milliseconds. The summary gives ranges and the other/this ratio of the sums.

    mkdir -p /tmp/stats-old && git archive 253f7f8 | tar -x -C /tmp/stats-old
    python -m bench.bench_stats_core_ab --db /tmp/stats-quiet.db --other-tree /tmp/stats-old --rounds 3

The database is upgraded to this tree's head, read, and its rollups refreshed (a copy: never the shared
bench file). The other tree must share this tree's migration head.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

VIEWS = ("top-tracks", "top-releases", "taste", "top-genres", "library", "discoveries", "clock")
RANGES = ("all", "2024")


def _child(db_path: str) -> dict[str, tuple[float, float]]:
    """In the tree's own directory (first on sys.path): every view's first and second call, CPU ms."""
    from models.engine import open_database
    from scrobbler.stats.scope import scope_for
    from scrobbler.stats.views import compute_view, load_scope_user, stats_users

    db = open_database(f"sqlite:///{db_path}")
    for view in ("top-artists", "clock", "top-tracks", "discoveries"):
        with db.session() as session:  # each rollup brought up to date and committed before timing
            compute_view(
                session, scope_for(load_scope_user(session, stats_users(session)[0][0].id), "all"), view
            )
    out: dict[str, tuple[float, float]] = {}
    with db.session() as session:
        user = load_scope_user(session, stats_users(session)[0][0].id)
        for name_of_range in RANGES:
            scope = scope_for(user, name_of_range)
            for view in VIEWS:
                began = time.process_time()
                compute_view(session, scope, view)
                first = (time.process_time() - began) * 1000
                began = time.process_time()
                compute_view(session, scope, view)
                again = (time.process_time() - began) * 1000
                out[f"{view} ({name_of_range})"] = (first, again)
    return out


def _run(tree: Path, db_path: str) -> dict[str, tuple[float, float]]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, json; sys.path.insert(0, {str(tree)!r}); "
            f"from bench.bench_stats_core_ab import _child; print(json.dumps(_child({db_path!r})))",
        ],
        capture_output=True,
        text=True,
        cwd=tree,
        env=env,
        check=True,
    )
    return {key: tuple(value) for key, value in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a COPY of the bench library (its rollups are refreshed)")
    parser.add_argument("--other-tree", required=True, type=Path, help="another checkout (e.g. git archive)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1]
    if not (args.other_tree / "scrobbler" / "stats").is_dir():
        parser.error(f"{args.other_tree} is not a Tonearm checkout (git archive COMMIT | tar -x -C DIR)")
    if not (args.other_tree / "bench" / "bench_stats_core_ab.py").exists():
        # An older tree has no copy of this script: lend it ours (it imports only the tree's own core).
        (args.other_tree / "bench").mkdir(exist_ok=True)
        (args.other_tree / "bench" / "bench_stats_core_ab.py").write_text(Path(__file__).read_text())
    from models.bootstrap import upgrade_database
    from models.engine import open_database

    db = open_database(f"sqlite:///{args.db}")
    upgrade_database(db)  # a copy of an older bench file is migrated first, as the app does on open
    db.dispose()
    runs: dict[str, list[dict[str, tuple[float, float]]]] = {"other": [], "this": []}
    _run(args.other_tree.resolve(), args.db)  # untimed: each tree settles the rollups' state its own way once
    _run(here, args.db)
    for _ in range(args.rounds):
        runs["other"].append(_run(args.other_tree.resolve(), args.db))
        runs["this"].append(_run(here, args.db))
    print(
        f"{'view':28s} {'first call: other':>19s} {'this':>11s} ratio | {'again: other':>13s} {'this':>11s} ratio"
    )
    for key in runs["this"][0]:
        if key not in runs["other"][0]:
            continue
        row = []
        for which in (0, 1):
            other = [run[key][which] for run in runs["other"]]
            this = [run[key][which] for run in runs["this"]]
            ratio = sum(other) / max(sum(this), 1e-9)
            row.append(
                f"{min(other):6.0f}-{max(other):<6.0f} {min(this):5.0f}-{max(this):<5.0f} x{ratio:.1f}"
            )
        print(f"{key:28s} {row[0]} | {row[1]}")


if __name__ == "__main__":
    main()
