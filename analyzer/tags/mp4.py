"""iTunes-style MP4 metadata atoms (M4A with AAC or ALAC) mapped to the canonical vocabulary.

Well-known atoms follow Picard's mapping; everything MusicBrainz-specific lives in free-form
"----:com.apple.iTunes:<name>" atoms whose names the shared free-form table knows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from mutagen.mp4 import AtomDataType, MP4Cover, MP4FreeForm

from analyzer.tags.canonical import TagCollector, freeform_key

ATOM_KEYS: dict[str, str] = {
    "\xa9nam": "title",
    "sonm": "titlesort",
    "\xa9ART": "artist",
    "soar": "artistsort",
    "aART": "albumartist",
    "soaa": "albumartistsort",
    "\xa9alb": "album",
    "soal": "albumsort",
    "\xa9day": "date",
    "\xa9gen": "genre",  # mutagen also turns the numeric "gnre" atom into this
    "\xa9wrt": "composer",
    "\xa9cmt": "comment",
    "cpil": "compilation",
    "tmpo": "bpm",
}
ITUNES_FREEFORM = "----:com.apple.iTunes:"
_TEXT_FORMATS = (AtomDataType.UTF8, AtomDataType.IMPLICIT, AtomDataType.ISRC, AtomDataType.UPC)


def read_mp4(tags: Any, into: TagCollector, cover_sizes: Sequence[int] = ()) -> None:
    """Collect canonical values and raw pairs from an MP4 ``ilst`` (None when there is none).

    ``cover_sizes``: the real size of each ``covr`` picture, in order, when the tags were read with
    shortened pictures (analyzer.tags._mp4_fast)."""
    if tags is None:
        return
    sizes = iter(cover_sizes)
    raw = into.raw
    add = into.add
    for atom, values in tags.items():
        if not isinstance(values, list):
            values = [values]  # mutagen gives "cpil" (and other flag atoms) as a bare bool
        if atom in _NUMBER_ATOMS:
            number_key, total_key = _NUMBER_ATOMS[atom]
            for number, total in values:
                raw.append((atom, f"{number}/{total}"))
                add(number_key, str(number))
                add(total_key, str(total))
            continue
        canonical = _atom_key(atom)
        for value in values:
            if type(value) is str:  # most atoms: what _atom_text gives a str, without the type checks
                text, is_text = value, True
            else:
                text, is_text = _atom_text(value, sizes)
            raw.append((atom, text))
            if is_text and canonical is not None:  # a binary summary is never a tag value
                add(canonical, text)


_NUMBER_ATOMS = {"trkn": ("tracknumber", "totaltracks"), "disk": ("discnumber", "totaldiscs")}


@lru_cache(maxsize=4096)
def _atom_key(atom: str) -> str | None:
    """The canonical key of an atom: its own (``ATOM_KEYS``), or its free-form name's, or None."""
    canonical = ATOM_KEYS.get(atom)
    if canonical is None and atom.startswith(ITUNES_FREEFORM):
        return freeform_key(atom[len(ITUNES_FREEFORM) :])
    return canonical


def _atom_text(value: Any, cover_sizes: Iterator[int]) -> tuple[str, bool]:
    """The value as text, and whether it is a real text value rather than a binary summary."""
    if isinstance(value, MP4Cover):
        kind = "png" if value.imageformat == MP4Cover.FORMAT_PNG else "jpeg"
        size = next(cover_sizes, None)
        return f"<picture image/{kind}, {len(value) if size is None else size:,} bytes>", False
    if isinstance(value, MP4FreeForm):
        if value.dataformat in _TEXT_FORMATS:
            return bytes(value).decode("utf-8", "replace"), True
        if value.dataformat == AtomDataType.UTF16:
            return bytes(value).decode("utf-16-be", "replace"), True
        return f"<binary, {len(value):,} bytes>", False
    if isinstance(value, bool):
        return ("1" if value else "0"), True
    if isinstance(value, bytes):
        return f"<binary, {len(value):,} bytes>", False
    return str(value), True
