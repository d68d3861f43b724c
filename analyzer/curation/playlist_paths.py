"""Where a playlist entry's location points: a local path to look up, and the path's parts for re-finding a
file that moved or was listed on another machine (a Windows drive, a share, a Mac home folder).

Playlists carry paths in every spelling: POSIX absolute, relative to the playlist (with ``/`` or ``\\``),
``C:\\Music\\...``, ``\\\\server\\share\\...``, ``file:///C:/...`` and ``file:///home/...`` URIs with
percent-escapes, or stream URLs, which are not files at all.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_SEPARATORS = re.compile(r"[\\/]+")


@dataclass(frozen=True, slots=True)
class EntryLocation:
    """``local``: an absolute path on this machine to try first (None when the location names another
    machine's drive or a URL). ``parts``: the path's components, for matching by file name and folders."""

    local: str | None
    parts: tuple[str, ...]
    is_url: bool = False

    @property
    def file_name(self) -> str | None:
        return self.parts[-1] if self.parts else None


def entry_location(location: str | None, base_dir: str | None) -> EntryLocation | None:
    """Read a location as written in a playlist that lives in ``base_dir`` (relative paths start there)."""
    if not location or not location.strip():
        return None
    text = location.strip()
    scheme = urlsplit(text).scheme.lower() if "://" in text else ""
    if scheme and scheme != "file":
        return EntryLocation(None, (), is_url=True)
    if scheme == "file":
        split = urlsplit(text)
        path = unquote(split.path)
        if split.netloc and split.netloc.lower() != "localhost":
            path = f"\\\\{split.netloc}{path}"  # file://server/share/x -> a UNC path
        elif re.match(r"^/[A-Za-z]:[\\/]", path):
            path = path[1:]  # file:///C:/Music/x
        text = path
    parts = tuple(part for part in _SEPARATORS.split(text) if part and part != ".")
    if _WINDOWS_DRIVE.match(text) or text.startswith("\\\\"):
        local = text if os.name == "nt" else None
        return EntryLocation(local, parts[1:] if _WINDOWS_DRIVE.match(text) else parts)
    if text.startswith("/"):
        return EntryLocation(os.path.normpath(text), parts)
    if base_dir is None:
        return EntryLocation(None, parts)
    # Relative: written on Windows with backslashes, or on a POSIX system; both resolve from the playlist.
    joined = os.path.normpath(os.path.join(base_dir, *parts))
    return EntryLocation(joined, tuple(part for part in _SEPARATORS.split(joined) if part))


def shared_tail(left: tuple[str, ...], right: tuple[str, ...]) -> int:
    """How many trailing components two paths share, ignoring case (file name first, then folders)."""
    shared = 0
    for a, b in zip(reversed(left), reversed(right), strict=False):
        if a.casefold() != b.casefold():
            break
        shared += 1
    return shared


def names_from_path(parts: tuple[str, ...]) -> tuple[str | None, str | None, str | None]:
    """(artist, title, album) guessed from a library-style path: ``Artist/Album/01 - Title.ext`` or a file
    named ``Artist - Title.ext``. Used only when the entry carries no names of its own."""
    if not parts:
        return None, None, None
    stem = os.path.splitext(parts[-1])[0]
    stem = re.sub(r"^\s*(?:\d{1,2}[-.]?)?\d{1,3}\s*[-.)_]?\s+", "", stem)  # "01 - ", "1-03 ", "07. "
    pieces = re.split(r"\s+[-\u2013]\s+", stem, maxsplit=1)
    if len(pieces) == 2 and pieces[0] and pieces[1]:
        album = parts[-2] if len(parts) >= 2 else None
        return pieces[0].strip(), pieces[1].strip(), album
    artist = parts[-3] if len(parts) >= 3 else None
    album = parts[-2] if len(parts) >= 2 else None
    return artist, stem.strip() or None, album
