"""A read worker reads a chunk's files grouped by container and gives their outcomes in the chunk's order."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.scan.reading import FileFailed, FileRead, read_chunk, read_chunk_by_container
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


def test_outcomes_come_back_in_the_chunks_order(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    templates = make_templates(tmp_path / "templates")
    jobs = []
    for n in range(24):  # formats alternating file by file, a failing file and a vanished one among them
        ext = [".mp3", ".FLAC", ".opus", ".m4a", ".ogg", ".wav"][n % 6]
        path = tmp_path / "music" / f"{n:02d} Song{ext}"
        place(templates, path.with_suffix(ext.lower()))
        path.with_suffix(ext.lower()).rename(path)
        jobs.append((str(path), ("music",)))
    (tmp_path / "broken.mp3").write_bytes(b"\0" * 64)
    jobs.insert(5, (str(tmp_path / "broken.mp3"), ()))
    jobs.insert(9, (str(tmp_path / "vanished.flac"), ()))
    grouped = read_chunk_by_container(jobs)
    assert grouped == read_chunk(jobs)
    assert isinstance(grouped[5], FileFailed) and grouped[9] is None
    assert sum(isinstance(o, FileRead) for o in grouped) == 24
    assert [o.stream.format for o in grouped[:5] if isinstance(o, FileRead)] == [
        "mp3",
        "flac",
        "opus",
        "m4a_aac",
        "ogg_vorbis",
    ]
