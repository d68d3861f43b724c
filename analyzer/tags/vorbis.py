"""Vorbis comments (FLAC, Ogg Vorbis, Opus, Ogg FLAC, Speex) mapped to the canonical vocabulary.

Vorbis field names are case-insensitive free text and repeat for multiple values, so the shared
free-form table covers them (Picard writes e.g. ARTISTS, MUSICBRAINZ_ARTISTID, RELEASETYPE, TRACKTOTAL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from analyzer.tags.canonical import TagCollector, freeform_key

# Pictures travel base64-encoded inside the comment (Xiph wiki, "VorbisComment", METADATA_BLOCK_PICTURE);
# COVERART is the older unofficial spelling.
_PICTURE_FIELDS = frozenset(("metadata_block_picture", "coverart"))


def read_vorbis_comment(
    tags: Iterable[tuple[str, str]] | None, into: TagCollector, picture_chars: Sequence[int] = ()
) -> None:
    """Collect canonical values and raw pairs from a Vorbis comment block (None when there is none).

    ``picture_chars``: the real length of each picture comment's value, in order, when the comment was
    read with shortened pictures (analyzer.tags._opus_fast)."""
    if tags is None:
        return
    chars = iter(picture_chars)
    raw = into.raw
    add = into.add
    for name, value in tags:
        key = _field_key(name)
        if key == _PICTURE:
            length = next(chars, None)
            raw.append((name, f"<picture base64, {len(value) if length is None else length:,} chars>"))
            continue
        raw.append((name, value))
        if key is not None:
            add(key, value)


_PICTURE = "<picture>"


@lru_cache(maxsize=4096)
def _field_key(name: str) -> str | None:
    """``_PICTURE`` for a picture field, else the field's canonical key (None if it has none)."""
    lower = name.lower()
    return _PICTURE if lower in _PICTURE_FIELDS else freeform_key(lower)


def read_flac_pictures(pictures: Iterable[Any], into: TagCollector) -> None:
    """FLAC keeps pictures in PICTURE metadata blocks beside the comment; summarize them into ``raw``.

    A picture read without its image (analyzer.tags._flac_fast) gives the image's real size as ``size``."""
    for picture in pictures:
        size = getattr(picture, "size", None)
        size = len(picture.data) if size is None else size
        into.add_raw(
            "METADATA_BLOCK_PICTURE",
            f"<picture {picture.mime or 'unknown'}, {size:,} bytes, type {int(picture.type)}>",
        )
