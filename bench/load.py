"""Load generators for the API benchmark: wrk over HTTP and pgbench over SQL, same figures.

Both run for a fixed time with a fixed number of connections, each request (or transaction)
taken in turn from a list prepared beforehand, and report requests/s and latency percentiles.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua" / "paths.lua"


@dataclass(frozen=True)
class Load:
    """What one load run measured: throughput, latency in ms and what went wrong."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non2xx: int = 0
    socket_errors: int = 0  # connect, read, write and timeouts

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        return self.non2xx + self.socket_errors


def merged(loads: list[Load]) -> Load:
    """Several runs as one: their requests over their time; each percentile the highest of
    the runs' (no run has more than 5 % of its requests above its p95, so neither have all
    of them together above the highest p95: an upper bound)."""
    return Load(
        requests=sum(load.requests for load in loads),
        seconds=sum(load.seconds for load in loads),
        p50_ms=max(load.p50_ms for load in loads),
        p95_ms=max(load.p95_ms for load in loads),
        p99_ms=max(load.p99_ms for load in loads),
        non2xx=sum(load.non2xx for load in loads),
        socket_errors=sum(load.socket_errors for load in loads),
    )


def require(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise RuntimeError(f"{tool} is not installed: apt-get install {package} (make bench-api)")
    return found


def wrk(base: str, paths: list[str], seconds: int, connections: int, threads: int = 2) -> Load:
    """Requests to ``base`` + each of ``paths`` in turn for ``seconds``, over ``connections``."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
        listing.write("\n".join(paths) + "\n")
        listing.flush()
        result = subprocess.run(
            [require("wrk", "wrk"), f"-t{min(threads, connections)}", f"-c{connections}",
             f"-d{seconds}s", "--timeout", "30s", "-s", str(LUA), base, "--", listing.name],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    figures = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not figures:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    done = json.loads(figures[-1])
    return Load(
        requests=done["requests"],
        seconds=done["duration_us"] / 1e6,
        p50_ms=done["p50_us"] / 1000,
        p95_ms=done["p95_us"] / 1000,
        p99_ms=done["p99_us"] / 1000,
        non2xx=done["non2xx"],
        socket_errors=done["connect"] + done["read"] + done["write"] + done["timeout"],
    )


def pgbench(conninfo: dict[str, str], scripts: list[str], seconds: int, clients: int) -> Load:
    """Each of ``scripts`` (SQL text) drawn at random, equally, by ``clients`` for ``seconds``.

    Latency percentiles come from pgbench's per-transaction log.
    """
    with tempfile.TemporaryDirectory(prefix="hiroba-pgbench-") as work:
        options = []
        for number, script in enumerate(scripts):
            path = Path(work, f"script{number}.sql")
            path.write_text(script + "\n")
            options += ["-f", f"{path}@1"]
        result = subprocess.run(
            [require("pgbench", "postgresql-client"), "--no-vacuum", "-c", str(clients),
             "-j", "2", "-T", str(seconds), "--log", f"--log-prefix={work}/log",
             "-h", conninfo["host"], "-p", conninfo["port"], "-U", conninfo["user"],
             *options, conninfo["dbname"]],
            capture_output=True, text=True, check=False, cwd=work,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"pgbench failed ({result.returncode}):\n{result.stderr[-3000:]}")
        latencies, failed = [], 0
        for log in Path(work).glob("log*"):
            for line in log.read_text().split("\n"):
                fields = line.split()
                if len(fields) < 3:
                    continue
                if fields[2] in ("failed", "skipped"):
                    failed += 1
                else:
                    latencies.append(int(fields[2]) / 1000)
    measured = _pgbench_seconds(result.stdout) or float(seconds)
    return Load(
        requests=len(latencies),
        seconds=measured,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        socket_errors=failed,
    )


def _pgbench_seconds(output: str) -> float | None:
    for line in output.splitlines():
        if line.startswith("duration:"):
            return float(line.split()[1])
    return None


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
