"""Saving the user's AcoustID API key where :func:`analyzer.acoustid.service.load_acoustid_config` reads it.

The key lives in ``[acoustid] api_key`` of ``config.toml`` (``service.config_path``), the one place the CLI
and the app read. Only that line is written: the rest of the file, comments included, stays as it was, and
the result is read back with :mod:`tomllib` before it replaces the file, so a save never leaves a file the
loader cannot read.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from analyzer.acoustid.service import config_path

_KEY = re.compile(r"[A-Za-z0-9_-]{1,128}")
_SECTION = re.compile(r"^\s*\[\s*acoustid\s*\]\s*(#.*)?$")
_ANY_SECTION = re.compile(r"^\s*\[")
_API_KEY_LINE = re.compile(r"^\s*api_key\s*=")


class ConfigError(ValueError):
    """The key or the config file cannot be used; the message is one line for a person."""


def saved_api_key(environ: Mapping[str, str] | None = None) -> str:
    """The key stored in config.toml ("" when none), ignoring the environment variable."""
    path = config_path(environ)
    if not path.exists():
        return ""
    section = _read(path).get("acoustid", {})
    value = section.get("api_key", "") if isinstance(section, dict) else ""
    return value if isinstance(value, str) else ""


def save_api_key(api_key: str, environ: Mapping[str, str] | None = None) -> Path:
    """Store ``api_key`` (empty: remove it) in config.toml; returns the file's path.

    Raises :class:`ConfigError` for a key that is not an AcoustID key (letters, digits, ``-``/``_``) or a
    config file that is not valid TOML (it is then left alone for the user to fix)."""
    key = api_key.strip()
    if key and not _KEY.fullmatch(key):
        raise ConfigError(
            "an AcoustID API key is letters and digits (copy it from acoustid.org/my-applications)"
        )
    path = config_path(environ)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if old:
        _read(path)
    new = _with_key(old, key)
    try:
        section = tomllib.loads(new).get("acoustid", {})
    except tomllib.TOMLDecodeError as error:  # e.g. the key set with a dotted name elsewhere in the file
        raise ConfigError(
            f"{path} sets the AcoustID key in a form Tonearm cannot edit ({error}); edit it by hand"
        ) from None
    if (section.get("api_key") if isinstance(section, dict) else None) != (key or None):
        raise ConfigError(f"{path} sets the AcoustID key in a form Tonearm cannot edit; edit it by hand")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(new, encoding="utf-8")
    os.replace(temporary, path)
    return path


def _read(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML ({error}); fix or remove it first") from None


def _with_key(text: str, key: str) -> str:
    """``text`` with the ``api_key`` line of ``[acoustid]`` set to ``key`` (removed when empty)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _SECTION.match(line)), None)
    entry = f'api_key = "{key}"'
    if start is None:
        if not key:
            return text
        prefix = text.rstrip("\n") + "\n\n" if text.strip() else ""
        return f"{prefix}[acoustid]\n{entry}\n"
    end = next((i for i in range(start + 1, len(lines)) if _ANY_SECTION.match(lines[i])), len(lines))
    found = next((i for i in range(start + 1, end) if _API_KEY_LINE.match(lines[i])), None)
    if found is not None:
        if key:
            lines[found] = entry
        else:
            del lines[found]
    elif key:
        lines.insert(start + 1, entry)
    return "\n".join(lines) + "\n"
