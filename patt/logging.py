"""JSON log lines (BOT-11): `LOG_FORMAT=json` makes every log record one JSON object.

Each line carries `time`, `level`, `logger` and `message`, and the `extra` fields the code
passes (the bot's `event`, `discord_user_id`, `outcome`, `duration_ms`, `error_id`), so a log
collector can filter on them. A traceback goes in `exc_info` as text. The token redaction of
patt.http works on the record before any formatter runs, so it covers these lines too.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# The attributes every LogRecord has: anything else on a record came in through `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: the standard fields, then the `extra` ones."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
