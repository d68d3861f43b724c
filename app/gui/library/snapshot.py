"""The last loaded library kept on disk, so the window shows its rows at once and refreshes them behind.

Reading 100,000 tracks with their plays from the database and preparing them for sorting costs 0.6-0.9 s
of CPU, most of the start-up budget; reading them back from this file costs ~50 ms. The window shows the
snapshot first, then loads the library as usual and swaps it in, keeping the person's sort, filter and
selection (Mixxx keeps a track cache for the same reason). The file is derived data: a snapshot from another
Tonearm version, or one that does not read back, is ignored and deleted; nothing else depends on it.

It is a pickle in the user's own cache folder, readable by nobody else (0600), written atomically.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING

from models import __version__

if TYPE_CHECKING:
    from app.gui.library.table import LibraryTable
    from models.engine import Database

FORMAT = 2
"""Bumped whenever LibraryTable or LibraryColumns change shape, with the Tonearm version as a second key."""


def snapshot_path(db: Database) -> Path:
    """Where the snapshot of ``db``'s library lives: the cache folder, one file per database."""
    from platformdirs import user_cache_dir

    where = db.url.render_as_string(hide_password=True) + "|" + repr(db.schemas)
    name = hashlib.sha1(where.encode()).hexdigest()[:16]
    return Path(user_cache_dir("tonearm", appauthor=False)) / f"library-{name}.snapshot"


_TEXT_COLUMNS = ("title", "artist", "album", "album_artist", "formats", "key")
_SEPARATOR = "\x1f"  # ASCII unit separator: a text column is stored as one string and split on load


class _Joined(str):
    """A text column stored as one string: unpickling 600,000 small str objects took 130 ms, one split
    of a joined string a few. Used only when no value holds the separator (else the list is kept)."""


def _join(values: list[str]) -> list[str] | _Joined:
    joined = _SEPARATOR.join(values)
    return _Joined(joined) if joined.count(_SEPARATOR) == max(len(values) - 1, 0) and values else values


def _split(value: list[str] | str) -> list[str]:
    return value.split(_SEPARATOR) if isinstance(value, _Joined) else list(value)


def save_snapshot(db: Database, table: LibraryTable) -> None:
    """Write ``table`` for the next start (replacing the last one); failures only cost the next start."""
    from dataclasses import replace

    path = snapshot_path(db)
    columns = replace(  # the search index (cache) is rebuilt from the columns: not worth its bytes
        table.columns, cache={}, **{name: _join(getattr(table.columns, name)) for name in _TEXT_COLUMNS}
    )
    packed = replace(table, columns=columns, labels={k: _join(v) for k, v in table.labels.items()})
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            pickle.dump((FORMAT, __version__, packed), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except OSError:
        pass


def load_snapshot(db: Database) -> LibraryTable | None:
    """The library as last loaded from ``db``, or None when there is no usable snapshot."""
    from app.gui.library.table import LibraryTable

    path = snapshot_path(db)
    try:
        with open(path, "rb") as source:
            found = pickle.load(source)
    except FileNotFoundError:
        return None
    except Exception:  # a torn or foreign file: derived data, so drop it
        path.unlink(missing_ok=True)
        return None
    if (
        not isinstance(found, tuple)
        or len(found) != 3
        or found[:2] != (FORMAT, __version__)
        or not isinstance(found[2], LibraryTable)
    ):
        path.unlink(missing_ok=True)
        return None
    table: LibraryTable = found[2]
    for name in _TEXT_COLUMNS:
        setattr(table.columns, name, _split(getattr(table.columns, name)))
    table.labels = {key: _split(value) for key, value in table.labels.items()}
    return table


def forget_snapshot(db: Database) -> None:
    snapshot_path(db).unlink(missing_ok=True)
