"""Rename/move proposals from tags and a path template, e.g. ``$albumartist/$year - $album/$disc-$track $title``.

Fields (``string.Template`` syntax, ``$name`` or ``${name}``): ``artist``, ``albumartist`` (the album's
artist, else the track's), ``album``, ``year``, ``title``, ``track`` (two digits), ``disc``, ``genre``.
The file keeps its extension; the path is relative to the library folder holding the file (or ``root``).
Each proposal carries why and how sure we are (``confidence``: how complete and trustworthy the tags are)
and starts ``pending``; :mod:`analyzer.curation.organize_apply` applies them. A proposal a person rejected
is never proposed again for the same file and path.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, aliased

from analyzer.scan.folders import list_folders
from analyzer.scan.paths import path_hash
from models.artists import Artist
from models.enums import EntityType, ScanStatus
from models.external_ids import ExternalId
from models.media import MediaFile
from models.organize import OrganizeProposal, ProposalStatus
from models.releases import Release, ReleaseGroup, ReleaseItem
from models.tracks import Genre, Track, TrackGenre

FIELDS = ("artist", "albumartist", "album", "year", "title", "track", "disc", "genre")
DEFAULT_TEMPLATE = "$albumartist/$year - $album/$disc-$track $title"
_FALLBACK = {"artist": "Unknown Artist", "albumartist": "Unknown Artist", "album": "Unknown Album",
             "year": "0000", "title": "Unknown Title", "track": "00", "disc": "1", "genre": "Unknown Genre"}  # fmt: skip
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')  # not allowed in a name on Windows, or a separator anywhere
_MAX_NAME_BYTES = 240  # under every common filesystem's 255, with room for " (2)"


class TemplateError(ValueError):
    """The template names an unknown field or is not a relative path."""


def check_template(template: str) -> list[str]:
    """The fields a template uses; raises :class:`TemplateError` for unknown ones or an absolute path."""
    if not template.strip():
        raise TemplateError("the template is empty")
    if template.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", template):
        raise TemplateError("the template must be relative (it is placed under the library folder)")
    try:
        names = [m.group("named") or m.group("braced") for m in string.Template.pattern.finditer(template)]
    except ValueError as error:
        raise TemplateError(f"bad template: {error}") from error
    unknown = sorted({n for n in names if n and n not in FIELDS})
    if unknown:
        raise TemplateError(f"unknown field ${unknown[0]}; use {', '.join('$' + f for f in FIELDS)}")
    if any(m.group("invalid") is not None for m in string.Template.pattern.finditer(template)):
        raise TemplateError("a '$' that starts no field: write $$ for a dollar sign")
    return [n for n in names if n]


@dataclass(frozen=True, slots=True)
class FileTags:
    """What the catalog knows of one file's track, as template fields (None = unknown)."""

    media_file_id: int
    path: str
    fields: dict[str, str | None]
    albumartist_from_artist: bool
    has_mbid: bool


def render_path(tags: FileTags, template: str) -> tuple[str, int, list[str]]:
    """(relative path with the file's extension, confidence 0-100, reasons) for one file."""
    used = check_template(template)
    values: dict[str, str] = {}
    reasons: list[str] = []
    confidence = 100
    for name in FIELDS:
        value = tags.fields.get(name)
        if value is None or not str(value).strip():
            if name in used:
                confidence -= 25
                reasons.append(f"no {name}: '{_FALLBACK[name]}'")
            value = _FALLBACK[name]
        values[name] = _safe_name(str(value))
    if "albumartist" in used and tags.albumartist_from_artist and tags.fields.get("artist"):
        confidence -= 5
        reasons.append("album artist taken from the track artist")
    if not tags.has_mbid:
        confidence -= 10
        reasons.append("tags not confirmed by a MusicBrainz id")
    rendered = string.Template(template).substitute(values)
    parts = [
        _safe_name(p) for p in re.split(r"[\\/]+", rendered) if p.strip() and p.strip() not in (".", "..")
    ]
    ext = os.path.splitext(tags.path)[1]
    relative = os.path.join(*parts) + ext if parts else "Unknown Title" + ext
    return relative, max(0, min(100, confidence)), reasons


def _safe_name(value: str) -> str:
    # Windows drops a trailing dot or space from a name ("Melody A.M." would not round-trip); a leading
    # dot would hide the file.
    name = _UNSAFE.sub("_", value).strip().rstrip(". ") or "_"
    if name.startswith("."):
        name = "_" + name[1:]
    while len(name.encode("utf-8", "surrogateescape")) > _MAX_NAME_BYTES:
        name = name[:-1]
    return name


def file_tags(session: Session, media_file_ids: Sequence[int] | None = None) -> list[FileTags]:
    """Tags of present files with a track (all, or the given ids), from the catalog."""
    album_artist = aliased(Artist)
    query = (
        select(MediaFile.id, MediaFile.file_path, Track.id, Track.title, Artist.name, album_artist.name,
               ReleaseGroup.title, ReleaseGroup.year)
        .join(Track, Track.id == MediaFile.track_id)
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
        .outerjoin(ReleaseGroup, ReleaseGroup.id == Track.album_id)
        .outerjoin(album_artist, album_artist.id == ReleaseGroup.primary_artist_id)
        .where(MediaFile.scan_status != ScanStatus.MISSING)
        .order_by(MediaFile.id)
    )  # fmt: skip
    if media_file_ids is not None:
        query = query.where(MediaFile.id.in_(list(media_file_ids)))
    rows = session.execute(query).tuples().all()
    track_ids = [r[2] for r in rows]
    numbers = _track_numbers(session, track_ids)
    genres = _first_genres(session, track_ids)
    mbids = _tracks_with_mbid(session, track_ids)
    found = []
    for file_id, path, track_id, title, artist, albumartist, album, year in rows:
        disc, number = numbers.get(track_id, (0, 0))
        fields = {"artist": artist, "albumartist": albumartist or artist, "album": album,
                  "year": str(year) if year else None, "title": title,
                  "track": f"{number:02d}" if number else None, "disc": str(disc) if disc else None,
                  "genre": genres.get(track_id)}  # fmt: skip
        found.append(FileTags(file_id, path, fields, albumartist is None, track_id in mbids))
    return found


