"""Which files are one recording: the length rule behind ``track_uid`` variants.

A file's tags give a *base* uid (``analyzer.catalog.record.make_track_uid``): ``mb:<recording MBID>``, or
``h:<sha1>`` of album artist, album, disc, track, title and the recording's primary artists. Tags alone
cannot tell two pieces apart that a soundtrack tags alike (HyperRogue's three "Living Caves" of 48, 58 and
72 s), so an ``h:`` base holds one track per *length*: the first recording keeps the base uid, each further
one gets ``<base>~2``, ``<base>~3``... A file joins the variant whose length agrees with its own
(:func:`lengths_agree`); a recording MBID is trusted without the length check.

:class:`RecordingIndex` makes that decision for the single catalog writer, batch by batch, with one IN
query per batch for the bases it has not seen (and a prefix query only for a base whose first track has
another length, which real libraries rarely hold).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from analyzer.catalog.upsert import chunked, select_in

HASHED_PREFIX = "h:"
VARIANT_MARK = "~"
"""Separates a base uid from its variant number; never part of a base (hex digits, ``mb:`` UUIDs)."""

MAX_TOLERANCE_SECS = 2.5
RELATIVE_TOLERANCE = 0.2
MIN_TOLERANCE_SECS = 0.15
"""Measured (docs/data-model.md): the same source encoded to MP3, FLAC, M4A and Opus differs by at most
0.05 s (encoder padding); a copy with one second of silence added or trimmed by 1.0-1.05 s. So 2.5 s
covers a trimmed second (and a 2 s trim) with margin on anything past 12.5 s; short pieces get 20 % of
their length, so Wesnoth's two "Defeat" (8.5 s and 14.2 s, tolerance 1.7 s) stay apart. The floor covers
encoder padding on sound effects a fraction of a second long."""


def length_tolerance(a: float, b: float) -> float:
    """How far apart (seconds) two lengths of one recording may be, for these two lengths."""
    shorter = min(a, b)
    return min(MAX_TOLERANCE_SECS, max(MIN_TOLERANCE_SECS, RELATIVE_TOLERANCE * shorter))


def lengths_agree(a: float | None, b: float | None) -> bool:
    """True when two files' lengths allow one recording; an unknown length (None or 0) never objects."""
    if not a or not b:
        return True
    return abs(a - b) <= length_tolerance(a, b)


def base_uid(uid: str) -> str:
    """The tag identity of a uid, without its length variant number."""
    return uid.split(VARIANT_MARK, 1)[0]


def variant_uid(base: str, number: int) -> str:
    """The uid of the ``number``-th recording (1 = the base itself) sharing ``base``'s tags."""
    return base if number <= 1 else f"{base}{VARIANT_MARK}{number}"


def length_checked(uid: str) -> bool:
    """Whether files join under this uid only when lengths agree (a recording MBID is trusted as is)."""
    return uid.startswith(HASHED_PREFIX)


class RecordingIndex:
    """The uid each file's record is written under, decided with the tracks already in the database.

    Lives as long as one catalog writer (a scan): known (uid, length) pairs per base are cached, and
    tracks it assigns are added to the cache at once, so a second file of a new recording in the same
    batch joins the first.
    """

    def __init__(self, tracks: Table) -> None:
        self.tracks = tracks
        self.variants: dict[str, list[tuple[str, float]]] = {}
        self._complete: set[str] = set()  # bases whose "~N" variants are loaded too

    def assign(self, session: Session, uids: Sequence[str], lengths: Sequence[float]) -> list[str]:
        """The uid to write each (base uid, file length) under, in order."""
        self._load_bases(session, {uid for uid in uids if length_checked(uid)})
        out: list[str] = []
        for uid, length in zip(uids, lengths, strict=True):
            out.append(self._assign_one(session, uid, length) if length_checked(uid) else uid)
        return out

    def _assign_one(self, session: Session, base: str, length: float) -> str:
        known = self.variants[base]
        found = _fitting(known, length)
        if found is None and known and base not in self._complete:
            self._load_variants(session, base)
            found = _fitting(known, length)
        if found is not None:
            return found
        self._complete.add(base)  # a base with no row yet has no variants either
        number = 1 + max((_variant_number(uid) for uid, _ in known), default=0)
        uid = variant_uid(base, number)
        known.append((uid, length))
        return uid

    def _load_bases(self, session: Session, bases: set[str]) -> None:
        missing = sorted(base for base in bases if base not in self.variants)
        for base in missing:
            self.variants[base] = []
        names = ("track_uid", "duration_secs")
        for chunk in chunked(missing):
            for uid, length in select_in(session, self.tracks, names, "track_uid", chunk):
                self.variants[uid].append((uid, float(length or 0.0)))

    def _load_variants(self, session: Session, base: str) -> None:
        column: Any = self.tracks.c.track_uid
        statement = select(column, self.tracks.c.duration_secs).where(column.like(f"{base}{VARIANT_MARK}%"))
        known = self.variants[base]
        seen = {uid for uid, _ in known}
        for uid, length in session.execute(statement).tuples():
            if uid not in seen and base_uid(uid) == base:
                known.append((uid, float(length or 0.0)))
        self._complete.add(base)


def _fitting(known: list[tuple[str, float]], length: float) -> str | None:
    best: tuple[float, str] | None = None
    for uid, other in known:
        if lengths_agree(other, length):
            distance = abs(other - length) if other and length else 0.0
            if best is None or distance < best[0]:
                best = (distance, uid)
    return best[1] if best else None


def _variant_number(uid: str) -> int:
    _, mark, number = uid.partition(VARIANT_MARK)
    return int(number) if mark and number.isdigit() else 1
