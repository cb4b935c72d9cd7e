"""Is a django-q2 worker running? What the admin header and worker health say (issue 16).

A running cluster's sentinel saves its `Stat` every guard cycle (about twice a second) with a
3-second expiry: in the cache for the ORM broker (the DatabaseCache here, shared by every
process), in Redis for the Redis broker. So a cluster is running when a fresh `Stat` of ours
is found; none found means no cluster has reported within the last seconds.

Read-only and cheap: for the cache-backed brokers at most two cache reads (the key list, then
the stats in one `get_many`), never the write `Stat.get_all()` makes to prune its key list.
Any broker or cache failure counts as "cannot tell", shown as not running: a worker whose
broker is down runs nothing either.

Ground floor: imports django_q (a library), no app.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone

log = logging.getLogger(__name__)

# A Stat older than this is a cluster that stopped reporting (its 3-second expiry normally
# removes it long before; this also covers a cache without expiry, e.g. a clock far off).
STALE_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class WorkerPresence:
    """What the admin shows about the django-q2 worker."""

    running: bool
    clusters: int = 0
    last_task_at: datetime | None = None  # not running: when the newest task finished
    error: str = ""

    @property
    def label(self) -> str:
        if self.running:
            return "Worker running" if self.clusters == 1 else f"Worker running ({self.clusters})"
        return "Worker not running"

    @property
    def detail(self) -> str:
        """The banner's sentence after "Worker not running"."""
        if self.error:
            return f"the task queue did not answer ({self.error})."
        if self.last_task_at is None:
            return "no django-q2 cluster is reporting."
        seen = self.last_task_at.astimezone(UTC)
        return (
            f"no django-q2 cluster is reporting; the last task finished {seen:%Y-%m-%d %H:%M} UTC."
        )


def _stat_packs() -> list:
    """The signed Stat packages of the running clusters, read without writing."""
    from django_q.brokers import Broker, get_broker
    from django_q.conf import Conf

    broker = get_broker()
    if type(broker).get_stats is not Broker.get_stats:  # Redis & co: their own read
        return list(broker.get_stats(f"{Conf.Q_STAT}:*") or [])
    cache = broker.cache
    if cache is None:
        return []
    keys = cache.get(Conf.Q_STAT) or []
    if not keys:
        return []
    return [pack for pack in cache.get_many(keys).values() if pack]


def _fresh_clusters(packs, now: datetime) -> int:
    from django_q.signing import BadSignature, SignedPackage

    fresh = 0
    for pack in packs:
        try:
            stat = SignedPackage.loads(pack)
        except (BadSignature, Exception):  # another project's key, or a torn value
            continue
        stamp = getattr(stat, "timestamp", None)
        if stamp is not None and now - stamp <= STALE_AFTER:
            fresh += 1
    return fresh


def _last_task_at() -> datetime | None:
    from django_q.models import Task

    return Task.objects.order_by("-stopped").values_list("stopped", flat=True).first()


def worker_presence(*, now: datetime | None = None, last_task: bool = False) -> WorkerPresence:
    """Running = at least one cluster reported within `STALE_AFTER`: one cache read when none
    ever did, two otherwise. With `last_task` (the worker health page), a worker that is not
    running also says when the newest task finished (one query more)."""
    now = now or timezone.now()
    try:
        clusters = _fresh_clusters(_stat_packs(), now)
    except Exception as exc:  # the admin must render whatever the broker does
        log.warning("Worker presence unknown: %s", type(exc).__name__)
        return WorkerPresence(running=False, error=type(exc).__name__)
    if clusters:
        return WorkerPresence(running=True, clusters=clusters)
    return WorkerPresence(running=False, last_task_at=_last_task_at() if last_task else None)
