"""Libre.fm (GNU FM) scrobble CSV exports and their variants.

What these files look like (issue 18, from real exports; we found no published spec): the first line
that is not a comment is a header naming the columns, in any order and any letter case, e.g.
``Artist,Track,Album,Time`` or ``userid,artist,track,album,time,mbid``; times are Unix seconds (some
tools write ``YYYY-MM-DD HH:MM:SS`` in UTC instead). Comment lines start with ``#``, which some exports
write in UTF-7 as ``+ACM-`` (UTF-7's spelling of ``#``); both are skipped wherever they appear.
A ``userid`` column is kept in the stored payload; whose listens they are is the caller's choice.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from scrobbler.importers.fields import clean_mbid, clean_mbids, clean_text, seconds
from scrobbler.importers.rules import ImportOptions, check_listened_at, from_unix
from scrobbler.importers.streams import HEAD_BYTES, DecodedLines, noting_empty, read_head
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason

NAME = "librefm_csv"
DESCRIPTION = "Libre.fm / GNU FM scrobbles CSV (header-driven: Artist,Track,Album,Time ...)"

_COMMENT_PREFIXES = ("#", "+ACM-")  # "+ACM-" is "#" in UTF-7
# Header names (lower case, spaces and underscores ignored) to the field they fill.
_ALIASES = {
    "artist": "artist",
    "artistname": "artist",
    "track": "track",
    "title": "track",
    "trackname": "track",
    "album": "album",
    "albumname": "album",
    "release": "album",
    "time": "time",
    "timestamp": "time",
    "date": "time",
    "listenedat": "time",
    "userid": "userid",
    "user": "userid",
    "username": "userid",
    "mbid": "track_mbid",
    "trackmbid": "track_mbid",
    "recordingmbid": "recording_mbid",
    "artistmbid": "artist_mbid",
    "albummbid": "album_mbid",
    "duration": "duration",
    "length": "duration",
}
_REQUIRED = frozenset({"artist", "track", "time"})
# The lastfm.ghan.nl header belongs to lastfm_csv; it names its time "uts"/"utc_time".
_GHAN_COLUMNS = frozenset({"uts", "utc_time"})


def sniff(path: Path) -> bool:
    """The first line that is not a comment is a header naming artist, track and time columns."""
    head = read_head(path)
    lines = head.decode("utf-8", errors="ignore").splitlines()
    if len(head) == HEAD_BYTES:
        lines = lines[:-1]
    for line in lines:
        if not line.strip() or line.lstrip().startswith(_COMMENT_PREFIXES):
            continue
        try:
            header = next(csv.reader([line]))
        except csv.Error:
            return False
        names = {cell.strip().lower() for cell in header}
        return _columns(header) is not None and not names & _GHAN_COLUMNS
    return False


def parse(path: Path, options: ImportOptions | None = None) -> Iterator[Row]:
    """Yield one listen per data row; comment lines are skipped, bad rows are failed problems."""
    return noting_empty(_rows(path, options or ImportOptions()), path)


def _columns(header: list[str]) -> list[str | None] | None:
    """The field each column fills (None: not ours), or None when artist, track or time is missing."""
    fields = [_ALIASES.get(cell.strip().lower().replace(" ", "").replace("_", "")) for cell in header]
    return fields if set(fields) >= _REQUIRED else None


def _rows(path: Path, options: ImportOptions) -> Iterator[Row]:
    with path.open("rb") as handle:
        lines = DecodedLines(handle)
        reader = csv.reader(_data_lines(lines))
        header: list[str] | None = None
        columns: list[str | None] | None = None
        previous_end = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                previous_end = lines.line_no
                yield ImportProblem.failed(f"{path.name}:{lines.line_no}", f"unreadable CSV: {error}")
                continue
            first_line, previous_end = previous_end + 1, lines.line_no
            location = f"{path.name}:{lines.line_no}"  # the row's (last) line
            if (unreadable := lines.take_problem(first_line, lines.line_no)) is not None:
                yield ImportProblem.failed(location, f"row {unreadable}")
                continue
            if not any(cell.strip() for cell in row):
                continue
            if columns is None:
                header, columns = row, _columns(row)
                if columns is None:
                    yield ImportProblem.failed(
                        location, "the header does not name artist, track and time columns"
                    )
                    return
                continue
            assert header is not None
            yield _record(row, header, columns, location, options)


def _data_lines(lines: DecodedLines) -> Iterator[str]:
    """The lines that are not comments; comment lines never reach the csv module, so a quote in a
    comment cannot swallow rows, and a comment that is not valid UTF-8 fails no row."""
    for line in lines:
        if line.lstrip().startswith(_COMMENT_PREFIXES):
            lines.bad_lines.pop(lines.line_no, None)
            continue
        yield line


def _record(
    row: list[str], header: list[str], columns: list[str | None], location: str, options: ImportOptions
) -> Row:
    if len(row) != len(columns):
        return ImportProblem.failed(location, f"expected {len(columns)} columns, got {len(row)}")
    values: dict[str, str] = {}
    for field, cell in zip(columns, row, strict=True):
        if field is not None and field not in values:
            values[field] = cell.strip()
    payload = dict(zip((name.strip() for name in header), row, strict=True))
    stamp = values.get("time", "")
    if not stamp:
        return ImportProblem.skipped(location, SkipReason.NO_TIMESTAMP, "row has no time (now playing?)")
    listened_at = _time(stamp)
    if listened_at is None:
        return ImportProblem.failed(location, f"unreadable time {stamp!r:.40} (Unix seconds expected)")
    if (bad_time := check_listened_at(listened_at, options)) is not None:
        return ImportProblem.failed(location, bad_time)
    artist, track = clean_text(values.get("artist")), clean_text(values.get("track"))
    if artist is None or track is None:
        return ImportProblem.failed(location, f"missing {'artist' if artist is None else 'track'} name")
    return ListenRecord(
        listened_at=listened_at,
        artist_name=artist,
        track_name=track,
        source=NAME,
        release_name=clean_text(values.get("album")),
        duration_secs=seconds(values.get("duration") or None),
        track_mbid=clean_mbid(values.get("track_mbid")),
        recording_mbid=clean_mbid(values.get("recording_mbid")),
        release_mbid=clean_mbid(values.get("album_mbid")),
        artist_mbids=clean_mbids(values.get("artist_mbid")),
        payload=payload,
    )


def _time(text: str) -> datetime | None:
    """Unix seconds, or an ISO-like ``YYYY-MM-DD HH:MM[:SS]`` read as UTC when it has no offset."""
    try:
        return from_unix(text) if text.lstrip("-").replace(".", "", 1).isdigit() else _iso(text)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _iso(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
