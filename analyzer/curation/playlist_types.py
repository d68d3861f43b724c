"""What every playlist parser produces: entries with their raw fields and line, problems, the playlist,
and the few readings they share (an "Artist - Title" label, a length, a MusicBrainz id)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

DASH = re.compile(r"\s+[-\u2013\u2014]\s+")  # " - ", " – ", " — " (a spaced dash: "Jay-Z" stays whole)
MBID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


class PlaylistFormatError(ValueError):
    """The file is not a playlist of the expected format (the message says what it looks like)."""


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One entry as the source wrote it. ``location`` is the path or URI verbatim (another machine's
    path stays as it was); times are seconds."""

    line_no: int | None
    artist: str | None = None
    title: str | None = None
    album: str | None = None
    location: str | None = None
    duration_secs: float | None = None
    start_secs: float | None = None
    recording_mbid: str | None = None
    isrc: str | None = None
    spotify_id: str | None = None


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """A line (or JSON item) that could not be read as an entry; the import reports it and goes on."""

    line_no: int | None
    message: str
    text: str = ""
    skipped: bool = True  # False for a notice about the whole file (its encoding), nothing left out

    def __str__(self) -> str:
        where = f"line {self.line_no}: " if self.line_no is not None else ""
        shown = f" ({self.text[:80]!r})" if self.text else ""
        return f"{where}{self.message}{shown}"


@dataclass
class ParsedPlaylist:
    format: str  # m3u | pls | xspf | jspf | spotify | text | cue
    title: str | None
    entries: list[ParsedEntry] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)


def split_artist_title(label: str) -> tuple[str | None, str]:
    """ "Artist - Title" at the first spaced dash; a label without one is a title alone."""
    parts = DASH.split(label.strip(), maxsplit=1)
    if len(parts) == 2 and parts[0].strip() and parts[1].strip():
        return parts[0].strip(), parts[1].strip()
    return None, label.strip()


def positive_number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None  # -1 (and 0) mean "unknown" in M3U and PLS
