"""Artist credits and title variants: who performs a track in which role, and what kind of version it is.

Follows MusicBrainz's artist-credit style (a credit is a list of names with join phrases; featured artists
belong in the credit, not the title) and beets' feat tokens (formats.md, section 9). Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

CreditRole = Literal["primary", "featuring", "remixer", "producer"]
VariantKind = Literal[
    "remaster", "live", "remix", "radio_edit", "acoustic", "demo", "instrumental", "version", "edit", "mix"
]

MAYBE_SAME_RECORDING: frozenset[str] = frozenset(("remaster", "radio_edit", "edit", "version"))
"""Variant kinds that can be the studio recording (remastered or shortened); the rest never are."""


@dataclass(frozen=True, slots=True)
class CreditedArtist:
    """One artist in a credit. Concatenating name + join_phrase over the string-derived entries rebuilds
    the artist string, as MusicBrainz artist credits do."""

    name: str
    role: CreditRole
    position: int
    join_phrase: str = ""


# Separators that split an artist *string* when no multi-valued tag says otherwise. Feat tokens follow
# beets' plugins.feat_tokens(); "x"/"×" only in lower case and between spaces, so "Lil Nas X" survives.
# "with the"/"and the" keep "the" in the join phrase (MusicBrainz style, Artist Credits).
_FEAT = r"(?:feat\.?|ft\.?|featuring)"
_SEPARATOR = re.compile(
    rf"\s*[(\[]\s*{_FEAT}\s+"
    rf"|\s+{_FEAT}\s+"
    r"|\s+(?:vs\.?|versus)\s+"
    r"|\s+(?-i:x|×)\s+"
    r"|\s+with\s+(?:the\s+)?",
    re.IGNORECASE,
)
_IS_FEAT = re.compile(rf"^\s*[(\[]?\s*{_FEAT}\s", re.IGNORECASE)

# Title suffixes: "(...)", "[...]" at the end, or " - ..." when its text is a known variant.
_BRACKET_SUFFIX = re.compile(r"\s*[(\[]([^()\[\]]+)[)\]]\s*$")
_DASH_SUFFIX = re.compile(r"\s+[-–—]\s+([^-–—]+?)\s*$")
_TITLE_CREDIT = re.compile(rf"^(?:{_FEAT}|with|prod\.?(?:\s+by)?|produced\s+by)\s+(.+)$", re.IGNORECASE)
_TITLE_FEAT_TAIL = re.compile(rf"\s+{_FEAT}\s+(.+)$", re.IGNORECASE)

# Checked in order: the first match names the kind ("Radio Edit" before "Edit", "Acoustic Version" before
# "Version", "Live ... Remastered" counts as live).
_VARIANT_PATTERNS: tuple[tuple[VariantKind, re.Pattern[str]], ...] = (
    ("radio_edit", re.compile(r"\bradio\s+(?:edit|version|mix|cut)\b", re.IGNORECASE)),
    ("remix", re.compile(r"\bre-?mix(?:ed)?\b|\brmx\b|\brework\b|\bbootleg\b", re.IGNORECASE)),
    ("live", re.compile(r"^live\b|\blive\s+(?:at|from|in|on|version|recording|session)\b|\blive$", re.I)),
    ("acoustic", re.compile(r"\bacoustic\b|\bunplugged\b", re.IGNORECASE)),
    ("demo", re.compile(r"\bdemo\b", re.IGNORECASE)),
    ("instrumental", re.compile(r"\binstrumental\b|\bkaraoke\b", re.IGNORECASE)),
    ("remaster", re.compile(r"\bre-?master(?:ed)?\b", re.IGNORECASE)),
    ("mix", re.compile(r"\bmix\b", re.IGNORECASE)),
    ("edit", re.compile(r"\bedit\b", re.IGNORECASE)),
    ("version", re.compile(r"\bversion\b|^mono$|^stereo$", re.IGNORECASE)),
)
# Recording-changing kinds win over "may be the same recording" ones when a title has several suffixes.
_KIND_PRIORITY = (
    "remix",
    "live",
    "acoustic",
    "demo",
    "instrumental",
    "mix",
    "radio_edit",
    "edit",
    "version",
    "remaster",
)

# Words that describe a remix rather than name its remixer: "(Extended Club Remix)" has no remixer.
_REMIX_WORDS = re.compile(r"\b(?:re-?mix(?:ed)?|rmx|rework|bootleg)\b(?:\s+by\b)?", re.IGNORECASE)
_REMIX_DESCRIPTORS = frozenset(
    (
        "extended", "club", "dub", "vocal", "radio", "original", "official", "instrumental", "edit", "vip",
        "album", "single", "main", "short", "long", "mix", "version", "the", "a", "remastered", "special",
        "ultimate", "deluxe", "full", "12\"", "7\"", "12''", "7''", "12-inch", "7-inch", "uk", "us",
    )
)  # fmt: skip


def parse_artist_credit(
    artist: str,
    artists: Sequence[str] = (),
    title: str = "",
    *,
    artist_ids: Sequence[str] = (),
    remixers: Sequence[str] = (),
) -> list[CreditedArtist]:
    """Split an artist credit into artists with roles, in credit order: primary, featuring, title credits.

    Multi-valued evidence wins: ``artists`` (ARTISTS tag) gives the names and the string only the roles;
    ``artist_ids`` (musicbrainz_artistid) gives the count the string must split into. Without evidence
    only feat/ft/featuring/vs/x/with split, never "&" or "," ("Simon & Garfunkel" is one artist).
    ``title`` adds "(feat. X)", "(X Remix)" and "(prod. X)" credits; ``remixers`` (REMIXER tag) adds remixers.
    """
    artist = artist.strip()
    names = [name.strip() for name in artists if name.strip()]
    if names:
        credits = _credits_from_names(artist, names)
    elif len(artist_ids) == 1 and artist:
        credits = [(artist, "primary", "")]
    else:
        credits = _split_artist_string(artist, expected=len(artist_ids))
    for name, role in (*_title_credits(title), *((name, "remixer") for name in remixers)):
        name = name.strip()
        if name and not any(existing.casefold() == name.casefold() for existing, _, _ in credits):
            credits.append((name, role, ""))
    ordered = sorted(credits, key=lambda credit: _ROLE_ORDER[credit[1]])
    return [
        CreditedArtist(name=name, role=role, position=position, join_phrase=join)
        for position, (name, role, join) in enumerate(ordered)
    ]


_ROLE_ORDER: dict[str, int] = {"primary": 0, "featuring": 1, "remixer": 2, "producer": 3}
_Credit = tuple[str, CreditRole, str]


def _split_artist_string(artist: str, expected: int = 0) -> list[_Credit]:
    if not artist:
        return []
    credits = _split_on(artist, _SEPARATOR)
    if expected > len(credits):
        # The ids say there are more artists than feat-style tokens give: also try "&", "and", "," (in
        # that order), keeping a split only when it yields exactly as many names as ids.
        for extra in (r"\s+(?:&|and|\+)\s+", r"\s*,\s+|\s+(?:&|and|\+)\s+"):
            wider = re.compile(f"{_SEPARATOR.pattern}|{extra}", re.IGNORECASE)
            candidate = _split_on(artist, wider)
            if len(candidate) == expected:
                return candidate
    return credits


def _split_on(artist: str, separator: re.Pattern[str]) -> list[_Credit]:
    credits: list[_Credit] = []
    role: CreditRole = "primary"
    start = 0
    opened_bracket = False
    for match in separator.finditer(artist):
        name = artist[start : match.start()].strip()
        if not name:
            continue  # a separator at the very start ("feat. X") is part of a name, not a split
        credits.append((name, role, match.group(0)))
        if _IS_FEAT.match(match.group(0)):
            role = "featuring"
            opened_bracket = opened_bracket or match.group(0).lstrip()[:1] in "(["
        start = match.end()
    tail = artist[start:].strip()
    closing = ""
    if opened_bracket and tail[-1:] in ")]":
        tail, closing = tail[:-1].rstrip(), tail[-1]
    if tail:
        credits.append((tail, role, closing))
    elif credits:
        name, last_role, _ = credits[-1]
        credits[-1] = (name, last_role, "")
    return credits


def _credits_from_names(artist: str, names: list[str]) -> list[_Credit]:
    # Roles come from where each name sits in the credit string: after the first feat token -> featuring.
    feat = next((m for m in _SEPARATOR.finditer(artist) if _IS_FEAT.match(m.group(0))), None)
    feat_at = feat.start() if feat else len(artist) + 1
    folded = artist.casefold()
    located: list[tuple[str, int, int]] = []
    cursor = 0
    for name in dict.fromkeys(names):
        at = folded.find(name.casefold(), cursor)
        if at == -1:
            at = folded.find(name.casefold())
        located.append((name, at, at + len(name) if at != -1 else -1))
        if at != -1:
            cursor = at + len(name)
    credits: list[_Credit] = []
    for index, (name, at, end) in enumerate(located):
        role: CreditRole = "featuring" if at != -1 and at > feat_at else "primary"
        join = ""
        if index + 1 < len(located) and end != -1 and located[index + 1][1] >= end:
            join = artist[end : located[index + 1][1]]
        elif index + 1 == len(located) and end != -1:
            join = artist[end:] if artist[end:].strip() in (")", "]", "") else ""
        credits.append((name, role, join))
    return credits


def _title_credits(title: str) -> list[tuple[str, CreditRole]]:
    base, suffixes = _peel_suffixes(title)
    found: list[tuple[str, CreditRole]] = []
    for text in suffixes:
        credit = _TITLE_CREDIT.match(text)
        if credit:
            role: CreditRole = "producer" if text[:4].lower() == "prod" else "featuring"
            found.append((credit.group(1).strip(), role))
        elif _variant_kind(text) == "remix":
            remixer = _remixer_in(text)
            if remixer:
                found.append((remixer, "remixer"))
    tail = _TITLE_FEAT_TAIL.search(base)
    if tail:  # "Title feat. X" without brackets
        found.append((tail.group(1).strip(), "featuring"))
    return found


def _remixer_in(text: str) -> str | None:
    words = _REMIX_WORDS.sub(" ", text).split()
    while words and words[-1].lower() in _REMIX_DESCRIPTORS:
        words.pop()
    while words and words[0].lower() in _REMIX_DESCRIPTORS:
        words.pop(0)
    if not words or all(word.isdigit() for word in words):
        return None  # "(2011 Remix)", "(Extended Remix)": a remix with no named remixer
    name = " ".join(words)
    return name[:-2] if name.endswith(("'s", "’s")) else name


def split_title_variant(title: str) -> tuple[str, str | None, VariantKind | None]:
    """Split "Song (Live at Wembley) [2011 Remaster]" into ("Song", "Live at Wembley; 2011 Remaster", "live").

    Featured-artist suffixes ("(feat. X)") are dropped from the base title too, since they belong in the
    artist credit. Unknown suffixes ("(Part 2)") stay in the title. The kind is the most
    recording-changing one found; None when the title has no variant suffix.
    """
    base, suffixes = _peel_suffixes(title)
    base = _TITLE_FEAT_TAIL.sub("", base).rstrip()
    variants = [(text, kind) for text in suffixes if (kind := _variant_kind(text)) is not None]
    if not variants:
        return base, None, None
    kind = min((kind for _, kind in variants), key=_KIND_PRIORITY.index)
    return base, "; ".join(text for text, _ in variants), kind


def _variant_kind(text: str) -> VariantKind | None:
    for kind, pattern in _VARIANT_PATTERNS:
        if pattern.search(text):
            return kind
    return None


def _peel_suffixes(title: str) -> tuple[str, list[str]]:
    """The title without its trailing variant/credit suffixes, and those suffixes in title order.

    Peeling stops at the first suffix that is neither, so "Song (Part 2)" keeps its "(Part 2)".
    """
    base = title.strip()
    found: list[str] = []
    while True:
        match = _BRACKET_SUFFIX.search(base) or _DASH_SUFFIX.search(base)
        if match is None or match.start() == 0:
            break
        text = match.group(1).strip()
        if _variant_kind(text) is None and not _TITLE_CREDIT.match(text):
            break
        found.append(text)
        base = base[: match.start()].rstrip()
    found.reverse()
    return base, found
