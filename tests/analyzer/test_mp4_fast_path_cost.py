"""The M4A fast path's savings keep mutagen's answer: its atom tree is mutagen's ``Atoms`` tree, its
``MP4Info``/``MP4Tags`` are ``MP4``'s (covers aside), and it takes the fast path where it should, without
mutagen's per-atom reads or its validating render."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm, MP4Tags
from mutagen.mp4._atom import Atom, AtomError, Atoms

from analyzer.tags import _mp4_fast
from tests.scan_audio import make_templates, place

BENCH_FILES = Path(__file__).resolve().parents[2] / "bench" / "out" / "real-distinct-12"
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


def box(name: bytes, *payload: bytes) -> bytes:
    data = b"".join(payload)
    return struct.pack(">I4s", 8 + len(data), name) + data


def box64(name: bytes, *payload: bytes) -> bytes:
    data = b"".join(payload)
    return struct.pack(">I4sQ", 1, name, 16 + len(data)) + data


def text_item(name: bytes, text: str) -> bytes:
    return box(name, box(b"data", struct.pack(">2I", 1, 0), text.encode()))


def layout(*, ilst_items: tuple[bytes, ...] = (), sample_table: int = 300, tail: bytes = b"") -> bytes:
    """A file laid out as ffmpeg and Picard write one: ftyp, mdat, then the track's atoms and the tags."""
    stbl = box(b"stbl", box(b"stsd", bytes(24)), box(b"stsz", bytes(sample_table)), box(b"stco", bytes(16)))
    trak = box(b"trak", box(b"tkhd", bytes(84)), box(b"mdia", box(b"mdhd", bytes(24)), box(b"minf", stbl)))
    items = ilst_items or (text_item(b"\xa9nam", "Title"), text_item(b"\xa9ART", "Artist"))
    meta = box(b"meta", bytes(4), box(b"hdlr", bytes(25)), box(b"ilst", *items), box(b"free", bytes(40)))
    moov = box(b"moov", box(b"mvhd", bytes(100)), trak, box(b"udta", meta))
    return box(b"ftyp", b"M4A ", bytes(4)) + box(b"mdat", bytes(5000)) + moov + tail


def tree(atom: Any) -> tuple[Any, ...]:
    children = None if atom.children is None else tuple(tree(child) for child in atom.children)
    return (atom.name, atom.offset, atom.length, atom._dataoffset, children)


def mutagens_tree(path: Path) -> tuple[Any, ...] | None:
    """mutagen's ``Atoms`` as comparable tuples, None where it rejects the file."""
    with path.open("rb") as f:
        try:
            return tuple(tree(atom) for atom in Atoms(f).atoms)
        except AtomError:
            return None


def walked_tree(path: Path) -> tuple[Any, ...] | None:
    with path.open("rb") as f:
        try:
            atoms = _mp4_fast._AtomWalk(f, os.fstat(f.fileno()).st_size).tree()
        except _mp4_fast._Unexpected:
            return None
        return tuple(tree(atom) for atom in atoms.atoms)


def assert_same_tree(path: Path) -> tuple[Any, ...] | None:
    expected = mutagens_tree(path)
    assert walked_tree(path) == expected
    return expected


ODD_LAYOUTS = {
    "plain": layout(),
    "trailing bytes shorter than a header": layout(tail=b"\0\0\0\5"),
    "a 64-bit mdat": box(b"ftyp", bytes(8)) + box64(b"mdat", bytes(3000)) + layout()[16:],
    "a 64-bit item": layout(ilst_items=(box64(b"\xa9nam", box(b"data", bytes(8), b"T")),)),
    "a 64-bit size below 16": layout(ilst_items=(struct.pack(">I4sQ", 1, b"\xa9nam", 12),)),
    "a last top atom of size 0": layout(tail=struct.pack(">I4s", 0, b"free") + bytes(30)),
    "a size 0 below the top": layout(ilst_items=(struct.pack(">I4s", 0, b"\xa9nam") + bytes(20),)),
    "a size 0 right below the top": box(b"moov", struct.pack(">I4s", 0, b"free"), bytes(8)),
    "a size below 8": layout(ilst_items=(struct.pack(">I4s", 5, b"\xa9nam"),)),
    "an item running past its ilst": layout(ilst_items=(struct.pack(">I4s", 400, b"\xa9nam") + bytes(20),)),
    "a child running past its parent, into the parent's siblings": box(
        b"moov",
        struct.pack(">I4sI4s", 16, b"udta", 24, b"free") + bytes(16),
        box(b"free", bytes(8)),
        box(b"skip", bytes(8)),
    ),
    "an item running past the file": layout(
        ilst_items=(struct.pack(">I4s", 90_000, b"\xa9nam") + bytes(20),)
    ),
    "meta shorter than its version field": box(b"moov", box(b"udta", box(b"meta"), box(b"free", bytes(9)))),
    "a sample table past a window": layout(sample_table=70_000),
    "tags over several windows": layout(
        ilst_items=tuple(text_item(b"----", "x" * n) for n in range(1, 400, 3))
    ),
}


