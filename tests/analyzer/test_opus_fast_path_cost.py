"""The Opus fast path's shortcuts over a cover's pages, each against plain mutagen on a file made for it.

analyzer.tags._opus_fast takes a run of pages of one shape in a few C calls (header columns across the
pages), sizes its read from the comment list's first page, walks the comment list through page offsets and
checks picture values for ASCII in place. Each test below breaks one of those assumptions inside a cover's
pages and checks that read_tags still answers exactly what mutagen's ``OggOpus`` answers (or fails with
the same reason), and whether the shortcut was taken or the file left to mutagen.
"""

from __future__ import annotations

import base64
import itertools
import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import mutagen
import pytest
from mutagen.flac import Picture
from mutagen.ogg import OggPage
from mutagen.oggopus import OggOpus, OggOpusInfo

from analyzer.tags import FileTags, _opus_fast
from tests.analyzer.test_tag_fast_paths import outcome, same  # fast path == mutagen's OggOpus
from tests.scan_audio import make_templates, place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")

FULL = 16 * 255  # the body of a page mutagen fills with a packet (16 lacing values of 255)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("opus-cost-templates"), duration=2.0)


def cover(size: int, n: int = 0) -> str:
    picture = Picture()
    picture.type, picture.mime, picture.desc = 3 + n, "image/jpeg", f"Cover {n}"
    picture.data = os.urandom(size)
    return base64.b64encode(picture.write()).decode("ascii")


def tagged(templates: dict[str, Path], path: Path, **comments: list[str]) -> Path:
    place(templates, path, title="T", artist="A", album="X")
    audio = mutagen.File(path)
    for key, values in comments.items():
        audio[key] = values
    audio.save()
    return path


def taken_fast(path: Path) -> bool:
    with path.open("rb") as f:
        try:
            return _opus_fast._read(f) is not None
        except Exception:  # fast_or_plain meets anything raised with mutagen's plain reader
            return False


def comment_pages(path: Path) -> list[OggPage]:
    """The pages of the comment packet, as mutagen reads them."""
    with path.open("rb") as f:
        OggOpusInfo(f)
        pages = [OggPage(f)]
        while not (pages[-1].complete or len(pages[-1].packets) > 1):
            pages.append(OggPage(f))
    return pages


def repaginate(path: Path, bodies: list[int], pad_to: int | None = None, empty_last: bool = False) -> None:
    """Rewrite the comment packet into pages of ``bodies`` bytes (multiples of 255), then of FULL, and the
    rest of it on a last page; ``pad_to``: zeros after the comment list up to that packet length (as padding is);
    ``empty_last``: the last page holds no byte of the packet."""
    old = comment_pages(path)
    packet = OggPage.to_packets(old)[0]
    if pad_to is not None:
        packet += b"\x00" * (pad_to - len(packet))
    chunks, at = [], 0
    for size in itertools.chain(bodies, itertools.repeat(FULL)):
        if at + size > len(packet) or (at + size == len(packet) and not empty_last):
            break
        chunks.append(packet[at : at + size])
        at += size
    chunks.append(packet[at:])
    new = []
    for n, chunk in enumerate(chunks):
        page = OggPage()
        page.packets, page.continued = [chunk], n > 0
        page.complete = n == len(chunks) - 1
        page.position = 0 if page.complete else -1
        new.append(page)
    with path.open("r+b") as f:
        OggPage.replace(f, old, new)
    assert OggPage.to_packets(comment_pages(path))[0] == packet
    assert [len(page.packets[0]) for page in comment_pages(path)] == [len(chunk) for chunk in chunks]


def page_offsets(path: Path) -> list[int]:
    """File offsets of the comment packet's pages."""
    return [page.offset for page in comment_pages(path)]


def runs_of(path: Path) -> list[tuple[int, int, int, int]]:
    with path.open("rb") as f:
        info = OggOpusInfo(f)
        pages = _opus_fast._comment_pages(f, f.tell(), info.serial)
    assert pages is not None
    return pages.runs


