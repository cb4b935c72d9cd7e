#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a PostgreSQL database with pg_restore.
#
#   scripts/restore.sh backups/patt-20261207T031500Z.dump            # into DATABASE_URL's database
#   scripts/restore.sh --clean FILE                                  # replace what is there
#   scripts/restore.sh --compose [--clean] FILE                      # the compose stack's db service
#
# The target database must exist (createdb, or the compose db service) and be empty, unless
# --clean is given: then every object in the dump is dropped first and replaced. The restore
# runs in one transaction: it either completes or leaves the database as it was. Stop web, worker
# and bot first (docs/OPERATIONS.md, "Restore drill"), and run migrate after restoring an
# older backup into a newer release.
set -euo pipefail

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

compose=false
clean=false
file=
while [ $# -gt 0 ]; do
  case "$1" in
    --compose) compose=true; shift ;;
    --clean) clean=true; shift ;;
    -h | --help) usage 0 ;;
    -*) echo "restore.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *)
      [ -z "$file" ] || { echo "restore.sh: one backup file only" >&2; exit 2; }
      file=$1; shift ;;
  esac
done
[ -n "$file" ] || { echo "restore.sh: which backup? (scripts/restore.sh FILE, see --help)" >&2; exit 2; }
[ -f "$file" ] || { echo "restore.sh: no such file: $file" >&2; exit 2; }

options=(--no-owner --no-acl --exit-on-error --single-transaction)
$clean && options+=(--clean --if-exists)
count_tables="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"

if $compose; then
  in_db() { docker compose exec -T db "$@"; }
  # shellcheck disable=SC2016  # expanded inside the db container
  tables=$(in_db sh -c "psql -tA -U \"\$POSTGRES_USER\" -d \"\$POSTGRES_DB\" -c \"$count_tables\"")
  target="the compose db service's database"
else
  url=${DATABASE_URL:-}
  case "$url" in
    postgres://* | postgresql://*) ;;
    "") echo "restore.sh: DATABASE_URL is not set (or use --compose)" >&2; exit 2 ;;
    *) echo "restore.sh: DATABASE_URL is not a PostgreSQL URL" >&2; exit 2 ;;
  esac
  command -v pg_restore >/dev/null || { echo "restore.sh: pg_restore is not installed (apt-get install postgresql-client)" >&2; exit 2; }
  . "$(dirname "$0")/pg-url.sh"
  pg_url "$url"
  if ! tables=$(psql -tA --dbname="$PG_URL" -c "$count_tables" 2>&1); then
    echo "restore.sh: cannot reach $PG_URL_SHOWN: $(echo "$tables" | head -1)" >&2
    echo "  (create it first: createdb, or CREATE DATABASE as its owner)" >&2
    exit 1
  fi
  target=$PG_URL_SHOWN
fi

if [ "$tables" -gt 0 ] && ! $clean; then
  echo "restore.sh: $target already has $tables tables; restore into an empty database, or" \
    "add --clean to replace its contents with the backup's" >&2
  exit 1
fi

echo "Restoring $file into $target$($clean && echo ' (replacing its contents)')"
started=$(date +%s)
if $compose; then
  # shellcheck disable=SC2016
  in_db sh -c "pg_restore ${options[*]} -U \"\$POSTGRES_USER\" -d \"\$POSTGRES_DB\"" <"$file"
  tables=$(in_db sh -c "psql -tA -U \"\$POSTGRES_USER\" -d \"\$POSTGRES_DB\" -c \"$count_tables\"")
else
  pg_restore "${options[@]}" --dbname="$PG_URL" "$file"
  tables=$(psql -tA --dbname="$PG_URL" -c "$count_tables")
fi
echo "Restore done in $(($(date +%s) - started)) s: $tables tables. Next: manage.py migrate, then start web, worker and bot."
