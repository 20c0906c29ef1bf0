"""Points set aside for a basket: hold, then capture when the order is placed, or release.

A hold moves points from available to held under the account lock, taking them from lots
first-to-expire, so two baskets can never spend the same points. Capture happens inside Oscar's
order transaction and cannot fail for lack of points: they were set aside when the shopper
applied them. Whatever the order did not need goes back to the lots it came from.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..models import LedgerEntry, LotAllocation, PointsAccount, PointsHold
from .core import Change, LedgerError, insufficient, post_entry, take_fifo, validate_points


def hold(
    account: PointsAccount,
    points: int,
    *,
    key: str,
    basket_id: int,
    currency: str,
    at: datetime | None = None,
) -> PointsHold:
    """Set ``points`` aside for the basket, replacing its active hold (released first, in the
    same transaction). Raises InsufficientPoints; replaying ``key`` returns the same hold."""
    validate_points(points)
    with transaction.atomic():
        PointsAccount.objects.select_for_update().get(pk=account.pk)
        replay = LedgerEntry.objects.filter(idempotency_key=key).select_related("hold").first()
        if replay is not None:
            return replay.hold
        current = PointsHold.objects.filter(basket_id=basket_id, status=PointsHold.ACTIVE).first()
        if current is not None:
            release_hold(current, at=at)

        def compute(locked: PointsAccount) -> Change:
            if locked.available < points:
                raise insufficient(locked.available)
            allocations, _taken = take_fifo(locked, points)
            return Change(available=-points, held=points, allocations=allocations)

        entry = post_entry(
            account,
            key=key,
            kind=LedgerEntry.HOLD,
            compute=compute,
            at=at,
            description=str(_("Points applied to basket")),
        )
        return PointsHold.objects.create(
            account=account, basket_id=basket_id, currency=currency, points=points, entry=entry
        )


def _give_back(hold_: PointsHold, points: int) -> list:
    """Negative allocations returning ``points`` of the hold to its lots, latest-expiring first."""
    taken = list(
        LotAllocation.objects.filter(entry=hold_.entry).select_related("lot").order_by("-pk")
    )
    returned, left = [], points
    for allocation in taken:
        if left == 0:
            break
        portion = min(allocation.points, left)
        returned.append((allocation.lot, -portion))
        left -= portion
    return returned


def _settle(hold_: PointsHold, used: int, *, kind: str, key: str, at, **fields) -> LedgerEntry:
    def compute(locked: PointsAccount) -> Change:
        fresh = PointsHold.objects.select_for_update().get(pk=hold_.pk)
        if fresh.status != PointsHold.ACTIVE:
            raise LedgerError(_("These points are no longer set aside for this basket."))
        back = fresh.points - used
        return Change(available=back, held=-fresh.points, allocations=_give_back(fresh, back))

    with transaction.atomic():
        entry = post_entry(hold_.account_id, key=key, kind=kind, compute=compute, at=at, **fields)
        status = PointsHold.CAPTURED if kind == LedgerEntry.CAPTURE else PointsHold.RELEASED
        PointsHold.objects.filter(pk=hold_.pk, status=PointsHold.ACTIVE).update(
            status=status, captured_points=used, order_number=fields.get("order_number", "")
        )
    hold_.refresh_from_db()
    return entry


def capture_hold(
    hold_: PointsHold, points: int, *, order_number: str, at: datetime | None = None
) -> LedgerEntry:
    """Spend ``points`` of the hold on the order and give the rest back. Idempotent per hold."""
    if not 0 <= points <= hold_.points:
        raise LedgerError(_("An order can spend at most the points held for it."))
    return _settle(
        hold_,
        points,
        kind=LedgerEntry.CAPTURE,
        key=f"capture:hold:{hold_.pk}",
        at=at,
        order_number=order_number,
        description=str(_("Order %(number)s") % {"number": order_number}),
    )


def release_hold(hold_: PointsHold, *, at: datetime | None = None) -> LedgerEntry:
    """Give all the held points back (points removed, basket abandoned). Idempotent per hold."""
    return _settle(
        hold_,
        0,
        kind=LedgerEntry.RELEASE,
        key=f"release:hold:{hold_.pk}",
        at=at,
        description=str(_("Points removed from basket")),
    )
