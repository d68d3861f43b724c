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


def test_cli_import_options_scrobble_rule_time_zone_and_window(sqlite_db: Database, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from app.cli import app

    runner = CliRunner()
    url = ["--database-url", sqlite_db.url.render_as_string()]

    def run(*args: str) -> dict[str, object]:
        result = runner.invoke(app, [*url, "import", "--json", *args])
        assert result.exit_code == 0, result.output
        reports: list[dict[str, object]] = json.loads(result.stdout)
        return reports[0]

    spotify = str(SAMPLES / "Streaming_History_Audio_2023_0.json")
    ruled = run(spotify)
    assert ruled["imported"] == 4
    assert ruled["skipped"] == {
        "podcast": 1, "audiobook": 1, "incognito": 1, "not_played_enough": 1, "too_short": 1, "no_metadata": 1,
    }  # fmt: skip
    everything = run("--all-plays", "--include-incognito", spotify)
    assert everything["imported"] == 3  # the short plays and the private-session one, now kept
    assert everything["duplicates"] == 4
    assert everything["skipped"] == {"podcast": 1, "audiobook": 1, "no_metadata": 1}

    # A local-time .scrobbler.log is read in --timezone; the same file again in another zone is the same
    # plays (the raw rows keep the line's own timestamp), so it adds nothing.
    log = str(SAMPLES / "rockbox_localtime.scrobbler.log")
    tokyo = run("--timezone", "Asia/Tokyo", log)
    assert int(str(tokyo["imported"])) > 0
    with sqlite_db.session() as session:
        query = select(Listen.listened_at).where(Listen.track_name == "丸の内サディスティック")
        (in_tokyo,) = session.scalars(query)
    berlin = run("--timezone", "Europe/Berlin", log)
    assert berlin["imported"] == 0 and berlin["duplicates"] == tokyo["imported"]
    with sqlite_db.session() as session:
        assert list(session.scalars(query)) == [in_tokyo]
    # Read in Berlin (UTC+2 on 2024-03-31) into a fresh user, the same wall-clock line is 7 h later.
    assert runner.invoke(app, [*url, "user", "add", "berlin"]).exit_code == 0
    berlin_user = run("--user", "berlin", "--timezone", "Europe/Berlin", log)
    assert berlin_user["imported"] == tokyo["imported"]
    with sqlite_db.session() as session:
        first, second = sorted(session.scalars(query))
    assert first == in_tokyo and (second - first).total_seconds() == 7 * 3600
    bad = runner.invoke(app, [*url, "import", "--timezone", "Mars/Olympus", log])
    assert bad.exit_code != 0 and "unknown time zone 'Mars/Olympus'" in str(bad.exception)


def test_cli_duplicate_window(sqlite_db: Database, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from app.cli import app

    runner = CliRunner()
    url = ["--database-url", sqlite_db.url.render_as_string()]
    lb = tmp_path / "lb.jsonl"
    lb.write_text(
        '{"listened_at": 1700000000, "track_metadata": {"artist_name": "A", "track_name": "T"}}\n'
        '{"listened_at": 1700100000, "track_metadata": {"artist_name": "B", "track_name": "U"}}\n'
    )
    header = '"uts","utc_time","artist","artist_mbid","album","album_mbid","track","track_mbid"\n'
    late_a = tmp_path / "a.csv"  # the same play seen by Last.fm 40 s later
    late_a.write_text(header + '"1700000040","14 Nov 2023, 22:14","A","","","","T",""\n')
    late_b = tmp_path / "b.csv"
    late_b.write_text(header + '"1700100040","16 Nov 2023, 02:00","B","","","","U",""\n')

    def run(*args: str) -> dict[str, int]:
        result = runner.invoke(app, [*url, "import", "--json", *args])
        assert result.exit_code == 0, result.output
        report: dict[str, int] = json.loads(result.stdout)[0]
        return report

    assert run(str(lb))["imported"] == 2
    narrow = run("--duplicate-window", "30", str(late_a))
    assert (narrow["imported"], narrow["merged"]) == (1, 0)  # 40 s apart: two listens
    default = run(str(late_b))
    assert (default["imported"], default["merged"]) == (0, 1)  # within the default 120 s: one listen
