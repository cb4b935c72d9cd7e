#!/usr/bin/env bash
# Back up the platform's PostgreSQL database with pg_dump (custom format: compressed, restorable
# table by table with scripts/restore.sh).
#
#   scripts/backup.sh                      # DATABASE_URL's database -> backups/patt-<UTC time>.dump
#   scripts/backup.sh -o /srv/backups      # into that folder (a name ending in .dump: that file)
#   scripts/backup.sh --compose            # the compose stack's `db` service (docker compose exec)
#   scripts/backup.sh --keep 14            # then keep only the 14 newest patt-*.dump in the folder
#
# The dump is written to a temporary name and renamed once pg_restore can read its table of
# contents, so a failed or interrupted run never leaves a file that looks like a good backup.
# Uploaded files (MEDIA_ROOT, the compose `media` volume) are not in the database: back them up
# beside the dump (docs/OPERATIONS.md, "Backups").
set -euo pipefail

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

out=${BACKUP_DIR:-backups}
compose=false
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    -o | --output) out=${2:?"$1 needs a folder or a file name"}; shift 2 ;;
    --compose) compose=true; shift ;;
    --keep) keep=${2:?"--keep needs a number"}; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "backup.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$keep" in
  '' | *[!0-9]*) echo "backup.sh: --keep needs a whole number, got '$keep'" >&2; exit 2 ;;
esac

if [[ "$out" == *.dump ]]; then
  file=$out
  dir=$(dirname "$out")
else
  dir=$out
  file="$dir/patt-$(date -u +%Y%m%dT%H%M%SZ).dump"
fi
mkdir -p "$dir"
partial="$file.partial"
trap 'rm -f "$partial"' EXIT

started=$(date +%s)
if $compose; then
  # pg_dump runs inside the db container as the database's own user (no password needed).
  echo "Backing up the compose db service's database to $file"
  docker compose exec -T db sh -c 'pg_dump --format=custom --no-owner --no-acl -U "$POSTGRES_USER" "$POSTGRES_DB"' \
    >"$partial"
else
  url=${DATABASE_URL:-}
  case "$url" in
    postgres://* | postgresql://*) ;;
    "") echo "backup.sh: DATABASE_URL is not set (or use --compose)" >&2; exit 2 ;;
    *) echo "backup.sh: DATABASE_URL is not a PostgreSQL URL; backups are for PostgreSQL" >&2; exit 2 ;;
  esac
  command -v pg_dump >/dev/null || { echo "backup.sh: pg_dump is not installed (apt-get install postgresql-client)" >&2; exit 2; }
  # libpq reads postgresql:// URLs, not Django's postgres:// alias; the password goes through
  # PGPASSWORD so that it never shows in the process list.
  . "$(dirname "$0")/pg-url.sh"
  pg_url "$url"
  echo "Backing up $PG_URL_SHOWN to $file"
  pg_dump --format=custom --no-owner --no-acl --dbname="$PG_URL" --file="$partial"
fi

# A readable archive with at least one table, or it is not a backup.
if command -v pg_restore >/dev/null; then
  listing=$(pg_restore --list "$partial")
else
  listing=$(docker compose exec -T db pg_restore --list <"$partial")
fi
tables=$(printf '%s\n' "$listing" | grep -c ' TABLE DATA ' || true)
if [ "$tables" -eq 0 ]; then
  echo "backup.sh: the dump has no table data; not keeping it" >&2
  exit 1
fi
mv "$partial" "$file"
trap - EXIT
size=$(du -h "$file" | cut -f1)
echo "Backup done in $(($(date +%s) - started)) s: $file ($size, $tables tables)"

if [ "$keep" -gt 0 ]; then
  # shellcheck disable=SC2012  # names are ours (patt-<UTC time>.dump): no odd characters
  old=$(ls -1t "$dir"/patt-*.dump 2>/dev/null | tail -n +$((keep + 1)))
  if [ -n "$old" ]; then
    echo "$old" | xargs rm -f --
    echo "Removed $(echo "$old" | wc -l) older backup(s); kept the newest $keep"
  fi
fi
