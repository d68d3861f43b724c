"""A small run of the labelled evaluation (bench/eval_matching.py) must meet the issue's targets."""

from __future__ import annotations

from bench.eval_matching import evaluate
from bench.matching_data import generate
from models.engine import Database


def test_small_evaluation_meets_the_targets(sqlite_db: Database):
    # Seed 11: neither the calibration's fitting seed (1) nor the benchmark report's (7).
    report = evaluate(sqlite_db, generate(seed=11, n_tracks=1500, n_listens=3000))
    assert report.in_library > 2000 and report.listens - report.in_library > 400
    assert report.precision >= 0.99, report.lines()
    assert report.recall >= 0.90, report.lines()
    assert report.top3_recall >= 0.98, report.lines()
    assert report.absent_linked == 0, report.lines()
