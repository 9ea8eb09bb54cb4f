"""The peer the search API is measured against: tipg (FastAPI + asyncpg) from PyPI.

tipg runs from its own virtual environment (``bench/.venv-tipg``, git-ignored, created on the
first run in about 20 s), under uvicorn with as many worker processes as hiroba's gunicorn, on
the same database through a view of published places: the public columns and the public point
only, as the API shows them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg

from bench.common import ROOT, Server, fetch, free_port, stop

VENV = ROOT / "bench" / ".venv-tipg"
# Pinned, so that a rerun measures the same peer; uvloop and httptools as uvicorn advises.
REQUIREMENTS = ("tipg==1.6.1", "uvicorn[standard]==0.54.0")
VIEW = "bench_tipg_places"
COLLECTION = f"public.{VIEW}"
STARTUP_TIMEOUT_S = 60

# Exact places' addresses only, as the API; the public point, never the true one.
CREATE_VIEW = f"""
CREATE OR REPLACE VIEW {VIEW} AS
SELECT id, name, name_kana, name_en, kind, sector, description,
       CASE WHEN location_precision = 'exact' THEN address END AS address,
       district_code, location_precision, capacity, amenities, accessibility, conditions,
       fee, who_may_use, updated_at, public_location AS geom
FROM places WHERE status = 'approved'
"""


def create_view(conninfo: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(CREATE_VIEW)


def ensure_venv(log=print) -> Path:
    """tipg's virtual environment (Python 3.11), created when missing; returns its bin."""
    stamp = VENV / ".installed"
    wanted = "\n".join(REQUIREMENTS)
    if stamp.exists() and stamp.read_text() == wanted:
        return VENV / "bin"
    log(f"creating {VENV.relative_to(ROOT)} with {', '.join(REQUIREMENTS)}")
    python = shutil.which("python3.11") or sys.executable
    subprocess.run([python, "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run(
        [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", *REQUIREMENTS],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    stamp.write_text(wanted)
    return VENV / "bin"


def _database_url(conninfo: dict[str, str]) -> str:
    # The socket directory as the URL's host, percent-encoded: asyncpg reads it so, and
    # pydantic (tipg's settings) accepts it, where it refuses an empty host with ?host=.
    host = quote(conninfo["host"], safe="")
    return f"postgresql://{conninfo['user']}@{host}:{conninfo['port']}/{conninfo['dbname']}"


@contextlib.contextmanager
def tipg_server(conninfo: dict[str, str], workers: int, log=print) -> Iterator[Server]:
    """tipg under uvicorn serving only the view; yields its base URL and master pid."""
    bindir = ensure_venv(log)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(conninfo),
        "TIPG_DB_SCHEMAS": json.dumps(["public"]),
        "TIPG_DB_TABLES": json.dumps([COLLECTION]),
        # Extents are computed once at start-up and not used by items: skip them.
        "TIPG_DB_SPATIAL_EXTENT": "false",
        "TIPG_DB_DATETIME_EXTENT": "false",
    }
    with tempfile.TemporaryFile("w+") as output:
        server = subprocess.Popen(
            [str(bindir / "uvicorn"), "tipg.main:app", "--host", "127.0.0.1", "--port",
             str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"],
            cwd=tempfile.gettempdir(), env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_for_collection(base, server, output)
            yield Server(base, server.pid)
        finally:
            stop(server)


def _wait_for_collection(base: str, server: subprocess.Popen, output) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output.seek(0)
            raise RuntimeError(f"tipg exited ({server.returncode}):\n{output.read()[-3000:]}")
        with contextlib.suppress(OSError):
            if fetch(f"{base}/collections/{COLLECTION}").status == 200:
                return
        time.sleep(0.3)
    output.seek(0)
    raise RuntimeError(f"tipg did not serve {COLLECTION} in time:\n{output.read()[-3000:]}")


def items_path(bbox: tuple[float, float, float, float], limit: int) -> str:
    return f"/collections/{COLLECTION}/items?bbox={','.join(map(str, bbox))}&limit={limit}"
