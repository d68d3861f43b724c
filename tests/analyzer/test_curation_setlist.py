"""Harmonic sets on every layout over a real FAISS index: each next track is a sound-alike within the BPM
window and a Camelot move (same, +/-1, relative, +2), with its mixing recommendation; saved as a playlist."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analyzer.audio.features import EXTRACTOR_VERSION, VECTOR_DIM
from analyzer.curation.playlist_entries import playlist_entries
from analyzer.curation.setlist import build_setlist, camelot_move, mixable_keys, save_setlist
from analyzer.similarity import TrackNotFound, rebuild_similarity_index
from models.engine import Database
from models.media import AudioFeatures
from tests import matching_fixtures as fx
from tests.curation_fixtures import add_file

# (title, camelot, bpm, position along one direction of sound: nearer positions sound more alike)
TRACKS = [
    ("Start", "8A", 124.0, 0),
    ("Clashing Key", "3B", 124.0, 1),  # the nearest sound-alike, but it does not mix with 8A
    ("Too Fast", "9A", 140.0, 2),  # mixes, but 13% faster than any track here
    ("Fifth Up", "9A", 126.0, 3),
    ("Boost", "11A", 127.0, 4),
    ("Relative", "11B", 128.0, 5),
    ("Fourth", "10B", 129.0, 6),
    ("Same Key", "10B", 129.0, 7),
]


def library(db: Database, root: Path) -> dict[str, int]:
    direction = np.random.default_rng(3).normal(size=VECTOR_DIM).astype(np.float32)
    noise = np.random.default_rng(4)
    ids = {}
    with db.session() as session:
        for title, camelot, bpm, position in TRACKS:
            track = fx.track(session, "DJ Test", title, duration=300)
            media = add_file(session, root / "music" / f"{title}.flac", track, 300)
            vector = direction * position + noise.normal(scale=1e-3, size=VECTOR_DIM).astype(np.float32)
            session.add(AudioFeatures(media_file_id=media, extractor_version=str(EXTRACTOR_VERSION), bpm=bpm,
                                      camelot=camelot, vector=vector.astype("<f4").tobytes()))  # fmt: skip
            ids[title] = track
        fx.track(session, "DJ Test", "Never Analysed")
    rebuild_similarity_index(db)
    return ids


def test_camelot_moves():
    assert camelot_move("8A", "8A") == "same key"
    assert camelot_move("8A", "9A") == "+1" and camelot_move("8A", "7A") == "-1"
    assert camelot_move("12B", "1B") == "+1" and camelot_move("1A", "12A") == "-1"
    assert camelot_move("8A", "8B") == "relative major" and camelot_move("8B", "8A") == "relative minor"
    assert camelot_move("11A", "1A") == "+2"
    assert camelot_move("8A", "9B") is None and camelot_move("8A", "3B") is None
    assert mixable_keys("8A") == {"8A", "9A", "7A", "8B", "10A"}


def test_set_walks_sound_alikes_that_mix_and_says_how(db: Database, tmp_path: Path):
    ids = library(db, tmp_path)
    setlist = build_setlist(db, ids["Start"], 10, bpm_window=6.0)
    assert [t.title for t in setlist.tracks] == [
        "Start",
        "Fifth Up",
        "Boost",
        "Relative",
        "Fourth",
        "Same Key",
    ]
    assert [t.recommendation for t in setlist.transitions] == [
        "+1: perfect fifth; 124.0 -> 126.0 BPM (+1.6%)",
        "+2: energy boost; 126.0 -> 127.0 BPM (+0.8%)",
        "relative major; 127.0 -> 128.0 BPM (+0.8%)",
        "-1: perfect fourth; 128.0 -> 129.0 BPM (+0.8%)",
        "same key; 129.0 -> 129.0 BPM (+0.0%)",
    ]
    assert setlist.stopped_early is not None and "within 6%" in setlist.stopped_early
    wide = build_setlist(db, ids["Start"], 3, bpm_window=15.0)  # a wider window lets the fast one in
    assert [t.title for t in wide.tracks] == ["Start", "Too Fast", "Fifth Up"]
    assert wide.stopped_early is None

    with db.session() as session:
        playlist_id = save_setlist(session, setlist, "Set from Start")
    with db.session() as session:
        entries = playlist_entries(session, playlist_id)
    assert [(e.track_id, e.status, e.score) for e in entries][:2] == [
        (ids["Start"], "matched", 100), (ids["Fifth Up"], "matched", 100),
    ]  # fmt: skip
    assert entries[1].note == "+1: perfect fifth; 124.0 -> 126.0 BPM (+1.6%)"
    assert entries[0].note == "start: 124.0 BPM, 8A"


def test_a_start_without_analysis_is_refused(db: Database, tmp_path: Path):
    library(db, tmp_path)
    with db.session() as session:
        never = fx.track(session, "DJ Test", "Never Analysed 2")
    with pytest.raises(TrackNotFound, match="no analysed tempo and key"):
        build_setlist(db, never, 5)
