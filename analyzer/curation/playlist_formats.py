"""Playlist and tracklist files as entries: M3U/M3U8, PLS, XSPF, JSPF, the Spotify account-data export
(``Playlist*.json``), plain "Artist - Title" tracklists and CUE sheets.

Parsers are pure (no database, no printing): each entry keeps the raw fields its source gave and the line
it came from; a line that cannot be read becomes a :class:`ParseProblem` and the rest of the file is still
read. Only a file that is not that format at all (not JSON, not XML, empty) raises
:class:`PlaylistFormatError`. The shapes (from the XSPF and JSPF specifications, ListenBrainz's JSPF
extension, Winamp's PLS and extended M3U, the Spotify export and the CUE sheet syntax) are listed in
tests/data/playlists/README.md beside a fixture of each.
"""

from __future__ import annotations

import ast
import configparser
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analyzer.curation.playlist_json import parse_jspf, parse_spotify
from analyzer.curation.playlist_types import (
    MBID,
    ParsedEntry,
    ParsedPlaylist,
    ParseProblem,
    PlaylistFormatError,
    positive_number,
    split_artist_title,
)
from analyzer.curation.playlist_xml import parse_xspf_text

FORMATS = ("m3u", "pls", "xspf", "jspf", "spotify", "text", "cue")
_BY_SUFFIX = {".m3u": "m3u", ".m3u8": "m3u", ".pls": "pls", ".xspf": "xspf", ".jspf": "jspf",
              ".txt": "text", ".cue": "cue"}  # fmt: skip


def read_playlists(path: Path | str, fmt: str | None = None) -> list[ParsedPlaylist]:
    """Every playlist in the file (a Spotify export holds many; other formats one).

    ``fmt`` forces a format; otherwise the suffix decides, and ``.json`` is told apart by its content.
    """
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as error:
        raise PlaylistFormatError(f"cannot read {source}: {error.strerror or error}") from error
    if not data.strip():
        raise PlaylistFormatError(f"{source} is empty")
    chosen = fmt or detect_format(source, data)
    if chosen not in _PARSERS:
        raise PlaylistFormatError(f"unknown playlist format {chosen!r}; use one of {', '.join(FORMATS)}")
    text, problem = decode_text(data)
    playlists = _PARSERS[chosen](text, source.stem)
    if problem:
        for playlist in playlists:
            playlist.problems.insert(0, ParseProblem(None, problem, skipped=False))
    return playlists


def detect_format(path: Path, data: bytes) -> str:
    """The format a file's suffix (or, for JSON, its content) says; ``text`` for anything else readable."""
    suffix = path.suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    if suffix == ".json" or head.startswith(b"{"):
        return "spotify" if b'"playlists"' in head else "jspf"
    if head.startswith(b"<"):
        return "xspf"
    if head.startswith(b"#EXTM3U"):
        return "m3u"
    if head.lower().startswith(b"[playlist]"):
        return "pls"
    return "text"


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Text of a playlist file: UTF-8 (BOM or not); else Windows-1252, the usual legacy encoding of .m3u
    and .cue files written by Windows players. The second value says when a fallback was used."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "not UTF-8: read as Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "not UTF-8: read as Latin-1"


# --- M3U / M3U8 -------------------------------------------------------------------------------------------

_EXTINF = re.compile(r"#EXTINF:\s*(-?\d+(?:\.\d+)?)?[^,]*,(.*)$", re.I)


def parse_m3u(text: str, name: str) -> list[ParsedPlaylist]:
    """Extended M3U: ``#EXTINF:<secs>[ attrs],<Artist - Title>`` before a path; ``#EXTALB``/``#EXTART``
    give album and artist; ``#PLAYLIST:`` the title; other ``#`` lines are comments."""
    playlist = ParsedPlaylist("m3u", name)
    info: dict[str, Any] = {}
    info_line: int | None = None
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        upper = line.upper()
        if upper.startswith("#EXTINF"):
            if info_line is not None and "label" in info:
                playlist.problems.append(ParseProblem(info_line, "#EXTINF without a path after it"))
            match = _EXTINF.match(line)
            if match is None:
                playlist.problems.append(ParseProblem(line_no, "#EXTINF without ',' before the title", line))
                info, info_line = {}, None
                continue
            artist, title = split_artist_title(match.group(2))
            info = {"label": True, "duration_secs": positive_number(match.group(1)), "artist": artist,
                    "title": title or None}  # fmt: skip
            info_line = line_no
        elif upper.startswith("#EXTALB:"):
            info["album"] = line[8:].strip() or None
        elif upper.startswith("#EXTART:"):
            info["artist"] = line[8:].strip() or None
        elif upper.startswith("#PLAYLIST:"):
            playlist.title = line[10:].strip() or playlist.title
        elif line.startswith("#"):
            continue
        else:
            fields = {k: v for k, v in info.items() if k != "label"}
            playlist.entries.append(ParsedEntry(info_line or line_no, location=line, **fields))
            info, info_line = {}, None
    if info_line is not None and "label" in info:
        playlist.problems.append(ParseProblem(info_line, "#EXTINF without a path after it"))
    return [playlist]


