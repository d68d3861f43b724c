"""Why a candidate ranks where it does, field by field, and why the matcher did not link it by itself.

The agreement of each field is the matcher's own stored signal (``listen_match_candidates.features_json``,
see :mod:`analyzer.matching.scoring`), never recomputed with other rules; the highlighted characters are
only a reading aid (an edit-distance alignment of the two spellings, case ignored), so a person sees at a
glance that "Creep (Live)" and "Creep" differ by " (Live)".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapidfuzz.distance import Levenshtein
from sqlalchemy import select
from sqlalchemy.orm import Session

from analyzer.matching.keys import title_parts
from analyzer.matching.scoring import Features, MatchSettings
from models.artists import Artist
from models.normalize import normalize
from models.releases import ReleaseGroup
from models.tracks import Track

if TYPE_CHECKING:
    from analyzer.review_queue import GroupListen

Span = tuple[int, int]
AGREES = 0.995
"""A stored signal at or above this counts as agreeing (signals are rounded to 3 places)."""

GREEN_FROM = 0.96
YELLOW_FROM = 0.75
"""Colour bands of a candidate's calibrated confidence (see :func:`confidence_band`)."""

VERSION_WORDS = {
    None: "the plain (studio) version",
    "live": "a live version",
    "remix": "a remix",
    "acoustic": "an acoustic version",
    "demo": "a demo",
    "instrumental": "an instrumental",
    "mix": "a mix",
    "remaster": "a remaster",
    "radio_edit": "a radio edit",
    "edit": "an edit",
}


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """One field of a listen against the same field of a candidate track.

    ``agreement`` is the matcher's signal in [0, 1] (duration may go below 0: far off counts against);
    None when either side has no value. ``heard_diff``/``library_diff`` are [start, end) character spans
    of each text that the other does not share."""

    name: str  # title | artist | album | duration
    heard: str
    library: str
    agreement: float | None
    heard_diff: tuple[Span, ...] = ()
    library_diff: tuple[Span, ...] = ()
    note: str = ""

    @property
    def differs(self) -> bool:
        if self.agreement is not None:
            return self.agreement < AGREES
        return bool(self.heard_diff or self.library_diff) and bool(self.heard and self.library)


@dataclass(frozen=True, slots=True)
class CandidateEvidence:
    """A candidate track of a group with its confidence and the evidence behind it."""

    track_id: int
    title: str
    artist: str
    album: str
    duration_secs: float | None
    confidence: float
    listens: int  # how many of the group's (sampled) listens list this track
    fields: tuple[FieldEvidence, ...]
    version: str | None = None  # same | compatible | conflict (None: not stored)
    via: str | None = None
    raw: float | None = None
    linked: bool = False  # some listen of the group is linked to it now (suspicious queue)
    features: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def differing(self) -> list[str]:
        """Names of the fields that do not agree (beets' ``≠ album, duration``)."""
        names = [f.name for f in self.fields if f.differs]
        if self.version == "conflict" and "title" not in names:
            names.insert(0, "version")
        return names

    @property
    def band(self) -> str:
        return confidence_band(self.confidence)


def confidence_band(confidence: float) -> str:
    """``green`` from 96 %, ``yellow`` from 75 %, else ``red``.

    The confidences are calibrated probabilities (:mod:`analyzer.matching.calibration`): on the fitted
    table a raw score of 0.87 maps to 95.1 % and 0.90 to 99.6 %, the step where the matcher's own
    auto-link threshold (90 %) sits, so green (>= 96 %) is "at most one in 25 wrong": safe to accept
    on sight. Yellow starts at 75 %, the table's knee (0.8266 -> 72 %, 0.8441 -> 85 %): below it a
    candidate is wrong about as often as one in four and deserves a look at its evidence."""
    if confidence >= GREEN_FROM:
        return "green"
    if confidence >= YELLOW_FROM:
        return "yellow"
    return "red"


