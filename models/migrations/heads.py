"""The newest migration's revision, read from the version files' own text without importing Alembic.

The desktop app checks at every start whether its database is current; importing Alembic for that costs a
few hundred milliseconds of a one-second start-up budget. ``models.bootstrap.head_revision`` (Alembic's own
answer) stays the reference: a test keeps the two equal.
"""

from __future__ import annotations

import re
from pathlib import Path

VERSIONS = Path(__file__).resolve().parent / "versions"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*=\s*(?:['\"]([^'\"]+)['\"]|None)", re.MULTILINE)


def script_head() -> str:
    """The one revision no other revision names as its parent (a single linear history)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in VERSIONS.glob("*.py"):
        for name, value in _ASSIGNMENT.findall(script.read_text(encoding="utf-8")):
            if value:
                (revisions if name == "revision" else parents).add(value)
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"expected one migration head, found {sorted(heads)}")
    return heads.pop()