# --- PLS ----------------------------------------------------------------------------------------------------


def parse_pls(text: str, name: str) -> list[ParsedPlaylist]:
    """Winamp's INI playlist: ``[playlist]``, ``FileN``/``TitleN``/``LengthN``, ``NumberOfEntries``."""
    playlist = ParsedPlaylist("pls", name)
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.MissingSectionHeaderError as error:
        raise PlaylistFormatError("not a PLS playlist: no [playlist] section at the top") from error
    except configparser.ParsingError as error:  # the good lines are still read
        for line_no, shown in error.errors:  # configparser keeps each bad line as its repr()
            try:
                line = str(ast.literal_eval(shown))
            except (ValueError, SyntaxError):
                line = str(shown)
            playlist.problems.append(ParseProblem(line_no, "not a key=value line", line.strip()))
    section = next((s for s in parser.sections() if s.lower() == "playlist"), None)
    if section is None:
        raise PlaylistFormatError("not a PLS playlist: no [playlist] section")
    values = parser[section]
    lines = {key.lower(): n for n, key in _pls_key_lines(text)}
    numbers = sorted({int(m.group(1)) for key in values if (m := re.fullmatch(r"file(\d+)", key))})
    for number in numbers:
        location = values.get(f"file{number}", "").strip()
        if not location:
            playlist.problems.append(ParseProblem(lines.get(f"file{number}"), f"File{number} is empty"))
            continue
        artist, title = split_artist_title(values.get(f"title{number}", ""))
        playlist.entries.append(
            ParsedEntry(
                lines.get(f"file{number}"),
                artist,
                title or None,
                None,
                location,
                positive_number(values.get(f"length{number}")),
            )  # fmt: skip
        )
    for key in values:
        orphan = re.fullmatch(r"(?:title|length)(\d+)", key)
        if orphan and f"file{orphan.group(1)}" not in values:
            playlist.problems.append(ParseProblem(lines.get(key), f"{key} has no matching File entry"))
    return [playlist]


def _pls_key_lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.split("=", 1)[0].strip()) for n, line in enumerate(text.splitlines(), 1) if "=" in line]


# --- plain tracklists --------------------------------------------------------------------------------------

_TRACKLIST_LINE = re.compile(
    r"^\s*(?:(?P<num>\d{1,3})\s*[.)]\s*|(?P<num2>\d{1,3})\s+(?=\S))?"
    r"(?:[\[(]?(?P<time>\d{1,2}:\d{2}(?::\d{2})?)[\])]?\s*(?:[-\u2013\u2014|]\s*)?)?"
    r"(?P<rest>.+?)\s*$"
)
_TRAILING_LABEL = re.compile(r"\s*\[[^\]]*\]\s*$")


def parse_text(text: str, name: str) -> list[ParsedPlaylist]:
    """One "Artist - Title" per line, as DJ mix tracklists are shared: an optional number ("01." or
    "1)"), an optional start time ("[00:03:12]", "03:12"), a trailing "[Label]" dropped. Blank lines and
    lines starting with ``#`` or ``//`` are skipped; other lines without a spaced dash are reported."""
    playlist = ParsedPlaylist("text", name)
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "//")):
            continue
        match = _TRACKLIST_LINE.match(line)
        rest = match.group("rest") if match else line
        artist, title = split_artist_title(_TRAILING_LABEL.sub("", rest))
        if artist is None:
            playlist.problems.append(ParseProblem(line_no, "no 'Artist - Title' on this line", line))
            continue
        start = _clock_secs(match.group("time")) if match and match.group("time") else None
        playlist.entries.append(ParsedEntry(line_no, artist, title, start_secs=start))
    return [playlist]


def _clock_secs(value: str) -> float:
    seconds = 0.0
    for part in value.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


# --- CUE sheets --------------------------------------------------------------------------------------------

_CUE_INDEX = re.compile(r"(\d{2})\s+(\d{1,3}):(\d{2}):(\d{2})$")


