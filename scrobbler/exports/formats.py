"""Choosing an export format: from ``--format`` or the file's extension, among what an export supports."""

from __future__ import annotations

from pathlib import Path

# Extension -> format name. ".lb.jsonl" names the ListenBrainz-import flavour of JSON Lines.
EXTENSIONS = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".png": "png",
    ".svg": "svg",
    ".m3u8": "m3u8",
    ".m3u": "m3u8",
    ".xspf": "xspf",
}


class ExportFormatError(ValueError):
    """The format cannot be chosen or is not offered by this export; one line for a person."""


def choose_format(path: Path | str, explicit: str | None, offered: tuple[str, ...]) -> str:
    """``explicit`` if given, else the extension's format (``*.lb.jsonl`` = ``listenbrainz``)."""
    name = Path(path).name.lower()
    chosen = explicit.lower() if explicit else None
    if chosen is None:
        chosen = "listenbrainz" if name.endswith(".lb.jsonl") else EXTENSIONS.get(Path(name).suffix)
    if chosen is None:
        raise ExportFormatError(f"cannot tell the format of {name!r}: use --format ({', '.join(offered)})")
    if chosen not in offered:
        raise ExportFormatError(f"this export writes {', '.join(offered)}, not {chosen!r}")
    return chosen
