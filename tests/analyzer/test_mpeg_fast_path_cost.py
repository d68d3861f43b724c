"""The MP3 fast path's one frame walk: it answers mutagen's frame-size rule as mutagen does, reads the tags
of odd layouts exactly as plain mutagen does, and costs what it exists to save: mutagen's frame-size walks
run once a file (not three times) and a cover's bytes are not read.

``analyzer.tags._mpeg_fast`` answers ``determine_bpi`` (ID3v2.4 frame sizes syncsafe or plain) for a tag
and for its copy with shortened pictures from the walk that finds the pictures; mutagen's own
``determine_bpi`` is the reference here, on thousands of generated tags built to make its two walks part,
tie, run past the end and land on frames they count.
"""

from __future__ import annotations

import os
import random
import shutil
import struct
from pathlib import Path
from typing import BinaryIO

import pytest
from mutagen.id3 import APIC, ID3, TALB, TIT2, TPE1, TXXX, USLT, BitPaddedInt, Frames
from mutagen.id3 import _tags as mutagen_id3_tags
from mutagen.id3._id3v1 import MakeID3v1

from analyzer.tags import FileTags, TagReadError, _mpeg_fast, read_tags, sniff
from tests.scan_audio import make_templates, place

KNOWN = [name.encode("ascii") for name in ("TIT2", "TPE1", "TXXX", "APIC", "UFID", "COMM", "TALB", "TRCK")]


def syncsafe(value: int) -> bytes:
    return bytes(BitPaddedInt.to_str(value, width=4))


def frame(name: bytes, body: bytes, plain: bool = False, flags: int = 0) -> bytes:
    size = struct.pack(">L", len(body)) if plain else syncsafe(len(body))
    return name + size + struct.pack(">H", flags) + body


