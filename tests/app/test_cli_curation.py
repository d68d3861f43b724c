"""`tonearm playlist|setlist|organize|rate` through app.cli.main on a real SQLite file: a scanned library,
real playlist files, the files really moved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from analyzer.audio.features import EXTRACTOR_VERSION, VECTOR_DIM
from app.cli import main
from models.engine import open_database
from models.media import AudioFeatures, MediaFile
from tests.scan_audio import make_templates, place

DATA = Path(__file__).parent.parent / "data" / "playlists"
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("cli-curation-templates"))


@pytest.fixture
def library(tmp_path: Path, templates: dict[str, Path]) -> tuple[list[str], Path]:
    """A scanned library: Röyksopp's Melody A.M. (3 tracks) and one untidy file."""
    url = ["--database-url", f"sqlite:///{tmp_path / 'cli.db'}"]
    music = tmp_path / "music"
    for number, title in enumerate(("Eple", "Poor Leno", "Sparks"), start=1):
        place(templates, music / "Röyksopp" / "Melody A.M" / f"{number:02d} {title}.flac", title=title,
              artist="Röyksopp", albumartist="Röyksopp", album="Melody A.M.", date="2001",
              tracknumber=str(number), discnumber="1")  # fmt: skip
    place(templates, music / "incoming" / "download (1).mp3", title="Jóga", artist="Björk", album="Homogenic",
          date="1997", tracknumber="2", discnumber="1")  # fmt: skip
    assert main([*url, "folders", "add", str(music)]) == 0
    assert main([*url, "scan"]) == 0
    return url, music