@pytest.mark.parametrize("content", list(ODD_LAYOUTS.values()), ids=list(ODD_LAYOUTS))
def test_the_walked_atom_tree_is_mutagens_or_left_to_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "odd.m4a"
    path.write_bytes(content)
    assert_same_tree(path)


def test_odd_layouts_include_both_answers(tmp_path: Path) -> None:
    """The layouts above really try both sides: trees mutagen reads and files it rejects."""
    answers = []
    for n, content in enumerate(ODD_LAYOUTS.values()):
        path = tmp_path / f"{n}.m4a"
        path.write_bytes(content)
        answers.append(mutagens_tree(path) is None)
    assert any(answers) and not all(answers)


@pytest.mark.parametrize("gap", range(4064, 4112, 4))
def test_headers_across_a_window_edge_are_read_whole(tmp_path: Path, gap: int) -> None:
    """An atom header that begins just before a window's end is read again from its own start."""
    path = tmp_path / "edge.m4a"
    path.write_bytes(box(b"moov", box(b"free", bytes(gap)), box64(b"udta", box(b"meta", bytes(4)))))
    assert assert_same_tree(path) is not None


def test_every_cut_of_a_file_walks_as_mutagen_does(tmp_path: Path) -> None:
    content = layout(ilst_items=(text_item(b"\xa9nam", "Title"), box64(b"covr", box(b"data", bytes(200)))))
    path = tmp_path / "cut.m4a"
    for end in range(0, len(content), 3):
        path.write_bytes(content[:end])
        assert_same_tree(path)


def with_covers(path: Path, covers: list[tuple[int, int]]) -> Path:
    audio = MP4(path)
    audio["\xa9nam"] = ["Title"]
    audio["trkn"] = [(3, 12)]
    audio["cpil"] = True
    audio["tmpo"] = [120]
    audio["----:com.apple.iTunes:MusicBrainz Album Id"] = [
        MP4FreeForm(b"5b11f4ce-a62d-471e-81fc-a69a8278c7da")
    ]
    audio["covr"] = [MP4Cover(os.urandom(size), imageformat=kind) for size, kind in covers]
    audio.save()
    return path


def summary(info: Any, tags: Any, cover_sizes: tuple[int, ...]) -> tuple[Any, ...]:
    """What the tag readers can see of mutagen's objects, the covers as their first bytes and sizes."""
    values = dict(tags)
    covers = values.pop("covr", [])
    kept = [(bytes(cover[: _mp4_fast.KEPT_PICTURE_BYTES]), cover.imageformat) for cover in covers]
    return (
        vars(info),
        type(tags),
        sorted(vars(tags)),
        tags._failed_atoms,
        tags._padding,
        values,
        kept,
        cover_sizes,
    )


def fast_objects(path: Path) -> tuple[Any, ...] | None:
    """The fast path's objects, None where it leaves the file to mutagen, or the error it raises."""
    with path.open("rb", buffering=32 * 1024) as f:
        try:
            found = _mp4_fast._read(f)
        except Exception as error:
            return ("raises", type(error).__name__, str(error))
    return None if found is None else summary(found.info, found.tags, found.cover_sizes)


def plain_objects(path: Path) -> tuple[Any, ...]:
    try:
        audio = MP4(path)
    except Exception as error:
        return ("raises", type(error).__name__, str(error))
    return summary(audio.info, audio.tags, tuple(len(cover) for cover in audio.tags.get("covr", [])))


def assert_mutagens_objects(path: Path) -> None:
    """The fast path's ``info`` and ``tags`` are ``MP4``'s; its covers are the first bytes of MP4's."""
    fast = fast_objects(path)
    assert fast is not None and fast[0] != "raises"
    assert fast == plain_objects(path)


def tagged(*items: bytes) -> bytes:
    """A file of tags only: an ``mvhd`` (5 s) for the length, no track; the ``ilst`` ends the file."""
    mvhd = box(b"mvhd", bytes(12), struct.pack(">2I", 1000, 5000), bytes(80))
    meta = box(b"meta", bytes(4), box(b"hdlr", bytes(25)), box(b"free", bytes(30)), box(b"ilst", *items))
    return box(b"ftyp", b"M4A ", bytes(4)) + box(b"moov", mvhd, box(b"udta", meta))


def data(kind: int, payload: bytes) -> bytes:
    return box(b"data", struct.pack(">2I", kind, 0), payload)


