"""The scan's own process pool: smaller chunks at the end, every outcome in order, workers' collector off."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.scan.reading import TAIL_SPLIT, read_in_pool
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


def test_the_last_chunks_are_smaller_and_the_outcomes_are_the_serial_ones(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    templates = make_templates(tmp_path / "templates")
    paths = [place(templates, tmp_path / f"m/{n:02d}.flac", title=f"T{n}") for n in range(20)]
    (tmp_path / "m/broken.flac").write_bytes(b"fLaC" + b"\0" * 10)
    jobs = [(str(path), ("m",)) for path in [*paths * 4, tmp_path / "m/broken.flac"]]  # 81 jobs
    chunk, workers = 4, 2
    serial = [o for _, outcomes in read_in_pool(jobs, workers=1, chunk_files=chunk) for o in outcomes]
    pooled = list(read_in_pool(jobs, workers=workers, chunk_files=chunk))  # the scan's process pool
    sizes = [len(outcomes) for _, outcomes in pooled]
    starts = [start for start, _ in pooled]
    assert starts == [sum(sizes[:n]) for n in range(len(sizes))] and sum(sizes) == len(jobs)
    small = max(1, chunk // TAIL_SPLIT)
    # whole chunks while more than workers x chunk files are left to hand out, then small ones
    expected = [small if len(jobs) - start <= workers * chunk else chunk for start in starts]
    assert sizes == expected and sizes.count(small) >= workers * chunk - chunk + 1
    assert [o for _, outcomes in pooled for o in outcomes] == serial
    assert [type(o).__name__ for o in serial] == ["FileRead"] * 80 + ["FileFailed"]
