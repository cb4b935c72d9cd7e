"""The state one import run carries from table to table (issue 14).

- `ids`: legacy table → legacy id → the new object (or its pk) it became or was merged into,
  for this run's rows and, from the ledger, every earlier run's;
- `imported` / `merged` / `reported` put a legacy row in its one bucket, for the report and
  for the ledger rows written at the end;
- `create` bulk-creates in a savepoint; when the database refuses, it finds the row that
  broke it and raises `ImportFailed` naming the legacy table and id.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, models, transaction

from legacy.importer.report import Report, RowNote
from legacy.importer.source import LegacySource, Row
from legacy.models import LegacyRow


class ImportFailed(Exception):
    """The import stopped; nothing was written. The message names the legacy row."""

    def __init__(self, table: str, legacy_id: object, error: object) -> None:
        self.table, self.legacy_id = table, legacy_id
        where = f"{table} row id={legacy_id}" if legacy_id is not None else table
        super().__init__(f"{where}: {error}")


@dataclass
class Context:
    source: LegacySource
    report: Report
    progress: Callable[[str], None] = lambda message: None
    ledger: dict[tuple[str, int], tuple[int | None, str]] = field(default_factory=dict)
    ids: dict[str, dict[int, Any]] = field(default_factory=dict)
    legacy: dict[str, list[Row]] = field(default_factory=dict)
    ranks: dict[int, Any] = field(default_factory=dict)  # GuildRank by pk, after the ranks
    current: tuple[str, Any] | None = None  # the legacy row being read, for error messages
    scratch: dict[str, Any] = field(default_factory=dict)  # plans one table leaves the next
    _targets: list[tuple[RowNote, Any, type[models.Model] | None]] = field(default_factory=list)
    _pending: list[tuple[str, int, str, Any, type[models.Model] | None, str]] = field(
        default_factory=list
    )

    # --- reading ---------------------------------------------------------------------------

    def load_ledger(self) -> None:
        """Every earlier run's rows: one query."""
        for table, legacy_id, object_id, bucket in LegacyRow.objects.values_list(
            "table", "legacy_id", "object_id", "bucket"
        ):
            self.ledger[(table, legacy_id)] = (object_id, bucket)
            if object_id is not None:
                self.ids.setdefault(table, {})[legacy_id] = object_id

    def legacy_rows(self, table: str) -> list[Row]:
        """All rows of `table`, read once (one SELECT) and kept for later tables."""
        if table not in self.legacy:
            self.legacy[table] = self.source.rows(table)
        return self.legacy[table]

    def read(self, table: str) -> list[Row]:
        """Count `table`'s rows for the report; return those no earlier run imported."""
        rows = self.legacy_rows(table)
        count = self.report.count(table)
        count.legacy = len(rows)
        new = _Tracked(row for row in rows if (table, row["id"]) not in self.ledger)
        new.context, new.table = self, table
        count.earlier = len(rows) - len(new)
        return new

    def by_id(self, table: str) -> dict[int, Row]:
        return {row["id"]: row for row in self.legacy.get(table, [])}

    # --- the new objects -------------------------------------------------------------------

    def pk(self, table: str, legacy_id: int | None) -> int | None:
        """The pk of the object legacy row `legacy_id` of `table` became or merged into."""
        if legacy_id is None:
            return None
        found = self.ids.get(table, {}).get(legacy_id)
        if found is None or isinstance(found, int):
            return found
        return found.pk

    # --- buckets ---------------------------------------------------------------------------

    def imported(self, table: str, legacy_id: int, obj: Any, *, change: str = "") -> None:
        self.ids.setdefault(table, {})[legacy_id] = obj
        self._pending.append((table, legacy_id, "imported", obj, _model_of(obj), change))
        self.report.count(table).imported += 1
        if change:
            self.report.changed.append(RowNote(table, legacy_id, "imported", change))

    def merged(
        self,
        table: str,
        legacy_id: int,
        into: Any,
        *,
        why: str,
        model: type[models.Model] | None = None,
    ) -> None:
        self.ids.setdefault(table, {})[legacy_id] = into
        self._pending.append((table, legacy_id, "merged", into, model or _model_of(into), why))
        self.report.count(table).merged += 1
        note = RowNote(table, legacy_id, "merged", why)
        self.report.rows.append(note)
        self._targets.append((note, into, model or _model_of(into)))

    def reported(self, table: str, legacy_id: int, *, why: str) -> None:
        self._pending.append((table, legacy_id, "reported", None, None, why))
        self.report.count(table).reported += 1
        self.report.rows.append(RowNote(table, legacy_id, "reported", why))

    def no_place(self, table: str, rows: Iterable[Row], *, why: str) -> None:
        for row in rows:
            self.reported(table, row["id"], why=why)

    # --- writing ---------------------------------------------------------------------------

    def create(
        self, model: type[models.Model], objs: Sequence[Any], *, table: str, legacy_ids: Sequence
    ) -> None:
        """Bulk-create `objs` (one INSERT); on a database error, find and name the row."""
        if not objs:
            return
        try:
            with transaction.atomic():
                model.objects.bulk_create(objs)
        except DatabaseError:
            for obj, legacy_id in zip(objs, legacy_ids, strict=True):
                if isinstance(model._meta.pk, models.AutoField):
                    obj.pk = None  # a UUID primary key keeps its value
                try:
                    with transaction.atomic():
                        model.objects.bulk_create([obj])
                except DatabaseError as exc:
                    raise ImportFailed(table, legacy_id, _first_line(exc)) from exc
            raise

    def update(self, model: type[models.Model], objs: Sequence[Any], fields: list[str]) -> None:
        if objs:
            model.objects.bulk_update(objs, fields, batch_size=500)

    def finish(self) -> None:
        """Name the objects merged rows went into (their pks exist once created)."""
        for note, into, model in self._targets:
            pk = into if isinstance(into, int) else into.pk
            name = getattr(into, "_legacy_label", "") or _name(into)
            label = model._meta.label if model is not None else "object"
            note.target = f"{label} #{pk}" + (f" ({name})" if name else "")

    def write_ledger(self) -> None:
        """One LegacyRow per legacy row of this run: one INSERT."""
        types: dict[type[models.Model], int] = {}
        rows = []
        for table, legacy_id, bucket, obj, model, note in self._pending:
            content_type_id = None
            if model is not None:
                if model not in types:
                    types[model] = ContentType.objects.get_for_model(model).pk
                content_type_id = types[model]
            object_id = obj if isinstance(obj, int) or obj is None else obj.pk
            rows.append(
                LegacyRow(
                    table=table,
                    legacy_id=legacy_id,
                    content_type_id=content_type_id,
                    object_id=object_id,
                    bucket=bucket,
                    note=note,
                )
            )
        LegacyRow.objects.bulk_create(rows)


class _Tracked(list):
    """Rows that remember, while a step loops over them, which one it is at."""

    context: Context
    table: str

    def __iter__(self):
        for row in super().__iter__():
            self.context.current = (self.table, row.get("id"))
            yield row


def _model_of(obj: Any) -> type[models.Model] | None:
    return type(obj) if isinstance(obj, models.Model) else None


def _name(obj: Any) -> str:
    for attribute in ("display_name", "name", "title", "username", "code", "text"):
        value = getattr(obj, attribute, None)
        if isinstance(value, str) and value:
            return value
    return ""


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
