"""One tag-reading suite run over every format: write Picard-style tags natively, read them back typed.

Audio comes from ffmpeg (a short sine, made once per session); Monkey's Audio, which ffmpeg cannot encode
and Debian does not package an encoder for, is a crafted header-only file: its tags and stream header are
real, its audio frames are absent (decoding is not this module's job).
"""

from __future__ import annotations

import os
import pickle
import random
import shutil
import struct
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest
from mutagen.apev2 import APEv2
from mutagen.asf import ASF, ASFByteArrayAttribute
from mutagen.flac import FLAC, Picture
from mutagen.id3 import (
    APIC,
    ID3,
    TALB,
    TBPM,
    TCMP,
    TCOM,
    TCON,
    TDOR,
    TDRC,
    TIT2,
    TMED,
    TPE1,
    TPE2,
    TPE4,
    TPOS,
    TPUB,
    TRCK,
    TSO2,
    TSOP,
    TSRC,
    TXXX,
    UFID,
)
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

from analyzer.tags import ERROR_KINDS, FileTags, TagReadError, is_audio_candidate, read_tags

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")

REC = "b1a9c0e9-d987-4042-ae91-78d6a3267d69"
TRACK = "3e6a7b9a-57e8-3d2b-9b4e-1a1c5f2d8e7f"
ALBUM = "f4c2a1b0-1111-4c3d-9e8f-0123456789ab"
GROUP = "0a1b2c3d-2222-4e5f-8a9b-abcdefabcdef"
ARTIST_IDS = ("a74b1b7f-71a5-4011-9441-d0b5e4122711", "65f4f0c5-ef9e-490c-aee3-909e7ae6b2ab")
ALBUM_ARTIST_ID = "89ad4ac3-39f7-470e-963a-56509c546377"
ACOUSTID = "5c1ef4b2-3333-4d5e-8f90-1234567890ab"

TITLE = "Tōkyō 東京 🎵 Cafe\u0301"  # CJK, emoji and a combining acute accent, kept exactly as written
EXPECTED: dict[str, object] = {
    "title": TITLE,
    "artist": "Ærøskøbing feat. 浜崎あゆみ",
    "artists": ("Ærøskøbing", "浜崎あゆみ"),
    "artistsort": "Aeroskobing feat. Hamasaki Ayumi",
    "albumartist": "Various Artists",
    "albumartists": ("Various Artists",),
    "albumartistsort": "Various Artists",
    "album": "Ålbum 日本語 🎶",
    "date": "2011-03-14",
    "originaldate": "1999-01-02",
    "year": 2011,
    "originalyear": 1999,
    "tracknumber": 3,
    "totaltracks": 12,
    "discnumber": 2,
    "totaldiscs": 3,
    "genre": ("Rock", "Électronique"),
    "composer": ("Composer Ç",),
    "remixer": ("Remixer R",),
    "label": ("Label Ł",),
    "catalognumber": ("CAT-001",),
    "barcode": "0123456789012",
    "isrc": ("USRC17607839",),
    "releasetype": ("album", "compilation"),
    "releasecountry": "GB",
    "media": "Digital Media",
    "compilation": True,
    "bpm": 128,
    "musicbrainz_recordingid": REC,
    "musicbrainz_trackid": TRACK,
    "musicbrainz_albumid": ALBUM,
    "musicbrainz_releasegroupid": GROUP,
    "musicbrainz_artistid": ARTIST_IDS,
    "musicbrainz_albumartistid": (ALBUM_ARTIST_ID,),
    "acoustid_id": ACOUSTID,
}
CANONICAL_FIELDS = [
    f.name
    for f in fields(FileTags)
    if f.name
    not in {
        "format",
        "codec",
        "duration_secs",
        "bitrate",
        "sample_rate",
        "channels",
        "bits_per_sample",
        "lossless",
        "raw",
    }
]
PICTURE = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _write_id3(path: Path) -> None:
    import mutagen

    audio: Any = mutagen.File(path)  # the container's own ID3 slot: WAV/AIFF keep it in a chunk
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    e = EXPECTED
    for frame in (
        TIT2(encoding=3, text=TITLE),
        TPE1(encoding=3, text=e["artist"]),
        TXXX(encoding=3, desc="ARTISTS", text=list(e["artists"])),  # type: ignore[call-overload]
        TSOP(encoding=3, text=e["artistsort"]),
        TPE2(encoding=3, text=e["albumartist"]),
        TXXX(encoding=3, desc="ALBUMARTISTS", text=["Various Artists"]),
        TSO2(encoding=3, text=e["albumartistsort"]),
        TALB(encoding=3, text=e["album"]),
        TDRC(encoding=3, text="2011-03-14"),
        TDOR(encoding=3, text="1999-01-02"),
        TRCK(encoding=3, text="3/12"),
        TPOS(encoding=3, text="2/3"),
        TCON(encoding=3, text=["Rock", "Électronique"]),
        TCOM(encoding=3, text="Composer Ç"),
        TPE4(encoding=3, text="Remixer R"),
        TPUB(encoding=3, text="Label Ł"),
        TXXX(encoding=3, desc="CATALOGNUMBER", text="CAT-001"),
        TXXX(encoding=3, desc="BARCODE", text="0123456789012"),
        TSRC(encoding=3, text="USRC17607839"),
        TXXX(encoding=3, desc="MusicBrainz Album Type", text=["album", "compilation"]),
        TXXX(encoding=3, desc="MusicBrainz Album Release Country", text="GB"),
        TMED(encoding=3, text="Digital Media"),
        TCMP(encoding=3, text="1"),
        TBPM(encoding=3, text="128"),
        UFID(owner="http://musicbrainz.org", data=REC.encode()),
        TXXX(encoding=3, desc="MusicBrainz Release Track Id", text=TRACK),
        TXXX(encoding=3, desc="MusicBrainz Album Id", text=ALBUM),
        TXXX(encoding=3, desc="MusicBrainz Release Group Id", text=GROUP),
        TXXX(encoding=3, desc="MusicBrainz Artist Id", text=list(ARTIST_IDS)),
        TXXX(encoding=3, desc="MusicBrainz Album Artist Id", text=ALBUM_ARTIST_ID),
        TXXX(encoding=3, desc="Acoustid Id", text=ACOUSTID),
        TXXX(encoding=3, desc="Custom Key", text="custom ✓"),
        APIC(encoding=3, mime="image/png", type=3, desc="cover", data=PICTURE),
    ):
        tags.add(frame)
    audio.save()


