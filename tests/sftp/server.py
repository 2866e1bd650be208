"""A real SFTP server for the tests: asyncssh on 127.0.0.1 (a free port), serving a temporary folder as
its root, running its own event loop in a background thread until `stop()`."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import asyncssh


class _Auth(asyncssh.SSHServer):
    def __init__(self, server: SftpTestServer) -> None:
        self.server = server

    def begin_auth(self, username: str) -> bool:
        return True  # every user must authenticate

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == self.server.username and password == self.server.password

    def public_key_auth_supported(self) -> bool:
        return self.server.client_key is not None

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username == self.server.username and key == self.server.client_key


class SftpTestServer:
    """`root` is what clients see as "/"; files written there appear on the server at once."""

    def __init__(
        self,
        root: Path,
        *,
        username: str = "jane",
        password: str = "s3cret-pw",
        client_key: asyncssh.SSHKey | None = None,
    ) -> None:
        self.root = root
        self.username = username
        self.password = password
        self.client_key = client_key
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sftp-test-server", daemon=True)
        self._acceptor: asyncssh.SSHAcceptor | None = None

    def start(self) -> SftpTestServer:
        self._thread.start()
        self._acceptor = self._call(self._listen())
        self.port = self._acceptor.get_port()
        return self

    async def _listen(self) -> asyncssh.SSHAcceptor:
        root = os.fsencode(self.root)
        return await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[self.host_key],
            server_factory=lambda: _Auth(self),
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=root),
            allow_scp=False,
        )

    def change_host_key(self) -> None:
        """The server now presents a new host key (as a reinstalled server, or an impostor, would)."""
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        assert self._acceptor is not None
        self._loop.call_soon_threadsafe(lambda: self._acceptor.update(server_host_keys=[self.host_key]))
        self._call(asyncio.sleep(0))  # the update has run once this returns

    @property
    def fingerprint(self) -> str:
        return self.host_key.get_fingerprint("sha256")

    def stop(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()
            self._call(self._acceptor.wait_closed())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def __enter__(self) -> SftpTestServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
