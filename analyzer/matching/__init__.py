"""Matching listens to library tracks (enrichment): IDs, exact keys, aliases, then blocked fuzzy candidates,
with calibrated confidences. :func:`enrich_listens` is the long operation; :class:`Matcher` the pure core."""

from analyzer.matching.enrich import EnrichSummary, enrich_listens, listens_to_enrich
from analyzer.matching.index import CatalogIndex
from analyzer.matching.matcher import ListenQuery, Matcher, MatchOutcome
from analyzer.matching.scoring import Candidate, Features, MatchSettings

__all__ = [
    "Candidate",
    "CatalogIndex",
    "EnrichSummary",
    "Features",
    "ListenQuery",
    "MatchOutcome",
    "MatchSettings",
    "Matcher",
    "enrich_listens",
    "listens_to_enrich",
]
