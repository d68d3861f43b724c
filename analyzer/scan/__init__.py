"""Library scan: folders to media_files and a normalized catalog, incremental and safe on bad files.

``scan_folders(db, roots)`` is the one entry point (a generator of Progress returning a ScanSummary);
``reconcile_moved_files`` is called by it and by analysis once audio hashes are known. The library folders
(``add_folder``, ``remove_folder``, ``list_folders``) are what a scan with no path scans.

Names are imported on first use (PEP 562), so importing one submodule (the app's start-up reads the
library folders) does not load the scanner, the tag readers and mutagen with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analyzer.lazy_exports import lazy_getattr

if TYPE_CHECKING:
    from analyzer.scan.folders import (
        FolderError,
        LibraryFolder,
        RemovedFolder,
        add_folder,
        list_folders,
        remove_folder,
    )
    from analyzer.scan.moves import reconcile_moved_files
    from analyzer.scan.paths import path_hash
    from analyzer.scan.problems import ProblemFile, problem_files
    from analyzer.scan.runner import ScanSummary, run_scan, scan_folders, scan_new_database
    from analyzer.scan.walker import WalkProblem

_WHERE = {
    "FolderError": "analyzer.scan.folders",
    "LibraryFolder": "analyzer.scan.folders",
    "RemovedFolder": "analyzer.scan.folders",
    "add_folder": "analyzer.scan.folders",
    "list_folders": "analyzer.scan.folders",
    "remove_folder": "analyzer.scan.folders",
    "reconcile_moved_files": "analyzer.scan.moves",
    "path_hash": "analyzer.scan.paths",
    "ProblemFile": "analyzer.scan.problems",
    "problem_files": "analyzer.scan.problems",
    "ScanSummary": "analyzer.scan.runner",
    "run_scan": "analyzer.scan.runner",
    "scan_folders": "analyzer.scan.runner",
    "scan_new_database": "analyzer.scan.runner",
    "WalkProblem": "analyzer.scan.walker",
}

__all__ = [
    "FolderError",
    "LibraryFolder",
    "ProblemFile",
    "RemovedFolder",
    "ScanSummary",
    "WalkProblem",
    "add_folder",
    "list_folders",
    "path_hash",
    "problem_files",
    "reconcile_moved_files",
    "remove_folder",
    "run_scan",
    "scan_folders",
    "scan_new_database",
]


__getattr__ = lazy_getattr(__name__, _WHERE)
