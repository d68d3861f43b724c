"""FLAC opened without its pictures' image bytes: the fast path beside mutagen's ``FLAC``.

mutagen reads each PICTURE block's image (a 450 KB cover: read and copied, ~0.04 ms a file) for a picture
the tag readers only describe (MIME type, size, picture type). Here mutagen's own ``FLAC`` reads every
block as before, through its own block table, except that the PICTURE entry is a ``Picture`` whose
``load`` reads the fields before the image as ``Picture.load`` does and then keeps only the image's first
bytes, its real size beside (``size``), leaving the file where the whole image would have (so the next
block, and the bitrate mutagen derives from where the audio starts, are read as before).

A picture that would run past the end of the file raises, and the file is opened by ``FLAC`` as before,
which reports the damage as before. ``tests/analyzer/test_tag_fast_paths.py`` keeps both paths' tags equal.
"""

from __future__ import annotations

import struct
from typing import Any, BinaryIO

from mutagen.flac import FLAC, Picture
from mutagen.flac import error as FLACError

from analyzer.tags.fast_path import fast_or_plain

KEPT_PICTURE_BYTES = 64
"""Bytes of each image kept in ``Picture.data``: the tag readers use only its size and MIME type."""


class DescribedPicture(Picture):
    """A FLAC picture with ``size``, its image's real size in bytes, and only the image's first bytes."""

    size: int = 0

    def load(self, data: Any) -> None:
        # The fields as mutagen's Picture.load reads them (FLAC format, METADATA_BLOCK_PICTURE).
        self.type, length = struct.unpack(">2I", data.read(8))
        self.mime = data.read(length).decode("UTF-8", "replace")
        (length,) = struct.unpack(">I", data.read(4))
        self.desc = data.read(length).decode("UTF-8", "replace")
        (self.width, self.height, self.depth, self.colors, length) = struct.unpack(">5I", data.read(20))
        kept = min(length, KEPT_PICTURE_BYTES)
        self.data = data.read(kept)
        self.size = length
        if length > kept:
            position = data.seek(length - kept, 1)
            if position > data.seek(0, 2):
                raise FLACError("picture runs past the end of the file")  # FLAC says how, below
            data.seek(position)


class _FLACWithoutImages(FLAC):
    # mutagen's block table (FLAC.METADATA_BLOCKS, indexed by block type), its Picture entry replaced
    METADATA_BLOCKS = [  # noqa: RUF012 - a class attribute as in FLAC, never mutated
        DescribedPicture if block is Picture else block for block in FLAC.METADATA_BLOCKS
    ]


def open_flac(f: BinaryIO) -> Any:
    """The file as mutagen's ``FLAC`` reads it, its pictures ``DescribedPicture`` (``f`` at offset 0)."""
    return fast_or_plain(f, _FLACWithoutImages, FLAC)
