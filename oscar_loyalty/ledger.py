"""THE only writer of points balances.

Every balance change is one call here, and every call:

* runs in one transaction that first locks the account row (``SELECT ... FOR UPDATE``), so two
  redemptions of the same points serialise and the second sees the first's result;
* is idempotent: it carries a unique ``key`` (``order:100023:earn``); posting the same key again
  returns the entry already written and changes nothing;
* writes one append-only :class:`LedgerEntry` and keeps the cached balances on the account and the
  ``remaining`` of the affected lots equal to what the entries and allocations add up to
  (``manage.py loyalty_verify`` proves it); the database refuses negative balances.

Spending consumes lots first-to-expire (FIFO), recorded as allocations, so expiry and reversal
know exactly which earned points are left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LedgerEntry, LotAllocation, PointsAccount, PointsLot

logger = logging.getLogger(__name__)

MAX_POINTS_PER_ENTRY = 1_000_000_000


class LedgerError(Exception):
    """Base of the errors a caller can show to a person."""


class InvalidPoints(LedgerError):
    pass


class InsufficientPoints(LedgerError):
    pass


class IdempotencyConflict(LedgerError):
    """The key was already used for another account: a programming error, never retried."""


def owner_key_for_user(user) -> str:
    return f"user:{user.pk}"


def account_for_user(user) -> PointsAccount:
    """The user's account, created on first use (safe under concurrent first use)."""
    account, _created = PointsAccount.objects.get_or_create(
        owner_key=owner_key_for_user(user), defaults={"user": user}
    )
    return account


def account_for_owner(owner_key: str) -> PointsAccount:
    """The account of a customer who is not an Oscar user (e.g. ``saleor:shop:42``)."""
    if not owner_key or len(owner_key) > 255:
        raise LedgerError(_("An owner key of 1 to 255 characters is required."))
    account, _created = PointsAccount.objects.get_or_create(owner_key=owner_key)
    return account


def validate_points(points: object) -> int:
    """Points are whole, positive and bounded; anything else is refused before any write."""
    if isinstance(points, bool) or not isinstance(points, int):
        raise InvalidPoints(_("Points must be a whole number."))
    if points <= 0:
        raise InvalidPoints(_("Points must be more than zero."))
    if points > MAX_POINTS_PER_ENTRY:
        raise InvalidPoints(
            _("At most %(max)s points can be posted at once.") % {"max": MAX_POINTS_PER_ENTRY}
        )
    return points


@dataclass
class _Change:
    """What one posting does to the balances, computed under the account lock."""

    available: int = 0
    pending: int = 0
    held: int = 0
    allocations: list[tuple[PointsLot, int]] = field(default_factory=list)
    new_lot: dict | None = None
    status_changes: list[tuple[PointsLot, str]] = field(default_factory=list)
    detail: dict = field(default_factory=dict)
    skip: bool = False


def _post(
    account: PointsAccount | int,
    *,
    key: str,
    kind: str,
    compute: Callable[[PointsAccount], _Change],
    at: datetime | None = None,
    touch_activity: bool = True,
    **entry_fields,
) -> LedgerEntry | None:
    """Lock, check the key, compute, write. Returns the entry (new or earlier), or None when
    there was nothing to post (e.g. confirming a lot already confirmed)."""
    if not key or len(key) > 255:
        raise LedgerError("an idempotency key of 1 to 255 characters is required")
    account_id = account if isinstance(account, int) else account.pk
    at = at or timezone.now()
    with transaction.atomic():
        locked = PointsAccount.objects.select_for_update().get(pk=account_id)
        existing = LedgerEntry.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.account_id != account_id:
                raise IdempotencyConflict(f"key {key!r} belongs to account {existing.account_id}")
            return existing
        change = compute(locked)
        if change.skip:
            return None
        entry = LedgerEntry.objects.create(
            account=locked,
            kind=kind,
            idempotency_key=key,
            available_delta=change.available,
            pending_delta=change.pending,
            held_delta=change.held,
            created_at=at,
            detail={**entry_fields.pop("detail", {}), **change.detail},
            **entry_fields,
        )
        _apply_lots(locked, entry, change, at)
        locked.available += change.available
        locked.pending += change.pending
        locked.held += change.held
        fields = ["available", "pending", "held"]
        if touch_activity:
            locked.last_activity_at = at
            fields.append("last_activity_at")
        locked.save(update_fields=fields)
    if isinstance(account, PointsAccount):
        account.available, account.pending, account.held = (
            locked.available,
            locked.pending,
            locked.held,
        )
        account.last_activity_at = locked.last_activity_at
    logger.info("ledger %s %s account=%s key=%s", kind, entry.points, account_id, key)
    return entry


def _apply_lots(account: PointsAccount, entry: LedgerEntry, change: _Change, at: datetime) -> None:
    if change.new_lot is not None:
        points = change.new_lot.pop("points")
        PointsLot.objects.create(
            account=account,
            entry=entry,
            points=points,
            remaining=points,
            earned_at=at,
            order_number=entry.order_number,
            **change.new_lot,
        )
    if change.allocations:
        LotAllocation.objects.bulk_create(
            LotAllocation(entry=entry, lot=lot, points=points) for lot, points in change.allocations
        )
        for lot, points in change.allocations:
            lot.remaining -= points
        PointsLot.objects.bulk_update([lot for lot, _points in change.allocations], ["remaining"])
    for lot, status in change.status_changes:
        lot.status = status
        lot.save(update_fields=["status"])


