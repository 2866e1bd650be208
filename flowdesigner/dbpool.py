"""Database connections across fork(): PostgreSQL connection pools (Django's psycopg pool,
settings.DATABASES OPTIONS["pool"]) and kept SQLite connections (CONN_MAX_AGE None).

A pool lives in its process: its idle connections are sockets to the server, and worker threads keep it
filled. A child made by fork() (django-q2's cluster forks its Sentinel, workers, monitor and pusher)
would inherit the pool object without its threads and with its parent's idle connections: parent and
child would then talk over the same socket, and the child's garbage collector would end the parent's
sessions. So the pools are closed just before any fork; the parent opens a fresh one at its next query
(a few ms, and the cluster forks rarely), and the child starts without one.

SQLite connections are kept open between requests and loop iterations, and SQLite forbids using one in a
child made by fork() (its locks belong to the parent: the two would corrupt the file). So the forking
thread's SQLite connections are closed too (only that thread exists in the child).
"""

import sys


def close_pools_before_fork() -> None:
    """Close every connection pool this process holds (an os.register_at_fork `before` hook).

    A connection checked out at that moment stays usable; it is closed when given back. Importing
    nothing here when no PostgreSQL connection was ever made keeps the hook free for other processes."""
    if "django.db.backends.postgresql.base" not in sys.modules:
        return
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        if connection.vendor == "postgresql":
            connection.close_pool()


def close_sqlite_before_fork() -> None:
    """Close this thread's open SQLite connections (an os.register_at_fork `before` hook); the parent
    reopens at its next query."""
    if "django.db.backends.sqlite3.base" not in sys.modules:
        return
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if (
            connection.vendor == "sqlite"
            and connection.connection is not None
            and not connection.in_atomic_block
        ):
            connection.close()
