"""Every fast path reads every file of the benchmark libraries exactly as plain mutagen does.

The libraries are made by the benchmarks (bench.bench_scan_real: real-size soundtrack files with covers;
bench.bench_scan: the tiny mixed-format library), not committed: a library not made yet is reported as
skipped with the command that makes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mutagen.flac import FLAC

from analyzer.tags import FileTags, TagReadError, _flac_fast, _mp4_fast, _mpeg_fast, _opus_fast, read_tags

BENCH_OUT = Path(__file__).resolve().parents[2] / "bench" / "out"
LIBRARIES = {
    "real-distinct-12": "python -m bench.bench_scan_real --runs 0 --no-cold",
    "library-2000": "python -m bench.bench_scan --files 2000",
}
FAST_FORMATS = (".mp3", ".opus", ".m4a", ".flac", ".wav", ".aiff")


def outcome(path: Path) -> FileTags | TagReadError:
    try:
        return read_tags(path)
    except TagReadError as error:
        return error


@pytest.mark.parametrize("library", list(LIBRARIES))
def test_fast_paths_read_the_bench_files_as_mutagen_does(
    library: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = BENCH_OUT / library
    if not folder.is_dir():
        pytest.skip(f"{folder} is not made yet: {LIBRARIES[library]}")
    paths = sorted(p for p in folder.rglob("*") if p.suffix in FAST_FORMATS)
    assert paths
    fast = [outcome(path) for path in paths]
    with monkeypatch.context() as patch:
        patch.setattr(_mpeg_fast, "_read", lambda f: None)
        patch.setattr(_opus_fast, "_read", lambda f: None)
        patch.setattr(_mp4_fast, "_read", lambda f: None)
        patch.setattr(_flac_fast, "_FLACWithoutImages", FLAC)
        plain = [outcome(path) for path in paths]
    for path, got, expected in zip(paths, fast, plain, strict=True):
        if isinstance(expected, TagReadError):
            assert isinstance(got, TagReadError) and (got.kind, got.reason) == (
                expected.kind,
                expected.reason,
            )
        else:
            assert got == expected, path
