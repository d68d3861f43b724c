"""Every sample history file end to end into a real database (SQLite and MariaDB, single and split)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from models.engine import Database
from models.enums import EnrichStatus
from models.listens import Listen, ListenRaw, ListenSource
from scrobbler.importers import detect
from scrobbler.ingest import IngestReport, run_ingest
from scrobbler.records import ImportProblem, ListenRecord
from scrobbler.users import default_user

SAMPLES = Path(__file__).parents[1] / "data" / "imports"


def count(db: Database, table: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def import_file(db: Database, path: Path, user_id: int) -> IngestReport:
    importer = detect(path)
    assert importer is not None, path
    return run_ingest(db, importer.parse(path), user_id, batch_size=3)


def test_every_sample_file_imports_and_reimports_as_nothing(db: Database) -> None:
    with db.session() as session:
        user_id = default_user(session).id
    expected_listens = 0
    for path in sorted(SAMPLES.iterdir()):
        importer = detect(path)
        assert importer is not None
        rows = list(importer.parse(path))
        records = [row for row in rows if isinstance(row, ListenRecord)]
        problems = [row for row in rows if isinstance(row, ImportProblem)]
        report = import_file(db, path, user_id)
        assert report.read == len(rows)
        assert report.imported + report.merged + report.duplicates == len(records), path.name
        assert report.skipped_count == sum(p.kind == "skipped" for p in problems)
        assert report.failed_count == sum(p.kind == "failed" for p in problems)
        assert all(failure.location and failure.reason for failure in report.failed)
        expected_listens += report.imported

        again = import_file(db, path, user_id)
        assert (again.imported, again.merged) == (0, 0), path.name
        assert again.duplicates == len(records)

    raw = count(db, ListenRaw)
    assert expected_listens > 30
    assert count(db, Listen) == expected_listens
    # every raw row is a listen's own raw_id or a duplicate link, never both and never neither
    assert count(db, Listen) + count(db, ListenSource) == raw
    with db.session() as session:
        statuses = set(session.scalars(select(Listen.enrich_status).distinct()))
        assert statuses == {EnrichStatus.PENDING}
        payload = session.scalar(select(ListenRaw.payload_json).where(ListenRaw.source == "maloja").limit(1))
        assert payload is not None and payload.startswith("{")


def test_unicode_names_survive_and_normalize(db: Database) -> None:
    with db.session() as session:
        user_id = default_user(session).id
    import_file(db, SAMPLES / "listenbrainz_listens.jsonl", user_id)
    with db.session() as session:
        listen = session.scalars(select(Listen).where(Listen.artist_name == "Björk")).first()
        assert listen is not None
        assert listen.artist_name_normalized == "bjork"
        assert listen.recording_mbid == "9e3c4d1a-5b2e-4f0a-8c11-3a5f2b7d9e01"
        assert listen.isrc == "GBAAA9700001"


def test_cli_import_reports_each_file(sqlite_db: Database, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from app.cli import app

    runner = CliRunner()
    url = ["--database-url", sqlite_db.url.render_as_string()]
    stranger = tmp_path / "notes.txt"
    stranger.write_text("not a history file\n")
    files = [str(SAMPLES / "lastfm_ghan.csv"), str(SAMPLES / "rockbox_utc.scrobbler.log")]
    result = runner.invoke(app, [*url, "import", "--json", *files])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert [r["format"] for r in reports] == ["lastfm_csv", "scrobbler_log"]
    assert reports[0]["imported"] == 3 and reports[0]["skipped"] == {"no_timestamp": 1}
    assert reports[1]["failed"][0]["location"] == "rockbox_utc.scrobbler.log:8"
    again = json.loads(runner.invoke(app, [*url, "import", "--json", *files]).stdout)
    assert [r["imported"] for r in again] == [0, 0] and again[0]["duplicates"] == 3
    human = runner.invoke(app, [*url, "import", "--format", "lastfm_csv", files[0]])
    assert human.exit_code == 0 and "duplicates" in human.stdout
    assert runner.invoke(app, [*url, "import", str(stranger)]).exit_code == 1
    assert runner.invoke(app, [*url, "import", "--user", "nobody", files[0]]).exit_code != 0
