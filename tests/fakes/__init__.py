"""Small HTTP servers that speak the real requests, responses and errors of remote systems, for tests."""

import threading
from http.server import ThreadingHTTPServer

from tests.conftest import free_port


class LoopbackServer:
    """A threaded HTTP server on a free loopback port. Subclasses set their state, then call
    `super().__init__()`, and give the request handler class from `_handler()`."""

    def __init__(self):
        self.port = free_port()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self) -> type:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
