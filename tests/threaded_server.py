"""Run a test HTTP server (a ``socketserver`` server) in a thread on loopback."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def running(server: socketserver.BaseServer) -> Iterator[None]:
    """Serve ``server`` in a daemon thread for the duration of the block, then close it."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
