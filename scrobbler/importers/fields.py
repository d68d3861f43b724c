"""Cleaners for the values importers copy into a ListenRecord: names, MBIDs, ISRCs, Spotify ids, durations.

Each returns None for anything unusable, so one bad optional field never costs a listen (LB drops invalid
MBIDs the same way, api_tools.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

# LB api_tools.py: durations must be > 0 and at most 24 days.
MAX_DURATION_SECS = 24 * 24 * 3600

_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
# Spotify ids are 22 base62 characters; sources write them as URIs or open.spotify.com URLs.
_SPOTIFY_TRACK = re.compile(r"(?:spotify:track:|open\.spotify\.com/(?:[a-z-]+/)?track/)([0-9A-Za-z]{22})")
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_BARE_SPOTIFY = re.compile(r"^[0-9A-Za-z]{22}$")


def clean_text(value: object) -> str | None:
    """A stripped non-empty string, or None. NUL characters are refused (LB rejects them too)."""
    if value.__class__ is not str and (value is None or not isinstance(value, str)):
        return None  # None (an absent key, the common case) answered first
    text = value.strip()
    if not text or "\x00" in text:
        return None
    return text


def clean_mbid(value: object) -> str | None:
    """A canonical lowercase UUID string, or None for empty/invalid values."""
    if value is None:
        return None
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):  # already canonical: no re-parse
        return value
    text = clean_text(value)
    if text is None:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def clean_mbids(values: object) -> tuple[str, ...]:
    """Valid MBIDs from a list (or a single string), in order, without duplicates."""
    items: Iterable[object]
    if values is None:
        return ()
    if isinstance(values, str):
        items = [values]
    elif isinstance(values, (list, tuple)):
        items = values
    else:
        return ()
    seen: dict[str, None] = {}
    for item in items:
        mbid = clean_mbid(item)
        if mbid is not None:
            seen.setdefault(mbid, None)
    return tuple(seen)


def clean_isrc(value: object) -> str | None:
    """An ISRC in its 12-character compact form (hyphens and spaces removed), or None."""
    if value is None:
        return None
    text = clean_text(value)
    if text is None:
        return None
    compact = text.replace("-", "").replace(" ", "").upper()
    return compact if _ISRC.match(compact) else None


def spotify_track_id(value: object) -> str | None:
    """The bare track id from ``spotify:track:<id>``, an open.spotify.com URL, or a bare id."""
    if value is None:
        return None
    text = clean_text(value)
    if text is None:
        return None
    if _BARE_SPOTIFY.match(text):
        return text
    found = _SPOTIFY_TRACK.search(text)
    return found.group(1) if found else None


def seconds(value: object, scale: float = 1.0) -> float | None:
    """A positive duration in seconds from a number or numeric string in units of ``scale`` seconds."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value) * scale if isinstance(value, (int, float, str)) else None
    except ValueError:
        return None
    if number is None or not (0 < number <= MAX_DURATION_SECS):
        return None
    return number


def track_number(value: object) -> str | None:
    """Track numbers as text: LB documents a string, liblistenbrainz sends an int."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value > 0 else None
    return clean_text(value)
