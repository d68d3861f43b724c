"""Registry of listen importers: one module per source format, each a pure parser.

Every importer module exposes ``NAME``, ``DESCRIPTION``, ``sniff(path) -> bool`` (content-based: it looks
at the first bytes/records, the file name only breaks ties) and ``parse(path, options) -> Iterator[Row]``
(streaming, constant memory, no database, no printing). Sniffers are written to be mutually exclusive;
:func:`detect` asks them in a fixed order anyway so the answer is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from scrobbler.importers import (
    lastfm_api,
    lastfm_backup,
    lastfm_csv,
    librefm_csv,
    listenbrainz_api,
    listenbrainz_export,
    listenbrainz_legacy,
    maloja,
    scrobbler_log,
    spotify_account,
    spotify_extended,
)
from scrobbler.importers.rules import ImportOptions
from scrobbler.records import Row

__all__ = ["ImportOptions", "Importer", "all_importers", "detect", "get"]


class Importer(Protocol):
    """What every importer module provides (modules satisfy this protocol structurally)."""

    NAME: str
    DESCRIPTION: str

    def sniff(self, path: Path) -> bool: ...

    def parse(self, path: Path, options: ImportOptions | None = None) -> Iterator[Row]: ...


# Most specific first: formats with a unique header or top-level key, then arrays told apart by their
# element keys, then the line formats.
_IMPORTERS: tuple[Importer, ...] = (
    scrobbler_log,
    maloja,
    lastfm_api,
    lastfm_backup,
    listenbrainz_api,
    spotify_extended,
    spotify_account,
    listenbrainz_legacy,
    listenbrainz_export,
    lastfm_csv,
    librefm_csv,
)
_BY_NAME: dict[str, Importer] = {importer.NAME: importer for importer in _IMPORTERS}


def all_importers() -> tuple[Importer, ...]:
    """Every registered importer, in detection order."""
    return _IMPORTERS


def get(name: str) -> Importer:
    """The importer called ``name``; KeyError names the known ones."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown importer {name!r}; known: {', '.join(sorted(_BY_NAME))}") from None


def detect(path: Path | str) -> Importer | None:
    """The importer whose sniffer recognises the file's content, or None (also for empty files)."""
    path = Path(path)
    if not path.is_file():
        return None
    for importer in _IMPORTERS:
        if importer.sniff(path):
            return importer
    return None
