"""Stats ranges in a user's time zone: parsing the CLI syntax and turning local days into UTC epoch bounds.

A range is a half-open span of *local* calendar days; its bounds become UTC epoch seconds (the
``listens.listened_at`` integers) through the zone, so a WHERE on the indexed column stays DST-correct.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.users import User

RANGE_HELP = (
    "all | YYYY | YYYY-MM | YYYY-Www (ISO week) | YYYY-MM-DD | FROM..TO (dates, inclusive; either side may "
    "be empty) | last-N-days | last-N-weeks | last-N-months. Days are the user's local days."
)


class RangeError(ValueError):
    """A range text that does not parse; the message is one line for a person."""


@dataclass(frozen=True, slots=True)
class StatsRange:
    """Local days ``[start, end)``; None on a side means unbounded (``all``)."""

    start: date | None
    end: date | None
    label: str = "all"

    def epoch_bounds(self, zone: ZoneInfo) -> tuple[int | None, int | None]:
        """UTC epoch seconds of local midnight at each bound (None = unbounded)."""
        return (
            None if self.start is None else local_midnight_epoch(self.start, zone),
            None if self.end is None else local_midnight_epoch(self.end, zone),
        )


ALL_TIME = StatsRange(None, None, "all")


def local_midnight_epoch(day: date, zone: ZoneInfo) -> int:
    """Epoch seconds of the first instant of ``day`` in ``zone`` (a skipped midnight maps forward)."""
    moment = datetime(day.year, day.month, day.day, tzinfo=zone)
    # zoneinfo resolves a non-existent wall time with the pre-transition offset; round trip to normalise.
    return int(moment.astimezone(UTC).timestamp())


def machine_zone() -> ZoneInfo:
    """The machine's IANA zone: ``TZ``, then the /etc/localtime link, else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        link = os.readlink("/etc/localtime")
        candidates.append(link.split("zoneinfo/", 1)[-1])
    except OSError:
        pass
    tz_file = Path("/etc/timezone")
    if tz_file.is_file():
        candidates.append(tz_file.read_text(encoding="utf-8").strip())
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def user_zone(user: User) -> ZoneInfo:
    """The zone stats use for ``user``: their IANA ``timezone``, else the machine's."""
    if user.timezone:
        try:
            return ZoneInfo(user.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise RangeError(f"user {user.username!r} has an unknown time zone {user.timezone!r}") from None
    return machine_zone()


_LAST = re.compile(r"^last-(\d{1,5})-(day|week|month)s?$")


def parse_range(text: str, today: date | None = None) -> StatsRange:
    """Parse the range syntax of :data:`RANGE_HELP`; ``today`` is the user's local date (for ``last-*``)."""
    value = text.strip().lower()
    try:
        if value in ("", "all"):
            return ALL_TIME
        if ".." in value:
            left, right = value.split("..", 1)
            start = date.fromisoformat(left) if left else None
            end = date.fromisoformat(right) + timedelta(days=1) if right else None
            if start and end and end <= start:
                raise RangeError(f"range {text!r} ends before it starts")
            return StatsRange(start, end, value)
        if match := _LAST.match(value):
            if today is None:
                raise RangeError("last-N ranges need today's date")
            count, unit = int(match[1]), match[2]
            end = today + timedelta(days=1)
            if unit == "day":
                return StatsRange(end - timedelta(days=count), end, value)
            if unit == "week":
                return StatsRange(end - timedelta(weeks=count), end, value)
            month_index = today.year * 12 + today.month - 1 - count
            start = date(month_index // 12, month_index % 12 + 1, 1)
            return StatsRange(start.replace(day=1) if count else today.replace(day=1), end, value)
        if re.fullmatch(r"\d{4}", value):
            year = int(value)
            return StatsRange(date(year, 1, 1), date(year + 1, 1, 1), value)
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})", value):
            year, month = int(match[1]), int(match[2])
            start = date(year, month, 1)
            end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
            return StatsRange(start, end, value)
        if match := re.fullmatch(r"(\d{4})-w(\d{1,2})", value):
            start = date.fromisocalendar(int(match[1]), int(match[2]), 1)
            return StatsRange(start, start + timedelta(days=7), value.upper())
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = date.fromisoformat(value)
            return StatsRange(day, day + timedelta(days=1), value)
    except ValueError as error:
        if isinstance(error, RangeError):
            raise
        raise RangeError(f"bad range {text!r}: {error}") from None
    raise RangeError(f"bad range {text!r}; use {RANGE_HELP}")


def local_today(zone: ZoneInfo, now: datetime | None = None) -> date:
    """Today's date in ``zone`` (``now`` for tests)."""
    return (now or datetime.now(UTC)).astimezone(zone).date()
