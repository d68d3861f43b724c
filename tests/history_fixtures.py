"""A small listening history made by the real core: tracks in the catalog, listens of two users imported
through the scrobbler's ingest (one arriving twice from two sources), matched by the real enrich, two of
them decided by a person through the review functions, and one imported after the matching (pending).

Used by the history pages tests (every engine layout) and the Listens screen tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from analyzer import review
from analyzer.matching.enrich import enrich_listens
from models.engine import Database
from models.listens import Listen
from models.progress import run_to_end
from scrobbler.ingest import run_ingest
from scrobbler.records import ListenRecord
from scrobbler.users import add_user
from tests.matching_fixtures import track


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# (label, user, when, artist, title, release, source): the listens as their sources sent them.
HEARD = (
    ("joga", "ada", utc(2024, 3, 30, 10, 0), "Björk", "Jóga", "Homogenic", "listenbrainz_export"),
    ("bachelorette", "ada", utc(2024, 3, 30, 23, 30), "Bjork", "Bachelorette", "Homogenic", "lastfm_csv"),
    ("talisman", "ada", utc(2024, 3, 31, 12, 0), "Air", "Talisman", "Moon Safari", "listenbrainz_export"),
    ("cherry", "ada", utc(2024, 4, 1, 8, 0), "Air", "Cherry Blossom Girl", None, "lastfm_csv"),
    (
        "hoppipolla",
        "ada",
        utc(2024, 4, 1, 20, 0),
        "Sigur Ros",
        "Hoppipolla",
        "Takk...",
        "listenbrainz_export",
    ),
    ("remember", "ada", utc(2024, 4, 1, 21, 0), "Air", "Remember", None, "listenbrainz_export"),
    ("nothing", "ada", utc(2024, 4, 2, 9, 0), "Unknown Band", "Nothing Matches", "Nowhere", "lastfm_csv"),
    ("mystery", "ada", utc(2024, 4, 2, 10, 0), "Mystery Act", "Track Seven", None, "lastfm_csv"),
    ("pure", "ada", utc(2024, 4, 2, 11, 0), "Oddity", "100% Pure_Noise", None, "lastfm_csv"),
    ("bob-talisman", "bob", utc(2024, 3, 31, 15, 0), "Air", "Talisman", None, "api"),
    ("bob-daft", "bob", utc(2024, 4, 3, 0, 0), "Daft Punk", "One More Time", "Discovery", "api"),
)
LATE = ("bob-late", "bob", utc(2024, 4, 4, 12, 0), "Air", "Talisman", "Moon Safari", "api")
"""Imported after the matching ran: stays pending."""
DUPLICATE_OF = "talisman"
"""The listen that also arrived from a second source (the local API, 30 s later): one listen, two arrivals."""


@dataclass
class History:
    listens: dict[str, int] = field(default_factory=dict)  # label -> listen id
    tracks: dict[str, int] = field(default_factory=dict)  # title -> track id
    users: dict[str, int] = field(default_factory=dict)  # name -> user id

    def newest_first(self) -> list[int]:
        """Every listen id, newest first (no two listens share a second here)."""
        when = {label: at for label, _, at, *_ in (*HEARD, LATE)}
        return [self.listens[label] for label in sorted(self.listens, key=when.__getitem__, reverse=True)]


def _record(entry: tuple[object, ...], seconds_late: int = 0, source: str | None = None) -> ListenRecord:
    label, _user, when, artist, title, release, given_source = entry
    assert isinstance(when, datetime)
    chosen = source or str(given_source)
    return ListenRecord(
        listened_at=utc(when.year, when.month, when.day, when.hour, when.minute, seconds_late),
        artist_name=str(artist),
        track_name=str(title),
        release_name=release if isinstance(release, str) else None,
        source=chosen,
        source_track_id=f"{label}-{chosen}",
        payload={"track_metadata": {"artist_name": artist, "track_name": title, "release_name": release},
                 "listened_at": int(when.timestamp()) + seconds_late, "via": chosen},
    )  # fmt: skip


def build_history(db: Database) -> History:
    """Write the history above into ``db`` (initialized, empty) and return its ids."""
    history = History()
    with db.session() as session:
        for artist, title, album in (
            ("Björk", "Jóga", "Homogenic"),
            ("Björk", "Bachelorette", "Homogenic"),
            ("Air", "Talisman", "Moon Safari"),
            ("Air", "Cherry Blossom Girl", "Talkie Walkie"),
            ("Sigur Rós", "Hoppípolla", "Takk..."),
            ("Air", "Remember", "Moon Safari"),
            ("Air", "Remember", "Premiers Symptômes"),  # the same song twice: a listen of it is ambiguous
        ):
            history.tracks.setdefault(title, track(session, artist, title, album=album))
        history.users["ada"] = add_user(session, "ada", "Europe/Berlin").id
        history.users["bob"] = add_user(session, "bob", None).id
    for name in ("ada", "bob"):
        records = [_record(entry) for entry in HEARD if entry[1] == name]
        report = run_ingest(db, records, history.users[name])
        assert report.imported == len(records), report
    again = next(entry for entry in HEARD if entry[0] == DUPLICATE_OF)
    merged = run_ingest(db, [_record(again, 30, source="api")], history.users["ada"])
    assert merged.merged == 1, merged
    run_to_end(enrich_listens(db, worker=False))
    late = run_ingest(db, [_record(LATE)], history.users["bob"])
    assert late.imported == 1, late
    with db.session() as session:
        for label, _user, when, *_ in (*HEARD, LATE):
            history.listens[label] = session.scalars(
                select(Listen.id).where(Listen.user_id == history.users[_user], Listen.listened_at == when)
            ).one()
        review.link(session, history.listens["mystery"], history.tracks["Jóga"], reviewer="ada")
        review.reject(session, history.listens["pure"], reviewer="ada")
    return history
