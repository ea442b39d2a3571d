"""A small TCP proxy for the sync tests: sits between a till and the real server on 127.0.0.1 and breaks chosen
exchanges the way networks do — the server gets and applies a request but its answer never reaches the till, the
connection drops half way through an answer, or the answer never comes and the connection stays open (`hold`).

Each rule names a request line prefix (e.g. ``POST /v1/push``) and which of the matching requests (1-based) it
breaks; everything else is forwarded byte for byte.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass


@dataclass
class Fault:
    request_prefix: bytes  # e.g. b"POST /v1/push"
    nth: int = 1  # break the nth matching request
    keep_bytes: int = 0  # forward this many bytes of the answer, then cut (0: drop the whole answer)
    hold: bool = False  # instead of cutting, keep the connection open and silent until the proxy closes (a time-out)
    seen: int = 0
    fired: int = 0


class FaultProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.faults: list[Fault] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def close(self) -> None:
        self._closed.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            state: dict[str, Fault | None] = {"fault": None}
            threading.Thread(target=self._to_server, args=(client, upstream, state), daemon=True).start()
            threading.Thread(target=self._to_client, args=(upstream, client, state), daemon=True).start()

    def _match(self, data: bytes) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if data.startswith(fault.request_prefix):
                    fault.seen += 1
                    if fault.seen == fault.nth:
                        fault.fired += 1
                        return fault
        return None

    def _to_server(self, client: socket.socket, upstream: socket.socket, state: dict[str, Fault | None]) -> None:
        try:
            while data := client.recv(65536):
                if data[:1].isalpha() and b" /" in data[:16]:  # the start of a request
                    state["fault"] = self._match(data)
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            _close(upstream)

    def _to_client(self, upstream: socket.socket, client: socket.socket, state: dict[str, Fault | None]) -> None:
        forwarded = 0
        try:
            while data := upstream.recv(65536):
                fault = state["fault"]
                if fault is not None and fault.hold:
                    self._closed.wait()  # the answer never comes: the client's read times out
                    break
                if fault is not None:
                    room = fault.keep_bytes - forwarded
                    if room > 0:
                        client.sendall(data[:room])
                    break  # the rest of the answer is lost: cut both sides
                client.sendall(data)
        except OSError:
            pass
        finally:
            _close(client)
            _close(upstream)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
