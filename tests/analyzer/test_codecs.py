"""Every codec the scan accepts is heard: one shared test over tiny committed fixtures (tests/data/codecs/,
made by make_fixtures.sh from one 4 s arpeggio), plus generated hi-res FLAC and an undecodable codec."""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
from pathlib import Path

import mutagen
import numpy as np
import pytest
from mutagen.apev2 import APEv2File
from mutagen.asf import ASF
from mutagen.id3 import TIT2
from mutagen.mp4 import MP4
from sqlalchemy import select

from analyzer.analysis import run_analysis
from analyzer.audio import analyze_file
from analyzer.audio.decode import AudioDecodeError, decode
from analyzer.audio.fingerprint import compare_fingerprints, decode_fingerprint
from analyzer.audio.ogg_payload import ogg_payload_md5
from analyzer.audio.pyav_decode import decode_with_pyav
from analyzer.scan import run_scan
from models.engine import Database
from models.enums import AnalysisStatus
from models.media import Fingerprint, MediaFile

CODECS = Path(__file__).parent.parent / "data" / "codecs"

# fixture -> (codec the decoder reports, native sample rate)
EXPECTED = {
    "short.mp3": ("mp3", 22050),
    "short.m4a": ("aac", 22050),
    "short-alac.m4a": ("alac", 11025),
    "short.flac": ("flac", 11025),
    "short.ogg": ("vorbis", 22050),
    "short.opus": ("opus", 48000),
    "short.wav": ("pcm_s16le", 11025),
    "short.aiff": ("pcm_s16be", 11025),
    "short.wv": ("wavpack", 11025),
    "short.wma": ("wmav2", 22050),
}

# audio_hash of each fixture as the decoder before PyAV (commit 6737768) computed it: a database analysed
# then must not see these files as new. Opus had no hash then (it could not be decoded). Regenerating the
# fixtures changes these values: recompute them with that commit's decode(), never with the current one.
HASH_BEFORE_PYAV = {
    "short-alac.m4a": "2064b111b729ddd6e9521ae6898f12f7",
    "short.aiff": "4e27a8a20e01fabd536132f4515acca5",
    "short.flac": "27708dc67b3e47b2691fc60e36731232",
    "short.m4a": "57bc16b1fa6553e6e96ad60307d2e61e",
    "short.mp3": "c8de2f810b376a24a50de1269d7f4488",
    "short.ogg": "a9f8c9beb4cf6ed8f792a25ddd6d672e",
    "short.wav": "6b19d2ef8885915c98df2603d959fff2",
    "short.wv": "b1236fd90e6bfc47f736caf16ac1a7b8",
    "short.wma": "73489f9c5937bbbc5d9b315dfcb5d8f1",
}

LONG_TITLE = "retagged " * 2000  # 18 KB: larger than any padding, so every format rewrites the file


def retag(path: Path) -> None:
    """Write a long title in the container's own tag format (ID3, MP4, Vorbis comment, APEv2, ASF)."""
    ext = path.suffix
    if ext == ".wv":
        ape = APEv2File(path)
        ape.add_tags()
        assert ape.tags is not None
        ape.tags["Title"] = LONG_TITLE
        ape.save()
        return
    audio = mutagen.File(path)
    assert audio is not None, path
    if audio.tags is None:
        audio.add_tags()
    if ext in (".mp3", ".wav", ".aiff"):
        audio.tags.add(TIT2(encoding=3, text=[LONG_TITLE]))
    elif isinstance(audio, MP4):
        audio.tags["\xa9nam"] = [LONG_TITLE]
    elif isinstance(audio, ASF):
        audio.tags["Title"] = [LONG_TITLE]
    else:
        audio.tags["TITLE"] = [LONG_TITLE]
    audio.save()


