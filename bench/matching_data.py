"""A labelled, seeded evaluation set for listen matching: a generated library and listens of it with the
messiness real scrobbles have, each listen labelled with the track it really is (or None).

Deterministic for a seed. Used by ``bench/eval_matching.py``, ``bench/fit_calibration.py``,
``bench/bench_matching.py`` and the matching tests; :func:`load_into` writes it through the models.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from models.artists import Artist
from models.engine import Database
from models.enums import ArtistRole, EntityType, ReleaseGroupType
from models.external_ids import ExternalId
from models.listens import Listen, ListenRaw
from models.normalize import normalize
from models.releases import Release, ReleaseGroup, ReleaseItem
from models.tracks import Genre, Track, TrackArtist, TrackGenre
from models.users import User

COMMON_WORDS = [
    "love",
    "night",
    "heart",
    "fire",
    "dream",
    "light",
    "rain",
    "summer",
    "blue",
    "gold",
    "home",
    "stay",
    "run",
    "time",
    "world",
    "away",
    "free",
    "wild",
    "girl",
    "boy",
    "city",
    "river",
    "moon",
    "star",
    "road",
    "dance",
    "song",
    "sky",
    "ocean",
    "shadow",
    "angel",
    "ghost",
    "paper",
    "silver",
    "broken",
    "last",
    "first",
    "little",
    "young",
    "never",
    "forever",
    "tonight",
    "alone",
    "together",
    "falling",
    "rising",
    "sweet",
    "dark",
    "bright",
]
_ONSETS = [
    "b",
    "br",
    "c",
    "d",
    "dr",
    "f",
    "g",
    "gr",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "st",
    "t",
    "tr",
    "v",
    "z",
]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ee"]
_ACCENTED = {"e": "é", "o": "ö", "a": "á", "u": "ü", "n": "ñ", "i": "í"}
_PLACES = ["Wembley", "Glastonbury", "Budokan", "the BBC", "Paris", "Red Rocks"]
_COMPILATIONS = ["Greatest Hits", "Now That's What I Call Music 42", "Summer Hits 2010", "The Best Of"]
_GENRES = ["rock", "pop", "electronic", "jazz", "hip hop", "folk"]
NOT_IN_LIBRARY_VERSIONS = (" (Live)", " (Acoustic)", " (Demo)", " (Instrumental)", " (Club Remix)")


@dataclass
class GenTrack:
    id: int
    title: str
    artist_ids: list[int]  # primary first, then featuring
    album_id: int
    duration: float
    kind: str | None = None  # live, remix, remaster, radio_edit or None (studio)
    base_id: int | None = None  # the studio track a version belongs to
    mbid: str | None = None
    isrc: str | None = None


@dataclass
class GenListen:
    artist_name: str
    track_name: str
    release_name: str | None
    duration: float | None
    truth: int | None  # the track it is, None when the song is not in the library
    tags: list[str] = field(default_factory=list)  # the kinds of messiness applied
    recording_mbid: str | None = None
    isrc: str | None = None


@dataclass
class EvalSet:
    artists: dict[int, str]
    albums: dict[int, tuple[int, str]]  # id -> (artist id, title)
    tracks: dict[int, GenTrack]
    listens: list[GenListen]
    versions_of: dict[int, set[str]] = field(default_factory=dict)  # studio track id -> version kinds
    titles_of: dict[int, set[str]] = field(default_factory=dict)  # artist id -> normalized titles

    def index_versions(self) -> None:
        for track in self.tracks.values():
            if track.base_id is not None and track.kind:
                self.versions_of.setdefault(track.base_id, set()).add(track.kind)
            self.titles_of.setdefault(track.artist_ids[0], set()).add(normalize(track.title))


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 3)))


def _title(rng: random.Random) -> str:
    words = [
        rng.choice(COMMON_WORDS) if rng.random() < 0.55 else _word(rng) for _ in range(rng.randint(1, 4))
    ]
    return " ".join(w.capitalize() for w in words)


def _artist_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        name = f"{_word(rng).capitalize()} {_word(rng).capitalize()}"
    elif roll < 0.55:
        name = f"The {_word(rng).capitalize()} {rng.choice(COMMON_WORDS).capitalize()}s"
    elif roll < 0.65:
        name = f"{_word(rng).capitalize()} & the {_word(rng).capitalize()}s"
    elif roll < 0.72:
        name = ".".join(_word(rng)[0].upper() for _ in range(3)) + "."
    elif roll < 0.8:
        name = f"DJ {_word(rng).capitalize()}"
    else:
        name = _word(rng).capitalize() + rng.choice(["", "", " " + _word(rng).capitalize()])
    if rng.random() < 0.15:  # accents
        name = "".join(_ACCENTED.get(c, c) if rng.random() < 0.3 else c for c in name)
    return name


def _mbid(rng: random.Random) -> str:
    return f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-8{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}"


def generate_library(rng: random.Random, n_tracks: int) -> EvalSet:
    """Artists with albums of ~10 tracks; some featuring credits; live, remix, remaster and radio-edit
    versions of some studio tracks as their own tracks; MBIDs/ISRCs on some."""
    artists: dict[int, str] = {}
    seen: set[str] = set()
    while len(artists) < max(2, n_tracks // 12):
        name = _artist_name(rng)
        if normalize(name) not in seen and normalize(name).removeprefix("the ") not in seen:
            seen.update((normalize(name), normalize(name).removeprefix("the ")))
            artists[len(artists) + 1] = name
    albums: dict[int, tuple[int, str]] = {}
    tracks: dict[int, GenTrack] = {}
    artist_ids = list(artists)
    while len(tracks) < n_tracks:
        artist_id = rng.choice(artist_ids)
        album_id = len(albums) + 1
        albums[album_id] = (artist_id, f"{_title(rng)} {album_id}")
        used: set[str] = set()
        for _ in range(rng.randint(6, 14)):
            title = _title(rng)
            if normalize(title) in used:
                continue
            used.add(normalize(title))
            credit = [artist_id]
            if rng.random() < 0.1:
                credit.append(rng.choice([a for a in artist_ids if a != artist_id]))
            track = GenTrack(len(tracks) + 1, title, credit, album_id, float(rng.randint(120, 420)))
            track.mbid = _mbid(rng) if rng.random() < 0.3 else None
            track.isrc = f"GB{rng.randint(0, 10**10 - 1):010d}" if rng.random() < 0.2 else None
            tracks[track.id] = track
            for kind, suffix, chance in (
                ("live", f" (Live at {rng.choice(_PLACES)})", 0.06),
                ("remix", f" ({_word(rng).capitalize()} Remix)", 0.04),
                ("remaster", " (Remastered 2011)", 0.03),
                ("radio_edit", " (Radio Edit)", 0.03),
            ):
                if rng.random() < chance:
                    version = GenTrack(
                        len(tracks) + 1,
                        title + suffix,
                        list(credit),
                        album_id,
                        track.duration,
                        kind,
                        track.id,
                    )
                    version.duration += (
                        rng.randint(-40, 60)
                        if kind in ("live", "remix")
                        else rng.randint(-30, 0)
                        if kind == "radio_edit"
                        else 0
                    )
                    tracks[version.id] = version
    return EvalSet(artists, albums, tracks, [])


def _mess_case(rng: random.Random, text: str) -> str:
    return rng.choice([text.lower(), text.upper(), text.title(), text])


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _typo(rng: random.Random, text: str) -> str:
    spots = [i for i, c in enumerate(text) if c.isalpha() and i > 0]
    if len(text) < 6 or not spots:
        return text
    at = rng.choice(spots)
    op = rng.random()
    if op < 0.33:
        return text[:at] + text[at + 1 :]
    if op < 0.66 and at + 1 < len(text):
        return text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    return text[:at] + rng.choice("aeioustrn") + text[at + 1 :]


def _listen_of(rng: random.Random, data: EvalSet, track: GenTrack) -> GenListen:
    tags: list[str] = []
    primary = data.artists[track.artist_ids[0]]
    artist, title = primary, track.title
    if track.kind == "remaster":
        title = rng.choice([title, title.replace(" (Remastered 2011)", " - 2011 Remaster")])
    elif track.kind == "live":
        title = rng.choice(
            [title, title.split(" (Live")[0] + " (Live)", title.split(" (Live")[0] + " - Live"]
        )
    if len(track.artist_ids) > 1:
        featured = data.artists[track.artist_ids[1]]
        form = rng.choice(["{a} feat. {b}", "{a} ft. {b}", "{a} & {b}", "{a}, {b}", "title", "none"])
        if form == "title":
            title = f"{title} (feat. {featured})"
        elif form != "none":
            artist = form.format(a=artist, b=featured)
        tags.append("feat")
    siblings = data.versions_of.get(track.id, set())
    if track.kind is None and not siblings & {"remaster", "radio_edit"} and rng.random() < 0.1:
        title += rng.choice([" - 2009 Remaster", " (Remastered 2011)", " (Radio Edit)", " - Radio Edit"])
        tags.append("suffix")
    if rng.random() < 0.3:
        artist, title = _mess_case(rng, artist), _mess_case(rng, title)
        tags.append("case")
    if rng.random() < 0.15:
        artist, title = _strip_accents(artist), _strip_accents(title)
        tags.append("accents")
    if rng.random() < 0.1:
        artist, title = (
            artist.replace(".", "").replace("&", "and"),
            title.replace("'", "") + rng.choice(["", "!"]),
        )
        tags.append("punctuation")
    if artist.startswith("The ") and rng.random() < 0.3:
        artist = artist[4:]
        tags.append("the")
    elif not artist.startswith("The ") and rng.random() < 0.05:
        artist = "The " + artist
        tags.append("the")
    if rng.random() < 0.1:
        title = _typo(rng, title)
        tags.append("typo_title")
    if rng.random() < 0.05:
        artist = _typo(rng, artist)
        tags.append("typo_artist")
    roll = rng.random()
    album: str | None = data.albums[track.album_id][1]
    if roll < 0.4:
        album = None
        tags.append("no_album")
    elif roll < 0.5:
        album = rng.choice(_COMPILATIONS)
        tags.append("other_album")
    roll = rng.random()
    duration: float | None = track.duration + rng.choice([0, 0, 1, -1, 2, -2])
    if roll < 0.25:
        duration = None
    elif roll < 0.3:
        duration = track.duration + rng.choice([-1, 1]) * rng.randint(5, 10)
        tags.append("duration_off")
    listen = GenListen(artist, title, album, duration, track.id, tags)
    if track.mbid and rng.random() < 0.15:
        listen.recording_mbid = track.mbid
        tags.append("mbid")
    elif track.isrc and rng.random() < 0.05:
        listen.isrc = track.isrc
        tags.append("isrc")
    return listen


def _listen_not_in_library(rng: random.Random, data: EvalSet, studio: list[GenTrack]) -> GenListen:
    roll = rng.random()
    track = rng.choice(studio)
    known_artist = data.artists[track.artist_ids[0]]
    if roll < 0.3:
        taken = data.titles_of.get(track.artist_ids[0], set())
        title = _title(rng)
        while normalize(title) in taken:
            title = _title(rng)
        return GenListen(known_artist, title, None, float(rng.randint(120, 420)), None, ["absent_new_title"])
    if roll < 0.55:
        return GenListen(
            _artist_name(rng), track.title, None, float(rng.randint(120, 420)), None, ["absent_cover"]
        )
    if roll < 0.75:
        return GenListen(
            _artist_name(rng),
            _title(rng),
            _title(rng),
            float(rng.randint(120, 420)),
            None,
            ["absent_unknown"],
        )
    kinds = data.versions_of.get(track.id, set())
    suffix = rng.choice(
        [
            s
            for s in NOT_IN_LIBRARY_VERSIONS
            if not ("Live" in s and "live" in kinds) and not ("Remix" in s and "remix" in kinds)
        ]
    )
    album = data.albums[track.album_id][1] if rng.random() < 0.3 else None
    return GenListen(
        known_artist,
        track.title + suffix,
        album,
        track.duration + rng.randint(-30, 30),
        None,
        ["absent_version"],
    )


def generate(seed: int, n_tracks: int, n_listens: int, absent_share: float = 0.2) -> EvalSet:
    """The library and ``n_listens`` labelled listens (``absent_share`` of them of songs not in it)."""
    rng = random.Random(seed)
    data = generate_library(rng, n_tracks)
    data.index_versions()
    tracks = list(data.tracks.values())
    studio = [t for t in tracks if t.kind is None]
    for _ in range(n_listens):
        if rng.random() < absent_share:
            data.listens.append(_listen_not_in_library(rng, data, studio))
        else:
            data.listens.append(_listen_of(rng, data, rng.choice(tracks)))
    return data


def load_into(db: Database, data: EvalSet, *, chunk: int = 5000) -> list[int]:
    """Write the library and the listens (all ``pending``) through the models; returns listen ids in order."""
    load_library(db, data, chunk=chunk)
    return load_listens(db, data.listens, chunk=chunk)


def load_library(db: Database, data: EvalSet, *, chunk: int = 5000) -> None:
    """Write the generated catalog (and the one user listens belong to)."""
    genres = [{"id": i + 1, "name": g, "name_normalized": normalize(g)} for i, g in enumerate(_GENRES)]
    with db.session() as session:
        session.execute(insert(User), [{"id": 1, "username": "eval"}])
        session.execute(insert(Genre), genres)
        rows = [
            {"id": a, "name": n, "name_normalized": normalize(n), "sort_name": n}
            for a, n in data.artists.items()
        ]
        _insert(session, Artist, rows, chunk)
        groups = [
            {
                "id": i,
                "title": t,
                "title_normalized": normalize(t),
                "primary_artist_id": a,
                "type": ReleaseGroupType.ALBUM,
            }
            for i, (a, t) in data.albums.items()
        ]
        _insert(session, ReleaseGroup, groups, chunk)
        releases = [
            {
                "id": g["id"],
                "title": g["title"],
                "title_normalized": g["title_normalized"],
                "release_group_id": g["id"],
            }
            for g in groups
        ]
        _insert(session, Release, releases, chunk)
        tracks = [
            {"id": t.id, "track_uid": f"gen-{t.id}", "title": t.title, "title_normalized": normalize(t.title),
             "duration_secs": t.duration, "primary_artist_id": t.artist_ids[0], "album_id": t.album_id}
            for t in data.tracks.values()
        ]  # fmt: skip
        _insert(session, Track, tracks, chunk)
        credits = [
            {
                "track_id": t.id,
                "artist_id": a,
                "role": ArtistRole.PRIMARY if i == 0 else ArtistRole.FEATURING,
                "position": i,
            }
            for t in data.tracks.values()
            for i, a in enumerate(t.artist_ids)
        ]
        _insert(session, TrackArtist, credits, chunk)
        items = [
            {"release_id": t.album_id, "track_id": t.id, "track_no": n}
            for n, t in enumerate(data.tracks.values())
        ]
        _insert(session, ReleaseItem, items, chunk)
        track_genres = [
            {"track_id": t.id, "genre_id": 1 + t.album_id % len(_GENRES)} for t in data.tracks.values()
        ]
        _insert(session, TrackGenre, track_genres, chunk)
        ids = [
            {"entity_type": EntityType.TRACK, "entity_id": t.id, "scheme": scheme, "value": value}
            for t in data.tracks.values()
            for scheme, value in (("recording_mbid", t.mbid), ("isrc", t.isrc))
            if value
        ]
        _insert(session, ExternalId, ids, chunk)


def load_listens(
    db: Database, listens: list[GenListen], *, first_id: int = 1, chunk: int = 5000
) -> list[int]:
    """Write pending listens with ids from ``first_id``, one second apart; returns their ids in order."""
    now = datetime.now(UTC)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    listen_ids = list(range(first_id, first_id + len(listens)))
    for offset in range(0, len(listens), chunk):
        with db.session() as session:
            part = listens[offset : offset + chunk]
            raws, rows = [], []
            for n, listen in enumerate(part, start=first_id + offset):
                at = start + timedelta(seconds=n)
                raws.append(
                    {
                        "id": n,
                        "user_id": 1,
                        "source": "eval",
                        "payload_json": "{}",
                        "listened_at": at,
                        "ingested_at": now,
                    }
                )
                rows.append(
                    {"id": n, "raw_id": n, "user_id": 1, "listened_at": at, "source": "eval",
                     "artist_name": listen.artist_name, "track_name": listen.track_name,
                     "release_name": listen.release_name, "artist_name_normalized": normalize(listen.artist_name),
                     "track_name_normalized": normalize(listen.track_name),
                     "release_name_normalized": normalize(listen.release_name) or None,
                     "track_duration_secs": listen.duration, "recording_mbid": listen.recording_mbid,
                     "isrc": listen.isrc}
                )  # fmt: skip
            session.execute(insert(ListenRaw), raws)
            session.execute(insert(Listen), rows)
    return listen_ids


def _insert(session, model, rows, chunk):  # type: ignore[no-untyped-def]
    for offset in range(0, len(rows), chunk):
        if rows[offset : offset + chunk]:
            session.execute(insert(model), rows[offset : offset + chunk])
