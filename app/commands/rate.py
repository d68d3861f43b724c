"""`tonearm rate ALBUM RATING`: a user's album rating (0.5-5 stars in halves), favourite track and review."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from analyzer.curation.ratings import (
    RatingError,
    find_album,
    find_album_track,
    parse_rating,
    rate_album,
    ratings_for,
    remove_rating,
)
from app.context import CliError, cli_context
from scrobbler.stats.ratings import rated_albums, rating_against_plays
from scrobbler.users import UserError, resolve_user

app = typer.Typer()
out = Console(soft_wrap=True)


@app.command("rate")
def rate(
    ctx: typer.Context,
    album: str | None = typer.Argument(None, help="Album id, 'Artist - Album' or an album title."),
    rating: str | None = typer.Argument(None, help="Stars from 0.5 to 5 in halves (4, 3.5, 4/5)."),
    favourite: str | None = typer.Option(
        None, "--favourite", help="Your favourite track: id or title on the album."
    ),
    review: str | None = typer.Option(None, "--review", help="A review (replaces the earlier one)."),
    user: str | None = typer.Option(None, "--user", "-u", help="Whose rating (default: the local user)."),
    remove: bool = typer.Option(False, "--remove", help="Remove your rating of ALBUM."),
    list_: bool = typer.Option(False, "--list", help="List your ratings with plays, best first."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Rate an album from 0.5 to 5 stars in halves, with a favourite track and a review.

    `tonearm rate --list` shows your ratings beside your plays of each album.
    """
    with cli_context(ctx).database().session() as session:
        try:
            person = resolve_user(session, user)
        except UserError as error:
            raise CliError(str(error)) from None
        try:
            if list_:
                _print_list(session, person.id, as_json)
                return
            if album is None:
                raise CliError("give an ALBUM (and a RATING), or --list")
            group = find_album(session, album)
            if remove:
                removed = remove_rating(session, person.id, group)
                out.print("Rating removed." if removed else "You had not rated this album.")
                return
            if rating is None:
                raise CliError("give a RATING from 0.5 to 5 (or --remove)")
            halves = parse_rating(rating)
            favourite_id = find_album_track(session, group, favourite) if favourite else None
            view = rate_album(
                session, person.id, group, halves, favourite_track_id=favourite_id, review=review
            )
        except RatingError as error:
            raise CliError(str(error)) from None
    if as_json:
        typer.echo(json.dumps(asdict(view), indent=2, ensure_ascii=False, default=str))
        return
    who = f"{view.artist} - {view.album}" if view.artist else view.album
    extra = f", favourite: {view.favourite_title}" if view.favourite_title else ""
    out.print(f"{escape(person.username)} rated {escape(who)} {_stars(view.stars)} ({view.stars:g}/5){escape(extra)}.",
              highlight=False)  # fmt: skip


def _print_list(session: Session, user_id: int, as_json: bool) -> None:
    rows = rated_albums(session, user_id)
    relation = rating_against_plays(session, user_id)
    reviews = {r.release_group_id: r for r in ratings_for(session, user_id)}
    if as_json:
        data = {"albums": [asdict(r) | {"favourite_title": reviews[r.release_group_id].favourite_title} for r in rows],
                "mean_plays_by_rating": {str(k): v for k, v in relation.by_stars.items()},
                "rating_plays_correlation": relation.correlation}  # fmt: skip
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if not rows:
        out.print("No ratings yet: `tonearm rate ALBUM RATING` adds one.")
        return
    for r in rows:
        who = f"{r.artist} - {r.album}" if r.artist else r.album
        fav = reviews[r.release_group_id].favourite_title
        out.print(f"{_stars(r.stars)} {r.stars:>3g}  {escape(who)}  ({r.plays} plays)"
                  + (f"  favourite: {escape(fav)}" if fav else ""), highlight=False)  # fmt: skip
    if relation.correlation is not None:
        out.print(f"Rating against plays (Spearman): {relation.correlation:+.2f}")


def _stars(stars: float) -> str:
    return "★" * int(stars) + ("½" if stars % 1 else "") + "☆" * (5 - int(stars + 0.5))
