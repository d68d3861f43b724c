"""APEv2 items (Monkey's Audio, WavPack, Musepack) mapped to the canonical vocabulary.

APEv2 keys are case-insensitive free text; Picard writes mostly lower-cased canonical names plus a few
specials ("Album Artist", "MixArtist", "Track" as "n/m", "Year" for the date), all in the free-form table.
"""

from __future__ import annotations

from typing import Any

from mutagen.apev2 import BINARY, EXTERNAL

from analyzer.tags.canonical import TagCollector

# APEv2 spec (wiki.hydrogenaud.io, "APE key"): "Year" holds the full date.
_KEY_OVERRIDES = {"year": "date"}


def read_apev2(tags: Any, into: TagCollector) -> None:
    """Collect canonical values and raw pairs from an APEv2 tag (None when the file has none)."""
    if tags is None:
        return
    for name, value in tags.items():
        if value.kind == BINARY:
            # Cover art items hold "<file name>\0<image bytes>" (Picard, apev2.py).
            filename, _, image = bytes(value.value).partition(b"\0")
            label = filename.decode("utf-8", "replace") if image else ""
            into.add_raw(name, f"<binary {label}, {len(image or value.value):,} bytes>".replace(" ,", ","))
            continue
        if value.kind == EXTERNAL:
            into.add_raw(name, f"<external {value.value}>")
            continue
        lower = name.lower()
        canonical = _KEY_OVERRIDES.get(lower)
        for text in value:  # TEXT items hold several values separated by NUL
            into.add_raw(name, text)
            if canonical is not None:
                into.add(canonical, text)
            else:
                into.add_freeform(lower, text)
