"""Duplicate files: identical audio (audio hash) and the same recording (verified fingerprints), each
group with a score and a suggestion of which file to keep."""

from analyzer.duplicates.candidates import candidate_pairs, sampled_values
from analyzer.duplicates.grouping import MATCH_THRESHOLD, verified_groups
from analyzer.duplicates.keep import DuplicateFile, suggest_keep
from analyzer.duplicates.library import DuplicateGroup, find_duplicates

__all__ = [
    "MATCH_THRESHOLD",
    "DuplicateFile",
    "DuplicateGroup",
    "candidate_pairs",
    "find_duplicates",
    "sampled_values",
    "suggest_keep",
    "verified_groups",
]
