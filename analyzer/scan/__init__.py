"""Library scan: folders to media_files and a normalized catalog, incremental and safe on bad files.

``scan_folders(db, roots)`` is the one entry point (a generator of Progress returning a ScanSummary);
``reconcile_moved_files`` is called by it and by analysis once audio hashes are known.
"""

from analyzer.scan.media_rows import ProblemFile, problem_files
from analyzer.scan.moves import reconcile_moved_files
from analyzer.scan.plan import path_hash
from analyzer.scan.runner import ScanSummary, run_scan, scan_folders
from analyzer.scan.walker import WalkProblem

__all__ = [
    "ProblemFile",
    "ScanSummary",
    "WalkProblem",
    "path_hash",
    "problem_files",
    "reconcile_moved_files",
    "run_scan",
    "scan_folders",
]
