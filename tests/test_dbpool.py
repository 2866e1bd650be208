"""Database connections across fork (flowdesigner/dbpool.py) and PostgreSQL pooling (settings DB_POOL_*):
processes forked from a process holding a pool (django-q2 forks its Sentinel, workers, monitor and
pusher) each get connections of their own, and so does the parent; a forked child never inherits an open
SQLite connection; bad pool sizes stop start-up with a message naming them."""

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.helpers import subprocess_env

ROOT = Path(__file__).resolve().parents[1]
FAKE_POSTGRES = "postgres://nobody@127.0.0.1:1/nothing"  # settings only: nothing connects to it

# A parent that has used its pool forks three children the way django-q2 does (multiprocessing, fork);
# each child and the parent keep querying meanwhile. Without the pool closed before each fork, parent and
# children shared the pool's sockets and this hung.
FORKS = """
import json, multiprocessing, os, django
django.setup()
from django.db import connection

def backend():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    connection.close()  # back to the pool, as at the end of a request
    return pid

def child(results):
    results.put(sorted({backend() for _ in range(20)}))

parent = {backend(), backend()}
assert connection.pool is not None
results = multiprocessing.get_context("fork").Queue()
children = [multiprocessing.get_context("fork").Process(target=child, args=(results,)) for _ in range(3)]
for process in children:
    process.start()
    parent |= {backend() for _ in range(20)}
for process in children:
    process.join(20)
print(json.dumps({"parent": sorted(parent), "children": [results.get(timeout=5) for _ in children]}))
"""


@pytest.mark.django_db
def test_forked_processes_and_their_parent_each_use_connections_of_their_own():
    if connection.vendor != "postgresql":
        pytest.skip("connection pooling is for PostgreSQL")
    # A session of its own: when it hangs, its forked children are killed with it (they would hold
    # connections, and the test database could not be dropped).
    run = subprocess.Popen(
        [sys.executable, "-c", FORKS],
        cwd=ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = run.communicate(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    assert run.returncode == 0, stderr
    backends = json.loads(stdout)
    children = [set(pids) for pids in backends["children"]]
    assert len(children) == 3 and all(children)
    # No database session is used by two processes.
    every = [set(backends["parent"]), *children]
    assert sum(len(pids) for pids in every) == len(set().union(*every))


def pool_options(**env: str) -> dict | None:
    code = "import json; from flowdesigner import settings; print(json.dumps(settings.DATABASES['default']))"
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=FAKE_POSTGRES, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout).get("OPTIONS", {}).get("pool")


def test_pool_sizes_come_from_the_environment_and_zero_turns_pooling_off():
    assert pool_options() == {"min_size": 2, "max_size": 10, "timeout": 10.0}
    assert pool_options(DB_POOL_MIN_SIZE="1", DB_POOL_MAX_SIZE="4", DB_POOL_TIMEOUT="2.5") == {
        "min_size": 1,
        "max_size": 4,
        "timeout": 2.5,
    }
    assert pool_options(DB_POOL_MAX_SIZE="0") is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DB_POOL_MAX_SIZE": "ten"}, "DB_POOL_MAX_SIZE must be a whole number, not 'ten'"),
        ({"DB_POOL_MIN_SIZE": "5", "DB_POOL_MAX_SIZE": "3"}, "DB_POOL_MIN_SIZE (5) must be between 0 and"),
        ({"DB_POOL_TIMEOUT": "0"}, "DB_POOL_TIMEOUT must be more than 0 seconds"),
    ],
)
def test_bad_pool_settings_stop_start_up(env, message):
    run = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=FAKE_POSTGRES, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert message in run.stderr


# A process that has used its SQLite connection (kept open: CONN_MAX_AGE None) forks a child the way
# django-q2 does; the child must not inherit the open connection (SQLite's locks belong to the parent).
SQLITE_FORK = """
import json, multiprocessing, django
django.setup()
from django.db import connection

def count():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        return cursor.fetchone()[0]

def child(results):
    results.put([connection.connection is None, count()])

first = count()
assert connection.connection is not None  # kept open
results = multiprocessing.get_context("fork").Queue()
process = multiprocessing.get_context("fork").Process(target=child, args=(results,))
process.start()
inherited, counted = results.get(timeout=20)
process.join(20)
print(json.dumps({"inherited_closed": inherited, "child": counted, "parent": count(), "first": first}))
"""


@pytest.mark.django_db(transaction=True)
def test_a_forked_child_does_not_inherit_an_open_sqlite_connection():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite connections are kept open (PostgreSQL's are pooled: see above)")
    env = subprocess_env()
    run = subprocess.run(
        [sys.executable, "-c", SQLITE_FORK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["inherited_closed"] is True
    assert result["child"] == result["parent"] == result["first"] > 0
