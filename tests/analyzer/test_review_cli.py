"""`tonearm enrich` and `tonearm review ...` through app.cli.main, on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from models.bootstrap import init_database
from models.engine import open_database
from models.schemas import SchemaConfig
from tests import matching_fixtures as fx


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = open_database(url, SchemaConfig())
    init_database(db)
    with db.session() as s:
        fx.track(s, "Radiohead", "Creep", duration=238)
        fx.track(s, "Radiohead", "Karma Police", duration=264)
        fx.listen(s, "Radiohead", "Creep", duration=238)
        fx.listen(s, "Radiohead", "Creep (Live)", duration=250)
        fx.listen(s, "radiohead", "creep (live)", duration=252)
        fx.listen(s, "Someone Else", "Unknown Song")
    db.dispose()
    return url


def test_enrich_then_review_through_the_cli(capsys: pytest.CaptureFixture[str], url: str):
    code, out, _ = run(capsys, "--database-url", url, "enrich", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["selected"] == 4 and summary["matched"] == 1
    assert summary["totals"]["ambiguous"] == 2 and summary["totals"]["unmatched"] == 1

    code, out, _ = run(capsys, "--database-url", url, "review", "list", "--json", "--status", "ambiguous")
    groups = json.loads(out)
    assert code == 0 and len(groups) == 1 and len(groups[0]["listens"]) == 2
    first = groups[0]["listens"][0]
    creep = first["candidates"][0]["track_id"]

    code, out, _ = run(capsys, "--database-url", url, "review", "accept-group", str(first["listen_id"]))
    assert code == 0 and "2 listen(s)" in out and "learned title: Creep (Live)" in out
    code, out, _ = run(capsys, "--database-url", url, "review", "undo")
    assert code == 0 and "undo accept_group" in out
    code, out, _ = run(capsys, "--database-url", url, "review", "accept", str(first["listen_id"]), str(creep))
    assert code == 0 and f"track {creep}" in out

    code, out, _ = run(capsys, "--database-url", url, "review", "list", "--group-by", "artist")
    assert code == 0 and "Someone Else" in out and "Radiohead" in out
    unmatched = json.loads(
        run(capsys, "--database-url", url, "review", "list", "--json", "--status", "unmatched")[1]
    )
    lonely = unmatched[0]["listens"][0]["listen_id"]
    code, _, err = run(capsys, "--database-url", url, "review", "accept", str(lonely))
    assert code == 1 and "no candidates" in err
    code, out, _ = run(capsys, "--database-url", url, "review", "reject", str(lonely), "--reviewer", "bob")
    assert code == 0 and "reject: 1 listen(s)" in out
    code, out, _ = run(capsys, "--database-url", url, "review", "link", str(lonely), str(creep))
    assert code == 0
    code, _, err = run(capsys, "--database-url", url, "review", "list", "--status", "bogus")
    assert code == 1 and "--status" in err


def test_skip_aliases_and_group_exceptions_through_the_cli(capsys: pytest.CaptureFixture[str], url: str):
    assert run(capsys, "--database-url", url, "enrich")[0] == 0
    groups = json.loads(
        run(capsys, "--database-url", url, "review", "list", "--json", "--status", "ambiguous")[1]
    )
    first, second = (item["listen_id"] for item in groups[0]["listens"])
    unknown = json.loads(
        run(capsys, "--database-url", url, "review", "list", "--json", "--status", "unmatched")[1]
    )
    lonely = unknown[0]["listens"][0]["listen_id"]

    code, out, _ = run(capsys, "--database-url", url, "review", "skip", str(lonely))
    assert code == 0 and "skipped for later: Someone Else – Unknown Song" in out
    code, out, _ = run(capsys, "--database-url", url, "review", "list")
    assert "Unknown Song" not in out and "1 song(s) skipped for later" in out
    code, out, _ = run(capsys, "--database-url", url, "review", "list", "--skipped")
    assert code == 0 and "Someone Else – Unknown Song (1 listens" in out
    assert run(capsys, "--database-url", url, "review", "unskip", str(lonely))[0] == 0
    code, _, err = run(capsys, "--database-url", url, "review", "unskip", str(lonely))
    assert code == 1 and "was not skipped" in err

    code, out, _ = run(
        capsys, "--database-url", url, "review", "accept-group", str(first), "--except", str(second)
    )
    assert code == 0 and "accept_group: 1 listen(s)" in out
    code, out, _ = run(capsys, "--database-url", url, "review", "aliases", "--json")
    aliases = json.loads(out)
    assert [(a["kind"], a["alias"]) for a in aliases] == [("title", "Creep (Live)")]
    assert aliases[0]["decision"].startswith("accepted as a group by ")
    code, out, _ = run(
        capsys, "--database-url", url, "review", "forget-alias", "title", str(aliases[0]["id"])
    )
    assert code == 0 and "forgot title alias" in out
    code, _, err = run(
        capsys, "--database-url", url, "review", "forget-alias", "title", str(aliases[0]["id"])
    )
    assert code == 1 and "no learned title alias" in err
    code, out, _ = run(capsys, "--database-url", url, "review", "list", "--suspicious")
    assert code == 0 and "0 listens in 0 groups" in out
