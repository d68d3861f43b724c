"""The catalog: tags become artists, release groups, releases, tracks and everything hanging off them.

``build_track_record`` (pure, runs in scan workers) decides a track from one file's tags;
``CatalogWriter`` writes batches of records with set-based SQL; ``list_tracks`` browses the result;
``list_problems`` lists the files that need attention; ``track_detail`` is one track's every fact;
``load_library`` reads every track as columns for the library table, and ``parse_query`` is the one
search syntax over them (the app's search box and ``tonearm tracks --search``).
"""

from analyzer.catalog.browse import TrackRow, list_tracks
from analyzer.catalog.detail import Credit, FeatureInfo, FileInfo, TagValue, TrackDetail, track_detail
from analyzer.catalog.library import COLUMNS, ColumnSpec, LibraryColumns, load_library
from analyzer.catalog.problems import PROBLEM_KINDS, ProblemFile, list_problems
from analyzer.catalog.record import TrackRecord, build_track_record, make_track_uid
from analyzer.catalog.search import QuerySyntaxError, SearchIndex, TrackQuery, parse_query
from analyzer.catalog.writer import CatalogWriter

__all__ = [
    "COLUMNS",
    "PROBLEM_KINDS",
    "CatalogWriter",
    "ColumnSpec",
    "Credit",
    "FeatureInfo",
    "FileInfo",
    "LibraryColumns",
    "ProblemFile",
    "QuerySyntaxError",
    "SearchIndex",
    "TagValue",
    "TrackDetail",
    "TrackQuery",
    "TrackRecord",
    "TrackRow",
    "build_track_record",
    "list_problems",
    "list_tracks",
    "load_library",
    "make_track_uid",
    "parse_query",
    "track_detail",
]
