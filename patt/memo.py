"""Per-process memos of shared page data that changes seldom (issue 17: the landing page).

The landing page shows every visitor the same officers, recruiting needs, quote pool and
recent results; reading them costs more than the rest of the page. `memo` keeps a function's
answer in this process for `seconds` (30 by default, like `SiteConfig.get`):

- a save or delete of one of the models named in `cleared_by` (``"app_label.ModelName"``)
  drops the memo at once in the process that wrote it (every test, `make run`'s single
  process, an officer's admin edit on the worker that served it);
- other processes (the second gunicorn worker, the django-q2 worker's bulk writes, which send
  no signals) see the change within `seconds`.

Only for data every viewer of the same arguments sees alike and that may lag by `seconds`
elsewhere: never for anything a viewer's own action must show at once (their vote, their
availability). Answers are shared between threads: callers must not change them. Arguments
are the memo's key, so they must be hashable.
"""

import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db.models.signals import post_delete, post_save

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_SECONDS = 30.0

_memos: list["_Memo"] = []
_by_model: dict[str, list["_Memo"]] = {}
_lock = threading.Lock()


class _Memo:
    def __init__(self, function: Callable[..., Any], seconds: float):
        self.function = function
        self.seconds = seconds
        self.answers: dict[tuple, tuple[float, Any]] = {}

    def get(self, args: tuple, kwargs: dict) -> Any:
        key = (args, tuple(sorted(kwargs.items())))
        now = time.monotonic()
        kept = self.answers.get(key)
        if kept is not None and now - kept[0] < self.seconds:
            return kept[1]
        answer = self.function(*args, **kwargs)
        self.answers[key] = (now, answer)
        return answer

    def clear(self) -> None:
        self.answers = {}


def memo(
    *, cleared_by: tuple[str, ...], seconds: float = DEFAULT_SECONDS
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Keep the decorated function's answers per arguments in this process (module doc)."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        kept = _Memo(function, seconds)
        with _lock:
            _memos.append(kept)
            for label in cleared_by:
                _by_model.setdefault(label.lower(), []).append(kept)

        @wraps(function)
        def memoized(*args: P.args, **kwargs: P.kwargs) -> R:
            return kept.get(args, kwargs)

        return memoized

    return decorate


def clear_memos() -> None:
    """Drop every memo of this process (tests run each from a clean state)."""
    for kept in _memos:
        kept.clear()


def _model_written(sender, **kwargs) -> None:
    for kept in _by_model.get(sender._meta.label_lower, ()):
        kept.clear()


post_save.connect(_model_written, dispatch_uid="patt.memo.saved")
post_delete.connect(_model_written, dispatch_uid="patt.memo.deleted")
