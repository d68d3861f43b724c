"""A throwaway MariaDB server started from the system's binaries, for tests and benchmarks.

``mariadb-install-db`` makes a data directory in a temp folder, ``mariadbd`` serves it on a unix socket
with networking off. Nothing outside the temp folder is touched; :meth:`MariaDBServer.stop` removes it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pymysql


class MariaDBUnavailable(Exception):
    """No server could be started here; the message says why."""


def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
        if found:
            return found
    return None


@dataclass
class MariaDBServer:
    base: Path
    socket: Path
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.base / "mariadbd.log"

    @property
    def url(self) -> str:
        """URL of the server with no default database (add one with :meth:`url_for`)."""
        return f"mariadb+pymysql://root@localhost/?unix_socket={self.socket}&charset=utf8mb4"

    def url_for(self, database: str) -> str:
        return f"mariadb+pymysql://root@localhost/{database}?unix_socket={self.socket}&charset=utf8mb4"

    def connect(self) -> pymysql.connections.Connection:
        return pymysql.connect(unix_socket=str(self.socket), user="root", charset="utf8mb4", autocommit=True)

    @classmethod
    def start(cls, base: Path | None = None, timeout: float = 60.0) -> MariaDBServer:
        install = _binary("mariadb-install-db", "mysql_install_db")
        daemon = _binary("mariadbd", "mysqld")
        if not install or not daemon:
            raise MariaDBUnavailable("mariadb-install-db/mariadbd not found (apt-get install mariadb-server)")
        # tmpfs when there is one: a throwaway server needs no durability, and DDL is fsync-bound.
        shm = Path("/dev/shm")
        scratch = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
        base = base or Path(tempfile.mkdtemp(prefix="tonearm-mariadb-", dir=scratch))
        datadir = base / "data"
        server = cls(base=base, socket=base / "mariadb.sock")
        result = subprocess.run(
            [install, "--no-defaults", f"--datadir={datadir}", "--user=root", "--auth-root-authentication-method=normal",
             "--skip-test-db"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise MariaDBUnavailable(f"mariadb-install-db failed: {result.stderr.strip()[-500:]}")
        with open(server.log, "wb") as log:
            server.process = subprocess.Popen(
                [daemon, "--no-defaults", f"--datadir={datadir}", f"--socket={server.socket}",
                 "--skip-networking", "--user=root", f"--pid-file={base / 'mariadbd.pid'}",
                 "--innodb-buffer-pool-size=256M", "--innodb-flush-log-at-trx-commit=0",
                 "--innodb-doublewrite=0", "--innodb-file-per-table=0", "--innodb-flush-method=nosync",
                 "--skip-log-bin",
                 "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise MariaDBUnavailable(f"mariadbd exited: {server.log.read_text()[-800:]}")
            try:
                server.connect().close()
                return server
            except pymysql.err.OperationalError:
                time.sleep(0.2)
        server.stop()
        raise MariaDBUnavailable(f"mariadbd did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.base, ignore_errors=True)
