"""Small helpers shared by the batch jobs and the pages."""

from collections.abc import Iterator
from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString


def format_points(points: int) -> str:
    """``12,367``: a points count grouped the active locale's way, for reading only (never for
    form values or HTML attributes, which must stay plain integers)."""
    return number_format(points, decimal_pos=0, force_grouping=True)


def isolate(name: object) -> SafeString | str:
    """``<bdi>name</bdi>`` (escaped), nothing for no name: a name someone typed (a tier,
    reward, offer, product) kept apart from the sentence around it, so that an English name in an
    Arabic sentence keeps its punctuation and the sentence its word order."""
    return format_html("<bdi>{}</bdi>", name) if name not in (None, "") else ""


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in the shop's time zone (a date typed or shown to people means the
    shop's local day, not UTC's)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def batched_by_pk(queryset: QuerySet, batch_size: int = 500) -> Iterator[list]:
    """Rows of ``queryset`` in primary-key order, ``batch_size`` at a time.

    Keyset pagination: safe while the rows being walked change, and each batch costs the same
    however far the walk has gone (unlike OFFSET).
    """
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page[:batch_size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk
