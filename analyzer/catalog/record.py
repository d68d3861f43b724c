"""From one file's tags to a :class:`TrackRecord`: everything the catalog writer needs, already decided.

Pure and picklable: the scanner builds records in its worker processes, so the single database writer only
does set-based SQL. Identity rules (``track_uid``) and the folder-name fallbacks live here, in one place;
docs/data-model.md describes them for people.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from analyzer.credits import parse_artist_credit, split_title_variant
from analyzer.tags import FileTags
from models.enums import ReleaseGroupType
from models.normalize import normalize, sort_name

VARIOUS_ARTISTS = "Various Artists"
UNKNOWN_ARTIST = "[unknown]"  # MusicBrainz's special-purpose artist for "no artist known"
FALLBACK_KEY = "tonearm:fallback"
"""track_tag_attributes key listing the fields taken from folder/file names ("title,artist,album")."""
TITLE_VALUE_ALIAS = "tag_value"
"""title_aliases kind of a title tag's second, third... value (the first is the title)."""
REPEAT_MARK = "#"
"""A tag key's second, third... value is kept as its own row under ``KEY#2``, ``KEY#3`` (the first under
``KEY``): several values are never glued into one string (issue 17)."""

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_LEADING_NUMBER = re.compile(r"^\s*(?:(\d{1,2})[-.](?=\d))?(\d{1,3})(?:\s*[-._)]\s*|\s+)(?=\S)")
_SECONDARY_TYPES: dict[str, ReleaseGroupType] = {
    "compilation": ReleaseGroupType.COMPILATION,
    "live": ReleaseGroupType.LIVE,
    "dj-mix": ReleaseGroupType.DJ_MIX,
    "mixtape/street": ReleaseGroupType.MIXTAPE,
    "mixtape": ReleaseGroupType.MIXTAPE,
    "remix": ReleaseGroupType.REMIX,
}
_PRIMARY_TYPES: dict[str, ReleaseGroupType] = {
    "album": ReleaseGroupType.ALBUM,
    "single": ReleaseGroupType.SINGLE,
    "ep": ReleaseGroupType.EP,
    "broadcast": ReleaseGroupType.OTHER,
    "other": ReleaseGroupType.OTHER,
}


class Credit(NamedTuple):
    """One artist on a track: ``mbid``/``sort_name`` only when the tags tie them to this very name;
    ``key`` is the normalized name (the artists row it points at)."""

    name: str
    role: str
    position: int
    join_phrase: str
    mbid: str | None
    sort_name: str | None
    key: str

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its class and a plain tuple, rebuilt by ``tuple.__new__`` (in C) instead of the
        ``__new__`` namedtuple writes in Python, without calling ``__getnewargs__``: records cross the read
        pool by the thousand (a file's outcome ~2 us less to pickle and unpickle)."""
        return (tuple.__new__, (type(self), tuple(self)))


def make_credit(
    name: str, role: str, position: int, join_phrase: str, mbid: str | None = None, sort: str | None = None
) -> Credit:
    return Credit(name, role, position, join_phrase, mbid, sort, normalize(name))


class TrackRecord(NamedTuple):
    """A track as the catalog stores it, decided from one file's tags (and its path where tags are missing).

    A named tuple, not a dataclass: records cross the process pool by the thousand, and tuples pickle and
    unpickle several times faster. The ``*_key`` fields are the normalized forms the writer looks rows up
    by, computed here in the worker so the single writer does not have to.
    """

    track_uid: str
    title: str
    duration_secs: float
    credits: tuple[Credit, ...]
    album: str | None
    album_artist: Credit | None
    group_type: ReleaseGroupType
    year: int | None
    release_date: str
    country: str | None
    media: str | None
    barcode: str | None
    disc_no: int
    track_no: int
    genres: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]  # (label, catalog number or '')
    title_aliases: tuple[tuple[str, str], ...]  # (alias, kind)
    track_ids: tuple[tuple[str, str], ...]  # external ids of the track: (scheme, value)
    release_ids: tuple[tuple[str, str], ...]
    group_ids: tuple[tuple[str, str], ...]
    attributes: tuple[tuple[str, str], ...]  # every raw tag key, repeated values joined
    fallback: tuple[str, ...]
    title_key: str  # normalize(title)
    album_key: str  # normalize(album), '' without an album
    genre_keys: tuple[str, ...]  # normalize() of each of ``genres``
    label_keys: tuple[str, ...]  # normalize() of each label name in ``labels``
    title_alias_keys: tuple[str, ...]  # normalize() of each alias in ``title_aliases``

    def __reduce__(self) -> tuple[Any, ...]:  # as Credit.__reduce__
        return (tuple.__new__, (type(self), tuple(self)))


