"""Fit the raw-score -> probability table of ``analyzer/matching/calibration.py`` on the evaluation set.

    python -m bench.fit_calibration [--seed 1] [--tracks 5000] [--listens 20000]

For every listen, the best candidate's raw score (IDs excluded: they have their own constant) and whether it
is the labelled track; isotonic regression (pool-adjacent-violators) of correctness on score; the step
function thinned to its change points. Prints the table to paste into calibration.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from analyzer.matching import CatalogIndex, ListenQuery, Matcher, MatchSettings
from bench.matching_data import generate, load_into
from models.bootstrap import init_database
from models.engine import open_database
from models.schemas import SchemaConfig


def isotonic(points: list[tuple[float, int]]) -> list[tuple[float, float, float]]:
    """Pool-adjacent-violators over (score, 0/1) sorted by score: blocks of (low score, high score, mean)."""
    blocks: list[list[float]] = []  # [low, high, total, count]
    for score, right in sorted(points):
        blocks.append([score, score, float(right), 1.0])
        while len(blocks) > 1 and blocks[-2][2] / blocks[-2][3] >= blocks[-1][2] / blocks[-1][3]:
            last = blocks.pop()
            blocks[-1][1] = last[1]
            blocks[-1][2] += last[2]
            blocks[-1][3] += last[3]
    return [(low, high, total / count) for low, high, total, count in blocks]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracks", type=int, default=5000)
    parser.add_argument("--listens", type=int, default=20000)
    args = parser.parse_args(argv)
    data = generate(args.seed, args.tracks, args.listens)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'fit.db'}", SchemaConfig())
        init_database(db)
        load_into(db, data)
        with db.session() as session:
            index = CatalogIndex.load(session)
        db.dispose()
    # Keep every candidate and link nothing (a link stores no candidate list): the fit must see every
    # listen's best raw score, low ones too, whatever the current table says of them.
    matcher = Matcher(index, MatchSettings(candidate_floor=0.0, auto_link=1.01))
    points: list[tuple[float, int]] = []
    for listen in data.listens:
        query = ListenQuery(listen.artist_name, listen.track_name, listen.release_name, listen.duration)
        outcome = matcher.match(query)
        if outcome.candidates:
            best = outcome.candidates[0]
            points.append((best.raw, int(best.track_id == listen.truth)))
    blocks = isotonic(points)
    print(f"# fitted on seed {args.seed}: {len(points):,} listens with a candidate, {len(blocks)} blocks")
    print("CALIBRATION_TABLE: tuple[tuple[float, float], ...] = (")
    for low, high, mean in blocks:
        # A finite sample never shows certainty: cap at 0.999.
        print(f"    ({round((low + high) / 2, 4)}, {min(round(mean, 4), 0.999)}),")
    print(")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
