"""`make bench`: run every benchmark script in bench/ one after another and print their reports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    scripts = sorted(p for p in Path(__file__).parent.glob("bench_*.py"))
    failures = 0
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        result = subprocess.run([sys.executable, "-m", f"bench.{script.stem}"], check=False)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
