# Sourced by backup.sh and restore.sh: split a DATABASE_URL for libpq's tools.
#   pg_url "postgres://user:p%40ss@host:5432/patt"
# sets PG_URL (postgresql://user@host:5432/patt: no password, so it is safe in `ps`), exports
# PGPASSWORD (decoded) when the URL has one, and PG_URL_SHOWN (for messages: no user, no password).
pg_url() {
  local rest userinfo password
  rest=${1#*://}
  if [[ "$rest" == *@* ]]; then
    userinfo=${rest%%@*}
    rest=${rest#*@}
    if [[ "$userinfo" == *:* ]]; then
      password=${userinfo#*:}
      userinfo=${userinfo%%:*}
      # Percent-decoding: %40 -> @ and so on.
      PGPASSWORD=$(printf '%b' "${password//%/\\x}")
      export PGPASSWORD
    fi
    PG_URL="postgresql://$userinfo@$rest"
  else
    PG_URL="postgresql://$rest"
  fi
  PG_URL_SHOWN="postgresql://$rest"
}
