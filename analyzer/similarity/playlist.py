"""Similar-track lists as M3U8 playlists (UTF-8, #EXTM3U, #EXTINF before each path)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from analyzer.similarity.query import SimilarTrack


def write_m3u8(tracks: Sequence[SimilarTrack], path: Path) -> int:
    """Write the tracks that have a file; returns how many were written."""
    lines = ["#EXTM3U"]
    written = 0
    for track in tracks:
        if track.path is None:
            continue
        seconds = round(track.duration_secs) if track.duration_secs is not None else -1
        label = f"{track.artist} - {track.title}" if track.artist else track.title
        lines += [f"#EXTINF:{seconds},{label}", track.path]
        written += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written
