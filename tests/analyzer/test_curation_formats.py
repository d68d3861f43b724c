"""Playlist parsers on the committed real-world-shaped files (tests/data/playlists): every entry with its raw
fields and line, other machines' paths kept verbatim, Unicode, legacy encodings, broken lines reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.curation.playlist_formats import PlaylistFormatError, read_playlists, split_artist_title
from analyzer.curation.playlist_paths import entry_location, names_from_path, shared_tail

DATA = Path(__file__).parent.parent / "data" / "playlists"


def one(name: str, fmt: str | None = None):
    [playlist] = read_playlists(DATA / name, fmt)
    return playlist


def test_windows_m3u_in_cp1252_with_crlf_keeps_other_machine_paths_and_reports_the_broken_extinf():
    playlist = one("anna-windows.m3u")
    assert playlist.format == "m3u"
    assert [(e.line_no, e.artist, e.title, e.duration_secs) for e in playlist.entries[:3]] == [
        (2, "Röyksopp", "Eple", 221.0),
        (4, "Björk", "Jóga", 305.0),
        (6, "Daft Punk", "One More Time", 320.0),
    ]
    assert playlist.entries[0].location == r"C:\Users\Anna\Music\Röyksopp\Melody A.M.\01 Eple.flac"
    assert playlist.entries[2].location == r"\\NAS\music\Daft Punk\Discovery\01 One More Time.ogg"
    # The line after a broken #EXTINF is still an entry (without names); the break is reported by line.
    assert (playlist.entries[3].line_no, playlist.entries[3].title) == (9, None)
    messages = [str(p) for p in playlist.problems]
    assert messages[0] == "not UTF-8: read as Windows-1252"
    assert messages[1].startswith("line 8: #EXTINF without ','")


def test_m3u8_with_bom_title_urls_comments_and_a_dangling_extinf():
    playlist = one("road-trip.m3u8")
    assert playlist.title == "Road trip ☀"
    assert [e.title for e in playlist.entries] == [
        "Eple", "Merry Christmas Mr. Lawrence", "Radio Paradise", "Hoppípolla",
    ]  # fmt: skip
    assert playlist.entries[1].artist == "坂本龍一"
    assert playlist.entries[1].duration_secs is None  # "#EXTINF:0" is no length
    assert [(p.line_no, p.message) for p in playlist.problems] == [(13, "#EXTINF without a path after it")]


def test_pls_reads_good_keys_past_a_broken_line():
    playlist = one("radio.pls")
    assert [(e.line_no, e.artist, e.title, e.duration_secs) for e in playlist.entries] == [
        (2, "Kraftwerk", "Das Model", 222.0),
        (5, None, "Some Radio", None),
        (9, "Stardust", "Music Sounds Better With You", 412.0),
    ]
    assert [str(p) for p in playlist.problems] == [
        "line 8: not a key=value line ('this line is broken')",
        "line 12: title4 has no matching File entry",
    ]


def test_xspf_line_numbers_identifiers_and_a_file_location_preferred_over_a_stream():
    playlist = one("nordic.xspf")
    assert playlist.title == "Nordic & more"
    eple, joga, hopp = playlist.entries
    assert (eple.line_no, eple.duration_secs, eple.album) == (6, 221.0, "Melody A.M.")
    assert joga.recording_mbid == "0c5b8a4c-7a4b-4b0c-9d3e-1f2a3b4c5d6e"
    assert hopp.location is not None and hopp.location.startswith("file:///srv/music/")
    assert [str(p) for p in playlist.problems] == ["line 25: a track with no title, location or identifier"]


def test_xspf_cut_short_keeps_the_tracks_before_the_break():
    playlist = one("cut-short.xspf")
    assert [e.title for e in playlist.entries] == ["Eple", "Jóga"]
    assert "the XML breaks here" in str(playlist.problems[-1])


def test_jspf_from_listenbrainz_takes_recording_mbids_from_identifier_string_or_list():
    playlist = one("weekly-exploration.jspf")
    assert playlist.format == "jspf"
    assert [(e.artist, e.title, e.recording_mbid) for e in playlist.entries] == [
        ("Björk", "Joga", "0c5b8a4c-7a4b-4b0c-9d3e-1f2a3b4c5d6e"),
        ("Nobody In Particular", "A Song Nobody Has", "9d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a"),
        ("Sigur Rós", "Hoppípolla", None),
    ]
    assert playlist.entries[0].duration_secs == 305.0
    assert [str(p) for p in playlist.problems] == [
        "track 4 is not an object", "track 5 has no title, location or identifier",
    ]  # fmt: skip


def test_spotify_export_holds_several_playlists_episodes_skipped_local_files_read():
    sunday, gym = read_playlists(DATA / "Playlist1.json")
    assert (sunday.format, sunday.title, gym.title) == ("spotify", "Sunday morning", "Gym ⚡")
    assert [(e.artist, e.title, e.spotify_id) for e in sunday.entries] == [
        ("Röyksopp", "Eple", "2Uq5lsuB5DBYq4ZJ9Lp5Fm"),
        ("Stardust", "Music Sounds Better With You", None),
        ("Daft Punk", "One More Time", "0DiWol3AO6WpXZgp0goxAV"),
    ]
    assert sunday.entries[1].duration_secs == 412.0  # from the spotify:local: URI
    assert [str(p) for p in sunday.problems] == ["item 2: a podcast episode, not music"]


def test_dj_tracklist_with_numbers_times_labels_and_unidentified_tracks():
    playlist = one("sunday-sessions-042.txt")
    assert [(e.line_no, e.artist, e.title, e.start_secs) for e in playlist.entries] == [
        (3, "Röyksopp", "Eple", 0.0),
        (4, "Stardust", "Music Sounds Better With You", 252.0),
        (5, "ID", "ID", 595.0),
        (6, "Daft Punk", "One More Time (Live)", 800.0),
        (7, "Jay-Z", "99 Problems", 1082.0),
        (8, "Kraftwerk", "Das Model", None),
        (10, "Sigur Rós", "Hoppípolla", 3723.0),
    ]
    assert [p.line_no for p in playlist.problems] == [1, 9]


def test_cue_sheet_of_a_mix_gives_starts_lengths_isrc_and_no_per_track_file():
    playlist = one("sunday-sessions-042.cue")
    assert playlist.title == "Sunday Sessions 042"
    eple, stardust, model, sakamoto = playlist.entries
    assert (eple.artist, eple.start_secs, round(eple.duration_secs or 0, 2)) == ("Röyksopp", 0.0, 252.49)
    assert (stardust.isrc, round(stardust.start_secs or 0, 2)) == ("FR6V80000001", 252.49)
    assert model.start_secs is None and sakamoto.start_secs == 800.0
    assert all(e.location is None for e in playlist.entries)  # the one FILE is the mix itself
    assert [(p.line_no, p.message) for p in playlist.problems] == [
        (19, "INDEX is not 'nn mm:ss:ff'"), (24, "unknown CUE command 'GARBAGE'"),
    ]  # fmt: skip


def test_format_from_content_when_the_suffix_says_nothing(tmp_path: Path):
    copy = tmp_path / "export.json"
    shutil.copy(DATA / "Playlist1.json", copy)
    assert read_playlists(copy)[0].format == "spotify"
    jspf = tmp_path / "lb.json"
    shutil.copy(DATA / "weekly-exploration.jspf", jspf)
    assert read_playlists(jspf)[0].format == "jspf"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.m3u", b"  \n", "is empty"),
        ("bad.jspf", b"{not json", "invalid JSON at line 1"),
        ("bad.xspf", b"<html><body>hi</body></html>", "root element is not <playlist>"),
        ("bad.cue", b'TITLE "x"\n', "no TRACK lines"),
        ("bad.pls", b"File1=x\n", "no [playlist] section"),
    ],
)
def test_a_file_that_is_not_the_format_says_what_is_wrong(
    tmp_path: Path, name: str, content: bytes, message: str
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PlaylistFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_playlists(path)


def test_missing_file_is_a_format_error_with_the_reason(tmp_path: Path):
    with pytest.raises(PlaylistFormatError, match="cannot read"):
        read_playlists(tmp_path / "nope.m3u")


def test_split_artist_title_needs_a_spaced_dash():
    assert split_artist_title("Jay-Z - 99 Problems") == ("Jay-Z", "99 Problems")
    assert split_artist_title("a-ha – Take On Me") == ("a-ha", "Take On Me")
    assert split_artist_title("Untitled-1") == (None, "Untitled-1")


def test_locations_from_every_os():
    win = entry_location(r"C:\Users\Anna\Music\Röyksopp\01 Eple.flac", "/home/x")
    assert win is not None and win.local is None and win.parts[-2:] == ("Röyksopp", "01 Eple.flac")
    unc = entry_location(r"\\NAS\music\a.ogg", None)
    assert unc is not None and unc.parts == ("NAS", "music", "a.ogg")
    uri = entry_location("file:///C:/Music/R%C3%B6yksopp/a%20b.flac", None)
    assert uri is not None and uri.local is None and uri.parts == ("Music", "Röyksopp", "a b.flac")
    rel = entry_location(r"..\music\a.flac", "/home/anna/lists")
    assert rel is not None and rel.local == "/home/anna/music/a.flac"
    posix = entry_location("file:///home/anna/M%C3%BAsica/a.flac", None)
    assert posix is not None and posix.local == "/home/anna/Música/a.flac"
    url = entry_location("https://example.org/stream", None)
    assert url is not None and url.is_url and url.local is None
    assert shared_tail(("A", "B", "c.flac"), ("x", "b", "C.FLAC")) == 2
    assert names_from_path(("Kraftwerk", "Die Mensch-Maschine", "05 Das Model.flac")) == (
        "Kraftwerk", "Das Model", "Die Mensch-Maschine",
    )  # fmt: skip
    assert names_from_path(("x", "Stardust - Music Sounds Better With You.mp3"))[:2] == (
        "Stardust", "Music Sounds Better With You",
    )  # fmt: skip
