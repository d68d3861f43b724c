"""From raw match score to the probability that the match is right.

The table below was fitted by ``bench/fit_calibration.py`` on the generated evaluation set
(``bench/matching_data.py``, seed 1, a different seed from the one the targets are checked on): isotonic
regression (pool-adjacent-violators) of "the best candidate is the labelled track" on the best candidate's
raw score, over every listen including those whose song is not in the library, then thinned to the
points where the fitted step function changes. Between points the probability is interpolated linearly.
Re-fit (and paste the printed table here) whenever the weights in ``scoring.py`` change.
"""

from __future__ import annotations

from bisect import bisect_right

# (raw score, probability), raw ascending. Below the first point: its probability; above the last: its.
CALIBRATION_TABLE: tuple[tuple[float, float], ...] = (
    (0.427, 0.0),
    (0.5952, 0.0007),
    (0.6551, 0.0065),
    (0.7182, 0.0079),
    (0.7638, 0.0417),
    (0.7733, 0.0727),
    (0.79, 0.0959),
    (0.8016, 0.1667),
    (0.8097, 0.2),
    (0.815, 0.4545),
    (0.8266, 0.7222),
    (0.8441, 0.8485),
    (0.8569, 0.95),
    (0.87, 0.951),
    (0.9, 0.9956),
    (0.94, 0.999),
    (0.98, 0.999),
)

ID_CONFIDENCE = 0.995
"""Listens matched by recording MBID, ISRC or Spotify id: every such link in the evaluation set was right;
0.995 rather than 1.0 leaves room for mis-tagged files."""

_RAWS = [raw for raw, _ in CALIBRATION_TABLE]


def calibrated(raw: float) -> float:
    """Probability (0-1, rounded to 3 places) that a candidate with this raw score is the right track."""
    at = bisect_right(_RAWS, raw)
    if at == 0:
        return CALIBRATION_TABLE[0][1]
    if at == len(_RAWS):
        return CALIBRATION_TABLE[-1][1]
    (x0, y0), (x1, y1) = CALIBRATION_TABLE[at - 1], CALIBRATION_TABLE[at]
    return round(y0 + (y1 - y0) * (raw - x0) / (x1 - x0), 3)
