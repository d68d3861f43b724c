"""The Organize screen's two confirmations. Each is built, not shown: the screen runs it with ``exec()``, and
``tonearm-gui --screenshots`` shows and grabs it. Cancel is the default button, so Enter alone moves nothing."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from app.gui.outcomes import local_time, plural


def _box(parent: QWidget, name: str, title: str, text: str, details: str, accept: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName(name)
    box.setInformativeText(details)
    button = box.addButton(accept, QMessageBox.ButtonRole.AcceptRole)
    button.setObjectName(f"{name}Move")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    return box


def confirm_apply(
    parent: QWidget, count: int, below: int, least: int, previewed: str | None = None
) -> QMessageBox:
    """ "Move N files…?", saying that nothing is overwritten; ``below`` proposals under ``least`` % stay;
    ``previewed``: the template of the shown preview when the template box now says something else."""
    details = (
        "Nothing is overwritten: a file whose new path is taken stays where it is and is listed as failed. "
        "The library is updated as each file moves, and Undo last run moves them all back."
    )
    if below:
        details += f"\n\n{plural(below, 'proposal')} below {least} % confidence stay pending."
    if previewed is not None:
        details += (f"\n\nThese moves come from the template you previewed, {previewed}, not the one in the box "
                    "now: press Preview first to use that one.")  # fmt: skip
    text = f"Move {plural(count, 'file')} to the path the template gives {'it' if count == 1 else 'them'}?"
    return _box(parent, "confirmOrganize", "Move files?", text, details, f"Move {plural(count, 'file')}")


def confirm_undo(parent: QWidget, last_run: Any) -> QMessageBox:
    """ "Move the N files of the last run back…?" for an ``organize_status.LastRun``."""
    when = local_time(last_run.applied_at)
    files = plural(last_run.files, "file")
    text = f"Move the {files} of the last run{f' ({when})' if when else ''} back to where they were?"
    details = "Nothing is overwritten: a file whose old path is taken again stays and is listed."
    return _box(parent, "confirmOrganizeUndo", "Move files back?", text, details, f"Move {files} back")
