"""`analyze_library` end to end: scan generated files, analyse them, check what the writer stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from analyzer.analysis import pending_jobs, run_analysis
from analyzer.audio import EXTRACTOR_VERSION
from analyzer.audio.features import VECTOR_DIM
from analyzer.scan import run_scan
from analyzer.similarity import index_path, load_index
from models.engine import Database
from models.enums import AnalysisStatus
from models.media import AudioFeatures, Fingerprint, MediaFile
from tests.audio_signals import garbled_mp3, make_library
from tests.scan_audio import tag

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_library(tmp_path_factory.mktemp("analyze-audio"))


@pytest.fixture
def library(generated: Path, tmp_path: Path) -> Path:
    root = tmp_path / "music"
    shutil.copytree(generated, root)
    garbled_mp3(root / "third.mp3", root / "broken.mp3")
    return root


def media_state(db: Database) -> dict[str, tuple[str, str | None, str | None]]:
    with db.session() as s:
        rows = s.execute(
            select(
                MediaFile.file_path, MediaFile.analysis_status, MediaFile.audio_hash, MediaFile.analysis_error
            )
        ).tuples()
        return {Path(p).name: (str(status), h, err) for p, status, h, err in rows}


def test_analysis_stores_hash_fingerprint_features_and_reasons(db: Database, library: Path) -> None:
    run_scan(db, [library], workers=1)
    summary = run_analysis(db, workers=1)
    assert (summary.pending, summary.analyzed, summary.errors) == (7, 6, 1)
    state = media_state(db)
    assert state["broken.mp3"][0] == "error" and state["broken.mp3"][1] is None
    assert "damaged" in (state["broken.mp3"][2] or "")
    assert [p.kind for p in summary.problems] == ["corrupt"]
    good = {name: v for name, v in state.items() if name != "broken.mp3"}
    assert all(status == "done" for status, _, _ in good.values())
    hashes = [state[n][1] for n in ("song.flac", "song.mp3", "song.ogg")]
    assert all(hashes) and len(set(hashes)) == 3  # the same signal, but each codec has its own payload
    with db.session() as s:
        prints = s.execute(select(Fingerprint.chromaprint, Fingerprint.duration_secs)).all()
        features = s.execute(
            select(AudioFeatures.extractor_version, AudioFeatures.vector, AudioFeatures.bpm)
        ).all()
    assert len(prints) == 6 and all(fp.startswith("AQ") and 30 < d < 45 for fp, d in prints)
    assert len(features) == 6
    assert all(v == str(EXTRACTOR_VERSION) and len(vec) == 4 * VECTOR_DIM for v, vec, _ in features)
    index = load_index(index_path(db))
    assert index is not None and index.size == 6  # one vector per track

    again = run_analysis(db, workers=1)  # resumable: nothing left to do, the failure is not retried
    assert (again.pending, again.analyzed) == (0, 0)
    assert run_analysis(db, workers=1, retry_errors=True).errors == 1


def test_tag_edit_keeps_the_hash_and_a_new_extractor_reruns(sqlite_db: Database, library: Path) -> None:
    run_scan(sqlite_db, [library], workers=1)
    run_analysis(sqlite_db, workers=1)
    before = media_state(sqlite_db)["song.flac"][1]
    tag(library / "song.flac", comment="edited")
    run_scan(sqlite_db, [library], workers=1)
    assert media_state(sqlite_db)["song.flac"][0] == "pending"  # the scan saw a change
    assert run_analysis(sqlite_db, workers=1).analyzed == 1
    assert media_state(sqlite_db)["song.flac"][1] == before

    with sqlite_db.session() as s:
        s.execute(AudioFeatures.__table__.update().values(extractor_version="0"))
        assert len(pending_jobs(s)) == 6
    assert run_analysis(sqlite_db, workers=1).analyzed == 6


def test_moved_file_keeps_its_row_history(sqlite_db: Database, library: Path) -> None:
    run_scan(sqlite_db, [library], workers=1)
    run_analysis(sqlite_db, workers=1)
    with sqlite_db.session() as s:
        first_seen = s.execute(
            select(MediaFile.first_seen_at).where(MediaFile.file_path.like("%other.flac"))
        ).scalar_one()
    (library / "moved").mkdir()
    (library / "other.flac").rename(library / "moved" / "other.flac")
    run_scan(sqlite_db, [library], workers=1)
    summary = run_analysis(sqlite_db, workers=1)
    assert summary.moved == 1
    with sqlite_db.session() as s:
        rows = s.execute(
            select(MediaFile.file_path, MediaFile.first_seen_at, MediaFile.analysis_status).where(
                MediaFile.file_path.like("%other.flac")
            )
        ).all()
    assert len(rows) == 1 and rows[0][0].endswith("moved/other.flac")
    assert rows[0][1] == first_seen and rows[0][2] == AnalysisStatus.DONE
