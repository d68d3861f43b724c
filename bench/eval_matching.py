"""Precision and recall of listen matching on the generated, labelled evaluation set.

    python -m bench.eval_matching [--seed 7] [--tracks 5000] [--listens 10000]

Runs the real ``enrich`` over a fresh SQLite database holding the set, then reads the outcome back:
auto-link precision and recall, correct track in the top 3 (links and candidates), auto-links of songs that
are not in the library, and recall misses per kind of messiness. Targets: precision >= 0.99, recall >= 0.90,
top-3 >= 0.98, zero auto-links of absent songs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from analyzer.matching import MatchSettings, enrich_listens
from bench.matching_data import EvalSet, generate, load_into
from models.bootstrap import init_database
from models.engine import Database, open_database
from models.listens import Listen, ListenMatchCandidate
from models.schemas import SchemaConfig


@dataclass
class EvalReport:
    listens: int = 0
    in_library: int = 0
    linked: int = 0
    linked_right: int = 0
    top3: int = 0
    absent_linked: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    missed_by_tag: Counter[str] = field(default_factory=Counter)
    wrong_by_tag: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)
    # Reliability: per confidence decile of the best answer (link or first candidate), [answers, right].
    deciles: dict[int, list[int]] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.linked_right / self.linked if self.linked else 1.0

    @property
    def recall(self) -> float:
        return self.linked_right / self.in_library if self.in_library else 1.0

    @property
    def top3_recall(self) -> float:
        return self.top3 / self.in_library if self.in_library else 1.0

    def lines(self) -> list[str]:
        out = [
            f"listens {self.listens:,} ({self.in_library:,} of songs in the library)",
            f"statuses {dict(self.statuses)}",
            f"auto-link precision {self.precision:.4f} ({self.linked_right:,}/{self.linked:,})  target >= 0.99",
            f"auto-link recall    {self.recall:.4f} ({self.linked_right:,}/{self.in_library:,})  target >= 0.90",
            f"top-3 recall        {self.top3_recall:.4f} ({self.top3:,}/{self.in_library:,})  target >= 0.98",
            f"absent songs linked {self.absent_linked}  target 0",
        ]
        out.append("calibration (best answer's confidence -> share right):")
        for decile, (answers, right) in sorted(self.deciles.items()):
            low = decile / 10
            out.append(f"  {low:.1f}-{low + 0.1:.1f}: {answers:>6,} answers, {right / answers:.3f} right")
        for tag, count in sorted(self.tags.items()):
            out.append(
                f"  {tag:<16} {count:>6,} listens, {self.missed_by_tag[tag]:>5,} not linked, "
                f"{self.wrong_by_tag[tag]:>4,} linked wrong"
            )
        return out


def evaluate(db: Database, data: EvalSet, settings: MatchSettings | None = None) -> EvalReport:
    """Load ``data`` into the (initialized, empty) ``db``, enrich, and score the result against the labels."""
    listen_ids = load_into(db, data)
    run = enrich_listens(db, settings=settings)
    while True:
        try:
            next(run)
        except StopIteration:
            break
    with db.session() as session:
        links = {lid: tid for lid, tid in session.execute(select(Listen.id, Listen.track_id))}
        confidences = {lid: c for lid, c in session.execute(select(Listen.id, Listen.match_confidence))}
        statuses = {lid: st for lid, st in session.execute(select(Listen.id, Listen.enrich_status))}
        candidates: dict[int, list[int]] = {}
        best_candidate: dict[int, float] = {}
        rows = session.execute(
            select(
                ListenMatchCandidate.listen_id, ListenMatchCandidate.track_id, ListenMatchCandidate.confidence
            ).order_by(ListenMatchCandidate.listen_id, ListenMatchCandidate.rank)
        )
        for listen_id, track_id, confidence in rows:
            candidates.setdefault(listen_id, []).append(track_id)
            best_candidate.setdefault(listen_id, confidence)
    report = EvalReport(listens=len(listen_ids))
    for listen_id, listen in zip(listen_ids, data.listens, strict=True):
        linked = links.get(listen_id)
        report.statuses[str(statuses[listen_id])] += 1
        answer = linked if linked is not None else (candidates.get(listen_id) or [None])[0]
        confidence = confidences[listen_id] if linked is not None else best_candidate.get(listen_id)
        if answer is not None and confidence is not None:
            tally = report.deciles.setdefault(min(int(confidence * 10), 9), [0, 0])
            tally[0] += 1
            tally[1] += answer == listen.truth
        tags = listen.tags or ["clean"]
        report.tags.update(tags)
        if linked is not None:
            report.linked += 1
            if linked == listen.truth:
                report.linked_right += 1
            else:
                report.wrong_by_tag.update(tags)
        if listen.truth is None:
            report.absent_linked += linked is not None
            continue
        report.in_library += 1
        if linked != listen.truth:
            report.missed_by_tag.update(tags)
        top = candidates.get(listen_id, [])[:3]
        if linked == listen.truth or listen.truth in top:
            report.top3 += 1
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tracks", type=int, default=5000)
    parser.add_argument("--listens", type=int, default=10000)
    args = parser.parse_args(argv)
    data = generate(args.seed, args.tracks, args.listens)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'eval.db'}", SchemaConfig())
        init_database(db)
        report = evaluate(db, data)
        db.dispose()
    print(f"matching evaluation: seed {args.seed}, {len(data.tracks):,} tracks")
    for line in report.lines():
        print(line)
    met = (
        report.precision >= 0.99
        and report.recall >= 0.90
        and report.top3_recall >= 0.98
        and report.absent_linked == 0
    )
    print("targets met" if met else "TARGETS NOT MET")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
