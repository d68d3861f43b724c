"""The catalog: tags become artists, release groups, releases, tracks and everything hanging off them.

``build_track_record`` (pure, runs in scan workers) decides a track from one file's tags;
``CatalogWriter`` writes batches of records with set-based SQL; ``list_tracks`` browses the result;
``list_problems`` lists the files that need attention; ``track_detail`` is one track's every fact;
``load_library`` reads every track as columns for the library table, and ``parse_query`` is the one
search syntax over them (the app's search box and ``tonearm tracks --search``).

Names are imported on first use (PEP 562), so importing one submodule (the app's start-up reads the
library folders) does not load the scanner, the tag readers and mutagen with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analyzer.lazy_exports import lazy_getattr

if TYPE_CHECKING:
    from analyzer.catalog.browse import TrackRow, list_tracks
    from analyzer.catalog.detail import Credit, FeatureInfo, FileInfo, TagValue, TrackDetail, track_detail
    from analyzer.catalog.library import COLUMNS, ColumnSpec, LibraryColumns, load_library
    from analyzer.catalog.problems import PROBLEM_KINDS, ProblemFile, list_problems
    from analyzer.catalog.record import TrackRecord, build_track_record, make_track_uid
    from analyzer.catalog.search import QuerySyntaxError, SearchIndex, TrackQuery, parse_query
    from analyzer.catalog.writer import CatalogWriter

_WHERE = {
    "TrackRow": "analyzer.catalog.browse",
    "list_tracks": "analyzer.catalog.browse",
    "Credit": "analyzer.catalog.detail",
    "FeatureInfo": "analyzer.catalog.detail",
    "FileInfo": "analyzer.catalog.detail",
    "TagValue": "analyzer.catalog.detail",
    "TrackDetail": "analyzer.catalog.detail",
    "track_detail": "analyzer.catalog.detail",
    "COLUMNS": "analyzer.catalog.library",
    "ColumnSpec": "analyzer.catalog.library",
    "LibraryColumns": "analyzer.catalog.library",
    "load_library": "analyzer.catalog.library",
    "PROBLEM_KINDS": "analyzer.catalog.problems",
    "ProblemFile": "analyzer.catalog.problems",
    "list_problems": "analyzer.catalog.problems",
    "TrackRecord": "analyzer.catalog.record",
    "build_track_record": "analyzer.catalog.record",
    "make_track_uid": "analyzer.catalog.record",
    "QuerySyntaxError": "analyzer.catalog.search",
    "SearchIndex": "analyzer.catalog.search",
    "TrackQuery": "analyzer.catalog.search",
    "parse_query": "analyzer.catalog.search",
    "CatalogWriter": "analyzer.catalog.writer",
}

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


__getattr__ = lazy_getattr(__name__, _WHERE)
