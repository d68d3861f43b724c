"""Exports: listens, stats tables, charts and playlists, written atomically (temp file + rename)."""

from scrobbler.exports.charts import CHART_FORMATS, clock_chart, daily_chart, top_chart
from scrobbler.exports.formats import ExportFormatError, choose_format
from scrobbler.exports.listens import LISTEN_FORMATS, ExportResult, export_listens, lb_listen
from scrobbler.exports.playlists import PLAYLIST_FORMATS, PlaylistEntry, PlaylistResult, write_playlist
from scrobbler.exports.tables import TABLE_FORMATS, write_table

__all__ = [
    "CHART_FORMATS",
    "LISTEN_FORMATS",
    "PLAYLIST_FORMATS",
    "TABLE_FORMATS",
    "ExportFormatError",
    "ExportResult",
    "PlaylistEntry",
    "PlaylistResult",
    "choose_format",
    "clock_chart",
    "daily_chart",
    "export_listens",
    "lb_listen",
    "top_chart",
    "write_playlist",
    "write_table",
]
