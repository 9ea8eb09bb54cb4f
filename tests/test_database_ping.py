"""Pooled connections are checked before use only after sitting idle: a connection dropped
while idle (a database restart, a firewall's timeout) is replaced, and the request works."""

from __future__ import annotations

from tests.conftest import migrated_app, scratch_database_name

DROP_OTHERS = """
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = %s AND pid <> pg_backend_pid()
"""


def test_a_connection_dropped_while_idle_is_replaced(cluster):
    with migrated_app(cluster, "ping", wards=False, DB_PING_AFTER_IDLE_S=0.0) as app:
        client = app.test_client()
        assert client.get("/readyz").status_code == 200  # leaves a connection in the pool
        with cluster._admin() as conn:
            dropped = conn.execute(DROP_OTHERS, (scratch_database_name("ping"),)).fetchone()[0]
        assert dropped >= 1
        assert client.get("/readyz").status_code == 200
