"""The POS interface served by uvicorn in a daemon thread of the till process, on the loopback interface only:
the POS runs on the same computer, and nothing else on the shop's network may reach the till's members. Any other
address is refused before anything listens."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import uvicorn
from fastapi import FastAPI

DEFAULT_PORT = 8765


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


class PosApiServer:
    """The app on `host`:`port` (0: a port the OS picks, for tests), served until `stop()`."""

    def __init__(self, app: FastAPI, *, port: int = DEFAULT_PORT, host: str = "127.0.0.1", timeout: float = 30) -> None:
        address = loopback_address(host)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self._sock = socket.create_server((address, port), family=family)
        self.host = address
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
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
