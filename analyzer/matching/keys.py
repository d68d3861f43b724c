"""Lookup keys shared by the catalog index and the listen side, so both sides are cut the same way.

Keys start from :func:`models.normalize.normalize` (the function behind every ``*_normalized`` column) and
then follow the ListenBrainz mapper's exact stage (formats.md, section 8): spaces dropped, so "AC/DC" and
"ACDC" meet. A leading "The" is dropped from artist keys (formats.md, section 9). Titles lose their
variant suffixes and feat. tails via :func:`analyzer.credits.split_title_variant`, whose kind is kept to
tell versions apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from analyzer.credits import MAYBE_SAME_RECORDING, split_title_variant
from models.normalize import normalize

# Artist-string separators a listen may carry: feat tokens (beets' feat_tokens for artists), "&"/"and",
# ",", "/", " x ", "vs", "with". The whole string is always tried first ("Simon & Garfunkel").
_ARTIST_SPLIT = re.compile(
    r"\s*[,;/]\s*|\s+(?:feat\.?|ft\.?|featuring|with|vs\.?|versus|x|×|&|and|\+)\s+|\s*[(\[]\s*(?:feat\.?|ft\.?|featuring)\s+",
    re.IGNORECASE,
)
_LEADING_ARTICLE = re.compile(r"^the\s+")
_TRAILING_PUNCTUATION = " !?.,;:*~"
# What split_title_variant can cut: a bracket, a dash suffix, or a feat. tail.
_MAYBE_SUFFIX = re.compile(r"[(\[]|\s[-–—]\s|\b(?:feat|ft|featuring)\b", re.IGNORECASE)


@lru_cache(maxsize=262144)
def compact_key(text: str | None) -> str:
    """Normalized text without spaces: the exact-stage key ("The Beatles" is not cut here; see artist_key)."""
    return normalize(text).replace(" ", "")


@lru_cache(maxsize=262144)
def artist_key(name: str | None) -> str:
    """An artist's key: normalized, leading "the" dropped, spaces dropped ("The Beatles" = "beatles")."""
    return _LEADING_ARTICLE.sub("", normalize(name)).replace(" ", "")


@lru_cache(maxsize=262144)
def artist_keys(raw: str | None) -> tuple[str, ...]:
    """Keys of the whole artist string first, then of each credited name in credit order."""
    if not raw:
        return ()
    keys = [artist_key(raw)]
    for part in split_artist_string(raw):
        key = artist_key(part)
        if key and key not in keys:
            keys.append(key)
    return tuple(k for k in keys if k)


def split_artist_string(raw: str) -> list[str]:
    """The names in a listen's artist string, split on feat/&/,/with/x/vs (never used for catalog names)."""
    return [part.strip(" )]") for part in _ARTIST_SPLIT.split(raw) if part.strip(" )]")]


@dataclass(frozen=True, slots=True)
class TitleParts:
    """A title cut for matching: ``base`` (normalized, spaced) without variant suffixes, its compact key,
    the compact key of the whole title (aliases are stored whole), and the variant kind (None = plain)."""

    base: str
    key: str
    full_key: str
    kind: str | None


@lru_cache(maxsize=262144)
def title_parts(title: str | None) -> TitleParts:
    """Cut a title once; cached because listens repeat the same titles over and over."""
    text = title or ""
    if not _MAYBE_SUFFIX.search(text):  # most titles: nothing to cut, skip the splitter's regexes
        key = compact_key(text)
        return TitleParts(normalize(text), key, key, None)
    # Trailing "!" or "..." after a suffix ("Song (Radio Edit)!") would hide the suffix from the splitter.
    base, _variant, kind = split_title_variant(text.rstrip(_TRAILING_PUNCTUATION))
    base_norm = normalize(base) or normalize(title)
    return TitleParts(base_norm, base_norm.replace(" ", ""), compact_key(title), kind)


def version_relation(listen_kind: str | None, track_kind: str | None) -> str:
    """'same', 'compatible' (a remaster/radio edit against the plain title) or 'conflict' (live vs studio).

    Kinds outside MAYBE_SAME_RECORDING change the recording, so they only agree with the same kind.
    """
    if listen_kind == track_kind:
        return "same"
    if (listen_kind is None or listen_kind in MAYBE_SAME_RECORDING) and (
        track_kind is None or track_kind in MAYBE_SAME_RECORDING
    ):
        return "compatible"
    return "conflict"
