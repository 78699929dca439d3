"""Multi-row INSERTs for the hot import paths, from plain dicts, without a model instance per row.

`Model.objects.bulk_create` builds a model instance per row and then walks every field of every row
through the query compiler (`pre_save`, `get_db_prep_save`, placeholder SQL): for a `Flight`, with its
fifty-odd columns, that was about 60% of a first sync's CPU (issue 15: cost per flight,
docs/benchmarks.md). Here the per-field decisions are made once per batch, a value whose Python type is
already what the database driver takes (a `str` for a text column, an `int` for an integer one) is
passed through, and anything else goes through the field's own `get_db_prep_save`, so what reaches the
database is exactly what `bulk_create` would send. Defaults, `auto_now` and `auto_now_add` are filled
in as `bulk_create` fills them. No signals are sent (`bulk_create` sends none either).

Only for inserts whose rows are already validated by the caller (the logbook's ingest, the sync's
memory of MyFlightbook). Both SQLite (3.35+) and PostgreSQL return the new ids in row order.
"""

from __future__ import annotations

from decimal import Decimal
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models.constants import OnConflict
from django.utils import timezone

# Python types a column of this kind takes as they are, on every backend we run on (what
# `get_db_prep_save` would return unchanged for them). `bool` is not an `int` here: `type()` is exact.
_PASS_THROUGH: dict[str, tuple[type, ...]] = {
    "CharField": (str,),
    "TextField": (str,),
    "SlugField": (str,),
    "EmailField": (str,),
    "URLField": (str,),
    "IntegerField": (int,),
    "PositiveIntegerField": (int,),
    "PositiveSmallIntegerField": (int,),
    "PositiveBigIntegerField": (int,),
    "SmallIntegerField": (int,),
    "BigIntegerField": (int,),
    "AutoField": (int,),
    "BigAutoField": (int,),
    "BooleanField": (bool,),
    "DecimalField": (Decimal,),
}


_MISSING = object()


class _Column:
    """One column of the INSERT: its value's preparation, and what a row without it gets."""

    __slots__ = ("attname", "name", "prepare", "default", "stamped")

    def __init__(self, field: models.Field, connection, now):
        self.attname = field.attname
        self.name = field.column
        internal = field.target_field.get_internal_type() if field.is_relation else field.get_internal_type()
        # Only Django's own fields are trusted to pass these types through; a custom field may prepare
        # values its own way whatever its internal type.
        django_field = type(field).__module__.startswith("django.db.models.")
        plain = _PASS_THROUGH.get(internal, ()) if django_field else ()
        prep = field.get_db_prep_save

        def prepare(value: Any, _plain=plain, _prep=prep, _connection=connection) -> Any:
            if value is None or type(value) in _plain:
                return value
            return _prep(value, _connection)

        self.prepare: Callable[[Any], Any] = prepare
        self.stamped = bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
        if self.stamped:
            self.default = prepare(now if isinstance(field, models.DateTimeField) else now.date())
        elif field.has_default():
            self.default = prepare(field.get_default())
        elif field.null:
            self.default = None
        else:
            self.default = _MISSING


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]], *,
                ignore_conflicts: bool = False) -> list[int | None]:
    """Insert `rows` (dicts keyed by field attname, `owner_id` for a foreign key) into `model`'s table in
    as few statements as the backend allows. Returns the new primary keys in row order (all None with
    `ignore_conflicts`, which skips a row that would break a unique constraint). Raises `DatabaseError`
    as `bulk_create` would; the caller's transaction decides what survives.

    `auto_now`/`auto_now_add` columns are always set to now, as `bulk_create` sets them.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = [_Column(field, connection, timezone.now()) for field in fields]
    known = {column.attname for column in columns}
    for row in rows:
        unknown = row.keys() - known
        if unknown:  # a field name (`owner`) where its attname (`owner_id`) belongs, or a typo: never dropped silently
            raise ValueError(f"{meta.label} has no column {sorted(unknown)[0]!r}")
    for column in columns:
        if column.default is _MISSING and any(column.attname not in row for row in rows):
            raise ValueError(f"{meta.label}: no value for {column.attname}, which has no default")

    def values(row: Mapping[str, Any]) -> list[Any]:
        get = row.get
        prepared = []
        for column in columns:
            value = _MISSING if column.stamped else get(column.attname, _MISSING)
            prepared.append(column.default if value is _MISSING else column.prepare(value))
        return prepared

    prepared = [values(row) for row in rows]
    if connection.vendor == "postgresql" and not ignore_conflicts and len(rows) > 1:
        return _copy_postgresql(connection, meta, columns, prepared)
    return _insert_values(connection, meta, fields, columns, prepared, ignore_conflicts)


def _insert_values(connection, meta, fields, columns: list[_Column], rows: list[list[Any]],
                   ignore_conflicts: bool) -> list[int | None]:
    """`INSERT ... VALUES (...), (...) RETURNING id`, as many rows a statement as the backend takes."""
    quote = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    statement = connection.ops.insert_statement(on_conflict=on_conflict)
    column_sql = ", ".join(quote(column.name) for column in columns)
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    suffix = connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None) or ""
    # With ignore_conflicts a skipped row returns nothing, so ids cannot be matched to rows: not asked for.
    returning = not ignore_conflicts and connection.features.can_return_rows_from_bulk_insert
    returning_sql = f" RETURNING {quote(meta.pk.column)}" if returning else ""
    per_statement = max(1, connection.ops.bulk_batch_size(fields, rows))
    ids: list[int | None] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            sql = (f"{statement} {quote(meta.db_table)} ({column_sql}) VALUES "
                   f"{', '.join([row_sql] * len(chunk))}{(' ' + suffix) if suffix else ''}{returning_sql}")
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
            else:
                ids.extend([None] * len(chunk))
    return ids


def _copy_postgresql(connection, meta, columns: list[_Column], rows: list[list[Any]]) -> list[int]:
    """PostgreSQL: the ids drawn from the table's sequence in one query, then the rows sent by COPY.

    A multi-row INSERT of flights has tens of thousands of placeholders, and psycopg parses such a
    statement's text in Python on every execution (it caches only short ones): that parse was a third of
    a first sync's CPU on PostgreSQL. COPY sends the rows through psycopg's C row formatter instead.
    Constraints and defaults in the database apply to COPY as to INSERT.
    """
    quote = connection.ops.quote_name
    pk = meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [quote(meta.db_table), pk, len(rows)])
        ids = [row[0] for row in cursor.fetchall()]
        column_sql = ", ".join([quote(pk), *(quote(column.name) for column in columns)])
        # psycopg's own cursor: Django's wrapper has no COPY. Its errors become Django's, as on execute.
        with connection.wrap_database_errors, cursor.cursor.copy(
                f"COPY {quote(meta.db_table)} ({column_sql}) FROM STDIN") as copy:
            for row_id, row in zip(ids, rows):
                copy.write_row([row_id, *row])
    return ids
