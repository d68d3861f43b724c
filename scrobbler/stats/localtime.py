"""Local wall-clock arithmetic on arrays of UTC epoch seconds, exact across DST changes.

zoneinfo has no public list of transitions, so we find them: sample the offset once a day over the data's
span and bisect every day whose offset changes down to the second. Each epoch then takes the offset of the
last transition before it (``numpy.searchsorted``), one vectorised pass for a million listens.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

DAY = 86_400
# 1970-01-01 was a Thursday; with Monday = 0 the weekday of local day n is (n + 3) % 7.
_EPOCH_WEEKDAY = 3

IntArray = npt.NDArray[np.int64]


def _offset(zone: ZoneInfo, epoch: int) -> int:
    delta = datetime.fromtimestamp(epoch, UTC).astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def offset_table(zone: ZoneInfo, first: int, last: int) -> tuple[IntArray, IntArray]:
    """Transition instants (starts) and the UTC offset in force from each, covering ``[first, last]``."""
    starts = [first]
    offsets = [_offset(zone, first)]
    day = first
    while day < last:
        nxt = min(day + DAY, last)
        after = _offset(zone, nxt)
        if after != offsets[-1]:
            lo, hi = day, nxt  # offset(lo) == offsets[-1], offset(hi) == after
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset(zone, mid) == offsets[-1]:
                    lo = mid
                else:
                    hi = mid
            starts.append(hi)
            offsets.append(after)
        day = nxt
    return np.asarray(starts, dtype=np.int64), np.asarray(offsets, dtype=np.int64)


def to_local_seconds(epochs: npt.ArrayLike, zone: ZoneInfo) -> IntArray:
    """Wall-clock seconds since the local epoch: ``epoch + utcoffset(epoch)`` element-wise."""
    values = np.asarray(epochs, dtype=np.int64)
    if values.size == 0:
        return values
    starts, offsets = offset_table(zone, int(values.min()), int(values.max()))
    index = np.searchsorted(starts, values, side="right") - 1
    return values + offsets[np.clip(index, 0, None)]


def local_days(local_seconds: IntArray) -> IntArray:
    """Local day numbers (days since 1970-01-01 in local wall time)."""
    return np.floor_divide(local_seconds, DAY)


def local_hours(local_seconds: IntArray) -> IntArray:
    return np.floor_divide(np.mod(local_seconds, DAY), 3600)


def local_weekdays(local_seconds: IntArray) -> IntArray:
    """Monday = 0 ... Sunday = 6."""
    return np.mod(local_days(local_seconds) + _EPOCH_WEEKDAY, 7)


def local_isoformat(epochs: npt.ArrayLike, zone: ZoneInfo) -> list[str]:
    """``datetime.fromtimestamp(epoch, zone).isoformat()`` for every epoch, vectorised: the same text
    ("2024-03-31T03:30:00+02:00"), for tables of tens of thousands of times (40,000 cost 0.3 s one by one)."""
    values = np.asarray(epochs, dtype=np.int64)
    if values.size == 0:
        return []
    local = to_local_seconds(values, zone)
    stamps = np.datetime_as_string(local.astype("datetime64[s]"), unit="s")
    suffixes = {int(offset): _offset_text(int(offset)) for offset in np.unique(local - values)}
    return [
        stamp + suffixes[offset]
        for stamp, offset in zip(stamps.tolist(), (local - values).tolist(), strict=True)
    ]


def _offset_text(offset: int) -> str:
    sign = "-" if offset < 0 else "+"
    hours, rest = divmod(abs(offset), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
