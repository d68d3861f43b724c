"""The history table's reads on every engine layout: ordered ids for each filter and sort, pages of rows in
the listener's zone, the filter options, the raw arrivals of a listen, and the messages of bad filters."""

from __future__ import annotations

import itertools
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import delete, select, update

from models.engine import Database
from models.listens import Listen, ListenRaw, ListenSource
from models.users import User
from scrobbler import history_pages
from scrobbler.history_filter import (
    SORT_KEYS,
    HistoryFilter,
    HistoryFilterError,
    HistorySort,
    day_range,
    text_terms,
)
from scrobbler.history_pages import first_rows, history_options, listen_ids, listen_rows, raw_payload
from tests.history_fixtures import History, build_history


@pytest.fixture
def history(db: Database, monkeypatch: pytest.MonkeyPatch) -> History:
    monkeypatch.setenv("TZ", "America/New_York")  # bob has no zone of his own: he sees the machine's
    return build_history(db)


def ids_of(
    db: Database, where: HistoryFilter = HistoryFilter(), order: HistorySort = HistorySort()
) -> list[int]:
    with db.session() as session:
        found = listen_ids(session, where, order)
    assert found.dtype == np.int64
    return found.tolist()


def labels(history: History, ids: list[int]) -> list[str]:
    by_id = {listen_id: label for label, listen_id in history.listens.items()}
    return [by_id[listen_id] for listen_id in ids]


def test_newest_first_across_users_with_rows_in_each_listeners_zone(db: Database, history: History) -> None:
    ids = ids_of(db)
    assert ids == history.newest_first()
    with db.session() as session:
        rows = listen_rows(session, ids)
        assert [row.listen_id for row in first_rows(session, limit=4) if row] == ids[:4]
    by_label = {label: row for label, row in zip(labels(history, ids), rows, strict=True)}
    assert all(row is not None for row in rows)
    joga, bachelorette, bob = by_label["joga"], by_label["bachelorette"], by_label["bob-daft"]
    assert joga is not None and bachelorette is not None and bob is not None
    # ada lives in Berlin: 10:00 UTC on 30 March is 11:00 there, and 23:30 UTC the next day's 00:30 (still CET)
    assert joga.listened_at.tzinfo == ZoneInfo("Europe/Berlin")
    assert (joga.listened_at.day, joga.listened_at.hour) == (30, 11)
    assert (bachelorette.listened_at.day, bachelorette.listened_at.hour, bachelorette.listened_at.minute) == (
        31,
        0,
        30,
    )
    # bob has no zone: the machine's (New York, EDT in April): midnight UTC on 3 April is 20:00 on the 2nd
    assert bob.listened_at.tzinfo == ZoneInfo("America/New_York")
    assert (bob.listened_at.day, bob.listened_at.hour) == (2, 20)
    assert (joga.artist, joga.title, joga.release, joga.source) == (
        "Björk",
        "Jóga",
        "Homogenic",
        "listenbrainz_export",
    )
    assert (joga.status, joga.track_id, joga.track_title, joga.track_artist) == (
        "matched", history.tracks["Jóga"], "Jóga", "Björk"
    )  # fmt: skip
    assert joga.confidence is not None and joga.confidence > 0.9


def test_statuses_as_a_person_sees_them(db: Database, history: History) -> None:
    with db.session() as session:
        rows = {row.listen_id: row for row in listen_rows(session, list(history.listens.values())) if row}
    status = {label: rows[listen_id].status for label, listen_id in history.listens.items()}
    assert status["joga"] == "matched"
    assert status["remember"] == "ambiguous"  # two tracks of the same song: the matcher could not choose
    assert status["nothing"] == status["bob-daft"] == "unmatched"
    assert status["mystery"] == status["pure"] == "manual"  # a person linked one and rejected the other
    assert status["bob-late"] == "pending"
    mystery = rows[history.listens["mystery"]]
    assert (mystery.track_title, mystery.reviewed_by) == ("Jóga", "ada")
    for wanted in ("matched", "ambiguous", "unmatched", "manual", "pending"):
        found = labels(history, ids_of(db, HistoryFilter(status=wanted)))
        assert sorted(found) == sorted(label for label, value in status.items() if value == wanted), wanted


