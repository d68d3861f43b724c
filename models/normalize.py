"""The one function set that fills every ``*_normalized`` column.

Two spellings a person would call "the same name" must normalize equal, and different names must not:
- Unicode NFKC and case folding (full-width letters, ligatures, "ß" -> "ss");
- accents folded on Latin, Greek and Cyrillic letters only ("Sigur Rós" -> "sigur ros"), never on
  scripts where the mark changes the letter (Japanese dakuten: "が" stays "が");
- Latin letters without a decomposition mapped by hand (ø, æ, œ, ł, đ, ð, þ, ı);
- "&" and "and" unified (to "and");
- dots and apostrophes dropped inside words ("R.E.M." = "REM", "Guns N' Roses" = "Guns N Roses");
- other punctuation and all whitespace collapsed to one space ("AC/DC" -> "ac dc");
- symbols and emoji kept (they can be the whole name), and a name of nothing but punctuation ("!!!")
  keeps its punctuation rather than becoming empty.
The result is cut to 255 characters, the width of the indexed columns.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_NORMALIZED_LENGTH = 255

_LATIN_EXTRAS = str.maketrans(
    {
        "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h",
        "ŋ": "n", "ſ": "s", "ʼ": "'", "’": "'", "‘": "'", "`": "'", "´": "'",
    }
)  # fmt: skip
_FOLDABLE_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")
_JOINING_PUNCTUATION = {".", "'"}
_AND_PATTERN = re.compile(r"(?<!\S)(?:&|and|\+)(?!\S)|&")
_SPACES = re.compile(r"\s+")
_ARTICLE = re.compile(r"^(the|a|an)\s+(.+)$", re.IGNORECASE)


@lru_cache(maxsize=65536)
def normalize(text: str | None) -> str:
    """The normalized form of a name or title ('' for None or blank)."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_LATIN_EXTRAS)
    folded = _fold_accents(folded)
    folded = _AND_PATTERN.sub(" and ", folded)
    result = _SPACES.sub(" ", folded.translate(_PUNCTUATION_TO_SPACE)).strip()
    if not result:  # a name made only of punctuation ("!!!"): keep it, folded
        result = _SPACES.sub(" ", folded).strip()
    return result[:MAX_NORMALIZED_LENGTH].rstrip()


class _PunctuationToSpace(dict[int, str | None]):
    """A str.translate table, filled on first use of each character: punctuation and separators/controls
    (Unicode categories P*, Z*, C*) become a space, the joining punctuation (. and ') is dropped, anything
    else stays. One C-level translate instead of a Python loop over the characters."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        category = unicodedata.category(char)[0]
        if category == "P":
            value = None if char in _JOINING_PUNCTUATION else " "
        else:
            value = " " if category in "ZC" else char
        self[code] = value
        return value


_PUNCTUATION_TO_SPACE = _PunctuationToSpace()


def _fold_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    out: list[str] = []
    base_foldable = False
    for char in decomposed:
        if unicodedata.combining(char):
            if not base_foldable:
                out.append(char)
            continue
        base_foldable = char.isascii() or unicodedata.name(char, "").startswith(_FOLDABLE_SCRIPTS)
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def sort_name(name: str) -> str:
    """A sort name for a display name when tags give none: "The Beatles" -> "Beatles, The"
    (the beets ``the`` plugin's rule: a leading English article moves to the end)."""
    stripped = name.strip()
    match = _ARTICLE.match(stripped)
    if not match or stripped.casefold() == "the the":
        return stripped
    return f"{match.group(2)}, {match.group(1)}"
