"""Keys and per-listen decisions of the pure matcher (no database)."""

from __future__ import annotations

import pytest

from analyzer.matching import CatalogIndex, ListenQuery, Matcher
from analyzer.matching.calibration import CALIBRATION_TABLE, calibrated
from analyzer.matching.index import IndexedTrack
from analyzer.matching.keys import artist_keys, title_parts, version_relation


def test_artist_keys_try_the_whole_credit_then_each_name():
    assert artist_keys("Simon & Garfunkel") == ("simonandgarfunkel", "simon", "garfunkel")
    assert artist_keys("The Beatles") == ("beatles",)
    assert artist_keys("Madonna feat. Justin Timberlake")[:2] == (
        "madonnafeatjustintimberlake",
        "madonna",
    )
    assert artist_keys("AC/DC")[0] == artist_keys("ACDC")[0]


@pytest.mark.parametrize(
    ("title", "base", "kind"),
    [
        ("Hey Jude - Remastered 2009", "hey jude", "remaster"),
        ("Song (Live at Wembley)", "song", "live"),
        ("Song (feat. X) (Radio Edit)!", "song", "radio_edit"),
        ("Song (Part 2)", "song part 2", None),
    ],
)
def test_title_parts_cut_variant_suffixes(title: str, base: str, kind: str | None):
    parts = title_parts(title)
    assert (parts.base, parts.kind) == (base, kind)


def test_versions_that_change_the_recording_conflict():
    assert version_relation("live", None) == "conflict"
    assert version_relation(None, "remix") == "conflict"
    assert version_relation("remaster", None) == "compatible"
    assert version_relation("radio_edit", None) == "compatible"
    assert version_relation("live", "live") == "same"


def test_calibration_is_monotonic_and_bounded():
    raws = [raw for raw, _ in CALIBRATION_TABLE]
    probabilities = [p for _, p in CALIBRATION_TABLE]
    assert raws == sorted(raws) and probabilities == sorted(probabilities)
    assert calibrated(-1.0) == probabilities[0] and calibrated(2.0) == probabilities[-1]
    assert all(0.0 <= calibrated(x / 100) <= 1.0 for x in range(101))


def _index(*tracks: tuple[int, str, str, float]) -> CatalogIndex:
    index = CatalogIndex()
    artist_ids: dict[str, int] = {}
    for track_id, artist, title, duration in tracks:
        artist_id = artist_ids.setdefault(artist, len(artist_ids) + 1)
        index.add_artist_name(artist_id, artist)
        index.add_track(IndexedTrack(track_id, title, "", None, duration))
        index.credit(track_id, artist_id)
    return index


def test_live_listen_never_links_the_studio_track_but_keeps_it_as_candidate():
    matcher = Matcher(_index((1, "Queen", "Bohemian Rhapsody", 355.0)))
    outcome = matcher.match(ListenQuery("Queen", "Bohemian Rhapsody (Live)", None, 360.0))
    assert outcome.status != "matched"
    assert [c.track_id for c in outcome.candidates] == [1]
    assert outcome.candidates[0].features.version == "conflict"


def test_remaster_links_the_plain_title_unless_the_library_has_the_remaster():
    plain_only = Matcher(_index((1, "The Beatles", "Hey Jude", 431.0)))
    outcome = plain_only.match(ListenQuery("Beatles", "Hey Jude - Remastered 2009", None, 431.0))
    assert (outcome.status, outcome.track_id) == ("matched", 1)
    both = Matcher(
        _index((1, "The Beatles", "Hey Jude", 431.0), (2, "The Beatles", "Hey Jude (Remastered 2009)", 431.0))
    )
    outcome = both.match(ListenQuery("The Beatles", "Hey Jude - Remastered 2009", None, 431.0))
    assert (outcome.status, outcome.track_id) == ("matched", 2)


def test_typo_is_found_by_blocking_and_a_cover_is_not_linked():
    matcher = Matcher(
        _index((1, "Radiohead", "Paranoid Android", 387.0), (2, "Radiohead", "Karma Police", 264.0))
    )
    typo = matcher.match(ListenQuery("radiohead", "Paranoid Andriod", None, 386.0))
    assert (typo.status, typo.track_id, typo.reason) == ("matched", 1, "fuzzy")
    assert 0.0 < (typo.confidence or 0) <= 1.0
    cover = matcher.match(ListenQuery("Brad Mehldau", "Paranoid Android", None, 600.0))
    assert cover.status != "matched"
