"""The typed result of reading one audio file, and the one error type a reader raises.

Both cross process boundaries (the scanner reads tags in a process pool), so both pickle cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ErrorKind = Literal["truncated", "not_audio", "unsupported", "permission_denied", "corrupt", "empty"]

ERROR_KINDS: frozenset[str] = frozenset(
    ("truncated", "not_audio", "unsupported", "permission_denied", "corrupt", "empty")
)


class TagReadError(Exception):
    """A file whose tags cannot be read: a ``kind`` a program branches on, a ``reason`` a person reads.

    ``str(err)`` is the reason, which always starts with the kind ("truncated: ...").
    """

    def __init__(self, kind: ErrorKind, reason: str) -> None:
        if not reason.startswith(kind):
            reason = f"{kind}: {reason}"
        super().__init__(reason)
        self.kind: ErrorKind = kind
        self.reason = reason

    def __reduce__(self) -> tuple[type[TagReadError], tuple[ErrorKind, str]]:
        # Exceptions pickle their args, not their attributes; keep kind across the process pool.
        return (type(self), (self.kind, self.reason))


@dataclass(frozen=True, slots=True)
class FileTags:
    """Stream properties plus every tag a catalog needs, in Picard's canonical vocabulary.

    Field names are Picard's internal tag names. Multi-valued fields are tuples (possibly empty); single
    fields are None when absent. Nothing is lost: ``raw`` holds every native key/value as text, one pair
    per value, in file order (binary values such as pictures are summarized, e.g. "<picture image/jpeg,
    3,412 bytes>").
    """

    format: str
    """Container + codec family: mp3, mp2, flac, ogg_vorbis, opus, ogg_flac, speex, m4a_aac, m4a_alac, m4a,
    wav, aiff, wma, ape, wavpack, musepack, tta, dsf."""
    codec: str
    duration_secs: float
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    bits_per_sample: int | None
    lossless: bool

    title: str | None = None
    titles: tuple[str, ...] = ()
    """Every TITLE value in file order when the file holds several (``title`` is the first, the display
    value); empty for the usual single title. Never joined: each value is a name the recording goes by."""
    titlesort: str | None = None
    artist: str | None = None
    artists: tuple[str, ...] = ()
    artistsort: str | None = None
    albumartist: str | None = None
    albumartists: tuple[str, ...] = ()
    albumartistsort: str | None = None
    album: str | None = None
    albumsort: str | None = None
    discsubtitle: str | None = None
    date: str | None = None
    originaldate: str | None = None
    year: int | None = None
    originalyear: int | None = None
    tracknumber: int | None = None
    totaltracks: int | None = None
    discnumber: int | None = None
    totaldiscs: int | None = None
    genre: tuple[str, ...] = ()
    composer: tuple[str, ...] = ()
    remixer: tuple[str, ...] = ()
    label: tuple[str, ...] = ()
    catalognumber: tuple[str, ...] = ()
    barcode: str | None = None
    isrc: tuple[str, ...] = ()
    asin: str | None = None
    releasetype: tuple[str, ...] = ()
    """MusicBrainz primary type first, then secondary types ("album", "live"), lower-cased."""
    releasestatus: str | None = None
    releasecountry: str | None = None
    media: str | None = None
    script: str | None = None
    language: str | None = None
    compilation: bool = False
    bpm: int | None = None
    comment: str | None = None
    musicbrainz_recordingid: str | None = None
    musicbrainz_trackid: str | None = None
    musicbrainz_albumid: str | None = None
    musicbrainz_releasegroupid: str | None = None
    musicbrainz_workid: tuple[str, ...] = ()
    musicbrainz_artistid: tuple[str, ...] = ()
    musicbrainz_albumartistid: tuple[str, ...] = ()
    acoustid_id: str | None = None
    raw: tuple[tuple[str, str], ...] = ()
