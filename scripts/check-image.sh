#!/usr/bin/env bash
# Build the container image and prove it works (issue 15). One line per check, PASS or FAIL;
# the exit status is 1 when any check failed. `.ci/run` runs it.
#
#   scripts/check-image.sh                 # build + every check
#   scripts/check-image.sh scan-secrets    # read `inspect` JSON on stdin, list secret-looking values
#
# The engine is whichever the machine has: docker (with a reachable daemon), podman, or buildah
# (ENGINE=docker|podman|buildah forces one; buildah is installed with apt when nothing is there
# and we are root). When the base image cannot be pulled (no container registry reachable), a
# local stand-in is built first with ../shared/tools/python-base-image.sh (BASE_IMAGE_TOOL).
#
# The checks: the build; the size the runtime stage adds to its base (< MAX_ADDED_MB); no secret
# in the image history or config; `migrate` on a throw-away PostgreSQL database (created and
# dropped on PGHOST:PGPORT as PGUSER); `check --deploy` with APP_ENV=production; gunicorn
# answering /api/health with 200 within MAX_HEALTH_SECONDS of its start; `runbot` without a
# token exiting 1 with its one-line message; `qcluster` starting; every process non-root.
set -uo pipefail
cd "$(dirname "$0")/.."

# --- scan-secrets: also used by tests/deploy ------------------------------------------------
scan_secrets() {
  python3 -c '
import json, re, sys

data = json.load(sys.stdin)
texts = []

def walk(node):
    if isinstance(node, dict):
        for value in node.values():
            walk(value)
    elif isinstance(node, list):
        for value in node:
            walk(value)
    elif isinstance(node, str):
        texts.append(node)

walk(data)
# NAME=value or NAME: value where NAME looks secret and the value is a literal (not empty, not
# a shell expansion like "$(...)" or "${VAR}"); and credentials inside URLs (scheme://user:pw@).
named = re.compile(
    r"\b([A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY)[A-Z0-9_]*)"
    r"\s*[=:]\s*[\x27\x22]?(?![\x27\x22$\s]|\Z)(\S{4,})"
)
in_url = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@")
found = []
for text in texts:
    for match in named.finditer(text):
        found.append(f"{match.group(1)}=<{len(match.group(2))} characters>")
    for match in in_url.finditer(text):
        found.append(f"a password in a URL (<{len(match.group(1))} characters>)")
for item in sorted(set(found)):
    print(item)
sys.exit(1 if found else 0)
'
}
if [ "${1:-}" = scan-secrets ]; then
  scan_secrets
  exit
fi

IMAGE=${IMAGE:-localhost/patt:latest}
BASE=${BASE:-docker.io/library/python:3.11-slim-bookworm}
BASE_IMAGE_TOOL=${BASE_IMAGE_TOOL:-../shared/tools/python-base-image.sh}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
MAX_ADDED_MB=${MAX_ADDED_MB:-200}
MAX_HEALTH_SECONDS=${MAX_HEALTH_SECONDS:-10}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}

failures=0
pass() { printf 'PASS  %-22s %s\n' "$1" "$2"; }
fail() { printf 'FAIL  %-22s %s\n' "$1" "$2"; failures=$((failures + 1)); }
work=$(mktemp -d)
bg_groups=()
container=
database=

cleanup() {
  local group
  for group in "${bg_groups[@]}"; do stop_group "$group"; done
  if [ -n "$container" ]; then
    case "$ENGINE" in
      buildah) eng rm "$container" >/dev/null 2>&1 ;;
    esac
  fi
  [ -n "$database" ] && dropdb --if-exists "$database" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# Stop a background process group we started (setsid), by its id; wait up to 10 s.
stop_group() {
  local group=$1
  kill -0 "$group" 2>/dev/null || return 0
  kill -TERM -- "-$group" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$group" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$group" 2>/dev/null
}

# --- the engine ------------------------------------------------------------------------------
ENGINE=${ENGINE:-}
if [ -z "$ENGINE" ]; then
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    ENGINE=docker
  elif command -v buildah >/dev/null; then
    ENGINE=buildah
  elif command -v podman >/dev/null; then
    ENGINE=podman
  elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing buildah (no container engine found)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah >/dev/null
    ENGINE=buildah
  else
    fail engine "no docker daemon, podman or buildah here (and not root to install buildah)"
    exit 1
  fi
fi
# buildah and podman share one image store (the stand-in base lands there); docker has its own.
STORE=
[ "$ENGINE" != docker ] && STORE="--storage-driver $STORAGE_DRIVER"
echo "Engine: $ENGINE"
eng() { "$ENGINE" $STORE "$@"; }