def _fifo_lots(account: PointsAccount, exclude: Iterable[int] = ()) -> Iterable[PointsLot]:
    """Available lots with points left, first-to-expire first (no expiry last)."""
    return (
        PointsLot.objects.filter(account=account, status=PointsLot.AVAILABLE, remaining__gt=0)
        .exclude(pk__in=list(exclude))
        .order_by(F("expires_at").asc(nulls_last=True), "earned_at", "pk")
        .iterator(chunk_size=100)
    )


def _take_fifo(account: PointsAccount, points: int, exclude: Iterable[int] = ()):
    """Allocate up to ``points`` from the account's available lots; returns (allocations, taken)."""
    allocations, taken = [], 0
    for lot in _fifo_lots(account, exclude):
        if taken >= points:
            break
        portion = min(lot.remaining, points - taken)
        allocations.append((lot, portion))
        taken += portion
    return allocations, taken


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
    spendable now. ``kind`` is EARN or BONUS."""
    validate_points(points)
    at = at or timezone.now()
    is_pending = pending_until is not None and pending_until > at

    def compute(locked: PointsAccount) -> _Change:
        lot = {"points": points, "expires_at": expires_at}
        if is_pending:
            lot.update(status=PointsLot.PENDING, available_at=pending_until)
            return _Change(pending=points, new_lot=lot)
        lot.update(status=PointsLot.AVAILABLE, available_at=at)
        return _Change(available=points, new_lot=lot)

    return _post(
        account, key=key, kind=kind, compute=compute, at=at, description=description, **entry_fields
    )


def confirm_lot(lot: PointsLot, *, at: datetime | None = None) -> LedgerEntry | None:
    """Make a pending lot spendable (return window over, or the order reached a confirming
    status). Returns None when there is nothing left to confirm."""

    def compute(locked: PointsAccount) -> _Change:
        fresh = PointsLot.objects.get(pk=lot.pk)
        if fresh.status != PointsLot.PENDING:
            return _Change(skip=True)
        return _Change(
            pending=-fresh.remaining,
            available=fresh.remaining,
            status_changes=[(fresh, PointsLot.AVAILABLE)],
        )

    return _post(
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

    def compute(locked: PointsAccount) -> _Change:
        if locked.available < points:
            raise InsufficientPoints(
                _("Only %(available)s points are available.") % {"available": locked.available}
            )
        allocations, _taken = _take_fifo(locked, points)
        return _Change(available=-points, allocations=allocations)

    return _post(
        account,
        key=key,
        kind=LedgerEntry.REDEEM,
        compute=compute,
        at=at,
        description=description,
        **entry_fields,
    )


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

    def compute(locked: PointsAccount) -> _Change:
        already = (
            LedgerEntry.objects.filter(reverses=credit)
            .values_list("detail__requested", flat=True)
            .iterator()
        )
        left = credit.points - sum(int(value or 0) for value in already)
        wanted = left if points is None else min(points, left)
        if wanted <= 0:
            return _Change(skip=True)
        lot = PointsLot.objects.get(entry=credit)
        own = min(lot.remaining, wanted)
        change = _Change(detail={"requested": wanted})
        if own:
            change.allocations.append((lot, own))
            if lot.status == PointsLot.PENDING:
                change.pending -= own
            else:
                change.available -= own
        shortfall = wanted - own
        if shortfall:
            others, taken = _take_fifo(locked, min(shortfall, locked.available), exclude=[lot.pk])
            change.allocations.extend(others)
            change.available -= taken
            if shortfall - taken:
                change.detail["unrecovered"] = shortfall - taken
        return change

    return _post(
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

    def compute(locked: PointsAccount) -> _Change:
        fresh = PointsLot.objects.get(pk=lot.pk)
        if fresh.status != PointsLot.AVAILABLE or fresh.remaining == 0:
            return _Change(skip=True)
        return _Change(available=-fresh.remaining, allocations=[(fresh, fresh.remaining)])

    return _post(
        lot.account_id,
        key=f"expire:lot:{lot.pk}",
        kind=LedgerEntry.EXPIRE,
        compute=compute,
        at=at,
        touch_activity=False,
        description=str(_("Points expired")),
        order_number=lot.order_number,
    )


def expire_balance(account: PointsAccount, *, at: datetime | None = None) -> LedgerEntry | None:
    """Expire the whole available balance after inactivity (once per period of inactivity)."""
    since = account.last_activity_at.isoformat() if account.last_activity_at else "never"

    def compute(locked: PointsAccount) -> _Change:
        if locked.available == 0:
            return _Change(skip=True)
        allocations, taken = _take_fifo(locked, locked.available)
        return _Change(available=-taken, allocations=allocations)

    return _post(
        account,
        key=f"expire:inactive:{account.pk}:{since}",
        kind=LedgerEntry.EXPIRE,
        compute=compute,
        at=at,
        touch_activity=False,
        description=str(_("Points expired after inactivity")),
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

    def compute(locked: PointsAccount) -> _Change:
        if points > 0:
            lot = {"points": points, "status": PointsLot.AVAILABLE, "expires_at": expires_at}
            return _Change(available=points, new_lot={**lot, "available_at": at})
        if locked.available < -points:
            raise InsufficientPoints(
                _("Only %(available)s points are available to deduct.")
                % {"available": locked.available}
            )
        allocations, _taken = _take_fifo(locked, -points)
        return _Change(available=points, allocations=allocations)

    return _post(
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
