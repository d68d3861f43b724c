"""Range syntax, local-day bounds and DST-exact local time bucketing."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from scrobbler.stats.localtime import local_days, local_hours, local_weekdays, to_local_seconds
from scrobbler.stats.ranges import RangeError, StatsRange, parse_range
from tests.listening_fixtures import utc

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024", date(2024, 1, 1), date(2025, 1, 1)),
        ("2024-05", date(2024, 5, 1), date(2024, 6, 1)),
        ("2024-12", date(2024, 12, 1), date(2025, 1, 1)),
        ("2024-W18", date(2024, 4, 29), date(2024, 5, 6)),
        ("2024-02-29", date(2024, 2, 29), date(2024, 3, 1)),
        ("2024-01-01..2024-03-31", date(2024, 1, 1), date(2024, 4, 1)),
        ("2024-01-01..", date(2024, 1, 1), None),
        ("..2024-03-31", None, date(2024, 4, 1)),
        ("last-30-days", date(2024, 5, 2), date(2024, 6, 1)),
        ("last-2-weeks", date(2024, 5, 18), date(2024, 6, 1)),
        ("last-3-months", date(2024, 2, 1), date(2024, 6, 1)),
        ("all", None, None),
    ],
)
def test_parse_range(text: str, start: date | None, end: date | None) -> None:
    parsed = parse_range(text, today=date(2024, 5, 31))
    assert (parsed.start, parsed.end) == (start, end)


@pytest.mark.parametrize("text", ["2024-13", "yesterday", "2024-03-01..2024-01-01", "2024-W60"])
def test_bad_ranges_say_why(text: str) -> None:
    with pytest.raises(RangeError):
        parse_range(text, today=date(2024, 5, 31))


def test_month_bounds_follow_the_zone_offset_at_each_end() -> None:
    # March 2024 in Berlin: starts at 00:00 CET (+1), ends at 00:00 CEST (+2) on 1 April.
    lo, hi = StatsRange(date(2024, 3, 1), date(2024, 4, 1)).epoch_bounds(BERLIN)
    assert lo == int(utc(2024, 2, 29, 23).timestamp())
    assert hi == int(utc(2024, 3, 31, 22).timestamp())


def test_local_time_across_both_berlin_switches() -> None:
    epochs = [
        int(utc(2024, 3, 31, 0, 30).timestamp()),  # 01:30 CET
        int(utc(2024, 3, 31, 1, 30).timestamp()),  # 03:30 CEST (02:xx does not exist)
        int(utc(2024, 10, 27, 0, 30).timestamp()),  # 02:30 CEST
        int(utc(2024, 10, 27, 1, 30).timestamp()),  # 02:30 CET, the repeated hour
        int(utc(2024, 12, 31, 23, 30).timestamp()),  # 00:30 on 1 January 2025
    ]
    local = to_local_seconds(np.asarray(epochs), BERLIN)
    assert local_hours(local).tolist() == [1, 3, 2, 2, 0]
    assert local_weekdays(local).tolist() == [6, 6, 6, 6, 2]  # Sundays, then a Wednesday
    days = [date(1970, 1, 1).toordinal() + int(d) for d in local_days(local)]
    assert [date.fromordinal(d) for d in days] == [
        date(2024, 3, 31),
        date(2024, 3, 31),
        date(2024, 10, 27),
        date(2024, 10, 27),
        date(2025, 1, 1),
    ]


def test_local_time_matches_zoneinfo_over_years() -> None:
    zone = ZoneInfo("America/New_York")
    epochs = np.arange(int(utc(2019, 1, 1).timestamp()), int(utc(2025, 1, 1).timestamp()), 3 * 3600 + 77)
    local = to_local_seconds(epochs, zone)
    from datetime import UTC, datetime

    expected = [datetime.fromtimestamp(int(e), UTC).astimezone(zone).hour for e in epochs[::50]]
    assert local_hours(local)[::50].tolist() == expected
