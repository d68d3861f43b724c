"""XSPF read with a SAX handler, so every track keeps the line it starts on (ElementTree forgets lines).

Only the XSPF namespace's track fields are read (``location``, ``title``, ``creator``, ``album``,
``duration``, ``identifier``); extensions and unknown elements are skipped. Expat refuses external
entities by default and bounds entity expansion, so a hostile file cannot reach the disk or the network.
"""

from __future__ import annotations

import io
import re
import xml.sax
import xml.sax.xmlreader
from typing import Any
from xml.sax.handler import ContentHandler, feature_namespaces

from analyzer.curation.playlist_types import PlaylistFormatError

XSPF_NS = "http://xspf.org/ns/0/"
_FIELDS = {"location", "title", "creator", "album", "duration", "identifier"}

_DECLARED_ENCODING = re.compile(r"""(<\?xml[^>]*encoding\s*=\s*["'])[^"']*(["'])""")

TrackRow = tuple[int | None, dict[str, Any]]


class _XspfHandler(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.title: str | None = None
        self.rows: list[TrackRow] = []
        self.problems: list[tuple[int | None, str]] = []
        self._path: list[str] = []
        self._track: dict[str, Any] | None = None
        self._track_line: int | None = None
        self._text: list[str] = []
        self._saw_playlist = False

    def _line(self) -> int | None:
        locator = getattr(self, "_locator", None)
        return locator.getLineNumber() if locator is not None else None

    def startElementNS(self, name: tuple[str | None, str], qname: str | None, attrs: Any) -> None:
        namespace, local = name
        if namespace not in (XSPF_NS, None):
            local = "{ext}"
        if local == "playlist" and not self._path:
            self._saw_playlist = True
        if local == "track" and self._path[-1:] == ["trackList"]:
            self._track, self._track_line = {}, self._line()
        self._path.append(local)
        self._text = []

    def characters(self, content: str) -> None:
        self._text.append(content)

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        local = self._path.pop()
        value = "".join(self._text).strip()
        self._text = []
        if local == "track" and self._track is not None and self._path[-1:] == ["trackList"]:
            self.rows.append((self._track_line, self._track))
            self._track = None
        elif self._track is not None and self._path[-1:] == ["track"] and local in _FIELDS and value:
            if local in ("identifier", "location"):  # XSPF allows several of each
                self._track.setdefault(local, []).append(value)
            else:
                self._track.setdefault(local, value)
        elif local == "title" and self._path == ["playlist"] and value:
            self.title = value


def parse_xspf_text(text: str) -> tuple[str | None, list[TrackRow], list[tuple[int | None, str]]]:
    """(playlist title, [(line, fields)], problems). Raises PlaylistFormatError when it is not XSPF."""
    handler = _XspfHandler()
    parser = xml.sax.make_parser()
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(handler)
    try:
        _feed(parser, text)
    except xml.sax.SAXParseException as error:
        if not handler.rows:
            message = f"not an XSPF playlist: {error.getMessage()} at line {error.getLineNumber()}"
            raise PlaylistFormatError(message) from error
        # A file cut short keeps the tracks before the break; the break is reported.
        handler.problems.append((error.getLineNumber(), f"the XML breaks here: {error.getMessage()}"))
    if not handler._saw_playlist:
        raise PlaylistFormatError("not an XSPF playlist: the root element is not <playlist>")
    return handler.title, handler.rows, handler.problems


def _feed(parser: Any, text: str) -> None:
    # The text is already decoded: its declaration's encoding (e.g. ISO-8859-1) no longer applies.
    text = _DECLARED_ENCODING.sub(r"\1utf-8\2", text, count=1)
    source = xml.sax.xmlreader.InputSource()
    source.setByteStream(io.BytesIO(text.encode("utf-8")))
    source.setEncoding("utf-8")
    parser.parse(source)
