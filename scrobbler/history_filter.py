"""What a person can ask of the listening history table: a filter and a sort, checked before any query runs.

The text filter uses the library search's free-text rules (:mod:`analyzer.catalog.search`): each word is
compared after :func:`models.normalize.normalize` (case, accents, punctuation: "beyonce" finds "Beyoncé"),
a "quoted phrase" must occur as it is, and a leading ``-`` excludes. A word matches a listen when it occurs
in the artist, title or release as heard (the raw names the source sent) or in the title of the track the
listen is linked to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.normalize import normalize

STATUSES = ("matched", "ambiguous", "unmatched", "manual", "pending")
"""The status a listen shows. ``manual`` is a listen a person decided (a review decision), whatever the
matcher had said before; the others are ``listens.enrich_status`` as the matcher left it."""

SORT_KEYS = ("time", "artist", "title", "release", "source", "status", "track", "confidence")
"""Columns the history can be ordered by; ties are broken by time, newest first."""

_WORD = re.compile(r'(?P<neg>-(?=\S))?(?:"(?P<quoted>[^"]*)"?|(?P<bare>[^\s"]+))')


class HistoryFilterError(ValueError):
    """A filter that cannot be applied as given; the message is one line for a person."""


@dataclass(frozen=True)
class TextTerm:
    """One word or phrase of the text filter, normalized; ``exclude`` for a leading ``-``."""

    needle: str
    exclude: bool = False


def text_terms(text: str) -> tuple[TextTerm, ...]:
    """The terms of a text filter; blank ones are dropped. Punctuation alone stays a term, as the names
    keep it ("!!!" is an artist). An unclosed quote runs to the end of the text (the box filters while the
    person types: a half-typed phrase already applies)."""
    terms = []
    for match in _WORD.finditer(text):
        raw = match["quoted"] if match["quoted"] is not None else match["bare"]
        needle = normalize(raw)
        if needle:
            terms.append(TextTerm(needle, match["neg"] is not None))
    return tuple(terms)


@dataclass(frozen=True)
class HistoryFilter:
    """Which listens to show. Every field is optional; the default shows every listen of every user.

    ``since`` and ``until`` are instants (epoch seconds): listens at or after ``since`` and strictly before
    ``until``. :func:`day_range` turns calendar days in a zone into such instants."""

    user_id: int | None = None
    since: int | None = None
    until: int | None = None
    source: str | None = None
    status: str | None = None
    text: str = ""
    track_id: int | None = None

    def check(self) -> HistoryFilter:
        """Self when it can be applied; raises :class:`HistoryFilterError` saying what is wrong."""
        if self.status is not None and self.status not in STATUSES:
            raise HistoryFilterError(f"unknown status {self.status!r}; choose one of {', '.join(STATUSES)}")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise HistoryFilterError("the date range ends before it starts: pick a 'to' date after 'from'")
        return self

    @property
    def terms(self) -> tuple[TextTerm, ...]:
        return text_terms(self.text)

    def is_default(self) -> bool:
        return self == HistoryFilter()


@dataclass(frozen=True)
class HistorySort:
    """The order of the table: a key of :data:`SORT_KEYS`, newest/highest first when ``descending``."""

    key: str = "time"
    descending: bool = True

    def check(self) -> HistorySort:
        if self.key not in SORT_KEYS:
            raise HistoryFilterError(f"cannot sort by {self.key!r}; choose one of {', '.join(SORT_KEYS)}")
        return self


def zone_of(name: str | None) -> ZoneInfo:
    """The zone a user's times are shown in: their IANA zone, else this machine's (also for a name this
    machine's zone database does not know: the table still shows, in the machine's time)."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    from scrobbler.stats.ranges import machine_zone  # the stats package loads only when a zone is needed

    return machine_zone()


def day_range(first: date | None, last: date | None, zone: ZoneInfo) -> tuple[int | None, int | None]:
    """(since, until) instants covering the local calendar days ``first`` to ``last`` (both included) in
    ``zone``; an end left open stays None. A day is midnight to midnight local time (a DST day is 23 or 25
    hours long), as the stats count days."""
    from scrobbler.stats.ranges import local_midnight_epoch

    since = None if first is None else local_midnight_epoch(first, zone)
    until = None if last is None else local_midnight_epoch(last + timedelta(days=1), zone)
    return since, until
