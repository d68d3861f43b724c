"""The tag readers' fast paths give exactly what the plain mutagen path gives, damage included."""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import mutagen
import pytest
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TIT2, TPE1, TXXX
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm
from mutagen.oggopus import OggOpus

from analyzer.tags import FileTags, TagReadError, _flac_fast, _mp4_fast, _mpeg_fast, _opus_fast, read_tags
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("fast-path-templates"), duration=2.0)


def with_covers(path: Path, sizes: list[int], key: str = "METADATA_BLOCK_PICTURE") -> Path:
    """Embed covers of ``sizes`` bytes as Picard does (base64 FLAC picture blocks in the comment)."""
    audio = mutagen.File(path)
    blocks = []
    for n, size in enumerate(sizes):
        picture = Picture()
        picture.type, picture.mime, picture.desc = 3 + n, "image/jpeg", f"Cover {n}"
        picture.data = os.urandom(size)
        blocks.append(base64.b64encode(picture.write()).decode("ascii"))
    audio[key] = blocks
    audio.save()
    return path


def plain(path: Path, monkeypatch: pytest.MonkeyPatch) -> FileTags | TagReadError:
    with monkeypatch.context() as patch:
        patch.setattr(_opus_fast, "_read", lambda f: None)  # the plain path: mutagen's OggOpus
        return outcome(path)


def outcome(path: Path) -> FileTags | TagReadError:
    try:
        return read_tags(path)
    except TagReadError as error:
        return error


def same(path: Path, monkeypatch: pytest.MonkeyPatch) -> FileTags | TagReadError:
    fast, reference = outcome(path), plain(path, monkeypatch)
    if isinstance(reference, TagReadError):
        assert isinstance(fast, TagReadError) and (fast.kind, fast.reason) == (
            reference.kind,
            reference.reason,
        )
    else:
        assert fast == reference
    return fast


def taken_fast(path: Path) -> bool:
    with path.open("rb") as f:
        return _opus_fast._read(f) is not None


@pytest.mark.parametrize(
    "covers", [[], [200], [300_000], [450_000, 20_000]], ids=["no cover", "tiny", "one", "two"]
)
def test_opus_tags_and_covers_read_fast_equal_mutagens(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch, covers: list[int]
) -> None:
    path = place(templates, tmp_path / "a.opus", title="Ünïcode", artist="A", artists=["A", "B"], album="X")
    with_covers(path, covers)
    tags = same(path, monkeypatch)
    assert isinstance(tags, FileTags) and tags.title == "Ünïcode" and tags.duration_secs > 1.9
    summaries = [value for key, value in tags.raw if key == "METADATA_BLOCK_PICTURE"]
    assert len(summaries) == len(covers) and all(s.startswith("<picture base64, ") for s in summaries)
    assert taken_fast(path)
    with path.open("rb") as f, path.open("rb") as g:
        assert OggOpus(f).info.bitrate == _opus_fast.open_opus(g).info.bitrate