def build_track_record(path: str, tags: FileTags, folders: tuple[str, ...] = ()) -> TrackRecord:
    """Decide a file's catalog record. ``folders`` are the folder names between the scan root and the file
    (outermost first): "Artist/Album/01 Title.ext" fills missing artist, album, track number and title."""
    fallback: list[str] = []
    title = (tags.title or "").strip()
    track_no = tags.tracknumber or 0
    disc_no = tags.discnumber or 0
    # The file and folder names are made display text only where a fallback needs them.
    if not title:
        title, number, disc = _title_from_stem(display_name(os.path.splitext(os.path.basename(path))[0]))
        fallback.append("title")
        if not track_no and number:
            track_no = number
            fallback.append("tracknumber")
        if not disc_no and disc:
            disc_no = disc
    artist = (tags.artist or "").strip()
    if not artist and not tags.artists:
        artist = display_name(folders[-2]) if len(folders) >= 2 else ""
        if artist:
            fallback.append("artist")
    album = (tags.album or "").strip() or None
    if album is None and folders:
        album = display_name(folders[-1])
        fallback.append("album")

    # A name that normalizes to nothing (blank, control characters) cannot be an artist row.
    credits = tuple([c for c in _track_credits(tags, artist, title) if c.key])
    album_artist = _album_artist(tags, credits) if album else None
    group_type = _group_type(tags, album_artist)
    uid_artist = album_artist.name if album_artist else (credits[0].name if credits else "")
    # A title tag with several values: the first is the title, the others are names it also goes by
    # (HyperRogue's files list earlier pieces' titles before their own), and all of them are identity.
    other_titles = (
        tuple(value for value in dict.fromkeys(v.strip() for v in tags.titles[1:]) if normalize(value))
        if tags.titles
        else ()
    )
    track_uid = make_track_uid(
        tags.musicbrainz_recordingid,
        uid_artist,
        album or "",
        disc_no,
        track_no,
        title,
        # only an untagged recording's uid hashes its artists
        artists=() if tags.musicbrainz_recordingid else [c.name for c in credits if c.role == "primary"],
        other_titles=other_titles,
    )
    attributes = _attributes(tags.raw)
    if fallback:
        attributes = (*attributes, (FALLBACK_KEY, ",".join(fallback)))
    genres = tuple(dict.fromkeys([g.strip() for g in tags.genre if g.strip()])) if tags.genre else ()
    labels = _labels(tags)
    title_aliases = _title_aliases(title, other_titles)
    return TrackRecord(
        track_uid=track_uid,
        title=title,
        duration_secs=max(0.0, tags.duration_secs or 0.0),
        credits=credits,
        album=album,
        album_artist=album_artist,
        group_type=group_type,
        year=tags.originalyear or tags.year,
        release_date=_release_date(tags),
        country=tags.releasecountry,
        media=tags.media,
        barcode=tags.barcode,
        disc_no=disc_no,
        track_no=track_no,
        genres=genres,
        labels=labels,
        title_aliases=title_aliases,
        track_ids=_track_external_ids(tags),
        release_ids=_pairs(
            ("release_mbid", tags.musicbrainz_albumid), ("barcode", tags.barcode), ("asin", tags.asin)
        ),
        group_ids=_pairs(("release_group_mbid", tags.musicbrainz_releasegroupid)),
        attributes=attributes,
        fallback=tuple(fallback),
        title_key=normalize(title),
        album_key=normalize(album),
        genre_keys=tuple(map(normalize, genres)),
        label_keys=tuple([normalize(name) for name, _ in labels]),
        title_alias_keys=tuple([normalize(alias) for alias, _ in title_aliases]),
    )


