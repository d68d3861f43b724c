"""Once fingerprinted, the audio decides: same tags but other music splits, an untagged copy joins (every
layout; real analysis of generated music)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update

from analyzer.analysis import run_analysis
from analyzer.catalog.repair import repair_track_identity
from analyzer.scan import run_scan
from models.engine import Database
from models.enums import EnrichStatus
from models.listens import Listen, ListenMatchCandidate
from models.media import MediaFile
from models.progress import run_to_end
from models.tracks import Track
from tests.analyzer.test_audio_fingerprint import synth_music, write_wav
from tests.audio_signals import encode
from tests.matching_fixtures import listen
from tests.scan_audio import tag

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode audio")

TAGS = {"artist": "NeonCorridor", "album": "HyperRogue", "title": "Living Caves", "tracknumber": "2"}


@pytest.fixture(scope="session")
def pieces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two different 20 s pieces as FLAC and a FLAC + MP3 of the first; untagged."""
    folder = tmp_path_factory.mktemp("fingerprint-identity")
    first = write_wav(folder / "first.wav", synth_music(20.0, seed=5, bpm=110))
    second = write_wav(folder / "second.wav", synth_music(20.0, seed=77, bpm=90))
    return {
        "first.flac": encode(first, folder / "first.flac"),
        "first.mp3": encode(first, folder / "first.mp3"),
        "second.flac": encode(second, folder / "second.flac"),
    }