def test_filters_by_user_source_dates_and_track(db: Database, history: History) -> None:
    everyone = history.newest_first()
    bob = ids_of(db, HistoryFilter(user_id=history.users["bob"]))
    assert labels(history, bob) == ["bob-late", "bob-daft", "bob-talisman"]
    assert ids_of(db, HistoryFilter(source="api")) == bob
    assert set(labels(history, ids_of(db, HistoryFilter(source="listenbrainz_export")))) == {
        "joga", "talisman", "hoppipolla", "remember"
    }  # fmt: skip
    # 31 March in Berlin (a 23-hour day: clocks go forward) runs 30 March 23:00 UTC to 31 March 22:00 UTC
    since, until = day_range(date(2024, 3, 31), date(2024, 3, 31), ZoneInfo("Europe/Berlin"))
    assert until is not None and since is not None and until - since == 23 * 3600
    assert labels(history, ids_of(db, HistoryFilter(since=since, until=until))) == [
        "bob-talisman", "talisman", "bachelorette"
    ]  # fmt: skip
    open_start = ids_of(db, HistoryFilter(until=until))
    assert open_start == everyone[everyone.index(history.listens["bob-talisman"]) :]
    talisman = ids_of(db, HistoryFilter(track_id=history.tracks["Talisman"]))
    assert labels(history, talisman) == ["bob-talisman", "talisman"]  # the late one is not linked yet
    both = HistoryFilter(user_id=history.users["ada"], track_id=history.tracks["Jóga"])
    assert labels(history, ids_of(db, both)) == ["mystery", "joga"]  # linked by hand, and by the matcher


def test_text_matches_names_as_heard_and_the_linked_tracks_title(db: Database, history: History) -> None:
    def found(text: str) -> set[str]:
        return set(labels(history, ids_of(db, HistoryFilter(text=text))))

    assert found("bjork") == {"joga", "bachelorette"}  # "Björk" and "Bjork" as heard, accents folded
    assert found("BJÖRK homogenic") == {"joga", "bachelorette"}  # every word must match somewhere
    assert found("joga") == {"joga", "mystery"}  # mystery's raw names differ; its linked track is Jóga
    assert found("hoppípolla") == {"hoppipolla"}
    assert found("moon safari") == {"talisman", "bob-late"}  # release as heard (bob-talisman has none)
    assert found('"safari moon"') == set()  # a quoted phrase keeps its order
    assert found("air -talisman") == {"cherry", "remember"}  # a leading - excludes
    assert found("-air") == set(history.listens) - {
        "cherry",
        "remember",
        "talisman",
        "bob-talisman",
        "bob-late",
    }
    # LIKE's wildcards are plain characters: alone they match no name (as wildcards they would match all)
    assert found("100%") == {"pure"}  # normalized like the names: "100% Pure_Noise" is "100 pure noise"
    assert found("%") == set() and found("_") == set() and found("%_%") == set()
    assert found("   ") == set(history.listens)
    assert found("!") == set()  # punctuation alone is looked for as it is (as the artist "!!!" would be)
    assert text_terms('-live "daft punk') == text_terms('-live "daft punk"')  # a quote being typed


@pytest.mark.parametrize("key", SORT_KEYS)
def test_every_sort_both_ways_keeps_missing_values_last(db: Database, history: History, key: str) -> None:
    with db.session() as session:
        every = {row.listen_id: row for row in listen_rows(session, history.newest_first()) if row}
    value = {
        "time": lambda row: row.listened_at.timestamp(),
        "artist": lambda row: row.artist.casefold().replace("ö", "o"),
        "title": lambda row: row.title.casefold(),
        "release": lambda row: None if row.release is None else row.release.casefold(),
        "source": lambda row: row.source,
        "status": lambda row: row.status,
        "track": lambda row: (
            None if row.track_title is None else row.track_title.casefold().replace("í", "i")
        ),
        "confidence": lambda row: row.confidence,
    }[key]
    for descending in (False, True):
        ids = ids_of(db, HistoryFilter(), HistorySort(key, descending))
        assert sorted(ids) == sorted(every)
        keys = [value(every[listen_id]) for listen_id in ids]
        present = [k for k in keys if k is not None]
        assert keys == present + [None] * (len(keys) - len(present)), keys  # missing last, both ways
        assert present == sorted(present, reverse=descending), keys
        for first, second in itertools.pairwise(ids):  # ties: newest first
            if value(every[first]) == value(every[second]) and key != "time":
                assert every[first].listened_at >= every[second].listened_at
        with db.session() as session:
            assert [
                row.listen_id for row in first_rows(session, HistoryFilter(), HistorySort(key, descending), 5)
            ] == ids[:5]


def test_options_list_users_sources_and_status_counts(db: Database, history: History) -> None:
    with db.session() as session:
        options = history_options(session)
    assert [(user.name, user.timezone) for user in options.users] == [("ada", "Europe/Berlin"), ("bob", None)]
    assert options.sources == [("lastfm_csv", 5), ("listenbrainz_export", 4), ("api", 3)]
    assert options.statuses == {"matched": 6, "ambiguous": 1, "unmatched": 2, "manual": 2, "pending": 1}
    assert options.total == len(history.listens)