def _vorbis_items() -> dict[str, list[str]]:
    e = EXPECTED
    return {
        "TITLE": [TITLE],
        "ARTIST": [str(e["artist"])],
        "ARTISTS": list(e["artists"]),  # type: ignore[call-overload]
        "ARTISTSORT": [str(e["artistsort"])],
        "ALBUMARTIST": ["Various Artists"],
        "ALBUMARTISTS": ["Various Artists"],
        "ALBUMARTISTSORT": ["Various Artists"],
        "ALBUM": [str(e["album"])],
        "DATE": ["2011-03-14"],
        "ORIGINALDATE": ["1999-01-02"],
        "TRACKNUMBER": ["3"],
        "TRACKTOTAL": ["12"],
        "DISCNUMBER": ["2"],
        "DISCTOTAL": ["3"],
        "GENRE": ["Rock", "Électronique"],
        "COMPOSER": ["Composer Ç"],
        "REMIXER": ["Remixer R"],
        "LABEL": ["Label Ł"],
        "CATALOGNUMBER": ["CAT-001"],
        "BARCODE": ["0123456789012"],
        "ISRC": ["USRC17607839"],
        "RELEASETYPE": ["album", "compilation"],
        "RELEASECOUNTRY": ["GB"],
        "MEDIA": ["Digital Media"],
        "COMPILATION": ["1"],
        "BPM": ["128"],
        "MUSICBRAINZ_TRACKID": [REC],
        "MUSICBRAINZ_RELEASETRACKID": [TRACK],
        "MUSICBRAINZ_ALBUMID": [ALBUM],
        "MUSICBRAINZ_RELEASEGROUPID": [GROUP],
        "MUSICBRAINZ_ARTISTID": list(ARTIST_IDS),
        "MUSICBRAINZ_ALBUMARTISTID": [ALBUM_ARTIST_ID],
        "ACOUSTID_ID": [ACOUSTID],
        "CUSTOM KEY": ["custom ✓"],
    }


