"""A fake Google Sheets export URL on 127.0.0.1, for `import_sheets --url` (ROS-63).

Standard library only. `FakeSheets` runs a `ThreadingHTTPServer` on a random loopback port in a
thread and answers GETs from a table of routes; the path is matched with its query string:

    fake = FakeSheets().start()
    fake.routes["/exec?key=s3cret"] = Route(200, b'{"success": true}', "application/json")
    fake.url("/exec?key=s3cret")      # http://127.0.0.1:<port>/exec?key=s3cret
    fake.paths                        # the paths asked for, in order
    fake.stop()

An unknown path answers 404 `missing` as text/plain. `Route.delay` holds the answer back that
many seconds (a client timeout test).
"""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Route:
    status: int
    body: bytes
    content_type: str = "application/json"
    delay: float = 0.0


class FakeSheets:
    def __init__(self, routes: dict[str, Route] | None = None):
        self.routes: dict[str, Route] = dict(routes or {})
        self.paths: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> "FakeSheets":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake.paths.append(self.path)
                route = fake.routes.get(self.path, Route(404, b"missing", "text/plain"))
                if route.delay:
                    time.sleep(route.delay)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
