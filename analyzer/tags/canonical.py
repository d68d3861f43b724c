"""One canonical tag vocabulary (Picard's internal names) and the normalization every format shares.

Each tag-family module maps its native keys to these names and feeds a :class:`TagCollector`; this module
turns the collected strings into typed :class:`FileTags` fields (numbers, MBIDs, flags) in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from analyzer.tags.record import FileTags

SINGLE_TEXT = frozenset(
    (
        "title", "titlesort", "artist", "artistsort", "albumartist", "albumartistsort", "album", "albumsort",
        "discsubtitle", "date", "originaldate", "barcode", "asin", "releasestatus", "releasecountry", "media",
        "script", "language", "comment",
    )
)  # fmt: skip
MULTI_TEXT = frozenset(
    (
        "artists",
        "albumartists",
        "genre",
        "composer",
        "remixer",
        "label",
        "catalognumber",
        "isrc",
        "releasetype",
    )
)
SINGLE_ID = frozenset(
    (
        "musicbrainz_recordingid", "musicbrainz_trackid", "musicbrainz_albumid",
        "musicbrainz_releasegroupid", "acoustid_id",
    )
)  # fmt: skip
MULTI_ID = frozenset(("musicbrainz_artistid", "musicbrainz_albumartistid", "musicbrainz_workid"))
NUMBERS = frozenset(("year", "originalyear", "tracknumber", "totaltracks", "discnumber", "totaldiscs", "bpm"))
CANONICAL_KEYS = SINGLE_TEXT | MULTI_TEXT | SINGLE_ID | MULTI_ID | NUMBERS | {"compilation"}

# Free-form key names, lower-cased, as written by Picard into Vorbis comments, APEv2 items, ID3 TXXX
# descriptions, iTunes "----:com.apple.iTunes:" atoms and ASF attributes ("/" read as " "), plus common
# spellings by other taggers (foobar2000, Mp3tag, beets). Source: Picard docs, appendix "Tag mapping".
# Quirk kept from Picard: the free-form "MusicBrainz Track Id"/MUSICBRAINZ_TRACKID holds the *recording*
# id; the release-track id is "MusicBrainz Release Track Id"/MUSICBRAINZ_RELEASETRACKID.
FREEFORM_KEYS: dict[str, str] = {
    **{key: key for key in CANONICAL_KEYS},
    "album artist": "albumartist",
    "album_artist": "albumartist",
    "album artists": "albumartists",
    "album artist sort": "albumartistsort",
    "year": "year",
    "original year": "originalyear",
    "original date": "originaldate",
    "origyear": "originalyear",
    "track": "tracknumber",
    "tracktotal": "totaltracks",
    "disc": "discnumber",
    "disctotal": "totaldiscs",
    "mixartist": "remixer",
    "organization": "label",
    "publisher": "label",
    "catalog #": "catalognumber",
    "upc": "barcode",
    "description": "comment",
    "musicbrainz_trackid": "musicbrainz_recordingid",
    "musicbrainz track id": "musicbrainz_recordingid",
    "musicbrainz_releasetrackid": "musicbrainz_trackid",
    "musicbrainz release track id": "musicbrainz_trackid",
    "musicbrainz album id": "musicbrainz_albumid",
    "musicbrainz release group id": "musicbrainz_releasegroupid",
    "musicbrainz artist id": "musicbrainz_artistid",
    "musicbrainz album artist id": "musicbrainz_albumartistid",
    "musicbrainz work id": "musicbrainz_workid",
    "musicbrainz_albumtype": "releasetype",
    "musicbrainz album type": "releasetype",
    "musicbrainz_albumstatus": "releasestatus",
    "musicbrainz album status": "releasestatus",
    "musicbrainz album release country": "releasecountry",
    "acoustid id": "acoustid_id",
}

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_LEADING_INT = re.compile(r"\s*0*(\d{1,9})")
_YEAR = re.compile(r"\s*(\d{4})")
_NUMBER_PAIR = re.compile(r"\s*(\d{1,9})?\s*(?:/|\bof\b)\s*(\d{1,9})")
_TRUE = frozenset(("1", "true", "yes", "y", "on"))
MULTI_VALUE_JOIN = "; "
"""How several ARTIST values (with no ARTISTS tag) are joined into the single display string."""


@dataclass(slots=True)
class StreamProperties:
    """What the container says about the audio, before any tag is looked at.

    Made once a file and only read (into :class:`FileTags`): not frozen, as a frozen dataclass's
    ``__init__`` sets each field through ``object.__setattr__`` (1.4 us against 0.5)."""

    format: str
    codec: str
    duration_secs: float
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    bits_per_sample: int | None
    lossless: bool


class TagCollector:
    """Gathers canonical values and raw native pairs while a family module walks one file's tags."""

    __slots__ = ("raw", "values")

    def __init__(self) -> None:
        self.values: dict[str, list[str]] = {}
        self.raw: list[tuple[str, str]] = []

    def add(self, key: str, value: str) -> None:
        """Record a canonical value; blank values carry no information and are dropped."""
        value = value.strip()
        if value:
            bucket = self.values.get(key)
            if bucket is None:
                self.values[key] = [value]
            else:
                bucket.append(value)

    def add_raw(self, key: str, value: str) -> None:
        self.raw.append((key, value))

    def add_freeform(self, name: str, value: str) -> None:
        """Map a free-form native name (any case; ASF-style "A/B" allowed) to its canonical key, if known."""
        key = freeform_key(name)
        if key is not None:
            self.add(key, value)


