"""Walking music folders: every audio candidate with its size and mtime, and every folder we could not read.

``os.scandir`` gives names and types without extra system calls; one ``stat`` per candidate file gives the
size and mtime_ns the incremental plan compares. Symlinked folders are followed once: a folder already
visited (same st_dev, st_ino) is a loop or a second route and is skipped, and said so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.tags import AUDIO_EXTENSIONS, is_audio_candidate


@dataclass(frozen=True, slots=True)
class FoundFile:
    """An audio candidate on disk. ``folders`` are the folder names between the scan root and the file."""

    path: str
    size: int
    mtime_ns: int
    folders: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WalkProblem:
    """A folder (or root) the walk could not enter, or skipped; ``path`` is never marked missing below."""

    path: str
    reason: str
    blocks_subtree: bool = True


def walk_folders(roots: list[str], *, include_hidden: bool = False) -> Iterator[FoundFile | WalkProblem]:
    """Yield audio candidates under ``roots`` (absolute paths, symlinks not resolved) and walk problems.

    Hidden entries (a leading ".") are skipped unless ``include_hidden``. A root that is a file is offered
    as itself when it is an audio candidate.
    """
    visited: set[tuple[int, int]] = set()
    for root in roots:
        root = os.path.abspath(root)
        try:
            info = os.stat(root)
        except OSError as exc:
            yield WalkProblem(root, f"cannot read: {exc.strerror or exc}")
            continue
        if not os.path.isdir(root):
            if is_audio_candidate(root):
                yield FoundFile(root, info.st_size, info.st_mtime_ns, ())
            continue
        visited.add((info.st_dev, info.st_ino))
        yield from _walk(root, visited, include_hidden)


def _walk(
    root: str, visited: set[tuple[int, int]], include_hidden: bool
) -> Iterator[FoundFile | WalkProblem]:
    # An explicit stack, not recursion: each file then passes through one generator frame, not one per
    # folder level, which is most of the walk's cost on an unchanged library.
    stack: list[tuple[str, tuple[str, ...]]] = [(root, ())]
    while stack:
        folder, folders = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            kind = "permission denied" if isinstance(exc, PermissionError) else "cannot read"
            yield WalkProblem(folder, f"{kind}: {exc.strerror or exc}")
            continue
        subfolders: list[tuple[str, tuple[str, ...]]] = []
        for entry in entries:
            name = entry.name
            if name[0] == "." and not include_hidden:
                continue
            is_folder = False
            try:
                if entry.is_dir():
                    is_folder = True
                    info = entry.stat()
                    identity = (info.st_dev, info.st_ino)
                    if identity in visited:
                        yield WalkProblem(
                            entry.path,
                            "skipped: symlink loop or folder already scanned",
                            blocks_subtree=False,
                        )
                        continue
                    visited.add(identity)
                    subfolders.append((entry.path, (*folders, name)))
                    continue
                dot = name.rfind(".")  # is_audio_candidate, inlined: this loop runs once per file
                if dot == -1 or name[dot:].lower() not in AUDIO_EXTENSIONS:
                    continue
                if not entry.is_file():
                    if entry.is_symlink() and not os.path.exists(entry.path):  # an audio name, no target
                        yield WalkProblem(entry.path, "skipped: a symbolic link whose target does not exist")
                    continue
                info = entry.stat()
            except OSError as exc:  # a dangling symlink, or an entry gone since the listing
                yield WalkProblem(entry.path, f"cannot stat: {exc.strerror or exc}", blocks_subtree=is_folder)
                continue
            yield FoundFile(entry.path, info.st_size, info.st_mtime_ns, folders)
        stack.extend(reversed(subfolders))  # popped in name order