def make_track_uid(
    recording_mbid: str | None,
    album_artist: str,
    album: str,
    disc_no: int,
    track_no: int,
    title: str,
    *,
    artists: Sequence[str] = (),
    other_titles: Sequence[str] = (),
) -> str:
    """The *base* identity of a file's recording: ``mb:<recording MBID>`` when tagged; else ``h:`` + SHA-1
    of the normalized (album artist, album, disc, track, title with its further title values in file
    order, the recording's primary artists in any order), so a rescan and a second format of the same album give the same uid. Files with the same
    ``h:`` base are one track only when their lengths agree too (``analyzer.catalog.identity``)."""
    if recording_mbid:
        return f"mb:{recording_mbid.lower()}"
    recording_artists = "\x1e".join(sorted({normalize(name) for name in artists} - {""}))
    key = "\x1f".join(
        (
            normalize(album_artist),
            normalize(album),
            str(disc_no),
            str(track_no),
            "\x1e".join((normalize(title), *map(normalize, other_titles))),
            recording_artists,
        )
    )
    return "h:" + hashlib.sha1(key.encode("utf-8")).hexdigest()


def display_name(name: str) -> str:
    """A path part as text for a tag value: names that are not UTF-8 are read as Windows-1252, the
    likeliest legacy encoding of music file names (the path itself is stored byte-exact elsewhere)."""
    if name.isascii():
        return name  # the round trip below gives it back as it is
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def fallback_folders(path: str, roots: Sequence[str]) -> tuple[str, ...]:
    """The folder names between the library folder holding ``path`` and the file, as a scan of that folder
    passes them to :func:`build_track_record` (for re-reading a file outside a scan); without one, the
    last two folders, the only ones the fallback uses (artist/album)."""
    parent = os.path.dirname(path)
    for root in roots:
        if parent == root or parent.startswith(root.rstrip(os.sep) + os.sep):
            relative = os.path.relpath(parent, root)
            return () if relative == "." else tuple(relative.split(os.sep))
    parts = [part for part in parent.split(os.sep) if part]
    return tuple(parts[-2:])


def _title_from_stem(stem: str) -> tuple[str, int, int]:
    """ "01 Title" / "1-03 - Title" / "03. Title" -> (title, track, disc); a bare number stays the title."""
    match = _LEADING_NUMBER.match(stem)
    if match is None:
        return stem.strip() or stem, 0, 0
    disc = int(match.group(1)) if match.group(1) else 0
    return stem[match.end() :].strip(), int(match.group(2)), disc


def _track_credits(tags: FileTags, artist: str, title: str) -> tuple[Credit, ...]:
    parsed = parse_artist_credit(
        artist or " / ".join(tags.artists),
        tags.artists,
        title,
        artist_ids=tags.musicbrainz_artistid,
        remixers=tags.remixer,
    )
    primaries = [c for c in parsed if c.role == "primary"]
    ids = tags.musicbrainz_artistid
    named = [c for c in parsed if c.role in ("primary", "featuring")]
    ids_fit = len(ids) == len(named)
    # the tagged sort name belongs to the one primary artist, if there is exactly one
    sorted_one = primaries[0] if len(primaries) == 1 and tags.artistsort else None
    out: list[Credit] = []
    for c in parsed:
        mbid = ids[named.index(c)] if ids_fit and c.role in ("primary", "featuring") else None
        sort = tags.artistsort if c is sorted_one else None
        out.append(make_credit(c.name, c.role, c.position, c.join_phrase, mbid, sort))
    for position, composer in enumerate(tags.composer, start=len(out)):
        if composer.strip():
            out.append(make_credit(composer.strip(), "composer", position, ""))
    return tuple(out)


def _album_artist(tags: FileTags, credits: tuple[Credit, ...]) -> Credit:
    ids = tags.musicbrainz_albumartistid
    mbid = ids[0] if len(ids) == 1 else None
    name = (tags.albumartist or "").strip() or (tags.albumartists[0] if tags.albumartists else "")
    if not name and tags.compilation:
        name = VARIOUS_ARTISTS
    if normalize(name):
        return make_credit(name, "primary", 0, "", mbid, tags.albumartistsort)
    first = next((c for c in credits if c.role == "primary"), None)
    if first is None:
        return make_credit(UNKNOWN_ARTIST, "primary", 0, "")
    return first


