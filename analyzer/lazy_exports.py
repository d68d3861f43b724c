"""Package exports imported on first use (PEP 562), so importing one submodule does not load its siblings.

The desktop app reads the library folders at start-up; with eager package exports that also loaded the
scanner, the tag readers and mutagen (~50 ms of a one-second start). A package lists where each name lives
and hands :func:`lazy_getattr` to its module's ``__getattr__``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``where[name]`` the first time ``name`` is asked."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # asked once: later lookups are plain attributes
        return value

    return __getattr__
