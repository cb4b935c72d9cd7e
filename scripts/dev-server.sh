#!/usr/bin/env bash
# Serve the site and run a django-q2 worker side by side; Ctrl-C (or either one dying) stops both.
set -u
cd "$(dirname "$0")/.."
py=.venv/bin/python
host=${HOST:-127.0.0.1}
port=${PORT:-8000}

# The worker runs in its own session so that it gets exactly one SIGTERM, from stop() below:
# Ctrl-C signals the whole foreground group, and django-q2's cluster can hang when a second
# signal arrives while it is already shutting down.
setsid "$py" manage.py qcluster &
worker=$!
"$py" manage.py runserver "$host:$port" &
web=$!

stop() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" 2>/dev/null
  wait
}
trap stop INT TERM EXIT

echo "PATT is starting on http://$host:$port (admin: http://$host:$port/admin/). Ctrl-C stops it."
wait -n
