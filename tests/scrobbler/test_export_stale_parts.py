"""A part file left by an export killed with SIGKILL is removed by the next export to the same file; one that
a running export holds is never touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from scrobbler.exports.atomic import atomic_path, part_files, remove_stale_parts

WRITER = textwrap.dedent(
    """
    import sys, time
    from scrobbler.exports.atomic import atomic_path
    with atomic_path(sys.argv[1]) as temp:
        temp.write_text("half an export")
        print(temp, flush=True)
        time.sleep(60)
    """
)


def _start_writer(target: Path) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    assert process.stdout is not None
    part = Path(process.stdout.readline().strip())
    assert part.exists(), "the writer did not start"
    return process, part


def test_a_killed_exports_part_goes_with_the_next_export_a_live_ones_stays(tmp_path: Path) -> None:
    target = tmp_path / "out" / "listens.csv"
    live, live_part = _start_writer(target)
    killed, dead_part = _start_writer(target)  # its own clean-up left the live part alone
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    try:
        assert part_files(target) == sorted([dead_part, live_part])
        with atomic_path(target) as temp:
            temp.write_text("complete")
            assert not dead_part.exists()  # left by the killed export: removed
            assert live_part.exists()  # another export is writing it: kept
        assert target.read_text() == "complete"
        assert part_files(target) == [live_part]
        assert remove_stale_parts(target) == []
    finally:
        live.kill()
        live.wait()
    assert remove_stale_parts(target) == [live_part]
    assert part_files(target) == []


def test_parts_of_other_files_are_not_touched(tmp_path: Path) -> None:
    other = tmp_path / ".listens.json.abc123.part"
    other.write_text("x")
    lookalike = tmp_path / ".listens.csv.abc123.partial"
    lookalike.write_text("x")
    with atomic_path(tmp_path / "listens.csv") as temp:
        temp.write_text("ok")
    assert other.exists() and lookalike.exists()