def _copy(source: Path, target: Path, **tags: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    if tags:
        tag(target, **tags)
    return target


def _tracks_by_file(db: Database) -> dict[str, int]:
    with db.session() as s:
        rows = s.execute(select(MediaFile.file_path, MediaFile.track_id)).tuples().all()
    return {Path(path).name: track for path, track in rows}


def test_same_tags_and_length_but_other_music_split_once_fingerprinted(
    db: Database, tmp_path: Path, pieces: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    _copy(pieces["first.flac"], root / "caves.flac", **TAGS)
    _copy(pieces["first.mp3"], root / "caves.mp3", **TAGS)
    _copy(pieces["second.flac"], root / "crossroads.flac", **TAGS)
    run_scan(db, [root], workers=1)
    before = _tracks_by_file(db)
    assert len(set(before.values())) == 1  # tags and lengths cannot tell them apart
    with db.session() as s:
        heard = listen(s, "NeonCorridor", "Living Caves", duration=20.0)
        s.execute(
            update(Listen)
            .where(Listen.id == heard)
            .values(track_id=before["caves.flac"], enrich_status=EnrichStatus.MATCHED)
        )

    run_analysis(db, workers=1)
    after = _tracks_by_file(db)
    assert after["caves.flac"] == after["caves.mp3"] == before["caves.flac"]  # the majority keeps it
    assert after["crossroads.flac"] != after["caves.flac"]
    with db.session() as s:
        uid = s.scalar(select(Track.track_uid).where(Track.id == after["crossroads.flac"]))
        assert uid is not None and "~f" in uid
        # The listen cannot say which of two same-named, same-length pieces it was: review, both offered.
        status, track = s.execute(
            select(Listen.enrich_status, Listen.track_id).where(Listen.id == heard)
        ).one()
        offered = set(
            s.scalars(select(ListenMatchCandidate.track_id).where(ListenMatchCandidate.listen_id == heard))
        )
    assert (status, track) == (EnrichStatus.AMBIGUOUS, None)
    assert offered == {after["caves.flac"], after["crossroads.flac"]}

    # A rescan of unchanged files, a second analysis run and the repair change nothing.
    run_scan(db, [root], workers=1)
    run_analysis(db, workers=1)
    repaired = run_to_end(repair_track_identity(db))
    assert (repaired.files_moved, repaired.files_split_by_audio, repaired.files_joined_by_audio) == (0, 0, 0)
    assert _tracks_by_file(db) == after


def test_an_untagged_copy_joins_the_tagged_recording(
    db: Database, tmp_path: Path, pieces: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    _copy(pieces["first.flac"], root / "tagged/caves.flac", **TAGS)
    _copy(pieces["first.mp3"], root / "downloads/track01.mp3")
    _copy(pieces["second.flac"], root / "downloads/track02.flac")
    run_scan(db, [root], workers=1)
    before = _tracks_by_file(db)
    assert len(set(before.values())) == 3
    with db.session() as s:
        heard = listen(s, "downloads", "track01")
        s.execute(update(Listen).where(Listen.id == heard).values(track_id=before["track01.mp3"]))

    run_analysis(db, workers=1)
    after = _tracks_by_file(db)
    assert after["track01.mp3"] == after["caves.flac"] == before["caves.flac"]
    assert after["track02.flac"] == before["track02.flac"]  # other music: no tagged copy, stays
    with db.session() as s:
        assert s.scalar(select(Track.id).where(Track.id == before["track01.mp3"])) is None  # emptied, gone
        assert s.scalar(select(Listen.track_id).where(Listen.id == heard)) == after["caves.flac"]


def test_repair_splits_by_fingerprint_an_old_merge_tags_cannot_split(
    db: Database, tmp_path: Path, pieces: dict[str, Path]
) -> None:
    """An analysed catalog merged by the old rule: tags and lengths agree, only the audio tells."""
    from tests.analyzer.test_repair import merge_as_old_rule, old_uid

    root = tmp_path / "music"
    caves = _copy(pieces["first.flac"], root / "caves.flac", **TAGS)
    crossroads = _copy(pieces["second.flac"], root / "crossroads.flac", **TAGS)
    run_scan(db, [root], workers=1)
    run_analysis(db, workers=1)
    assert len(set(_tracks_by_file(db).values())) == 2
    merged, _ = merge_as_old_rule(
        db, str(caves), str(crossroads), old_uid("NeonCorridor", "HyperRogue", 0, 2, "Living Caves")
    )
    assert set(_tracks_by_file(db).values()) == {merged}

    summary = run_to_end(repair_track_identity(db))
    assert summary.files_split_by_audio == 1
    after = _tracks_by_file(db)
    assert after["caves.flac"] == merged and after["crossroads.flac"] != merged


def test_a_copy_under_other_tags_joins_its_recording_library_wide(
    db: Database, tmp_path: Path, pieces: dict[str, Path]
) -> None:
    """ffmpeg wrote HyperRogue's two TITLE values into an Opus copy as one "Living Caves;Crossroads": other
    tags, same audio. The library-wide pass (run by the repair) joins it; other music stays apart."""
    root = tmp_path / "music"
    _copy(pieces["first.flac"], root / "caves.flac", **TAGS)
    _copy(pieces["first.mp3"], root / "copy/caves.mp3", **{**TAGS, "title": "Living Caves;Crossroads"})
    _copy(pieces["second.flac"], root / "other.flac", **{**TAGS, "title": "Other"})
    run_scan(db, [root], workers=1)
    run_analysis(db, workers=1)
    before = _tracks_by_file(db)
    assert len(set(before.values())) == 3  # per batch only untagged copies join

    summary = run_to_end(repair_track_identity(db))
    assert summary.files_joined_by_audio == 1
    after = _tracks_by_file(db)
    assert after["caves.mp3"] == after["caves.flac"] == before["caves.flac"]
    assert after["other.flac"] == before["other.flac"]
    with db.session() as s:
        assert s.scalar(select(Track.id).where(Track.id == before["caves.mp3"])) is None
    assert run_to_end(repair_track_identity(db)).files_joined_by_audio == 0


def test_a_tiny_untagged_file_beside_a_library_does_not_fail_the_analysis(
    sqlite_db: Database, tmp_path: Path, pieces: dict[str, Path]
) -> None:
    """Its length minus the search window is below zero: the window starts at 0 s (it failed the whole job)."""
    root = tmp_path / "music"
    _copy(pieces["first.flac"], root / "tagged/caves.flac", **TAGS)
    write_wav(root / "blip.wav", synth_music(0.001, seed=3, bpm=120)[:10])
    run_scan(sqlite_db, [root], workers=1)
    summary = run_analysis(sqlite_db, workers=1)
    assert summary.analyzed + summary.errors == 2, summary
    assert summary.analyzed >= 1


def test_an_untagged_copy_analysed_before_its_tagged_recording_still_joins(
    db: Database, tmp_path: Path, pieces: dict[str, Path]
) -> None:
    """The join does not depend on the order: here the copy is fingerprinted in one run, the tagged file
    in a later one (as with commits every second, or a tagged file added after the download)."""
    root = tmp_path / "music"
    _copy(pieces["first.mp3"], root / "downloads/track01.mp3")
    run_scan(db, [root], workers=1)
    run_analysis(db, workers=1)
    _copy(pieces["first.flac"], root / "tagged/caves.flac", **TAGS)
    run_scan(db, [root], workers=1)
    before = _tracks_by_file(db)
    assert before["track01.mp3"] != before["caves.flac"]
    run_analysis(db, workers=1)
    after = _tracks_by_file(db)
    assert after["track01.mp3"] == after["caves.flac"] == before["caves.flac"]
    with db.session() as s:
        assert s.scalar(select(Track.id).where(Track.id == before["track01.mp3"])) is None
