"""How compatible two users' listening is: a 0-100 score and the reasons behind it.

Overlap is the *weighted* Jaccard of play shares (sum of min shares), so two people who both play one
artist a lot score higher than two who each played it once. Parts: artists 45 %, tracks 25 %, audio
feature profile 30 % (dropped, and the weights renormalised, when either side has no analysed plays).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from scrobbler.stats.scope import ListenScope
from scrobbler.stats.taste import FeatureSummary, analysed_track_plays, summarize_features
from scrobbler.stats.top import TopEntry, TopKind, top

WEIGHTS = {"artists": 0.45, "tracks": 0.25, "features": 0.30}
# A typical spread of each feature across listeners, to put differences on one scale.
FEATURE_SCALES = {"bpm": 20.0, "energy": 0.15, "danceability": 0.3, "loudness_lufs": 4.0}


@dataclass(frozen=True, slots=True)
class Compatibility:
    score: float  # 0..100
    artist_overlap: float  # 0..1, weighted Jaccard of artist play shares
    track_overlap: float
    feature_similarity: float | None  # 0..1; None when a side has no analysed plays
    shared_artists: list[str] = field(default_factory=list)
    shared_tracks: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _shares(entries: list[TopEntry], labels: dict[str, str]) -> dict[str, float]:
    """Play share per case-folded (name, artist); ``labels`` collects how to print each key."""
    total = sum(e.plays for e in entries)
    out = {}
    for entry in entries:
        key = f"{entry.name.casefold()}\x1f{(entry.artist or '').casefold()}"
        labels.setdefault(key, f"{entry.artist} - {entry.name}" if entry.artist else entry.name)
        out[key] = entry.plays / total
    return out


def weighted_overlap(a: dict[str, float], b: dict[str, float]) -> tuple[float, list[str]]:
    """Sum of min(share_a, share_b) over shared keys (0..1) and the shared keys, biggest first."""
    shared = sorted(set(a) & set(b), key=lambda k: -min(a[k], b[k]))
    return sum(min(a[k], b[k]) for k in shared), shared


def feature_similarity(a: dict[str, FeatureSummary], b: dict[str, FeatureSummary]) -> float | None:
    """exp(-mean scaled distance) between the play-weighted means of features both sides have."""
    gaps = [
        abs(a[n].mean - b[n].mean) / FEATURE_SCALES[n]  # type: ignore[operator]
        for n in FEATURE_SCALES
        if n in a and n in b and a[n].mean is not None and b[n].mean is not None
    ]
    return math.exp(-sum(gaps) / len(gaps)) if gaps else None


def compatibility(session: Session, first: ListenScope, second: ListenScope) -> Compatibility:
    labels: dict[str, str] = {}
    artists, shared_artists = weighted_overlap(
        _shares(top(session, first, TopKind.ARTISTS, limit=None), labels),
        _shares(top(session, second, TopKind.ARTISTS, limit=None), labels),
    )
    tracks, shared_tracks = weighted_overlap(
        _shares(top(session, first, TopKind.TRACKS, limit=None), labels),
        _shares(top(session, second, TopKind.TRACKS, limit=None), labels),
    )
    features_a = summarize_features(analysed_track_plays(session, first))
    features_b = summarize_features(analysed_track_plays(session, second))
    features = feature_similarity(features_a, features_b)
    parts = {"artists": artists, "tracks": tracks}
    if features is not None:
        parts["features"] = features
    weight = sum(WEIGHTS[k] for k in parts)
    score = round(100 * sum(WEIGHTS[k] * v for k, v in parts.items()) / weight, 1)
    names = [labels[k] for k in shared_artists]
    reasons = [
        f"{len(shared_artists)} shared artists ({artists:.0%} of plays overlap)"
        + (f": {', '.join(names[:5])}" if names else ""),
        f"{len(shared_tracks)} shared tracks ({tracks:.0%} of plays overlap)",
    ]
    if features is None:
        reasons.append("no audio-feature comparison: one side has no analysed plays")
    else:
        detail = ", ".join(
            f"{n} {features_a[n].mean:g} vs {features_b[n].mean:g}"
            for n in FEATURE_SCALES
            if features_a[n].mean is not None and features_b[n].mean is not None
        )
        reasons.append(f"feature profiles {features:.0%} alike ({detail})")
    return Compatibility(
        score=score,
        artist_overlap=round(artists, 4),
        track_overlap=round(tracks, 4),
        feature_similarity=None if features is None else round(features, 4),
        shared_artists=names,
        shared_tracks=[labels[k] for k in shared_tracks],
        reasons=reasons,
    )
