"""daphne's check of every connection (timeouts, pings) runs in slices across its 2 s period
(flowdesigner/daphne_checks.py): each connection is still checked once per period, but no pass holds the
event loop for all of them (with 10,000 sockets, a pass of due pings delayed pushes by ~80 ms)."""

import math

import pytest
from daphne.server import Server
from twisted.internet import reactor

import flowdesigner.asgi  # noqa: F401 (installs the checker, as daphne loading the application does)
from flowdesigner import daphne_checks


class Protocol:
    def __init__(self, checked: list) -> None:
        self.checked = checked

    def check_timeouts(self) -> None:
        self.checked.append(self)


@pytest.fixture
def scheduled(monkeypatch):
    calls = []
    monkeypatch.setattr(reactor, "callLater", lambda delay, func, *args: calls.append((delay, func)))
    return calls


def test_daphnes_servers_use_the_spread_checker():
    assert Server.timeout_checker is daphne_checks.spread_timeout_checker


def test_every_connection_is_checked_once_per_period_a_slice_at_a_time(scheduled):
    checked: list = []
    server = Server.__new__(Server)  # no sockets, no reactor run: only what the checker uses
    server.connections = {Protocol(checked): {} for _ in range(1000)}
    closing = list(server.connections)[-1]  # its turn comes in the round's last slice

    per_call = []
    for step in range(daphne_checks.STEPS):
        before = len(checked)
        server.timeout_checker()
        per_call.append(len(checked) - before)
        if step == 0:
            del server.connections[closing]  # it closes during the round: not checked once gone

    assert max(per_call) == math.ceil(1000 / daphne_checks.STEPS)  # a pass checks a twentieth
    assert len(checked) == 999 and len(set(map(id, checked))) == 999 and closing not in checked
    assert sum(delay for delay, _ in scheduled) == pytest.approx(daphne_checks.PERIOD_SECONDS)

    # The next round takes the connections open when it starts, each once again.
    for _ in range(daphne_checks.STEPS):
        server.timeout_checker()
    assert len(checked) == 2 * 999
