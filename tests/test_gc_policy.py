"""Long operations leave the process's garbage collector alone (a GUI process runs them in a worker thread);
only inside models.gc_policy.bulk_collector, which an entry point opens, do they pause and freeze it, and
the block restores it afterwards. Real scans, enrich runs and imports on real databases."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from analyzer.matching import enrich_listens
from analyzer.scan import scan_folders
from bench.matching_data import generate, load_into
from models.engine import Database
from models.gc_policy import batch_paused, bulk_collecting, bulk_collector, settle_batch
from models.progress import Progress, run_to_end
from scrobbler.importers import get
from scrobbler.ingest import ingest_file
from scrobbler.users import default_user
from tests.scan_audio import make_templates, place
from tests.scrobbler.test_ingest_background import write_export

Operation = Callable[[], Generator[Progress, None, Any]]


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is needed to make audio")
    return make_templates(tmp_path_factory.mktemp("gc-policy-templates"))


@pytest.fixture
def collector_state() -> Iterator[None]:
    """Whatever a test does, the next test starts with the collector as pytest had it."""
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


def scan(db: Database, tmp_path: Path, templates: dict[str, Path]) -> Operation:
    root = tmp_path / "music"
    for n in range(12):
        place(templates, root / f"{n:02d}.flac", title=f"Song {n}", artist="Artist", album="Album")
    return lambda: scan_folders(db, [root], batch_files=4, workers=1)


def enrich(db: Database) -> Operation:
    load_into(db, generate(seed=3, n_tracks=120, n_listens=300))
    return lambda: enrich_listens(db, batch_size=100, worker=False)


def ingest(db: Database, tmp_path: Path) -> Operation:
    path = write_export(tmp_path / "listens.jsonl", 3000)
    with db.session() as session:
        user = default_user(session).id
    return lambda: ingest_file(db, get("listenbrainz_export"), path, user, batch_size=500)


def operations(db: Database, tmp_path: Path, templates: dict[str, Path]) -> dict[str, Operation]:
    return {"scan": scan(db, tmp_path, templates), "enrich": enrich(db), "ingest": ingest(db, tmp_path)}


def observed(operation: Operation) -> list[tuple[bool, int]]:
    """(enabled, freeze count) at every progress event and at the end."""
    seen = []
    events = operation()
    while True:
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        try:
            next(events)
        except StopIteration:
            break
    return [*seen, (gc.isenabled(), gc.get_freeze_count())]


@pytest.mark.parametrize("enabled", [True, False], ids=["gc-on", "gc-off"])
def test_called_from_a_gui_process_the_collector_is_never_touched(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path], enabled: bool, collector_state: None
) -> None:
    ops = operations(sqlite_db, tmp_path, templates)
    gc.unfreeze()
    if not enabled:
        gc.disable()
    for name, operation in ops.items():
        assert set(observed(operation)) == {(enabled, 0)}, name
    summary = run_to_end(ops["scan"]())  # what the test asked for: run_to_end, then look
    assert summary.unchanged == 12 and gc.isenabled() is enabled and gc.get_freeze_count() == 0


def test_an_entry_point_lets_them_freeze_and_gets_its_collector_back(
    sqlite_db: Database, tmp_path: Path, templates: dict[str, Path], collector_state: None
) -> None:
    ops = operations(sqlite_db, tmp_path, templates)
    gc.unfreeze()
    for name, operation in ops.items():
        with bulk_collector():
            seen = observed(operation)
        assert any(frozen for _, frozen in seen) or name == "ingest", name  # scan and enrich freeze
        assert name != "ingest" or not any(on for on, _ in seen[1:-1])  # ingest pauses the collector
        assert (gc.isenabled(), gc.get_freeze_count()) == (True, 0), name


def test_hints_do_nothing_outside_the_block_and_in_other_threads(collector_state: None) -> None:
    import threading

    gc.unfreeze()
    with batch_paused():
        assert gc.isenabled()
    settle_batch()
    assert gc.get_freeze_count() == 0
    results: list[bool] = []
    with bulk_collector():
        assert bulk_collecting()
        worker = threading.Thread(target=lambda: results.append(bulk_collecting()))
        worker.start()
        worker.join()
        with batch_paused():
            assert not gc.isenabled()
        assert gc.isenabled()
    assert results == [False] and not bulk_collecting()
