"""Sound-alike tracks: FAISS over standardized Essentia feature vectors, one vector per track.

The index is persisted beside the database and updated after each analysis (``update_similarity_index``);
``similar_tracks`` answers "more like this" with optional BPM and harmonic-key filters.
"""

from analyzer.similarity.index import (
    FLAT_MAX_TRACKS,
    SimilarityIndex,
    index_path,
    load_index,
    rebuild_similarity_index,
    update_similarity_index,
)
from analyzer.similarity.playlist import write_m3u8
from analyzer.similarity.query import KeyMode, SimilarTrack, TrackNotFound, compatible_keys, similar_tracks

__all__ = [
    "FLAT_MAX_TRACKS",
    "KeyMode",
    "SimilarTrack",
    "SimilarityIndex",
    "TrackNotFound",
    "compatible_keys",
    "index_path",
    "load_index",
    "rebuild_similarity_index",
    "similar_tracks",
    "update_similarity_index",
    "write_m3u8",
]
