"""A scan read worker's CPU per file, per format, in this checkout beside another one, same minutes.

Each round runs one process per tree (the order alternating from round to round); each process sets itself up
as a scan's read worker does (freed memory kept, heap frozen, collector off), warms up on 50 files, then reads
up to 600 files of each format in chunks of 128 through the same ``read_chunk`` the workers run, collecting
once per chunk, and prints user+system CPU milliseconds per file. Tags are read from the real-size bench
library (``bench.bench_scan_real`` builds it).

    git archive cdc3d90 | (mkdir -p /tmp/old-scan && tar -x -C /tmp/old-scan)
    python -m bench.bench_tag_formats_ab --other-tree /tmp/old-scan --rounds 6
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "bench" / "out" / "real-library-5000-12"

_CHILD = r"""
import gc, json, resource, sys
from pathlib import Path
sys.path.insert(0, ".")
from analyzer.scan.reading import keep_freed_memory, read_chunk
keep_freed_memory(); gc.freeze(); gc.disable()
library, extensions = Path(sys.argv[1]), sys.argv[2].split(",")
out = {}
for ext in extensions:
    paths = sorted(str(p) for p in library.rglob("*" + ext))[:600]
    read_chunk([(p, ("a",)) for p in paths[:50]])
    before = resource.getrusage(resource.RUSAGE_SELF)
    for i in range(0, len(paths), 128):
        read_chunk([(p, ("A", "B")) for p in paths[i:i + 128]])
        gc.collect()
    after = resource.getrusage(resource.RUSAGE_SELF)
    used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    out[ext] = used * 1000 / max(len(paths), 1)
print(json.dumps(out))
"""


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other-tree", required=True, type=Path, help="another checkout (e.g. git archive)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--formats", default=".mp3,.flac,.m4a,.opus")
    parser.add_argument("--library", type=Path, default=LIBRARY)
    args = parser.parse_args()
    if not args.library.is_dir():
        parser.error(f"{args.library} is missing: python -m bench.bench_scan_real builds it")
    trees = {"other": args.other_tree.resolve(), "this": ROOT}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for round_number in range(args.rounds):
        order = ("other", "this") if round_number % 2 == 0 else ("this", "other")
        for name in order:
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, str(args.library), args.formats],
                cwd=trees[name], capture_output=True, text=True, check=True,
            )  # fmt: skip
            results[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"round {round_number + 1} load {os.getloadavg()[0]:.1f}", flush=True)
    for ext in args.formats.split(","):
        other = [run[ext] for run in results["other"]]
        this = [run[ext] for run in results["this"]]
        ratios = sorted(a / b for a, b in zip(other, this, strict=True))
        print(
            f"{ext}: other {min(other):.3f}-{max(other):.3f} (median {_median(other):.3f}) ms a file; "
            f"this {min(this):.3f}-{max(this):.3f} (median {_median(this):.3f}); "
            f"other/this same round {ratios[0]:.2f}-{ratios[-1]:.2f}"
        )


if __name__ == "__main__":
    main()