def _group_type(tags: FileTags, album_artist: Credit | None) -> ReleaseGroupType:
    types = tags.releasetype
    for secondary in types[1:]:
        if secondary in _SECONDARY_TYPES:
            return _SECONDARY_TYPES[secondary]
    if tags.compilation or (album_artist and album_artist.key == "various artists"):
        return ReleaseGroupType.COMPILATION
    if types:
        return _SECONDARY_TYPES.get(types[0]) or _PRIMARY_TYPES.get(types[0], ReleaseGroupType.OTHER)
    return ReleaseGroupType.ALBUM


def _release_date(tags: FileTags) -> str:
    match = _DATE.match(tags.date or "")
    if match:
        return "-".join(filter(None, match.groups()))
    return str(tags.year) if tags.year else ""


def _labels(tags: FileTags) -> tuple[tuple[str, str], ...]:
    labels = [name.strip() for name in tags.label if name.strip()]
    numbers = [n.strip() for n in tags.catalognumber]
    if not labels:
        return ()
    if len(numbers) == len(labels):
        return tuple(zip(labels, numbers, strict=True))
    return tuple((name, numbers[0] if len(labels) == 1 and numbers else "") for name in labels)


def _title_aliases(title: str, other_titles: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    base, _variant, kind = split_title_variant(title)
    aliases: dict[str, tuple[str, str]] = {}
    if base and base != title:
        aliases[normalize(base)] = (base, kind or "credit")  # "credit": only a "(feat. X)" was removed
    own = normalize(title)
    for other in other_titles:
        key = normalize(other)
        if key != own and key not in aliases:
            aliases[key] = (other, TITLE_VALUE_ALIAS)
    return tuple(aliases.values())


def _track_external_ids(tags: FileTags) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str | None]] = [
        ("recording_mbid", tags.musicbrainz_recordingid),
        ("track_mbid", tags.musicbrainz_trackid),
        ("acoustid", tags.acoustid_id),
    ]
    if tags.isrc:
        pairs += [("isrc", isrc.strip().upper()) for isrc in tags.isrc]
    if tags.musicbrainz_workid:
        pairs += [("work_mbid", work) for work in tags.musicbrainz_workid]
    return _pairs(*pairs)


def _pairs(*pairs: tuple[str, str | None]) -> tuple[tuple[str, str], ...]:
    return tuple(
        dict.fromkeys([(scheme, value.strip()) for scheme, value in pairs if value and value.strip()])
    )


def _attributes(raw: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    # Keys merge case-insensitively: MariaDB's unique key on (track_id, key) compares them that way.
    spelled = [(_key_forms(key), value) for key, value in raw]
    if len({folded for (folded, _), _ in spelled}) == len(raw):  # usual: each key once, in file order
        return tuple([(key, value) for (_, key), value in spelled])
    merged: dict[str, list[str]] = {}  # folded key -> [key as first spelled, value, value...]
    for (fold, key), value in spelled:
        entry = merged.get(fold)
        if entry is None:
            merged[fold] = [key, value]
        else:
            entry.append(value)
    out = [(entry[0], entry[1]) for entry in merged.values()]
    taken = set(merged)
    for entry in merged.values():
        number = 1
        for value in entry[2:]:
            number += 1
            while repeated_key(entry[0], number).casefold() in taken:  # a real tag named like it
                number += 1
            key = repeated_key(entry[0], number)
            taken.add(key.casefold())
            out.append((key, value))
    return tuple(out)


@lru_cache(maxsize=4096)
def _key_forms(key: str) -> tuple[str, str]:
    """A raw tag key's case-folded form and its stored spelling (interned: pickled once per chunk). A
    library spells its keys a few hundred ways at most: remembered, not folded again for each file."""
    key = key.strip()
    return key.casefold()[:255], sys.intern(key[:255])


def repeated_key(key: str, number: int) -> str:
    """Where the ``number``-th value (2, 3...) of tag ``key`` is kept in track_tag_attributes."""
    mark = f"{REPEAT_MARK}{number}"
    return key[: 255 - len(mark)] + mark


def tag_key_of(stored: str) -> str:
    """The tag key a track_tag_attributes key stands for (``GENRE#2`` -> ``GENRE``)."""
    base, mark, number = stored.rpartition(REPEAT_MARK)
    return base if mark and base and number.isdigit() else stored


def sort_name_for(credit: Credit) -> str:
    """The tagged sort name when the tags tie one to this artist, else the "The X" -> "X, The" rule."""
    return credit.sort_name or sort_name(credit.name)
