"""Model rows read and written with fixed SQL, for the review step's hot path.

A review step runs the same handful of statements on every grade. Through the ORM each costs
about 0.3 ms of query compilation on the benchmark machine, ten times what SQLite takes to run
it (see ``bench/``), so the step builds its SQL once, here, from the models' own metadata, and
converts values with Django's own field and backend converters: a row read here is the same
model instance the ORM would build, and a row written here holds what ``save()`` would write.

Everything here works on the default database's real connection object, fetched once per
call: each attribute read through ``django.db.connection`` (a proxy) costs a context lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.expressions import Col

Converter = Callable[[Any, Col, BaseDatabaseWrapper], Any]


def columns(model: type[Model], field_names: Sequence[str], alias: str) -> str:
    """``alias.column, …`` for a SELECT list, in the order of ``field_names``."""
    db = _db()
    return ", ".join(f"{alias}.{db.ops.quote_name(f.column)}" for f in _fields(model, tuple(field_names)))


def literal(value: object) -> str:
    """``value`` as the SQL literal the schema editor writes (SQLite's index conditions read
    ``suspended = 0``).

    A condition that a partial index is built on must be a literal in the query, not a bound
    parameter: SQLite can use the index either way, but when a parameter decided it, SQLite
    prepares the statement again on every execution (the queue statement: 0.25 ms instead of
    0.03 ms).
    """
    return _db().schema_editor().quote_value(value)


def build[M: Model](model: type[M], field_names: tuple[str, ...], values: Sequence[Any]) -> M:
    """The instance the ORM would build from these database values (fields not named are
    deferred, as with ``only()``)."""
    db = _db()
    converted = {}
    for value, (column, converters) in zip(values, _converters(db, model, field_names), strict=True):
        for converter in converters:
            value = converter(value, column, db)
        converted[column.target.attname] = value
    # ``from_db`` takes the values in the model's field order.
    attnames = [f.attname for f in model._meta.concrete_fields if f.attname in converted]
    return model.from_db(db.alias, attnames, [converted[name] for name in attnames])


def update(instance: Model, field_names: tuple[str, ...]) -> None:
    """``instance.save(update_fields=field_names)`` in one fixed statement."""
    db = _db()
    model = type(instance)
    with db.cursor() as cursor:
        cursor.execute(
            _update_sql(db, model, field_names),
            [*_prepared(db, instance, _fields(model, field_names), add=False), instance.pk],
        )


def insert(instance: Model) -> None:
    """``instance.save()`` for a new row in one fixed statement; sets its primary key."""
    db = _db()
    model = type(instance)
    with db.cursor() as cursor:
        cursor.execute(_insert_sql(db, model), _prepared(db, instance, _insert_fields(model), add=True))
        (instance.pk,) = cursor.fetchone()
    instance._state.adding = False
    instance._state.db = db.alias


def _db() -> BaseDatabaseWrapper:
    return connections[DEFAULT_DB_ALIAS]


def _prepared(db: BaseDatabaseWrapper, instance: Model, fields: Sequence[Field], *, add: bool) -> list[Any]:
    """What ``save()`` sends for each field: ``pre_save`` (``auto_now`` and the like), then the
    backend's form of the value."""
    return [field.get_db_prep_save(field.pre_save(instance, add), db) for field in fields]


@cache
def _fields(model: type[Model], field_names: tuple[str, ...]) -> tuple[Field, ...]:
    return tuple(model._meta.pk if name == "pk" else model._meta.get_field(name) for name in field_names)


@cache
def _insert_fields(model: type[Model]) -> tuple[Field, ...]:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


@lru_cache(maxsize=32)
def _converters(
    db: BaseDatabaseWrapper, model: type[Model], field_names: tuple[str, ...]
) -> list[tuple[Col, list[Converter]]]:
    """Per field, its column expression and what the ORM's compiler applies to a value the
    driver returned for it. Cached per connection object: converters can be bound to it."""
    result = []
    for field in _fields(model, field_names):
        column = field.get_col(model._meta.db_table)
        result.append((column, db.ops.get_db_converters(column) + column.get_db_converters(db)))
    return result


@lru_cache(maxsize=32)
def _update_sql(db: BaseDatabaseWrapper, model: type[Model], field_names: tuple[str, ...]) -> str:
    quote = db.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in _fields(model, field_names))
    return f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"


@lru_cache(maxsize=32)
def _insert_sql(db: BaseDatabaseWrapper, model: type[Model]) -> str:
    quote = db.ops.quote_name
    fields = _insert_fields(model)
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(model._meta.pk.column)}"
    )
