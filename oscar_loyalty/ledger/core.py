"""The ledger core: locking, idempotency and lot bookkeeping shared by every posting."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oscar_loyalty.utils import format_points

from ..models import LedgerEntry, LotAllocation, PointsAccount, PointsLot

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


def insufficient(available: int) -> InsufficientPoints:
    return InsufficientPoints(
        _("Only %(available)s points are available.") % {"available": format_points(available)}
    )


def check_key(key: str) -> None:
    if not key or len(key) > 255:
        raise LedgerError("an idempotency key of 1 to 255 characters is required")


def validate_points(points: object) -> int:
    """Points are whole, positive and bounded; anything else is refused before any write."""
    if isinstance(points, bool) or not isinstance(points, int):
        raise InvalidPoints(_("Points must be a whole number."))
    if points <= 0:
        raise InvalidPoints(_("Points must be more than zero."))
    if points > MAX_POINTS_PER_ENTRY:
        raise InvalidPoints(
            _("At most %(max)s points can be posted at once.")
            % {"max": format_points(MAX_POINTS_PER_ENTRY)}
        )
    return points


@dataclass
class Change:
    """What one posting does to the balances, computed under the account lock."""

    available: int = 0
    pending: int = 0
    held: int = 0
    allocations: list[tuple[PointsLot, int]] = field(default_factory=list)
    new_lot: dict | None = None
    status_changes: list[tuple[PointsLot, str]] = field(default_factory=list)
    detail: dict = field(default_factory=dict)
    skip: bool = False


def post_entry(
    account: PointsAccount | int,
    *,
    key: str,
    kind: str,
    compute: Callable[[PointsAccount], Change],
    at: datetime | None = None,
    touch_activity: bool = True,
    **entry_fields,
) -> LedgerEntry | None:
    """Lock, check the key, compute, write. Returns the entry (new or earlier), or None when
    there was nothing to post (e.g. confirming a lot already confirmed)."""
    check_key(key)
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
        apply_lots(locked, entry, change, at)
        locked.available += change.available
        locked.pending += change.pending
        locked.held += change.held
        fields = ["available", "pending", "held"]
        if touch_activity:
            # A posting dated in the past (a backfilled order) never moves activity backwards.
            locked.last_activity_at = max(filter(None, [locked.last_activity_at, at]))
            fields.append("last_activity_at")
        locked.save(update_fields=fields)
    if isinstance(account, PointsAccount):
        account.available, account.pending, account.held = (
            locked.available,
            locked.pending,
            locked.held,
        )
        account.last_activity_at = locked.last_activity_at
    logger.debug("ledger %s %s account=%s key=%s", kind, entry.points, account_id, key)
    return entry


def apply_lots(account: PointsAccount, entry: LedgerEntry, change: Change, at: datetime) -> None:
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


def fifo_lots(account: PointsAccount, exclude: Iterable[int] = ()) -> Iterable[PointsLot]:
    """Available lots with points left, first-to-expire first (no expiry last)."""
    return (
        PointsLot.objects.filter(account=account, status=PointsLot.AVAILABLE, remaining__gt=0)
        .exclude(pk__in=list(exclude))
        .order_by(F("expires_at").asc(nulls_last=True), "earned_at", "pk")
        .iterator(chunk_size=100)
    )


def take_fifo(account: PointsAccount, points: int, exclude: Iterable[int] = ()):
    """Allocate up to ``points`` from the account's available lots; returns (allocations, taken)."""
    allocations, taken = [], 0
    for lot in fifo_lots(account, exclude):
        if taken >= points:
            break
        portion = min(lot.remaining, points - taken)
        allocations.append((lot, portion))
        taken += portion
    return allocations, taken
