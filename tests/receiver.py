"""A department system's webhook endpoint on 127.0.0.1, for tests: records what arrives, and
can be told to fail, to be slow, or to be down."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from onestop.outbox import signing


class Receiver:
    def __init__(self, secret: bytes | None = None):
        self.secret = secret
        self.received: list[dict] = []  # every request, duplicates included
        self.status = 200
        self.delay = 0.0
        self.on_receive = None  # called with each body before answering
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self, port: int = 0) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k: v for k, v in self.headers.items()}
                entry = {
                    "headers": headers,
                    "body": json.loads(body),
                    "verified": receiver.secret is not None
                    and signing.verify(receiver.secret, headers, body),
                }
                if receiver.on_receive:
                    receiver.on_receive(entry)
                receiver.received.append(entry)
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> list[str]:
        """Distinct event ids in arrival order: what a deduplicating receiver keeps."""
        seen, out = set(), []
        for entry in self.received:
            event_id = entry["body"]["event_id"]
            if event_id not in seen:
                seen.add(event_id)
                out.append(event_id)
        return out
