"""Progress events and cancellation shared by every long operation.

Long work (scan, analyze, import, enrich, export, index build) is a plain generator function that yields
:class:`Progress` events and takes a :class:`CancelToken`. The CLI renders the events as a progress bar;
the GUI runs the same generator in a worker and turns events into signals. Nothing here knows about either.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


class Cancelled(Exception):
    """Raised by :meth:`CancelToken.raise_if_cancelled` once cancellation was requested."""


class CancelToken:
    """A thread-safe flag a caller sets to ask a running operation to stop at its next safe point."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True, slots=True)
class Progress:
    """One step of a long operation.

    ``done``/``total`` count work units (files, rows, listens); ``total`` is None while unknown.
    ``stage`` names the phase ("walk", "read", "write"...), ``message`` is a short human line.
    ``counts`` carries running tallies (added, skipped, errors...) the caller may show.
    """

    stage: str
    done: int
    total: int | None = None
    message: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def run_to_end(events: Generator[Any, Any, T]) -> T:
    """Drive a long operation to the end without showing progress; returns its summary (the return value)."""
    while True:
        try:
            next(events)
        except StopIteration as stop:
            return stop.value
