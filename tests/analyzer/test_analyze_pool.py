"""The analysis pool survives a decoder that kills its worker: only the guilty file is recorded as crashed."""

from __future__ import annotations

import os

from analyzer.analysis import AnalysisFailed, AnalysisJob, analyze_in_pool
from analyzer.analysis.pool import analyze_one
from analyzer.audio import AudioDecodeError, FileAnalysis


def fake_analysis(path: str) -> FileAnalysis:
    """Stands in for analyze_file: dies like a segfaulting decoder on 'crash', rejects 'bad'."""
    if "crash" in path:
        os._exit(139)
    if "bad" in path:
        raise AudioDecodeError("corrupt", "bad frames")
    return FileAnalysis(path, 44100.0, 2, 1.0, "pcm", 1411200, "0" * 32, None, None, None)


def test_a_crash_fails_only_its_own_file() -> None:
    names = ["a", "b", "crash", "c", "bad", "d", "e"]
    jobs = [AnalysisJob(i, f"/music/{name}.flac") for i, name in enumerate(names)]
    outcomes = dict(analyze_in_pool(jobs, workers=2, analyze=fake_analysis))
    assert sorted(job.media_file_id for job in outcomes) == list(range(len(names)))
    failed = {job.path: o for job, o in outcomes.items() if isinstance(o, AnalysisFailed)}
    assert {path: o.kind for path, o in failed.items()} == {
        "/music/crash.flac": "crashed",
        "/music/bad.flac": "corrupt",
    }
    assert "crashed" in failed["/music/crash.flac"].reason


def test_unexpected_errors_become_reasons() -> None:
    def explode(path: str) -> FileAnalysis:
        raise MemoryError("too big")

    assert analyze_one("/x.flac", explode) == AnalysisFailed("error", "unexpected MemoryError: too big")