def test_every_fixture_is_listed() -> None:
    on_disk = {p.name for p in CODECS.iterdir() if p.name.startswith("short")}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_decodes_with_its_codec_rate_and_length(name: str) -> None:
    codec, rate = EXPECTED[name]
    decoded = decode(CODECS / name)
    assert decoded.codec == codec
    assert decoded.sample_rate == rate
    assert decoded.channels == 1 and decoded.samples_side is None
    # AAC/WMA/Vorbis keep up to ~0.1 s of encoder priming or padding; the arpeggio is 4 s.
    assert 3.95 <= decoded.duration_secs <= 4.1
    assert len(decoded.samples_mono) == round(decoded.duration_secs * rate)
    assert decoded.bit_rate > 0
    assert 0.3 < float(abs(decoded.samples_mono).max()) < 0.8  # 0.4 peak; lossy codecs overshoot


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_analysis_gives_a_fingerprint_and_features(name: str) -> None:
    result = analyze_file(CODECS / name)
    assert result.problems == ()
    assert result.fingerprint is not None and result.features is not None
    assert len(decode_fingerprint(result.fingerprint)) >= 10  # ~0.124 s each after the first ~2.7 s
    assert result.features.loudness_lufs < -5


@pytest.mark.parametrize("name", ["short.mp3", "short.ogg", "short.opus", "short.flac", "short.wv"])
def test_fingerprint_matches_the_uncompressed_original(name: str) -> None:
    """The same 4 s in another codec is heard as the same recording (AAC/WMA keep priming that shifts
    so short a fingerprint by most of one frame, so they are left to the longer tests)."""
    original = analyze_file(CODECS / "short.wav").fingerprint
    other = analyze_file(CODECS / name).fingerprint
    assert original is not None and other is not None
    assert compare_fingerprints(original, other).score > 0.9


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_audio_hash_ignores_a_tag_change(name: str, tmp_path: Path) -> None:
    copy = tmp_path / name
    shutil.copyfile(CODECS / name, copy)
    retag(copy)
    assert copy.read_bytes() != (CODECS / name).read_bytes()
    assert decode(copy).audio_hash == decode(CODECS / name).audio_hash


@pytest.mark.parametrize("name", sorted(HASH_BEFORE_PYAV))
def test_audio_hash_is_unchanged_for_files_analysed_before(name: str) -> None:
    assert decode(CODECS / name).audio_hash == HASH_BEFORE_PYAV[name]


def test_opus_hash_follows_the_ogg_payload_rule() -> None:
    path = CODECS / "short.opus"
    assert decode(path).audio_hash == ogg_payload_md5(path)


def test_each_codec_has_its_own_hash() -> None:
    hashes = {decode(CODECS / name).audio_hash for name in EXPECTED}
    assert len(hashes) == len(EXPECTED)


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args], check=True)


