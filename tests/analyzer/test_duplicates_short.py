"""Short tracks group: identical or near-identical fingerprints however few frames they have.

Chromaprint's first frame comes ~2.7 s into a track and one more every ~0.124 s, so a 5.5 s track has
~23 frames and a 3.2 s one four; the 1-in-8 value sample that serves long tracks leaves such prints
with one or no indexed value (issue 17: a 5.5 s FLAC and MP3 with byte-identical prints never grouped).
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from analyzer.audio import analyze_file
from analyzer.audio.fingerprint import compare_fingerprints, decode_fingerprint
from analyzer.duplicates import MATCH_THRESHOLD, candidate_pairs, verified_groups
from analyzer.duplicates.candidates import _frames_of
from tests.analyzer.test_audio_fingerprint import RATE, synth_music, write_wav

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to encode fixtures")

ENCODE = {
    "flac": ["-c:a", "flac"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "128k"],
    "opus": ["-c:a", "libopus", "-b:a", "96k"],
}
PIECES = ((11, 100), (99, 128), (5, 80))  # (seed, bpm) of three different generated pieces


def test_identical_prints_are_candidates_and_group_at_every_length() -> None:
    """Byte-identical prints from 1 to 60 frames: each pair is a candidate and verifies at 1.0."""
    rng = np.random.default_rng(3)
    for frames in range(1, 61):
        base = rng.integers(0, 2**32, frames, dtype=np.uint64).astype(np.uint32)
        other = rng.integers(0, 2**32, frames, dtype=np.uint64).astype(np.uint32)
        prints = [base, other, base.copy()]
        pairs, _ = candidate_pairs(prints, np.full(3, 2.7 + frames * 0.124))
        groups, _ = verified_groups(prints, pairs)
        assert [members for members, _ in groups] == [[0, 2]], frames
        assert groups[0][1] == 1.0


def test_frames_of_selects_the_frames_of_chosen_prints() -> None:
    lengths = np.asarray([3, 0, 2, 4])
    chosen = np.asarray([True, True, False, True])
    assert _frames_of(chosen, lengths).tolist() == [0, 1, 2, 5, 6, 7, 8]
    assert _frames_of(np.zeros(4, dtype=bool), lengths).tolist() == []


@pytest.fixture(scope="session")
def short_prints(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[float, int, str], np.ndarray]:
    """Raw prints of each piece cut to 3.2, 5.5 and 10 s, encoded to FLAC, MP3 and Opus."""
    folder = tmp_path_factory.mktemp("short-tracks")
    prints: dict[tuple[float, int, str], np.ndarray] = {}
    for seed, bpm in PIECES:
        song = synth_music(10.0, seed=seed, bpm=bpm)
        for secs in (3.2, 5.5, 10.0):
            wav = write_wav(folder / f"{seed}-{secs}.wav", song[: int(secs * RATE)])
            for ext, args in ENCODE.items():
                out = folder / f"{seed}-{secs}.{ext}"
                cmd = ["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(wav), *args, str(out)]
                subprocess.run(cmd, check=True)
                fingerprint = analyze_file(out).fingerprint
                assert fingerprint is not None
                prints[(secs, seed, ext)] = decode_fingerprint(fingerprint)
    return prints


@pytest.mark.parametrize("secs", [3.2, 5.5, 10.0])
def test_flac_mp3_and_opus_of_a_short_track_group_and_other_pieces_do_not(
    secs: float, short_prints: dict[tuple[float, int, str], np.ndarray]
) -> None:
    keys = [key for key in short_prints if key[0] == secs]
    prints = [short_prints[key] for key in keys]
    pairs, _ = candidate_pairs(prints, np.full(len(prints), secs))
    groups, _ = verified_groups(prints, pairs)
    grouped = sorted(sorted(keys[i][2] for i in members) for members, _ in groups)
    assert grouped == [["flac", "mp3", "opus"]] * len(PIECES)
    for members, score in groups:
        assert len({keys[i][1] for i in members}) == 1  # one piece per group
        assert MATCH_THRESHOLD <= score <= 1.0


def test_a_short_print_is_aligned_at_its_best_offset(
    short_prints: dict[tuple[float, int, str], np.ndarray],
) -> None:
    """A 4-frame print one codec apart scores as the same recording at offset 0 (the key vote alone
    picked a one-frame shift here and scored 0.67)."""
    for seed, _ in PIECES:
        flac, mp3 = short_prints[(3.2, seed, "flac")], short_prints[(3.2, seed, "mp3")]
        result = compare_fingerprints(flac, mp3)
        assert result.offset == 0 and result.score >= MATCH_THRESHOLD
    unrelated = compare_fingerprints(short_prints[(3.2, 11, "flac")], short_prints[(3.2, 99, "flac")])
    assert unrelated.score < 0.5


def test_a_short_track_groups_with_the_long_one_it_was_cut_from(
    short_prints: dict[tuple[float, int, str], np.ndarray],
) -> None:
    """5.5 s and 10 s cuts of one piece start alike: within 7 s they are one recording, trimmed."""
    prints = [
        short_prints[(5.5, 11, "mp3")],
        short_prints[(10.0, 11, "flac")],
        short_prints[(10.0, 99, "flac")],
    ]
    pairs, _ = candidate_pairs(prints, np.asarray([5.5, 10.0, 10.0]))
    groups, _ = verified_groups(prints, pairs)
    assert [members for members, _ in groups] == [[0, 1]]
