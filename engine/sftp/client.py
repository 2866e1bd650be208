"""Talking to an SFTP server with asyncssh, from synchronous code (each call runs its own event loop with
`asyncio.run`, so no ORM call ever happens inside the loop).

Nothing here writes on the server: it lists a folder and reads files, never renames, moves or deletes.
Every failure becomes an `SftpError` whose message names the server, the folder or the file and says what
to do, so pages and reports show it as it is.

Host keys: a connection with a pinned key accepts only that key (and asks the server for that key type,
so a server holding several keys is not mistaken for a changed one); without one it accepts the key it
is offered and reports it, for the caller to pin after a successful test.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO, TypeVar

import asyncssh

T = TypeVar("T")
CHUNK = 256 * 1024
# A folder listing stops here: a poll must stay short whatever the folder holds.
MAX_LISTING = 100_000


class SftpError(Exception):
    """The server could not be reached or used; the message says why, for a person to read."""


class HostKeyChanged(SftpError):
    """The server presented another host key than the pinned one."""


class FileUnusable(SftpError):
    """The file itself cannot be imported (gone from the server, too large, not readable): trying again
    later will not help, unlike a server that cannot be reached."""


@dataclass(frozen=True)
class Server:
    """What it takes to reach a server: `host_key` is the pinned OpenSSH public key line ("" if none)."""

    host: str
    port: int
    username: str
    password: str = ""
    private_key: str = ""
    host_key: str = ""

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int
    mtime: datetime | None


@dataclass(frozen=True)
class Listing:
    """A folder's regular files, and the host key the server presented (OpenSSH line, fingerprint)."""

    files: list[RemoteFile]
    host_key: str
    fingerprint: str


@dataclass(frozen=True)
class Download:
    size: int
    mtime: datetime | None


def fingerprint(public_key: str) -> str:
    """The SHA256 fingerprint ("SHA256:...") of an OpenSSH public key line."""
    return asyncssh.import_public_key(public_key).get_fingerprint("sha256")


def private_key_problem(text: str) -> str:
    """Why `text` is not a private key we can log in with ("" when it is one)."""
    try:
        asyncssh.import_private_key(text)
    except asyncssh.KeyImportError as exc:
        return f"This is not a private key that can be used: {exc}. Paste an unencrypted OpenSSH or PEM key."
    return ""


def list_folder(server: Server, folder: str, *, timeout: float) -> Listing:
    """The regular files of `folder` (names, sizes, modification times). Raises SftpError."""

    async def work(sftp: asyncssh.SFTPClient) -> list[RemoteFile]:
        files = []
        try:
            async for entry in sftp.scandir(folder):
                if entry.attrs.type == asyncssh.FILEXFER_TYPE_REGULAR and isinstance(entry.filename, str):
                    mtime = entry.attrs.mtime
                    files.append(
                        RemoteFile(
                            name=entry.filename,
                            size=entry.attrs.size or 0,
                            mtime=datetime.fromtimestamp(mtime, UTC) if mtime is not None else None,
                        )
                    )
                    if len(files) >= MAX_LISTING:
                        break
        except asyncssh.SFTPNoSuchFile:
            raise SftpError(f"The folder {folder!r} does not exist on {server.address}.") from None
        except asyncssh.SFTPPermissionDenied:
            raise SftpError(f"{server.username!r} may not read the folder {folder!r}.") from None
        except asyncssh.SFTPError as exc:
            raise SftpError(f"Could not list the folder {folder!r}: {exc.reason}") from None
        return files

    files, host_key = _run(server, work, timeout=timeout)
    return Listing(files=files, host_key=host_key, fingerprint=fingerprint(host_key))


def download(server: Server, path: str, dest: BinaryIO, *, max_bytes: int, timeout: float) -> Download:
    """Copy the file at `path` into `dest`, refusing files past `max_bytes`. Raises SftpError."""

    async def work(sftp: asyncssh.SFTPClient) -> Download:
        try:
            attrs = await sftp.stat(path)
            if (attrs.size or 0) > max_bytes:
                raise FileUnusable(too_large(path, attrs.size or 0, max_bytes))
            copied = 0
            async with sftp.open(path, "rb") as remote:
                while chunk := await remote.read(CHUNK):
                    copied += len(chunk)
                    if copied > max_bytes:  # it grew while we read it
                        raise FileUnusable(too_large(path, copied, max_bytes))
                    dest.write(chunk)
        except asyncssh.SFTPNoSuchFile:
            raise FileUnusable(f"The file {path!r} is no longer on {server.address}.") from None
        except asyncssh.SFTPPermissionDenied:
            raise FileUnusable(f"{server.username!r} may not read the file {path!r}.") from None
        except asyncssh.SFTPError as exc:
            raise SftpError(f"Could not read the file {path!r}: {exc.reason}") from None
        mtime = attrs.mtime
        return Download(size=copied, mtime=datetime.fromtimestamp(mtime, UTC) if mtime is not None else None)

    result, _ = _run(server, work, timeout=timeout)
    return result


