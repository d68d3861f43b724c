"""Last.fm history CSV exports, both kinds in formats.md §4.

- lastfm.ghan.nl/export: header ``uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid``.
- benfoxall lastfm-to-csv: no header, ``artist,album,title,date`` with date ``03 Jan 2021 12:34`` in UTC
  (parsed the way Maloja does, maloja/proccontrol/tasks/import_scrobbles.py::parse_lastfm).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from scrobbler.importers.fields import clean_mbid, clean_mbids, clean_text
from scrobbler.importers.rules import ImportOptions, check_listened_at, from_unix
from scrobbler.importers.streams import HEAD_BYTES, DecodedLines, noting_empty, read_head
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason

NAME = "lastfm_csv"
DESCRIPTION = "Last.fm scrobbles CSV (lastfm.ghan.nl export or headerless benfoxall lastfm-to-csv)"

_BENFOXALL_COLUMNS = ("artist", "album", "title", "date")
# "03 Jan 2021 12:34" (benfoxall) and "31 Dec 2025, 21:38" (ghan utc_time). Month names are English
# whatever the locale, so they are looked up here rather than with strptime's locale-bound %b.
_LASTFM_DATE = re.compile(r"^(\d{1,2}) ([A-Za-z]{3}) (\d{4}),? (\d{1,2}):(\d{2})$")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}


def sniff(path: Path) -> bool:
    """The first row is the ghan header, or four columns and one of the first rows has a Last.fm date.

    benfoxall rows may lack a date (the now-playing track), so a few rows are looked at, not just one.
    """
    head = read_head(path)
    lines = head.decode("utf-8", errors="ignore").splitlines()
    if len(head) == HEAD_BYTES:
        lines = lines[:-1]  # probably cut short
    try:
        rows = list(csv.reader([line for line in lines if line.strip()][:5]))
    except csv.Error:
        return False
    if not rows:
        return False
    if _is_ghan_header(rows[0]):
        return True
    return len(rows[0]) == 4 and any(len(row) == 4 and _LASTFM_DATE.match(row[3].strip()) for row in rows)


def parse(path: Path, options: ImportOptions | None = None) -> Iterator[Row]:
    """Yield one listen per CSV row; rows with a bad column count or date are failed problems."""
    return noting_empty(_rows(path, options or ImportOptions()), path)


def parse_lastfm_date(text: str) -> datetime | None:
    """Parse Last.fm's display date ("03 Jan 2021 12:34" or "31 Dec 2025, 21:38"), always UTC."""
    found = _LASTFM_DATE.match(text.strip())
    if found is None or found.group(2).lower() not in _MONTHS:
        return None
    day, month, year, hour, minute = found.groups()
    try:
        return datetime(int(year), _MONTHS[month.lower()], int(day), int(hour), int(minute), tzinfo=UTC)
    except ValueError:
        return None


def _is_ghan_header(row: list[str]) -> bool:
    names = {cell.strip().lower() for cell in row}
    return {"artist", "track"} <= names and bool(names & {"uts", "utc_time"})


def _rows(path: Path, options: ImportOptions) -> Iterator[Row]:
    with path.open("rb") as handle:
        lines = DecodedLines(handle)
        reader = csv.reader(lines)
        columns: list[str] | None = None
        first_row = True
        previous_end = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield ImportProblem.failed(f"{path.name}:{reader.line_num}", f"unreadable CSV: {error}")
                previous_end = reader.line_num
                continue
            first_line, previous_end = previous_end + 1, reader.line_num
            location = f"{path.name}:{first_line}"
            if (unreadable := lines.take_problem(first_line, reader.line_num)) is not None:
                yield ImportProblem.failed(location, f"row {unreadable}")
                continue
            if not any(cell.strip() for cell in row):
                continue
            if first_row and _is_ghan_header(row):
                columns = [cell.strip().lower() for cell in row]
                first_row = False
                continue
            first_row = False
            if columns is None:
                yield _benfoxall_row(row, location, options)
            else:
                yield _ghan_row(row, columns, location, options)


def _ghan_row(row: list[str], columns: list[str], location: str, options: ImportOptions) -> Row:
    if len(row) != len(columns):
        return ImportProblem.failed(location, f"expected {len(columns)} columns, got {len(row)}")
    payload = dict(zip(columns, row, strict=True))
    uts, utc_time = payload.get("uts", "").strip(), payload.get("utc_time", "").strip()
    if not uts and not utc_time:
        return ImportProblem.skipped(location, SkipReason.NO_TIMESTAMP, "row has no time (now playing?)")
    listened_at: datetime | None
    try:
        listened_at = from_unix(uts) if uts else parse_lastfm_date(utc_time)
    except (TypeError, ValueError, OverflowError, OSError):
        listened_at = None
    if listened_at is None:
        return ImportProblem.failed(location, f"unreadable time {uts or utc_time!r:.40}")
    return _record(
        listened_at,
        payload.get("artist"),
        payload.get("track"),
        payload.get("album"),
        payload,
        location,
        options,
        track_mbid=clean_mbid(payload.get("track_mbid")),
        release_mbid=clean_mbid(payload.get("album_mbid")),
        artist_mbids=clean_mbids(payload.get("artist_mbid")),
    )


def _benfoxall_row(row: list[str], location: str, options: ImportOptions) -> Row:
    if len(row) != len(_BENFOXALL_COLUMNS):
        return ImportProblem.failed(location, f"expected 4 columns (artist,album,title,date), got {len(row)}")
    payload = dict(zip(_BENFOXALL_COLUMNS, row, strict=True))
    if not payload["date"].strip():
        return ImportProblem.skipped(location, SkipReason.NO_TIMESTAMP, "row has no date (now playing?)")
    listened_at = parse_lastfm_date(payload["date"])
    if listened_at is None:
        return ImportProblem.failed(location, f"unreadable date {payload['date']!r:.40}")
    return _record(
        listened_at, payload["artist"], payload["title"], payload["album"], payload, location, options
    )


def _record(
    listened_at: datetime,
    artist_value: str | None,
    track_value: str | None,
    album_value: str | None,
    payload: dict[str, str],
    location: str,
    options: ImportOptions,
    *,
    track_mbid: str | None = None,
    release_mbid: str | None = None,
    artist_mbids: tuple[str, ...] = (),
) -> Row:
    if (bad_time := check_listened_at(listened_at, options)) is not None:
        return ImportProblem.failed(location, bad_time)
    artist, track = clean_text(artist_value), clean_text(track_value)
    if artist is None or track is None:
        return ImportProblem.failed(location, f"missing {'artist' if artist is None else 'track'} name")
    return ListenRecord(
        listened_at=listened_at,
        artist_name=artist,
        track_name=track,
        source=NAME,
        release_name=clean_text(album_value),
        # Last.fm's mbid is a MusicBrainz *track* id; LB keeps it as lastfm_track_mbid (formats.md gotchas).
        track_mbid=track_mbid,
        release_mbid=release_mbid,
        artist_mbids=artist_mbids,
        payload=payload,
    )
