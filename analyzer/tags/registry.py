"""The registry of containers we read: which mutagen class opens each, which tag family maps its tags.

Like Picard's format registry, adding a container is one entry here; the tag-family modules (id3, vorbis,
mp4, asf, apev2) stay unaware of containers. Keys are what :func:`sniff_container` returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mutagen.aiff import AIFF
from mutagen.asf import ASF
from mutagen.dsf import DSF
from mutagen.monkeysaudio import MonkeysAudio
from mutagen.musepack import Musepack
from mutagen.oggflac import OggFLAC
from mutagen.oggspeex import OggSpeex
from mutagen.oggvorbis import OggVorbis
from mutagen.trueaudio import TrueAudio
from mutagen.wave import WAVE
from mutagen.wavpack import WavPack

from analyzer.tags._flac_fast import open_flac
from analyzer.tags._mp4_fast import open_mp4
from analyzer.tags._mpeg_fast import open_mpeg
from analyzer.tags._opus_fast import open_opus
from analyzer.tags.apev2 import read_apev2
from analyzer.tags.asf import read_asf
from analyzer.tags.canonical import StreamProperties, TagCollector
from analyzer.tags.id3 import read_id3
from analyzer.tags.mp4 import read_mp4
from analyzer.tags.vorbis import read_flac_pictures, read_vorbis_comment

AUDIO_EXTENSIONS: frozenset[str] = frozenset(
    (
        ".mp3", ".mp2", ".mpga", ".flac", ".ogg", ".oga", ".opus", ".spx", ".m4a", ".m4b", ".mp4", ".alac",
        ".wav", ".aif", ".aiff", ".aifc", ".wma", ".asf", ".ape", ".wv", ".mpc", ".mp+", ".tta", ".dsf",
    )
)  # fmt: skip
"""Extensions the folder walker offers to :func:`read_tags`; the reader itself decides by content."""


@dataclass(frozen=True, slots=True)
class ContainerReader:
    """How to open one container and where its tags and stream facts come from."""

    label: str
    """Human name used in error reasons ("FLAC", "MP4/M4A")."""
    open: Callable[[Any], Any]
    read_tags: Callable[[Any, TagCollector], None]
    describe: Callable[[Any, int], StreamProperties]
    """(mutagen file, file size in bytes) -> stream properties."""
    min_bytes: int
    """Smallest possible file with a complete header: a parse failure below this size is a truncation."""
    fixed_header: bool = False
    """Whether a zero sample rate or channel count means damage: mutagen reads these headers unchecked
    (APE, WavPack, RIFF, IFF...), and an ASF file without audio stream properties is broken too."""


def _stream(
    fmt: str,
    codec: str,
    info: Any,
    size: int,
    *,
    lossless: bool,
    bits: int | None = None,
    sample_rate: int | None = None,
) -> StreamProperties:
    duration = float(getattr(info, "length", 0.0) or 0.0)
    bitrate = getattr(info, "bitrate", None) or None
    if bitrate is None and duration > 0:
        bitrate = int(size * 8 / duration)  # whole-file estimate where the container states none
    return StreamProperties(
        format=fmt,
        codec=codec,
        duration_secs=duration,
        bitrate=bitrate,
        sample_rate=sample_rate or getattr(info, "sample_rate", None) or None,
        channels=getattr(info, "channels", None) or None,
        bits_per_sample=(bits if bits is not None else getattr(info, "bits_per_sample", None)) or None,
        lossless=lossless,
    )


def _describe_mpeg(mf: Any, size: int) -> StreamProperties:
    layer = int(getattr(mf.info, "layer", 3))
    fmt = "mp3" if layer == 3 else f"mp{layer}"
    return _stream(fmt, fmt, mf.info, size, lossless=False)


def _describe_mp4(mf: Any, size: int) -> StreamProperties:
    codec = str(getattr(mf.info, "codec", "") or "unknown")
    if codec == "alac":
        return _stream("m4a_alac", "alac", mf.info, size, lossless=True)
    if codec.startswith("mp4a.40"):
        # mutagen reports 16 bits for AAC; bit depth is meaningless for a lossy codec.
        return _stream("m4a_aac", "aac", mf.info, size, lossless=False, bits=0)
    return _stream("m4a", codec, mf.info, size, lossless=codec == "flac", bits=0)


# WAVE format tags (RFC 2361): PCM, IEEE float and WAVE_FORMAT_EXTENSIBLE carry uncompressed samples.
_WAVE_PCM_TAGS = {1: "pcm", 3: "pcm_float", 0xFFFE: "pcm"}


def _describe_wav(mf: Any, size: int) -> StreamProperties:
    tag = int(getattr(mf.info, "audio_format", 1))
    codec = _WAVE_PCM_TAGS.get(tag, f"wave_format_0x{tag:04x}")
    return _stream("wav", codec, mf.info, size, lossless=tag in _WAVE_PCM_TAGS)


def _describe_wma(mf: Any, size: int) -> StreamProperties:
    # mutagen names the codec from the ASF codec id ("Windows Media Audio 9 Lossless", "... Professional").
    kind = str(getattr(mf.info, "codec_type", "") or "")
    codec = "wmalossless" if "Lossless" in kind else "wmapro" if "Professional" in kind else "wma"
    if "Voice" in kind:
        codec = "wmavoice"
    return _stream("wma", codec, mf.info, size, lossless=codec == "wmalossless")


def _fixed(
    fmt: str, codec: str, *, lossless: bool, bits: int | None = None
) -> Callable[[Any, int], StreamProperties]:
    def describe(mf: Any, size: int) -> StreamProperties:
        return _stream(fmt, codec, mf.info, size, lossless=lossless, bits=bits)

    return describe


def _describe_opus(mf: Any, size: int) -> StreamProperties:
    # Opus always decodes at 48 kHz (RFC 7845, 5.1: the header's rate is only the input's).
    return _stream("opus", "opus", mf.info, size, lossless=False, sample_rate=48000)


def _flac_tags(mf: Any, into: TagCollector) -> None:
    read_vorbis_comment(mf.tags, into)
    read_flac_pictures(mf.pictures, into)


def _tags_of(reader: Callable[[Any, TagCollector], None]) -> Callable[[Any, TagCollector], None]:
    def read(mf: Any, into: TagCollector) -> None:
        reader(mf.tags, into)

    return read


_ID3 = _tags_of(read_id3)


def _mpeg_tags(mf: Any, into: TagCollector) -> None:
    read_id3(mf.tags, into, getattr(mf, "picture_sizes", ()))


_VORBIS = _tags_of(read_vorbis_comment)


def _mp4_tags(mf: Any, into: TagCollector) -> None:
    read_mp4(mf.tags, into, getattr(mf, "cover_sizes", ()))


def _opus_tags(mf: Any, into: TagCollector) -> None:
    read_vorbis_comment(mf.tags, into, getattr(mf, "picture_chars", ()))


_APE = _tags_of(read_apev2)

READERS: dict[str, ContainerReader] = {
    "mpeg": ContainerReader("MPEG audio", open_mpeg, _mpeg_tags, _describe_mpeg, 4),
    "flac": ContainerReader("FLAC", open_flac, _flac_tags, _fixed("flac", "flac", lossless=True), 42),
    "ogg_vorbis": ContainerReader(
        "Ogg Vorbis", OggVorbis, _VORBIS, _fixed("ogg_vorbis", "vorbis", lossless=False), 58
    ),
    "opus": ContainerReader("Ogg Opus", open_opus, _opus_tags, _describe_opus, 47),
    "ogg_flac": ContainerReader("Ogg FLAC", OggFLAC, _VORBIS, _fixed("ogg_flac", "flac", lossless=True), 79),
    "speex": ContainerReader("Ogg Speex", OggSpeex, _VORBIS, _fixed("speex", "speex", lossless=False), 108),
    "m4a": ContainerReader("MP4/M4A", open_mp4, _mp4_tags, _describe_mp4, 16),
    "wav": ContainerReader("WAVE", WAVE, _ID3, _describe_wav, 44, fixed_header=True),
    "aiff": ContainerReader("AIFF", AIFF, _ID3, _fixed("aiff", "pcm", lossless=True), 54, fixed_header=True),
    "wma": ContainerReader("ASF/WMA", ASF, _tags_of(read_asf), _describe_wma, 128, fixed_header=True),
    "ape": ContainerReader(
        "Monkey's Audio", MonkeysAudio, _APE, _fixed("ape", "ape", lossless=True), 76, fixed_header=True
    ),
    "wavpack": ContainerReader(
        "WavPack", WavPack, _APE, _fixed("wavpack", "wavpack", lossless=True), 32, fixed_header=True
    ),
    "musepack": ContainerReader(
        "Musepack", Musepack, _APE, _fixed("musepack", "musepack", lossless=False, bits=0), 32
    ),
    "tta": ContainerReader(
        "TrueAudio", TrueAudio, _ID3, _fixed("tta", "tta", lossless=True), 22, fixed_header=True
    ),
    "dsf": ContainerReader("DSF", DSF, _ID3, _fixed("dsf", "dsd", lossless=True), 92, fixed_header=True),
}