def _write_vorbis(path: Path) -> None:
    import mutagen

    audio: Any = mutagen.File(path)
    for key, values in _vorbis_items().items():
        audio[key] = values
    if isinstance(audio, FLAC):
        picture = Picture()
        picture.type, picture.mime, picture.data = 3, "image/png", PICTURE
        audio.add_picture(picture)
    audio.save()


def _write_apev2(path: Path) -> None:
    tags = APEv2()
    renamed = {"DATE": "Year", "ALBUMARTIST": "Album Artist", "REMIXER": "MixArtist", "TRACKNUMBER": "Track"}
    for key, values in _vorbis_items().items():
        if key in ("TRACKTOTAL", "DISCTOTAL"):
            continue
        if key == "TRACKNUMBER":
            values = ["3/12"]
        if key == "DISCNUMBER":
            key, values = "Disc", ["2/3"]
        tags[renamed.get(key, key.title() if key.isupper() else key)] = values
    tags["Cover Art (Front)"] = b"cover.png\0" + PICTURE
    tags.save(path)


def _freeform(*values: str) -> list[MP4FreeForm]:
    return [MP4FreeForm(value.encode()) for value in values]


def _write_mp4(path: Path) -> None:
    audio = MP4(path)
    e = EXPECTED
    itunes = "----:com.apple.iTunes:"
    audio.update(
        {
            "\xa9nam": [TITLE],
            "\xa9ART": [str(e["artist"])],
            "soar": [str(e["artistsort"])],
            "aART": ["Various Artists"],
            "soaa": ["Various Artists"],
            "\xa9alb": [str(e["album"])],
            "\xa9day": ["2011-03-14"],
            "trkn": [(3, 12)],
            "disk": [(2, 3)],
            "\xa9gen": ["Rock", "Électronique"],
            "\xa9wrt": ["Composer Ç"],
            "cpil": True,
            "tmpo": [128],
            "covr": [MP4Cover(PICTURE, imageformat=MP4Cover.FORMAT_PNG)],
            itunes + "ARTISTS": _freeform(*e["artists"]),  # type: ignore[misc]
            itunes + "ALBUMARTISTS": _freeform("Various Artists"),
            itunes + "ORIGINALDATE": _freeform("1999-01-02"),
            itunes + "REMIXER": _freeform("Remixer R"),
            itunes + "LABEL": _freeform("Label Ł"),
            itunes + "CATALOGNUMBER": _freeform("CAT-001"),
            itunes + "BARCODE": _freeform("0123456789012"),
            itunes + "ISRC": _freeform("USRC17607839"),
            itunes + "MusicBrainz Album Type": _freeform("album", "compilation"),
            itunes + "MusicBrainz Album Release Country": _freeform("GB"),
            itunes + "MEDIA": _freeform("Digital Media"),
            itunes + "MusicBrainz Track Id": _freeform(REC),
            itunes + "MusicBrainz Release Track Id": _freeform(TRACK),
            itunes + "MusicBrainz Album Id": _freeform(ALBUM),
            itunes + "MusicBrainz Release Group Id": _freeform(GROUP),
            itunes + "MusicBrainz Artist Id": _freeform(*ARTIST_IDS),
            itunes + "MusicBrainz Album Artist Id": _freeform(ALBUM_ARTIST_ID),
            itunes + "Acoustid Id": _freeform(ACOUSTID),
            itunes + "Custom Key": _freeform("custom ✓"),
        }
    )
    audio.save()


