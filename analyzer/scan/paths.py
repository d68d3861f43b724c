"""How a file's absolute path becomes its media_files key (and a library folder's), with nothing else
imported: the app reads folders at start-up without loading the walker and the tag readers."""

from __future__ import annotations

import hashlib
import sys

_FS_ENCODING = sys.getfilesystemencoding()


def path_hash(path: str) -> str:
    """The media_files key of an absolute path (bytes as the OS has them, so non-UTF-8 names work)."""
    return hashlib.sha1(path.encode(_FS_ENCODING, "surrogateescape")).hexdigest()  # os.fsencode, inlined
