"""AcoustID through a fake service: lookups link tracks, submissions happen once, keys are opt-in."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import select

from analyzer.acoustid import (
    AcoustIdConfig,
    AcoustIdError,
    AcoustIdMatch,
    AcoustIdSummary,
    PyAcoustIdService,
    Submission,
    fingerprint_sha1,
    load_acoustid_config,
    sync_acoustid,
)
from models.engine import Database
from models.enums import AnalysisStatus, EntityType
from models.external_ids import ExternalId
from models.media import AcoustidSubmission, Fingerprint, MediaFile
from models.tracks import Track


class FakeAcoustId:
    """Answers from a table keyed by fingerprint; records every submission; never touches the network."""

    def __init__(self, answers: dict[str, list[AcoustIdMatch]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []
        self.submitted: list[Submission] = []

    def lookup(self, fingerprint: str, duration_secs: float) -> list[AcoustIdMatch]:
        self.lookups.append(fingerprint)
        if fingerprint == "AQbroken":
            raise AcoustIdError("error 3: invalid fingerprint")
        return self.answers.get(fingerprint, [])

    def submit(self, submissions: Sequence[Submission]) -> list[str | None]:
        self.submitted.extend(submissions)
        return [f"sub-{len(self.submitted) - len(submissions) + i}" for i in range(len(submissions))]


def add_file(db: Database, name: str, fingerprint: str, mbid: str | None = None) -> int:
    with db.session() as s:
        track = Track(track_uid=f"uid:{name}", title=name, title_normalized=name)
        s.add(track)
        s.flush()
        media = MediaFile(file_path=f"/m/{name}", file_path_hash=name.ljust(40, "0")[:40], track_id=track.id,
                          analysis_status=AnalysisStatus.DONE)  # fmt: skip
        s.add(media)
        s.flush()
        s.add(Fingerprint(media_file_id=media.id, chromaprint=fingerprint, duration_secs=180.0))
        if mbid:
            s.add(
                ExternalId(
                    entity_type=EntityType.TRACK, entity_id=track.id, scheme="recording_mbid", value=mbid
                )
            )
        return media.id


def drain(events) -> AcoustIdSummary:  # type: ignore[no-untyped-def]
    while True:
        try:
            next(events)
        except StopIteration as stop:
            return stop.value


def acoustid_links(db: Database) -> set[tuple[int, str]]:
    with db.session() as s:
        rows = s.execute(
            select(ExternalId.entity_id, ExternalId.value).where(ExternalId.scheme == "acoustid")
        )
        return {(int(e), v) for e, v in rows.tuples()}


def test_lookup_links_confident_matches_and_collects_errors(db: Database) -> None:
    good = add_file(db, "good", "AQgood")
    weak = add_file(db, "weak", "AQweak")
    broken = add_file(db, "broken", "AQbroken")
    fake = FakeAcoustId(
        {
            "AQgood": [AcoustIdMatch("acoustid-1", 0.97, ("mbid-1",)), AcoustIdMatch("acoustid-2", 0.4)],
            "AQweak": [AcoustIdMatch("acoustid-3", 0.3)],
        }
    )
    summary = drain(sync_acoustid(db, fake, [good, weak, broken]))
    assert (summary.looked_up, summary.linked) == (2, 1)
    assert len(summary.errors) == 1 and "invalid fingerprint" in summary.errors[0]
    with db.session() as s:
        good_track = s.get(MediaFile, good).track_id  # type: ignore[union-attr]
    assert acoustid_links(db) == {(good_track, "acoustid-1")}
    assert drain(sync_acoustid(db, fake, [good])).linked == 0  # already linked: no second row


def test_submits_once_per_fingerprint_and_only_with_an_mbid(db: Database) -> None:
    first = add_file(db, "first", "AQsame", mbid="mbid-a")
    second = add_file(db, "second", "AQsame", mbid="mbid-a")  # the same audio in another place
    other = add_file(db, "other", "AQother", mbid="mbid-b")
    anonymous = add_file(db, "anon", "AQanon")
    fake = FakeAcoustId({})
    summary = drain(sync_acoustid(db, fake, [first, second, other, anonymous], submit=True))
    assert summary.submitted == 2
    assert sorted((s.fingerprint, s.recording_mbid) for s in fake.submitted) == [
        ("AQother", "mbid-b"),
        ("AQsame", "mbid-a"),
    ]
    with db.session() as s:
        stored = s.execute(
            select(AcoustidSubmission.fingerprint_sha1, AcoustidSubmission.submission_id)
        ).all()
    assert {sha for sha, _ in stored} == {fingerprint_sha1("AQsame"), fingerprint_sha1("AQother")}
    assert all(sid and sid.startswith("sub-") for _, sid in stored)

    again = drain(sync_acoustid(db, fake, [first, second, other, anonymous], submit=True))
    assert again.submitted == 0 and again.already_submitted == 3 and len(fake.submitted) == 2


def test_keys_come_from_env_or_config_and_are_opt_in(tmp_path: Path) -> None:
    assert load_acoustid_config({"XDG_CONFIG_HOME": str(tmp_path)}) is None
    config_file = tmp_path / "tonearm" / "config.toml"
    config_file.parent.mkdir()
    config_file.write_text('[acoustid]\napi_key = "file-key"\nuser_key = "user"\n')
    assert load_acoustid_config({"XDG_CONFIG_HOME": str(tmp_path)}) == AcoustIdConfig("file-key", "user")
    env = {"XDG_CONFIG_HOME": str(tmp_path), "TONEARM_ACOUSTID_API_KEY": "env-key"}
    assert load_acoustid_config(env) == AcoustIdConfig("env-key", "user")


def test_pyacoustid_service_parses_replies(monkeypatch: pytest.MonkeyPatch) -> None:
    import acoustid

    reply = {"status": "ok", "results": [{"id": "a1", "score": 0.5}, {"id": "a2", "score": 0.9,
             "recordings": [{"id": "r1"}]}]}  # fmt: skip
    monkeypatch.setattr(acoustid, "lookup", lambda *args, **kwargs: reply)
    monkeypatch.setattr(
        acoustid, "submit", lambda *args, **kwargs: {"status": "ok", "submissions": [{"id": 7}]}
    )
    service = PyAcoustIdService(AcoustIdConfig("key", "user"))
    assert service.lookup("AQx", 100.0) == [AcoustIdMatch("a2", 0.9, ("r1",)), AcoustIdMatch("a1", 0.5)]
    assert service.submit([Submission("AQx", 100.0, "r1")]) == ["7"]
    with pytest.raises(AcoustIdError, match="user key"):
        PyAcoustIdService(AcoustIdConfig("key")).submit([Submission("AQx", 100.0)])


def test_a_cancel_stops_before_the_next_request_and_returns_the_summary(sqlite_db: Database) -> None:
    from models.progress import CancelToken

    ids = [add_file(sqlite_db, name, f"AQ{name}") for name in ("one", "two", "three")]
    fake = FakeAcoustId(
        {f"AQ{name}": [AcoustIdMatch(f"acoustid-{name}", 0.9)] for name in ("one", "two", "three")}
    )
    token = CancelToken()
    events = sync_acoustid(sqlite_db, fake, ids, cancel=token)
    first = next(events)
    assert first.done == 1
    token.cancel()
    summary = drain(events)
    assert summary.cancelled and (summary.looked_up, summary.linked) == (1, 1)
    assert fake.lookups == ["AQone"]  # no request after the cancel
    assert {value for _, value in acoustid_links(sqlite_db)} == {"acoustid-one"}