def _write_asf(path: Path) -> None:
    audio = ASF(path)
    e = EXPECTED
    audio.tags.update(
        {
            "Title": [TITLE],
            "Author": [str(e["artist"])],
            "WM/ARTISTS": list(e["artists"]),  # type: ignore[call-overload]
            "WM/ArtistSortOrder": [str(e["artistsort"])],
            "WM/AlbumArtist": ["Various Artists"],
            "WM/AlbumArtistSortOrder": ["Various Artists"],
            "WM/AlbumTitle": [str(e["album"])],
            "WM/Year": ["2011-03-14"],
            "WM/OriginalReleaseTime": ["1999-01-02"],
            "WM/TrackNumber": ["3"],
            "TotalTracks": ["12"],
            "WM/PartOfSet": ["2/3"],
            "WM/Genre": ["Rock", "Électronique"],
            "WM/Composer": ["Composer Ç"],
            "WM/ModifiedBy": ["Remixer R"],
            "WM/Publisher": ["Label Ł"],
            "WM/CatalogNo": ["CAT-001"],
            "WM/Barcode": ["0123456789012"],
            "WM/ISRC": ["USRC17607839"],
            "MusicBrainz/Album Type": ["album", "compilation"],
            "MusicBrainz/Album Release Country": ["GB"],
            "WM/Media": ["Digital Media"],
            "WM/IsCompilation": [True],
            "WM/BeatsPerMinute": ["128"],
            "MusicBrainz/Track Id": [REC],
            "MusicBrainz/Release Track Id": [TRACK],
            "MusicBrainz/Album Id": [ALBUM],
            "MusicBrainz/Release Group Id": [GROUP],
            "MusicBrainz/Artist Id": list(ARTIST_IDS),
            "MusicBrainz/Album Artist Id": [ALBUM_ARTIST_ID],
            "Acoustid/Id": [ACOUSTID],
            "Custom Key": ["custom ✓"],
            "WM/Picture": [ASFByteArrayAttribute(_wm_picture())],
        }
    )
    audio.save()


def _wm_picture() -> bytes:
    # WM/Picture layout: type byte, LE uint32 length, UTF-16-LE MIME + NUL, description + NUL, data.
    return (
        struct.pack("<bI", 3, len(PICTURE))
        + "image/png\0".encode("utf-16-le")
        + "\0".encode("utf-16-le")
        + PICTURE
    )


@dataclass(frozen=True)
class Case:
    """One format under test: how to make it, how to tag it, what read_tags must say about its stream."""

    name: str
    ext: str
    ffmpeg: tuple[str, ...]
    write: Callable[[Path], None]
    format: str
    codec: str
    lossless: bool
    missing: frozenset[str] = frozenset()
    """Canonical fields this format's Picard mapping cannot store."""


CASES = [
    Case("mp3", ".mp3", ("-c:a", "libmp3lame", "-b:a", "64k"), _write_id3, "mp3", "mp3", False),
    Case("flac", ".flac", ("-c:a", "flac"), _write_vorbis, "flac", "flac", True),
    Case("ogg_vorbis", ".ogg", ("-c:a", "libvorbis"), _write_vorbis, "ogg_vorbis", "vorbis", False),
    Case("opus", ".opus", ("-c:a", "libopus"), _write_vorbis, "opus", "opus", False),
    Case("m4a_aac", ".m4a", ("-c:a", "aac"), _write_mp4, "m4a_aac", "aac", False),
    Case("m4a_alac", ".m4a", ("-c:a", "alac"), _write_mp4, "m4a_alac", "alac", True),
    Case("wav", ".wav", ("-c:a", "pcm_s16le"), _write_id3, "wav", "pcm", True),
    Case("aiff", ".aiff", ("-c:a", "pcm_s16be"), _write_id3, "aiff", "pcm", True),
    Case("wma", ".wma", ("-c:a", "wmav2"), _write_asf, "wma", "wma", False, frozenset({"albumartists"})),
    Case("wavpack", ".wv", ("-c:a", "wavpack"), _write_apev2, "wavpack", "wavpack", True),
    Case("ape", ".ape", (), _write_apev2, "ape", "ape", True),
]
DURATION = 0.5


def _craft_monkeys_audio(path: Path) -> None:
    """A Monkey's Audio 3.99 descriptor + header (MAC SDK layout) with no audio frames.

    mutagen reads exactly these 76 bytes for the stream properties; 0.5 s of 16-bit stereo at 44.1 kHz.
    """
    blocks_per_frame, total_frames, final_blocks = 73728 * 4, 1, 22050
    descriptor = b"MAC " + struct.pack("<HH7I", 3990, 0, 52, 24, 0, 0, 0, 0, 0) + b"\0" * 16
    header = struct.pack("<HHIIIHHI", 2000, 0, blocks_per_frame, final_blocks, total_frames, 16, 2, 44100)
    path.write_bytes(descriptor + header)


