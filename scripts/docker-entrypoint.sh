#!/bin/sh
# The container's entry point: one image, every process chosen by its command.
#
#   web                 gunicorn on 0.0.0.0:$PORT (default 8000), $WEB_CONCURRENCY workers (2)
#   worker              the django-q2 cluster (manage.py qcluster)
#   bot                 the Discord gateway bot (manage.py runbot [args]); run exactly one
#   migrate             one-shot: migrate (also the schedules) and the cache table, then exit
#   manage <cmd> ...    any manage.py command (createsuperuser, check --deploy, ...)
#   healthcheck [what]  exit 0 when this container's process is healthy: web (the default,
#                       /api/health answers 200), worker (its django-q2 cluster reports) or
#                       bot (it holds the lease, heartbeating and connected)
#   anything else       run as given (e.g. `sh`)
#
# Every setting comes from the environment (.env.example); nothing secret is read from a file.
set -eu
cd "${APP_DIR:-/app}"

cmd=${1:-web}
[ $# -gt 0 ] && shift

# Settings refuse to load in production without a key; say so in one line, not a traceback.
case "$cmd" in
  web | worker | bot | migrate | manage)
    env_name=$(printf '%s' "${APP_ENV:-${DJANGO_ENV:-development}}" | tr '[:upper:]' '[:lower:]')
    if [ "$env_name" = production ] && [ -z "${DJANGO_SECRET_KEY:-${SECRET_KEY:-}}" ]; then
      echo "DJANGO_SECRET_KEY is not set: production needs a key of 50+ random characters" \
        "(see .env.example)." >&2
      exit 1
    fi
    ;;
esac

case "$cmd" in
  web)
    # Heartbeat files on tmpfs when there is one: a disk-backed /tmp can stall workers.
    tmp=
    if [ -d /dev/shm ] && [ -w /dev/shm ]; then tmp="--worker-tmp-dir /dev/shm"; fi
    # --preload imports the site once, before the workers fork: a faster start and less memory.
    # shellcheck disable=SC2086
    exec gunicorn patt.wsgi \
      --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" \
      --timeout "${WEB_TIMEOUT:-60}" \
      --access-logfile - \
      --no-control-socket \
      --preload \
      $tmp "$@"
    ;;
  worker)
    exec python manage.py qcluster "$@"
    ;;
  bot)
    exec python manage.py runbot "$@"
    ;;
  migrate)
    python manage.py migrate --noinput "$@"
    # The shared cache table (ACC-9); harmless when REDIS_URL moves the cache to Redis.
    exec python manage.py createcachetable
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  healthcheck)
    # healthcheck [web|worker|bot]: exit 0 when that process in this container is healthy.
    exec python - "${1:-web}" <<'PY'
import os
import socket
import sys
import urllib.request

what = sys.argv[1]


def unhealthy(reason):
    print(f"unhealthy: {reason}")
    sys.exit(1)


if what == "web":
    # ALLOWED_HOSTS decides which Host header Django accepts: ask with its first real entry.
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost").split(",")]
    host = next((h for h in hosts if h and h != "*"), "localhost")
    if host.startswith("."):
        host = "www" + host
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/api/health"
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers={"Host": host}), timeout=4
        ) as response:
            sys.exit(0 if response.status == 200 else 1)
    except Exception as exc:  # any failure is "unhealthy", with the reason for `docker inspect`
        unhealthy(exc)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patt.settings")
import django  # noqa: E402

django.setup()
here = socket.gethostname()
if what == "worker":
    # The cluster's sentinel refreshes its stats every few seconds; they expire when it stops.
    from django_q.status import Stat

    if not any(stat.host == here for stat in Stat.get_all()):
        unhealthy(f"no running django-q2 cluster on {here}")
elif what == "bot":
    from patt.discord.lease import bot_presence

    presence = bot_presence()
    if not presence.online or presence.hostname != here:
        unhealthy(f"{presence.label} (lease holder: {presence.hostname or 'none'})")
else:
    unhealthy(f"unknown process {what!r} (web, worker or bot)")
PY
    ;;
  *)
    exec "$cmd" "$@"
    ;;
esac
