"""Model rows read and written with fixed SQL, for the review step's hot path.

A review step runs the same handful of statements on every grade. Through the ORM each costs
about 0.3 ms of query compilation on the benchmark machine, ten times what SQLite takes to run
it (see ``bench/``), so the step builds its SQL once, here, from the models' own metadata, and
converts values with Django's own field and backend converters: a row read here is the same
model instance the ORM would build, and a row written here holds what ``save()`` would write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.expressions import Col

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


def columns(model: type[Model], field_names: Sequence[str], alias: str) -> str:
    """``alias.column, …`` for a SELECT list, in the order of ``field_names``."""
    return ", ".join(f"{alias}.{_column(model, name)}" for name in field_names)


def build[M: Model](model: type[M], field_names: tuple[str, ...], values: Sequence[Any]) -> M:
    """The instance the ORM would build from these database values (fields not named are
    deferred, as with ``only()``)."""
    db = connections[DEFAULT_DB_ALIAS]
    converted = {
        column.target.attname: _convert(value, converters, column, db)
        for value, (column, converters) in zip(values, _converters(db, model, field_names), strict=True)
    }
    # ``from_db`` takes the values in the model's field order.
    attnames = [f.attname for f in model._meta.concrete_fields if f.attname in converted]
    return model.from_db(db.alias, attnames, [converted[name] for name in attnames])


def update(instance: Model, field_names: tuple[str, ...]) -> None:
    """``instance.save(update_fields=field_names)`` in one fixed statement."""
    model = type(instance)
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(model, field_names), [*_prepared(instance, field_names, add=False), instance.pk])


def insert(instance: Model) -> None:
    """``instance.save()`` for a new row in one fixed statement; sets its primary key."""
    model = type(instance)
    field_names = _insert_fields(model)
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model), _prepared(instance, field_names, add=True))
        (instance.pk,) = cursor.fetchone()
    instance._state.adding = False
    instance._state.db = connection.alias


def _prepared(instance: Model, field_names: tuple[str, ...], *, add: bool) -> list[Any]:
    """What ``save()`` sends for each field: ``pre_save`` (``auto_now`` and the like), then the
    backend's form of the value."""
    model = type(instance)
    return [
        _field(model, name).get_db_prep_save(_field(model, name).pre_save(instance, add), connection)
        for name in field_names
    ]


def _field(model: type[Model], name: str) -> Field:
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _column(model: type[Model], name: str) -> str:
    return connection.ops.quote_name(_field(model, name).column)


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _convert(value: Any, converters: list[Converter], column: Col, db: BaseDatabaseWrapper) -> Any:
    for converter in converters:
        value = converter(value, column, db)
    return value


@lru_cache(maxsize=32)
def _converters(
    db: BaseDatabaseWrapper, model: type[Model], field_names: tuple[str, ...]
) -> list[tuple[Col, list[Converter]]]:
    """Per field, its column expression and what the ORM's compiler applies to a value the
    driver returned for it. Cached per connection object: converters can be bound to it."""
    result = []
    for name in field_names:
        column = _field(model, name).get_col(model._meta.db_table)
        result.append((column, db.ops.get_db_converters(column) + column.get_db_converters(db)))
    return result


@cache
def _update_sql(model: type[Model], field_names: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{_column(model, name)} = %s" for name in field_names)
    return f"UPDATE {_table(model)} SET {assignments} WHERE {_column(model, 'pk')} = %s"


@cache
def _insert_fields(model: type[Model]) -> tuple[str, ...]:
    return tuple(f.name for f in model._meta.concrete_fields if not f.primary_key)


@cache
def _insert_sql(model: type[Model]) -> str:
    names = _insert_fields(model)
    return (
        f"INSERT INTO {_table(model)} ({', '.join(_column(model, n) for n in names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))}) RETURNING {_column(model, 'pk')}"
    )
