"""Benchmark the scrobble API: single-listen submissions from a bounded loopback load generator.

Starts `tonearm serve` on a fresh SQLite database in a subprocess, then sends ``--requests`` POST
/1/submit-listens (listen_type "single") over ``--connections`` keep-alive connections from a raw asyncio
HTTP/1.1 client (cheap, so the client does not steal the server's CPU), and stops by itself. Prints rate
and latency percentiles as a markdown table. Usage: ``.venv/bin/python bench/bench_api.py
[--requests 20000] [--connections 32]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
TONEARM = ROOT / ".venv" / "bin" / "tonearm"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request_bytes(port: int, token: str, index: int) -> bytes:
    body = orjson.dumps(
        {
            "listen_type": "single",
            "payload": [
                {
                    "listened_at": 1_600_000_000 + index * 200,
                    "track_metadata": {
                        "artist_name": f"Artist {index % 500}",
                        "track_name": f"Track {index % 5000}",
                        "release_name": "Bench",
                        "additional_info": {"duration_ms": 200000, "submission_client": "bench"},
                    },
                }
            ],
        }
    )
    head = (
        f"POST /1/submit-listens HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Token {token}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def worker(
    port: int, token: str, indexes: list[int], latencies: list[float], errors: list[str]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for index in indexes:
            started = time.perf_counter()
            writer.write(request_bytes(port, token, index))
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if b" 200 " not in status_line:
                errors.append(f"{status_line!r} {body[:100]!r}")
    finally:
        writer.close()


async def load(
    port: int, token: str, requests: int, connections: int
) -> tuple[float, list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    shares = [list(range(start, requests, connections)) for start in range(connections)]
    started = time.perf_counter()
    await asyncio.gather(*(worker(port, token, share, latencies, errors) for share in shares))
    return time.perf_counter() - started, latencies, errors


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used; Linux /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tonearm-api-bench-", dir=OUT))
    env = {**os.environ, "TONEARM_DATABASE_URL": f"sqlite:///{work / 'api.db'}", "TONEARM_USER": "bench"}
    server = None
    try:
        subprocess.run([str(TONEARM), "user", "list"], env=env, check=True, capture_output=True)
        token = subprocess.run(
            [str(TONEARM), "token", "create", "bench"], env=env, check=True, capture_output=True, text=True
        ).stdout.split()[0]
        port = free_port()
        server = subprocess.Popen(
            [str(TONEARM), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(OUT / "bench_api_server.log").open("wb"),
        )
        deadline = time.monotonic() + 60
        while True:  # ready once the app answers, not merely once the port is bound
            try:
                httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        asyncio.run(load(port, token, min(500, args.requests), args.connections))  # warm-up
        server_cpu = process_cpu(server.pid)
        client_cpu = time.process_time()
        elapsed, latencies, errors = asyncio.run(load(port, token, args.requests, args.connections))
        server_cpu = process_cpu(server.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        stored = subprocess.run(
            [str(TONEARM), "db", "info", "--json"], env=env, check=True, capture_output=True, text=True
        ).stdout
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    rows = next(
        (s["tables"].get("listens") for s in orjson.loads(stored)["schemas"] if "listens" in s["tables"]),
        None,
    )
    print(f"\n### API: {args.requests:,} single-listen submissions, {args.connections} connections, SQLite\n")
    print(
        "| requests | errors | wall s | rate /s | p50 ms | p99 ms | server CPU ms/req | client CPU s | stored |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {len(latencies):,} | {len(errors)} | {elapsed:.2f} | {len(latencies) / elapsed:,.0f} | "
        f"{percentile(latencies, 0.5) * 1000:.1f} | {percentile(latencies, 0.99) * 1000:.1f} | "
        f"{server_cpu * 1000 / max(1, len(latencies)):.2f} | {client_cpu:.1f} | {rows} |"
    )
    print(f"\nload average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if errors:
        print(f"\nfirst error: {errors[0]}", file=sys.stderr)


if __name__ == "__main__":
    main()
