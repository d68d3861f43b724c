"""The catalog: tags become artists, release groups, releases, tracks and everything hanging off them.

``build_track_record`` (pure, runs in scan workers) decides a track from one file's tags;
``CatalogWriter`` writes batches of records with set-based SQL; ``list_tracks`` browses the result.
"""

from analyzer.catalog.browse import TrackRow, list_tracks
from analyzer.catalog.record import TrackRecord, build_track_record, make_track_uid
from analyzer.catalog.writer import CatalogWriter

__all__ = ["CatalogWriter", "TrackRecord", "TrackRow", "build_track_record", "list_tracks", "make_track_uid"]