def test_a_covers_pages_are_taken_in_one_run(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """~150 full pages become one run (a few C calls), not a Python step a page; the tags stay mutagen's."""
    path = tagged(templates, tmp_path / "c.opus", METADATA_BLOCK_PICTURE=[cover(450_000)])
    runs = runs_of(path)
    assert len(runs) <= 3 and max(count for _, _, count, _ in runs) >= len(comment_pages(path)) - 3
    tags = same(path, monkeypatch)
    assert isinstance(tags, FileTags) and taken_fast(path)


def edit_header(path: Path, page: int, offset: int, data: bytes) -> None:
    """Overwrite bytes of the comment packet's ``page``-th page header (CRC left stale: neither reader
    checks it)."""
    at = page_offsets(path)[page] + offset
    with path.open("r+b") as f:
        f.seek(at)
        f.write(data)


@pytest.mark.parametrize(
    ("offset", "data", "fast"),
    [
        (0, b"OggX", False),  # not a page: mutagen stops there
        (4, b"\x01", False),  # a version mutagen does not read
        (5, b"\x00", False),  # a new packet starts inside the cover
        (5, b"\x05", True),  # end of stream flagged too: read on, as mutagen does
        (6, b"\x00" * 8, True),  # a granule position neither reader uses
        (14, b"\x00\x00\x00\x00", False),  # another logical stream's page in between
        (18, (999).to_bytes(4, "little"), False),  # out of sequence
        (22, b"\x12\x34\x56\x78", True),  # a wrong CRC: neither reader checks it
        (27 + 5, b"\xfe", True),  # the packet ends there, inside its cover: read whole, as mutagen does
    ],
    ids=["magic", "version", "not continued", "eos", "granule", "serial", "sequence", "crc", "lacing"],
)
def test_a_page_inside_the_run_unlike_the_others(
    tmp_path: Path,
    templates: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    offset: int,
    data: bytes,
    fast: bool,
) -> None:
    path = tagged(templates, tmp_path / "r.opus", METADATA_BLOCK_PICTURE=[cover(300_000)])
    middle = len(comment_pages(path)) // 2
    edit_header(path, middle, offset, data)
    same(path, monkeypatch)
    assert taken_fast(path) == fast
    if fast:  # the pages before and after the odd one are still taken a run at a time
        assert len(runs_of(path)) <= 5


@pytest.mark.parametrize(
    ("bodies", "longest"),
    [
        ([FULL, 8 * 255] * 60, 1),
        ([255 * 255] * 8, 6),
        ([255] * 40 + [FULL] * 100, 99),
        ([8 * 255], 100),
        ([FULL] * 30 + [2 * FULL] * 40, 39),
        ([255] * 3000, 1000),
    ],
    ids=[
        "alternating",
        "largest pages",
        "small then full",
        "a first page of its own",
        "two runs",
        "past 255",
    ],
)
def test_pages_of_other_sizes_read_the_same(
    tmp_path: Path,
    templates: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    bodies: list[int],
    longest: int,
) -> None:
    """Other writers page a packet otherwise (ffmpeg up to 255 lacing values a page): runs of another
    size, a first page unlike the rest, or no runs at all; ``longest``: the longest run taken at once."""
    path = tagged(templates, tmp_path / "s.opus", METADATA_BLOCK_PICTURE=[cover(350_000)])
    repaginate(path, bodies)
    tags = same(path, monkeypatch)
    assert isinstance(tags, FileTags) and taken_fast(path)
    assert max(count for _, _, count, _ in runs_of(path)) >= longest


def test_a_packet_ending_on_a_page_of_its_own_reads_the_same(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A packet of whole pages ends on a page holding none of its bytes (one lacing value of 0)."""
    path = tagged(templates, tmp_path / "z.opus", METADATA_BLOCK_PICTURE=[cover(200_000)])
    length = len(OggPage.to_packets(comment_pages(path))[0])
    pages = -(-length // FULL)
    repaginate(path, [FULL] * pages, pad_to=pages * FULL, empty_last=True)
    assert comment_pages(path)[-1].packets == [b""]
    tags = same(path, monkeypatch)
    assert isinstance(tags, FileTags) and taken_fast(path)


def with_comments(templates: dict[str, Path], path: Path, comments: list[tuple[str, str]]) -> Path:
    """A file whose comment list is ``comments``, in that order."""
    place(templates, path)
    audio = OggOpus(path)
    audio.tags.clear()
    audio.tags.extend(comments)
    audio.save()
    return path


def field_offset(path: Path, index: int) -> int:
    """Packet offset of the length field of comment ``index``."""
    packet = OggPage.to_packets(comment_pages(path))[0]
    pos = 12 + int.from_bytes(packet[8:12], "little") + 4
    for _ in range(index):
        pos += 4 + int.from_bytes(packet[pos : pos + 4], "little")
    return pos


@pytest.mark.parametrize("cut", [1, 2, 3, 4, 10, 26, 27], ids=lambda cut: f"page ends {cut} bytes in")
def test_a_comment_field_across_a_page_boundary_reads_the_same(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch, cut: int
) -> None:
    """The second cover's length field or key split between two pages: read through both."""

    def comments(filler: int) -> list[tuple[str, str]]:
        return [
            ("TITLE", "T"),
            ("METADATA_BLOCK_PICTURE", cover(100_000)),
            ("COMMENT", "x" * filler),
            ("metadata_block_picture", cover(60_000, 1)),
            ("ARTIST", "A"),
        ]

    path = with_comments(templates, tmp_path / "b.opus", comments(0))
    filler = -(field_offset(path, 3) + cut) % 255  # pages of a packet end on its 255-byte grid
    with_comments(templates, path, comments(filler))
    boundary = field_offset(path, 3) + cut
    assert boundary % 255 == 0
    first = boundary % FULL or FULL
    repaginate(path, [first] + [FULL] * 200)
    assert boundary - first in range(0, 200 * FULL, FULL)
    tags = same(path, monkeypatch)
    assert isinstance(tags, FileTags) and taken_fast(path) and ("ARTIST", "A") in tags.raw
    with path.open("rb") as f:
        found = _opus_fast._read(f)
    assert found is not None and found.picture_chars == (len(comments(0)[1][1]), len(comments(0)[3][1]))


def test_a_non_ascii_byte_at_the_end_of_a_cover_reads_it_whole(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-place ASCII check reaches a cover's last byte, pages away from its first (a byte of 0xFF:
    mutagen decodes it to one replacement character, but only a check of every byte can know that)."""
    value = cover(300_000)
    path = tagged(templates, tmp_path / "n.opus", METADATA_BLOCK_PICTURE=[value])
    data = bytearray(path.read_bytes())
    last = data.rindex(value[-12:].encode()) + 11
    data[last] = 0xFF
    path.write_bytes(bytes(data))
    tags = same(path, monkeypatch)
    assert isinstance(tags, FileTags)
    with path.open("rb") as f:
        found = _opus_fast._read(f)
    assert found is not None and found.picture_chars == ()
    assert OggOpus(path)["METADATA_BLOCK_PICTURE"][0].endswith("\ufffd")
    assert ("METADATA_BLOCK_PICTURE", f"<picture base64, {len(value):,} chars>") in tags.raw


def test_long_comments_after_the_cover_read_the_same(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """More than the first page announces (lyrics, a second cover, an empty picture) is read in more steps."""
    path = tagged(
        templates,
        tmp_path / "l.opus",
        METADATA_BLOCK_PICTURE=[cover(250_000), "", cover(90_000, 1)],
        LYRICS=["la " * 40_000],
    )
    tags = same(path, monkeypatch)
    assert isinstance(tags, FileTags) and taken_fast(path)
    with path.open("rb") as f:
        found = _opus_fast._read(f)
    assert found is not None
    assert found.picture_chars == tuple(len(v) for v in OggOpus(path)["METADATA_BLOCK_PICTURE"])


def test_the_audio_is_counted_from_the_same_offset(tmp_path: Path, templates: dict[str, Path]) -> None:
    """Length and bitrate come from mutagen's own _post_tags, from where its page reads leave the file."""
    path = tagged(templates, tmp_path / "a.opus", METADATA_BLOCK_PICTURE=[cover(300_000)])
    repaginate(path, [FULL] * 20 + [255 * 255] * 3)
    with path.open("rb") as f, path.open("rb") as g:
        plain, fast = OggOpus(f).info, _opus_fast.open_opus(g).info
    assert (fast.length, fast.bitrate, fast.channels) == (plain.length, plain.bitrate, plain.channels)
    in_memory = _opus_fast.open_opus(BytesIO(path.read_bytes())).info  # no file number to ask the size of
    assert (in_memory.length, in_memory.bitrate) == (plain.length, plain.bitrate)


def test_files_of_other_sizes_one_after_another_and_on_two_threads(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each thread keeps one read buffer from file to file, resized: covers growing, shrinking, a file
    read whole between them, and two threads reading at once (files alike but for their titles) all read
    as mutagen does."""
    sizes = [300_000, 20_000, 450_000, 5_000, 300_000]
    paths = [
        tagged(templates, tmp_path / f"{n}.opus", METADATA_BLOCK_PICTURE=[cover(size)])
        for n, size in enumerate(sizes)
    ]
    odd = paths[3]
    data = bytearray(odd.read_bytes())
    data[data.rindex(b"METADATA_BLOCK_PICTURE=") + 40] = 0xE9  # not ASCII: this one is read whole
    odd.write_bytes(bytes(data))
    shared = cover(300_000)  # the same layout page for page: a buffer mixed up would pass for another's
    for n in range(6):
        path = place(templates, tmp_path / f"same{n}.opus", title=f"Title {n}", artist="A", album="X")
        audio = OggOpus(path)
        audio["METADATA_BLOCK_PICTURE"] = [shared]
        audio.save()
        paths.append(path)
    expected = [same(path, monkeypatch) for path in paths]
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns inside a read, not between reads
    try:
        with ThreadPoolExecutor(2) as pool:
            for _ in range(10):
                assert list(pool.map(outcome, paths * 4)) == expected * 4
    finally:
        sys.setswitchinterval(switching)
