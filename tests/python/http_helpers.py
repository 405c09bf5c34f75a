"""A real HTTP server on 127.0.0.1 for the tests of code that calls out (alerts, Jira sync).

One plumbing for every such test: the server records each request and answers with what
the test's `respond` function returns, so a test writes only its answers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# respond(request) -> (status, answer): a dict or list is sent as JSON, bytes as they are
Respond = Callable[[dict[str, Any]], tuple[int, Any]]


class LocalServer:
    """Records every request as {method, path, headers, body} (body: the parsed JSON, or
    None without one) and answers it with `respond`; `base` is its http://127.0.0.1:port."""

    def __init__(self, respond: Respond) -> None:
        self.requests: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self, respond))
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def of(self, prefix: str) -> list[dict[str, Any]]:
        """The recorded requests whose path starts with `prefix`."""
        return [r for r in self.requests if r["path"].startswith(prefix)]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(owner: LocalServer, respond: Respond) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            entry = {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers),
                "body": json.loads(raw.decode("utf-8")) if raw else None,
            }
            owner.requests.append(entry)
            status, answer = respond(entry)
            raw_answer = isinstance(answer, bytes)
            payload = answer if raw_answer else json.dumps(answer).encode("utf-8")
            self.send_response(status)
            if not raw_answer:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _serve  # noqa: N815 (http.server's naming)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def local_server(respond: Respond) -> Iterator[LocalServer]:
    """A started LocalServer, stopped and its port freed on exit."""
    server = LocalServer(respond)
    server.start()
    try:
        yield server
    finally:
        server.stop()
