"""Hostile input against every importer (and ingest) and the API: no traceback, no 500, memory bounded.

The cases are in tests/scrobbler/hostile_inputs.py: nesting 200,000 deep, 256 MiB lines, a zip holding a
1 GiB line, wrong types, out-of-range numbers, broken encodings, and seeded mutations of every sample.
Memory is measured in a child process (peak RSS growth over what imports loaded), not guessed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrobbler import importers
from scrobbler.records import ImportProblem, ListenRecord
from tests.scrobbler.hostile_inputs import mutants, write_cases

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "imports"
MEMORY_BOUND_MIB = 200


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The hostile files, written once (about 800 MB, mostly three 256 MiB lines) and removed after."""
    folder = tmp_path_factory.mktemp("hostile")
    write_cases(folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_child(mode: str, folder: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.scrobbler.hostile_inputs", mode, str(folder)],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_every_importer_and_ingest_survive_hostile_files_in_bounded_memory(cases: Path) -> None:
    result = run_child("importers", cases)
    assert result["errors"] == []
    assert result["peak_growth_mib"] < MEMORY_BOUND_MIB, result["peak_growth_mib"]
    outcomes = result["outcomes"]
    for name in ("nested_array.json", "long_string.json", "nested_inside_entry.json"):
        # Every JSON importer reads no listen from them and fails them with a reason.
        assert outcomes[name]["spotify_extended"] == [0, 1, 0], (name, outcomes[name])
    assert outcomes["long_line.csv"]["lastfm_csv"][1] >= 1
    assert outcomes["listenbrainz_hostile_1700000000.zip"]["listenbrainz_export"][:2] == [1, 1]


def test_the_limits_name_the_row(cases: Path) -> None:
    nested = list(importers.get("spotify_extended").parse(cases / "nested_array.json"))
    assert nested == [
        ImportProblem.failed(
            "nested_array.json near item 1", "JSON nested deeper than 64 levels; the rest is not read"
        )
    ]
    long_line = [row for row in importers.get("lastfm_csv").parse(cases / "long_line.csv")]
    assert ImportProblem.failed("long_line.csv:2", "row is longer than 1,024 KiB (not read)") in long_line
    zipped = list(importers.get("listenbrainz_export").parse(cases / "listenbrainz_hostile_1700000000.zip"))
    assert zipped[0] == ImportProblem.failed(
        "listenbrainz_hostile_1700000000.zip:listens/2023/11.jsonl:1",
        "line is longer than 1,024 KiB (not read)",
    )
    assert isinstance(zipped[1], ListenRecord)  # the line after it is read as usual


def test_seeded_mutations_of_every_sample_never_raise(tmp_path: Path) -> None:
    samples = sorted(path for path in SAMPLES.iterdir() if path.is_file())
    for label, content in mutants(18, samples, 400):
        path = tmp_path / label
        path.write_bytes(content)
        importers.detect(path)
        for importer in importers.all_importers():
            for row in importer.parse(path):
                assert isinstance(row, (ListenRecord, ImportProblem)), (label, importer.NAME)
                if isinstance(row, ImportProblem):
                    assert row.location and row.reason, (label, importer.NAME, row)
        path.unlink()


def test_the_api_answers_every_hostile_request_with_400_or_200_never_500(tmp_path: Path) -> None:
    result = run_child("api", tmp_path)
    statuses = {label: outcome[0] for label, outcome in result["outcomes"].items()}
    assert set(statuses.values()) <= {200, 400}, {k: v for k, v in statuses.items() if v not in (200, 400)}
    assert all(outcome[1] for outcome in result["outcomes"].values())  # a JSON body in LB's shape
    assert statuses["deep payload"] == statuses["deep info"] == statuses["info past orjson's depth"] == 400
    assert statuses["deep info with null"] == 400
    assert statuses["duration=None"] == statuses["listened_at=18446744073709551616"] == 400
    assert statuses["artist_mbids=[None]"] == 200  # LB drops null entries
    assert result["peak_growth_mib"] < MEMORY_BOUND_MIB


def test_brackets_inside_strings_only_slow_the_reader_never_change_what_is_read(tmp_path: Path) -> None:
    # Each entry's text opens hundreds of brackets, so the reader drops to small chunks: same listens.
    entries = [
        {"ts": f"2024-01-01T00:{minute:02d}:00Z", "ms_played": 200_000, "master_metadata_track_name": "[" * 600,
         "master_metadata_album_artist_name": f"Artist {minute}", "spotify_track_uri": None}
        for minute in range(50)
    ]  # fmt: skip
    path = tmp_path / "brackets.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    rows = list(importers.get("spotify_extended").parse(path))
    names = [row.artist_name for row in rows if isinstance(row, ListenRecord)]
    assert names == [f"Artist {minute}" for minute in range(50)]


def test_escapes_and_brackets_in_strings_across_chunk_boundaries_are_not_nesting(tmp_path: Path) -> None:
    # Quotes, backslashes and brackets inside strings land on every offset of the 64 KiB reads.
    titles = ['\\"[' * 40 + "\\\\" * (n % 3) + "{" * (n % 7) for n in range(1200)]
    entries = [
        {"ts": "2024-01-01T00:00:00Z", "ms_played": 200_000, "master_metadata_track_name": title,
         "master_metadata_album_artist_name": f"Artist {n}", "spotify_track_uri": None}
        for n, title in enumerate(titles)
    ]  # fmt: skip
    path = tmp_path / "escapes.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    assert path.stat().st_size > 3 * 64 * 1024
    records = [row for row in importers.get("spotify_extended").parse(path) if isinstance(row, ListenRecord)]
    assert [record.track_name for record in records] == [title.strip() for title in titles]


def test_one_entry_past_8_mib_is_refused_before_it_is_built(tmp_path: Path) -> None:
    path = tmp_path / "huge_entry.json"
    with path.open("wb") as handle:  # one Spotify entry with 9 MiB of small fields
        handle.write(b'[{"ts":"2024-01-01T00:00:00Z"')
        for index in range(9 * 1024 * 16):
            handle.write(b',"k%07d":"%s"' % (index, b"v" * 48))
        handle.write(b"}]")
    rows = list(importers.get("spotify_extended").parse(path))
    assert rows == [
        ImportProblem.failed(
            "huge_entry.json near item 1", "an entry is larger than 8 MiB; the rest is not read"
        )
    ]
