"""Handing work to the django-q2 worker without failing what was already done (issue 17).

Web requests, admin actions and bot handlers queue tasks once their transaction has committed
(the worker must see the committed rows; a rollback queues nothing). When the broker cannot be
reached (Redis away, the ORM broker's database gone), the committed work stands: the failure is
logged with what was not queued, `on_unreachable` records it where an officer will see it, and
nothing is raised into a page, an admin action or a bot reply after the fact. The checker and
the schedules pick up what they own on their next run.

In django-q2's sync mode (tests) there is no broker: the task runs inline and its own errors
propagate as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


def enqueue(
    task: str,
    *args: Any,
    what: str,
    on_unreachable: Callable[[], None] | None = None,
    **kwargs: Any,
) -> bool:
    """Queue `task(*args, **kwargs)` now; False (logged, `on_unreachable` called) when the
    broker refused it."""
    from django_q.conf import Conf
    from django_q.tasks import async_task

    if Conf.SYNC:
        async_task(task, *args, **kwargs)
        return True
    try:
        async_task(task, *args, **kwargs)
    except Exception as exc:  # the broker's own error type (redis-py's, or a database error)
        log.warning(
            "%s not queued: the task queue is unreachable (%s)",
            what,
            type(exc).__name__,
            extra={"event": "task_not_queued", "task": task},
        )
        if on_unreachable is not None:
            on_unreachable()
        return False
    return True


def enqueue_on_commit(
    task: str,
    *args: Any,
    what: str,
    on_unreachable: Callable[[], None] | None = None,
    **kwargs: Any,
) -> None:
    """`enqueue` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(
        partial(enqueue, task, *args, what=what, on_unreachable=on_unreachable, **kwargs)
    )
