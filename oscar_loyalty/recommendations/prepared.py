"""Queries whose SQL Django builds once, for the hot path of recommendation blocks.

Building the SQL of a small query with joins takes Django longer than the database takes to run
it (about 1 ms against 0.2 ms for a block's stock records). A ``PreparedQuery`` lets the ORM
compile its queryset once per database and number of ids, with stand-in ids, then runs that SQL
with the real ids swapped in. The queryset stays ORM code, so forked Oscar models, quoting and
database vendors are handled as everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from django.db import connections, router
from django.db.models import Model, QuerySet

#: Stand-ins for the ids while the SQL is compiled: integers no primary key will ever hold.
_STAND_IN_BASE = -7_000_000_000


class PreparedQuery:
    """``build(ids)`` is a ``values_list`` queryset over ``model`` filtered by integer ids;
    ``rows(ids)`` returns what it would, as raw database values (no field converters)."""

    def __init__(self, model: type[Model], build: Callable[[list[int]], QuerySet]) -> None:
        self.model = model
        self.build = build
        self._compiled = lru_cache(maxsize=256)(self._compile)

    def rows(self, ids: Sequence[int]) -> list[tuple]:
        alias = router.db_for_read(self.model)
        sql, params = self._compiled(alias, len(ids))
        real = {_STAND_IN_BASE - position: value for position, value in enumerate(ids)}
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [real.get(param, param) for param in params])
            return cursor.fetchall()

    def _compile(self, alias: str, count: int) -> tuple[str, tuple]:
        stand_ins = [_STAND_IN_BASE - position for position in range(count)]
        query = self.build(stand_ins).using(alias).query
        sql, params = query.get_compiler(alias).as_sql()
        if not set(stand_ins) <= set(params):
            raise ValueError(f"{self.build!r} must filter by every id it is given")
        return sql, tuple(params)
