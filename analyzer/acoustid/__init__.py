"""AcoustID: lookups and submissions through an injectable service; opt-in with the user's own key."""

from analyzer.acoustid.service import (
    AcoustIdConfig,
    AcoustIdError,
    AcoustIdMatch,
    AcoustIdService,
    PyAcoustIdService,
    Submission,
    load_acoustid_config,
)
from analyzer.acoustid.sync import AcoustIdSummary, fingerprint_sha1, sync_acoustid

__all__ = [
    "AcoustIdConfig",
    "AcoustIdError",
    "AcoustIdMatch",
    "AcoustIdService",
    "AcoustIdSummary",
    "PyAcoustIdService",
    "Submission",
    "fingerprint_sha1",
    "load_acoustid_config",
    "sync_acoustid",
]
