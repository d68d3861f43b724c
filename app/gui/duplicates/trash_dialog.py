"""The system trash for the Duplicates screen: the mover built on ``QFile.moveToTrash`` and the
confirmation that lists the exact files before anything moves."""

from __future__ import annotations

import os

from PySide6.QtCore import QFile, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from analyzer.duplicates.trash import TrashPlan, TrashUnavailable
from app.gui.duplicates.model import size_text


def system_trash_mover(path: str) -> str:
    """Move ``path`` to the system trash and return where it went.

    ``QFile.moveToTrash`` answers False where the platform (or the file's volume) has no trash: that is
    :class:`TrashUnavailable`, which stops the group with nothing more moved. Never deletes."""
    file = QFile(path)
    if file.moveToTrash():
        return file.fileName()  # Qt points the QFile at the file's place in the trash
    if not os.path.exists(path):
        raise FileNotFoundError(2, "not on disk any more", path)
    raise TrashUnavailable(file.errorString() or "the system has no trash for this file")


class ConfirmTrashDialog(QDialog):
    """ "Move these N files to the trash?" listing each file with its size, and the file that stays.
    Cancel is the default button: Enter alone never moves anything."""

    def __init__(self, plan: TrashPlan, sizes: dict[int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confirmTrash")
        count = len(plan.others)
        self.setWindowTitle("Move to the trash?")
        total = sum(sizes.get(item.media_file_id, 0) for item in plan.others)
        intro = QLabel(
            f"Move {'this file' if count == 1 else f'these {count} files'} ({size_text(total)}) to the system "
            f"trash? You can restore {'it' if count == 1 else 'them'} from the trash; Tonearm records what it moved."
        )
        intro.setWordWrap(True)
        self.files = QListWidget()
        self.files.setObjectName("filesToTrash")
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.files.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        for item in plan.others:
            self.files.addItem(f"{item.path}   ({size_text(sizes.get(item.media_file_id, 0))})")
        self.files.setMinimumWidth(640)
        self.files.setMaximumHeight(self.files.sizeHintForRow(0) * min(max(count, 3), 10) + 8)
        kept = QLabel(f"Kept: {plan.keep.path}")
        kept.setObjectName("keptFile")
        kept.setWordWrap(True)
        kept.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        evidence = QLabel(f"Why they are duplicates: {plan.evidence}.")
        evidence.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.move_button = buttons.addButton(
            f"Move {count} file{'s' if count != 1 else ''} to the trash",
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.move_button.setObjectName("confirmMove")
        self.move_button.setAutoDefault(False)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        cancel.setAutoDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.files)
        layout.addWidget(kept)
        layout.addWidget(evidence)
        layout.addWidget(buttons)

    def listed_paths(self) -> list[str]:
        """The paths the dialog shows (what will move)."""
        return [self.files.item(row).text().rsplit("   (", 1)[0] for row in range(self.files.count())]
