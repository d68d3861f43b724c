"""Library scan: folders to media_files and a normalized catalog, incremental and safe on bad files.

``scan_folders(db, roots)`` is the one entry point (a generator of Progress returning a ScanSummary);
``reconcile_moved_files`` is called by it and by analysis once audio hashes are known. The library folders
(``add_folder``, ``remove_folder``, ``list_folders``) are what a scan with no path scans.
"""

from analyzer.scan.folders import (
    FolderError,
    LibraryFolder,
    RemovedFolder,
    add_folder,
    list_folders,
    remove_folder,
)
from analyzer.scan.moves import reconcile_moved_files
from analyzer.scan.plan import path_hash
from analyzer.scan.problems import ProblemFile, problem_files
from analyzer.scan.runner import ScanSummary, run_scan, scan_folders
from analyzer.scan.walker import WalkProblem

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
]
