"""`tonearm import` exit codes and `tonearm serve --tls-*` checks, run in-process as the console script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "imports"


@pytest.fixture
def url(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite:///{tmp_path / 'tonearm.db'}"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, stdout, and stderr with rich's line wrapping undone."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


def test_a_forced_format_that_does_not_fit_says_so_and_fails(
    capsys: pytest.CaptureFixture[str], url: list[str]
) -> None:
    spotify = str(SAMPLES / "Streaming_History_Audio_2023_0.json")
    code, out, err = run(capsys, *url, "import", "--format", "maloja", spotify)
    assert code == 1
    assert "does not look like a maloja file (it looks like spotify_extended)" in err
    code, out, _ = run(capsys, *url, "import", "--json", "--format", "lastfm_csv", spotify)
    assert code == 1
    report = json.loads(out)[0]
    assert report["imported"] == 0 and "does not look like a lastfm_csv file" in report["error"]


def test_a_forced_format_that_fits_a_file_its_sniffer_would_not_claim_still_imports(
    capsys: pytest.CaptureFixture[str], url: list[str], tmp_path: Path
) -> None:
    log = tmp_path / "plays.txt"  # a header-less log not named *scrobbler.log: only --format reads it
    log.write_text("Artist\tAlbum\tTrack\t1\t200\tL\t1704067200\t\n", encoding="utf-8")
    code, out, _ = run(
        capsys, *url, "import", "--json", "--format", "scrobbler_log", "--timezone", "UTC", str(log)
    )
    assert code == 0 and json.loads(out)[0]["imported"] == 1


def test_an_import_where_every_row_failed_exits_non_zero(
    capsys: pytest.CaptureFixture[str], url: list[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n"
        '"abc","","A","","","","T",""\n"1700000000","","","","","","T",""\n',
        encoding="utf-8",
    )
    code, _out, err = run(capsys, *url, "import", str(bad))
    assert code == 1
    assert "no row of bad.csv could be imported (2 failed)" in err
    good = str(SAMPLES / "lastfm_ghan.csv")  # 3 listens beside 3 failed rows: a partial success is 0
    assert run(capsys, *url, "import", good)[0] == 0


def test_a_playing_now_page_is_skipped_with_its_reason_and_exits_zero(
    capsys: pytest.CaptureFixture[str], url: list[str]
) -> None:
    code, out, _ = run(capsys, *url, "import", "--json", str(SAMPLES / "listenbrainz_playing_now.json"))
    report = json.loads(out)[0]
    assert code == 0
    assert report["skipped"] == {"now_playing": 1} and report["failed_count"] == 0


def test_serve_refuses_half_a_tls_pair_or_a_missing_file(
    capsys: pytest.CaptureFixture[str], url: list[str], tmp_path: Path
) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("not a certificate")
    code, _, err = run(capsys, *url, "serve", "--tls-cert", str(cert))
    assert code == 1 and "needs both" in err
    code, _, err = run(capsys, *url, "serve", "--tls-cert", str(cert), "--tls-key", str(tmp_path / "no.pem"))
    assert code == 1 and "not a readable file" in err
    key = tmp_path / "key.pem"
    key.write_text("not a key")
    code, _out, err = run(capsys, *url, "serve", "--tls-cert", str(cert), "--tls-key", str(key))
    assert code == 1 and "cannot use" in err