def test_an_untagged_opus_file_reads_the_same(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = place(templates, tmp_path / "bare.opus")
    assert same(path, monkeypatch) == plain(path, monkeypatch)
    assert taken_fast(path)


@pytest.mark.parametrize("cut", [0.02, 0.3, 0.6, 0.95])
def test_an_opus_file_cut_short_fails_with_mutagens_reason(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch, cut: float
) -> None:
    """Cut inside the identification page, the comment pages, or the audio: the same outcome either way."""
    path = with_covers(place(templates, tmp_path / "cut.opus", title="T"), [300_000])
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    same(path, monkeypatch)


def test_a_comment_page_out_of_sequence_is_left_to_mutagen(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = with_covers(place(templates, tmp_path / "seq.opus", title="T"), [100_000])
    data = bytearray(path.read_bytes())
    third = data.index(b"OggS", data.index(b"OggS", data.index(b"OggS", 1) + 1) + 1)  # 2nd comment page
    data[third + 18 : third + 22] = (999).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    assert not taken_fast(path)
    same(path, monkeypatch)  # mutagen's own verdict on the bad sequence number, through either path


def with_apic(path: Path, covers: list[tuple[int, str, int]], v2_version: int = 4, v1: bool = False) -> Path:
    """Add APIC frames (size, description, encoding) and a few text frames, as Picard saves them."""
    tags = ID3(path) if _has_id3(path) else ID3()
    tags.add(TIT2(encoding=3, text=["Title"]))
    tags.add(TPE1(encoding=3, text=["Artist"]))
    tags.add(TXXX(encoding=3, desc="MusicBrainz Album Id", text=["5b11f4ce-a62d-471e-81fc-a69a8278c7da"]))
    for n, (size, desc, encoding) in enumerate(covers):
        tags.add(APIC(encoding=encoding, mime="image/jpeg", type=3 + n % 2, desc=desc, data=os.urandom(size)))
    tags.save(path, v2_version=v2_version, v1=2 if v1 else 0)
    return path


def _has_id3(path: Path) -> bool:
    return path.read_bytes()[:3] == b"ID3"


def taken_fast_mpeg(path: Path) -> bool:
    with path.open("rb") as f:
        return _mpeg_fast._read(f) is not None


def same_mpeg(path: Path, monkeypatch: pytest.MonkeyPatch) -> FileTags | TagReadError:
    fast = outcome(path)
    with monkeypatch.context() as patch:
        patch.setattr(_mpeg_fast, "_read", lambda f: None)  # the plain path: mutagen's MP3
        reference = outcome(path)
    if isinstance(reference, TagReadError):
        assert isinstance(fast, TagReadError) and (fast.kind, fast.reason) == (
            reference.kind,
            reference.reason,
        )
    else:
        assert fast == reference
    return fast


@pytest.mark.parametrize(
    ("covers", "v2_version", "v1"),
    [
        ([(450_000, "Cover", 3)], 4, False),
        ([(300_000, "Cover", 3), (200_000, "Back", 3)], 4, False),
        ([(100_000, "Vorderseite ünd", 1)], 4, True),  # UTF-16 description, an ID3v1 tag at the end
        ([(120_000, "Front", 0), (5_000, "Back", 3)], 3, False),  # ID3v2.3 (plain frame sizes)
    ],
    ids=["one", "two", "utf16+v1", "v2.3"],
)
def test_mp3_covers_read_fast_equal_mutagens(
    tmp_path: Path,
    templates: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    covers: list[tuple[int, str, int]],
    v2_version: int,
    v1: bool,
) -> None:
    path = with_apic(place(templates, tmp_path / "a.mp3"), covers, v2_version, v1)
    tags = same_mpeg(path, monkeypatch)
    assert isinstance(tags, FileTags) and tags.title == "Title" and tags.duration_secs > 1.9
    summaries = [value for key, value in tags.raw if key.startswith("APIC")]
    assert [s.split(", ")[1] for s in summaries] == [f"{size:,} bytes" for size, _, _ in covers]
    assert taken_fast_mpeg(path)


@pytest.mark.parametrize("covers", [[], [(2_000, "Small", 3)], [(50_000, "D" * 5_000, 3)]])
def test_mp3_files_the_fast_path_leaves_to_mutagen_read_the_same(
    tmp_path: Path,
    templates: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    covers: list[tuple[int, str, int]],
) -> None:
    """No cover, a cover small enough to keep whole, a description longer than the bytes kept."""
    path = with_apic(place(templates, tmp_path / "b.mp3"), covers)
    same_mpeg(path, monkeypatch)
    assert not taken_fast_mpeg(path)


@pytest.mark.parametrize("cut", [0.01, 0.05, 0.5, 0.98])
def test_an_mp3_file_cut_short_fails_or_reads_as_mutagen_says(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch, cut: float
) -> None:
    """Cut inside the cover, after it, or in the audio: the same outcome either way."""
    path = with_apic(place(templates, tmp_path / "cut.mp3"), [(300_000, "Cover", 3)])
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    same_mpeg(path, monkeypatch)


def picture_chars_read(path: Path) -> tuple[int, ...]:
    with path.open("rb") as f:
        found = _opus_fast._read(f)
    assert found is not None
    return found.picture_chars


@pytest.mark.parametrize("key", ["METADATA_BLOCK_PICTURE", "metadata_block_picture", "COVERART"])
def test_opus_picture_values_reach_mutagen_shortened_with_their_length_beside(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    """Long picture values are cut before mutagen decodes them; the stored length is the real one."""
    path = place(templates, tmp_path / "p.opus", title="T", artist="A", album="X")
    with_covers(path, [300_000, 40, 90_000], key=key)
    audio = OggOpus(path)
    audio["COMMENT"] = ["after the pictures"]  # a comment behind the cut values must still be read
    audio.save()
    tags = same(path, monkeypatch)
    assert isinstance(tags, FileTags)
    expected = [len(value) for value in OggOpus(path)[key]]
    assert picture_chars_read(path) == tuple(expected)
    assert [value for name, value in tags.raw if name.lower() == key.lower()] == [
        f"<picture base64, {chars:,} chars>" for chars in expected
    ]
    assert ("COMMENT", "after the pictures") in tags.raw


def test_an_opus_picture_value_that_is_not_ascii_is_read_whole(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Characters are not bytes there (nor is it base64): mutagen decodes the whole value, as before."""
    path = place(templates, tmp_path / "u.opus", title="T")
    audio = OggOpus(path)
    audio["METADATA_BLOCK_PICTURE"] = ["é" * 50_000 + "x" * 1_000]
    audio.save()
    tags = same(path, monkeypatch)
    assert isinstance(tags, FileTags)
    assert ("METADATA_BLOCK_PICTURE", "<picture base64, 51,000 chars>") in tags.raw
    assert picture_chars_read(path) == ()


def with_mp4_covers(path: Path, covers: list[tuple[int, int]]) -> Path:
    """Add ``covr`` pictures of (size, format) as Picard saves them, beside a few text items."""
    audio = MP4(path)
    audio["\xa9nam"] = ["Title"]
    audio["\xa9ART"] = ["Artist"]
    audio["----:com.apple.iTunes:MusicBrainz Album Id"] = [
        MP4FreeForm(b"5b11f4ce-a62d-471e-81fc-a69a8278c7da")
    ]
    if covers:
        audio["covr"] = [MP4Cover(os.urandom(size), imageformat=kind) for size, kind in covers]
    audio.save()
    return path


def same_mp4(path: Path, monkeypatch: pytest.MonkeyPatch) -> FileTags | TagReadError:
    fast = outcome(path)
    with monkeypatch.context() as patch:
        patch.setattr(_mp4_fast, "_read", lambda f: None)  # the plain path: mutagen's MP4
        reference = outcome(path)
    if isinstance(reference, TagReadError):
        assert isinstance(fast, TagReadError) and (fast.kind, fast.reason) == (
            reference.kind,
            reference.reason,
        )
    else:
        assert fast == reference
    return fast


def taken_fast_mp4(path: Path) -> bool:
    with path.open("rb") as f:
        return _mp4_fast._read(f) is not None


@pytest.mark.parametrize(
    "covers",
    [
        [(450_000, MP4Cover.FORMAT_JPEG)],
        [(300_000, MP4Cover.FORMAT_PNG), (20_000, MP4Cover.FORMAT_JPEG)],
        [(40, MP4Cover.FORMAT_JPEG)],  # smaller than the bytes kept
    ],
    ids=["one", "png+jpeg", "tiny"],
)
def test_m4a_covers_read_fast_equal_mutagens(
    tmp_path: Path,
    templates: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    covers: list[tuple[int, int]],
) -> None:
    path = with_mp4_covers(place(templates, tmp_path / "a.m4a"), covers)
    tags = same_mp4(path, monkeypatch)
    assert isinstance(tags, FileTags) and tags.title == "Title" and tags.duration_secs > 1.9
    summaries = [value for key, value in tags.raw if key == "covr"]
    kinds = {MP4Cover.FORMAT_JPEG: "jpeg", MP4Cover.FORMAT_PNG: "png"}
    assert summaries == [f"<picture image/{kinds[kind]}, {size:,} bytes>" for size, kind in covers]
    assert taken_fast_mp4(path)


def test_an_m4a_file_without_a_cover_reads_the_same_the_fast_way(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = with_mp4_covers(place(templates, tmp_path / "b.m4a"), [])
    same_mp4(path, monkeypatch)
    assert taken_fast_mp4(path)


def test_an_m4a_cover_with_an_atom_mutagen_rejects_reads_the_same(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``covr`` item holding something other than data/name atoms: mutagen keeps it aside, both ways."""
    path = with_mp4_covers(place(templates, tmp_path / "c.m4a"), [(100_000, MP4Cover.FORMAT_JPEG)])
    data = bytearray(path.read_bytes())
    at = data.index(b"covr") + 8  # the first child atom's name
    assert data[at : at + 4] == b"data"
    data[at : at + 4] = b"junk"
    path.write_bytes(bytes(data))
    assert not taken_fast_mp4(path)
    same_mp4(path, monkeypatch)


@pytest.mark.parametrize("cut", [0.01, 0.3, 0.6, 0.97])
def test_an_m4a_file_cut_short_fails_or_reads_as_mutagen_says(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch, cut: float
) -> None:
    path = with_mp4_covers(place(templates, tmp_path / "cut.m4a"), [(300_000, MP4Cover.FORMAT_JPEG)])
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    same_mp4(path, monkeypatch)


def with_flac_pictures(path: Path, sizes: list[int]) -> Path:
    audio = FLAC(path)
    audio["TITLE"] = ["Title"]
    for n, size in enumerate(sizes):
        picture = Picture()
        picture.type, picture.mime, picture.desc = 3 + n, "image/png" if n % 2 else "image/jpeg", f"Cover {n}"
        picture.width = picture.height = 500
        picture.data = os.urandom(size)
        audio.add_picture(picture)
    audio.save()
    return path


def same_flac(path: Path, monkeypatch: pytest.MonkeyPatch) -> FileTags | TagReadError:
    fast = outcome(path)
    with monkeypatch.context() as patch:
        patch.setattr(_flac_fast, "_FLACWithoutImages", FLAC)  # the plain path: mutagen's FLAC
        reference = outcome(path)
    if isinstance(reference, TagReadError):
        assert isinstance(fast, TagReadError) and (fast.kind, fast.reason) == (
            reference.kind,
            reference.reason,
        )
    else:
        assert fast == reference
    return fast


@pytest.mark.parametrize(
    "sizes", [[450_000], [300_000, 20_000], [10], []], ids=["one", "two", "tiny", "none"]
)
def test_flac_pictures_read_without_their_images_equal_mutagens(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch, sizes: list[int]
) -> None:
    path = with_flac_pictures(place(templates, tmp_path / "a.flac"), sizes)
    tags = same_flac(path, monkeypatch)
    assert isinstance(tags, FileTags) and tags.title == "Title" and tags.bitrate
    summaries = [value for key, value in tags.raw if key == "METADATA_BLOCK_PICTURE"]
    assert [s.split(", ")[1] for s in summaries] == [f"{size:,} bytes" for size in sizes]
    with path.open("rb") as f:
        pictures = _flac_fast.open_flac(f).pictures
    assert [p.size for p in pictures] == sizes  # read by the fast path, not the fallback
    assert all(len(p.data) <= _flac_fast.KEPT_PICTURE_BYTES for p in pictures)


@pytest.mark.parametrize("cut", [0.005, 0.3, 0.6, 0.9])
def test_a_flac_file_cut_short_fails_or_reads_as_mutagen_says(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch, cut: float
) -> None:
    """Cut inside the picture (its image past the end), after it, or in the audio."""
    path = with_flac_pictures(place(templates, tmp_path / "cut.flac"), [300_000])
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    same_flac(path, monkeypatch)


def test_a_flac_file_with_an_id3_prefix_reads_the_same(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = with_flac_pictures(place(templates, tmp_path / "id3.flac"), [100_000])
    tag = ID3()
    tag.add(TIT2(encoding=3, text=["From ID3"]))
    prefix = tmp_path / "prefix.id3"
    prefix.write_bytes(b"")
    tag.save(prefix)
    path.write_bytes(prefix.read_bytes() + path.read_bytes())  # as some rippers did
    assert path.read_bytes()[:3] == b"ID3"
    same_flac(path, monkeypatch)


def test_a_flac_file_cut_inside_its_last_metadata_block_a_picture_fails_as_mutagen_says(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No block follows the picture to fail on: its image running past the end is what tells."""
    path = place(templates, tmp_path / "last.flac")
    audio = FLAC(path)
    picture = Picture()
    picture.type, picture.mime, picture.data = 3, "image/jpeg", os.urandom(200_000)
    audio.add_picture(picture)
    audio.save(padding=lambda info: 0)
    data = path.read_bytes()
    blocks, pos = [], 4  # (offset, type, size) of each metadata block; mutagen ends them with padding
    while not blocks or not data[blocks[-1][0]] & 0x80:
        blocks.append((pos, data[pos] & 0x7F, int.from_bytes(data[pos + 1 : pos + 4], "big")))
        pos += 4 + blocks[-1][2]
    (at, kind, size), (padding_at, padding_kind, padding_size) = blocks[-2:]
    assert (kind, padding_kind) == (6, 1)
    data = (
        data[:at] + bytes((0x80 | 6,)) + data[at + 1 : at + 4 + size] + data[padding_at + 4 + padding_size :]
    )
    path.write_bytes(data)
    assert type(FLAC(path).metadata_blocks[-1]) is Picture  # the picture is the last block now
    data = path.read_bytes()
    path.write_bytes(data[: data.index(picture.data) + 100_000])
    outcome_ = same_flac(path, monkeypatch)
    assert isinstance(outcome_, TagReadError)
