"""A PostgreSQL primary and its streaming replica of our own, on loopback ports under a folder,
from the machine's PostgreSQL binaries: for the replica router's tests and ``bench/scale.py``.

The servers refuse to run as root: as root, every command runs as the ``postgres`` user, who
owns the folder's data directories."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg


def bindir() -> Path:
    """The newest installed PostgreSQL's binaries (Debian keeps each major version apart)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL's server binaries are missing (Debian: postgresql)")
    return found[-1].parent


class Cluster:
    """``primary`` on ``port`` and, once ``add_replica`` has run, ``replica`` on ``port + 1``."""

    def __init__(self, root: Path, port: int):
        self.root, self.port, self.replica_port = root.resolve(), port, port + 1
        self.primary, self.replica = self.root / "primary", self.root / "replica"
        self.bin = bindir()

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)  # noqa: S603

    def _own(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")

    def url(self, database: str = "postgres", replica: bool = False) -> str:
        port = self.replica_port if replica else self.port
        return f"postgresql://postgres@127.0.0.1:{port}/{database}"

    def start(self, settings: dict[str, str] | None = None) -> "Cluster":
        """A fresh primary (whatever was in the folder is removed)."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        self._own(self.root)
        self._run("initdb", "-D", str(self.primary), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        config = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            "wal_level": "replica",
            "max_wal_senders": "4",
            "hot_standby": "on",
            "fsync": "on",
            **(settings or {}),
        }
        with open(self.primary / "postgresql.conf", "a") as conf:
            conf.writelines(f"{k} = {v}\n" for k, v in config.items())
        with open(self.primary / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        self._ctl(self.primary, "start")
        return self

    def add_replica(self) -> "Cluster":
        """A streaming replica of the primary, started on ``replica_port``."""
        shutil.rmtree(self.replica, ignore_errors=True)
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-D", str(self.replica), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        with open(self.replica / "postgresql.conf", "a") as conf:
            conf.write(f"port = {self.replica_port}\n")
        self._ctl(self.replica, "start")
        return self

    def _ctl(self, data: Path, action: str) -> None:
        log = self.root / f"{data.name}.log"
        self._run("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60", action)

    def stop_replica(self) -> None:
        self._ctl(self.replica, "stop")

    def start_replica(self) -> None:
        self._ctl(self.replica, "start")

    def stop(self) -> None:
        for data in (self.replica, self.primary):
            if (data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop", check=False)

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')

    def caught_up(self, timeout: float = 30) -> bool:
        """Whether the replica has replayed all the primary has written (waiting up to
        ``timeout`` seconds)."""
        with psycopg.connect(self.url(), autocommit=True) as primary:
            (target,) = primary.execute("SELECT pg_current_wal_lsn()").fetchone()  # type: ignore[misc]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.url(replica=True), autocommit=True) as replica:
            while time.monotonic() < deadline:
                row = replica.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
                ).fetchone()
                if row and row[0]:
                    return True
                time.sleep(0.1)
        return False
