"""Logging: console plus a rotating companion.log (CMPN-23).

Nothing logs the token, payloads or note text; as a second line of defence a filter replaces
the token wherever it would appear in a message.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

LOGGER_NAME = "patt_companion"
LOG_FILE = "companion.log"
FORMAT = "%(asctime)s %(levelname)s %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_BYTES = 1024 * 1024
BACKUPS = 5


class RedactToken(logging.Filter):
    def __init__(self, token: str | None):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token and len(self.token) >= 8:
            message = record.getMessage()
            if self.token in message:
                record.msg = message.replace(self.token, "…" + self.token[-4:])
                record.args = ()
        return True


def setup_logging(
    log_dir: Path | None, level: str = "INFO", *, console=True, token: str | None = None
) -> logging.Logger:
    """Configure the package logger; returns it. Safe to call again (handlers are replaced)."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    for old in list(logger.filters):
        logger.removeFilter(old)
    logger.setLevel(getattr(logging, level.upper(), logging.INFO))
    logger.propagate = False
    formatter = logging.Formatter(FORMAT, DATE_FORMAT)
    redact = RedactToken(token)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(formatter)
        stream.addFilter(redact)
        logger.addHandler(stream)
    if log_dir is not None:
        try:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                Path(log_dir) / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
            )
        except OSError as exc:
            logger.warning("Cannot write the log file in %s: %s", log_dir, exc)
        else:
            handler.setFormatter(formatter)
            handler.addFilter(redact)
            logger.addHandler(handler)
    return logger
