"""Copying a tagged file's tags onto an untagged copy of the same recording, across formats (issue 17)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.tags import read_tags
from analyzer.tags.copy import TagCopyError, copy_tags, has_own_tags
from tests.scan_audio import make_templates, tag

MBID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("copy-templates"))


@pytest.fixture
def tagged_flac(templates: dict[str, Path], tmp_path: Path) -> Path:
    source = tmp_path / "tagged.flac"
    shutil.copyfile(templates[".flac"], source)
    tag(
        source,
        title="Jóga",
        artist="Björk",
        album="Homogenic",
        albumartist="Björk",
        date="1997",
        tracknumber="1",
        genre=["Electronic", "Art Pop"],
        musicbrainz_trackid=MBID,
    )
    return source


@pytest.mark.parametrize("ext", [".mp3", ".m4a", ".ogg", ".opus", ".flac"])
def test_tags_go_onto_an_untagged_copy_of_another_format(
    templates: dict[str, Path], tagged_flac: Path, tmp_path: Path, ext: str
) -> None:
    if ext not in templates:
        pytest.skip(f"no {ext} template on this machine")
    copy = tmp_path / f"copy{ext}"
    shutil.copyfile(templates[ext], copy)
    before = copy.read_bytes()
    assert not has_own_tags(copy) and has_own_tags(tagged_flac)
    done = copy_tags(tagged_flac, copy)
    assert {"title", "artist", "album", "genre", "musicbrainz_trackid"} <= set(done.fields)
    tags = read_tags(copy)
    assert (tags.title, tags.artist, tags.album, tags.year) == ("Jóga", "Björk", "Homogenic", 1997)
    assert tags.genre == ("Electronic", "Art Pop")
    assert tags.musicbrainz_recordingid == MBID
    assert copy.read_bytes() != before
    assert not list(tmp_path.glob(".tonearm-tags-*")), "temporary file left behind"


def test_nothing_to_copy_and_unwritable_targets_say_why(
    templates: dict[str, Path], tagged_flac: Path, tmp_path: Path
) -> None:
    untagged = tmp_path / "untagged.mp3"
    shutil.copyfile(templates[".mp3"], untagged)
    with pytest.raises(TagCopyError, match="has no title tag"):
        copy_tags(untagged, tagged_flac)
    text = tmp_path / "notes.mp3"
    text.write_text("not audio at all")
    original = text.read_bytes()
    with pytest.raises(TagCopyError):
        copy_tags(tagged_flac, text)
    assert text.read_bytes() == original  # the target is untouched when the copy fails
    assert not list(tmp_path.glob(".tonearm-tags-*"))
