"""Library analysis: decode each pending file once (audio hash, Chromaprint, Essentia features) in a
process pool, store the results through one batched writer, recognise moved files, update the index."""

from analyzer.analysis.pending import AnalysisJob, pending_jobs
from analyzer.analysis.pool import AnalysisFailed, analyze_in_pool
from analyzer.analysis.runner import AnalysisSummary, FileProblem, analyze_library, run_analysis
from analyzer.analysis.store import write_results

__all__ = [
    "AnalysisFailed",
    "AnalysisJob",
    "AnalysisSummary",
    "FileProblem",
    "analyze_in_pool",
    "analyze_library",
    "pending_jobs",
    "run_analysis",
    "write_results",
]
