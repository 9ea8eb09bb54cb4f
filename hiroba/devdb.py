"""A project-local PostgreSQL + PostGIS cluster for development and tests.

Used only when DATABASE_URL is unset, so that a newcomer needs no database set-up. The cluster
lives under ``instance/pg``, listens on a Unix socket only (no port to collide with another
checkout) and is created with UTF-8 encoding and C.UTF-8 ctype: pg_trgm extracts no trigrams from
Japanese text under the plain C locale. PostgreSQL refuses to run as root, so when we are root
every server command runs as the ``postgres`` user.

Standard library only at import time: the Makefile calls ``python -m hiroba.devdb up`` before
anything else works.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"
SUPERUSER = "postgres"
PORT = 5432
# Unix socket paths are limited to 107 bytes; deep checkouts fall back to a short /tmp path.
MAX_SOCKET_DIR = 80

# Throwaway local data: durability is traded for speed (tests create and drop databases often).
SERVER_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    # PostgreSQL's default (128 MB) holds a tenth of a million places' rows and Features: a
    # search at that scale would read most pages from the OS cache instead (a sixth of the
    # memory of a small machine is the usual starting point; 1 GB is well below it here).
    "shared_buffers": "1GB",
    "effective_cache_size": "4GB",
}


class DevDatabaseError(RuntimeError):
    """The local cluster cannot be created or started; the message says what to install or fix."""


def find_bindir() -> Path:
    """The newest PostgreSQL server binaries that have PostGIS installed beside them."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    candidates = []
    for bindir in glob.glob("/usr/lib/postgresql/*/bin"):
        version = Path(bindir).parent.name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            candidates.append((int(version) if version.isdigit() else 0, Path(bindir)))
    if candidates:
        return max(candidates)[1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise DevDatabaseError(
        "PostgreSQL with PostGIS is not installed. On Debian: "
        "sudo apt-get install postgresql-15-postgis-3 (or set DATABASE_URL)."
    )


class Cluster:
    """The cluster under ``instance/pg``: paths, and the commands that manage it."""

    def __init__(self, instance: Path = DEFAULT_INSTANCE):
        self.base = instance / "pg"
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.bindir = find_bindir()
        self.as_root = os.geteuid() == 0

    @property
    def socket_dir(self) -> Path:
        local = self.base / "run"
        if len(str(local)) <= MAX_SOCKET_DIR:
            return local
        digest = hashlib.sha1(str(self.base).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"hiroba-pg-{digest}"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}&port={PORT}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd="/")

    def _own(self, path: Path) -> None:
        """Make ``path`` belong to the postgres user when we are root."""
        path.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            try:
                pg = pwd.getpwnam(SUPERUSER)
            except KeyError as exc:
                raise DevDatabaseError("no 'postgres' user: install postgresql-15") from exc
            os.chown(path, pg.pw_uid, pg.pw_gid)

    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def init(self) -> None:
        self._own(self.base)
        self._own(self.data)
        os.chmod(self.data, 0o700)
        result = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        if result.returncode != 0:
            raise DevDatabaseError(f"initdb failed:\n{result.stdout}{result.stderr}")

    def running(self) -> bool:
        return self._run("pg_ctl", "status", "-D", str(self.data)).returncode == 0

    def start(self) -> None:
        self._own(self.socket_dir)
        options = " ".join(f"-c {key}={value}" for key, value in SERVER_SETTINGS.items())
        options += f" -c unix_socket_directories='{self.socket_dir}' -c port={PORT}"
        result = self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
        )
        if result.returncode != 0:
            log_tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise DevDatabaseError(f"PostgreSQL did not start:\n{result.stderr}\n{log_tail}")

    def stop(self) -> None:
        if self.initialised() and self.running():
            self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    def ensure_running(self) -> bool:
        """Create and start the cluster as needed; True if this call started it."""
        if not self.initialised():
            self.init()
        if self.running():
            return False
        self.start()
        return True

    def _admin(self):
        import psycopg  # installed in the virtual environment; not needed to start the cluster

        conninfo = f"host={self.socket_dir} port={PORT} user={SUPERUSER} dbname=postgres"
        return psycopg.connect(conninfo, autocommit=True)

    def drop_database(self, name: str) -> None:
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def ensure_database(self, name: str, *, fresh: bool = False) -> str:
        """Create database ``name`` (UTF-8, C.UTF-8 ctype) unless it exists; return its URL."""
        from psycopg import sql

        if fresh:
            self.drop_database(name)
        with self._admin() as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(
                    sql.SQL(
                        "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' "
                        "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
                    ).format(sql.Identifier(name))
                )
        return self.url(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hiroba.devdb", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--database", default="hiroba", help="database to create (up)")
    parser.add_argument("--instance", type=Path, default=DEFAULT_INSTANCE)
    args = parser.parse_args(argv)
    try:
        cluster = Cluster(args.instance)
        if args.command == "up":
            cluster.ensure_running()
            print(cluster.ensure_database(args.database))
        elif args.command == "down":
            cluster.stop()
        else:
            print("running" if cluster.initialised() and cluster.running() else "stopped")
    except DevDatabaseError as exc:
        print(f"hiroba.devdb: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
