"""Import options and the rules every importer applies the same way: the scrobble rule and timestamp checks.

Kept apart from the registry so importer modules can import it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from scrobbler.records import SkipReason

# LB api_tools.py: listened_at must be >= 1033430400 (2002-10-01 UTC), before Audioscrobbler existed.
EARLIEST_LISTEN = datetime(2002, 10, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How importers judge rows. Defaults follow Last.fm's "When is a scrobble a scrobble?" rule.

    The scrobble rule only drops a row when the file says how long it was *played* (Spotify's ms_played,
    Maloja's ``duration``, LB's ``duration_played``): a listen with only a track length was already judged
    a scrobble by the client that sent it, so we do not second-guess it. See :func:`scrobble_verdict`.
    ``apply_scrobble_rule=False`` imports every play, including ``.scrobbler.log`` plays rated S (skipped).
    ``timezone`` is the zone of files that store local wall-clock times (``.scrobbler.log`` with
    ``#TZ/UNKNOWN``); None means this machine's local zone.
    """

    apply_scrobble_rule: bool = True
    min_track_secs: float = 30.0
    min_played_fraction: float = 0.5
    min_played_secs: float = 240.0
    timezone: tzinfo | None = None
    include_incognito: bool = False
    # Loose sanity bounds; rows outside them are reported as failed, not silently dropped.
    earliest: datetime = EARLIEST_LISTEN
    max_future: timedelta = timedelta(days=1)


def scrobble_verdict(
    track_secs: float | None, played_secs: float | None, options: ImportOptions
) -> tuple[SkipReason, str] | None:
    """Return (code, human reason) when a play is not a scrobble, None when it is or cannot be judged.

    With both lengths known this is Last.fm's rule exactly: the track is longer than ``min_track_secs``
    and was played for ``min_played_fraction`` of it or ``min_played_secs``, whichever is lower.
    With only the played time known (Spotify) the track length is unknowable, so a play shorter than
    ``min_track_secs`` is dropped, as Maloja and LB's Spotify importer do (LB listens_importer/spotify.py
    skips ms_played < 30000 when skipped; a short play that ended normally means the track itself was
    too short, which Last.fm's rule also rejects). Longer partial plays of long tracks cannot be detected.
    """
    if not options.apply_scrobble_rule or played_secs is None:
        return None
    if track_secs is not None and track_secs > 0:
        if track_secs <= options.min_track_secs:
            return (
                SkipReason.TOO_SHORT,
                f"track is {track_secs:g} s long, not over {options.min_track_secs:g} s",
            )
        needed = min(track_secs * options.min_played_fraction, options.min_played_secs)
        if played_secs < needed:
            return (
                SkipReason.NOT_PLAYED_ENOUGH,
                f"played {played_secs:g} s of {track_secs:g} s, needs {needed:g} s",
            )
        return None
    if played_secs < options.min_track_secs:
        return (
            SkipReason.NOT_PLAYED_ENOUGH,
            f"played {played_secs:g} s, under {options.min_track_secs:g} s",
        )
    return None


def check_listened_at(listened_at: datetime, options: ImportOptions) -> str | None:
    """Return why a start time is implausible (before 2002-10-01 like LB, or in the future), else None."""
    if listened_at < options.earliest:
        return f"timestamp {listened_at.isoformat()} is before {options.earliest.date().isoformat()}"
    if listened_at > datetime.now(UTC) + options.max_future:
        return f"timestamp {listened_at.isoformat()} is in the future"
    return None


def from_unix(value: object) -> datetime:
    """Unix seconds (int, float or numeric string) to aware UTC, truncated like LB's ``int()`` coercion.

    LB background/export.py: timestamps come from SQL extract(epoch ...) and may carry fractions.
    Raises ValueError/TypeError/OverflowError on garbage, which callers report as a failed row.
    """
    if value.__class__ is int:  # the common case first
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, bool):
        raise TypeError("a boolean is not a timestamp")
    if isinstance(value, str):
        value = float(value.strip())
    if not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return datetime.fromtimestamp(int(value), tz=UTC)


def start_from_end(end: datetime, ms_played: float) -> datetime:
    """Playback start = end − played, floored to whole seconds like every other source's start time.

    Spotify's ReadMeFirst: ``ts``/``endTime`` is when the stream *ended*. LB's importer uses ``ts``
    unchanged, which puts listens minutes late; we do not copy that.
    """
    return (end - timedelta(milliseconds=ms_played)).replace(microsecond=0)


def localize(wall_clock: datetime, options: ImportOptions) -> datetime:
    """Read a naive wall-clock time in the options' zone (None: this machine's zone) and return UTC.

    For DST overlaps the earlier instant wins (fold=0); a time inside a DST gap is shifted by the zone rule.
    """
    if options.timezone is None:
        # A naive datetime's astimezone() uses the system zone through mktime, DST-aware.
        return wall_clock.astimezone(UTC)
    return wall_clock.replace(tzinfo=options.timezone).astimezone(UTC)
