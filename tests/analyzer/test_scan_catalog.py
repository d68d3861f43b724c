"""A small, varied library scanned into every database layout: what lands in each catalog table."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from analyzer.catalog import list_tracks
from analyzer.catalog.record import FALLBACK_KEY
from analyzer.scan import run_scan
from models.artists import Artist, ArtistAlias
from models.engine import Database
from models.enums import ArtistRole, EntityType, ReleaseGroupType, ScanStatus
from models.external_ids import ExternalId
from models.media import MediaFile
from models.releases import Label, Release, ReleaseGroup, ReleaseItem, ReleaseLabel
from models.tracks import (
    Genre,
    TagSource,
    TitleAlias,
    Track,
    TrackArtist,
    TrackGenre,
    TrackLabel,
    TrackTagAttribute,
)
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")

REC = "b1a9c0e9-d987-4042-ae91-78d6a3267d69"
RELEASE = "f4c2a1b0-1111-4c3d-9e8f-0123456789ab"
GROUP = "0a1b2c3d-2222-4e5f-8a9b-abcdefabcdef"
SG = "5d02f264-e225-41ff-83f7-d9b1f0b1874a"
EWF = "535afeda-2538-435d-9dd1-5e10be586774"
ACOUSTID = "5c1ef4b2-3333-4d5e-8f90-1234567890ab"


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("scan-templates"))


def build_library(root: Path, templates: dict[str, Path]) -> None:
    bookends = {
        "title": "Mrs. Robinson (Remastered 2011)",
        "artist": "Simon & Garfunkel",
        "artistsort": "Simon & Garfunkel",
        "albumartist": "Simon & Garfunkel",
        "album": "Bookends",
        "tracknumber": "7",
        "discnumber": "1",
        "date": "1968-04-03",
        "genre": ["Folk", "Rock"],
        "label": "Columbia",
        "catalognumber": "KCS 9529",
        "releasetype": "album",
        "releasecountry": "US",
        "media": "CD",
        "barcode": "074640952925",
        "isrc": "USSM16800379",
        "musicbrainz_recordingid": REC,
        "musicbrainz_albumid": RELEASE,
        "musicbrainz_releasegroupid": GROUP,
        "musicbrainz_artistid": SG,
        "musicbrainz_albumartistid": SG,
        "acoustid_id": ACOUSTID,
        "mood": "mellow",
    }
    place(templates, root / "Simon & Garfunkel/Bookends/07 Mrs. Robinson.flac", **bookends)
    basic = {k: v for k, v in bookends.items() if k in ("title", "artist", "albumartist", "album", "date")}
    place(
        templates,
        root / "Simon & Garfunkel/Bookends (MP3)/07 Mrs. Robinson.mp3",
        **basic,
        tracknumber="7",
        discnumber="1",
        musicbrainz_recordingid=REC,
    )
    # The same album, no MBIDs, in two formats: the hashed identity must put them on the same tracks.
    for ext in (".flac", ".m4a"):
        for number, title in ((1, "Opening"), (2, "Closing")):
            place(
                templates,
                root / f"Artist A/Album X {ext[1:]}/{number:02d} {title}{ext}",
                title=title,
                artist="Artist A",
                album="Album X",
                tracknumber=str(number),
                date="2001",
            )
    # A compilation: track artists differ, the album artist is Various Artists.
    for number, (artist, title) in enumerate(
        (("DJ X feat. MC Y", "Tune (Z Remix)"), ("Earth, Wind & Fire", "September")), start=1
    ):
        extra = {"musicbrainz_artistid": EWF} if artist.startswith("Earth") else {}
        place(
            templates,
            root / f"Compilations/Now Hits/{number:02d}.ogg",
            title=title,
            artist=artist,
            albumartist="Various Artists",
            album="Now Hits",
            compilation="1",
            tracknumber=str(number),
            **extra,
        )
    # Multi-disc: the same title at track 1 of both discs is two tracks of one release.
    for disc in (1, 2):
        place(
            templates,
            root / f"Band/Double/CD{disc}/01 Same Name.opus",
            title="Same Name",
            artist="Band",
            album="Double",
            tracknumber="1",
            discnumber=str(disc),
        )
    # Unicode names, and an untagged file whose name is not UTF-8: everything from the path.
    place(
        templates,
        root / "Sigur Rós/Ágætis byrjun/01 Svefn-g-englar.ogg",
        title="Svefn-g-englar",
        artist="Sigur Rós",
        album="Ágætis byrjun",
    )
    folder = root / "Fallback Artist" / "Fallback Album"
    folder.mkdir(parents=True)
    raw_name = os.path.join(os.fsencode(folder), b"03 Caf\xe9.flac")
    shutil.copyfile(templates[".flac"], raw_name)


def _one(session, statement):  # type: ignore[no-untyped-def]
    return session.execute(statement).scalar_one()


def test_library_lands_in_every_catalog_table(
    db: Database, tmp_path: Path, templates: dict[str, Path]
) -> None:
    root = tmp_path / "music"
    build_library(root, templates)
    summary = run_scan(db, [root])
    assert (summary.found, summary.added, summary.errors, summary.unchanged) == (12, 12, 0, 0)

    with db.session() as s:
        # Two formats of one album: one track each, two files each.
        per_track = dict(
            s.execute(
                select(Track.title, func.count(MediaFile.id))
                .join(MediaFile, MediaFile.track_id == Track.id)
                .group_by(Track.title)
            ).all()
        )
        assert per_track["Opening"] == per_track["Closing"] == 2
        assert per_track["Mrs. Robinson (Remastered 2011)"] == 2
        assert _one(s, select(func.count()).select_from(Track)) == 9

        # Recording MBID identity, duration, credits without splitting a duo.
        robinson = s.execute(select(Track).where(Track.track_uid == f"mb:{REC}")).scalar_one()
        assert robinson.duration_secs and robinson.duration_secs > 0.2
        sg = s.execute(select(Artist).where(Artist.name == "Simon & Garfunkel")).scalar_one()
        assert sg.mbid == SG and sg.name_normalized == "simon and garfunkel"
        assert robinson.primary_artist_id == sg.id
        assert _one(s, select(func.count()).select_from(Artist).where(Artist.name.like("Earth%"))) == 1

        group = s.execute(select(ReleaseGroup).where(ReleaseGroup.title == "Bookends")).scalar_one()
        assert (group.primary_artist_id, group.mbid, group.year, group.type) == (
            sg.id,
            GROUP,
            1968,
            ReleaseGroupType.ALBUM,
        )
        release = s.execute(select(Release).where(Release.mbid == RELEASE)).scalar_one()
        assert (release.release_date, release.country, release.format, release.barcode) == (
            "1968-04-03",
            "US",
            "CD",
            "074640952925",
        )
        assert release.release_group_id == group.id
        item = s.scalars(select(ReleaseItem).where(ReleaseItem.track_id == robinson.id)).all()
        assert {(i.disc_no, i.track_no) for i in item} >= {(1, 7)}
        label = s.execute(select(Label).where(Label.name == "Columbia")).scalar_one()
        assert _one(s, select(ReleaseLabel.cat_id).where(ReleaseLabel.label_id == label.id)) == "KCS 9529"
        assert _one(s, select(TrackLabel.track_id).where(TrackLabel.label_id == label.id)) == robinson.id
        weights = dict(
            s.execute(
                select(Genre.name, TrackGenre.weight).join(Genre).where(TrackGenre.track_id == robinson.id)
            ).all()
        )
        assert weights == {"Folk": 1.0, "Rock": 0.5}
        alias = s.execute(select(TitleAlias).where(TitleAlias.track_id == robinson.id)).scalar_one()
        assert (alias.alias, alias.kind) == ("Mrs. Robinson", "remaster")

        ids = set(s.execute(select(ExternalId.entity_type, ExternalId.scheme, ExternalId.value)).tuples())
        assert {
            (EntityType.TRACK, "recording_mbid", REC),
            (EntityType.TRACK, "isrc", "USSM16800379"),
            (EntityType.TRACK, "acoustid", ACOUSTID),
            (EntityType.RELEASE, "release_mbid", RELEASE),
            (EntityType.RELEASE, "barcode", "074640952925"),
            (EntityType.RELEASE_GROUP, "release_group_mbid", GROUP),
            (EntityType.ARTIST, "artist_mbid", SG),
        } <= ids

        source = s.execute(select(TagSource).where(TagSource.name == "file")).scalar_one()
        attributes = dict(
            s.execute(
                select(TrackTagAttribute.key, TrackTagAttribute.value).where(
                    TrackTagAttribute.track_id == robinson.id, TrackTagAttribute.source_id == source.id
                )
            ).all()
        )
        assert attributes["MOOD"] == "mellow" and (attributes["GENRE"], attributes["GENRE#2"]) == (
            "Folk",
            "Rock",
        )

        # Compilation: Various Artists group, featured and remixer credits with join phrases.
        now = s.execute(select(ReleaseGroup).where(ReleaseGroup.title == "Now Hits")).scalar_one()
        assert now.type == ReleaseGroupType.COMPILATION
        assert _one(s, select(Artist.name).where(Artist.id == now.primary_artist_id)) == "Various Artists"
        tune = s.execute(select(Track).where(Track.title == "Tune (Z Remix)")).scalar_one()
        credits = s.execute(
            select(Artist.name, TrackArtist.role, TrackArtist.position, TrackArtist.join_phrase)
            .join(Artist)
            .where(TrackArtist.track_id == tune.id)
            .order_by(TrackArtist.position)
        ).all()
        assert [tuple(c) for c in credits] == [
            ("DJ X", ArtistRole.PRIMARY, 0, " feat. "),
            ("MC Y", ArtistRole.FEATURING, 1, ""),
            ("Z", ArtistRole.REMIXER, 2, ""),
        ]

        # Multi-disc: two tracks, one release, disc numbers kept.
        double = s.execute(
            select(ReleaseItem.disc_no, ReleaseItem.track_no, ReleaseItem.release_id)
            .join(Track, Track.id == ReleaseItem.track_id)
            .where(Track.title == "Same Name")
        ).all()
        assert (
            sorted((d, t) for d, t, _ in double) == [(1, 1), (2, 1)] and len({r for _, _, r in double}) == 1
        )

        # Unicode and the non-UTF-8 name with its fallbacks said in the record.
        assert _one(s, select(Artist.name_normalized).where(Artist.name == "Sigur Rós")) == "sigur ros"
        cafe = s.execute(select(Track).where(Track.title.like("Caf%"))).scalar_one()
        assert (
            _one(
                s,
                select(TrackTagAttribute.value).where(
                    TrackTagAttribute.track_id == cafe.id, TrackTagAttribute.key == FALLBACK_KEY
                ),
            )
            == "title,tracknumber,artist,album"
        )
        cafe_file = s.execute(select(MediaFile).where(MediaFile.track_id == cafe.id)).scalar_one()
        assert os.fsencode(cafe_file.file_path).endswith(b"03 Caf\xe9.flac")
        assert cafe_file.scan_status == ScanStatus.OK and os.path.exists(cafe_file.file_path)
        assert _one(s, select(ReleaseGroup.title).where(ReleaseGroup.id == cafe.album_id)) == "Fallback Album"
        assert _one(s, select(func.count()).select_from(ArtistAlias)) >= 1

        listed = list_tracks(s, search="robinson")
        assert [(t.title, t.artist, t.files) for t in listed] == [
            ("Mrs. Robinson (Remastered 2011)", "Simon & Garfunkel", 2)
        ]

    again = run_scan(db, [root])
    assert (again.unchanged, again.added, again.updated, again.missing) == (12, 0, 0, 0)
    with db.session() as s:
        assert _one(s, select(func.count()).select_from(Track)) == 9
