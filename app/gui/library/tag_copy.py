"""The offer under a track's detail to copy its tags onto a file of it that has none (issue 17).

Fingerprints put an untagged copy on the tagged recording it is a copy of; the catalog shows it there,
but the file itself still says nothing, so other players and a future rescan without fingerprints know it
only by its name. When the shown track has such a file, a line says so with a button; the copy is written
by :func:`analyzer.tags.copy.copy_tags` after a confirmation, then the file is read again by a scan.

Which files have tags is read from the files themselves (a few milliseconds each) on the job runner's
read pool, so a slow disk never stalls the selection.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from app.gui.state import AppState

_MAX_FILES = 12  # a track with more files than this is not worth probing on every selection


def untagged_and_source(paths: Sequence[str]) -> tuple[list[str], str | None]:
    """(files without their own title tag, the first file with one) among ``paths``."""
    from analyzer.tags.copy import has_own_tags

    untagged: list[str] = []
    source: str | None = None
    for path in paths:
        if has_own_tags(path):
            source = source or path
        else:
            untagged.append(path)
    return untagged, source


class TagCopyOffer(QWidget):
    """One line: "<file> has no tags of its own ..." and "Copy tags to it". Hidden when nothing to offer."""

    copied = Signal(str)  # the path that now carries the tags

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagCopyOffer")
        self.state = state
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.button = QPushButton("Copy tags to it…")
        self.button.setObjectName("copyTagsButton")
        self.button.clicked.connect(self.confirm_and_copy)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 2, 0, 2)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.target: str | None = None
        self.source: str | None = None
        self._asked = 0  # generation: a late answer for a track no longer shown is dropped
        self.hide()

    def check(self, paths: Sequence[str]) -> None:
        """Look (in the background) whether some of these files of one track lack tags."""
        self._asked += 1
        self.hide()
        self.target = self.source = None
        if not 2 <= len(paths) <= _MAX_FILES:
            return
        asked = self._asked
        job = self.state.jobs.call("Read the files' tags", lambda: untagged_and_source(list(paths)))
        job.finished.connect(lambda found, asked=asked: self._offer(asked, found))

    def _offer(self, asked: int, found: Any) -> None:
        untagged, source = found
        if asked != self._asked or not untagged or source is None:
            return
        self.target, self.source = untagged[0], source
        self.label.setText(
            f"<b>{Path(self.target).name}</b> has no tags of its own; its audio is this recording's "
            f"(the same as {Path(source).name})."
        )
        self.show()

    def confirm_and_copy(self) -> None:
        if self.target is None or self.source is None:
            return
        target, source = self.target, self.source
        answer = QMessageBox.question(
            self,
            "Copy tags?",
            f"Write the title, artists, album, numbers, genres and MusicBrainz ids of\n{source}\ninto\n"
            f"{target}?\n\nIts other tags and its audio are kept; the file is rewritten safely (a copy "
            "replaces it in one step).",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.copy(source, target)

    def copy(self, source: str, target: str) -> None:
        """Copy without asking (the confirmation is :meth:`confirm_and_copy`'s)."""
        from analyzer.tags.copy import copy_tags

        self.button.setEnabled(False)
        job = self.state.jobs.call("Copy tags", lambda: copy_tags(source, target))
        job.finished.connect(lambda _done: self._copied(target))
        job.failed.connect(self._failed)

    def _copied(self, target: str) -> None:
        self.button.setEnabled(True)
        self.hide()
        self.copied.emit(target)

    def _failed(self, error: object) -> None:
        self.button.setEnabled(True)
        self.label.setText(f"Could not copy the tags: {error}")
