"""Where a cluster's workers see the library: one prefix rewrite per folder, local path -> worker path.

The database keeps one worker path per library folder (``tonearm folders map``); a run may add or override
maps for itself (``--path-map FROM=TO``). The longest matching local prefix wins, so a map of a sub-folder
beats its library folder's. Paths are matched whole component by component: ``/music`` maps
``/music/a.flac`` but never ``/musicals/b.flac``.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.folders import LibraryFolder


class PathMapError(ValueError):
    """A path map that cannot be used; the message is one line, for people."""


@dataclass(frozen=True, slots=True)
class PathMap:
    """Local prefix -> worker prefix pairs, longest local prefix first (picklable: it travels to workers)."""

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> PathMap:
        merged = dict(pairs)  # a later pair for the same folder replaces the earlier one
        return cls(tuple(sorted(merged.items(), key=lambda pair: len(pair[0]), reverse=True)))

    def to_worker(self, path: str) -> str:
        """The path a worker opens for the local ``path`` (unchanged where no map applies)."""
        for local, worker in self.pairs:
            if path == local:
                return worker
            if path.startswith(local.rstrip(os.sep) + os.sep):
                rest = path[len(local.rstrip(os.sep)) + 1 :]
                separator = "\\" if _is_windows_path(worker) else "/"
                return worker.rstrip("/\\") + separator + rest.replace(os.sep, separator)
        return path

    def __bool__(self) -> bool:
        return bool(self.pairs)


def parse_path_map(text: str) -> tuple[str, str]:
    """``FROM=TO`` (a local folder, then where the workers see it) as a normalised pair."""
    local, sep, worker = text.partition("=")
    if not sep or not local.strip() or not worker.strip():
        raise PathMapError(f"a path map is FROM=TO (a local folder = where the workers see it), not {text!r}")
    return normalise_local(local), normalise_worker(worker)


def normalise_local(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path.strip()))


def normalise_worker(path: str) -> str:
    """A worker path is on another machine: it is kept as written (no ``~`` or symlink is resolved here),
    but it must be absolute there, POSIX (``/mnt/music``) or Windows (``D:\\Music``, ``\\\\nas\\music``)."""
    text = path.strip()
    if not (posixpath.isabs(text) or (_is_windows_path(text) and ntpath.isabs(text))):
        raise PathMapError(f"a worker path must be absolute on the workers: {text!r}")
    if _is_windows_path(text):
        return ntpath.normpath(text)
    return posixpath.normpath(text)


def library_path_map(session: Session, extra: Iterable[tuple[str, str]] = ()) -> PathMap:
    """The library folders' worker paths, then ``extra`` pairs (they win for the same folder)."""
    stored = session.execute(select(LibraryFolder.path, LibraryFolder.worker_path)).tuples().all()
    return PathMap.of([*((p, w) for p, w in stored if w), *extra])


def _is_windows_path(path: str) -> bool:
    return len(path) >= 2 and (path[1] == ":" or path.startswith("\\\\"))
