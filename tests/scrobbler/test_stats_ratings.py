"""Album ratings in `tonearm stats` and in the stats exports (issue 16: "shown ... in stats (top rated,
rating against plays), and in exports")."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from analyzer.curation.ratings import rate_album
from app.cli import app
from models.engine import Database
from tests.analyzer.test_curation_ratings import albums, user_id


def test_ratings_show_in_stats_and_export(sqlite_db: Database, tmp_path: Path) -> None:
    ids = albums(sqlite_db)
    ada = user_id(sqlite_db, "ada")
    with sqlite_db.session() as session:
        rate_album(session, ada, ids["melody"], 9, review="Cold & warm.")
        rate_album(session, ada, ids["homogenic"], 6)
        rate_album(session, ada, ids["understanding"], 8)
    url = ["--database-url", sqlite_db.url.render_as_string()]
    runner = CliRunner()
    shown = runner.invoke(app, [*url, "stats", "ratings", "--user", "ada", "--json"])
    assert shown.exit_code == 0, shown.output
    rows = json.loads(shown.stdout)
    rows = rows["rows"] if isinstance(rows, dict) else rows
    assert [(r["album"], r["stars"]) for r in rows] == [
        ("Melody A.M.", 4.5),
        ("The Understanding", 4.0),
        ("Homogenic", 3.0),
    ]
    assert rows[0]["review"] == "Cold & warm." and rows[0]["artist"] == "Röyksopp"
    against = runner.invoke(app, [*url, "stats", "ratings-vs-plays", "--user", "ada", "--json"])
    assert against.exit_code == 0, against.output
    target = tmp_path / "ratings.csv"
    exported = runner.invoke(app, [*url, "export", "stats", "ratings", "--user", "ada", "-o", str(target)])
    assert exported.exit_code == 0, exported.output
    with target.open(encoding="utf-8") as f:
        assert [row["album"] for row in csv.DictReader(f)] == [
            "Melody A.M.",
            "The Understanding",
            "Homogenic",
        ]
    nobody = runner.invoke(app, [*url, "stats", "ratings", "--user", "bo", "--json"])
    assert nobody.exit_code == 0
