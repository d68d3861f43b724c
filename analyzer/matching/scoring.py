"""Per-signal agreement between a listen and a candidate track, the raw score they add up to, and the
settings that turn calibrated scores into decisions.

Signals are kept separately (and stored in ``listen_match_candidates.features_json``) so a reviewer can see
why a candidate ranked where it did, and so the weights can be re-fitted without re-reading listens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from analyzer.matching.calibration import calibrated

# Weights of the raw score (they sum to 1.0 for a candidate agreeing on every signal). Title and artist
# carry the identity; release and duration break ties and lend evidence when present. An unknown
# release/duration gives the neutral share, so a listen without an album is not punished for it.
TITLE_WEIGHT = 0.5
ARTIST_WEIGHT = 0.3
RELEASE_WEIGHT = 0.1
DURATION_WEIGHT = 0.1
NEUTRAL_SHARE = 0.6
# Version agreement: a remaster/radio edit against the plain title costs a little, so the exact version
# wins when the library has it; a live/remix/acoustic... against another kind costs enough to rank below.
VERSION_PENALTY = {"same": 0.0, "compatible": 0.04, "conflict": 0.2}
DURATION_SLACK_SECS = 3.0  # encoders, silences, sources rounding: a few seconds off is the same recording
DURATION_FALLOFF_SECS = 15.0  # beyond the slack, agreement falls to zero over this many seconds
# Far beyond that (another edit, a live take, another song of the same name) it counts against, down to:
DURATION_FLOOR = -0.5
RELEASE_FLOOR = 0.4  # another album is weak evidence: compilations and "Greatest Hits" are everyday


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Thresholds of the matcher (all configurable; defaults meet the evaluation targets).

    ``auto_link``: calibrated confidence a candidate needs to be linked without review.
    ``rival_margin``: raw-score lead the best candidate needs over the runner-up to be linked.
    ``ambiguous_floor``: calibrated confidence below which a listen is ``unmatched`` rather than ``ambiguous``.
    ``candidate_floor``: calibrated confidence a candidate needs to be stored at all.
    """

    auto_link: float = 0.9
    rival_margin: float = 0.03
    ambiguous_floor: float = 0.3
    candidate_floor: float = 0.02
    max_candidates: int = 5
    fuzzy_title_cutoff: float = 60.0  # rapidfuzz score (0-100) a title-blocked track needs to be scored


@dataclass(slots=True)
class Features:
    """Agreement of one listen with one track, each in [0, 1] (None where a side has no value)."""

    title: float
    artist: float
    release: float | None
    duration_diff: float | None
    version: str  # same | compatible | conflict
    via: str  # how the track was found: id, exact, alias, review_alias, fuzzy

    @property
    def duration(self) -> float | None:
        if self.duration_diff is None:
            return None
        excess = max(0.0, self.duration_diff - DURATION_SLACK_SECS)
        return max(DURATION_FLOOR, 1.0 - excess / DURATION_FALLOFF_SECS)

    @property
    def raw_score(self) -> float:
        release = NEUTRAL_SHARE if self.release is None else max(self.release, RELEASE_FLOOR)
        duration = self.duration
        score = (
            TITLE_WEIGHT * self.title
            + ARTIST_WEIGHT * self.artist
            + RELEASE_WEIGHT * release
            + DURATION_WEIGHT * (NEUTRAL_SHARE if duration is None else duration)
        )
        return round(score - VERSION_PENALTY[self.version], 4)

    def as_json(self) -> dict[str, Any]:
        duration = self.duration
        return {
            "title": round(self.title, 3),
            "artist": round(self.artist, 3),
            "release": None if self.release is None else round(self.release, 3),
            "duration": None if duration is None else round(duration, 3),
            "duration_diff_secs": None if self.duration_diff is None else round(self.duration_diff, 1),
            "version": self.version,
            "via": self.via,
            "raw": self.raw_score,
        }


@dataclass(slots=True)
class Candidate:
    """A scored track for a listen; ``confidence`` is the calibrated probability that it is the right one."""

    track_id: int
    features: Features
    raw: float
    confidence: float
    _json: str | None = None

    @classmethod
    def scored(cls, track_id: int, features: Features) -> Candidate:
        raw = features.raw_score
        return cls(track_id, features, raw, calibrated(raw))

    @property
    def features_json(self) -> str:
        """The features as stored in listen_match_candidates (encoded once: outcomes are memoized)."""
        if self._json is None:
            self._json = json.dumps(self.features.as_json(), separators=(",", ":"))
        return self._json


def rank(candidates: list[Candidate]) -> list[Candidate]:
    """Best first; ties broken by track id so runs are reproducible."""
    return sorted(candidates, key=lambda c: (-c.raw, c.track_id))


def is_linkable(ranked: list[Candidate], settings: MatchSettings) -> bool:
    """The best candidate is confident, is not another version, and clearly beats the runner-up."""
    if not ranked:
        return False
    best = ranked[0]
    if best.features.version == "conflict" or best.confidence < settings.auto_link:
        return False
    return len(ranked) == 1 or best.raw - ranked[1].raw >= settings.rival_margin
