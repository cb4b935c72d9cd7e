#!/usr/bin/env bash
# Serve the site and run a django-q2 worker side by side; Ctrl-C (or either one dying) stops both.
set -u
cd "$(dirname "$0")/.."
py=.venv/bin/python
host=${HOST:-127.0.0.1}
port=${PORT:-8000}

# IDN-49 demo configuration: without real Blizzard credentials, a fake Blizzard API on loopback
# serves the seeded demo guild, so "Blizzard sync" (admin) and the schedule work in the demo.
fake=
if [ -z "${BLIZZARD_CLIENT_ID:-}" ]; then
  fake_port=${FAKE_BLIZZARD_PORT:-8765}
  "$py" manage.py fake_blizzard --from-db --port "$fake_port" >/dev/null &
  fake=$!
  export BLIZZARD_API_URL="http://127.0.0.1:$fake_port"
  export BLIZZARD_OAUTH_URL="http://127.0.0.1:$fake_port/oauth"
  export BLIZZARD_CLIENT_ID=fake-id BLIZZARD_CLIENT_SECRET=fake-secret
fi

# The worker runs in its own session so that it gets exactly one SIGTERM, from stop() below:
# Ctrl-C signals the whole foreground group, and django-q2's cluster can hang when a second
# signal arrives while it is already shutting down.
setsid "$py" manage.py qcluster &
worker=$!
"$py" manage.py runserver "$host:$port" &
web=$!

stop() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" $fake 2>/dev/null
  wait
}
trap stop INT TERM EXIT

echo "PATT is starting on http://$host:$port (admin: http://$host:$port/admin/). Ctrl-C stops it."
wait -n