def _track_numbers(session: Session, track_ids: list[int]) -> dict[int, tuple[int, int]]:
    numbers: dict[int, tuple[int, int]] = {}
    for chunk in _chunks(track_ids):
        rows = session.execute(
            select(ReleaseItem.track_id, ReleaseItem.disc_no, ReleaseItem.track_no)
            .join(Release, Release.id == ReleaseItem.release_id)
            .where(ReleaseItem.track_id.in_(chunk))
            .order_by(ReleaseItem.track_id, ReleaseItem.id)
        ).tuples()
        for track_id, disc, number in rows:
            numbers.setdefault(track_id, (disc, number))
    return numbers


def _first_genres(session: Session, track_ids: list[int]) -> dict[int, str]:
    genres: dict[int, str] = {}
    for chunk in _chunks(track_ids):
        rows = session.execute(
            select(TrackGenre.track_id, Genre.name)
            .join(Genre, Genre.id == TrackGenre.genre_id)
            .where(TrackGenre.track_id.in_(chunk))
            .order_by(TrackGenre.track_id, TrackGenre.weight.desc(), Genre.name)
        ).tuples()
        for track_id, name in rows:
            genres.setdefault(track_id, name)
    return genres


def _tracks_with_mbid(session: Session, track_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(track_ids):
        found.update(session.scalars(select(ExternalId.entity_id).where(
            ExternalId.entity_type == EntityType.TRACK, ExternalId.entity_id.in_(chunk),
            ExternalId.scheme.in_(("recording_mbid", "mbid")))))  # fmt: skip
    return found


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@dataclass
class ProposeSummary:
    proposed: int = 0
    unchanged: int = 0  # already where the template puts them
    rejected_before: int = 0
    outside_library: int = 0
    proposal_ids: list[int] = field(default_factory=list)


def propose_moves(session: Session, template: str, *, root: str | None = None) -> ProposeSummary:
    """Write a pending proposal for every file the template would move (caller's transaction). Earlier
    pending proposals are replaced; rejected ones are not made again; two files never get one target."""
    check_template(template)
    folders = [f.path for f in list_folders(session)]
    summary = ProposeSummary()
    session.execute(delete(OrganizeProposal).where(OrganizeProposal.status == ProposalStatus.PENDING))
    rejected = set(session.execute(
        select(OrganizeProposal.media_file_id, OrganizeProposal.proposed_path_hash)
        .where(OrganizeProposal.status == ProposalStatus.REJECTED)
    ).tuples())  # fmt: skip
    taken = set(session.scalars(select(MediaFile.file_path_hash)))
    claimed: set[str] = set()
    for tags in file_tags(session):
        base = root or _library_folder(tags.path, folders)
        if base is None:
            summary.outside_library += 1
            continue
        relative, confidence, reasons = render_path(tags, template)
        target = os.path.join(base, relative)
        if target == tags.path:
            summary.unchanged += 1
            continue
        target, bumped = _free_target(target, taken | claimed, tags.path)
        if bumped:
            confidence = max(0, confidence - 20)
            reasons.append("the path was taken: numbered")
        key = path_hash(target)
        if (tags.media_file_id, key) in rejected:
            summary.rejected_before += 1
            continue
        claimed.add(key)
        move = (
            "moves to another folder" if os.path.dirname(target) != os.path.dirname(tags.path) else "renames"
        )
        row = OrganizeProposal(
            media_file_id=tags.media_file_id, current_path=tags.path, proposed_path=target,
            proposed_path_hash=key, template=template[:1024], confidence=confidence,
            reason="; ".join([move, *reasons]) if reasons else f"{move}; tags complete",
        )  # fmt: skip
        session.add(row)
        session.flush()
        summary.proposal_ids.append(row.id)
        summary.proposed += 1
    return summary


def _library_folder(path: str, folders: list[str]) -> str | None:
    inside = [f for f in folders if path.startswith(f.rstrip("/") + "/")]
    return max(inside, key=len) if inside else None


def _free_target(target: str, taken: set[str], current: str) -> tuple[str, bool]:
    """``target``, or ``name (2).ext``... when a library file, another proposal or a file on disk has it."""
    stem, ext = os.path.splitext(target)
    candidate, number = target, 1
    while path_hash(candidate) in taken or (os.path.lexists(candidate) and candidate != current):
        number += 1
        candidate = f"{stem} ({number}){ext}"
    return candidate, number > 1


def reject_proposals(session: Session, proposal_ids: Sequence[int]) -> int:
    """Mark pending proposals rejected (never proposed again); returns how many were pending."""
    result = session.execute(
        update(OrganizeProposal)
        .where(OrganizeProposal.id.in_(list(proposal_ids)), OrganizeProposal.status == ProposalStatus.PENDING)
        .values(status=ProposalStatus.REJECTED)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def pending_proposals(session: Session) -> list[OrganizeProposal]:
    """The current preview, in file order."""
    return list(session.scalars(
        select(OrganizeProposal).where(OrganizeProposal.status == ProposalStatus.PENDING)
        .order_by(OrganizeProposal.current_path)
    ))  # fmt: skip