def parse_cue(text: str, name: str) -> list[ParsedPlaylist]:
    """A CUE sheet: ``TRACK nn AUDIO`` blocks with ``TITLE``/``PERFORMER``/``ISRC`` and ``INDEX 01
    mm:ss:ff`` (75 frames a second) inside ``FILE "..." WAVE``. A track's length is the gap to the next
    track's start in the same file."""
    playlist = ParsedPlaylist("cue", name)
    sheet_performer: str | None = None
    current_file: str | None = None
    track: dict[str, Any] | None = None
    tracks: list[dict[str, Any]] = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        command, _, argument = line.partition(" ")
        command = command.upper()
        value = _cue_value(argument)
        if command == "REM" or command in (
            "FLAGS",
            "PREGAP",
            "POSTGAP",
            "CATALOG",
            "CDTEXTFILE",
            "SONGWRITER",
        ):
            continue
        if command == "FILE":
            current_file = _cue_value(argument.rsplit(" ", 1)[0]) if " " in argument.strip() else value
        elif command == "TRACK":
            track = {"line_no": line_no, "location": current_file, "album": playlist.title}
            tracks.append(track)
        elif command == "TITLE":
            if track is None:
                playlist.title = value or playlist.title
            else:
                track["title"] = value
        elif command == "PERFORMER":
            if track is None:
                sheet_performer = value
            else:
                track["artist"] = value
        elif command == "ISRC" and track is not None:
            track["isrc"] = value
        elif command == "INDEX":
            match = _CUE_INDEX.match(argument.strip())
            if match is None:
                playlist.problems.append(ParseProblem(line_no, "INDEX is not 'nn mm:ss:ff'", line))
            elif track is not None and match.group(1) == "01":
                minutes, seconds, frames = (int(g) for g in match.groups()[1:])
                track["start_secs"] = minutes * 60 + seconds + frames / 75
        else:
            playlist.problems.append(ParseProblem(line_no, f"unknown CUE command {command!r}", line))
    if not tracks:
        raise PlaylistFormatError("not a CUE sheet: no TRACK lines")
    per_file: dict[str | None, int] = {}
    for item in tracks:
        per_file[item["location"]] = per_file.get(item["location"], 0) + 1
    for number, item in enumerate(tracks):
        following = tracks[number + 1] if number + 1 < len(tracks) else None
        duration = None
        if (
            following
            and following.get("location") == item.get("location")
            and following.get("start_secs") is not None
            and item.get("start_secs") is not None
        ):
            duration = following["start_secs"] - item["start_secs"]
        item.setdefault("artist", sheet_performer)
        # A mix's one FILE holds every track: that file is the mix, not the listed track.
        location = item.pop("location")
        if per_file[location] == 1:
            item["location"] = location
        playlist.entries.append(ParsedEntry(duration_secs=duration, **item))
    return [playlist]


def _cue_value(argument: str) -> str | None:
    text = argument.strip()
    if len(text) >= 2 and text[0] == '"':
        end = text.rfind('"')
        text = text[1:end] if end > 0 else text[1:]
    return text or None


def parse_xspf(text: str, name: str) -> list[ParsedPlaylist]:
    title, rows, problems = parse_xspf_text(text)
    playlist = ParsedPlaylist("xspf", title or name, problems=[ParseProblem(n, m) for n, m in problems])
    for line_no, fields in rows:
        identifiers = fields.pop("identifier", [])
        mbid = next((m.group(0).lower() for i in identifiers if (m := MBID.search(i))), None)
        duration = positive_number(fields.get("duration"))
        locations = fields.get("location", [])
        # Several locations are alternatives: a file (this machine's or another's) beats a stream URL.
        location = next((x for x in locations if "://" not in x or x.lower().startswith("file:")), None)
        entry = ParsedEntry(line_no, fields.get("creator"), fields.get("title"), fields.get("album"),
                            location or next(iter(locations), None), duration / 1000 if duration else None,
                            recording_mbid=mbid)  # fmt: skip
        if not (entry.title or entry.location or entry.recording_mbid):
            playlist.problems.append(ParseProblem(line_no, "a track with no title, location or identifier"))
            continue
        playlist.entries.append(entry)
    return [playlist]


_PARSERS: dict[str, Callable[[str, str], list[ParsedPlaylist]]] = {
    "m3u": parse_m3u,
    "pls": parse_pls,
    "xspf": parse_xspf,
    "jspf": parse_jspf,
    "spotify": parse_spotify,
    "text": parse_text,
    "cue": parse_cue,
}

__all__ = ["FORMATS", "ParseProblem", "ParsedEntry", "ParsedPlaylist", "PlaylistFormatError",
           "detect_format", "read_playlists", "split_artist_title"]  # fmt: skip
