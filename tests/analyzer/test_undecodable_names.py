"""Files whose names are not valid UTF-8 (Linux names are bytes) are analysed like any other (issue 18).

They used to be reported "the audio container is damaged": Essentia and PyAV take UTF-8 strings, and
Python carries such a name with lone surrogates. The decoder now reads them through a UTF-8 alias.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from analyzer.audio import analyze_file
from analyzer.audio.decode import decode

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("names")
    made = {}
    for suffix, codec in ((".flac", ["-c:a", "flac"]), (".opus", ["-c:a", "libopus", "-b:a", "64k"])):
        target = folder / f"plain{suffix}"
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=523:duration=6", "-ac", "2",
             "-ar", "48000", *codec, str(target)],
            check=True,
        )  # fmt: skip
        made[suffix] = target
    return made


@pytest.mark.parametrize("suffix", [".flac", ".opus"])
def test_a_latin1_name_decodes_to_the_same_audio_and_hash(
    sources: dict[str, Path], tmp_path: Path, suffix: str
) -> None:
    plain = sources[suffix]
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9 \xff" + suffix.encode()))
    shutil.copyfile(plain, odd)
    with pytest.raises(UnicodeEncodeError):
        str(odd).encode("utf-8")
    expected, got = decode(plain), decode(odd)
    assert got.audio_hash == expected.audio_hash
    assert got.sample_rate == expected.sample_rate and got.duration_secs == pytest.approx(
        expected.duration_secs
    )
    analysis = analyze_file(odd)
    assert analysis.audio_hash == analyze_file(plain).audio_hash
    assert analysis.fingerprint is not None
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob("tonearm-name-*/audio*")), "alias left behind"
