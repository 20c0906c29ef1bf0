"""Award points for orders placed before the programme (or a rule) existed.

Orders are walked in primary-key batches; each batch loads its lines and product categories in
two queries and skips orders already awarded, and each award goes through the idempotent ledger,
so an interrupted backfill can simply be run again. Tier upgrades the replayed orders cause
are quiet (bonuses paid, no "Welcome to ..." email): see ``tiers.quiet_upgrades``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Prefetch
from oscar.core.loading import get_model

from . import conf, earning, tiers
from .models import LedgerEntry, ProgramSettings
from .utils import batched_by_pk

Order = get_model("order", "Order")
Line = get_model("order", "Line")


@dataclass
class BackfillResult:
    orders: int = 0
    awarded: int = 0
    points: int = 0
    skipped: int = 0
    earned_nothing: int = 0


def orders_to_backfill(since: datetime, until: datetime | None = None):
    """Customers' orders placed in the period, except cancelled ones."""
    orders = Order.objects.filter(date_placed__gte=since, user__isnull=False).exclude(
        status__in=conf.get("REVERSE_STATUSES")
    )
    return orders.filter(date_placed__lt=until) if until else orders


def backfill_orders(
    since: datetime,
    until: datetime | None = None,
    *,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> BackfillResult:
    """Award every order in the period that has not earned yet. Idempotent.

    Past customers are placed in their tiers without an upgrade email: on a shop with years of
    history the first backfill would otherwise email every one of them at once.
    """
    orders = orders_to_backfill(since, until)
    total = orders.count()
    result = BackfillResult()
    program = ProgramSettings.load()
    book = earning.RuleBook.load()
    lines = Prefetch(
        "lines",
        queryset=Line.objects.only(
            "pk", "order_id", "product_id", "quantity", "line_price_excl_tax", "line_price_incl_tax"
        ),
    )
    for batch in batched_by_pk(orders.select_related("user").prefetch_related(lines), batch_size):
        keys = {earning.order_earn_key(order): order for order in batch}
        done = set(
            LedgerEntry.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", flat=True
            )
        )
        paths = earning.category_paths(
            line.product_id for order in batch for line in order.lines.all()
        )
        # One commit per batch rather than per order: most of a backfill's time is otherwise
        # spent waiting for the disk. Each award is still its own savepoint.
        with transaction.atomic(), tiers.quiet_upgrades():
            for key, order in keys.items():
                if key in done:
                    result.skipped += 1
                    continue
                # Historical orders earn at the base rate: tiers came after them.
                entry = earning.award_points_for_order(
                    order,
                    at=order.date_placed,
                    book=book,
                    paths=paths,
                    program=program,
                    tier_multiplier=earning.NO_TIER_MULTIPLIER,
                )
                if entry is None:  # no rule applies, or nothing to earn on (e.g. £0.00)
                    result.earned_nothing += 1
                else:
                    result.awarded += 1
                    result.points += entry.points
        result.orders += len(batch)
        if progress:
            progress(result.orders, total)
    return result
