"""The grouped review queue (counts left, skip for later), group detail with per-field evidence, decisions
on exact listen sets, the suspicious queue and learned aliases -- on every engine layout."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from analyzer import review
from analyzer.aliases import learned_aliases, remove_alias
from analyzer.matching import enrich_listens
from analyzer.review_evidence import confidence_band, diff_spans
from analyzer.review_queue import (
    GroupKey,
    group_of_listen,
    is_skipped,
    load_group,
    queue_page,
    skip_group,
    unskip_group,
)
from analyzer.review_suspicious import suspicious_page
from models.engine import Database
from models.enums import EnrichStatus
from models.listens import Listen
from models.progress import run_to_end
from models.tracks import TitleAlias
from tests import matching_fixtures as fx


def build(db: Database) -> dict[str, int]:
    with db.session() as s:
        ids = {
            "creep": fx.track(s, "Radiohead", "Creep", album="Pablo Honey", duration=238),
            "karma": fx.track(s, "Radiohead", "Karma Police", duration=264),
            "teardrop": fx.track(s, "Massive Attack", "Teardrop", duration=330),
        }
        for _ in range(3):
            fx.listen(s, "Radiohead", "Creep (Live)", "Pablo Honey", duration=250)
        fx.listen(s, "radiohead", "creep (live)", duration=251)
        fx.listen(s, "Radiohead", "Creep (Live)", "Live at the BBC", duration=249)
        for _ in range(2):
            fx.listen(s, "Nobody Known", "Some Song")
        # a weak automatic link: names agree, the length is 16 s off (calibrated ~95 %, below green)
        ids["weak"] = fx.listen(s, "Massive Attack", "Teardrop", duration=346.5)
        fx.listen(s, "Radiohead", "Karma Police", duration=264)
    run_to_end(enrich_listens(db))
    return ids


def statuses(db: Database) -> dict[str, list[str]]:
    with db.session() as s:
        rows = s.execute(select(Listen.track_name, Listen.enrich_status).order_by(Listen.id))
        found: dict[str, list[str]] = {}
        for name, status in rows:
            found.setdefault(name.lower(), []).append(str(status))
        return found


def test_queue_groups_in_sql_with_counts_left_and_skips_that_last(db: Database):
    build(db)
    with db.session() as s:
        page = queue_page(s)
        assert [(g.track_name, g.listens) for g in page.groups] == [("Creep (Live)", 5), ("Some Song", 2)]
        assert (page.total_groups, page.total_listens, page.skipped_groups) == (2, 7, 0)
        assert len(set(page.groups[0].listen_ids)) == 5
        assert page.groups[0].first_at < page.groups[0].last_at
        first = queue_page(s, limit=1)
        assert len(first.groups) == 1 and first.total_groups == 2 and first.total_listens == 7
        by_release = queue_page(s, by_release=True)
        assert sorted((g.key.title, g.key.release, g.listens) for g in by_release.groups) == [
            ("creep live", "", 1),
            ("creep live", "live at the bbc", 1),
            ("creep live", "pablo honey", 3),
            ("some song", "", 2),
        ]
        assert by_release.groups[0].listens == 3 and by_release.total_groups == 4
        skip_group(s, page.groups[1].key, "Nobody Known – Some Song")
    with db.session() as s:  # a new session: the skip is stored, not remembered in memory
        assert is_skipped(s, GroupKey("nobody known", "some song"))
        page = queue_page(s)
        assert [g.track_name for g in page.groups] == ["Creep (Live)"]
        assert (page.total_groups, page.total_listens, page.skipped_groups) == (1, 5, 1)
        assert [g.track_name for g in queue_page(s, skipped=True).groups] == ["Some Song"]
        assert [g.key for g in review.review_queue(s)] == ["Radiohead – Creep (Live)"]
        assert unskip_group(s, GroupKey("nobody known", "some song")) and not unskip_group(
            s, GroupKey("nobody known", "some song")
        )
        assert queue_page(s).total_groups == 2


def test_the_group_of_one_listen_wherever_it_ranks(db: Database):
    ids = build(db)
    with db.session() as s:
        lonely = s.scalar(select(Listen.id).where(Listen.track_name == "Some Song"))
        assert lonely is not None
        group = group_of_listen(s, lonely)
        assert group is not None and group.key == GroupKey("nobody known", "some song")
        assert group.listens == 2 and lonely in group.listen_ids
        by_release = group_of_listen(s, lonely, by_release=True)
        assert by_release is not None and by_release.key.release == ""
        assert group_of_listen(s, ids["weak"]) is None  # linked: not waiting for review
        assert group_of_listen(s, 10**9) is None


def test_group_detail_shows_evidence_and_why_not_linked(db: Database):
    ids = build(db)
    with db.session() as s:
        group = queue_page(s).groups[0]
        by_ids = load_group(s, group.key, listen_ids=group.listen_ids)
        by_key = load_group(s, group.key)
    assert by_ids.listen_ids == by_key.listen_ids and len(by_ids.listens) == 5
    assert by_ids.listens[0].listened_at >= by_ids.listens[-1].listened_at  # newest first
    best = by_ids.candidates[0]
    assert best.track_id == ids["creep"] and best.listens == 5
    fields = {f.name: f for f in best.fields}
    assert fields["title"].heard_diff == ((5, 12),) and fields["title"].library_diff == ()
    assert not fields["artist"].differs and fields["album"].library == "Pablo Honey"
    assert "version" in best.differing and "duration" in best.differing
    assert "live version" in by_ids.why and "never linked automatically" in by_ids.why
    assert best.band == confidence_band(best.confidence) == "red"
    assert diff_spans("Bjork", "Björk") == ((), ())  # the matcher ignores accents, so does the highlight


def test_decisions_on_exact_listens_leave_the_unticked_ones(db: Database):
    ids = build(db)
    with db.session() as s:
        group = queue_page(s).groups[0]
        keep_out = group.listen_ids[0]
        chosen = [i for i in group.listen_ids if i != keep_out]
        decision = review.accept_listens(s, chosen, ids["creep"], reviewer="ada")
        assert sorted(decision.listen_ids) == sorted(chosen) and decision.learned == ["title: Creep (Live)"]
    with db.session() as s:
        page = queue_page(s)
        assert [(g.track_name, g.listens) for g in page.groups] == [("Some Song", 2), ("Creep (Live)", 1)]
        assert (page.total_groups, page.total_listens) == (2, 3)
        assert s.get(Listen, keep_out).enrich_status == EnrichStatus.AMBIGUOUS
        # decided meanwhile: left alone and reported
        again = review.accept_listens(s, [chosen[0], keep_out], ids["creep"], reviewer="bob")
        assert again.listen_ids == [keep_out] and again.skipped == [chosen[0]]
        unknown = page.groups[0]
        rejected = review.reject_listens(s, list(unknown.listen_ids), reviewer="ada")
        assert len(rejected.listen_ids) == 2
        with pytest.raises(review.ReviewError, match="decided already"):
            review.reject_listens(s, list(unknown.listen_ids), reviewer="ada")
        with pytest.raises(review.ReviewError, match="no listen"):
            review.accept_listens(s, [10**9], ids["creep"], reviewer="ada")
    assert statuses(db)["some song"] == ["manual", "manual"]
    with db.session() as s:
        assert review.undo(s) is not None and review.undo(s) is not None and review.undo(s) is not None
    assert statuses(db)["some song"] == ["unmatched", "unmatched"]
    assert set(statuses(db)["creep (live)"]) == {"ambiguous"}
    with db.session() as s:
        assert s.scalars(select(TitleAlias)).all() == []


def test_suspicious_queue_lists_weak_automatic_links(db: Database):
    ids = build(db)
    with db.session() as s:
        weak = s.get(Listen, ids["weak"])
        assert weak is not None and weak.enrich_status == EnrichStatus.MATCHED
        assert weak.match_confidence is not None and weak.match_confidence < 0.96
        page, found = suspicious_page(s)
    assert [(g.track_name, g.listens) for g in page.groups] == [("Teardrop", 1)]
    assert found[0].reasons == ("weak",) and "weak link" in found[0].reason_text
    assert page.groups[0].listen_ids == (ids["weak"],) and (page.total_groups, page.total_listens) == (1, 1)
    with db.session() as s:
        skip_group(s, page.groups[0].key)
        assert suspicious_page(s)[0].total_groups == 0  # a skipped song is out of the totals too
        unskip_group(s, page.groups[0].key)
    with db.session() as s:
        detail = load_group(s, page.groups[0].key, (EnrichStatus.MATCHED,), page.groups[0].listen_ids)
        assert detail.candidates[0].track_id == ids["teardrop"] and detail.candidates[0].linked
        review.accept_listens(s, detail.listen_ids, ids["teardrop"], reviewer="ada", action="confirm")
    with db.session() as s:
        assert suspicious_page(s)[0].groups == []


def test_learned_aliases_say_which_decision_and_can_be_removed(db: Database):
    ids = build(db)
    with db.session() as s:
        group = queue_page(s).groups[0]
        review.accept_listens(s, list(group.listen_ids), ids["creep"], reviewer="ada")
        unknown = queue_page(s).groups[0]
        review.accept_listens(s, list(unknown.listen_ids), ids["karma"], reviewer="bob", action="link")
    with db.session() as s:
        found = {(a.kind, a.alias): a for a in learned_aliases(s)}
    assert set(found) == {("title", "Creep (Live)"), ("title", "Some Song"), ("artist", "Nobody Known")}
    creep = found[("title", "Creep (Live)")]
    assert creep.target == "Creep by Radiohead" and creep.listens == 5
    assert creep.decision == "accepted as a group by ada, 5 listens"
    assert found[("artist", "Nobody Known")].decision == "linked by hand by bob, 2 listens"
    with db.session() as s:
        assert remove_alias(s, "title", creep.alias_id) and not remove_alias(s, "title", creep.alias_id)
    with db.session() as s:
        assert ("title", "Creep (Live)") not in {(a.kind, a.alias) for a in learned_aliases(s)}
