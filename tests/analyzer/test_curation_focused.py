"""The focused catalog index (the fast path of playlist matching) decides exactly like the plain one, on the
matching evaluation's messy generated library (typos, versions, featuring credits, IDs, songs not there)."""

from __future__ import annotations

from analyzer.curation._focused_index import focused_index
from analyzer.matching import CatalogIndex, ListenQuery, Matcher
from bench.matching_data import generate, load_library
from models.engine import Database
from tests import matching_fixtures as fx


def test_focused_and_plain_index_give_the_same_decisions(sqlite_db: Database):
    data = generate(seed=5, n_tracks=3000, n_listens=200)
    load_library(sqlite_db, data)
    with sqlite_db.session() as session:
        fx.track(session, "Aliased Band", "Real Title", title_aliases=("Known Alias",))
        fx.track(session, "Isrc Owner", "Coded", ids={"isrc": "GBAYE0000351"})
        fx.track(session, "Massive Attack", "Teardrop", duration=330)
    queries = [
        ListenQuery(g.artist_name, g.track_name, g.release_name, g.duration, g.recording_mbid, g.isrc)
        for g in data.listens
    ]
    queries += [
        ListenQuery("Masive Attack", "Teardrp", duration_secs=331),  # only the fuzzy-artist pool reaches it
        ListenQuery("Aliased Band", "Known Alias"),
        ListenQuery("Someone Else", "Coded", isrc="gbaye0000351"),
    ]
    with sqlite_db.session() as session:
        plain = Matcher(CatalogIndex.load(session))
        focused_idx = focused_index(session, queries)
        focused = Matcher(focused_idx)
    assert len(focused_idx.tracks) < len(plain.index.tracks)  # it did leave tracks out
    differences = [
        (q, plain.match(q).decision(), focused.match(q).decision())
        for q in queries
        if plain.match(q).decision() != focused.match(q).decision()
    ]
    assert differences == []
    statuses = {plain.match(q).status for q in queries}
    assert statuses == {"matched", "ambiguous", "unmatched"}  # every path of the matcher was exercised
    assert plain.match(queries[-1]).reason == "isrc" and plain.match(queries[-2]).reason == "alias"
    assert plain.match(queries[-3]).reason == "fuzzy"
