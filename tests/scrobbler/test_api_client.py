"""The API through a real client: liblistenbrainz 0.7.0 against a running server (formats.md §1 [V])."""

from __future__ import annotations

import time

import pytest
from liblistenbrainz import Listen, ListenBrainz
from liblistenbrainz.errors import InvalidAuthTokenException, ListenBrainzAPIException
from sqlalchemy import func, select

from models.listens import Listen as StoredListen
from models.listens import ListenRaw
from tests.scrobbler.conftest import RunningApi


def client(api: RunningApi, token: str | None = None) -> ListenBrainz:
    lb = ListenBrainz(api_base_url=api.url)  # liblistenbrainz 0.7.0: urljoin(base, "/1/...")
    lb.set_auth_token(token or api.token)  # calls GET /1/validate-token
    return lb


def test_single_import_and_playing_now_round_trip(api_each_engine: RunningApi) -> None:
    api = api_each_engine
    lb = client(api)
    now = int(time.time())
    lb.submit_single_listen(
        Listen(
            track_name="Jóga",
            artist_name="Björk",
            release_name="Homogenic",
            listened_at=now - 600,
            recording_mbid="9e3c4d1a-5b2e-4f0a-8c11-3a5f2b7d9e01",
            tracknumber=3,
            additional_info={"duration_ms": 305000, "submission_client": "test"},
        )
    )
    lb.submit_multiple_listens(
        [
            Listen(track_name=f"Track {i}", artist_name="Import Artist", listened_at=now - 5000 + i * 300)
            for i in range(5)
        ]
    )
    lb.submit_playing_now(Listen(track_name="Now", artist_name="Live Artist"))

    listens = lb.get_listens("alice", count=10)
    assert [listen.track_name for listen in listens][:2] == ["Jóga", "Track 4"]
    assert len(listens) == 6
    first = listens[0]
    assert first.artist_name == "Björk" and first.release_name == "Homogenic"
    assert first.listened_at == now - 600
    assert first.recording_mbid == "9e3c4d1a-5b2e-4f0a-8c11-3a5f2b7d9e01"

    older = lb.get_listens("alice", max_ts=now - 600, count=2)
    assert [listen.track_name for listen in older] == ["Track 4", "Track 3"]
    newer = lb.get_listens("alice", min_ts=now - 5000, count=2)
    assert [listen.track_name for listen in newer] == ["Track 2", "Track 1"]  # min_ts is exclusive

    playing = lb.get_playing_now("alice")
    assert playing is not None and playing.track_name == "Now"
    assert lb.get_playing_now("bob") is None
    with api.db.session() as session:  # playing-now is never stored as a listen
        assert session.scalar(select(func.count()).select_from(ListenRaw)) == 6
        assert session.scalar(select(func.count()).where(StoredListen.track_name == "Now")) == 0


def test_resubmitting_a_listen_stores_it_once(api: RunningApi) -> None:
    lb = client(api, api.other_token)
    listen = Listen(track_name="Again", artist_name="Repeat", listened_at=int(time.time()) - 100)
    lb.submit_single_listen(listen)
    lb.submit_single_listen(listen)  # a client retry after a lost response
    assert [entry.track_name for entry in lb.get_listens("bob")].count("Again") == 1


def test_invalid_token_is_refused_by_the_client(api: RunningApi) -> None:
    with pytest.raises(InvalidAuthTokenException):
        client(api, "not-a-token")


def test_unknown_user_is_a_404(api: RunningApi) -> None:
    lb = ListenBrainz(api_base_url=api.url)
    with pytest.raises(ListenBrainzAPIException) as raised:
        lb.get_listens("nobody")
    assert raised.value.status_code == 404