def test_raw_payload_shows_every_arrival_first_one_first(db: Database, history: History) -> None:
    with db.session() as session:
        payload = raw_payload(session, history.listens["talisman"])
        single = raw_payload(session, history.listens["joga"])
        assert raw_payload(session, 10_000_000) is None
    assert payload is not None and single is not None
    assert payload.listen.title == "Talisman"
    assert [(a.source, a.duplicate) for a in payload.arrivals] == [
        ("listenbrainz_export", False),
        ("api", True),
    ]
    first, again = payload.arrivals
    assert first.is_json and '"release_name": "Moon Safari"' in first.payload and "\n  " in first.payload
    assert (again.listened_at - first.listened_at).total_seconds() == 30
    assert again.source_track_id == "talisman-api"
    assert [a.source for a in single.arrivals] == ["listenbrainz_export"]


def test_a_payload_that_is_not_json_is_shown_as_stored(db: Database, history: History) -> None:
    line = "Björk\tHomogenic\tJóga\t1\t305\tL\t1711792800"  # a .scrobbler.log line, kept verbatim
    with db.session() as session:
        raw_id = session.scalar(select(Listen.raw_id).where(Listen.id == history.listens["joga"]))
        session.execute(update(ListenRaw).where(ListenRaw.id == raw_id).values(payload_json=line))
    with db.session() as session:
        payload = raw_payload(session, history.listens["joga"])
    assert payload is not None
    (arrival,) = payload.arrivals
    assert arrival.payload == line and not arrival.is_json


def test_pages_leave_a_gap_for_a_listen_deleted_since_the_ids_were_read(
    db: Database, history: History
) -> None:
    ids = ids_of(db)
    gone = history.listens["nothing"]
    with db.session() as session:
        session.execute(delete(ListenSource).where(ListenSource.listen_id == gone))
        session.execute(delete(Listen).where(Listen.id == gone))
    with db.session() as session:
        rows = listen_rows(session, ids)
        assert session.scalar(select(Listen.id).where(Listen.id == gone)) is None
    assert [row is None for row in rows] == [listen_id == gone for listen_id in ids]
    assert listen_rows(db.sessions(), []) == []


def test_bad_filters_say_what_is_wrong(db: Database, history: History) -> None:
    with db.session() as session:
        with pytest.raises(HistoryFilterError, match="unknown status 'played'"):
            listen_ids(session, HistoryFilter(status="played"))
        with pytest.raises(HistoryFilterError, match="ends before it starts"):
            listen_ids(session, HistoryFilter(since=2_000, until=1_000))
        with pytest.raises(HistoryFilterError, match="cannot sort by 'mood'"):
            first_rows(session, HistoryFilter(), HistorySort("mood"))
        with pytest.raises(HistoryFilterError, match="unknown status"):
            first_rows(session, HistoryFilter(status="MATCHED"))


@pytest.mark.parametrize("chunk", [65_536, 5])
def test_the_fast_id_read_gives_what_the_plain_one_gives(
    db: Database, history: History, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_pages, "_ID_CHUNK", chunk)  # 5: a dozen ids arrive in several chunks
    for where, order in (
        (HistoryFilter(), HistorySort()),
        (HistoryFilter(text="air"), HistorySort("track", False)),
        (HistoryFilter(user_id=history.users["ada"]), HistorySort("time", False)),
    ):
        statement = history_pages._id_statement(where, order)
        with db.session() as session:
            fast = history_pages._fetch_ids(session, statement)
            plain = history_pages._fetch_ids_plain(session, statement)
        assert fast.tolist() == plain.tolist() and len(fast) > 0


def test_one_users_history_reads_the_same_through_the_users_index(db: Database, history: History) -> None:
    with db.session() as session:  # bob leaves: ada's history is the whole history
        session.execute(delete(Listen).where(Listen.user_id == history.users["bob"]))
        session.execute(delete(User).where(User.id == history.users["bob"]))
    ada = history.users["ada"]
    for order in (HistorySort(), HistorySort("time", False), HistorySort("artist")):
        narrowed = ids_of(db, HistoryFilter(), order)
        statement = history_pages._id_statement(HistoryFilter(), order)  # no user named: every user
        with db.session() as session:
            everyone = history_pages._fetch_ids_plain(session, statement).tolist()
        assert narrowed == everyone and len(narrowed) == 9
        assert narrowed == ids_of(db, HistoryFilter(user_id=ada), order)
