"""Reading the legacy PATT database: one READ ONLY, REPEATABLE READ transaction, one SELECT per
table (issue 14). Nothing here ever writes to the legacy database."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

LEGACY_HEAD = "0181"

Row = dict[str, Any]

# Secrets in plain columns (README §1): never read. A query returns, under the column's name,
# only whether it is set, so the report can name it (ROS-49: secrets come from the
# environment only).
SECRET_COLUMNS = {
    "common.site_config": ("blizzard_client_secret_encrypted", "smtp_password_encrypted"),
    "common.discord_config": ("bot_token_encrypted", "raid_helper_api_key"),
}


class SourceError(Exception):
    """The legacy database cannot be read (connection, wrong revision, missing table)."""


@dataclass
class LegacySource:
    """An open read-only snapshot of the legacy database."""

    connection: psycopg.Connection

    def rows(self, table: str) -> list[Row]:
        """Every row of `schema.table`, by id: one SELECT."""
        schema, name = table.split(".", 1)
        columns: sql.Composable = sql.SQL("*")
        secrets = SECRET_COLUMNS.get(table, ())
        if secrets:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                    "AND table_name = %s ORDER BY ordinal_position",
                    (schema, name),
                )
                names = [column for (column,) in cursor.fetchall()]
            columns = sql.SQL(", ").join(
                sql.SQL("({0} IS NOT NULL AND {0}::text <> '') AS {0}").format(
                    sql.Identifier(column)
                )
                if column in secrets
                else sql.Identifier(column)
                for column in names
            )
        query = sql.SQL("SELECT {} FROM {}.{} ORDER BY id").format(
            columns, sql.Identifier(schema), sql.Identifier(name)
        )
        with self.connection.cursor(row_factory=dict_row) as cursor:
            try:
                cursor.execute(query)
            except psycopg.Error as exc:
                raise SourceError(f"cannot read legacy table {table}: {exc}") from exc
            return list(cursor.fetchall())

    def tables(self) -> list[str]:
        """Every base table of the legacy database, schema-qualified."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN "
                "('pg_catalog', 'information_schema') ORDER BY 1"
            )
            return [name for (name,) in cursor.fetchall()]

    def revision(self) -> str:
        with self.connection.cursor() as cursor:
            try:
                cursor.execute("SELECT version_num FROM patt.alembic_version")
            except psycopg.Error as exc:
                raise SourceError(
                    "this is not a legacy PATT database (no patt.alembic_version table)"
                ) from exc
            found = cursor.fetchall()
        return ",".join(str(version) for (version,) in found)


@contextmanager
def open_source(url: str) -> Iterator[LegacySource]:
    """Connect to `url`, check the Alembic head and hold one read-only snapshot."""
    try:
        connection = psycopg.connect(url, connect_timeout=10)
    except psycopg.Error as exc:
        raise SourceError(f"cannot connect to the legacy database: {exc}") from exc
    try:
        connection.read_only = True
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        source = LegacySource(connection)
        revision = source.revision()
        if revision != LEGACY_HEAD:
            raise SourceError(
                f"the legacy database is at Alembic revision {revision or 'none'}; this import "
                f"reads revision {LEGACY_HEAD}: upgrade the legacy platform first"
            )
        yield source
    finally:
        connection.rollback()
        connection.close()
