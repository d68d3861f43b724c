"""The catalog: tags become artists, release groups, releases, tracks and everything hanging off them.

``build_track_record`` (pure, runs in scan workers) decides a track from one file's tags;
``CatalogWriter`` writes batches of records with set-based SQL; ``list_tracks`` browses the result;
``list_problems`` lists the files that need attention; ``track_detail`` is one track's every fact.
"""

from analyzer.catalog.browse import TrackRow, list_tracks
from analyzer.catalog.detail import Credit, FeatureInfo, FileInfo, TagValue, TrackDetail, track_detail
from analyzer.catalog.problems import PROBLEM_KINDS, ProblemFile, list_problems
from analyzer.catalog.record import TrackRecord, build_track_record, make_track_uid
from analyzer.catalog.writer import CatalogWriter

__all__ = [
    "PROBLEM_KINDS",
    "CatalogWriter",
    "Credit",
    "FeatureInfo",
    "FileInfo",
    "ProblemFile",
    "TagValue",
    "TrackDetail",
    "TrackRecord",
    "TrackRow",
    "build_track_record",
    "list_problems",
    "list_tracks",
    "make_track_uid",
    "track_detail",
]
