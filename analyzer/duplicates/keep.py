"""Which file of a duplicate group to keep, and a sentence saying why.

Order: lossless over lossy (a lossy copy can be made again from it, never the reverse), then the higher
bitrate among lossy files (between lossless ones bitrate only measures the compression, so a WAV does not
beat a tagged FLAC), then the more complete tags, then the longer file (an untrimmed copy), then the path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class DuplicateFile:
    media_file_id: int
    path: str
    format: str | None
    codec: str | None
    bitrate: int | None  # bits per second
    lossless: bool
    duration_secs: float | None
    track_id: int | None
    audio_hash: str | None
    tag_score: int  # how many of title, artist, album, genre, external ids the file's track has


def keep_rank(item: DuplicateFile) -> tuple[int, int, int, float, str]:
    return (
        0 if item.lossless else 1,
        0 if item.lossless else -(item.bitrate or 0),
        -item.tag_score,
        -(item.duration_secs or 0.0),
        item.path,
    )


def _describe(item: DuplicateFile) -> str:
    kind = "lossless" if item.lossless else "lossy"
    rate = f" {item.bitrate // 1000} kbps" if item.bitrate else ""
    return f"{kind} {item.codec or item.format or 'audio'}{rate}"


def suggest_keep(files: Sequence[DuplicateFile]) -> tuple[DuplicateFile, str]:
    """The file to keep and why, in words that name the deciding difference."""
    ranked = sorted(files, key=keep_rank)
    best, runner_up = ranked[0], ranked[1]
    if best.lossless and not runner_up.lossless:
        why = f"lossless ({_describe(best)}) over lossy ({_describe(runner_up)})"
    elif not best.lossless and (best.bitrate or 0) != (runner_up.bitrate or 0):
        why = f"higher bitrate ({_describe(best)} vs {_describe(runner_up)})"
    elif best.tag_score != runner_up.tag_score:
        why = f"more complete tags ({best.tag_score} vs {runner_up.tag_score} of 5 tag groups)"
    elif (best.duration_secs or 0) != (runner_up.duration_secs or 0):
        why = f"longer ({best.duration_secs:.1f} s vs {runner_up.duration_secs or 0:.1f} s): not trimmed"
    else:
        why = "equal in quality and tags: the first path alphabetically"
    return best, why