@lru_cache(maxsize=4096)
def freeform_key(name: str) -> str | None:
    """The canonical key of a free-form native name (any case; ASF-style "A/B" allowed), None if unknown.
    Remembered per spelling: a library spells its free-form names a few hundred ways at most."""
    return FREEFORM_KEYS.get(name.lower().replace("/", " "))


def build_file_tags(stream: StreamProperties, collected: TagCollector) -> FileTags:
    """Turn collected strings into the typed record; the first value wins for single-valued fields."""
    values = collected.values
    fields: dict[str, object] = {}
    kinds = _KINDS
    for key, found in values.items():
        kind = kinds.get(key)
        if kind is _SINGLE_TEXT:
            fields[key] = found[0]
        elif kind is _MULTI_TEXT:
            fields[key] = _multi(key, found)
        elif kind is _SINGLE_ID:
            ids = _ids(found)
            if ids:
                fields[key] = ids[0]
        elif kind is _MULTI_ID:
            fields[key] = _ids(found)
    _number_pair(values, "tracknumber", "totaltracks", fields)
    _number_pair(values, "discnumber", "totaldiscs", fields)
    fields["year"] = _year(values.get("date"), values.get("year"))
    fields["originalyear"] = _year(values.get("originaldate"), values.get("originalyear"))
    if "date" not in fields and "year" in values:
        fields["date"] = values["year"][0]
    bpm = values.get("bpm")
    fields["bpm"] = _bpm(bpm) if bpm else None
    fields["compilation"] = bool(values.get("compilation")) and values["compilation"][0].lower() in _TRUE
    found_titles = values.get("title")
    if found_titles and len(found_titles) > 1:
        titles = tuple(dict.fromkeys(found_titles))
        if len(titles) > 1:
            fields["titles"] = titles
    for single_key, multi_key in _REPEATABLE_ARTISTS:
        if len(values.get(single_key, ())) > 1:
            _artists_from_repeated_artist(values, single_key, multi_key, fields)
    return FileTags(
        format=stream.format,
        codec=stream.codec,
        duration_secs=stream.duration_secs,
        bitrate=stream.bitrate,
        sample_rate=stream.sample_rate,
        channels=stream.channels,
        bits_per_sample=stream.bits_per_sample,
        lossless=stream.lossless,
        raw=tuple(collected.raw),
        **fields,  # type: ignore[arg-type]
    )


