"""Recording what confirmed orders count towards tiers (:class:`TierActivity`)."""

from __future__ import annotations

from decimal import Decimal

from .. import ledger
from ..models import LedgerEntry, PointsLot, TierActivity

CENT = Decimal("0.01")


def earn_base(rules: list[dict]) -> Decimal:
    """The spend points were earned on: the widest base among the spend rules that applied
    (``Earning.rules``; a rule may count tax or shipping and another not)."""
    return max((Decimal(rule["base"]) for rule in rules or []), default=Decimal("0"))


def record_order_activity(account_id: int, order_number: str) -> TierActivity | None:
    """Write or refresh the order's qualifying activity once its points are confirmed: spend
    and points, both less the share refunds took back. Pending orders record nothing.
    Idempotent: safe to call on every confirmation and reversal of the order."""
    credit = (
        LedgerEntry.objects.filter(
            account_id=account_id, order_number=order_number, kind=LedgerEntry.EARN
        )
        .select_related("lot")
        .first()
    )
    if credit is None or credit.points <= 0:
        return None
    existing = TierActivity.objects.filter(account_id=account_id, order_number=order_number)
    if credit.lot.status == PointsLot.PENDING and not existing.exists():
        return None
    kept = credit.points - ledger.reversed_so_far(credit)
    spend = (earn_base(credit.detail.get("rules")) * kept / credit.points).quantize(CENT)
    activity, _created = TierActivity.objects.update_or_create(
        account_id=account_id,
        order_number=order_number,
        defaults={"spend": spend, "points": kept, "occurred_at": credit.created_at},
    )
    return activity