@needs_ffmpeg
def test_playlist_import_show_export_and_decide(
    library: tuple[list[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    url, music = library
    lists = tmp_path / "lists"
    lists.mkdir()
    shutil.copy(DATA / "sunday-sessions-042.txt", lists)
    # Written on Anna's Windows machine (cp1252, CRLF, her drive's paths; lengths unknown: the audio here is
    # a fraction of a second long, and a file of another length is rightly not the listed track).
    windows = DATA.joinpath("anna-windows.m3u").read_bytes().replace(b"#EXTINF:221,", b"#EXTINF:-1,")
    (lists / "anna-windows.m3u").write_bytes(windows.replace(b"#EXTINF:305,", b"#EXTINF:-1,"))
    capsys.readouterr()
    assert main([*url, "playlist", "import", str(lists / "sunday-sessions-042.txt"), str(lists / "anna-windows.m3u"),
                 str(lists / "missing.m3u")]) == 1  # fmt: skip
    captured = capsys.readouterr()
    assert (
        "Imported playlist 1 'sunday-sessions-042' (text): 1 matched, 0 ambiguous, 6 missing" in captured.out
    )
    assert "not imported: line 9: no 'Artist - Title' on this line" in captured.out
    assert "Imported playlist 2 'anna-windows' (m3u): 2 matched" in captured.out
    assert "error: " in captured.err and "missing.m3u: cannot read" in captured.err

    assert main([*url, "playlist", "import", str(lists / "anna-windows.m3u")]) == 0
    assert "Updated playlist 2 'anna-windows'" in capsys.readouterr().out
    assert main([*url, "playlist", "list", "--json"]) == 0
    listed = {p["title"]: p for p in json.loads(capsys.readouterr().out)}
    assert (listed["anna-windows"]["entries"], listed["anna-windows"]["matched"]) == (5, 2)

    assert main([*url, "playlist", "show", "anna-windows", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [(e["status"], e["track_title"]) for e in entries[:2]] == [
        ("matched", "Eple"),
        ("matched", "Jóga"),
    ]
    assert main([*url, "playlist", "show", "2", "--missing"]) == 0
    shown = capsys.readouterr().out
    assert "Artist We Do Not Have - Some Song" in shown and "Eple" not in shown

    out_file = tmp_path / "export" / "anna.m3u8"
    out_file.parent.mkdir()
    assert main([*url, "playlist", "export", "anna-windows", str(out_file)]) == 0
    assert "Wrote 2 entries" in capsys.readouterr().out
    lines = out_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U" and lines[2] == str(music / "Röyksopp" / "Melody A.M" / "01 Eple.flac")
    assert lines[4] == str(music / "incoming" / "download (1).mp3")

    assert main([*url, "playlist", "export", "2", str(tmp_path / "x.txt")]) == 1
    assert "use --format m3u8 or --format xspf" in capsys.readouterr().err
    missing_entry = entries[4]["id"]
    assert main([*url, "playlist", "decide", str(missing_entry), "--track", "1"]) == 0
    assert main([*url, "playlist", "decide", str(missing_entry)]) == 1
    assert "give either --track ID or --reject" in capsys.readouterr().err
    assert main([*url, "playlist", "match", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["playlists"] == 2 and summary["counts"]["matched"] == 4


@needs_ffmpeg
def test_organize_preview_apply_undo(library: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]):
    url, music = library
    capsys.readouterr()
    template = "$albumartist/$year - $album/$disc-$track $title"
    assert main([*url, "organize", "--template", template]) == 0
    preview = capsys.readouterr().out
    assert "4 to move, 0 already in place" in preview and "Run again with --apply" in preview
    assert (music / "incoming" / "download (1).mp3").exists()  # a preview moves nothing
    assert main([*url, "organize", "--template", "$nope/$title"]) == 1
    assert "unknown field $nope" in capsys.readouterr().err

    assert main([*url, "organize", "--template", template, "--apply", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["moved"] == 4
    joga = music / "Björk" / "1997 - Homogenic" / "1-02 Jóga.mp3"
    assert joga.is_file() and not (music / "incoming" / "download (1).mp3").exists()
    db = open_database(url[1])
    with db.session() as session:
        assert str(joga) in set(session.scalars(select(MediaFile.file_path)))
    db.dispose()

    assert main([*url, "organize", "--undo"]) == 0
    assert "4 files moved back." in capsys.readouterr().out
    assert (music / "incoming" / "download (1).mp3").is_file() and not joga.exists()
    assert main([*url, "organize"]) == 1
    assert "give --template" in capsys.readouterr().err


@needs_ffmpeg
def test_rate_and_list(library: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]):
    url, _music = library
    assert main([*url, "user", "add", "ada"]) == 0
    capsys.readouterr()
    assert main([*url, "rate", "Röyksopp - Melody A.M.", "4.5", "--favourite", "Poor Leno",
                 "--review", "Cold and warm at once.", "--user", "ada"]) == 0  # fmt: skip
    assert "ada rated Röyksopp - Melody A.M. ★★★★½ (4.5/5), favourite: Poor Leno." in capsys.readouterr().out
    assert main([*url, "rate", "Homogenic", "6", "--user", "ada"]) == 1
    assert "0.5 to 5.0 in steps of 0.5" in capsys.readouterr().err
    assert main([*url, "rate", "Nothing Like This", "4", "--user", "ada"]) == 1
    assert "no album 'Nothing Like This'" in capsys.readouterr().err
    assert main([*url, "rate", "Homogenic", "3", "--favourite", "Eple", "--user", "ada"]) == 1
    assert "the album has no track 'Eple'" in capsys.readouterr().err
    assert main([*url, "rate", "Homogenic", "3/5", "--user", "ada"]) == 0
    capsys.readouterr()
    assert main([*url, "rate", "--list", "--json", "--user", "ada"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(a["album"], a["stars"], a["favourite_title"]) for a in listed["albums"]] == [
        ("Melody A.M.", 4.5, "Poor Leno"), ("Homogenic", 3.0, None),
    ]  # fmt: skip


@needs_ffmpeg
def test_setlist_from_analysed_features(library: tuple[list[str], Path], capsys: pytest.CaptureFixture[str]):
    url, music = library
    db = open_database(url[1])
    keys = {"01 Eple.flac": ("8A", 120.0, 0.0), "02 Poor Leno.flac": ("9A", 122.0, 1.0),
            "03 Sparks.flac": ("9B", 123.0, 2.0), "download (1).mp3": ("2B", 90.0, 0.5)}  # fmt: skip
    direction = np.linspace(-1, 1, VECTOR_DIM, dtype=np.float32)
    with db.session() as session:
        for media in session.query(MediaFile):
            camelot, bpm, position = keys[Path(media.file_path).name]
            vector = (direction * position).astype("<f4").tobytes()
            session.add(AudioFeatures(media_file_id=media.id, extractor_version=str(EXTRACTOR_VERSION), bpm=bpm,
                                      camelot=camelot, vector=vector))  # fmt: skip
        start = (
            session.query(MediaFile.track_id).filter(MediaFile.file_path.endswith("01 Eple.flac")).scalar()
        )
    db.dispose()
    capsys.readouterr()
    eple = str(music / "Röyksopp" / "Melody A.M" / "01 Eple.flac")
    assert main([*url, "setlist", eple, "-n", "4", "--save", "Warm-up"]) == 0
    out = capsys.readouterr().out
    assert "mix: +1: perfect fifth; 120.0 -> 122.0 BPM (+1.7%)" in out
    assert "mix: relative major; 122.0 -> 123.0 BPM (+0.8%)" in out
    assert "Only 3 of 4 tracks" in out and "Saved as playlist 1 (Warm-up)" in out
    assert main([*url, "playlist", "show", "Warm-up", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["track_id"] == start
    assert main([*url, "setlist", "999"]) == 1
    assert "no track with id or file path '999'" in capsys.readouterr().err