def too_large(path: str, size: int, max_bytes: int) -> str:
    """Why a file past the size limit is refused."""
    return (
        f"The file {path!r} has {_size(size)}; files up to {_size(max_bytes)} are imported. "
        "Split it into smaller files and upload them under new names."
    )


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count:,} bytes"


class _Client(asyncssh.SSHClient):
    """Decides on the host key: the pinned one only, or (nothing pinned yet) whatever is offered."""

    def __init__(self, pinned: asyncssh.SSHKey | None) -> None:
        self.pinned = pinned
        self.offered: asyncssh.SSHKey | None = None

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        self.offered = key
        return self.pinned is None or key == self.pinned


def _run(
    server: Server, work: Callable[[asyncssh.SFTPClient], Awaitable[T]], *, timeout: float
) -> tuple[T, str]:
    """Connect, open SFTP, run `work` with the whole exchange bounded by `timeout` seconds; return its
    result and the server's host key (OpenSSH line)."""
    pinned = asyncssh.import_public_key(server.host_key) if server.host_key else None
    client = _Client(pinned)

    async def session() -> tuple[T, str]:
        options: dict = {
            "username": server.username,
            # Only what is stored on the connection: no ~/.ssh config, keys, known_hosts or agent.
            "config": None,
            "agent_path": None,
            "known_hosts": lambda host, addr, port: ([], [], []),  # every key goes to _Client
            "client_factory": lambda: client,
            "connect_timeout": timeout,
            "login_timeout": timeout,
        }
        if server.private_key:
            options["client_keys"] = [asyncssh.import_private_key(server.private_key)]
        else:
            options["client_keys"] = None
            options["password"] = server.password
        if pinned is not None:
            options["server_host_key_algs"] = [alg.decode() for alg in pinned.sig_algorithms]
        async with asyncssh.connect(server.host, server.port, **options) as conn:
            host_key = conn.get_server_host_key()
            async with conn.start_sftp_client() as sftp:
                result = await work(sftp)
        return result, host_key.export_public_key("openssh").decode().strip()

    try:
        return asyncio.run(asyncio.wait_for(session(), timeout=timeout))
    except SftpError:
        raise
    except asyncssh.HostKeyNotVerifiable:
        if pinned is not None and client.offered is not None:
            raise HostKeyChanged(
                f"The host key of {server.address} has changed: it was "
                f"{pinned.get_fingerprint('sha256')} and is now {client.offered.get_fingerprint('sha256')}. "
                "Someone may be impersonating the server. If the server was really reinstalled, forget "
                "the pinned key on the connection's page and test it again."
            ) from None
        raise SftpError(f"The host key of {server.address} could not be verified.") from None
    except asyncssh.KeyExchangeFailed as exc:
        if pinned is not None:
            raise HostKeyChanged(
                f"{server.address} no longer offers a host key of type {pinned.get_algorithm().decode()} "
                f"(pinned {pinned.get_fingerprint('sha256')}): {exc.reason}"
            ) from None
        raise SftpError(f"Could not agree on encryption with {server.address}: {exc.reason}") from None
    except asyncssh.PermissionDenied:
        how = "private key" if server.private_key else "password"
        raise SftpError(
            f"{server.address} refused the login of {server.username!r}: check the username and {how}."
        ) from None
    except asyncssh.KeyImportError as exc:
        raise SftpError(f"The private key of this connection cannot be used: {exc}") from None
    except asyncssh.ChannelOpenError as exc:
        raise SftpError(
            f"{server.address} does not offer SFTP to {server.username!r}: {exc.reason}"
        ) from None
    except asyncssh.DisconnectError as exc:
        raise SftpError(f"{server.address} closed the connection: {exc.reason}") from None
    except ConnectionRefusedError:
        raise SftpError(
            f"{server.address} refused the connection: no SFTP server listens on port {server.port}."
        ) from None
    except socket.gaierror:
        raise SftpError(f"Unknown host {server.host!r}: the name could not be resolved.") from None
    except TimeoutError:
        raise SftpError(f"{server.address} did not answer within {timeout:g} seconds.") from None
    except OSError as exc:
        raise SftpError(f"Could not reach {server.address}: {exc.strerror or exc}.") from None