_SINGLE_TEXT, _MULTI_TEXT, _SINGLE_ID, _MULTI_ID = "single text", "multi text", "single id", "multi id"
_KINDS: dict[str, str] = {
    **dict.fromkeys(SINGLE_TEXT, _SINGLE_TEXT),
    **dict.fromkeys(MULTI_TEXT, _MULTI_TEXT),
    **dict.fromkeys(SINGLE_ID, _SINGLE_ID),
    **dict.fromkeys(MULTI_ID, _MULTI_ID),
}
"""Which of the four value shapes a canonical key takes (numbers and the compilation flag: none here)."""
_REPEATABLE_ARTISTS = (("artist", "artists"), ("albumartist", "albumartists"))


def _multi(key: str, found: list[str]) -> tuple[str, ...]:
    if key == "genre" or key == "releasetype":
        # Taggers that cannot write repeated fields join genres with ";" (foobar2000, Mp3tag).
        found = [part.strip() for value in found for part in value.split(";")]
    if key == "releasetype":
        found = [value.lower() for value in found]
    if len(found) == 1:  # the usual single value: what the line below gives, without its generator
        return (found[0],) if found[0] else ()
    return tuple(dict.fromkeys(value for value in found if value))


def _ids(found: list[str]) -> tuple[str, ...]:
    # Multi-valued ids arrive as repeated fields, or joined with "/" (ID3v2.3, Picard's default) or ";".
    # Anything that is not a UUID is left in ``raw`` only.
    if len(found) == 1:
        matches = _UUID.findall(found[0])
        if len(matches) == 1:  # the usual single id: what the line below gives, without its generator
            return (matches[0].lower(),)
    return tuple(dict.fromkeys(match.lower() for value in found for match in _UUID.findall(value)))


def _leading_int(value: str) -> int | None:
    """``_LEADING_INT``'s number: at most 9 digits after leading zeros and spaces, None without one."""
    if len(value) <= 9 and value.isascii() and value.isdigit():
        return int(value)  # what the pattern gives for plain digits, without running it
    single = _LEADING_INT.match(value)
    return int(single.group(1)) if single else None


def _number_pair(
    values: dict[str, list[str]], number_key: str, total_key: str, fields: dict[str, object]
) -> None:
    number = total = None
    for value in values.get(number_key, ()):
        if len(value) <= 9 and value.isascii() and value.isdigit():
            number = int(value)  # neither "/" nor "of": no pair, the plain number
            break
        pair = _NUMBER_PAIR.match(value)
        if pair:
            number = int(pair.group(1)) if pair.group(1) else None
            total = int(pair.group(2))
        else:
            number = _leading_int(value)
        break
    for value in values.get(total_key, ()):
        single = _leading_int(value)
        if single is not None:
            total = single
            break
    fields[number_key] = number or None  # 0 means "unknown" in MP4/ASF number atoms
    fields[total_key] = total or None


def _year(dates: list[str] | None, years: list[str] | None) -> int | None:
    for value in (*(dates or ()), *(years or ())):
        head = value[:4]
        if len(head) == 4 and head.isascii() and head.isdigit():
            if head != "0000":  # what _YEAR matches when the value starts with four digits
                return int(head)
            continue
        match = _YEAR.match(value)
        if match and match.group(1) != "0000":
            return int(match.group(1))
    return None


def _bpm(found: list[str] | None) -> int | None:
    for value in found or ():
        try:
            bpm = round(float(value.replace(",", ".")))
        except ValueError:
            continue
        return bpm if bpm > 0 else None
    return None


def _artists_from_repeated_artist(
    values: dict[str, list[str]], single_key: str, multi_key: str, fields: dict[str, object]
) -> None:
    # Several ARTIST values and no ARTISTS tag (some taggers write Vorbis/ID3v2.4 that way): the values are
    # the artists, and the display string joins them.
    found = values.get(single_key, [])
    if len(found) > 1:
        fields[single_key] = MULTI_VALUE_JOIN.join(found)
        if multi_key not in values:
            fields[multi_key] = tuple(dict.fromkeys(found))
