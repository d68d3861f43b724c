"""Copy the tags of one file onto an untagged copy of the same recording (issue 17).

Once fingerprints show that a file without tags is a copy of a tagged recording, the catalog already shows
it as one of that recording's files; this offers to make the file itself say so, the way a person would in
Picard: the common fields are copied through mutagen's "easy" interfaces, which name the same fields the
same way in ID3, MP4 and Vorbis comments, so a FLAC's tags can go onto an MP3 or an M4A.

The write never damages the target: the tags are written into a copy next to it, which then replaces the
target in one rename (a crash leaves the old file, or the new one, never half of each).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.tags.reader import read_tags
from analyzer.tags.record import TagReadError

# The fields a copy of a recording shares with it, in mutagen's easy names. Per-file facts (encoder,
# ReplayGain, lengths) stay as they are, and so do pictures (not an easy field).
COPIED_FIELDS = (
    "title",
    "artist",
    "artists",
    "album",
    "albumartist",
    "date",
    "originaldate",
    "tracknumber",
    "discnumber",
    "genre",
    "composer",
    "isrc",
    "musicbrainz_trackid",  # the recording id in Picard's mapping
    "musicbrainz_albumid",
    "musicbrainz_artistid",
    "musicbrainz_albumartistid",
    "musicbrainz_releasegroupid",
    "musicbrainz_releasetrackid",
)


class TagCopyError(Exception):
    """The copy cannot be made; the message says why in words a user can act on."""


@dataclass(frozen=True)
class CopiedTags:
    source: str
    target: str
    fields: tuple[str, ...]  # the easy field names written


def has_own_tags(path: str | os.PathLike[str]) -> bool:
    """Whether the file names its recording itself (a title tag); False when it cannot be read."""
    try:
        return bool(read_tags(path).title)
    except TagReadError:
        return False


def copy_tags(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> CopiedTags:
    """Write ``source``'s recording tags (:data:`COPIED_FIELDS`) into ``target``; existing values of those
    fields in the target are replaced, its other tags are kept. Raises :class:`TagCopyError`."""
    source_path, target_path = Path(source), Path(target)
    values = _easy_values(source_path)
    if not values.get("title"):
        raise TagCopyError(f"{source_path.name} has no title tag to copy")
    folder = target_path.parent
    try:
        handle, temporary = tempfile.mkstemp(prefix=".tonearm-tags-", suffix=target_path.suffix, dir=folder)
    except OSError as exc:
        raise TagCopyError(f"cannot write next to {target_path.name}: {exc.strerror or exc}") from None
    os.close(handle)
    try:
        shutil.copy2(target_path, temporary)
        written = _write_easy(Path(temporary), values, target_path.name)
        with open(temporary, "rb") as f:
            os.fsync(f.fileno())
        os.replace(temporary, target_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return CopiedTags(str(source_path), str(target_path), written)


def _easy_values(path: Path) -> dict[str, list[str]]:
    audio = _open_easy(path)
    values: dict[str, list[str]] = {}
    for key in COPIED_FIELDS:
        try:
            found = audio.get(key) if audio.tags is not None else None
        except (KeyError, ValueError):
            found = None
        if found:
            values[key] = [str(value) for value in found if str(value).strip()]
    return {key: value for key, value in values.items() if value}


def _write_easy(path: Path, values: dict[str, list[str]], shown_name: str) -> tuple[str, ...]:
    audio = _open_easy(path, shown_name)
    if audio.tags is None:
        try:
            audio.add_tags()
        except Exception as exc:  # mutagen raises its own error types per format
            raise TagCopyError(f"cannot add tags to {shown_name}: {exc}") from None
    written: list[str] = []
    for key, value in values.items():
        try:
            audio[key] = value
        except (KeyError, ValueError, TypeError):
            continue  # a field this format's easy interface does not know (e.g. artists in MP4)
        written.append(key)
    if "title" not in written:
        raise TagCopyError(f"{shown_name}: Tonearm cannot write this format's tags")
    try:
        audio.save()
    except Exception as exc:
        raise TagCopyError(f"cannot save tags into {shown_name}: {exc}") from None
    return tuple(written)


def _open_easy(path: Path, shown_name: str | None = None) -> Any:
    import mutagen

    name = shown_name or path.name
    try:
        audio = mutagen.File(path, easy=True)
    except (mutagen.MutagenError, OSError) as exc:
        raise TagCopyError(f"cannot read {name}: {exc}") from None
    if audio is None:
        raise TagCopyError(f"{name} is not an audio format whose tags Tonearm can write")
    if not hasattr(audio, "tags"):
        raise TagCopyError(f"{name}: writing tags to this format is not supported")
    return audio
