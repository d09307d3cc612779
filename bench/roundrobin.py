"""A loopback round-robin in front of several app servers, for `make bench --servers N`.

Each accepted connection goes to the next server in turn and its bytes are
copied both ways until either side closes. gunicorn's sync workers close the
connection after every response, so every request is a new connection and the
servers take turns request by request. Loopback only; no HTTP parsing, no
health checks: a stand-in for the load balancer of a real deployment.

    python bench/roundrobin.py PORT 127.0.0.1:8001 127.0.0.1:8002
"""

from __future__ import annotations

import itertools
import socket
import sys
import threading


class RoundRobin:
    def __init__(self, backends: list[tuple[str, int]], port: int = 0):
        self.backends = backends
        self._next = itertools.cycle(range(len(backends)))
        self._lock = threading.Lock()
        self.sent = [0] * len(backends)  # connections handed to each server
        self.listener = socket.create_server(("127.0.0.1", port), backlog=256)
        self.port = self.listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> RoundRobin:
        self._thread.start()
        return self

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                index = next(self._next)
                self.sent[index] += 1
            threading.Thread(target=self._serve, args=(client, index), daemon=True).start()

    def _serve(self, client: socket.socket, index: int) -> None:
        try:
            upstream = socket.create_connection(self.backends[index], timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
        back.start()
        _pipe(client, upstream)
        back.join()
        for sock in (client, upstream):
            sock.close()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        # Tell the other side no more is coming; it finishes its own half.
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def main() -> int:
    port = int(sys.argv[1])
    backends = [(host, int(p)) for host, p in (arg.rsplit(":", 1) for arg in sys.argv[2:])]
    proxy = RoundRobin(backends, port).start()
    print(f"round-robin on 127.0.0.1:{proxy.port} over {', '.join(sys.argv[2:])}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        proxy.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
