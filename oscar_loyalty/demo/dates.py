"""Moving the demo's 2010-2011 orders to recent dates, every interval between them kept.

The Online Retail data ends in December 2011. Recency drives much of the shop: points expiry,
return windows, tier windows, the recommendations' 180-day half-life, "active in the last 30
days". On 15-year-old dates one order placed today outweighs the whole history, so the loader
moves every order and ``date_joined`` by one whole number of days putting the file's newest
order on yesterday (``--original-dates`` keeps them as they are).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from . import online_retail as retail

Order = get_model("order", "Order")


def date_offset(
    dataset: retail.Dataset, *, original_dates: bool = False, today: date | None = None
) -> timedelta:
    """How far to move the demo's dates: whole days putting the file's newest order on the day
    before ``today`` (the shop's local date), or nothing with ``original_dates``.

    The offset of demo orders already in the shop wins; asking for the other kind of dates than
    they have raises ``DemoDataError`` (one shop cannot hold both without breaking intervals).
    """
    loaded = loaded_offset(dataset)
    if loaded is not None:
        if original_dates and loaded:
            raise retail.DemoDataError(
                _("this shop holds demo orders on shifted dates: load into a fresh database")
            )
        if not original_dates and not loaded:
            raise retail.DemoDataError(
                _(
                    "this shop holds demo orders on their original dates: pass "
                    "--original-dates or load into a fresh database"
                )
            )
        return loaded
    if original_dates or not dataset.orders:
        return timedelta(0)
    newest = max(order.date_placed for order in dataset.orders.values())
    yesterday = (today or timezone.localdate()) - timedelta(days=1)
    return timedelta(days=(yesterday - timezone.localtime(newest).date()).days)


def loaded_offset(dataset: retail.Dataset) -> timedelta | None:
    """The offset of the first demo order already in the shop, None if there is none."""
    rows = Order.objects.order_by("pk").values_list("number", "date_placed")
    for number, placed in rows.iterator():
        if number in dataset.orders:
            return placed - dataset.orders[number].date_placed
    return None


def shifted(moment: datetime, offset: timedelta) -> datetime:
    """``moment`` moved by ``offset`` in absolute time (in UTC), so intervals stay exact."""
    return moment.astimezone(UTC) + offset if offset else moment
