"""A file read by the scan gives the very same tags, record and stream as before the per-file Python was cut.

Session 8 made the Python that runs per file after mutagen cheaper (tag mapping, ``FileTags``, the catalog
record, what crosses the process pool). What the catalog stores must not change by a byte, so every file
here is read twice: by this checkout, and by the code of ``BASELINE_COMMIT`` (``git archive``, in a
subprocess), and both outcomes are compared in a form that keeps every value's exact type. The files are
generated odd ones (repeated and case-colliding keys, number spellings, ID3v2.3 joins, damage) plus every
file of the benchmark libraries that exist (``bench.bench_scan_real``, ``bench.bench_scan`` make them).

A deliberate change of what is stored moves ``BASELINE_COMMIT`` to the commit that made it.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import mutagen
import pytest
from mutagen.id3 import COMM, ID3, POPM, TCON, TDRC, TIT2, TPE1, TRCK, TXXX, UFID, WXXX
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

from analyzer.scan.reading import FileRead, read_chunk, read_file
from analyzer.tags import read_tags
from tests.scan_audio import make_templates, place

BASELINE_COMMIT = "e35d123a81ee5edb23230effc85f77e9a5a13c75"
ROOT = Path(__file__).resolve().parents[2]
BENCH_OUT = ROOT / "bench" / "out"
BENCH_LIBRARIES = ("real-library-5000-12", "real-distinct-12", "library-2000")
FOLDERS = ("Some Artist", "Some Album")

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")

# Runs in both trees: the outcome of a file as nested builtins, each value with its exact type's name.
PLAIN_FORM = r"""
import dataclasses, enum

def plain(value):
    if dataclasses.is_dataclass(value):
        return (type(value).__name__, tuple(
            (field.name, plain(getattr(value, field.name))) for field in dataclasses.fields(value)))
    if isinstance(value, BaseException):
        return (type(value).__name__, getattr(value, "kind", None), str(value))
    if isinstance(value, enum.Enum):
        return (type(value).__name__, value.value)
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(plain(item) for item in value))
    return (type(value).__name__, value)

def outcomes(paths, folders):
    out = []
    for path in paths:
        try:
            tags = plain(read_tags(path))
        except Exception as error:
            tags = plain(error)
        out.append((tags, plain(read_file(path, folders))))
    return out
