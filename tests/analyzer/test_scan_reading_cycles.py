"""What reading files leaves to the cyclic collector, which the read workers run only when objects pile
up (analyzer.scan.reading.COLLECT_ABOVE): nothing for most formats, covers included, and files that fail;
mutagen's RIFF chunks (WAV) form cycles, collected before they pile up."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.scan.reading import COLLECT_ABOVE, FileFailed, FileRead, read_chunk, read_chunk_in_worker
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")

CYCLE_FREE = (".flac", ".ogg", ".opus", ".mp3", ".m4a")  # tests/scan_audio.py makes these and WAV


@pytest.fixture
def collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("cycle-templates"))


def test_most_formats_and_failing_files_leave_no_cycle(
    tmp_path: Path, templates: dict[str, Path], collector_paused: None
) -> None:
    jobs = []
    for n, ext in enumerate(CYCLE_FREE):
        tags = (
            {"title": f"Song {n}", "artist": "A"} if ext in (".flac", ".ogg", ".opus", ".mp3", ".m4a") else {}
        )
        jobs.append((str(place(templates, tmp_path / f"{n:02d} Song{ext}", **tags)), ("music",)))
    broken = {
        "cut.mp3": b"ID3\x04\x00\x00\x00\x00\x10\x00",
        "text.flac": b"not audio at all",
        "empty.ogg": b"",
    }
    for name, data in broken.items():
        (tmp_path / name).write_bytes(data)
        jobs.append((str(tmp_path / name), ()))
    read_chunk(jobs)  # modules' first-use caches are not garbage
    gc.collect()
    outcomes = read_chunk(jobs)
    assert sum(isinstance(o, FileRead) for o in outcomes) == len(CYCLE_FREE)
    assert sum(isinstance(o, FileFailed) for o in outcomes) == len(broken)
    del outcomes
    assert gc.collect() == 0


def test_wav_cycles_are_collected_before_they_pile_up(
    tmp_path: Path, templates: dict[str, Path], collector_paused: None
) -> None:
    path = str(place(templates, tmp_path / "a.wav"))
    for _ in range(40):  # a worker's chunks: 40 x 32 WAV files
        assert len(gc.get_objects(0)) <= COLLECT_ABOVE + 32 * 20
        outcomes = read_chunk_in_worker([(path, ())] * 32)
        assert all(isinstance(o, FileRead) for o in outcomes)
    del outcomes
    assert 0 < gc.collect() <= COLLECT_ABOVE + 32 * 20
