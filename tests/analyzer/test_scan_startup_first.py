"""A first scan run before Typer (app.commands.first_scan): the command lines it takes, the ones it leaves
to Typer, and the same database and output as the scan Typer runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import load_command, main
from app.commands import first_scan
from app.commands.first_scan import FLAGS, parse_first_scan
from models.engine import Database, open_database
from models.schemas import SchemaConfig
from tests.analyzer.test_scan_startup import catalog, small_library
from tests.scan_audio import make_templates

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is needed to make audio")


def test_the_flags_it_knows_are_the_scan_commands_options() -> None:
    command = load_command("scan")
    options = {opt for param in command.params for opt in param.opts if opt.startswith("-")}
    assert options == set(FLAGS)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["scan", "a"], (None, ["a"], set())),
        (
            ["scan", "--json", "a", "b", "--include-hidden"],
            (None, ["a", "b"], {"--json", "--include-hidden"}),
        ),
        (
            ["--database-url", "sqlite:///x.db", "scan", "a", "--errors"],
            ("sqlite:///x.db", ["a"], {"--errors"}),
        ),
        (["--database-url=sqlite:///x.db", "scan", "a"], ("sqlite:///x.db", ["a"], set())),
        (["scan"], None),  # the library folders: the database exists
        (["scan", "--json"], None),
        (["scan", "a", "--help"], None),
        (["scan", "--", "a"], None),
        (["scan", "a", "--jsn"], None),
        (["scan", "a", "--database-url", "x"], None),  # a root option after the command: Typer's error
        (["files", "--errors"], None),
        (["--version"], None),
        (["--database-url"], None),
        ([], None),
    ],
)
def test_command_lines_it_takes_and_leaves(
    argv: list[str], expected: tuple[str | None, list[str], set[str]] | None
) -> None:
    assert parse_first_scan(argv) == expected


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(tmp_path_factory.mktemp("first-scan-templates"))


def scanned(url: str) -> Database:
    return open_database(url, SchemaConfig())


@needs_ffmpeg
def test_a_first_scan_before_typer_writes_and_prints_what_typers_scan_does(
    tmp_path: Path,
    templates: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = small_library(tmp_path / "music", templates)
    taken: list[int | None] = []
    run = first_scan.run_first_scan

    def recorded(argv: list[str]) -> int | None:
        taken.append(run(argv))
        return taken[-1]

    monkeypatch.setattr(first_scan, "run_first_scan", recorded)
    fast_url = f"sqlite:///{tmp_path / 'first.db'}"
    assert main(["--database-url", fast_url, "scan", str(root), "--json", "--errors"]) == 0
    assert taken == [0]  # run before Typer
    fast_out = capsys.readouterr().out

    monkeypatch.setattr(first_scan, "run_first_scan", lambda argv: None)  # Typer's path
    typer_url = f"sqlite:///{tmp_path / 'typer.db'}"
    assert main(["--database-url", typer_url, "scan", str(root), "--json", "--errors"]) == 0
    typer_out = capsys.readouterr().out
    assert fast_out == typer_out
    summary = json.loads(fast_out[: fast_out.index("\n}\n") + 2])
    assert (summary["added"], summary["errors"]) == (18, 1)
    assert "broken.mp3" in fast_out  # --errors listed it

    fast_db, typer_db = scanned(fast_url), scanned(typer_url)
    assert catalog(fast_db) == catalog(typer_db)
    fast_db.dispose()
    typer_db.dispose()


@needs_ffmpeg
def test_a_database_that_exists_or_a_missing_path_goes_to_typer(
    tmp_path: Path,
    templates: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = small_library(tmp_path / "music", templates)
    url = f"sqlite:///{tmp_path / 'lib.db'}"
    assert first_scan.run_first_scan(["--database-url", url, "scan", str(root), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["added"] == 18
    # The database exists now: Typer runs the rescan (everything unchanged).
    assert first_scan.run_first_scan(["--database-url", url, "scan", str(root), "--json"]) is None
    assert main(["--database-url", url, "scan", str(root), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 19
    # A missing path: Typer's command says so, as before.
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert first_scan.run_first_scan(["--database-url", other, "scan", str(tmp_path / "nope")]) is None
    assert main(["--database-url", other, "scan", str(tmp_path / "nope")]) == 1
    assert "no such file or folder" in capsys.readouterr().err
    monkeypatch.setenv("TONEARM_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert first_scan.run_first_scan(["scan", str(root), "--json"]) == 0  # the URL from the environment
    assert json.loads(capsys.readouterr().out)["added"] == 18
    assert (tmp_path / "env.db").stat().st_size > 0


@needs_ffmpeg
def test_the_console_script_runs_a_first_scan_and_any_other_command_line_as_the_cli_does(
    tmp_path: Path,
    templates: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app import launch

    root = small_library(tmp_path / "music", templates)
    url = f"sqlite:///{tmp_path / 'lib.db'}"
    monkeypatch.setattr("sys.argv", ["tonearm", "--database-url", url, "scan", str(root), "--json"])
    assert launch.main() == 0
    assert json.loads(capsys.readouterr().out)["added"] == 18
    # The database exists now: the rescan is Typer's, through the same entry point.
    assert launch.main() == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 19
    monkeypatch.setattr("sys.argv", ["tonearm", "--database-url", url, "tracks", "--limit", "1"])
    assert launch.main() == 0
    assert capsys.readouterr().out.strip()


def test_an_error_while_the_console_script_starts_a_first_scan_is_reported_as_the_cli_reports_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app import launch

    def refused(argv: list[str]) -> None:
        raise PermissionError(13, "Permission denied", str(tmp_path / "music"))

    monkeypatch.setattr(first_scan, "start_first_scan", refused)
    monkeypatch.setattr("sys.argv", ["tonearm", "scan", str(tmp_path), "--json"])
    assert launch.main() == 1
    assert capsys.readouterr().err.startswith("tonearm: error: [Errno 13] Permission denied")
