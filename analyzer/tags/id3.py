"""ID3v2 frames (MP3, and ID3 chunks in WAV, AIFF, DSF, TTA) mapped to the canonical vocabulary.

Mapping per Picard's tag-mapping table for ID3v2.4; mutagen upgrades v2.3 frames on load (TYER+TDAT ->
TDRC, TORY -> TDOR), so one table serves both versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mutagen.id3 import ID3

from analyzer.tags.canonical import TagCollector, freeform_key

FRAME_KEYS: dict[str, str] = {
    "TIT2": "title",
    "TSOT": "titlesort",
    "TPE1": "artist",
    "TSOP": "artistsort",
    "TPE2": "albumartist",
    "TSO2": "albumartistsort",
    "TALB": "album",
    "TSOA": "albumsort",
    "TSST": "discsubtitle",
    "TDRC": "date",
    "TDOR": "originaldate",
    "TRCK": "tracknumber",
    "TPOS": "discnumber",
    "TCOM": "composer",
    "TPE4": "remixer",
    "TPUB": "label",
    "TSRC": "isrc",
    "TMED": "media",
    "TLAN": "language",
    "TCMP": "compilation",
    "TBPM": "bpm",
}
MUSICBRAINZ_UFID_OWNER = "http://musicbrainz.org"
"""Picard stores the recording MBID in a UFID frame owned by this URL, not in TXXX."""


def read_id3(tags: ID3 | None, into: TagCollector, picture_sizes: Sequence[int] = ()) -> None:
    """Collect canonical values and raw pairs from an ID3v2 tag (None when the file has no tag).

    ``picture_sizes``: the real size of each APIC frame's picture, in frame order, when the tag was read
    without the pictures' bytes (analyzer.tags._mpeg_fast)."""
    if tags is None:
        return
    sizes = iter(picture_sizes)
    raw = into.raw
    add = into.add
    for frame in tags.values():
        frame_id: str = frame.FrameID
        key: str = frame.HashKey
        if frame_id not in _OWN_RULES:
            canonical = FRAME_KEYS.get(frame_id)
            text = getattr(frame, "text", None)
            # text frames inline (what _frame_texts gives them), the rest through _frame_texts
            texts = list(map(str, text)) if type(text) is list else _frame_texts(frame)
            for text in texts:
                raw.append((key, text))
            if canonical is not None:
                for text in texts:
                    add(canonical, text)
        elif frame_id == "TXXX":
            canonical = freeform_key(frame.desc)
            for text in frame.text:
                raw.append((key, text))
                if canonical is not None:
                    add(canonical, text)
        elif frame_id == "TCON":
            # .genres resolves ID3v1 numeric references such as "(17)" and "17" to "Rock".
            for text in frame.text:
                raw.append((key, text))
            for genre in frame.genres:
                add("genre", genre)
        elif frame_id == "COMM":
            for text in frame.text:
                raw.append((key, text))
                if not frame.desc:  # iTunes keeps iTunNORM/iTunSMPB blobs in described COMM frames
                    add("comment", text)
        elif frame_id == "UFID":
            value = _ufid_text(frame.data)
            raw.append((key, value))
            if frame.owner == MUSICBRAINZ_UFID_OWNER:
                add("musicbrainz_recordingid", value)
        else:  # APIC
            size = next(sizes, None)
            raw.append((key, _picture_text(frame, len(frame.data) if size is None else size)))
    if tags.version < (2, 4, 0):
        _split_v23_joined_artists(into)


_OWN_RULES = frozenset(("TXXX", "TCON", "COMM", "UFID", "APIC"))
"""Frames read by a rule of their own; every other frame gives its texts (``_frame_texts``)."""


def _frame_texts(frame: Any) -> list[str]:
    text = getattr(frame, "text", None)
    if text is not None:
        return [text] if isinstance(text, str) else list(map(str, text))
    frame_id = frame.FrameID
    if frame_id == "APIC":
        return [_picture_text(frame, len(frame.data))]
    url = getattr(frame, "url", None)
    if url is not None:
        return [str(url)]
    if frame_id == "POPM":
        return [f"{frame.email} rating={frame.rating} count={getattr(frame, 'count', 0)}"]
    data = getattr(frame, "data", None)
    if isinstance(data, bytes):
        return [f"<{frame_id} binary, {len(data):,} bytes>"]
    return [f"<{frame_id} frame>"]


def _picture_text(frame: Any, size: int) -> str:
    return f"<picture {frame.mime or 'unknown'}, {size:,} bytes, type {int(frame.type)}>"


def _ufid_text(data: bytes) -> str:
    text = data.decode("latin-1")
    return text if text.isprintable() else f"<UFID binary, {len(data):,} bytes>"


def _split_v23_joined_artists(into: TagCollector) -> None:
    # ID3v2.3 has no multi-value separator, so Picard joins ARTISTS with "/" by default
    # (option "id3v23_join_with"). Splitting on "/" would break "AC/DC", so split only when the
    # MusicBrainz artist ids, which cannot contain "/", count exactly as many parts.
    for names_key, ids_key in (
        ("artists", "musicbrainz_artistid"),
        ("albumartists", "musicbrainz_albumartistid"),
    ):
        names = into.values.get(names_key)
        ids = into.values.get(ids_key)
        if not names or not ids or len(names) != 1 or "/" not in names[0]:
            continue
        parts = [part.strip() for part in names[0].split("/")]
        id_count = sum(len(value.split("/")) for value in ids)
        if len(parts) == id_count and all(parts):
            into.values[names_key] = parts
