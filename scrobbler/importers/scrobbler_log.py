"""Rockbox / portable-player ``.scrobbler.log`` (Audioscrobbler portable device format 1.1).

Header lines ``#AUDIOSCROBBLER/1.1``, ``#TZ/UTC`` or ``#TZ/UNKNOWN``, ``#CLIENT/...``; then one play per
line, tab-separated: ``artist album track pos duration rating timestamp [mbid]`` (formats.md §6; Rockbox
apps/plugins/lastfm_scrobbler.c writes the mbid column even when empty). Rating ``L`` = listened,
``S`` = skipped. With ``#TZ/UNKNOWN`` the timestamp counts seconds of *local wall-clock* time, so it is
read in the options' timezone; LB's rockbox importer ignores this and treats both as UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from scrobbler.importers.fields import clean_mbid, clean_text, seconds, track_number
from scrobbler.importers.rules import ImportOptions, check_listened_at, from_unix, localize
from scrobbler.importers.streams import DecodedLines, noting_empty, read_head
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason

NAME = "scrobbler_log"
DESCRIPTION = "Rockbox/portable player .scrobbler.log (Audioscrobbler 1.1)"

_COLUMNS = ("artist", "album", "track", "tracknumber", "duration", "rating", "timestamp", "mbid")
_NAIVE_EPOCH = datetime(1970, 1, 1)
# Rockbox writes this artist for files without tags; LB's rockbox importer skips those rows too.
_UNTAGGED = "<Untagged>"


def sniff(path: Path) -> bool:
    """The ``#AUDIOSCROBBLER/`` header; a header-less log is claimed only when named *scrobbler.log*."""
    lines = [line for line in read_head(path).decode("utf-8", errors="ignore").splitlines() if line.strip()]
    if not lines:
        return False
    if lines[0].startswith("#AUDIOSCROBBLER/"):
        return True
    data = [line for line in lines if not line.startswith("#")]
    return path.name.lower().endswith("scrobbler.log") and bool(data) and len(data[0].split("\t")) in (7, 8)


def parse(path: Path, options: ImportOptions | None = None) -> Iterator[Row]:
    """Yield the ``L`` plays as listens and every other line as a reasoned skip or failure."""
    return noting_empty(_rows(path, options or ImportOptions()), path)


def _rows(path: Path, options: ImportOptions) -> Iterator[Row]:
    # A log without a #TZ line gives no promise of UTC; treat it like #TZ/UNKNOWN (local time).
    zone = "UNKNOWN"
    client: str | None = None
    with path.open("rb") as handle:
        lines = DecodedLines(handle)
        for text in lines:
            line = text.rstrip("\r\n")
            location = f"{path.name}:{lines.line_no}"
            if (unreadable := lines.take_problem(lines.line_no, lines.line_no)) is not None:
                yield ImportProblem.failed(location, f"line {unreadable}")
                continue
            if line.startswith("#"):
                if line.startswith("#TZ/"):
                    zone = line[len("#TZ/") :].strip().upper()
                elif line.startswith("#CLIENT/"):
                    client = line[len("#CLIENT/") :].strip()
                continue
            if not line.strip():
                continue
            yield _record(line, zone, client, location, options)


def _record(line: str, zone: str, client: str | None, location: str, options: ImportOptions) -> Row:
    fields = line.split("\t")
    if len(fields) not in (7, 8):
        return ImportProblem.failed(location, f"expected 7 or 8 tab-separated fields, got {len(fields)}")
    payload: dict[str, str | None] = dict(zip(_COLUMNS, fields, strict=False))
    payload["tz"] = zone
    payload["client"] = client
    rating = fields[5].strip().upper()
    if rating == "S":
        if options.apply_scrobble_rule:
            return ImportProblem.skipped(
                location, SkipReason.SKIPPED_BY_PLAYER, "rated S: skipped on the player"
            )
    elif rating != "L":
        return ImportProblem.failed(location, f"unknown rating {fields[5]!r:.10} (expected L or S)")
    try:
        stamp = int(fields[6].strip())
        if zone == "UTC":
            listened_at = from_unix(stamp)
        else:
            # Seconds since 1970-01-01 on the device's wall clock, not a real epoch.
            listened_at = localize(_NAIVE_EPOCH + timedelta(seconds=stamp), options)
    except (ValueError, OverflowError, OSError):
        return ImportProblem.failed(location, f"unreadable timestamp {fields[6]!r:.20}")
    if (bad_time := check_listened_at(listened_at, options)) is not None:
        return ImportProblem.failed(location, bad_time)
    artist, track = clean_text(fields[0]), clean_text(fields[2])
    if artist is None or track is None:
        return ImportProblem.failed(location, f"missing {'artist' if artist is None else 'track'} name")
    if artist == _UNTAGGED:
        return ImportProblem.skipped(location, SkipReason.UNTAGGED, "file had no tags (<Untagged>)")
    mbid = clean_mbid(fields[7]) if len(fields) == 8 else None
    return ListenRecord(
        listened_at=listened_at,
        artist_name=artist,
        track_name=track,
        source=NAME,
        release_name=clean_text(fields[1]),
        duration_secs=seconds(fields[4].strip() or None),
        track_number=track_number(fields[3]),
        # The spec calls it a MusicBrainz *track* id, as LB's rockbox importer stores it; Rockbox fills it
        # from the "MusicBrainz Track Id" tag (UFID http://musicbrainz.org, MUSICBRAINZ_TRACKID), which
        # Picard and beets set to the RECORDING id: it is kept as both, and links by either.
        recording_mbid=mbid,
        track_mbid=mbid,
        source_timestamp=None if zone == "UTC" else stamp,
        payload=payload,
    )
