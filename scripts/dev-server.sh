#!/usr/bin/env bash
# Serve the site and run a django-q2 worker (and, with DISCORD_BOT_TOKEN, the Discord bot) side by
# side; Ctrl-C (or the site or the worker dying) stops them all.
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

# The Discord bot (BOT-1) runs only with a token; the site and the worker work without it. It
# gets its own session like the worker, so it sees exactly one SIGTERM (BOT-4: it releases its
# lease), and it is left out of `wait -n` below: a bot refused at start-up (bad token, members
# intent off) says why and exits, but the demo keeps running.
bot=
if [ -n "${DISCORD_BOT_TOKEN:-}" ]; then
  setsid "$py" manage.py runbot &
  bot=$!
  echo "Discord bot: starting (manage.py runbot)."
else
  echo "Discord bot: off - DISCORD_BOT_TOKEN is not set, so nothing reacts on Discord (set it and" \
    "DISCORD_GUILD_ID to run manage.py runbot beside the site; everything else works)."
fi

stop() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" $fake $bot 2>/dev/null
  wait
}
trap stop INT TERM EXIT

echo "PATT is starting on http://$host:$port (admin: http://$host:$port/admin/). Ctrl-C stops it."
wait -n "$web" "$worker"
