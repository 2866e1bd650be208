"""PostgreSQL connection pools (Django's psycopg pool, settings.DATABASES OPTIONS["pool"]) across fork().

A pool lives in its process: its idle connections are sockets to the server, and worker threads keep it
filled. A child made by fork() (django-q2's cluster forks its Sentinel, workers, monitor and pusher)
would inherit the pool object without its threads and with its parent's idle connections: parent and
child would then talk over the same socket, and the child's garbage collector would end the parent's
sessions. So the pools are closed just before any fork; the parent opens a fresh one at its next query
(a few ms, and the cluster forks rarely), and the child starts without one.
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