@pytest.mark.parametrize(("rate", "sample_fmt"), [(96000, "s32"), (192000, "s32"), (48000, "s16")])
def test_hi_res_flac_decodes_and_fingerprints(rate: int, sample_fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"hires-{rate}.flac"
    _ffmpeg("-i", str(CODECS / "short.wav"), "-ac", "2", "-ar", str(rate), "-sample_fmt", sample_fmt,
            "-c:a", "flac", str(path))  # fmt: skip
    result = analyze_file(path)
    assert result.sample_rate == rate and result.channels == 2
    assert abs(result.duration_secs - 4.0) < 0.01
    assert result.fingerprint is not None and result.features is not None
    original = analyze_file(CODECS / "short.wav").fingerprint
    assert original is not None
    assert compare_fingerprints(original, result.fingerprint).score > 0.9


def test_a_codec_no_decoder_knows_is_unsupported_and_named(tmp_path: Path) -> None:
    data = bytearray((CODECS / "short.wav").read_bytes())
    fmt = data.find(b"fmt ")
    data[fmt + 8 : fmt + 10] = struct.pack("<H", 0x1234)  # a WAVE format tag no codec has
    path = tmp_path / "unknown-codec.wav"
    path.write_bytes(bytes(data))
    with pytest.raises(AudioDecodeError) as info:
        decode(path)
    assert info.value.kind == "unsupported"
    assert "0x1234" in info.value.reason


def test_surround_opus_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "surround.opus"
    _ffmpeg("-i", str(CODECS / "short.wav"), "-ac", "6", "-c:a", "libopus", "-mapping_family", "1",
            str(path))  # fmt: skip
    with pytest.raises(AudioDecodeError) as info:
        decode(path)
    assert info.value.kind == "unsupported"
    assert "two channels" in info.value.reason


def test_opus_with_a_garbage_payload_is_corrupt(tmp_path: Path) -> None:
    """Valid Opus headers followed by noise: the decoder gets nothing, and says the file is damaged."""
    data = (CODECS / "short.opus").read_bytes()
    path = tmp_path / "garbled.opus"
    path.write_bytes(data[:1024] + bytes(random.Random(4).randrange(256) for _ in range(len(data) - 1024)))
    with pytest.raises(AudioDecodeError) as info:
        decode(path)
    assert info.value.kind == "corrupt"


def test_scan_and_analysis_leave_no_file_without_a_fingerprint(db: Database, tmp_path: Path) -> None:
    """Every fixture, Opus included, is analysed through the real pipeline into the database."""
    root = tmp_path / "music"
    root.mkdir()
    for name in EXPECTED:
        shutil.copyfile(CODECS / name, root / name)
    run_scan(db, [root], workers=1)
    summary = run_analysis(db, workers=1)
    assert (summary.analyzed, summary.errors, summary.partial) == (len(EXPECTED), 0, 0), summary.problems
    with db.session() as session:
        rows = session.execute(
            select(MediaFile.file_path, MediaFile.analysis_status, MediaFile.audio_hash, Fingerprint.chromaprint)
            .outerjoin(Fingerprint, Fingerprint.media_file_id == MediaFile.id)
        ).tuples().all()  # fmt: skip
    assert sorted(Path(path).name for path, *_ in rows) == sorted(EXPECTED)
    for path, status, audio_hash, chromaprint in rows:
        assert status == AnalysisStatus.DONE, path
        assert audio_hash and chromaprint, path
    by_name = {Path(path).name: audio_hash for path, _, audio_hash, _ in rows}
    assert by_name["short.opus"] == ogg_payload_md5(CODECS / "short.opus")


@pytest.mark.parametrize("name", ["short.flac", "short.wav", "short.aiff", "short.wv", "short-alac.m4a"])
def test_pyav_and_essentia_give_the_same_lossless_samples_and_hash(name: str) -> None:
    """The two decoders agree bit for bit where both can decode, so either may serve these codecs."""
    ours = decode(CODECS / name)
    alone = decode_with_pyav(CODECS / name)
    assert alone.sample_rate == ours.sample_rate and alone.samples.shape == (len(ours.samples_mono), 1)
    assert np.array_equal(alone.samples[:, 0], ours.samples_mono)
    assert alone.payload_md5 == ours.audio_hash


@pytest.mark.parametrize("name", ["short.opus", "short.ogg"])
def test_pyav_float_frames_are_gathered_in_order(name: str) -> None:
    """Float decoders' frames are copied as raw plane bytes: the same samples as array by array."""
    import av

    with av.open(str(CODECS / name)) as container:
        frames = [f.to_ndarray()[0] for p in container.demux(container.streams.audio[0]) for f in p.decode()]
    assert np.array_equal(decode_with_pyav(CODECS / name).samples[:, 0], np.concatenate(frames))


def test_opus_in_mp4_falls_back_to_pyav_with_a_tag_proof_hash(tmp_path: Path) -> None:
    """Essentia's FFmpeg cannot even probe Opus in MP4; PyAV decodes it, and MP4 tags stay outside the hash."""
    path = tmp_path / "opus.mp4"
    _ffmpeg("-i", str(CODECS / "short.wav"), "-c:a", "libopus", "-b:a", "24k", "-f", "mp4", str(path))
    decoded = decode(path)
    assert (decoded.codec, decoded.sample_rate) == ("opus", 48000)
    assert 3.95 <= decoded.duration_secs <= 4.1
    before = decoded.audio_hash
    retag(path)
    assert decode(path).audio_hash == before
    assert analyze_file(path).fingerprint is not None
    assert decode(CODECS / "short.flac").codec == "flac"  # the failed AudioLoader left nothing broken
