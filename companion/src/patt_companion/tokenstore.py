"""Where the upload token lives (CMPN-4).

The OS keyring (service "patt-companion", user = site host) when `keyring` is installed and
has a real backend; otherwise a `token` file beside config.json, mode 0600 on POSIX. The
token is never written to config.json, logs or output (`mask_token`), and never taken from argv.
`PATT_UPLOAD_TOKEN` in the environment overrides both (CMPN-3).
"""

from __future__ import annotations

import os
from pathlib import Path

SERVICE = "patt-companion"
TOKEN_FILE = "token"


def mask_token(token: str | None) -> str:
    """Show only the last 4 characters: "…wxyz" (CMPN-4)."""
    if not token:
        return "(none)"
    return "…" + token[-4:] if len(token) > 4 else "…"


def _real_keyring():
    """The keyring module when it has a usable backend, else None."""
    try:
        import keyring
        from keyring.backends import fail
    except Exception:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    names = {type(backend).__module__ + "." + type(backend).__name__}
    backends = getattr(backend, "backends", None)  # the chainer wraps the real ones
    if backends is not None:
        if not backends:
            return None
        names = {type(b).__module__ + "." + type(b).__name__ for b in backends}
    if isinstance(backend, fail.Keyring) or all(
        n.startswith(("keyring.backends.fail.", "keyring.backends.null.")) for n in names
    ):
        return None
    priority = getattr(backend, "priority", 1)
    if isinstance(priority, int | float) and priority <= 0:
        return None
    return keyring


class TokenStore:
    """get/set the token for one site host."""

    def __init__(self, directory: Path, host: str, *, keyring_module=..., env=None):
        self.path = Path(directory) / TOKEN_FILE
        self.host = host
        self.keyring = _real_keyring() if keyring_module is ... else keyring_module
        self.env = os.environ if env is None else env

    @property
    def backend_name(self) -> str:
        if self.keyring is not None:
            return "the system keyring"
        return str(self.path)

    def get(self) -> str | None:
        if self.env.get("PATT_UPLOAD_TOKEN"):
            return self.env["PATT_UPLOAD_TOKEN"].strip()
        if self.keyring is not None:
            try:
                token = self.keyring.get_password(SERVICE, self.host)
            except Exception:
                token = None
            if token:
                return token
        try:
            token = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return token or None

    def set(self, token: str) -> str:
        """Store the token; returns where it went (for the confirmation message)."""
        token = token.strip()
        if not token:
            raise ValueError("The token is empty.")
        if self.keyring is not None:
            try:
                self.keyring.set_password(SERVICE, self.host, token)
                self.path.unlink(missing_ok=True)  # no stale copy on disk
                return "the system keyring"
            except Exception:
                pass  # a locked or broken keyring falls back to the file
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        fd = os.open(self.path, flags, 0o600)
        try:
            os.write(fd, token.encode("utf-8"))
        finally:
            os.close(fd)
        if os.name == "posix":
            os.chmod(self.path, 0o600)  # an existing file keeps its old mode otherwise
        return str(self.path)
