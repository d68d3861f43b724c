"""No input makes an importer raise: every field of every sample, swapped for odd values, still parses.

A malformed row must come back as a failed ImportProblem while the rest of the file is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scrobbler import importers
from scrobbler.records import ImportProblem, ListenRecord

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"

ODD_JSON_VALUES: list[Any] = [
    None,
    True,
    -1,
    0,
    1e300,
    1.5,
    "",
    " ",
    "x",
    "\x00",
    "9" * 40,
    [],
    {},
    ["a"],
    {"a": 1},
]
ODD_TEXT_VALUES = [
    "",
    " ",
    "\x00",
    "-1",
    "nan",
    "inf",
    "1e400",
    "9" * 40,
    "L",
    "S",
    "\"'",
    "<Untagged>",
    "🎵",
]

JSON_SAMPLES = [
    ("alice_lb-2023-01-15.json", "listenbrainz_legacy"),
    ("listenbrainz_api_page.json", "listenbrainz_api"),
    ("lastfm_recenttracks.json", "lastfm_api"),
    ("lastfm_recenttracks_extended_single.json", "lastfm_api"),
    ("Streaming_History_Audio_2023_0.json", "spotify_extended"),
    ("StreamingHistory0.json", "spotify_account"),
    ("maloja_export_2024_01_02_00_04_05.json", "maloja"),
]
LINE_SAMPLES = [
    ("lastfm_ghan.csv", "lastfm_csv", ","),
    ("lastfm_benfoxall.csv", "lastfm_csv", ","),
    ("rockbox_utc.scrobbler.log", "scrobbler_log", "\t"),
]


def first_item_paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths to every value in the document that only passes through index 0 of any list."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from first_item_paths(value, (*path, key))
    elif isinstance(node, list) and node:
        yield (*path, 0)
        yield from first_item_paths(node[0], (*path, 0))


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def assert_parses_without_raising(name: str, path: Path) -> None:
    rows = list(importers.get(name).parse(path))
    assert rows
    for row in rows:
        assert isinstance(row, ListenRecord | ImportProblem)
        if isinstance(row, ListenRecord):
            json.dumps(row.payload)
            assert row.artist_name.strip() and row.track_name.strip()


@pytest.mark.parametrize(("sample", "name"), JSON_SAMPLES)
def test_json_fields_with_odd_values(sample: str, name: str, tmp_path: Path) -> None:
    document = json.loads((DATA / sample).read_text(encoding="utf-8"))
    target = tmp_path / sample
    for path in first_item_paths(document):
        for value in ODD_JSON_VALUES:
            target.write_text(json.dumps(replaced(document, path, value)), encoding="utf-8")
            assert_parses_without_raising(name, target)


def test_jsonl_fields_with_odd_values(tmp_path: Path) -> None:
    lines = (DATA / "listenbrainz_listens.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    target = tmp_path / "listens.jsonl"
    for path in first_item_paths(first):
        for value in ODD_JSON_VALUES:
            target.write_text(
                "\n".join([json.dumps(replaced(first, path, value)), *lines[1:]]), encoding="utf-8"
            )
            assert_parses_without_raising("listenbrainz_export", target)


@pytest.mark.parametrize(("sample", "name", "separator"), LINE_SAMPLES)
def test_text_fields_with_odd_values(sample: str, name: str, separator: str, tmp_path: Path) -> None:
    lines = (DATA / sample).read_text(encoding="utf-8").splitlines()
    data_index = next(i for i, line in enumerate(lines) if line and not line.startswith(("#", '"uts"')))
    fields = lines[data_index].split(separator)
    target = tmp_path / sample
    for column in range(len(fields)):
        for value in ODD_TEXT_VALUES:
            changed = [*fields[:column], value, *fields[column + 1 :]]
            text = "\n".join([*lines[:data_index], separator.join(changed), *lines[data_index + 1 :]])
            target.write_text(text, encoding="utf-8")
            assert_parses_without_raising(name, target)


def test_spotify_implausible_ms_played(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    row = {
        "ts": "2023-03-19T18:31:37Z",
        "master_metadata_track_name": "T",
        "master_metadata_album_artist_name": "A",
    }
    path.write_text(json.dumps([{**row, "ms_played": 10**15}, {**row, "ms_played": -5}]))
    assert list(importers.get("spotify_extended").parse(path)) == [
        ImportProblem.failed("s.json item 1", "implausible ms_played 1000000000000000"),
        ImportProblem.failed("s.json item 2", "implausible ms_played -5"),
    ]


def test_integer_beyond_64_bits_ends_the_json_file_with_one_problem(tmp_path: Path) -> None:
    # yajl cannot represent it and stops; the rows before it are kept.
    path = tmp_path / "s.json"
    good = {
        "ts": "2023-03-19T18:31:37Z",
        "ms_played": 60000,
        "master_metadata_track_name": "T",
        "master_metadata_album_artist_name": "A",
    }
    path.write_text(json.dumps([good, {**good, "ms_played": 10**20}]))
    rows = list(importers.get("spotify_extended").parse(path))
    assert isinstance(rows[0], ListenRecord)
    assert rows[1] == ImportProblem.failed(
        "s.json near item 2", "invalid or truncated JSON: parse error: integer overflow"
    )
