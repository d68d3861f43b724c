"""A fixed reference workload, timed before each benchmark run to show how fast the machine is right now.

The development machine's speed moves from minute to minute (the same work has cost up to 1.5-2x more
CPU in some minutes, with no steal time shown). Each ``--runs`` benchmark prints this figure beside every
run, so a slow run can be told apart from a slow change: if the reference took 1.5x longer too, the machine
was slow. The workload is single-threaded and in-process: Python objects, a dict, and SQLite inserts into
an indexed in-memory table (the mix our hot paths have). ``python -m bench.calibrate`` prints it alone.
"""

from __future__ import annotations

import sqlite3
import time


def reference_ms(repeat: int = 3) -> float:
    """CPU milliseconds of the reference workload (the best of ``repeat``)."""
    best = float("inf")
    for _ in range(repeat):
        began = time.process_time()
        counts: dict[str, int] = {}
        rows = []
        for i in range(60_000):
            key = f"artist {i % 5_000}"
            counts[key] = counts.get(key, 0) + 1
            rows.append((i, key, i * 0.5))
        connection = sqlite3.connect(":memory:")
        connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, secs REAL)")
        connection.execute("CREATE INDEX ix_t_name ON t (name)")
        connection.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
        connection.execute("SELECT name, count(*), sum(secs) FROM t GROUP BY name").fetchall()
        connection.close()
        best = min(best, time.process_time() - began)
    return best * 1000


if __name__ == "__main__":
    print(f"reference workload: {reference_ms():.1f} ms CPU")