COVER = box(
    b"covr",
    data(13, bytes(range(256)) * 3),
    box(b"name", bytes(4), b"front cover"),
    data(14, b"\x89PNG" + bytes(90)),
)
TAGS = {
    "every kind of item": (
        text_item(b"\xa9nam", "Ünïcode"),
        box(
            b"----", box(b"mean", bytes(4), b"com.apple.iTunes"), box(b"name", bytes(4), b"Id"), data(1, b"x")
        ),
        box(b"trkn", data(0, struct.pack(">4H", 0, 3, 12, 0))),
        box(b"cpil", data(21, b"\x01")),
        box(b"tmpo", data(21, struct.pack(">H", 120))),
        box(b"gnre", data(0, struct.pack(">H", 8))),
        COVER,
    ),
    "an item with a 64-bit size": (box64(b"\xa9nam", data(1, b"T")), COVER),
    "an item mutagen cannot parse": (box(b"\xa9ART", data(99, b"?")), COVER),
    "a cover only": (COVER,),
}


@pytest.mark.parametrize("items", list(TAGS.values()), ids=list(TAGS))
def test_tags_read_fast_to_mutagens_objects(tmp_path: Path, items: tuple[bytes, ...]) -> None:
    path = tmp_path / "tags.m4a"
    path.write_bytes(tagged(*items))
    assert_same_tree(path)
    assert_mutagens_objects(path)


def test_an_item_cut_by_the_end_of_the_file_fails_as_mutagen_says(tmp_path: Path) -> None:
    path = tmp_path / "cut.m4a"
    path.write_bytes(tagged(COVER, text_item(b"\xa9nam", "A title cut short"))[:-4])
    assert fast_objects(path) == plain_objects(path) == ("raises", "MP4MetadataError", "Not enough data")


@needs_ffmpeg
@pytest.mark.parametrize("moov_first", [False, True], ids=["moov after the audio", "moov first"])
def test_generated_m4a_reads_to_mutagens_objects(tmp_path: Path, moov_first: bool) -> None:
    (tmp_path / "templates").mkdir()
    templates = make_templates(tmp_path / "templates", duration=2.0)
    path = place(templates, tmp_path / "a.m4a")
    if moov_first:  # as streaming encoders and "faststart" write it
        moved = tmp_path / "faststart.m4a"
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-nostdin",
                "-i",
                str(path),
                "-c",
                "copy",
                "-movflags",
                "+faststart",
                str(moved),
            ],
            check=True,
        )
        path = moved
    with_covers(path, [(300_000, MP4Cover.FORMAT_PNG), (20, MP4Cover.FORMAT_JPEG)])
    with path.open("rb") as f:
        top = [atom.name for atom in Atoms(f).atoms]
    assert (top.index(b"moov") < top.index(b"mdat")) == moov_first
    assert_same_tree(path)
    assert_mutagens_objects(path)


def bench_m4a_files() -> list[Path]:
    if not BENCH_FILES.is_dir():
        pytest.skip(f"{BENCH_FILES} is not made yet: python -m bench.bench_scan_real --runs 0 --no-cold")
    return sorted(BENCH_FILES.glob("*.m4a"))


def test_every_bench_m4a_reads_fast_to_mutagens_objects() -> None:
    paths = bench_m4a_files()
    assert paths
    for path in paths:
        assert_same_tree(path)
        assert_mutagens_objects(path)


def test_the_fast_path_builds_no_atom_by_reads_and_renders_no_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the savings come from: ``Atom.__init__`` (two position calls and a read per atom) runs only
    for the two ``MP4Info`` parses from memory (the sample entry and its ``esds``), and ``MP4Tags`` renders nothing while loading."""
    path = bench_m4a_files()[0]
    calls = {"atoms": 0, "renders": 0}
    atom_init, render = Atom.__init__, MP4Tags._render

    def counted_atom(self: Atom, *args: Any, **kwargs: Any) -> None:
        calls["atoms"] += 1
        atom_init(self, *args, **kwargs)

    def counted_render(self: MP4Tags, *args: Any) -> Any:
        calls["renders"] += 1
        return render(self, *args)

    monkeypatch.setattr(Atom, "__init__", counted_atom)
    monkeypatch.setattr(MP4Tags, "_render", counted_render)
    with path.open("rb") as f:
        assert _mp4_fast._read(f) is not None
    assert calls == {"atoms": 2, "renders": 0}
    MP4(path)  # the same counters see mutagen's own reader pay both
    assert calls["atoms"] > 20 and calls["renders"] > 10


def test_a_bench_file_is_read_in_five_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The top level, the track's headers, the headers between the sample tables, and the tags before and
    after the cover: ``MP4Info``'s and ``MP4Tags``' reads all come from those windows."""
    path = bench_m4a_files()[0]
    reads: list[tuple[int, int]] = []
    read_at = _mp4_fast.read_at

    def counted(f: BinaryIO, size: int, offset: int) -> bytes:
        reads.append((size, offset))
        return read_at(f, size, offset)

    monkeypatch.setattr(_mp4_fast, "read_at", counted)
    with path.open("rb") as f:
        assert _mp4_fast._read(f) is not None
    assert len(reads) == 5 and {size for size, _ in reads} == {_mp4_fast.WINDOW_BYTES}
