"""Library folders in the database: adding (checked, normalised, never nested), listing, and removing a
folder with its files while every listen survives, on every engine and layout."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from analyzer.scan import FolderError, add_folder, list_folders, remove_folder, run_scan
from models.curation import Playlist, PlaylistItem
from models.engine import Database
from models.enums import EnrichStatus
from models.listens import Listen, ListenMatchCandidate, ListenRaw, ListenStatsState
from models.media import AudioFeatures, MediaFile
from models.tracks import Track
from models.users import User
from tests.scan_audio import make_templates, place

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("folder-templates"))


def test_add_list_and_normalise(db: Database, tmp_path: Path) -> None:
    (tmp_path / "b music").mkdir()
    (tmp_path / "a").mkdir()
    with db.session() as session:
        added = add_folder(session, str(tmp_path / "b music" / ".." / "b music") + os.sep)
        add_folder(session, tmp_path / "a")
    assert added.path == str(tmp_path / "b music") and added.id > 0 and added.added_at.tzinfo is not None
    with db.session() as session:
        folders = list_folders(session)
    assert [f.path for f in folders] == [str(tmp_path / "a"), str(tmp_path / "b music")]
    assert folders[1] == added


def test_relative_and_home_paths_are_made_absolute(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rel").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    with db.session() as session:
        assert add_folder(session, "rel").path == str(tmp_path / "rel")
        with pytest.raises(FolderError, match="already a library folder"):
            add_folder(session, "~/rel")


def test_bad_folders_are_refused_with_a_reason(db: Database, tmp_path: Path) -> None:
    song = tmp_path / "song.mp3"
    song.write_bytes(b"x")
    with db.session() as session:
        with pytest.raises(FolderError, match=r"^no such folder: .*nowhere$"):
            add_folder(session, tmp_path / "nowhere")
        with pytest.raises(
            FolderError, match=r"^not a folder: .*song\.mp3 \(add the folder that holds it\)$"
        ):
            add_folder(session, song)
        with pytest.raises(FolderError, match=r"^no folder given$"):
            add_folder(session, "  ")
        assert list_folders(session) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folder_is_refused(sqlite_db: Database, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0)
    try:
        with sqlite_db.session() as session, pytest.raises(FolderError, match="cannot read the folder"):
            add_folder(session, locked)
    finally:
        locked.chmod(0o755)


def test_twice_inside_and_parent(db: Database, tmp_path: Path) -> None:
    """The same folder twice and a folder inside one are refused; a parent replaces the folders it holds."""
    for name in ("music/rock", "music/jazz", "musicals"):
        (tmp_path / name).mkdir(parents=True)
    with db.session() as session:
        add_folder(session, tmp_path / "music" / "rock")
        add_folder(session, tmp_path / "music" / "jazz")
        add_folder(session, tmp_path / "musicals")  # a shared name prefix is not nesting
    with db.session() as session:
        with pytest.raises(FolderError, match=r"^already a library folder: "):
            add_folder(session, tmp_path / "music" / "rock")
        (tmp_path / "music" / "rock" / "live").mkdir()
        with pytest.raises(FolderError, match=r"is inside the library folder .*rock$"):
            add_folder(session, tmp_path / "music" / "rock" / "live")
    with db.session() as session:
        parent = add_folder(session, tmp_path / "music")
    with db.session() as session:
        assert [f.path for f in list_folders(session)] == [parent.path, str(tmp_path / "musicals")]


def test_remove_unknown_folder_says_so(db: Database, tmp_path: Path) -> None:
    with db.session() as session:
        with pytest.raises(FolderError, match=r"^not a library folder: "):
            remove_folder(session, str(tmp_path))
        with pytest.raises(FolderError, match=r"^no library folder has the id 42$"):
            remove_folder(session, 42)


def _listen(session: object, user_id: int, track_id: int, at: int) -> None:
    raw = ListenRaw(user_id=user_id, source="test", payload_json="{}", listened_at=at)
    session.add(raw)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    session.add(  # type: ignore[attr-defined]
        Listen(
            raw_id=raw.id, user_id=user_id, track_id=track_id, listened_at=at, source="test",
            artist_name="A", track_name="t", artist_name_normalized="a", track_name_normalized="t",
            enrich_status=EnrichStatus.MANUAL, match_confidence=1.0, match_reason="manual",
        )
    )  # fmt: skip


@needs_ffmpeg
def test_remove_folder_removes_its_files_and_keeps_every_listen(
    db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    """Files under the folder leave the library, with their features; a track another folder still holds
    stays; a pruned track's listens go back to matching; a playlist's track is kept; other folders are
    untouched (including one whose name starts like the removed one)."""
    gone, kept, near = tmp_path / "gone", tmp_path / "kept", tmp_path / "gone-not"
    place(templates, gone / "a" / "only.flac", title="Only Here", artist="A", album="X", tracknumber="1")
    place(templates, gone / "shared.flac", title="Shared", artist="A", album="X", tracknumber="2")
    place(templates, kept / "shared.mp3", title="Shared", artist="A", album="X", tracknumber="2")
    place(templates, gone / "listed.flac", title="Listed", artist="A", album="X", tracknumber="3")
    place(templates, near / "near.flac", title="Near", artist="A", album="X", tracknumber="4")
    (gone / "broken.mp3").write_bytes(b"not audio at all" * 10)
    with db.session() as session:
        for folder in (gone, kept, near):
            add_folder(session, folder)
    run_scan(db, [gone, kept, near], workers=1)
    with db.session() as session:
        track_of = dict(session.execute(select(Track.title, Track.id)).tuples().all())
        assert set(track_of) == {"Only Here", "Shared", "Listed", "Near"}
        only_file = session.scalars(
            select(MediaFile.id).where(MediaFile.track_id == track_of["Only Here"])
        ).one()
        session.add(AudioFeatures(media_file_id=only_file, extractor_version="t", bpm=120.0))
        user = User(username="u")
        session.add(user)
        session.flush()
        user_id = user.id
        _listen(session, user.id, track_of["Only Here"], 1_700_000_000)
        _listen(session, user.id, track_of["Shared"], 1_700_000_100)
        other = ListenRaw(user_id=user.id, source="test", payload_json="{}", listened_at=1_700_000_200)
        session.add(other)
        session.flush()
        pending = Listen(
            raw_id=other.id, user_id=user.id, listened_at=1_700_000_200, source="test", artist_name="A",
            track_name="x", artist_name_normalized="a", track_name_normalized="x",
        )  # fmt: skip
        session.add(pending)
        session.flush()
        session.add(
            ListenMatchCandidate(listen_id=pending.id, track_id=track_of["Only Here"], confidence=0.5)
        )
        playlist = Playlist(title="p")
        session.add(playlist)
        session.flush()
        session.add(PlaylistItem(playlist_id=playlist.id, position=0, track_id=track_of["Listed"]))

    with db.session() as session:
        removed = remove_folder(session, str(gone) + os.sep)
    assert removed.folder.path == str(gone)
    assert (removed.files_removed, removed.tracks_removed, removed.listens_unlinked) == (4, 1, 1)

    with db.session() as session:
        paths = sorted(
            Path(p).relative_to(tmp_path).as_posix() for p in session.scalars(select(MediaFile.file_path))
        )
        assert paths == ["gone-not/near.flac", "kept/shared.mp3"]
        assert set(session.scalars(select(Track.title))) == {"Shared", "Listed", "Near"}
        assert session.scalar(select(func.count()).select_from(AudioFeatures)) == 0
        listens = {
            listen.listened_at.timestamp(): (listen.track_id, listen.enrich_status, listen.match_reason)
            for listen in session.scalars(select(Listen))
        }
        assert listens == {
            1_700_000_000: (None, EnrichStatus.PENDING, None),  # its track is gone: back to matching
            1_700_000_100: (track_of["Shared"], EnrichStatus.MANUAL, "manual"),  # still held by kept/
            1_700_000_200: (None, EnrichStatus.PENDING, None),
        }
        assert session.scalar(select(func.count()).select_from(ListenMatchCandidate)) == 0
        state = session.get(ListenStatsState, user_id)  # the stats rollup is told which days changed
        assert state is not None and state.dirty_lo is not None and state.dirty_hi is not None
        assert state.dirty_lo <= 1_700_000_000 <= state.dirty_hi
        assert [f.path for f in list_folders(session)] == [str(near), str(kept)]

    # Added back and rescanned, the folder's files return.
    with db.session() as session:
        add_folder(session, gone)
    summary = run_scan(db, [gone], workers=1)
    assert summary.added == 3 and summary.errors == 1


def test_remove_by_id_works_when_the_folder_is_gone_from_disk(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    with db.session() as session:
        added = add_folder(session, folder)
    folder.rmdir()
    with db.session() as session:
        removed = remove_folder(session, added.id)
    assert (removed.folder, removed.files_removed, removed.tracks_removed) == (added, 0, 0)
    with db.session() as session:
        assert list_folders(session) == []


@needs_ffmpeg
def test_remove_is_exact_about_case_and_odd_names(
    db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    """MariaDB compares text case-insensitively and LIKE treats % and _ as wildcards; a name that is not
    UTF-8 is stored encoded. None of that may take another folder's files."""
    odd = os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9 100%_x")  # Latin-1 byte: not UTF-8
    folders = [tmp_path / "Music", tmp_path / "music", Path(odd), tmp_path / "caf_ 100%_x"]
    for number, folder in enumerate(folders, start=1):
        place(templates, folder / "song.flac", title=f"Song {number}", artist="A", album=str(number))
    with db.session() as session:
        for folder in folders:
            add_folder(session, folder)
    run_scan(db, folders, workers=1)
    with db.session() as session:
        assert [
            r.files_removed for r in (remove_folder(session, str(folders[0])), remove_folder(session, odd))
        ] == [1, 1]
    with db.session() as session:
        left = sorted(Path(p).parent.name for p in session.scalars(select(MediaFile.file_path)))
        assert left == ["caf_ 100%_x", "music"]
        assert sorted(Path(f.path).name for f in list_folders(session)) == ["caf_ 100%_x", "music"]
