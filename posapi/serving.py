"""The POS interface served by uvicorn in a daemon thread of the till process, on the loopback interface only:
the POS runs on the same computer, and nothing else on the shop's network may reach the till's members. Any other
address is refused before anything listens."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from posapi.pending import PendingSales

if TYPE_CHECKING:
    from localdb.till import Till
    from posapi.service import ActorSource, OnCommit

DEFAULT_POS_PORT = 8765


class NotLoopback(ValueError):
    """The POS interface listens on a loopback address only (127.0.0.1, ::1)."""


def loopback_address(host: str) -> str:
    """`host` when it is a loopback IP literal; a name ("localhost", which a hosts file may point anywhere) or any
    other address raises NotLoopback."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise NotLoopback(f"{host!r} is not an IP address; the POS interface listens on 127.0.0.1 only") from None
    if not address.is_loopback:
        raise NotLoopback(f"{host} is not a loopback address; the POS interface listens on 127.0.0.1 only")
    return str(address)


class _NoDelayH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with Nagle off on each connection: it writes a response's headers and body
    separately, and with Nagle on the body waits for the POS's delayed ACK (40 ms a request on Linux, measured by
    bench/pos.py) — the accepted sockets of a listening socket handed to uvicorn do not get TCP_NODELAY."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


class PosApiServer:
    """The app on `host`:`port` (0: a port the OS picks, for tests), served until `stop()`."""

    def __init__(
        self, app: FastAPI, *, port: int = DEFAULT_POS_PORT, host: str = "127.0.0.1", timeout: float = 30
    ) -> None:
        address = loopback_address(host)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self._sock = socket.create_server((address, port), family=family)
        self.host = address
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False, http=_NoDelayH11)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name="pos-api", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise RuntimeError("the POS interface did not start")
            time.sleep(0.01)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


@dataclass(frozen=True, slots=True)
class PosInterface:
    """The POS interface running in the till process: its server and the pending sale the counter shows."""

    server: PosApiServer
    pending: PendingSales

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()


def start_pos_interface(
    till: Till,
    actor: ActorSource,
    *,
    port: int = DEFAULT_POS_PORT,
    on_commit: OnCommit | None = None,
) -> PosInterface:
    """Serve the POS interface for `till` on 127.0.0.1:`port`, acting as `actor()` (the staff logged in at the
    counter; None: refused with `no_cashier`), its secret made or read where it is kept (`posapi.secret`).
    `on_commit` gets each sale written (the slip). Raises OSError when the port is taken."""
    from posapi.app import create_pos_app
    from posapi.secret import pos_secret
    from posapi.service import PosService

    service = PosService(till, actor, on_commit=on_commit)
    pending = PendingSales(service.confirm_pending)
    app = create_pos_app(service, pos_secret(till.db.path), pending)
    return PosInterface(PosApiServer(app, port=port), pending)
