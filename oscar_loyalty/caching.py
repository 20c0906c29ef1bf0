"""Programme configuration cached across requests, so loyalty blocks cost no queries for it.

Configuration (spend rules, redemption settings) changes rarely and is read on every basket
and product page. It is cached in Django's cache for ``TTL`` seconds and dropped when it is
saved (see ``receivers``); with a cache shared by all processes (Redis, Memcached) a change
shows everywhere at once, with a per-process cache within ``TTL``.
"""

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")
TTL = 60
PREFIX = "oscar_loyalty:"


def cached(name: str, load: Callable[[], T]) -> T:
    key = PREFIX + name
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, TTL)
    return value


def forget(*names: str) -> None:
    cache.delete_many([PREFIX + name for name in names])