image_exists() {
  case "$ENGINE" in
    buildah) eng inspect --type image "$1" >/dev/null 2>&1 ;;
    *) eng image inspect "$1" >/dev/null 2>&1 ;;
  esac
}

# --- the base image: present, pulled, or a local stand-in -------------------------------------
if ! image_exists "$BASE"; then
  pulled=false
  timeout 120 "$ENGINE" $STORE pull -q "$BASE" >/dev/null 2>&1 && pulled=true
  if ! $pulled; then
    if [ "$ENGINE" != docker ] && [ -f "$BASE_IMAGE_TOOL" ]; then
      echo "No registry answers for $BASE: building a local stand-in ($BASE_IMAGE_TOOL)"
      TAG=$BASE STORE="$STORE" bash "$BASE_IMAGE_TOOL" || { fail base "stand-in build failed"; exit 1; }
    else
      fail base "$BASE cannot be pulled and $BASE_IMAGE_TOOL is missing"
      exit 1
    fi
  fi
fi

# --- build -----------------------------------------------------------------------------------
# The host's CA bundle is mounted read-only for the build only (the proxy to PyPI); a pip mirror
# comes in as a build argument of the build stage, which the runtime stage's history never shows.
build_args=()
[ -n "${PIP_INDEX_URL:-}" ] && build_args+=(--build-arg "PIP_INDEX_URL=$PIP_INDEX_URL")
old_id=
image_exists "$IMAGE" && old_id=$(
  if [ "$ENGINE" = buildah ]; then eng inspect --type image --format '{{.FromImageID}}' "$IMAGE"
  else eng image inspect --format '{{.Id}}' "$IMAGE"; fi 2>/dev/null)
started=$(date +%s)
case "$ENGINE" in
  buildah)
    mounts=()
    [ -f "$CA_BUNDLE" ] && mounts+=(-v "$CA_BUNDLE:/etc/ssl/certs/ca-certificates.crt:ro")
    eng bud --isolation chroot --format docker "${mounts[@]}" "${build_args[@]}" \
      -t "$IMAGE" . >"$work/build.log" 2>&1
    ;;
  podman)
    mounts=()
    [ -f "$CA_BUNDLE" ] && mounts+=(-v "$CA_BUNDLE:/etc/ssl/certs/ca-certificates.crt:ro")
    eng build --format docker "${mounts[@]}" "${build_args[@]}" -t "$IMAGE" . >"$work/build.log" 2>&1
    ;;
  docker)
    eng build "${build_args[@]}" -t "$IMAGE" . >"$work/build.log" 2>&1
    ;;
esac
status=$?
if [ $status -ne 0 ]; then
  tail -30 "$work/build.log"
  fail build "the $ENGINE build failed (exit $status)"
  exit 1
fi
pass build "$IMAGE built with $ENGINE in $(($(date +%s) - started)) s"
new_id=$(if [ "$ENGINE" = buildah ]; then eng inspect --type image --format '{{.FromImageID}}' "$IMAGE"
  else eng image inspect --format '{{.Id}}' "$IMAGE"; fi 2>/dev/null)
# The previous build of this tag is dropped, so repeated runs do not fill the disk.
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
  case "$ENGINE" in
    buildah) eng rmi "$old_id" >/dev/null 2>&1 ;;
    *) eng image rm "$old_id" >/dev/null 2>&1 ;;
  esac
fi

# --- size: what the runtime stage adds to its base --------------------------------------------
image_bytes() {
  if [ "$ENGINE" = buildah ]; then
    eng inspect --type image --format '{{.Manifest}}' "$1" \
      | python3 -c 'import json, sys; print(sum(l["size"] for l in json.load(sys.stdin)["layers"]))'
  else
    eng image inspect --format '{{.Size}}' "$1"
  fi
}
if base_bytes=$(image_bytes "$BASE") && image_bytes=$(image_bytes "$IMAGE"); then
  added_mb=$(((image_bytes - base_bytes) / 1000000))
  detail="runtime stage adds $added_mb MB to the base's $((base_bytes / 1000000)) MB (limit $MAX_ADDED_MB MB)"
  if [ "$added_mb" -lt "$MAX_ADDED_MB" ]; then pass size "$detail"; else fail size "$detail"; fi
else
  fail size "could not read the image sizes"
fi

# --- no secret in the history or the config ---------------------------------------------------
if [ "$ENGINE" = buildah ]; then
  eng inspect --type image "$IMAGE" >"$work/inspect.json" 2>/dev/null
