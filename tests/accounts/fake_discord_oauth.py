"""A loopback stand-in for Discord's OAuth2 token and user endpoints (ACC-13, ACC-14).

allauth's real Discord code path runs against it: the test points `DiscordOAuth2Adapter`'s
token and profile URLs at `base_url` (configuration, not our code) and plays Discord's
authorize step itself with `issue_code(user)`, the code Discord would put in the callback URL.

- `POST /api/oauth2/token` (form: `grant_type=authorization_code`, `code`, `client_id`,
  `client_secret`, `redirect_uri`): a code issued for this client, used once, answers
  `{"access_token", "token_type": "Bearer", "expires_in", "refresh_token", "scope"}`; anything
  else 400 `{"error": "invalid_grant"}` (`invalid_client` for a wrong client).
- `GET /api/users/@me` with `Authorization: Bearer <token>`: that user's JSON; else 401
  `{"message": "401: Unauthorized", "code": 0}`.
"""

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class FakeDiscordOAuth:
    def __init__(self, *, client_id: str, client_secret: str):
        self.client_id = client_id
        self.client_secret = client_secret
        self._codes: dict[str, dict] = {}
        self._tokens: dict[str, dict] = {}
        self._lock = threading.Lock()
        self.token_requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeDiscordOAuth":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def issue_code(self, user: dict) -> str:
        """What Discord's authorize page does once the person approves: a one-time code."""
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = user
        return code

    # --- HTTP -------------------------------------------------------------------------------

    def _exchange(self, form: dict) -> tuple[int, dict]:
        with self._lock:
            self.token_requests.append(form)
            if (
                form.get("client_id") != self.client_id
                or form.get("client_secret") != self.client_secret
            ):
                return 401, {"error": "invalid_client"}
            user = self._codes.pop(form.get("code", ""), None)
            if form.get("grant_type") != "authorization_code" or user is None:
                return 400, {"error": "invalid_grant"}
            token = secrets.token_urlsafe(24)
            self._tokens[token] = user
        body = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 604800,
            "refresh_token": secrets.token_urlsafe(24),
            "scope": "identify",
        }
        return 200, body

    def _me(self, authorization: str) -> tuple[int, dict]:
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            user = self._tokens.get(token) if scheme == "Bearer" else None
        if user is None:
            return 401, {"message": "401: Unauthorized", "code": 0}
        return 200, user

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _send(self, status: int, body: dict) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if self.path != "/api/oauth2/token":
                    return self._send(404, {"message": "404: Not Found", "code": 0})
                form = {key: values[0] for key, values in parse_qs(raw).items()}
                return self._send(*fake._exchange(form))

            def do_GET(self):
                if self.path != "/api/users/@me":
                    return self._send(404, {"message": "404: Not Found", "code": 0})
                return self._send(*fake._me(self.headers.get("Authorization", "")))

        return Handler
