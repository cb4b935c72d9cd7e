#!/usr/bin/env bash
# Serve the site and run a django-q2 worker side by side; Ctrl-C (or either one dying) stops both.
set -u
cd "$(dirname "$0")/.."
py=.venv/bin/python
host=${HOST:-127.0.0.1}
port=${PORT:-8000}

trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT

"$py" manage.py qcluster &
"$py" manage.py runserver "$host:$port" &
echo "PATT is starting on http://$host:$port (admin: http://$host:$port/admin/). Ctrl-C stops it."
wait -n
