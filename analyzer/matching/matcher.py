"""Matching one listen against the catalog index, strongest evidence first: IDs, exact keys (with aliases),
then fuzzy candidates found through blocking.

Pure and in-memory (no session): the enrich run feeds it listens and writes what it returns, the
evaluation calls it directly. Results are memoized per distinct listen description, because a history
repeats the same songs many times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from rapidfuzz import fuzz, process

from analyzer.matching.calibration import ID_CONFIDENCE
from analyzer.matching.index import CatalogIndex, IndexedTrack, key_tokens
from analyzer.matching.keys import (
    TitleParts,
    artist_keys,
    split_artist_string,
    title_parts,
    version_relation,
)
from analyzer.matching.scoring import Candidate, Features, MatchSettings, is_linkable, rank
from models.normalize import normalize

ID_FIELDS = ("recording_mbid", "isrc", "spotify_id")
_MAX_TOKEN_POSTINGS = 5000  # a title token on more tracks than this blocks nothing useful ("the", "love")
_MAX_ARTIST_POSTINGS = 2000
_FUZZY_ARTIST_CUTOFF = 80.0
_TITLE_BLOCK_LIMIT = 60  # best title-blocked tracks (by title similarity) kept for full scoring
_CLOSE_TITLE = 0.85  # an artist's track this close in title makes the title block unnecessary
_CLOSE_ARTIST = 0.9


class ListenQuery(NamedTuple):
    """What a listen says about its song; equal queries get the same answer (the memo key). A NamedTuple:
    one is built per listen read, and tuples are the cheapest to build and hash."""

    artist_name: str
    track_name: str
    release_name: str | None = None
    duration_secs: float | None = None
    recording_mbid: str | None = None
    isrc: str | None = None
    spotify_id: str | None = None


@dataclass(slots=True)
class MatchOutcome:
    """The decision for one listen: status, linked track (when matched), reason, calibrated confidence,
    the ranked candidates to store, and the artists its raw names resolve to (for listen_artists)."""

    status: str  # matched | ambiguous | unmatched
    track_id: int | None
    confidence: float | None
    reason: str
    candidates: list[Candidate] = field(default_factory=list)
    artist_ids: tuple[int, ...] = ()

    def decision(self) -> Decision:
        return Decision(
            self.status,
            self.track_id,
            self.confidence,
            self.reason,
            tuple((c.track_id, c.confidence, c.features_json) for c in self.candidates),
            self.artist_ids,
        )


class Decision(NamedTuple):
    """A :class:`MatchOutcome` as it is written: plain values only (cheap to send between processes).
    ``candidates``: (track id, confidence, features JSON), best first."""

    status: str
    track_id: int | None
    confidence: float | None
    reason: str
    candidates: tuple[tuple[int, float, str], ...]
    artist_ids: tuple[int, ...]


@dataclass(slots=True)
class _Resolved:
    parts: TitleParts
    akeys: tuple[str, ...]
    artist_name: str
    artist_ids: set[int]
    alias_artist: str | None  # source of an artist alias the artist was found through
    release: str | None
    duration: float | None


class Matcher:
    """Matches listens against one :class:`CatalogIndex` with one set of :class:`MatchSettings`."""

    def __init__(
        self, index: CatalogIndex, settings: MatchSettings | None = None, *, memo_limit: int = 500_000
    ) -> None:
        self.index = index
        self.settings = settings or MatchSettings()
        self._memo: dict[ListenQuery, MatchOutcome] = {}
        self._memo_limit = memo_limit  # 0: no memo (the caller keeps its own)
        self.fuzzy_count = 0  # listens that needed the fuzzy stage (for progress and the benchmark)

    def match(self, query: ListenQuery) -> MatchOutcome:
        outcome = self._memo.get(query)
        if outcome is None:
            outcome = self._match(query)
            if len(self._memo) < self._memo_limit:
                self._memo[query] = outcome
        return outcome

    def _match(self, query: ListenQuery) -> MatchOutcome:
        resolved = self._resolve(query)
        artist_ids = tuple(sorted(resolved.artist_ids))
        by_id = self._match_ids(query, resolved)
        if by_id is not None:
            by_id.artist_ids = artist_ids
            return by_id
        exact = self._exact_candidates(resolved)
        ranked = rank(exact)
        if is_linkable(ranked, self.settings):
            return self._decide(ranked, artist_ids)
        self.fuzzy_count += 1
        found = {c.track_id: c for c in exact}
        self._add_fuzzy_candidates(resolved, found)
        return self._decide(rank(list(found.values())), artist_ids)

    def _resolve(self, query: ListenQuery) -> _Resolved:
        akeys = artist_keys(query.artist_name)
        ids: set[int] = set()
        alias_source = None
        for key in akeys:
            for artist_id in self.index.artists_by_key.get(key, ()):
                ids.add(artist_id)
                alias_source = alias_source or self.index.alias_sources.get((key, artist_id))
        release = normalize(query.release_name) or None
        return _Resolved(
            title_parts(query.track_name),
            akeys,
            query.artist_name,
            ids,
            alias_source,
            release,
            query.duration_secs,
        )

    def _match_ids(self, query: ListenQuery, resolved: _Resolved) -> MatchOutcome | None:
        if not (query.recording_mbid or query.isrc or query.spotify_id):
            return None
        for field_name in ID_FIELDS:
            hits = self.index.track_ids_by_external_id(field_name, getattr(query, field_name))
            if not hits:
                continue
            if len(hits) == 1:
                return MatchOutcome("matched", hits[0], ID_CONFIDENCE, field_name)
            # One ISRC on several tracks (a remaster, a compilation copy): the names decide among them.
            ranked = rank([Candidate.scored(t, self._features(resolved, t, "id")) for t in hits])
            if (
                ranked[0].features.version != "conflict"
                and ranked[0].raw - ranked[1].raw >= self.settings.rival_margin
            ):
                return MatchOutcome("matched", ranked[0].track_id, ID_CONFIDENCE, field_name, ranked)
            return MatchOutcome("ambiguous", None, ranked[0].confidence, f"{field_name}_shared", ranked)
        return None

    def _exact_candidates(self, resolved: _Resolved) -> list[Candidate]:
        """Tracks whose base title (or a title alias) equals the listen's and that credit its artist."""
        if not resolved.artist_ids:
            return []
        parts = resolved.parts
        index = self.index
        found: dict[int, str] = {}
        for key in (parts.full_key, parts.key):
            for alias in index.title_aliases.get(key, ()):
                if not resolved.artist_ids.isdisjoint(index.tracks[alias.track_id].artist_ids):
                    found.setdefault(alias.track_id, "review_alias" if alias.source == "review" else "alias")
        exact_via = "exact"
        if resolved.alias_artist is not None:
            exact_via = "review_alias" if resolved.alias_artist == "review" else "alias"
        for artist_id in resolved.artist_ids:
            for track_id in index.by_artist_title.get((artist_id, parts.key), ()):
                found.setdefault(track_id, exact_via)
        return [Candidate.scored(t, self._features(resolved, t, via)) for t, via in found.items()]

    def _add_fuzzy_candidates(self, resolved: _Resolved, found: dict[int, Candidate]) -> None:
        """Score the blocked tracks: the listen's artists' tracks (exact or fuzzy artist) first; only when
        none of them has a close title, also the tracks most similar in title among those sharing the
        listen's rarest title words (another artist entity, a credit spelled differently)."""
        index = self.index
        for artist_id in resolved.artist_ids or self._fuzzy_artist_ids(resolved):
            for track_id in index.tracks_by_artist.get(artist_id, ()):
                if track_id not in found:
                    found[track_id] = Candidate.scored(track_id, self._features(resolved, track_id, "fuzzy"))
        if any(
            c.features.title >= _CLOSE_TITLE and c.features.artist >= _CLOSE_ARTIST for c in found.values()
        ):
            return
        for track_id in self._title_block(resolved, found):
            found[track_id] = Candidate.scored(track_id, self._features(resolved, track_id, "fuzzy"))

    def _title_block(self, resolved: _Resolved, exclude: dict[int, Candidate]) -> list[int]:
        index = self.index
        postings = sorted(
            (
                index.title_tokens[token]
                for token in set(resolved.parts.base.split())
                if token in index.title_tokens
            ),
            key=len,
        )
        blocked: set[int] = set()
        for posting in postings[:3]:
            if len(posting) > _MAX_TOKEN_POSTINGS and blocked:
                break
            blocked.update(posting[:_MAX_TOKEN_POSTINGS])
        blocked.difference_update(exclude)
        if not blocked:
            return []
        titles = {track_id: index.tracks[track_id].title_base for track_id in blocked}
        best = process.extract(
            resolved.parts.base,
            titles,
            scorer=fuzz.ratio,
            limit=_TITLE_BLOCK_LIMIT,
            score_cutoff=self.settings.fuzzy_title_cutoff,
        )
        return [track_id for _title, _score, track_id in best]

    def _fuzzy_artist_ids(self, resolved: _Resolved) -> set[int]:
        """Artists whose key is close to one of the listen's, among those sharing a word or a key prefix."""
        if not resolved.akeys:
            return set()
        index = self.index
        pool: set[int] = set()
        for name in (resolved.artist_name, *split_artist_string(resolved.artist_name)[:1]):
            for token in key_tokens(name):
                artists = index.artist_tokens.get(token, ())
                if len(artists) <= _MAX_ARTIST_POSTINGS:
                    pool.update(artists)
        found: set[int] = set()
        for artist_id in pool:
            best = max(
                (
                    fuzz.ratio(listen_key, key)
                    for listen_key in resolved.akeys[:2]
                    for key in index.artist_keys_of[artist_id]
                ),
                default=0.0,
            )
            if best >= _FUZZY_ARTIST_CUTOFF:
                found.add(artist_id)
        return found

    def _features(self, resolved: _Resolved, track_id: int, via: str) -> Features:
        track: IndexedTrack = self.index.tracks[track_id]
        parts = resolved.parts
        alias_hit = via in ("alias", "review_alias")
        if via == "review_alias" or (alias_hit and track.title_base != parts.base):
            version = "same"
        else:
            version = version_relation(parts.kind, track.kind)
        if (via != "fuzzy" and via != "id") or parts.key == track.title_base.replace(" ", ""):
            title = 1.0
        else:
            title = (
                max(
                    fuzz.ratio(parts.base, track.title_base),
                    fuzz.token_sort_ratio(parts.base, track.title_base),
                )
                / 100
            )
        if not resolved.artist_ids.isdisjoint(track.artist_ids):
            artist = 1.0
        else:
            keys_of = self.index.artist_keys_of
            artist = (
                max(
                    (
                        fuzz.ratio(lk, key)
                        for lk in resolved.akeys[:3]
                        for a in track.artist_ids
                        for key in keys_of[a]
                    ),
                    default=0.0,
                )
                / 100
            )
        release: float | None = None
        if resolved.release and track.releases:
            if resolved.release in track.releases:
                release = 1.0
            else:
                release = max(fuzz.ratio(resolved.release, r) for r in track.releases) / 100
        duration_diff = None
        if resolved.duration and track.duration:
            duration_diff = abs(resolved.duration - track.duration)
        return Features(title, artist, release, duration_diff, version, via)

    def _decide(self, ranked: list[Candidate], artist_ids: tuple[int, ...]) -> MatchOutcome:
        settings = self.settings
        kept = [c for c in ranked[: settings.max_candidates] if self._plausible(c)]
        if is_linkable(ranked, settings):
            best = ranked[0]
            # A link keeps only rivals a reviewer might prefer, not every weaker or other-version track.
            rivals = [c for c in kept[1:] if c.confidence >= settings.ambiguous_floor]
            links = [best, *rivals] if rivals else []
            return MatchOutcome(
                "matched", best.track_id, best.confidence, best.features.via, links, artist_ids
            )
        if kept and (kept[0].confidence >= settings.ambiguous_floor or _other_version(kept[0])):
            reason = _ambiguity_reason(ranked, settings)
            return MatchOutcome("ambiguous", None, kept[0].confidence, reason, kept, artist_ids)
        best_confidence = kept[0].confidence if kept else None
        return MatchOutcome("unmatched", None, best_confidence, "no_plausible_track", kept, artist_ids)

    def _plausible(self, candidate: Candidate) -> bool:
        return candidate.confidence >= self.settings.candidate_floor or _other_version(candidate)


def _other_version(candidate: Candidate) -> bool:
    """Another version of the listened song (the studio take of a live listen): never linked, but shown to
    the reviewer when its title and artist agree (its length rarely does: live takes run longer)."""
    features = candidate.features
    return features.version == "conflict" and features.title >= 0.9 and features.artist >= 0.9


def _ambiguity_reason(ranked: list[Candidate], settings: MatchSettings) -> str:
    """Why the best candidate was not linked, in a word a reviewer can filter on."""
    best = ranked[0]
    if best.features.version == "conflict":
        return "other_version"
    if len(ranked) > 1 and best.raw - ranked[1].raw < settings.rival_margin:
        return "close_rivals"
    return "low_confidence"