else
  {
    printf '{"inspect": '; eng image inspect "$IMAGE"
    printf ', "history": '; eng history --no-trunc --format '{{json .CreatedBy}}' "$IMAGE" \
      | python3 -c 'import json, sys; print(json.dumps([json.loads(l) for l in sys.stdin]))'
    printf '}'
  } >"$work/inspect.json" 2>/dev/null
fi
if [ ! -s "$work/inspect.json" ]; then
  fail no-secrets "could not read the image history"
elif found=$(scan_secrets <"$work/inspect.json"); then
  pass no-secrets "history, environment and labels hold no secret value"
else
  fail no-secrets "secret-looking values: $(echo "$found" | paste -sd ',' -)"
fi

# --- running the image -------------------------------------------------------------------------
# A throw-away key only for these checks: generated here, never written anywhere.
secret_key=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
host_name=patt.example
database="patt_check_$$_$(date +%s)"
database_url="postgres://$PGUSER${PGPASSWORD:+:$PGPASSWORD}@$PGHOST:$PGPORT/$database"
env_args=()
for pair in "APP_ENV=production" "DJANGO_SECRET_KEY=$secret_key" "DATABASE_URL=$database_url" \
  "ALLOWED_HOSTS=$host_name" "SITE_URL=https://$host_name" "PORT=$port" "DISCORD_BOT_TOKEN=" \
  "Q_WORKERS=1" "WEB_CONCURRENCY=2"; do
  if [ "$ENGINE" = buildah ]; then env_args+=(--env "$pair"); else env_args+=(-e "$pair"); fi
done

if [ "$ENGINE" = buildah ]; then
  container=$(eng from "$IMAGE" 2>/dev/null) || { fail run "buildah from failed"; exit 1; }
fi
# Run the image's entry point with these arguments, in the foreground (host network).
in_image() {
  case "$ENGINE" in
    buildah)
      eng run --isolation chroot "${env_args[@]}" "$container" -- \
        /app/scripts/docker-entrypoint.sh "$@"
      ;;
    *) eng run --rm --network host "${env_args[@]}" "$IMAGE" "$@" ;;
  esac
}
# The same in the background, in its own process group (its id is in $last_group).
in_image_bg() {
  local log=$1
  shift
  setsid bash -c "$(declare -f eng in_image); $(declare -p ENGINE STORE env_args container IMAGE); in_image \"\$@\"" \
    in_image "$@" >"$log" 2>&1 &
  last_group=$!
  bg_groups+=("$last_group")
}

# migrate on a throw-away database
if ! createdb "$database" 2>"$work/createdb.err"; then
  fail migrate "could not create the throw-away database $database: $(head -1 "$work/createdb.err")"
  database=
else
  started=$(date +%s)
  if in_image migrate >"$work/migrate.log" 2>&1; then
    tables=$(psql -d "$database" -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    pass migrate "migrated a throw-away database in $(($(date +%s) - started)) s ($tables tables)"
  else
    tail -15 "$work/migrate.log"
    fail migrate "migrate failed on $database"
  fi
fi

# check --deploy in production mode
if in_image manage check --deploy --fail-level WARNING >"$work/deploy.log" 2>&1; then
  pass check-deploy "$(tail -1 "$work/deploy.log" | sed 's/subprocess exited.*//')"
else
  grep -v -e '^subprocess exited' -e '^Error: exit status' "$work/deploy.log" | tail -15
  fail check-deploy "manage.py check --deploy --fail-level WARNING failed (APP_ENV=production)"
fi

# gunicorn answering /api/health within MAX_HEALTH_SECONDS of its start
health_url="http://127.0.0.1:$port/api/health"
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
started=$(now_ms)
in_image_bg "$work/web.log" web
web_group=$last_group
code=000
# Poll every 0.1 s; give up 20 s past the limit (to report how late it was) or when it died.
while [ $(($(now_ms) - started)) -lt $(((MAX_HEALTH_SECONDS + 20) * 1000)) ]; do
  code=$(curl -s -o "$work/health.json" -w '%{http_code}' --max-time 2 -H "Host: $host_name" "$health_url")
  [ "$code" = 200 ] && break
  kill -0 "$web_group" 2>/dev/null || break
  sleep 0.1
done
elapsed_ms=$(($(now_ms) - started))
seconds=$(printf '%d.%02d' $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 10)))
if [ "$code" = 200 ] && [ "$elapsed_ms" -lt $((MAX_HEALTH_SECONDS * 1000)) ]; then
  pass web-health "gunicorn answered /api/health 200 in $seconds s (limit $MAX_HEALTH_SECONDS s): $(cat "$work/health.json")"