@pytest.fixture(scope="session")
def untagged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One untagged file per case, made once; tests copy before writing (never tag the originals)."""
    folder = tmp_path_factory.mktemp("untagged")
    made: dict[str, Path] = {}
    for case in CASES:
        path = folder / f"{case.name}{case.ext}"
        if case.name == "ape":
            _craft_monkeys_audio(path)
        else:
            sine = f"sine=frequency=440:duration={DURATION}"
            command = ["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", sine, "-ac", "2"]
            subprocess.run(
                [*command, "-map_metadata", "-1", *case.ffmpeg, str(path)],
                check=True,
            )
        made[case.name] = path
    return made


def _copy(untagged: dict[str, Path], case: Case, folder: Path, name: str | None = None) -> Path:
    target = folder / (name or f"{case.name}{case.ext}")
    shutil.copyfile(untagged[case.name], target)
    return target


def _tagged(untagged: dict[str, Path], case: Case, folder: Path) -> Path:
    path = _copy(untagged, case, folder)
    case.write(path)
    return path


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
class TestEveryFormat:
    def test_stream_properties(self, case: Case, untagged: dict[str, Path], tmp_path: Path) -> None:
        tags = read_tags(_copy(untagged, case, tmp_path))
        assert (tags.format, tags.codec, tags.lossless) == (case.format, case.codec, case.lossless)
        assert tags.duration_secs == pytest.approx(DURATION, abs=0.08)
        assert tags.channels == 2
        assert tags.sample_rate in (44100, 48000)
        assert tags.bitrate and tags.bitrate > 0
        assert (tags.bits_per_sample == 16) if case.lossless else tags.bits_per_sample is None

    def test_every_canonical_field_round_trips(
        self, case: Case, untagged: dict[str, Path], tmp_path: Path
    ) -> None:
        tags = read_tags(_tagged(untagged, case, tmp_path))
        for name, expected in EXPECTED.items():
            if name in case.missing:
                expected = () if isinstance(expected, tuple) else None
            assert getattr(tags, name) == expected, name

    def test_raw_keeps_unknown_keys_and_summarizes_pictures(
        self, case: Case, untagged: dict[str, Path], tmp_path: Path
    ) -> None:
        raw = read_tags(_tagged(untagged, case, tmp_path)).raw
        assert any(key.lower().endswith("custom key") and value == "custom ✓" for key, value in raw)
        if case.name not in ("ogg_vorbis", "opus"):  # those carry no picture in this test
            pictures = [value for _, value in raw if value.startswith("<")]
            assert pictures and all(f"{len(PICTURE):,} bytes" in value for value in pictures), raw
        assert all(isinstance(key, str) and isinstance(value, str) for key, value in raw)
        assert all(len(value) < 200 for _, value in raw)  # binary data is summarized, never dumped

    def test_untagged_file_has_empty_canonical_fields(
        self, case: Case, untagged: dict[str, Path], tmp_path: Path
    ) -> None:
        tags = read_tags(_copy(untagged, case, tmp_path))
        for name in CANONICAL_FIELDS:
            assert getattr(tags, name) in (None, (), False), name

    def test_content_decides_not_the_extension(
        self, case: Case, untagged: dict[str, Path], tmp_path: Path
    ) -> None:
        wrong = ".flac" if case.ext == ".mp3" else ".mp3"
        tags = read_tags(_copy(untagged, case, tmp_path, name=f"renamed{wrong}"))
        assert tags.format == case.format

    def test_non_utf8_file_name(self, case: Case, untagged: dict[str, Path], tmp_path: Path) -> None:
        path = os.fsencode(tmp_path) + b"/caf\xe9 \xff" + case.ext.encode()
        shutil.copyfile(untagged[case.name], path)
        assert read_tags(path).format == case.format
        assert read_tags(Path(os.fsdecode(path))).format == case.format

    def test_header_cut_short_is_truncated(
        self, case: Case, untagged: dict[str, Path], tmp_path: Path
    ) -> None:
        path = _tagged(untagged, case, tmp_path)
        path.write_bytes(path.read_bytes()[:24])
        with pytest.raises(TagReadError) as caught:
            read_tags(path)
        assert caught.value.kind == "truncated", caught.value.reason
        assert caught.value.reason.startswith("truncated: ") and "bytes" in caught.value.reason


# Damage that keeps a format's signature but breaks what follows, as a bad sector or a bad write would.
def _zero(start: int, end: int) -> Callable[[bytes], bytes]:
    return lambda data: data[:start] + b"\0" * (end - start) + data[end:]


def _mp3_without_frames(data: bytes) -> bytes:
    size = (data[6] & 0x7F) << 21 | (data[7] & 0x7F) << 14 | (data[8] & 0x7F) << 7 | (data[9] & 0x7F)
    tag_end = 10 + size
    noise = bytes(
        random.Random(7).randrange(0, 255) for _ in range(len(data) - tag_end)
    )  # never 0xFF: no sync
    return data[:tag_end] + noise


CORRUPTIONS: dict[str, Callable[[bytes], bytes]] = {
    "mp3": _mp3_without_frames,
    "flac": _zero(8, 42),  # STREAMINFO zeroed: 0 Hz
    "ogg_vorbis": _zero(28, 58),  # identification packet zeroed: page CRC fails
    "opus": _zero(28, 47),
    "m4a_aac": _zero(12, 4012),
    "m4a_alac": _zero(12, 4012),
    "wav": _zero(12, 4012),
    "aiff": _zero(12, 4012),
    "wma": _zero(16, 4016),
    "wavpack": lambda data: data[:12] + b"\xff" * 200 + data[212:],
    "ape": _zero(56, 76),
}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_damaged_header_is_corrupt(case: Case, untagged: dict[str, Path], tmp_path: Path) -> None:
    path = _tagged(untagged, case, tmp_path)
    path.write_bytes(CORRUPTIONS[case.name](path.read_bytes()))
    with pytest.raises(TagReadError) as caught:
        read_tags(path)
    assert caught.value.kind == "corrupt", caught.value.reason


@pytest.mark.parametrize("name", ["wav", "aiff", "m4a_aac", "m4a_alac"])
def test_cut_inside_declared_audio_is_truncated(name: str, untagged: dict[str, Path], tmp_path: Path) -> None:
    case = next(case for case in CASES if case.name == name)
    path = _tagged(untagged, case, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(TagReadError) as caught:
        read_tags(path)
    assert caught.value.kind == "truncated"
    assert f"{len(data) // 2:,}" in caught.value.reason


def test_mp3_with_tag_but_no_audio_is_truncated(untagged: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "tag-only.mp3"
    ID3().save(path)  # creates a file holding just an ID3v2 header
    tags = ID3()
    tags.add(TIT2(encoding=3, text="x"))
    tags.save(path)
    with pytest.raises(TagReadError, match=r"^truncated: .*ID3v2 tag") as caught:
        read_tags(path)
    assert caught.value.kind == "truncated"


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("empty.mp3", b"", "empty"),
        ("random.mp3", bytes(random.Random(1).randrange(256) for _ in range(4096)), "not_audio"),
        ("random.flac", bytes(random.Random(2).randrange(256) for _ in range(100)), "not_audio"),
        ("notes.mp3", b"just some text, not audio\n" * 20, "not_audio"),
        ("image.m4a", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "not_audio"),
        ("tiny.ogg", b"Og", "not_audio"),
        ("video.mka", b"\x1aE\xdf\xa3" + b"\0" * 200, "unsupported"),
        ("song.mid", b"MThd\0\0\0\x06" + b"\0" * 100, "unsupported"),
        ("clip.avi", b"RIFF\x00\x10\x00\x00AVI LIST" + b"\0" * 100, "unsupported"),
        ("cut.ogg", b"OggS\0\x02" + b"\0" * 10, "truncated"),
    ],
)
def test_files_that_are_not_readable_audio(name: str, content: bytes, kind: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(TagReadError) as caught:
        read_tags(path)
    assert caught.value.kind == kind, caught.value.reason
    assert caught.value.reason.startswith(f"{kind}: ") and len(caught.value.reason) > len(kind) + 5


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.mp3"
    path.write_bytes(b"ID3")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # Tests often run as root, where chmod 000 does not stop a read; fake the refusal instead.
    monkeypatch.setattr("analyzer.tags.reader.open", refuse, raising=False)
    with pytest.raises(TagReadError) as caught:
        read_tags(path)
    assert caught.value.kind == "permission_denied"
    assert "Permission denied" in caught.value.reason


def test_directory_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TagReadError) as caught:
        read_tags(tmp_path)
    assert caught.value.kind == "not_audio"
    with pytest.raises(FileNotFoundError):
        read_tags(tmp_path / "gone.mp3")


def test_errors_and_records_survive_a_process_pool(untagged: dict[str, Path], tmp_path: Path) -> None:
    error = TagReadError("corrupt", "corrupt: bad header")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.kind, copy.reason, str(copy)) == ("corrupt", "corrupt: bad header", "corrupt: bad header")
    tags = read_tags(_tagged(untagged, CASES[1], tmp_path))
    assert pickle.loads(pickle.dumps(tags)) == tags
    assert {"truncated", "not_audio", "unsupported", "permission_denied", "corrupt", "empty"} == ERROR_KINDS


# --- format-specific conventions --------------------------------------------------------------------


def _fresh(untagged: dict[str, Path], name: str, folder: Path) -> Path:
    return _copy(untagged, next(case for case in CASES if case.name == name), folder)


def test_id3v23_slash_joined_artists_split_only_when_ids_agree(
    untagged: dict[str, Path], tmp_path: Path
) -> None:
    path = _fresh(untagged, "mp3", tmp_path)
    tags = ID3()
    tags.add(TPE1(encoding=1, text="Jay-Z & Kanye West"))
    tags.add(TXXX(encoding=1, desc="ARTISTS", text="Jay-Z/Kanye West"))
    tags.add(TXXX(encoding=1, desc="MusicBrainz Artist Id", text="/".join(ARTIST_IDS)))
    tags.add(TPE2(encoding=1, text="AC/DC"))
    tags.add(TXXX(encoding=1, desc="ALBUMARTISTS", text="AC/DC"))
    tags.add(TXXX(encoding=1, desc="MusicBrainz Album Artist Id", text=ALBUM_ARTIST_ID))
    tags.save(path, v2_version=3)
    read = read_tags(path)
    assert read.artists == ("Jay-Z", "Kanye West")
    assert read.musicbrainz_artistid == ARTIST_IDS
    assert read.albumartists == ("AC/DC",)


def test_id3_numeric_genres_and_v23_year(untagged: dict[str, Path], tmp_path: Path) -> None:
    path = _fresh(untagged, "mp3", tmp_path)
    tags = ID3()
    tags.add(TCON(encoding=0, text="(17)(31)"))
    tags.add(TDRC(encoding=0, text="1987"))
    tags.save(path, v2_version=3)
    read = read_tags(path)
    assert read.genre == ("Rock", "Trance")
    assert (read.date, read.year) == ("1987", 1987)


def test_repeated_vorbis_artist_without_artists_tag(untagged: dict[str, Path], tmp_path: Path) -> None:
    path = _fresh(untagged, "flac", tmp_path)
    audio = FLAC(path)
    audio["ARTIST"] = ["Simon", "Garfunkel"]
    audio["GENRE"] = ["Folk; Rock"]  # foobar2000-style joined genres
    audio["TRACKNUMBER"] = ["07/10"]
    audio["DISCNUMBER"] = ["1"]
    audio.save()
    read = read_tags(path)
    assert (read.artist, read.artists) == ("Simon; Garfunkel", ("Simon", "Garfunkel"))
    assert read.genre == ("Folk", "Rock")
    assert (read.tracknumber, read.totaltracks, read.discnumber, read.totaldiscs) == (7, 10, 1, None)


def test_mp4_zero_totals_mean_unknown(untagged: dict[str, Path], tmp_path: Path) -> None:
    path = _fresh(untagged, "m4a_aac", tmp_path)
    audio = MP4(path)
    audio["trkn"] = [(5, 0)]
    audio["disk"] = [(1, 0)]
    audio.save()
    read = read_tags(path)
    assert (read.tracknumber, read.totaltracks, read.discnumber, read.totaldiscs) == (5, None, 1, None)
    assert read.compilation is False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("song.MP3", True),
        ("a.b.flac", True),
        ("track.opus", True),
        ("x.m4a", True),
        ("x.wv", True),
        ("x.ape", True),
        (b"caf\xe9.ogg", True),
        ("cover.jpg", False),
        ("notes.txt", False),
        ("mp3", False),
        (".hidden", False),
    ],
)
def test_is_audio_candidate(name: str | bytes, expected: bool) -> None:
    assert is_audio_candidate(name) is expected
