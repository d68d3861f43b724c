"""Column types: UTC in, UTC out; durations and MBIDs validated; non-UTF-8 paths round-trip."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import exc, select

from models.engine import Database
from models.listens import ListenRaw
from models.media import MediaFile
from models.types import decode_path, encode_path, parse_mbid
from models.users import User


def test_datetimes_come_back_aware_utc(sqlite_db: Database) -> None:
    paris = timezone(timedelta(hours=2))
    with sqlite_db.session() as session:
        user = User(username="u", created_at=datetime(2024, 6, 1, 14, 0, tzinfo=paris))
        session.add(user)
        session.flush()
        session.add(ListenRaw(user_id=user.id, source="s", payload_json="{}",
                              listened_at=datetime(2024, 6, 1, 14, 0, 30, tzinfo=paris)))  # fmt: skip
    with sqlite_db.session() as session:
        assert session.scalars(select(User.created_at)).one() == datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
        raw_time = session.scalars(select(ListenRaw.listened_at)).one()
        assert raw_time == datetime(2024, 6, 1, 12, 0, 30, tzinfo=UTC) and raw_time.tzinfo is UTC


def test_naive_datetimes_are_refused(sqlite_db: Database) -> None:
    with pytest.raises(exc.StatementError, match="naive datetime"), sqlite_db.session() as session:
        session.add(User(username="n", created_at=datetime(2024, 1, 1)))
        session.flush()


def test_mbid_is_validated_and_canonical() -> None:
    assert parse_mbid(" B10BBBFC-CF9E-42E0-BE17-E2C3E1D2600D ") == "b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d"
    with pytest.raises(ValueError):
        parse_mbid("not-a-uuid")


def test_negative_duration_is_refused(sqlite_db: Database) -> None:
    with pytest.raises(exc.StatementError, match="non-negative"), sqlite_db.session() as session:
        session.add(MediaFile(file_path="/x", file_path_hash="c" * 40, duration_secs=-1.0))
        session.flush()


def test_non_utf8_path_round_trips(db: Database) -> None:
    weird = os.fsdecode(b"/music/caf\xe9 \xff.mp3")  # Latin-1 bytes in a name: not valid UTF-8
    assert decode_path(encode_path(weird)) == weird
    with db.session() as session:
        session.add(MediaFile(file_path=weird, file_path_hash="d" * 40))
    with db.session() as session:
        assert session.scalars(select(MediaFile.file_path)).one() == weird
    assert encode_path("/music/Sigur Rós.flac") == "/music/Sigur Rós.flac"  # readable when it can be