"""

_CHILD = r"""
import json, pickle, sys
sys.path.insert(0, ".")
from analyzer.scan.reading import read_file
from analyzer.tags import read_tags
exec(sys.argv[1])
request = json.load(sys.stdin)
sys.stdout.buffer.write(pickle.dumps(outcomes(request["paths"], tuple(request["folders"]))))
"""

_here: dict[str, Any] = {"read_tags": read_tags, "read_file": read_file}
exec(PLAIN_FORM, _here)  # the same conversion as the baseline's


@pytest.fixture(scope="module")
def baseline_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("the baseline is read from git history: needs git and a checkout")
    tree = tmp_path_factory.mktemp("baseline")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", BASELINE_COMMIT, "analyzer", "models"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def baseline_outcomes(tree: Path, paths: list[str], folders: tuple[str, ...]) -> list[Any]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, PLAIN_FORM],
        cwd=tree,
        input=json.dumps({"paths": paths, "folders": folders}).encode(),
        capture_output=True,
        check=True,
    )
    return pickle.loads(done.stdout)


def assert_read_as_before(tree: Path, paths: list[str], folders: tuple[str, ...] = FOLDERS) -> None:
    assert paths
    before = baseline_outcomes(tree, paths, folders)
    now = _here["outcomes"](paths, folders)
    for path, old, new in zip(paths, before, now, strict=True):
        assert new[0] == old[0], f"read_tags differs on {path}"
        assert new[1] == old[1], f"read_file differs on {path}"


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("per-file-templates"), duration=0.5)


def _vorbis(path: Path, pairs: list[tuple[str, str]]) -> Path:
    audio: Any = mutagen.File(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags.clear()
    for key, value in pairs:
        audio.tags.append((key, value))
    audio.save()
    return path


VORBIS_ODDITIES: dict[str, list[tuple[str, str]]] = {
    "repeated artist, no artists": [
        ("ARTIST", "A"),
        ("ARTIST", "B"),
        ("ARTISTSORT", "A, The"),
        ("TITLE", "T"),
        ("TITLE", "T2"),
    ],
    "case-colliding keys": [("Genre", "Rock"), ("GENRE", "Pop; Jazz"), ("genre", "Rock"), ("GENRE#2", "x")],
    "numbers": [
        ("TRACKNUMBER", "03/12"),
        ("DISCNUMBER", " 2 of 3"),
        ("TRACKTOTAL", "0012"),
        ("BPM", "120,6"),
        ("DATE", "0000-01-01"),
        ("ORIGINALYEAR", "1999"),
        ("COMPILATION", "Yes"),
    ],
    "long numbers": [
        ("TRACKNUMBER", "1234567890"),
        ("DISCNUMBER", "007"),
        ("TOTALDISCS", "0"),
        ("BPM", "-3"),
    ],
    "unicode digits": [
        ("TRACKNUMBER", "\u0663"),
        ("DISCNUMBER", "\u00b2"),
        ("DATE", "\u0661\u0669\u0669\u0669"),
    ],
    "ids and types": [
        ("MUSICBRAINZ_ARTISTID", "5b11f4ce-a62d-471e-81fc-a69a8278c7da/5B11F4CE-A62D-471E-81FC-A69A8278C7DB"),
        ("ARTISTS", "X"),
        ("ARTISTS", "Y"),
        ("ARTIST", "X feat. Y"),
        ("ARTISTSORT", "X, The"),
        ("COMPOSER", " C "),
        ("RELEASETYPE", "Album; Live"),
        ("LABEL", "L1"),
        ("LABEL", "L2"),
        ("CATALOGNUMBER", "C1"),
        ("ISRC", " usabc1234567 "),
        ("MUSICBRAINZ_TRACKID", "not a uuid"),
        ("ACOUSTID_ID", "5b11f4ce-a62d-471e-81fc-a69a8278c7da"),
        ("ALBUMARTIST", ""),
        ("COMPILATION", "1"),
        ("TITLE", "Song (feat. Z) [Live at Home] (Remastered 2011)"),
        ("REMIXER", "R"),
    ],
    "spaced and long keys": [
        (" spaced ", "v"),
        ("K" * 300, "long"),
        ("k" * 300, "long2"),
        ("Album Artist", "AA"),
    ],
    "pictures": [("METADATA_BLOCK_PICTURE", "QUJD" * 50), ("COVERART", "QUJD")],
    "blank": [("TITLE", "   "), ("ARTIST", ""), ("ALBUM", " ")],
}


@pytest.mark.parametrize("ext", [".flac", ".opus", ".ogg"])
def test_vorbis_comment_oddities_read_as_before(
    tmp_path: Path, templates: dict[str, Path], baseline_tree: Path, ext: str
) -> None:
    paths = []
    for n, pairs in enumerate(VORBIS_ODDITIES.values()):
        path = place(templates, tmp_path / "Folder Artist" / "Folder Album" / f"1-0{n} - Stem {n}{ext}")
        paths.append(str(_vorbis(path, pairs)))
    untagged = place(templates, tmp_path / "x" / f"03. Untagged{ext}")
    assert_read_as_before(baseline_tree, [*paths, str(untagged)])
    assert_read_as_before(baseline_tree, [str(untagged)], folders=())


def _id3(path: Path, frames: list[Any], version: int) -> Path:
    tags = ID3()
    for frame in frames:
        tags.add(frame)
    tags.save(path, v2_version=version)
    return path


def test_id3_oddities_read_as_before(tmp_path: Path, templates: dict[str, Path], baseline_tree: Path) -> None:
    ids = "5b11f4ce-a62d-471e-81fc-a69a8278c7da/6b11f4ce-a62d-471e-81fc-a69a8278c7da"
    frames = [
        TIT2(encoding=3, text=["One", "Two"]),
        TPE1(encoding=3, text=["AC/DC"]),
        TXXX(encoding=3, desc="ARTISTS", text=["X/Y"]),
        TXXX(encoding=3, desc="MusicBrainz Artist Id", text=[ids]),
        TXXX(encoding=3, desc="Album Artist", text=["Z"]),
        TCON(encoding=3, text=["(17)", "Jazz;Blues"]),
        COMM(encoding=3, lang="eng", desc="", text=["a comment"]),
        COMM(encoding=3, lang="eng", desc="iTunNORM", text=["0000"]),
        UFID(owner="http://musicbrainz.org", data=b"5b11f4ce-a62d-471e-81fc-a69a8278c7da"),
        UFID(owner="other", data=b"\x00\x01"),
        POPM(email="a@b", rating=128, count=3),
        WXXX(encoding=3, desc="site", url="https://example.org"),
        TDRC(encoding=3, text=["2001-02-03"]),
        TRCK(encoding=3, text=["4/9"]),
    ]
    paths = [
        str(_id3(place(templates, tmp_path / f"v{version}" / "a.mp3"), frames, version)) for version in (3, 4)
    ]
    assert_read_as_before(baseline_tree, paths)


def test_mp4_oddities_read_as_before(tmp_path: Path, templates: dict[str, Path], baseline_tree: Path) -> None:
    path = place(templates, tmp_path / "a.m4a")
    mp4 = MP4(path)
    mp4["\xa9nam"] = ["A", "B"]
    mp4["trkn"] = [(3, 0)]
    mp4["disk"] = [(1, 2)]
    mp4["cpil"] = True
    mp4["tmpo"] = [128]
    mp4["covr"] = [MP4Cover(b"\x89PNG" + b"0" * 500, MP4Cover.FORMAT_PNG)]
    mp4["----:com.apple.iTunes:MusicBrainz Album Id"] = [MP4FreeForm(b"5b11f4ce-a62d-471e-81fc-a69a8278c7da")]
    mp4["----:com.apple.iTunes:blob"] = [MP4FreeForm(b"\x00\x01", dataformat=0)]
    mp4["----:com.apple.iTunes:ARTISTS"] = [MP4FreeForm(b"X"), MP4FreeForm(b"Y")]
    mp4.save()
    assert_read_as_before(baseline_tree, [str(path)])


def test_damaged_files_fail_as_before(
    tmp_path: Path, templates: dict[str, Path], baseline_tree: Path
) -> None:
    paths = []
    for ext in (".mp3", ".m4a", ".flac", ".opus", ".wav"):
        whole = place(templates, tmp_path / f"whole{ext}", **({} if ext == ".wav" else {"title": "T"}))
        data = whole.read_bytes()
        for cut in (0, 40, len(data) // 2):
            cut_path = tmp_path / f"cut{cut}{ext}"
            cut_path.write_bytes(data[:cut])
            paths.append(str(cut_path))
    (tmp_path / "text.mp3").write_text("not audio at all, but long enough to be looked at")
    paths.append(str(tmp_path / "text.mp3"))
    paths.append(str(tmp_path / "vanished.flac"))
    odd_name = os.fsdecode(os.path.join(os.fsencode(tmp_path), b"caf\xe9 - \xff.flac"))
    shutil.copyfile(templates[".flac"], odd_name)
    paths.append(odd_name)
    assert_read_as_before(baseline_tree, paths)
    legacy_folders = (os.fsdecode(b"Bj\xf6rk"), os.fsdecode(b"Caf\xc3\xa9 \xe9"))  # Latin-1 and mixed bytes
    assert_read_as_before(baseline_tree, [odd_name], folders=legacy_folders)  # untagged: names fill in


@pytest.mark.parametrize("library", BENCH_LIBRARIES)
def test_every_bench_file_reads_as_before(baseline_tree: Path, library: str) -> None:
    folder = BENCH_OUT / library
    if not folder.is_dir():
        pytest.skip(f"{folder} is not made yet (bench.bench_scan_real / bench.bench_scan make it)")
    seen: set[int] = set()
    paths = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.stat().st_ino not in seen:
            seen.add(path.stat().st_ino)  # hard links to one file read alike; one of each is enough
            paths.append(str(path))
    assert_read_as_before(baseline_tree, paths)


def test_outcomes_cross_the_pool_unchanged(templates: dict[str, Path], tmp_path: Path) -> None:
    paths = [
        str(place(templates, tmp_path / f"a{ext}", **({} if ext == ".wav" else {"artist": "A feat. B"})))
        for ext in templates
    ]
    outcomes = read_chunk([(path, FOLDERS) for path in paths])
    assert all(isinstance(outcome, FileRead) for outcome in outcomes)
    back = pickle.loads(pickle.dumps(outcomes, pickle.HIGHEST_PROTOCOL))
    assert _here["plain"](back) == _here["plain"](outcomes)


def test_a_platform_without_pread_reads_the_same(
    tmp_path: Path, templates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from analyzer.tags import sniff

    paths = []
    for ext in (".mp3", ".m4a"):
        whole = place(templates, tmp_path / f"whole{ext}", title="T", artist="A")
        data = whole.read_bytes()
        paths.append(str(whole))
        for cut in (40, len(data) // 2):
            (tmp_path / f"cut{cut}{ext}").write_bytes(data[:cut])
            paths.append(str(tmp_path / f"cut{cut}{ext}"))
    (tmp_path / "junk.mp3").write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x10" + b"\x00" * 16 + b"x" * 5000)
    paths.append(str(tmp_path / "junk.mp3"))
    with_pread = _here["outcomes"](paths, FOLDERS)
    monkeypatch.setattr(sniff, "_PREAD", None)  # Windows: seek and read
    assert _here["outcomes"](paths, FOLDERS) == with_pread
