"""Decoding through PyAV (libav* with libopus) for what Essentia's bundled FFmpeg cannot decode: Opus.

Returns the same pieces Essentia's AudioLoader does — float32 samples, rate, channels, payload MD5,
bitrate, codec name — so `decode.decode` builds one `DecodedAudio` whichever decoder served the file.
The payload MD5 follows Essentia's rule: the bytes of the audio stream's demuxed packets, so container
tags (which live outside the packets) never change it; Ogg's own rule is applied by the caller.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from av import AudioFrame


class PyAVDecodeFailure(Exception):
    """PyAV could not open or decode the file; `stage` says where ("open", "codec", "decode")."""

    def __init__(self, stage: str, message: str, codec: str | None = None) -> None:
        super().__init__(message)
        self.stage = stage
        self.codec = codec


@dataclass
class PyAVAudio:
    """Stereo (or mono) float32 samples as (n, channels), plus stream facts."""

    samples: np.ndarray
    sample_rate: int
    channels: int
    payload_md5: str
    bit_rate: int
    codec: str


def decode_with_pyav(path: Path, *, hash_packets: bool = True) -> PyAVAudio:
    """Decode the first audio stream of `path` to float32 at its native rate.

    Raises PyAVDecodeFailure: "open" (not a container libav reads), "codec" (no audio stream, no decoder
    for it, or more than two channels), "decode" (packets the decoder rejects).
    """
    import av

    try:
        container = av.open(str(path), mode="r")
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise PyAVDecodeFailure("open", str(exc)) from None
    with container:
        streams = container.streams.audio
        if not streams:
            raise PyAVDecodeFailure("codec", "the file holds no audio stream")
        stream = streams[0]
        if stream.codec_context is None:
            raise PyAVDecodeFailure("codec", "no FFmpeg decoder knows this audio codec", _wave_format(path))
        codec_name = stream.codec_context.name
        channels = int(stream.codec_context.channels or 0)
        if channels > 2:
            raise PyAVDecodeFailure("codec", "more than two channels (surround)", codec_name)
        md5 = hashlib.md5()
        samples_of = _FrameCollector()
        rate = int(stream.codec_context.sample_rate or 0)
        try:
            for packet in container.demux(stream):
                if packet.size and hash_packets:
                    md5.update(memoryview(packet))
                for frame in packet.decode():
                    samples_of.add(frame)
                    rate = frame.sample_rate or rate
        except av.FFmpegError as exc:
            if not samples_of.frames:
                raise PyAVDecodeFailure("decode", str(exc), codec_name) from None
            # A damaged tail: keep what decoded; the caller compares against the declared length.
        bit_rate = int(stream.bit_rate or container.bit_rate or 0)
    samples = samples_of.samples(max(channels, 1))
    return PyAVAudio(
        samples=samples,
        sample_rate=rate,
        channels=samples.shape[1] if samples.size else channels,
        payload_md5=md5.hexdigest(),
        bit_rate=bit_rate,
        codec=codec_name,
    )


class _FrameCollector:
    """Decoded frames gathered into one (n, channels) float32 array.

    Float frames (Opus, Vorbis, AAC, MP3 decoders give planar float) are copied as raw plane bytes, a
    quarter less CPU for a whole Opus decode than a NumPy array per 20 ms frame; other sample formats
    are converted frame by frame.
    """

    def __init__(self) -> None:
        self.frames = 0
        self._chunks: list[np.ndarray] = []
        self._planes: list[bytearray] = []
        self._layout: tuple[str, int] | None = None  # (format name, channels) of the pending bytes

    def add(self, frame: AudioFrame) -> None:
        self.frames += 1
        fmt = frame.format.name
        n_channels = len(frame.layout.channels)
        if fmt not in ("fltp", "flt"):
            self._flush()
            self._chunks.append(_as_float32(frame))
            return
        if self._layout != (fmt, n_channels):
            self._flush()
            self._layout = (fmt, n_channels)
            self._planes = [bytearray() for _ in frame.planes]
        size = frame.samples * 4 * (n_channels if fmt == "flt" else 1)  # planes are padded past this
        for buffer, plane in zip(self._planes, frame.planes, strict=True):
            buffer.extend(memoryview(plane)[:size])

    def _flush(self) -> None:
        if self._layout is None:
            return
        fmt, n_channels = self._layout
        if fmt == "fltp":
            chunk = np.stack([np.frombuffer(b, dtype=np.float32) for b in self._planes], axis=1)
        else:
            chunk = np.frombuffer(self._planes[0], dtype=np.float32).reshape(-1, n_channels)
        self._chunks.append(chunk)
        self._layout, self._planes = None, []

    def samples(self, channels: int) -> np.ndarray:
        self._flush()
        if not self._chunks:
            return np.zeros((0, channels), dtype=np.float32)
        return self._chunks[0] if len(self._chunks) == 1 else np.concatenate(self._chunks, axis=0)


def _as_float32(frame: AudioFrame) -> np.ndarray:
    """One decoded frame as (samples, channels) float32, whatever sample format the decoder gave."""
    array = frame.to_ndarray()
    # Planar formats come as (channels, n); packed ones as (1, n * channels).
    array = array.T if frame.format.is_planar else array.reshape(-1, len(frame.layout.channels))
    if array.dtype == np.float32:
        return array
    if array.dtype == np.float64:
        return array.astype(np.float32)
    # Integer PCM: scale to [-1, 1) as AudioLoader does.
    info = np.iinfo(str(array.dtype))
    if info.min == 0:  # unsigned 8-bit
        return (array.astype(np.float32) - 128.0) / 128.0
    return array.astype(np.float32) / float(-info.min)


def _wave_format(path: Path) -> str | None:
    """ "WAVE format 0x1234" for a RIFF/WAVE file (the tag names the codec, RFC 2361), else None."""
    with open(path, "rb") as f:
        head = f.read(4096)
    fmt = head.find(b"fmt ")
    if not head.startswith(b"RIFF") or fmt < 0 or fmt + 10 > len(head):
        return None
    return f"WAVE format 0x{int.from_bytes(head[fmt + 8 : fmt + 10], 'little'):04x}"
