"""Hot-path queries turned into SQL once per process (issue 17: the faster ballot box).

Django compiles a queryset to SQL on every evaluation. For a query with joins and subqueries
that costs about a millisecond of CPU, ten times what PostgreSQL then spends answering it: on
the ballot endpoint, the viewer's Player and the vote counts cost more to compile than to run.
`CompiledQuery` keeps such a query written once, with the ORM, and compiles it once per process
(for the default database):

    def _counts(campaign_id: int, level: int) -> QuerySet:
        return Campaign.objects.filter(pk=campaign_id).annotate(...).values_list("a", "b")

    COUNTS = CompiledQuery(_counts)
    COUNTS.first(campaign.pk, campaign.vote_level)  # a tuple, or None

The first call builds the queryset with stand-in integers for the arguments, compiles it, and
remembers where each argument went among the SQL's parameters; later calls run that SQL with the
real values (through `connection.cursor()`, so query counting and logging see it as usual) and
apply the same value converters Django would. Rules for `build`:

- it returns a `values_list` queryset (tuples come back; `fields_of` and `instance_of` turn
  a row's columns back into model instances, as `select_related` would);
- its arguments are integers and only ever used as query values: the SQL must not depend on
  them (no `if level > 0:` in `build`, no `None`). The first compile checks this as far as it
  can: the SQL is built twice with different stand-ins and must come out the same, with every
  argument in it.
"""

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import ValuesListIterable

# Stand-ins for the arguments while compiling, two sets to prove the SQL does not depend on the
# values. Small enough for a SmallIntegerField: Django compiles an out-of-range lookup value to
# "no rows" instead of a parameter. A constant of the query equal to a stand-in is caught too
# (it would stay put while the stand-ins change).
_FIRST_STAND_IN = 31_001
_SECOND_STAND_IN = 31_501


class CompiledQueryError(Exception):
    """`build` does not meet CompiledQuery's rules (module doc)."""


class _Compiled:
    """A compiled query for one database: the SQL, where each parameter comes from (an argument
    index, or a constant) and the selected expressions (for the value converters)."""

    def __init__(self, sql: str, slots: list[tuple[bool, Any]], expressions: list[Any]):
        self.sql = sql
        self.slots = slots
        self.expressions = expressions

    def params(self, args: Sequence[int]) -> list[Any]:
        return [args[value] if is_argument else value for is_argument, value in self.slots]


class CompiledQuery:
    """A `values_list` queryset built by `build(*int_args)`, compiled once per process, then
    run with new argument values on the default database (module doc)."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[tuple[str, int], _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, *args: int) -> list[tuple]:
        """Every row, as tuples of converted values."""
        for arg in args:
            if not isinstance(arg, int) or isinstance(arg, bool):
                raise TypeError(f"CompiledQuery arguments are integers, not {arg!r}")
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self._compiled_for(connection, len(args))
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, compiled.params(args))
            rows = cursor.fetchall()
        return _converted(rows, compiled.expressions, connection)

    def first(self, *args: int) -> tuple | None:
        """The first row, or None when there is none. Meant for queries of at most one row (a
        primary key or one-to-one filter); `build` orders any other."""
        rows = self.rows(*args)
        return rows[0] if rows else None

    def _compiled_for(self, connection: Any, arity: int) -> _Compiled:
        key = (connection.vendor, arity)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(connection, arity)
                self._compiled[key] = compiled
        return compiled

    def _compile(self, connection: Any, arity: int) -> _Compiled:
        first = [_FIRST_STAND_IN + index for index in range(arity)]
        second = [_SECOND_STAND_IN + index for index in range(arity)]
        sql, params, expressions = self._sql(connection, first)
        again, params_again, _ = self._sql(connection, second)
        name = getattr(self.build, "__qualname__", repr(self.build))
        if again != sql or len(params_again) != len(params):
            raise CompiledQueryError(f"{name}: the SQL depends on the argument values")
        slots: list[tuple[bool, Any]] = []
        for value, value_again in zip(params, params_again, strict=True):
            if value in first:
                if value_again != second[first.index(value)]:
                    raise CompiledQueryError(f"{name}: an argument moved between compiles")
                slots.append((True, first.index(value)))
            elif value != value_again:
                raise CompiledQueryError(f"{name}: an argument is changed before it reaches SQL")
            else:
                slots.append((False, value))
        used = {value for is_argument, value in slots if is_argument}
        if used != set(range(arity)):
            raise CompiledQueryError(f"{name}: an argument does not reach the SQL")
        return _Compiled(sql, slots, expressions)

    def _sql(self, connection: Any, args: list[int]) -> tuple[str, list[Any], list[Any]]:
        queryset = self.build(*args)
        # Tuples come back, so only a plain values_list (not flat, not named) says the same.
        if getattr(queryset, "_iterable_class", None) is not ValuesListIterable:
            raise CompiledQueryError("CompiledQuery builds values_list querysets (of tuples)")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        expressions = [selected[0] for selected in compiler.select[: compiler.col_count]]
        return sql, list(params), expressions


def _converted(rows: list[tuple], expressions: list[Any], connection: Any) -> list[tuple]:
    """The values as Django would return them: the backend's and the fields' converters (e.g.
    SQLite's integers for booleans, text for datetimes), as `SQLCompiler.results_iter` does."""
    converters = []
    for index, expression in enumerate(expressions):
        functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if functions:
            converters.append((index, functions, expression))
    if not converters:
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        values = list(row)
        for index, functions, expression in converters:
            value = values[index]
            for function in functions:
                value = function(value, expression, connection)
            values[index] = value
        converted.append(tuple(values))
    return converted


def fields_of(model: type[Model], *, via: str = "") -> list[str]:
    """The `values_list` names of `model`'s concrete fields (attnames, in model order), reached
    through the relation path `via` (e.g. "guild_rank") when given."""
    prefix = f"{via}__" if via else ""
    return [f"{prefix}{field.attname}" for field in model._meta.concrete_fields]


def instance_of(model: type[Model], values: Sequence[Any]) -> Any:
    """The `model` instance of the values of `fields_of(model)`, as a queryset would load it;
    None when its primary key is None (an outer join that found no row)."""
    names = fields_of(model)
    if values[names.index(model._meta.pk.attname)] is None:
        return None
    return model.from_db(DEFAULT_DB_ALIAS, names, values)
