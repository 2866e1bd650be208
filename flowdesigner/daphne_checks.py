"""daphne's periodic check of every connection, spread over its period instead of done in one go.

Every 2 s daphne's `Server.timeout_checker` walks all of its connections and sends each websocket whose
ping is due (`--ping-interval`, 20 s) its ping. After a restart thousands of inbox sockets reconnect within
seconds, so their pings fall due together: with 10,000 open, one pass sent over a thousand pings and held
the event loop for ~80 ms, and a push arriving meanwhile waited (bench/sockets.py: push p99 29x that with
one socket open; 0.7x with pings turned off). Here the same checks run in STEPS slices across the same
2 s, so each connection is still checked every 2 s, and a pass holds the loop a twentieth as long.
"""

import math
from collections import deque

STEPS = 20
PERIOD_SECONDS = 2.0  # daphne's own period


def spread_timeout_checker(server) -> None:
    """A replacement for `daphne.server.Server.timeout_checker`: check the next slice of the connections
    of this round (a round takes a snapshot of them: one that closed since is skipped), then schedule the
    next slice."""
    from twisted.internet import reactor  # daphne's, installed by the time daphne runs this

    queue = server.__dict__.setdefault("_spread_check_queue", deque())
    if not queue:
        queue.extend(server.connections)
        server._spread_check_chunk = max(1, math.ceil(len(queue) / STEPS))
    for _ in range(min(server._spread_check_chunk, len(queue))):
        protocol = queue.popleft()
        if protocol in server.connections:
            protocol.check_timeouts()
    reactor.callLater(PERIOD_SECONDS / STEPS, server.timeout_checker)


def install() -> None:
    """Use spread_timeout_checker in daphne's servers (importing daphne.server installs no reactor here:
    daphne's command line installed it before it imported the application). Calling this again changes
    nothing."""
    from daphne.server import Server

    Server.timeout_checker = spread_timeout_checker
