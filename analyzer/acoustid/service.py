"""The AcoustID web service behind a small interface: pyacoustid in the app, a fake in tests.

Opt-in only: it runs with the user's own application API key (``TONEARM_ACOUSTID_API_KEY`` or
``[acoustid] api_key`` in ``$XDG_CONFIG_HOME/tonearm/config.toml``); submitting also needs their user key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import platformdirs

API_KEY_ENV = "TONEARM_ACOUSTID_API_KEY"
USER_KEY_ENV = "TONEARM_ACOUSTID_USER_KEY"


@dataclass(frozen=True, slots=True)
class AcoustIdMatch:
    """One lookup result: an AcoustID track id, its score (0..1) and the MusicBrainz recordings on it."""

    acoustid: str
    score: float
    recording_mbids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Submission:
    fingerprint: str
    duration_secs: float
    recording_mbid: str | None = None


class AcoustIdError(Exception):
    """The service failed or refused a request; the message is the service's own."""


class AcoustIdService(Protocol):
    def lookup(self, fingerprint: str, duration_secs: float) -> list[AcoustIdMatch]:
        """Best matches first."""
        ...

    def submit(self, submissions: Sequence[Submission]) -> list[str | None]:
        """One submission id (or None when the service gave none) per submission, in order."""
        ...


@dataclass(frozen=True)
class AcoustIdConfig:
    api_key: str
    user_key: str | None = None


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or platformdirs.user_config_dir(appauthor=False)
    return Path(base) / "tonearm" / "config.toml"


def load_acoustid_config(environ: Mapping[str, str] | None = None) -> AcoustIdConfig | None:
    """The user's keys from the environment, else the config file; None when no API key is set."""
    env = os.environ if environ is None else environ
    section: dict[str, object] = {}
    path = config_path(env)
    if path.exists():
        loaded = tomllib.loads(path.read_text(encoding="utf-8")).get("acoustid", {})
        section = loaded if isinstance(loaded, dict) else {}
    api_key = env.get(API_KEY_ENV) or section.get("api_key")
    user_key = env.get(USER_KEY_ENV) or section.get("user_key")
    if not api_key:
        return None
    return AcoustIdConfig(str(api_key), str(user_key) if user_key else None)


class PyAcoustIdService:
    """The real service through pyacoustid (which spaces requests 0.33 s apart, as AcoustID asks)."""

    def __init__(self, config: AcoustIdConfig) -> None:
        self.config = config

    def lookup(self, fingerprint: str, duration_secs: float) -> list[AcoustIdMatch]:
        import acoustid

        try:
            reply = acoustid.lookup(self.config.api_key, fingerprint, duration_secs, meta=["recordingids"])
        except acoustid.WebServiceError as exc:
            raise AcoustIdError(str(exc)) from exc
        if reply.get("status") != "ok":
            raise AcoustIdError(str(reply.get("error", {}).get("message", "lookup failed")))
        matches = [
            AcoustIdMatch(
                str(result["id"]),
                float(result.get("score", 0.0)),
                tuple(str(r["id"]) for r in result.get("recordings", []) if "id" in r),
            )
            for result in reply.get("results", [])
        ]
        return sorted(matches, key=lambda m: -m.score)

    def submit(self, submissions: Sequence[Submission]) -> list[str | None]:
        import acoustid

        if not self.config.user_key:
            raise AcoustIdError("submitting needs your AcoustID user key (TONEARM_ACOUSTID_USER_KEY)")
        data = []
        for item in submissions:
            entry: dict[str, object] = {"fingerprint": item.fingerprint, "duration": int(item.duration_secs)}
            if item.recording_mbid:
                entry["mbid"] = item.recording_mbid
            data.append(entry)
        try:
            reply = acoustid.submit(self.config.api_key, self.config.user_key, data)
        except acoustid.WebServiceError as exc:
            raise AcoustIdError(str(exc)) from exc
        ids = [str(s.get("id")) if s.get("id") is not None else None for s in reply.get("submissions", [])]
        return ids + [None] * (len(submissions) - len(ids))
