"""Companion configuration: config.json plus environment overrides (CMPN-3).

The upload token is never part of the config file (CMPN-4, see tokenstore.py).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

APP_NAME = "patt-companion"
UPLOAD_PATH = "/api/v1/guild-sync/addon-upload"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
NOT_CONFIGURED = "Not configured yet: run `patt-companion setup`."
LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


class ConfigError(Exception):
    """A missing or invalid setting; the CLI exits 2 with this message (CMPN-2)."""


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False, roaming=True))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def validate_site_url(url: str) -> str:
    """https only; http only for localhost, 127.0.0.1 and ::1 (CMPN-3). Returns it without a
    trailing slash."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"Site URL must look like https://example.org, got {url!r}.")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise ConfigError("Site URL must use https (http is only allowed for localhost).")
    return url.rstrip("/")


def site_host(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port else host


def upload_url(site_url: str) -> str:
    return site_url.rstrip("/") + UPLOAD_PATH


@dataclass
class Config:
    site_url: str = ""
    saved_variables_path: str = ""
    poll_interval_s: float = 30.0
    settle_s: float = 2.0
    log_level: str = "INFO"
    path: Path = field(default=Path(), compare=False)
    data_path: Path = field(default=Path(), compare=False)
    log_path: Path = field(default=Path(), compare=False)

    @property
    def token_dir(self) -> Path:
        """The token file (when there is no keyring) lives beside config.json (CMPN-4)."""
        return self.path.parent

    @property
    def host(self) -> str:
        return site_host(self.site_url)

    def validate(self) -> None:
        """Raise ConfigError unless the companion can run (CMPN-24)."""
        if not self.site_url or not self.saved_variables_path:
            raise ConfigError(NOT_CONFIGURED)
        self.site_url = validate_site_url(self.site_url)
        if self.poll_interval_s <= 0 or self.settle_s < 0:
            raise ConfigError("poll_interval_s must be > 0 and settle_s >= 0.")

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("path", "data_path", "log_path"):
            data.pop(key)
        return data


def _number(value, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}.") from None


def load_config(path: Path | str | None = None, env: dict | None = None) -> Config:
    """Read config.json (missing file = defaults) and apply the environment overrides."""
    env = os.environ if env is None else env
    path = Path(path) if path else config_dir() / "config.json"
    data: dict = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"Cannot read {path}: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path} does not hold a JSON object.")
    config = Config(
        site_url=str(data.get("site_url") or ""),
        saved_variables_path=str(data.get("saved_variables_path") or ""),
        poll_interval_s=_number(data.get("poll_interval_s", 30), "poll_interval_s"),
        settle_s=_number(data.get("settle_s", 2), "settle_s"),
        log_level=str(data.get("log_level") or "INFO").upper(),
        path=path,
        data_path=Path(env.get("PATT_COMPANION_DATA_DIR") or data_dir()),
        log_path=Path(env.get("PATT_COMPANION_LOG_DIR") or log_dir()),
    )
    if env.get("PATT_SITE_URL"):
        config.site_url = env["PATT_SITE_URL"]
    if env.get("WOW_SAVED_VARIABLES_PATH"):
        config.saved_variables_path = env["WOW_SAVED_VARIABLES_PATH"]
    if env.get("PATT_POLL_INTERVAL"):
        config.poll_interval_s = _number(env["PATT_POLL_INTERVAL"], "PATT_POLL_INTERVAL")
    if env.get("PATT_DEBUG", "") not in ("", "0", "false", "no"):
        config.log_level = "DEBUG"
    if config.log_level not in LOG_LEVELS:
        config.log_level = "INFO"
    return config


def save_config(config: Config) -> Path:
    """Write config.json atomically (never containing the token)."""
    config.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = config.path.with_name(config.path.name + ".tmp")
    tmp.write_text(json.dumps(config.to_json(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, config.path)
    return config.path
