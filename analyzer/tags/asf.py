"""ASF attributes (WMA) mapped to the canonical vocabulary.

Names follow Picard's ASF table (WM/* attributes, "Author" for the artist, "MusicBrainz/..." and
"Acoustid/..." for identifiers); values are typed (Unicode, DWORD, bool, bytes) and read as text.
"""

from __future__ import annotations

import struct
from typing import Any

from mutagen.asf import ASFByteArrayAttribute

from analyzer.tags.canonical import TagCollector

ATTRIBUTE_KEYS: dict[str, str] = {
    "Title": "title",
    "WM/TitleSortOrder": "titlesort",
    "Author": "artist",
    "WM/ArtistSortOrder": "artistsort",
    "WM/ARTISTS": "artists",
    "WM/AlbumArtist": "albumartist",
    "WM/AlbumArtistSortOrder": "albumartistsort",
    "WM/AlbumTitle": "album",
    "WM/AlbumSortOrder": "albumsort",
    "WM/SetSubTitle": "discsubtitle",
    "WM/Year": "date",
    "WM/OriginalReleaseTime": "originaldate",
    "WM/OriginalReleaseYear": "originalyear",
    "WM/TrackNumber": "tracknumber",
    "WM/PartOfSet": "discnumber",
    "WM/Genre": "genre",
    "WM/Composer": "composer",
    "WM/ModifiedBy": "remixer",
    "WM/Publisher": "label",
    "WM/CatalogNo": "catalognumber",
    "WM/Barcode": "barcode",
    "WM/ISRC": "isrc",
    "WM/Media": "media",
    "WM/Script": "script",
    "WM/Language": "language",
    "WM/IsCompilation": "compilation",
    "WM/BeatsPerMinute": "bpm",
    "Description": "comment",
    "ASIN": "asin",
}


def read_asf(tags: Any, into: TagCollector) -> None:
    """Collect canonical values and raw pairs from ASF content-description and extended attributes."""
    if tags is None:
        return
    for name, value in tags:  # ASFTags is a list of (name, attribute) pairs, repeated names included
        if isinstance(value, ASFByteArrayAttribute):
            into.add_raw(name, _binary_summary(name, bytes(value.value or b"")))
            continue
        text = str(value.value) if not isinstance(value.value, bool) else ("1" if value.value else "0")
        into.add_raw(name, text)
        canonical = ATTRIBUTE_KEYS.get(name)
        if canonical is not None:
            into.add(canonical, text)
        elif not name.startswith("WM/"):
            into.add_freeform(name, text)  # "MusicBrainz/Artist Id", "Acoustid/Id", ...


def _binary_summary(name: str, data: bytes) -> str:
    if name == "WM/Picture" and len(data) >= 5:
        # WM/Picture: picture type (1 byte), data length (LE uint32), UTF-16 MIME, description, data.
        picture_type, length = struct.unpack_from("<bI", data)
        end = data.find(b"\0\0", 5)
        while end != -1 and (end - 5) % 2:
            end = data.find(b"\0\0", end + 1)
        mime = data[5:end].decode("utf-16-le", "replace") if end != -1 else "unknown"
        return f"<picture {mime or 'unknown'}, {length:,} bytes, type {picture_type}>"
    return f"<binary, {len(data):,} bytes>"