def body(rng: random.Random, length: int) -> bytes:
    """Frame contents that the plain-size walk, once it parts from the syncsafe one, may land in: zeros,
    noise, and frame headers of names mutagen knows with small sizes."""
    kind = rng.random()
    if kind < 0.2:
        return bytes(length)
    out = bytearray(rng.randbytes(length))
    if kind < 0.7:
        for _ in range(length // 200 + 1):
            at = rng.randrange(0, max(1, length - 10))
            fake = rng.choice(KNOWN) + struct.pack(">L", rng.randrange(0, 60)) + b"\x00\x00"
            out[at : at + 10] = fake[: length - at]
    return bytes(out)


def bait_for_the_copy(rng: random.Random) -> bytes:
    """The body of a frame right after a cover, with headers of frames mutagen knows where the plain-size
    walk over the shortened copy lands (4,096 bytes past the kept cover, as its size field reads 8,192 as
    a plain int) and nowhere else: the copy can count more frames read plainly than the tag does."""
    chain = b"".join(rng.choice(KNOWN) + bytes(6) for _ in range(rng.randrange(1, 5)))
    out = bytearray(8000)
    out[4086 : 4086 + len(chain)] = chain
    return bytes(out)


def random_tag(rng: random.Random) -> bytes:
    """A tag's frames: text-like frames (some sizes 128 or more, some written as plain ints as old iTunes
    did), covers big enough to be cut or small, frames after them, unknown and non-ASCII names, padding of
    any length, and sometimes a last frame that runs past the tag's end."""
    parts = []
    plain_all = rng.random() < 0.2
    lengths = [0, 1, 9, 10, 60, 127, 128, 129, 200, 300, 1000]
    if rng.random() < 0.3:
        lengths = lengths[:6]  # all under 128, as in most tagged files: the two walks part at the cover
    for _ in range(rng.randrange(0, 8)):
        name = rng.choice([*KNOWN[:3], b"XYZ1", b"T\xe9ST", b"TXXX"])
        length = rng.choice(lengths)
        parts.append(frame(name, body(rng, length), plain=plain_all or rng.random() < 0.1))
    for _ in range(rng.randrange(0, 3)):
        length = rng.choice([100, 4096, 4097, 5000, 9000, 20000])
        picture = b"\x03image/jpeg\x00\x03\x00" + body(rng, length)
        parts.append(frame(b"APIC", picture, plain=plain_all or rng.random() < 0.1))
        if rng.random() < 0.5:
            parts.append(frame(b"XYZ1", bait_for_the_copy(rng)))
        for _ in range(rng.choice([0, 0, 1, 2, 3])):  # frames after a cover: more for the copy to walk
            parts.append(frame(rng.choice(KNOWN[:3]), body(rng, rng.choice([5, 130, 700, 3000, 6000]))))
    tag = b"".join(parts) + bytes(rng.choice([0, 1, 5, 9, 10, 11, 19, 20, 100, 1024, 5000]))
    if rng.random() < 0.25 and tag:
        tag = tag[: -rng.randrange(1, min(len(tag), 12) + 1)]  # the last frame runs past the end
    if rng.random() < 0.05:
        tag += b"\x00\x00\x00\x00\x00\x07\x00\x00" + rng.randbytes(30)  # a blank name before non-padding
    return tag


def tag_in_file(path: Path, tag: bytes, first_read: int) -> tuple[BinaryIO, _mpeg_fast._TagBytes]:
    """``tag`` behind an ID3v2.4 header in ``path``, opened as the fast path opens it, having read only
    ``first_read`` bytes of the file at first (the rest is read where the walk lands)."""
    path.write_bytes(b"ID3\x04\x00\x00" + syncsafe(len(tag)) + tag + b"\xff\xfb" + bytes(500))
    f = path.open("rb")
    return f, _mpeg_fast._TagBytes(f, len(tag), [(-10, f.read(first_read))])


def last_header_counts_or_not() -> bytes:
    """A tag whose last header sits in its last 10 bytes: mutagen's frame reader reads it, determine_bpi's
    walks do not count it. Read plainly, the title's size lands on two headers in the comment; read
    syncsafe, the walk counts the title and the comment: 3 against 2, so plain sizes win (they would
    not if the last header were counted)."""
    title = frame(b"TIT2", bytes(200))  # syncsafe 200 reads 328 as a plain int: 128 bytes past the title
    comment_body = bytearray(300)
    at = 328 + 10 - len(title) - 10  # where the plain walk lands, in the comment's body
    comment_body[at : at + 30] = frame(b"TALB", b"") + frame(b"TRCK", b"") + b"ZZZZ\x7f\xff\xff\xff\x00\x00"
    return title + frame(b"COMM", bytes(comment_body)) + frame(b"TPE1", b"")


def test_the_frame_size_reading_is_mutagens_for_the_tag_and_its_shortened_copy(tmp_path: Path) -> None:
    rng = random.Random(20261204)
    answered = {"tag": {int: 0, BitPaddedInt: 0}, "copy": {int: 0, BitPaddedInt: 0}}
    crafted = [last_header_counts_or_not()]
    assert mutagen_id3_tags.determine_bpi(crafted[0], Frames) is int
    for case in range(2000):
        tag = crafted.pop() if crafted else random_tag(rng)
        f, tag_bytes = tag_in_file(tmp_path / "tag.mp3", tag, rng.choice([16, 200, 16 * 1024]))
        try:
            walk = _mpeg_fast._walk(tag_bytes, BitPaddedInt)
            if walk is None or walk.past_end is None:
                continue  # the fast path leaves the file, or the question, to mutagen
            expected = mutagen_id3_tags.determine_bpi(tag, Frames)
            assert _mpeg_fast._frame_size_reading(walk, walk.split, tag_bytes) is expected, case
            answered["tag"][expected] += 1
            if not walk.cuts or expected is int:
                continue
            copy = _mpeg_fast._shortened(tag_bytes, walk, BitPaddedInt)
            in_memory = _mpeg_fast._TagBytes(None, len(copy), [(0, copy)])
            expected = mutagen_id3_tags.determine_bpi(copy, Frames)
            split = _mpeg_fast._split_in_copy(walk)
            assert _mpeg_fast._frame_size_reading(walk, split, in_memory) is expected, case
            answered["copy"][expected] += 1
        finally:
            f.close()
    # both answers met often, for tags and for copies: the comparison could fail either way
    assert min(answered["tag"].values()) > 100 and min(answered["copy"].values()) > 30, answered


def test_the_walk_finds_the_frames_mutagen_reads(tmp_path: Path) -> None:
    """The pictures the walk finds, and their sizes, are those of mutagen's own frame reading."""
    rng = random.Random(7)
    for _ in range(300):
        tag = random_tag(rng)
        f, tag_bytes = tag_in_file(tmp_path / "tag.mp3", tag, 16 * 1024)
        try:
            walk = _mpeg_fast._walk(tag_bytes, BitPaddedInt)
            if walk is None or walk.past_end is None:
                continue
            if _mpeg_fast._frame_size_reading(walk, walk.split, tag_bytes) is int:
                continue
        finally:
            f.close()
        header = mutagen_id3_tags.ID3Header()
        header.version, header._flags = (2, 4, 0), 0
        pictures = [  # encoding, "image/jpeg", NUL, type, empty description, NUL: 14 bytes
            14 + len(parsed.data)
            for parsed in mutagen_id3_tags.read_frames(header, tag, Frames)[0]
            if parsed.FrameID == "APIC"
        ]
        assert [size for size, _ in walk.pictures] == pictures


# --- whole files: the fast path against plain mutagen on layouts the bench files do not have ---


@pytest.fixture(scope="module")
def mp3_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is needed to make audio")
    return make_templates(tmp_path_factory.mktemp("mpeg-cost-templates"), duration=2.0)


def outcome(path: Path) -> FileTags | TagReadError:
    try:
        return read_tags(path)
    except TagReadError as error:
        return error


def read_both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> FileTags:
    fast = outcome(path)
    with monkeypatch.context() as patch:
        patch.setattr(_mpeg_fast, "_read", lambda f: None)  # the plain path: mutagen's MP3
        plain = outcome(path)
    assert fast == plain
    assert isinstance(fast, FileTags)
    return fast


def plain_outcome(path: Path, monkeypatch: pytest.MonkeyPatch) -> FileTags | TagReadError:
    with monkeypatch.context() as patch:
        patch.setattr(_mpeg_fast, "_read", lambda f: None)
        return outcome(path)


def taken_fast(path: Path) -> bool:
    with path.open("rb") as f:
        return _mpeg_fast._read(f) is not None


def tagged(path: Path, frames: list[object], padding: int = 1024) -> Path:
    tags = ID3()
    for each in frames:
        tags.add(each)
    tags.save(path, v2_version=4, padding=lambda info: padding)
    return path


def rewrite_frames(path: Path, change: object) -> None:
    """Rewrite the ID3v2.4 tag's frames of ``path`` through ``change(list of (name, flags, body))`` ->
    (list, plain sizes?): reordered, or with plain sizes as old iTunes wrote them."""
    data = path.read_bytes()
    size = int(BitPaddedInt(data[6:10]))
    frames, pos = [], 10
    while pos < 10 + size - 10 and data[pos : pos + 4] != b"\x00\x00\x00\x00":
        name, stored, flags = struct.unpack(">4sLH", data[pos : pos + 10])
        length = int(BitPaddedInt(stored))
        frames.append((name, flags, data[pos + 10 : pos + 10 + length]))
        pos += 10 + length
    new_frames, plain = change(frames)  # type: ignore[operator]
    tag = b"".join(frame(name, content, plain, flags) for name, flags, content in new_frames)
    tag += bytes(10 + size - pos)  # the padding as it was
    path.write_bytes(b"ID3\x04\x00\x00" + syncsafe(len(tag)) + tag + data[10 + size :])


def cover(size: int, desc: str = "Cover", kind: int = 3) -> APIC:
    return APIC(encoding=3, mime="image/jpeg", type=kind, desc=desc, data=os.urandom(size))


TEXT = [TIT2(encoding=3, text=["Title"]), TPE1(encoding=3, text=["Artist"])]


def test_large_text_frames_before_the_cover_read_as_mutagen_reads_them(
    tmp_path: Path, mp3_template: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Frames of 128 bytes and more before the cover part the plain-size walk from the syncsafe one early;
    lyrics longer than the first read put the cover's header past it."""
    path = place(mp3_template, tmp_path / "a.mp3")
    fingerprint = TXXX(encoding=3, desc="Acoustid Fingerprint", text=["AQAA" + "x" * 2_000])
    lyrics = USLT(encoding=1, lang="eng", desc="", text="la " * 12_000)
    tagged(path, [*TEXT, fingerprint, lyrics, cover(300_000)])
    tags = read_both_ways(path, monkeypatch)
    assert ("APIC:Cover", "<picture image/jpeg, 300,000 bytes, type 3>") in tags.raw
    assert taken_fast(path)


@pytest.mark.parametrize("padding", [0, 3, 10, 4_000, 20_000])
def test_any_padding_after_the_cover_reads_as_mutagen_reads_it(
    tmp_path: Path, mp3_template: dict[str, Path], monkeypatch: pytest.MonkeyPatch, padding: int
) -> None:
    path = tagged(place(mp3_template, tmp_path / "p.mp3"), [*TEXT, cover(200_000)], padding=padding)
    read_both_ways(path, monkeypatch)
    assert taken_fast(path)


def test_frames_after_the_covers_read_as_mutagen_reads_them(
    tmp_path: Path, mp3_template: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tagged(place(mp3_template, tmp_path / "b.mp3"), [*TEXT, cover(150_000), cover(90_000, "Back", 4)])

    def covers_first(frames: list[tuple[bytes, int, bytes]]) -> tuple[list[tuple[bytes, int, bytes]], bool]:
        return sorted(frames, key=lambda f: f[0] != b"APIC"), False

    rewrite_frames(path, covers_first)
    tags = read_both_ways(path, monkeypatch)
    assert [value for key, value in tags.raw if key.startswith("APIC")] == [
        "<picture image/jpeg, 150,000 bytes, type 3>",
        "<picture image/jpeg, 90,000 bytes, type 4>",
    ]
    assert tags.title == "Title"
    assert taken_fast(path)


def test_plain_frame_sizes_in_an_id3v24_tag_read_as_mutagen_reads_them(
    tmp_path: Path, mp3_template: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old iTunes wrote ID3v2.4 frame sizes as plain integers; mutagen tells them apart by its rule."""
    path = tagged(place(mp3_template, tmp_path / "i.mp3"), [*TEXT, cover(120_000)])
    rewrite_frames(path, lambda frames: (frames, True))
    tags = read_both_ways(path, monkeypatch)
    assert ("APIC:Cover", "<picture image/jpeg, 120,000 bytes, type 3>") in tags.raw
    assert taken_fast(path)


def test_an_id3v1_tag_at_the_end_is_merged_as_mutagen_merges_it(
    tmp_path: Path, mp3_template: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """mutagen adds what an ID3v1 tag has and the ID3v2 tag lacks: the fast path gives it the file's end."""
    path = tagged(place(mp3_template, tmp_path / "v1.mp3"), [*TEXT, cover(100_000)])
    v1 = MakeID3v1({"TIT2": TIT2(encoding=0, text=["Title"]), "TALB": TALB(encoding=0, text=["V1 Album"])})
    path.write_bytes(path.read_bytes() + v1)
    tags = read_both_ways(path, monkeypatch)
    assert tags.album == "V1 Album"
    assert taken_fast(path)


def test_a_file_with_little_audio_after_its_tag_is_left_to_mutagen(
    tmp_path: Path, mp3_template: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under 4 KiB after the tag: the file's last bytes mutagen looks at for an ID3v1 tag would reach into
    the tag, which the copy changes; mutagen reads such a file alone."""
    path = tagged(place(mp3_template, tmp_path / "s.mp3"), [*TEXT, cover(50_000)])
    data = path.read_bytes()
    end = 10 + int(BitPaddedInt(data[6:10]))
    v1 = MakeID3v1({"TIT2": TIT2(encoding=0, text=["Title"]), "TALB": TALB(encoding=0, text=["V1 Album"])})
    path.write_bytes(data[: end + 3_000] + v1)
    assert outcome(path) == plain_outcome(path, monkeypatch)
    assert not taken_fast(path)


def test_a_copy_mutagen_would_read_with_other_frame_sizes_is_left_to_mutagen(
    tmp_path: Path, mp3_template: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the cover, a frame holding headers exactly where the plain-size walk lands in the shortened
    copy: mutagen would read the copy's sizes as plain integers (the file's as syncsafe), so the fast path
    must see it and leave the file to mutagen."""
    path = tagged(place(mp3_template, tmp_path / "f.mp3"), [*TEXT, cover(120_000)])

    def bait_after_cover(
        frames: list[tuple[bytes, int, bytes]],
    ) -> tuple[list[tuple[bytes, int, bytes]], bool]:
        return [*frames, (b"XYZ1", 0, bait_for_the_copy(random.Random(3)))], False

    rewrite_frames(path, bait_after_cover)
    with path.open("rb") as f:
        start = f.read(16 * 1024)
        tag_bytes = _mpeg_fast._TagBytes(f, int(BitPaddedInt(start[6:10])), [(-10, start)])
        size = tag_bytes.size
        walk = _mpeg_fast._walk(tag_bytes, BitPaddedInt)
        assert walk is not None and walk.cuts
        copy = _mpeg_fast._shortened(tag_bytes, walk, BitPaddedInt)
        assert mutagen_id3_tags.determine_bpi(tag_bytes.span(0, size), Frames) is BitPaddedInt
    assert mutagen_id3_tags.determine_bpi(copy, Frames) is int  # the case this test is about
    read_both_ways(path, monkeypatch)
    assert not taken_fast(path)


def test_bytes_after_the_frames_that_are_not_padding_read_as_mutagen_reads_them(
    tmp_path: Path, mp3_template: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A blank frame name, then not zeros: mutagen's frame reader stops there, its frame-size walks go on
    (the walk here leaves that question to mutagen's own walks, on the file and on the copy)."""
    path = tagged(place(mp3_template, tmp_path / "j.mp3"), [*TEXT, cover(90_000)], padding=200)
    data = bytearray(path.read_bytes())
    end = 10 + int(BitPaddedInt(bytes(data[6:10])))
    data[end - 200 : end - 190] = b"\x00\x00\x00\x00\x00\x00\x00\x15junk"[:10]
    path.write_bytes(bytes(data))
    read_both_ways(path, monkeypatch)
    assert taken_fast(path)


def test_plain_sizes_the_syncsafe_walk_stumbles_on_read_as_mutagen_reads_them(
    tmp_path: Path, mp3_template: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain frame sizes (old iTunes) where reading them syncsafe lands on a blank name inside a frame."""
    path = tagged(
        place(mp3_template, tmp_path / "k.mp3"),
        [*TEXT, TXXX(encoding=0, desc="d", text=["x"]), cover(80_000)],
    )
    # a TXXX of 200 bytes reads 72 as syncsafe: four zero bytes there, then text
    stumble = b"\x00d\x00" + b"x" * 69 + bytes(4) + b"A" * 124

    def plain_sizes(frames: list[tuple[bytes, int, bytes]]) -> tuple[list[tuple[bytes, int, bytes]], bool]:
        return [
            (name, flags, stumble if name == b"TXXX" else content) for name, flags, content in frames
        ], True

    rewrite_frames(path, plain_sizes)
    tags = read_both_ways(path, monkeypatch)
    assert ("APIC:Cover", "<picture image/jpeg, 80,000 bytes, type 3>") in tags.raw
    assert taken_fast(path)


def test_without_positioned_reads_the_fast_path_reads_the_same(
    tmp_path: Path, mp3_template: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the platform has no ``os.pread`` (Windows) the reads past the cover are a seek and a read."""
    path = tagged(place(mp3_template, tmp_path / "w.mp3"), [*TEXT, cover(150_000), cover(60_000, "Back", 4)])
    monkeypatch.setattr(sniff, "_PREAD", None)
    read_both_ways(path, monkeypatch)
    assert taken_fast(path)


def test_one_frame_size_walk_in_mutagen_and_the_cover_left_unread(
    tmp_path: Path, mp3_template: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cost this path exists for: mutagen's frame-size rule runs once a file (inside its frame reader,
    on the shortened copy), not three times, and a 2 MB cover is not read."""
    path = tagged(place(mp3_template, tmp_path / "c.mp3"), [*TEXT, cover(2_000_000)], padding=50_000)
    calls: list[int] = []
    rule = mutagen_id3_tags.determine_bpi

    def counted(data: bytes, frames: object) -> object:
        calls.append(len(data))
        return rule(data, frames)

    monkeypatch.setattr(mutagen_id3_tags, "determine_bpi", counted)
    before = _bytes_read()
    tags = read_tags(path)
    after = _bytes_read()
    assert ("APIC:Cover", "<picture image/jpeg, 2,000,000 bytes, type 3>") in tags.raw
    assert len(calls) == 1 and calls[0] < 5_000  # the copy: two frames, the kept picture bytes, no padding
    if before is not None and after is not None:
        assert after - before < 300_000, after - before  # the cover is 2,000,000 bytes


def _bytes_read() -> int | None:
    """Bytes this process has read through read()/pread() so far (Linux; None elsewhere)."""
    try:
        with open("/proc/self/io") as io_counts:
            return int(next(line for line in io_counts if line.startswith("rchar:")).split()[1])
    except OSError:
        return None
