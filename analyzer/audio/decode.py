"""Decode an audio file once: samples for analysis plus the tag-independent `audio_hash`.

Essentia's AudioLoader decodes through FFmpeg and, with computeMD5=True, hashes the raw (undecoded)
packets of the audio stream, so editing tags never changes `audio_hash` while re-encoding always does.
Ogg Vorbis/Opus are the exception (the tags are a codec header there): see ogg_payload.py.
Opus (which Essentia's bundled FFmpeg cannot decode) goes through PyAV under the same hash rule.
Bad input becomes an `AudioDecodeError` with a kind a user interface can group by.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import stat
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from analyzer.audio.ogg_payload import ogg_payload_md5
from analyzer.audio.pyav_decode import PyAVDecodeFailure, decode_with_pyav
from analyzer.audio.resample import halve_rate, octave_steps

DecodeErrorKind = Literal["corrupt", "truncated", "not_audio", "unsupported", "empty", "permission_denied"]

# A decode this much shorter than the length the container declares means the file is cut short.
_SHORTFALL_SECS = 1.0
_SHORTFALL_RATIO = 0.95

# Leading bytes of containers FFmpeg would accept: a failure on these is damage, not "not audio".
_AUDIO_MAGIC = (b"ID3", b"fLaC", b"OggS", b"RIFF", b"FORM", b"MAC ", b"wvpk", b"\x30\x26\xb2\x75", b"caff")


class AudioDecodeError(Exception):
    """A file that cannot be analysed, with a machine-readable kind and a sentence for people."""

    def __init__(self, kind: DecodeErrorKind, reason: str) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind: DecodeErrorKind = kind
        self.reason = reason

    def __reduce__(self) -> tuple[type[AudioDecodeError], tuple[DecodeErrorKind, str]]:
        # Keeps the error picklable across a process pool (Exception's default passes only args).
        return (AudioDecodeError, (self.kind, self.reason))


@dataclass
class DecodedAudio:
    """Decoded samples plus what the decoder reported about the stream.

    `samples_mono` is (L+R)/2 at `sample_rate`; `samples_side` is (L-R)/2 (None for mono sources), so
    mid and side together are the stereo signal, which BS.1770 loudness needs.
    """

    samples_mono: np.ndarray
    sample_rate: float
    channels: int
    duration_secs: float
    audio_hash: str
    codec: str
    bit_rate: int
    samples_side: np.ndarray | None = None
    _octaves: dict[tuple[str, int], np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def mono_at_least(self, min_rate: float) -> tuple[np.ndarray, float]:
        """Mono samples halved in rate as often as possible while staying >= `min_rate` (cached).

        Fingerprinting and feature extraction share these, so each octave is computed once per file.
        """
        steps = octave_steps(self.sample_rate, min_rate)
        return self._halved("mono", self.samples_mono, steps), self.sample_rate / (2**steps)

    def side_at_least(self, min_rate: float) -> tuple[np.ndarray | None, float]:
        """The side signal at the same reduced rate as `mono_at_least(min_rate)` (None for mono)."""
        steps = octave_steps(self.sample_rate, min_rate)
        if self.samples_side is None:
            return None, self.sample_rate / (2**steps)
        return self._halved("side", self.samples_side, steps), self.sample_rate / (2**steps)

    def _halved(self, name: str, full: np.ndarray, steps: int) -> np.ndarray:
        if steps == 0:
            return full
        key = (name, steps)
        if key not in self._octaves:
            self._octaves[key] = halve_rate(self._halved(name, full, steps - 1))
        return self._octaves[key]

    def drop_cache(self) -> None:
        """Free the reduced-rate copies once analysis is done."""
        self._octaves.clear()


@contextlib.contextmanager
def _quiet_essentia() -> Iterator[None]:
    """AudioLoader logs one warning per damaged frame; we report damage through the exception."""
    import essentia

    previous = essentia.log.warningActive
    essentia.log.warningActive = False
    try:
        yield
    finally:
        essentia.log.warningActive = previous


# Essentia 2.1b6 AudioLoader bug: when opening the codec fails after the demuxer is open (e.g. damaged
# Vorbis setup headers: "Unable to instantiate codec"), freeing that loader corrupts the heap and the
# *next* decode dies ("free(): invalid pointer" / SIGSEGV; its closeAudioFile() cleans up state the
# failed open never set up). Such loaders are never freed: each leaks one file descriptor and a demuxer,
# so process-pool workers should be recycled now and then (max_tasks_per_child).
# These failures are known to leave nothing half-open, so their loaders may be freed normally.
_SAFE_TO_FREE = (
    "Could not open file",
    "Could not find stream information",
    "found 0 streams",
    "more than 2 channels",
)
_QUARANTINED: list[object] = []


def _quarantine(loader: object) -> None:
    _QUARANTINED.append(loader)
    # The extra reference keeps the loader alive through interpreter shutdown, when module globals go.
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(loader))


def _read_head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(64)


def _check_file(path: Path) -> tuple[int, bytes]:
    """Size and first bytes, refusing what would make FFmpeg fail obscurely or block (FIFOs)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise AudioDecodeError("not_audio", f"no such file: {path}") from None
    except PermissionError:
        raise AudioDecodeError("permission_denied", f"cannot read {path}: permission denied") from None
    if not stat.S_ISREG(st.st_mode):
        raise AudioDecodeError("not_audio", f"{path} is not a regular file")
    if st.st_size == 0:
        raise AudioDecodeError("empty", f"{path} is a zero-byte file")
    try:
        head = _read_head(path)
    except PermissionError:
        raise AudioDecodeError("permission_denied", f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise AudioDecodeError("corrupt", f"cannot read {path}: {exc.strerror or exc}") from None
    return st.st_size, head


def _looks_like_audio(head: bytes) -> bool:
    if head.startswith(_AUDIO_MAGIC) or head[4:8] == b"ftyp":
        return True
    # Bare MPEG audio frame sync (MP3/AAC ADTS without an ID3 tag).
    return len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0


def _container_cut_short(path: Path, size: int, head: bytes) -> bool:
    """True when the container's own size fields promise more bytes than the file has.

    RIFF/WAVE and AIFF state their total size in the header; MP4 boxes state theirs (ISO 14496-12 §4.2).
    """
    if head[:4] in (b"RIFF", b"FORM") and len(head) >= 8:
        fmt = "<I" if head[:4] == b"RIFF" else ">I"
        return 8 + struct.unpack(fmt, head[4:8])[0] > size
    if head[4:8] == b"ftyp":
        with open(path, "rb") as f:
            pos = 0
            while pos + 8 <= size:
                f.seek(pos)
                box = f.read(16)
                box_size = struct.unpack(">I", box[:4])[0]
                if box_size == 1 and len(box) >= 16:
                    box_size = struct.unpack(">Q", box[8:16])[0]
                elif box_size == 0:  # "extends to end of file"
                    return False
                if box_size < 8:
                    return False
                pos += box_size
            return pos > size
    return False


def _declared_length(path: Path, size: int) -> tuple[float | None, bool]:
    """(length the tags/stream headers declare, whether the file is smaller than that length implies)."""
    import mutagen
    from mutagen.mp3 import BitrateMode, MPEGInfo

    try:
        info = mutagen.File(path).info
        length = float(info.length)
    except Exception:
        return None, False
    if not length > 0:
        return None, False
    if isinstance(info, MPEGInfo):
        # Without a Xing/VBRI header mutagen guesses the length from the first frame's bitrate.
        if info.bitrate_mode == BitrateMode.UNKNOWN:
            return None, False
        return length, size < 0.9 * length * info.bitrate / 8
    return length, False


def _classify_open_error(message: str, path: Path, size: int, head: bytes) -> AudioDecodeError:
    lowered = message.lower()
    if "more than 2 channels" in lowered:
        return AudioDecodeError("unsupported", "more than two channels (surround) is not supported")
    if "unable to instantiate codec" in lowered or "unsupported codec" in lowered:
        return AudioDecodeError("unsupported", "the audio codec cannot be decoded by this FFmpeg build")
    if "expecting one or more audio streams" in lowered or "could not find an audio stream" in lowered:
        return AudioDecodeError("not_audio", "the file holds no audio stream")
    if not _looks_like_audio(head):
        return AudioDecodeError("not_audio", "not a recognised audio file")
    if _container_cut_short(path, size, head):
        return AudioDecodeError("truncated", "the file ends before its header says it should (cut short)")
    return AudioDecodeError("corrupt", "the audio container is damaged and cannot be opened")


def _is_ogg_opus(head: bytes) -> bool:
    """An Ogg stream whose first packet is an Opus identification header (RFC 7845 §5.1)."""
    if not head.startswith(b"OggS") or len(head) < 28:
        return False
    body = 27 + head[26]  # page header + segment table (RFC 3533 §6)
    return head[body : body + 8] == b"OpusHead"


def _decode_with_essentia(p: Path, size: int, head: bytes) -> tuple[np.ndarray, float, int, str, int, str]:
    """(samples (n, 2), rate, channels, payload MD5, bitrate, codec) from Essentia's AudioLoader.

    Files whose codec its bundled FFmpeg lacks go to PyAV instead; other open failures raise.
    """
    import essentia.standard as es

    loader = es.AudioLoader()
    try:
        with _quiet_essentia():
            loader.configure(filename=str(p), computeMD5=True)
            audio, sample_rate, channels, md5, bit_rate, codec = loader()
    except RuntimeError as exc:
        message = str(exc)
        if not any(safe in message for safe in _SAFE_TO_FREE):
            _quarantine(loader)
        error = _classify_open_error(message, p, size, head)
        if error.kind == "unsupported" and "channels" not in error.reason:
            return _decode_with_pyav(p, size, head)
        if "Could not find stream information" in message and _looks_like_audio(head):
            # What its old FFmpeg cannot even probe may be a codec it lacks: PyAV names it or decodes it.
            try:
                return _decode_with_pyav(p, size, head)
            except AudioDecodeError as second:
                if second.kind == "unsupported":
                    raise second from None
        raise error from None
    if head.startswith(b"OggS"):
        md5 = ogg_payload_md5(p) or md5
    return audio, float(sample_rate), int(channels), str(md5), int(bit_rate), str(codec)


def _decode_with_pyav(p: Path, size: int, head: bytes) -> tuple[np.ndarray, float, int, str, int, str]:
    """The same tuple as `_decode_with_essentia`, from PyAV (see pyav_decode.py for why and when).

    Its payload MD5 hashes the demuxed packets: for Ogg that is exactly `ogg_payload_md5`'s rule.
    """
    try:
        got = decode_with_pyav(p)
    except PyAVDecodeFailure as exc:
        if exc.stage == "open":
            raise _classify_open_error(str(exc), p, size, head) from None
        codec = f"the {exc.codec} audio codec" if exc.codec else "the audio codec"
        if exc.stage == "codec" and "no audio stream" in str(exc):
            raise AudioDecodeError("not_audio", "the file holds no audio stream") from None
        if exc.stage == "codec" and "channels" in str(exc):
            raise AudioDecodeError(
                "unsupported", "more than two channels (surround) is not supported"
            ) from None
        if exc.stage == "codec":
            raise AudioDecodeError("unsupported", f"{codec} cannot be decoded: {exc}") from None
        raise AudioDecodeError("corrupt", f"{codec} rejected the file's audio data: {exc}") from None
    return got.samples, float(got.sample_rate), got.channels, got.payload_md5, got.bit_rate, got.codec


@contextlib.contextmanager
def readable_by_c_libraries(p: Path) -> Iterator[Path]:
    """``p``, or a UTF-8-named alias of it when its name is not valid UTF-8.

    Linux file names are bytes; Python carries undecodable ones as lone surrogates, which Essentia and
    PyAV (C++/C libraries taking UTF-8 strings) cannot pass on, so such a file used to be reported
    "damaged". The alias is a symbolic link in a private temporary folder to the name's own bytes, with
    the same extension: the decoder reads the very same file, so its hash and samples do not change."""
    try:
        str(p).encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        yield p
        return
    folder = tempfile.mkdtemp(prefix="tonearm-name-")
    suffix = p.suffix if p.suffix.isascii() and p.suffix.isprintable() else ""
    alias = Path(folder) / f"audio{suffix}"
    try:
        os.symlink(os.fsencode(p.absolute()), alias)
        yield alias
    finally:
        with contextlib.suppress(OSError):
            alias.unlink()
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def decode(path: str | os.PathLike[str]) -> DecodedAudio:
    """Decode `path` into mono/side float32 samples at the native rate plus the payload MD5.

    Essentia's AudioLoader serves every codec its FFmpeg has (their hashes and samples stay as they
    were); Opus, and any codec it lacks, goes through PyAV. Raises AudioDecodeError for missing,
    unreadable, empty, non-audio, damaged, truncated or undecodable (kind "unsupported", naming the
    codec) files.
    """
    p = Path(path)
    size, head = _check_file(p)
    with readable_by_c_libraries(p) as readable:
        if _is_ogg_opus(head):
            # Skip the doomed AudioLoader: a codec it cannot open leaves a loader that must be leaked.
            audio, sample_rate, channels, md5, bit_rate, codec = _decode_with_pyav(readable, size, head)
        else:
            audio, sample_rate, channels, md5, bit_rate, codec = _decode_with_essentia(readable, size, head)
    n = len(audio)
    if n == 0 or not sample_rate:
        if _looks_like_audio(head):
            raise AudioDecodeError("corrupt", "no audio could be decoded from the file")
        raise AudioDecodeError("empty", "the file contains no audio samples")
    duration = n / float(sample_rate)
    if _container_cut_short(p, size, head):
        raise AudioDecodeError("truncated", f"the file ends early: only {duration:.1f} s could be decoded")
    declared, short_file = _declared_length(p, size)
    if declared is not None and duration < min(declared * _SHORTFALL_RATIO, declared - _SHORTFALL_SECS):
        # An MP3 that is as big as its Xing header promises lost frames to damage, not to a cut; other
        # containers give no expected size, so a short decode there is most often a partial download.
        kind: DecodeErrorKind = "corrupt" if codec.startswith("mp3") and not short_file else "truncated"
        raise AudioDecodeError(
            kind,
            f"decoded only {duration:.1f} s of the {declared:.1f} s the file declares (cut short or damaged)",
        )
    # AudioLoader returns mono sources in the left channel with a silent right channel; PyAV one column.
    left = audio[:, 0]
    if channels == 1:
        mono, side = np.ascontiguousarray(left), None
    else:
        right = audio[:, 1]
        mono = (left + right) * np.float32(0.5)
        side = (left - right) * np.float32(0.5)
    if not bit_rate:
        bit_rate = int(size * 8 / duration)  # lossless codecs report 0: use the average file bitrate
    return DecodedAudio(
        samples_mono=mono,
        sample_rate=float(sample_rate),
        channels=int(channels),
        duration_secs=duration,
        audio_hash=md5,
        codec=codec,
        bit_rate=int(bit_rate),
        samples_side=side,
    )
