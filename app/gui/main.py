"""`tonearm-gui`: the desktop window, and `tonearm-gui --screenshots DIR` to render every screen to PNG.

Start-up is kept short: only Qt, SQLAlchemy and the core modules the first screen reads are imported before
the first paint. Essentia runs in analysis worker processes only; FAISS, matplotlib, pyarrow and uvicorn load
with the screens that need them (tests/app/gui/test_main_window.py asserts it on ``sys.modules``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.gui.state import AppState
    from app.gui.window import MainWindow

_STARTED = time.perf_counter()

HEAVY_MODULES = ("essentia", "faiss", "matplotlib", "pyarrow", "uvicorn")
"""Never imported by the GUI process before the first paint (Essentia never: it runs in worker processes)."""


def _process_age_ms() -> float | None:
    """Milliseconds since this process started (Linux), so timings include the interpreter's own start."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of proc(5), counted after the command name
        with open("/proc/uptime", "rb") as uptime:
            up = float(uptime.read().split()[0])
        return (up - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000.0
    except (OSError, ValueError, IndexError):
        return None


def _memory_mib() -> dict[str, float]:
    """Resident memory now and at its peak (Linux), for the start-up probe."""
    found: dict[str, float] = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    found["rss_mib" if line.startswith("VmRSS") else "peak_rss_mib"] = (
                        int(line.split()[1]) / 1024
                    )
    except OSError:
        pass
    return found


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tonearm-gui", description="The Tonearm desktop app.")
    parser.add_argument("--database-url", help="open this database instead of the configured one")
    parser.add_argument(
        "--screenshots",
        metavar="DIR",
        type=Path,
        help="render every screen offscreen into DIR/<screen>.png, print one JSON line of timings, and exit",
    )
    parser.add_argument(
        "--startup-probe",
        action="store_true",
        help="print one JSON line of start-up timings once the library rows are painted, and exit (benchmarks)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    headless = args.screenshots is not None or args.startup_probe
    if headless and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    use_forkserver()
    share_the_interpreter()
    _import_core_before_qt()

    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication, QMessageBox

    QCoreApplication.setOrganizationName("tonearm")
    QCoreApplication.setApplicationName("tonearm")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationDisplayName("Tonearm")
    app.setDesktopFileName("tonearm")

    from app.gui.jobs import JobRunner
    from app.gui.state import AppState, configured_database_url, configured_schemas, open_initialized

    settings = QSettings()
    url = args.database_url or configured_database_url(settings)
    try:
        db = open_initialized(url, configured_schemas(settings))
    except Exception as error:  # a moved file, a server that is down: say so, then use the default library
        if url is None or headless:
            raise
        QMessageBox.warning(
            None,
            "Tonearm",
            f"Could not open the configured database:\n{_error_line(error)}\n\n"
            "Tonearm opens the default library instead; choose another database in Settings.",
        )
        db = open_initialized(None)
    state = AppState(db, JobRunner(), settings)
    window = build_window(state)
    window.remember = not headless  # a rendering run leaves the person's window as it was
    if args.screenshots is not None:
        return _render_screenshots(window, state, args.screenshots)
    if args.startup_probe:
        return _probe_startup(window, state)
    window.show()
    return app.exec()


def build_window(state: AppState, *, start_screen: str | None = None) -> MainWindow:
    """The main window with every finished screen, on ``state`` (an AppState)."""
    from app.gui.appearance import app_icon, apply_appearance
    from app.gui.screens import first_run, screen_classes
    from app.gui.window import MainWindow

    apply_appearance(state.settings)
    landing = first_run(state)
    window = MainWindow(
        state,
        screen_classes(),
        start_screen="welcome" if landing else start_screen,
        icon=app_icon(),
    )
    window.set_screen_visible("welcome", landing)

    def landing_while_empty() -> None:
        window.set_screen_visible("welcome", first_run(state))

    state.library_changed.connect(landing_while_empty)
    state.database_changed.connect(landing_while_empty)
    return window


def _error_line(error: BaseException) -> str:
    from app.cli import error_line

    return error_line(error) or f"{type(error).__name__}: {error}"


CORE_MODULES = (
    "numpy",
    "sqlalchemy.orm",
    "models.engine",
    "analyzer.catalog.library",
    "analyzer.catalog.search",
    "analyzer.scan.folders",
)
"""What the first screens need from the core, imported before PySide6: once PySide6 is loaded, its import
hook reads the source of every module imported after it (shiboken's __feature__ check), which cost
~0.3 s of the start-up for these (measured with cProfile)."""


def _import_core_before_qt() -> None:
    import importlib

    for name in CORE_MODULES:
        importlib.import_module(name)


def share_the_interpreter() -> None:
    """Keep the main thread responsive while a job's thread runs Python (the entry point decides these).

    - The main thread gets the GIL back within 1 ms (Python's default: 5 ms): while the window scanned
      20,000 files its lateness went from p99 33-39 / max 53-64 ms to p99 29 / max 46-50 ms (paired runs).
    - Young collections every 20,000 allocations instead of 700, and fewer older ones: a scan's allocations
      triggered ~19 collections of the oldest generation (30-70 ms each, on whichever thread) per 20,000
      files; now ~4-9 mostly young ones, p99 27-30 -> 13-21 ms (paired runs, bench/bench_gui.py).
    """
    import gc

    sys.setswitchinterval(0.001)
    gc.set_threshold(20_000, 20, 20)


def use_forkserver() -> None:
    """Worker pools (scan, analysis) fork from a clean server process, not from the threaded Qt process.

    Forking a process that runs Qt's threads can copy a lock another thread held; the forkserver is started
    before any thread exists. The entry point decides this, never library code."""
    import multiprocessing

    if "forkserver" in multiprocessing.get_all_start_methods():
        try:
            multiprocessing.set_start_method("forkserver")
        except RuntimeError:  # already set (tests, an embedding program)
            return
        multiprocessing.set_forkserver_preload(["analyzer.scan.reading", "analyzer.analysis.pool"])


def _wait_until_idle(state: AppState, timeout_ms: int = 60000) -> None:
    from PySide6.QtWidgets import QApplication

    state.jobs.wait_idle(timeout_ms)
    for _ in range(3):
        QApplication.processEvents()


def _render_screenshots(window: MainWindow, state: AppState, folder: Path) -> int:
    from PySide6.QtWidgets import QApplication

    folder.mkdir(parents=True, exist_ok=True)
    window.resize(1200, 760)
    window.show()
    _wait_until_idle(state)
    window.grab()
    timings: dict[str, object] = {
        "first_paint_ms": round((time.perf_counter() - _STARTED) * 1000, 1),
        "process_age_ms": _process_age_ms(),
    }
    screen_timings: dict[str, float] = {}
    timings["screens"] = screen_timings
    for name in list(window.screens):
        began = time.perf_counter()
        hidden = window.sidebar.item(window.stack.indexOf(window.screens[name])).isHidden()
        window.set_screen_visible(name, True)  # the landing too, though a library exists
        window.show_screen(name)
        _wait_until_idle(state)
        image = window.grab()
        screen_timings[name] = round((time.perf_counter() - began) * 1000, 1)
        image.save(str(folder / f"{name}.png"))
        # A screen may show more than one face (a dialog, a filled queue, the dark theme...): its optional
        # ``screenshot_states()`` generator puts it in each and yields a suffix (or (suffix, widget) for a dialog); saved as name-suffix.
        states = getattr(window.screens[name], "screenshot_states", None)
        if callable(states):
            for face in states():
                _wait_until_idle(state)
                suffix, widget = face if isinstance(face, tuple) else (face, window)  # (suffix, a dialog)
                widget.grab().save(str(folder / f"{name}-{suffix}.png"))
        if hidden:
            window.set_screen_visible(name, False)
    QApplication.processEvents()
    print(json.dumps(timings))
    window.close()
    return 0


def _probe_startup(window: MainWindow, state: AppState) -> int:
    """Time to the first paint that shows library rows (the snapshot's or the database's), then to the
    database's rows in place, with the memory once everything is loaded."""
    from PySide6.QtWidgets import QApplication

    window.show()
    library = window.screens.get("library")
    rows = getattr(library, "visible_row_count", lambda: 0)
    while rows() == 0 and state.jobs.busy():
        QApplication.processEvents()
        time.sleep(0.001)
    QApplication.processEvents()
    window.grab()  # the paint
    painted = time.perf_counter()
    painted_age = _process_age_ms()
    _wait_until_idle(state)
    loaded = time.perf_counter()
    window.grab()
    heavy = sorted(m for m in HEAVY_MODULES if m in sys.modules)
    print(
        json.dumps(
            {
                "rows_painted_ms": round((painted - _STARTED) * 1000, 1),
                "process_age_ms": painted_age,
                "database_rows_ms": round((loaded - _STARTED) * 1000, 1),
                "rows": rows(),
                "heavy_modules": heavy,
                **_memory_mib(),
            }
        )
    )
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
