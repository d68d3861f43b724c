"""Pieces the cluster tests ship to Dask workers. They live in an importable module (not a test module) so a
worker process unpickles them by reference; each wraps the real analysis, it never replaces it."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from types import ModuleType

from analyzer.analysis.cluster import WorkerAnalysis
from analyzer.audio import FileAnalysis

_SAVED: dict[str, ModuleType] = {}


@dataclass(frozen=True)
class Slowed:
    """The real worker analysis, after a pause: a file is then surely mid-analysis when a test kills."""

    inner: WorkerAnalysis
    seconds: float

    def __call__(self, path: str) -> FileAnalysis:
        time.sleep(self.seconds)
        return self.inner(path)


@dataclass(frozen=True)
class CrashesOn:
    """The real worker analysis, except that ``name`` kills its worker process, as a segfaulting decoder."""

    inner: WorkerAnalysis
    name: str

    def __call__(self, path: str) -> FileAnalysis:
        if os.path.basename(path) == self.name:
            os._exit(139)
        return self.inner(path)


def set_extractor_version(version: int) -> int:
    """Runs on a worker: make it report (and use) another feature extractor version; returns the old one."""
    from analyzer.audio import features

    old = features.EXTRACTOR_VERSION
    features.EXTRACTOR_VERSION = version
    return old


def hide_essentia() -> None:
    """Runs on a worker: Essentia can no longer be imported there (as on a machine without it)."""
    for name in [n for n in sys.modules if n == "essentia" or n.startswith("essentia.")]:
        _SAVED[name] = sys.modules[name]
    sys.modules["essentia"] = None  # type: ignore[assignment]


def restore_essentia() -> None:
    for name, module in _SAVED.items():
        sys.modules[name] = module
    _SAVED.clear()


def worker_pid() -> int:
    return os.getpid()


@dataclass(frozen=True)
class Logged:
    """The real local analysis, writing each path it is asked for to ``log`` (one line, appended): proof of
    how many times each file was analysed, across processes and runs."""

    log: str

    def __call__(self, path: str) -> FileAnalysis:
        from analyzer.audio import analyze_file

        with open(self.log, "a", encoding="utf-8") as out:
            out.write(path + "\n")
        return analyze_file(path)
