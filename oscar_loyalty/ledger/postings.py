"""Postings that credit and debit points: earn, confirm, redeem, reverse, expire, adjust."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import LedgerEntry, PointsAccount, PointsLot
from ..utils import format_points
from . import pgsql
from .core import (
    Change,
    InsufficientPoints,
    InvalidPoints,
    LedgerError,
    check_key,
    insufficient,
    post_entry,
    take_fifo,
    validate_points,
)

# Points history lines, shown again in the reader's language by ``oscar_loyalty.history``.
EXPIRED_LINE = _("Points expired")
EXPIRED_INACTIVE_LINE = _("Points expired after inactivity")

# --- crediting ---------------------------------------------------------------------------------


def earn(
    account: PointsAccount,
    points: int,
    *,
    key: str,
    description: str = "",
    pending_until: datetime | None = None,
    expires_at: datetime | None = None,
    kind: str = LedgerEntry.EARN,
    at: datetime | None = None,
    **entry_fields,
) -> LedgerEntry:
    """Credit points as a new lot: pending until ``pending_until`` (if in the future), else
    spendable now. ``kind`` is EARN, BONUS or RESTORE."""
    validate_points(points)
    check_key(key)
    now = timezone.now()
    at = at or now
    # Backdated postings (a backfilled order) are pending only if the window is still open now.
    is_pending = pending_until is not None and pending_until > max(at, now)
    status, available_at = (
        (PointsLot.PENDING, pending_until) if is_pending else (PointsLot.AVAILABLE, at)
    )
    if isinstance(account, PointsAccount) and pgsql.usable(entry_fields):
        return pgsql.earn(
            account,
            points,
            key=key,
            kind=kind,
            description=description,
            at=at,
            lot_status=status,
            available_at=available_at,
            expires_at=expires_at,
            **entry_fields,
        )

    def compute(locked: PointsAccount) -> Change:
        lot = {"points": points, "expires_at": expires_at, "status": status}
        lot["available_at"] = available_at
        if is_pending:
            return Change(pending=points, new_lot=lot)
        return Change(available=points, new_lot=lot)

    return post_entry(
        account, key=key, kind=kind, compute=compute, at=at, description=description, **entry_fields
    )


def restore(
    account: PointsAccount,
    points: int,
    *,
    key: str,
    description: str,
    order_number: str = "",
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """Give spent points back as a new spendable lot (the order they paid for was cancelled or
    refunded, or a reward voucher expired unused)."""
    return earn(
        account,
        points,
        key=key,
        kind=LedgerEntry.RESTORE,
        description=description,
        order_number=order_number,
        expires_at=expires_at,
        at=at,
    )


def confirm_lot(lot: PointsLot, *, at: datetime | None = None) -> LedgerEntry | None:
    """Make a pending lot spendable (return window over, or the order reached a confirming
    status). Returns None when there is nothing left to confirm."""

    def compute(locked: PointsAccount) -> Change:
        fresh = PointsLot.objects.get(pk=lot.pk)
        if fresh.status != PointsLot.PENDING:
            return Change(skip=True)
        return Change(
            pending=-fresh.remaining,
            available=fresh.remaining,
            status_changes=[(fresh, PointsLot.AVAILABLE)],
        )

    return post_entry(
        lot.account_id,
        key=f"confirm:lot:{lot.pk}",
        kind=LedgerEntry.CONFIRM,
        compute=compute,
        at=at,
        touch_activity=False,
        description=str(lot.entry.description),
        order_number=lot.order_number,
    )


# --- debiting ----------------------------------------------------------------------------------


def redeem(
    account: PointsAccount,
    points: int,
    *,
    key: str,
    description: str = "",
    at: datetime | None = None,
    **entry_fields,
) -> LedgerEntry:
    """Spend available points; raises InsufficientPoints rather than going below zero."""
    validate_points(points)
    check_key(key)
    if isinstance(account, PointsAccount) and pgsql.usable(entry_fields):
        at = at or timezone.now()
        return pgsql.redeem(
            account, points, key=key, description=description, at=at, **entry_fields
        )

    def compute(locked: PointsAccount) -> Change:
        if locked.available < points:
            raise insufficient(locked.available)
        allocations, _taken = take_fifo(locked, points)
        return Change(available=-points, allocations=allocations)

    return post_entry(
        account,
        key=key,
        kind=LedgerEntry.REDEEM,
        compute=compute,
        at=at,
        description=description,
        **entry_fields,
    )


def reversed_so_far(credit: LedgerEntry) -> int:
    """Points asked back from a credit by all its reversals, recovered or not."""
    requested = credit.reversals.values_list("detail__requested", flat=True)
    return sum(int(value or 0) for value in requested)


def reverse(
    credit: LedgerEntry,
    points: int | None = None,
    *,
    key: str,
    description: str = "",
    at: datetime | None = None,
) -> LedgerEntry | None:
    """Take back all (``points=None``) or part of what ``credit`` (an earn or bonus) gave.

    Points come from that credit's own lot first, pending or not; if the customer already spent
    some of them, from their other available points; what cannot be recovered without going below
    zero is recorded as ``detail["unrecovered"]`` for staff to see. Reversals of one credit never
    add up to more than it gave. Returns None when nothing is left to reverse.
    """
    if points is not None:
        validate_points(points)

    def compute(locked: PointsAccount) -> Change:
        left = credit.points - reversed_so_far(credit)
        wanted = left if points is None else min(points, left)
        if wanted <= 0:
            return Change(skip=True)
        lot = PointsLot.objects.get(entry=credit)
        own = min(lot.remaining, wanted)
        change = Change(detail={"requested": wanted})
        if own:
            change.allocations.append((lot, own))
            if lot.status == PointsLot.PENDING:
                change.pending -= own
            else:
                change.available -= own
        shortfall = wanted - own
        if shortfall:
            others, taken = take_fifo(locked, min(shortfall, locked.available), exclude=[lot.pk])
            change.allocations.extend(others)
            change.available -= taken
            if shortfall - taken:
                change.detail["unrecovered"] = shortfall - taken
        return change

    return post_entry(
        credit.account_id,
        key=key,
        kind=LedgerEntry.REVERSE,
        compute=compute,
        at=at,
        reverses=credit,
        description=description,
        order_number=credit.order_number,
    )


def expire_lot(lot: PointsLot, *, at: datetime | None = None) -> LedgerEntry | None:
    """Expire what is left of an available lot; None when nothing is left."""

    def compute(locked: PointsAccount) -> Change:
        fresh = PointsLot.objects.get(pk=lot.pk)
        if fresh.status != PointsLot.AVAILABLE or fresh.remaining == 0:
            return Change(skip=True)
        return Change(available=-fresh.remaining, allocations=[(fresh, fresh.remaining)])

    return post_entry(
        lot.account_id,
        key=f"expire:lot:{lot.pk}",
        kind=LedgerEntry.EXPIRE,
        compute=compute,
        at=at,
        touch_activity=False,
        description=str(EXPIRED_LINE),
        order_number=lot.order_number,
    )


def expire_balance(account: PointsAccount, *, at: datetime | None = None) -> LedgerEntry | None:
    """Expire the whole available balance after inactivity (once per period of inactivity)."""
    since = account.last_activity_at.isoformat() if account.last_activity_at else "never"

    def compute(locked: PointsAccount) -> Change:
        if locked.available == 0:
            return Change(skip=True)
        allocations, taken = take_fifo(locked, locked.available)
        return Change(available=-taken, allocations=allocations)

    return post_entry(
        account,
        key=f"expire:inactive:{account.pk}:{since}",
        kind=LedgerEntry.EXPIRE,
        compute=compute,
        at=at,
        touch_activity=False,
        description=str(EXPIRED_INACTIVE_LINE),
    )


def adjust(
    account: PointsAccount,
    points: int,
    *,
    key: str,
    reason: str,
    staff_user,
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """A staff correction: positive credits a new lot, negative spends FIFO. A reason and the
    staff member are required and recorded."""
    if not (reason or "").strip():
        raise LedgerError(_("A reason is required for a manual adjustment."))
    if staff_user is None or not staff_user.is_staff:
        raise LedgerError(_("Only staff can adjust points."))
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise InvalidPoints(_("Enter a whole number of points other than zero."))
    validate_points(abs(points))
    at = at or timezone.now()

    def compute(locked: PointsAccount) -> Change:
        if points > 0:
            lot = {"points": points, "status": PointsLot.AVAILABLE, "expires_at": expires_at}
            return Change(available=points, new_lot={**lot, "available_at": at})
        if locked.available < -points:
            raise InsufficientPoints(
                _("Only %(available)s points are available to deduct.")
                % {"available": format_points(locked.available)}
            )
        allocations, _taken = take_fifo(locked, -points)
        return Change(available=points, allocations=allocations)

    return post_entry(
        account,
        key=key,
        kind=LedgerEntry.ADJUST,
        compute=compute,
        at=at,
        description=str(_("Adjusted by staff")),
        reason=reason.strip(),
        created_by=staff_user,
    )


# --- reading -----------------------------------------------------------------------------------


def earned_by_order(order_number: str) -> list[LedgerEntry]:
    """The credits an order earned (one per rule), for reversal on refund or cancellation."""
    return list(
        LedgerEntry.objects.filter(
            order_number=order_number, kind__in=[LedgerEntry.EARN, LedgerEntry.BONUS]
        ).select_related("lot")
    )