else
  tail -15 "$work/web.log"
  fail web-health "/api/health answered $code after $seconds s (limit $MAX_HEALTH_SECONDS s)"
fi
# The image's own HEALTHCHECK: kept in its config (an OCI-format build drops it), and its
# command reports the running web process healthy.
declared=$(python3 -c '
import json, sys

def find(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key.lower() == "healthcheck" and isinstance(value, dict) and value.get("Test"):
                return " ".join(value["Test"])
            found = find(value)
            if found:
                return found
    elif isinstance(node, list):
        for value in node:
            found = find(value)
            if found:
                return found
    return ""

print(find(json.load(open(sys.argv[1]))))
' "$work/inspect.json" 2>/dev/null)
if [[ "$declared" != *"docker-entrypoint.sh healthcheck"* ]]; then
  fail healthcheck "the image config has no HEALTHCHECK (got '${declared:-nothing}')"
elif in_image healthcheck >"$work/healthcheck.log" 2>&1; then
  pass healthcheck "the image's HEALTHCHECK ($declared) reports healthy"
else
  fail healthcheck "the HEALTHCHECK command failed: $(head -1 "$work/healthcheck.log")"
fi

# every process is the non-root user: `id -u` inside, and the running web processes' uids
uid=$(in_image id -u 2>/dev/null | head -1)
web_uids=
if [ "$ENGINE" = buildah ]; then
  web_uids=$(ps -o uid=,args= -g "$web_group" | awk '/gunicorn/ {print $1}' | sort -u | paste -sd ' ' -)
else
  web_uids=$(in_image id -u 2>/dev/null | head -1)
fi
if [ -n "$uid" ] && [ "$uid" != 0 ] && [ -n "$web_uids" ] && ! echo " $web_uids " | grep -q ' 0 '; then
  pass non-root "id -u inside is $uid; gunicorn runs as uid $web_uids"
else
  fail non-root "id -u inside is '${uid:-?}', gunicorn uids '${web_uids:-?}' (want non-zero)"
fi
stop_group "$web_group"

# runbot without a token: exit 1 and one line on stderr
expected="DISCORD_BOT_TOKEN is not set; the bot is disabled."
bot_out=$(in_image sh -c '/app/scripts/docker-entrypoint.sh bot 2>/tmp/bot.err >/dev/null; echo "exit=$?"; cat /tmp/bot.err' 2>/dev/null)
bot_exit=$(echo "$bot_out" | head -1)
bot_err=$(echo "$bot_out" | tail -n +2)
if [ "$bot_exit" = exit=1 ] && [ "$bot_err" = "$expected" ]; then
  pass runbot-no-token "exit 1 with \"$bot_err\""
else
  fail runbot-no-token "got '$bot_exit' and stderr '$bot_err' (want exit=1 and \"$expected\")"
fi

# The compose bot's health check answers from the lease: unhealthy while no bot holds it.
bot_health=$(in_image healthcheck bot 2>/dev/null | grep -m1 '^unhealthy: ')
if [ -n "$bot_health" ]; then
  pass bot-health "\`healthcheck bot\` without a bot: \"$bot_health\""
else
  fail bot-health "\`healthcheck bot\` did not report the missing bot"
fi

# qcluster starts (its start-up log line), then stops on SIGTERM
in_image_bg "$work/worker.log" worker
worker_group=$last_group
seen=false
for _ in $(seq 1 300); do
  if grep -qs 'Q Cluster .* running' "$work/worker.log"; then seen=true; break; fi
  kill -0 "$worker_group" 2>/dev/null || break
  sleep 0.1
done
worker_health=false
if $seen; then
  # The compose worker's health check: this host's cluster reports its stats (the sentinel
  # saves them every few seconds).
  for _ in 1 2 3; do
    if in_image healthcheck worker >"$work/worker-health.log" 2>&1; then worker_health=true; break; fi
    sleep 2
  done
fi
stop_group "$worker_group"
if $seen; then
  pass qcluster "$(grep -o 'Q Cluster .* running\.' "$work/worker.log" | head -1), then stopped"
else
  tail -15 "$work/worker.log"
  fail qcluster "no 'Q Cluster ... running' line within 30 s"
fi
if $worker_health; then
  pass worker-health "\`healthcheck worker\` sees the running cluster"
else
  fail worker-health "\`healthcheck worker\` failed: $(grep -m1 unhealthy "$work/worker-health.log" 2>/dev/null)"
fi

if [ "$failures" -gt 0 ]; then
  echo "check-image: $failures check(s) failed"
  exit 1
fi
echo "check-image: every check passed"
