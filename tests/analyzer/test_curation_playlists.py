"""Importing playlists into the library on every database layout: each entry gets a score and a status,
moved and foreign paths are re-found, versions are never confused, re-import updates, review decisions
stick."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from analyzer.curation.playlist_entries import (
    EntryNotFound,
    ambiguous_entries,
    decide_entry,
    entry_candidates,
    playlist_entries,
    rematch_playlists,
)
from analyzer.curation.playlists import (
    ImportSummary,
    import_playlist_file,
    list_playlists,
    playlist_track_ids,
)
from models.curation import EntryStatus, Playlist, PlaylistEntry, PlaylistItem
from models.engine import Database
from models.progress import CancelToken, run_to_end
from tests import matching_fixtures as fx
from tests.curation_fixtures import build_library

DATA = Path(__file__).parent.parent / "data" / "playlists"


def import_copy(db: Database, tmp_path: Path, name: str, **kwargs) -> ImportSummary:
    """Import a fixture copied into ``tmp_path/lists`` (relative paths start there; music is beside it)."""
    target = tmp_path / "lists" / name
    target.parent.mkdir(exist_ok=True)
    shutil.copy(DATA / name, target)
    return run_to_end(import_playlist_file(db, target, **kwargs))


def statuses(db: Database, playlist_id: int) -> list[tuple[str, int | None, str | None]]:
    with db.session() as session:
        return [(e.status, e.track_id, e.reason) for e in playlist_entries(session, playlist_id)]


def test_windows_m3u_entries_are_refound_by_path_tail_and_names(db: Database, tmp_path: Path):
    with db.session() as session:
        ids = build_library(session, tmp_path)
    summary = import_copy(db, tmp_path, "anna-windows.m3u")
    [imported] = summary.playlists
    assert (imported.format, imported.updated) == ("m3u", False)
    assert imported.counts == {"matched": 3, "ambiguous": 0, "missing": 2}
    assert [str(p) for p in imported.problems][1].startswith("line 8:")
    with db.session() as session:
        entries = playlist_entries(session, imported.playlist_id)
    eple, joga, omt, not_here, unknown = entries
    assert (eple.status, eple.track_id, eple.reason) == (
        "matched",
        ids["Röyksopp - Eple"],
        "refound_and_names",
    )
    assert eple.score >= 95
    # Another file name (.mp3 there, .flac here): found by its names instead.
    assert (joga.status, joga.track_id, joga.reason) == ("matched", ids["Björk - Jóga"], "exact")
    assert (omt.status, omt.track_id) == ("matched", ids["Daft Punk - One More Time"])
    assert (not_here.status, not_here.score, not_here.line_no) == ("missing", 0, 9)
    assert (unknown.status, unknown.label) == ("missing", "Artist We Do Not Have - Some Song")
    with db.session() as session:
        assert playlist_track_ids(session, imported.playlist_id) == [
            ids["Röyksopp - Eple"], ids["Björk - Jóga"], ids["Daft Punk - One More Time"],
        ]  # fmt: skip


def test_relative_paths_resolve_from_the_playlist_and_foreign_uris_by_file_name(db: Database, tmp_path: Path):
    with db.session() as session:
        ids = build_library(session, tmp_path)
    [imported] = import_copy(db, tmp_path, "road-trip.m3u8").playlists
    assert imported.title == "Road trip ☀"
    eple, sakamoto, radio, hopp = statuses(db, imported.playlist_id)
    assert eple == ("matched", ids["Röyksopp - Eple"], "path")
    assert sakamoto[:2] == ("matched", ids["坂本龍一 - Merry Christmas Mr. Lawrence"])
    assert radio[0] == "missing"
    assert hopp[:2] == ("matched", ids["Sigur Rós - Hoppípolla"])
    with db.session() as session:
        [first] = playlist_entries(session, imported.playlist_id)[:1]
    assert first.score == 100


def test_tracklist_never_links_another_version_and_lists_what_is_missing(db: Database, tmp_path: Path):
    with db.session() as session:
        ids = build_library(session, tmp_path)
    [imported] = import_copy(db, tmp_path, "sunday-sessions-042.txt").playlists
    with db.session() as session:
        entries = playlist_entries(session, imported.playlist_id)
        missing = playlist_entries(session, imported.playlist_id, EntryStatus.MISSING)
    by_title = {e.title: e for e in entries}
    live = by_title["One More Time (Live)"]
    assert (live.status, live.track_id, live.reason) == ("ambiguous", None, "other_version")
    assert by_title["ID"].reason == "unidentified"
    assert by_title["Eple"].start_secs == 0.0 and by_title["Eple"].track_id == ids["Röyksopp - Eple"]
    assert [e.title for e in missing] == ["ID"]
    assert imported.counts == {"matched": 5, "ambiguous": 1, "missing": 1}


def test_ids_from_jspf_and_spotify_link_even_when_names_differ(db: Database, tmp_path: Path):
    with db.session() as session:
        ids = build_library(session, tmp_path)
    [weekly] = import_copy(db, tmp_path, "weekly-exploration.jspf").playlists
    joga, nobody, hopp = statuses(db, weekly.playlist_id)
    assert joga == ("matched", ids["Björk - Jóga"], "recording_mbid")
    assert nobody[0] == "missing" and hopp[0] == "matched"
    sunday, gym = import_copy(db, tmp_path, "Playlist1.json").playlists
    assert (sunday.title, gym.title) == ("Sunday morning", "Gym ⚡")
    rows = statuses(db, sunday.playlist_id)
    assert rows[2] == ("matched", ids["Daft Punk - One More Time"], "spotify_id")
    assert statuses(db, gym.playlist_id) == [("matched", ids["Jay-Z - 99 Problems"], "exact")]


def test_two_files_of_the_same_name_are_ambiguous_with_both_candidates(db: Database, tmp_path: Path):
    with db.session() as session:
        ids = build_library(session, tmp_path)
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "intro.m3u").write_text("#EXTM3U\n/old/disk/01 Intro.mp3\n", encoding="utf-8")
    [imported] = run_to_end(import_playlist_file(db, lists / "intro.m3u")).playlists
    [(pid, entry)] = [(p, e) for p, e in _ambiguous(db)]
    assert pid == imported.playlist_id and entry.reason == "refound_several"
    with db.session() as session:
        found = {c.track_id for c in entry_candidates(session, entry.id)}
    assert found == {ids["Air - Intro"], ids["Moby - Intro"]}


def _ambiguous(db: Database):
    with db.session() as session:
        return ambiguous_entries(session)


def test_reimport_updates_the_same_playlist_and_keeps_review_decisions(db: Database, tmp_path: Path):
    with db.session() as session:
        ids = build_library(session, tmp_path)
    first = import_copy(db, tmp_path, "sunday-sessions-042.txt").playlists[0]
    [(_, live)] = _ambiguous(db)
    with db.session() as session:
        decide_entry(session, live.id, ids["Daft Punk - One More Time"])  # "the studio take is fine"
    again = import_copy(db, tmp_path, "sunday-sessions-042.txt").playlists[0]
    assert (again.playlist_id, again.updated) == (first.playlist_id, True)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Playlist)) == 1
        assert session.scalar(select(func.count()).select_from(PlaylistEntry)) == 7
        entries = playlist_entries(session, first.playlist_id)
        items = session.scalars(
            select(PlaylistItem.position).where(PlaylistItem.playlist_id == first.playlist_id)
        )
        assert sorted(items) == [e.position for e in entries if e.track_id is not None]
    live_again = next(e for e in entries if e.title == "One More Time (Live)")
    assert (live_again.status, live_again.track_id, live_again.reason) == (
        "matched", ids["Daft Punk - One More Time"], "review_link",
    )  # fmt: skip
    assert _ambiguous(db) == []


def test_reject_and_rematch_after_the_library_grew(db: Database, tmp_path: Path):
    with db.session() as session:
        build_library(session, tmp_path)
    [imported] = import_copy(db, tmp_path, "anna-windows.m3u").playlists
    with db.session() as session:
        unknown = playlist_entries(session, imported.playlist_id)[4]
        not_here = playlist_entries(session, imported.playlist_id)[3]
        decide_entry(session, not_here.id, None)
        new_track = fx.track(session, "Artist We Do Not Have", "Some Song", duration=200)
    summary = run_to_end(rematch_playlists(db, imported.playlist_id))
    assert (summary.playlists, summary.entries, summary.changed) == (1, 5, 1)
    with db.session() as session:
        after = playlist_entries(session, imported.playlist_id)
    assert (after[4].id, after[4].status, after[4].track_id) == (unknown.id, "matched", new_track)
    assert (after[3].status, after[3].reason) == ("missing", "review_reject")
    with db.session() as session, pytest.raises(EntryNotFound):
        decide_entry(session, after[0].id, 999_999)


def test_cancelled_import_writes_nothing(db: Database, tmp_path: Path):
    with db.session() as session:
        build_library(session, tmp_path)
    token = CancelToken()
    token.cancel()
    summary = import_copy(db, tmp_path, "road-trip.m3u8", cancel=token)
    assert summary.cancelled and summary.playlists == []
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Playlist)) == 0
        assert list_playlists(session) == []


def test_list_playlists_counts_per_status(db: Database, tmp_path: Path):
    with db.session() as session:
        build_library(session, tmp_path)
    import_copy(db, tmp_path, "sunday-sessions-042.txt")
    import_copy(db, tmp_path, "radio.pls")
    with db.session() as session:
        listed = {p.title: p for p in list_playlists(session)}
    assert (listed["radio"].entries, listed["radio"].format) == (3, "pls")
    mix = listed["sunday-sessions-042"]
    assert (mix.entries, mix.matched, mix.ambiguous, mix.missing) == (7, 5, 1, 1)
    assert mix.source_path is not None and mix.source_path.endswith("sunday-sessions-042.txt")
