"""Every screen the sidebar lists is the class it names, with the title and object name it shows, and the
lazily built ones are built (and their modules imported) only when first shown."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from app.gui.screens import screen_classes
from app.gui.window import LazyScreen


def test_lazy_entries_name_real_screens_with_their_own_title_and_name() -> None:
    for entry in screen_classes():
        if not isinstance(entry, LazyScreen):
            continue
        screen_class = entry.load()
        assert getattr(screen_class, "object_name", None) == entry.object_name, entry
        assert getattr(screen_class, "title", None) == entry.title, entry


def test_a_lazy_screen_module_loads_on_first_showing_only(tmp_path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from app.gui.state import AppState, open_initialized
        from app.gui.main import build_window
        state = AppState.for_tests(open_initialized("sqlite:///{tmp_path}/t.db"), "{tmp_path}/settings")
        window = build_window(state, start_screen="library")
        window.remember = False
        before = "app.gui.stats.screen" in sys.modules
        window.show_screen("stats")
        print(before, "app.gui.stats.screen" in sys.modules, window.current_screen(),
              type(window.screens["stats"]).__name__, flush=True)
        state.jobs.wait_idle(30000)
        window.close()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.stdout.split() == ["False", "True", "stats", "StatsScreen"]
