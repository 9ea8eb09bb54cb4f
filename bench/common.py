"""What every benchmark needs: a bench database of known size, the app under gunicorn as in
production, timed HTTP requests, the machine's facts and a table of figures with verdicts.

Bench databases live in the project-local cluster (``hiroba.devdb``), one per size, named
``hiroba_bench_seeds`` (the demo seeds only) and ``hiroba_bench_<n>_synthetic`` (seeds plus
``n`` synthetic places). They are kept between runs: a rerun only migrates, re-runs the idempotent
seed and checks the synthetic count, so it starts measuring within seconds.
"""

from __future__ import annotations

import contextlib
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from hiroba.devdb import PORT, SUPERUSER, Cluster
from hiroba.places.synthetic import OWNER_EMAIL

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv's bin: flask and gunicorn live beside python
STARTUP_TIMEOUT_S = 60


def database_name(synthetic: int) -> str:
    # Never ``hiroba_<word>_<digits>``: test runs drop those as scratch databases of dead PIDs.
    return "hiroba_bench_seeds" if synthetic == 0 else f"hiroba_bench_{synthetic}_synthetic"


def _conninfo(cluster: Cluster, database: str) -> str:
    return f"host={cluster.socket_dir} port={PORT} user={SUPERUSER} dbname={database}"


def _flask(url: str, *args: str) -> str:
    env = {**os.environ, "HIROBA_ENV": "development", "DATABASE_URL": url}
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "hiroba", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@dataclass(frozen=True)
class BenchDatabase:
    url: str
    approved: int  # published places, the ones the map shows
    synthetic: int
    name: str = ""
    conninfo: str = ""  # libpq keywords: the cluster's socket, for psycopg and pgbench
    socket_dir: str = ""


def _counts(conninfo: str) -> tuple[int, int]:
    with psycopg.connect(conninfo) as conn:
        approved, synthetic = conn.execute(
            "SELECT count(*) FILTER (WHERE p.status = 'approved'),"
            " count(*) FILTER (WHERE u.email = %s)"
            " FROM places p JOIN users u ON u.id = p.owner_id",
            [OWNER_EMAIL],
        ).fetchone()
    return approved, synthetic


def bench_database(synthetic: int, log=print) -> BenchDatabase:
    """A migrated, seeded database holding exactly ``synthetic`` synthetic places (reused)."""
    cluster = Cluster()
    cluster.ensure_running()
    name = database_name(synthetic)
    url = cluster.ensure_database(name)
    conninfo = _conninfo(cluster, name)
    started = time.perf_counter()
    _flask(url, "db", "upgrade")
    _flask(url, "seed")
    _, present = _counts(conninfo)
    if present != synthetic:
        log(f"{name}: {present} synthetic places, want {synthetic}: regenerating (a minute or so)")
        if present:
            _flask(url, "synth-places", "0", "--remove")
        if synthetic:
            _flask(url, "synth-places", str(synthetic))
        # As autovacuum would after a bulk load: planner statistics and the visibility map.
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE places")
            conn.execute("VACUUM ANALYZE opening_hours")
    approved, present = _counts(conninfo)
    log(f"{name}: ready in {time.perf_counter() - started:.1f} s ({approved} published places)")
    return BenchDatabase(url, approved, present, name, conninfo, str(cluster.socket_dir))


def drop_bench_database(synthetic: int) -> None:
    Cluster().drop_database(database_name(synthetic))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:<port>
    pid: int  # the master's: its children are the workers


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int = 4) -> Iterator[str]:
    """The app served by gunicorn as the README's "Production" runs it; yields its base URL."""
    with gunicorn_server(database_url, workers) as server:
        yield server.base


@contextlib.contextmanager
def gunicorn_server(database_url: str, workers: int = 4, threads: int = 1) -> Iterator[Server]:
    """As ``gunicorn()``, yielding the master's pid too; ``threads > 1`` uses gthread workers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "HIROBA_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),  # one per run: nothing outlives the bench
        "DATABASE_URL": database_url,
    }
    options = ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    if threads > 1:
        options += ["--worker-class", "gthread", "--threads", str(threads)]
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), *options, "hiroba:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_until_up(base, server, log)
            yield Server(base, server.pid)
        finally:
            stop(server)


def stop(process: subprocess.Popen) -> None:
    """Terminate a server this bench started, and reap it (killed after 30 s)."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def child_pids(pid: int) -> list[int]:
    """The direct children of ``pid`` (a server master's workers), from /proc."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sorted(int(child) for child in children)


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB (VmRSS), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _wait_until_up(base: str, server: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log.read()[-3000:]}")
        with contextlib.suppress(OSError):
            if fetch(base + "/healthz").status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on {base} within {STARTUP_TIMEOUT_S} s")


def warm_up(base: str, paths: list[str], workers: int, rounds: int = 3) -> None:
    """Send each path to every worker (concurrent requests reach them all), and check them."""
    urls = [base + path for path in paths] * workers * rounds
    with ThreadPoolExecutor(max_workers=workers * 2) as pool:
        for url, fetched in zip(urls, pool.map(fetch, urls), strict=True):
            if fetched.status != 200:
                raise RuntimeError(f"warm-up: HTTP {fetched.status} from {url}")


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes
    seconds: float  # request sent to the last byte read


def fetch(url: str, timeout: float = 60) -> Fetched:
    """GET ``url``; an HTTP error status is returned, not raised (the caller counts failures)."""
    request = urllib.request.Request(url, headers={"Accept-Language": "ja"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return Fetched(status, body, time.perf_counter() - started)


def machine_facts() -> str:
    """One line: CPUs, memory, OS, Python and the date, for the record beside the figures."""
    with open("/proc/meminfo") as meminfo:
        total_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"nproc {os.cpu_count()}, memory {total_kb / 1024**2:.1f} GiB, load {load}, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def cpu_ticks() -> tuple[int, int]:
    """Ticks of all CPUs so far: (stolen by the hypervisor, in all), from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    return fields[7], sum(fields[:8])  # user … steal; guest time is counted in user already


def stolen_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of CPU time the hypervisor gave other guests between two ``cpu_ticks()``."""
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total else 0.0


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Table:
    """Rows of figures for each data size, some with a target and a PASS/FAIL verdict."""

    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    failed: int = 0

    def add(self, label: str, *figures: str, target: str = "", ok: bool | None = None) -> None:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        self.failed += ok is False
        self.rows.append((label, *figures, target, verdict))

    def render(self) -> str:
        header = ("", *self.columns, "target", "")
        widths = [max(len(row[i]) for row in [header, *self.rows]) for i in range(len(header))]

        def line(row):
            cells = [row[0].ljust(widths[0])]
            cells += [
                cell.rjust(width) for cell, width in zip(row[1:-2], widths[1:-2], strict=True)
            ]
            cells += [row[-2].ljust(widths[-2]), row[-1]]
            return "  ".join(cells).rstrip()

        rule = "-" * len(line(header))
        return "\n".join([line(header), rule, *(line(row) for row in self.rows)])
