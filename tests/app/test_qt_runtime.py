"""Guards against a Qt binding that corrupts the interpreter.

PySide6 6.12.0 over-decrefs None in ``QCoreApplication.processEvents()`` on CPython 3.11 (None is not
immortal before 3.12): after a few thousand calls the interpreter aborts with "deallocating None". pytest-qt
calls it after every test, so the whole suite crashed at exit. pyproject pins a release without the bug;
this test fails if an upgrade brings it back.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication


def test_process_events_keeps_none_refcount(qapp: QApplication) -> None:
    before = sys.getrefcount(None)
    for _ in range(2000):
        qapp.processEvents()
    assert sys.getrefcount(None) >= before - 50  # small noise from other objects, never ~2000
