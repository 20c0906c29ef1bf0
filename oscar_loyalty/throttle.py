"""Fixed-window rate limits in Django's cache (shared by all processes with Redis/Memcached).

Used where guessing or spamming is possible: referral code lookups, invitation emails.
"""

import time

from django.core.cache import cache

PREFIX = "oscar_loyalty:throttle:"


def allow(scope: str, ident: str, limit: int, period: int) -> bool:
    """Count one attempt by ``ident`` in ``scope``; False once ``limit`` attempts were made in
    the current ``period`` seconds. ``cache.add`` + ``incr`` are atomic on shared caches."""
    window = int(time.time() // period)
    key = f"{PREFIX}{scope}:{ident}:{window}"
    cache.add(key, 0, period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, period + 1)
        count = 1
    return count <= limit