def diff_spans(heard: str, library: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """Character spans of ``heard`` and of ``library`` that the other text does not share (case ignored
    where lower-casing keeps the length)."""
    left, right = _comparable(heard), _comparable(library)
    heard_spans: list[Span] = []
    library_spans: list[Span] = []
    for op in Levenshtein.opcodes(left, right):
        if op.tag == "equal":
            continue
        if op.src_end > op.src_start:
            heard_spans.append((op.src_start, op.src_end))
        if op.dest_end > op.dest_start:
            library_spans.append((op.dest_start, op.dest_end))
    return tuple(heard_spans), tuple(library_spans)


def _comparable(text: str) -> str:
    """``text`` lower-cased and without accents, one character for one (so spans index the original):
    the matcher compares normalized names, so "Bjork" and "Björk" do not differ for it either."""
    folded = []
    for char in text:
        base = unicodedata.normalize("NFD", char)[:1].lower()
        folded.append(base if len(base) == 1 else char)
    return "".join(folded)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


@dataclass(frozen=True, slots=True)
class _TrackFacts:
    title: str
    artist: str
    album: str
    duration: float | None


def _track_facts(session: Session, track_ids: Collection[int]) -> dict[int, _TrackFacts]:
    if not track_ids:
        return {}
    rows = session.execute(
        select(Track.id, Track.title, Artist.name, ReleaseGroup.title, Track.duration_secs)
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
        .outerjoin(ReleaseGroup, ReleaseGroup.id == Track.album_id)
        .where(Track.id.in_(list(track_ids)))
    )
    return {r[0]: _TrackFacts(r[1] or "", r[2] or "", r[3] or "", r[4]) for r in rows}


def evidence_for(
    session: Session,
    chosen: Sequence[tuple[int, GroupListen, float, dict[str, Any], int]],
    *,
    linked: Collection[int] = (),
) -> list[CandidateEvidence]:
    """Evidence of each (track id, the listen it was scored for, confidence, stored features, listens
    listing it), in the given order. Tracks gone from the library are left out."""
    facts = _track_facts(session, {track_id for track_id, *_ in chosen})
    found = []
    for track_id, listen, confidence, features, listens in chosen:
        track = facts.get(track_id)
        if track is None:
            continue
        found.append(_evidence(track_id, track, listen, confidence, features, listens, track_id in linked))
    return found


def _evidence(
    track_id: int,
    track: _TrackFacts,
    listen: GroupListen,
    confidence: float,
    features: dict[str, Any],
    listens: int,
    linked: bool,
) -> CandidateEvidence:
    fields = []
    for name, heard, library in (
        ("title", listen.track_name, track.title),
        ("artist", listen.artist_name, track.artist),
        ("album", listen.release_name or "", track.album),
    ):
        agreement = features.get("release" if name == "album" else name)
        if (
            agreement is None
            and not features
            and heard
            and library
            and normalize(heard) == normalize(library)
        ):
            agreement = 1.0  # a link stored without signals (no rival): equal names agree for the matcher too
        heard_diff, library_diff = diff_spans(heard, library) if heard and library else ((), ())
        note = ""
        if name == "title" and features.get("version") == "conflict":
            note = _version_note(listen.track_name, track.title)
        fields.append(FieldEvidence(name, heard, library, agreement, heard_diff, library_diff, note))
    diff_secs = features.get("duration_diff_secs")
    if diff_secs is None and listen.duration_secs is not None and track.duration is not None:
        diff_secs = round(abs(listen.duration_secs - track.duration), 1)
    duration_note = "" if diff_secs is None else f"{diff_secs:g} s apart"
    duration = features.get("duration")
    if duration is None and diff_secs is not None:  # not stored: the matcher's own duration rule
        duration = round(Features(1.0, 1.0, None, diff_secs, "same", "").duration or 0.0, 3)
    fields.append(
        FieldEvidence(
            "duration",
            format_duration(listen.duration_secs),
            format_duration(track.duration),
            duration,
            note=duration_note,
        )
    )
    return CandidateEvidence(
        track_id,
        track.title,
        track.artist,
        track.album,
        track.duration,
        confidence,
        listens,
        tuple(fields),
        features.get("version"),
        features.get("via"),
        features.get("raw"),
        linked,
        features,
    )


def _version_note(heard_title: str, library_title: str) -> str:
    heard = VERSION_WORDS.get(title_parts(heard_title).kind, "another version")
    library = VERSION_WORDS.get(title_parts(library_title).kind, "another version")
    return f"heard {heard}; the library's track is {library}"


def why_not_linked(
    status: str,
    reason: str | None,
    candidates: Sequence[CandidateEvidence],
    settings: MatchSettings | None = None,
) -> str:
    """One line on why the matcher left this listen for a person, from its stored reason and signals."""
    settings = settings or MatchSettings()
    best = candidates[0] if candidates else None
    if reason == "other_version" and best is not None:
        note = next((f.note for f in best.fields if f.name == "title" and f.note), "")
        return f"Another version of the song: {note}. Versions are never linked automatically."
    if reason == "close_rivals" and len(candidates) > 1:
        first, second = candidates[0].raw, candidates[1].raw
        if first is not None and second is not None:
            return (
                f"Two candidates within {abs(first - second):.2f} of each other; an automatic link needs a "
                f"lead of {settings.rival_margin:.2f}."
            )
        return "Two candidates are too close to tell apart."
    if reason == "low_confidence" and best is not None:
        return (
            f"The best candidate is {best.confidence:.0%} sure; an automatic link needs "
            f"{settings.auto_link:.0%}."
        )
    if reason == "no_plausible_track":
        if best is None:
            return "No track of the library comes close: the song may not be in the library."
        return f"No track of the library is close enough (the best is {best.confidence:.0%} sure)."
    if reason == "duplicate_listen":
        return "The same play at the same second is already linked to this track (a duplicate scrobble)."
    if reason and reason.endswith("_shared"):
        kind = reason.removesuffix("_shared").replace("_", " ")
        return f"The {kind} is on {len(candidates)} tracks and the names do not settle which."
    if status == "unmatched":
        return "No track of the library comes close: the song may not be in the library."
    return f"Left for review ({reason})." if reason else "Left for review."
