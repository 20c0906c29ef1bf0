"""Staff pins: a customer is put in a tier until a date, with a reason, and it is audited.

A pin sets the current tier and nothing else: qualification keeps tracking the earned tier
meanwhile, and when the pin ends or is removed the customer gets exactly that earned tier (lower
or higher), recorded as a change. A pin never lingers as a floor.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import CustomerTier, PointsAccount, Tier, TierChange, TierPin
from ..utils import batched_by_pk


class PinError(Exception):
    """A message for the staff member."""


def _locked_status(account: PointsAccount) -> CustomerTier:
    CustomerTier.objects.get_or_create(account=account)
    return (
        CustomerTier.objects.select_for_update(of=("self",))
        .select_related("pin")
        .get(account=account)
    )


def pin_customer(
    account: PointsAccount,
    tier: Tier,
    *,
    reason: str,
    ends_at: datetime,
    staff_user,
    now: datetime | None = None,
) -> TierPin:
    """Pin ``account`` to ``tier`` until ``ends_at`` (replacing any active pin)."""
    now = now or timezone.now()
    if not (reason or "").strip():
        raise PinError(_("A reason is required to pin a customer to a tier."))
    if ends_at <= now:
        raise PinError(_("The end date must be in the future."))
    if staff_user is None or not staff_user.is_staff:
        raise PinError(_("Only staff can pin customers to a tier."))
    with transaction.atomic():
        status = _locked_status(account)
        if status.pin is not None:
            TierPin.objects.filter(pk=status.pin_id).update(removed_at=now, removed_by=staff_user)
        pin = TierPin.objects.create(
            account=account,
            tier=tier,
            reason=reason.strip(),
            starts_at=now,
            ends_at=ends_at,
            created_by=staff_user,
        )
        TierChange.objects.create(
            account=account,
            from_tier_id=status.tier_id,
            to_tier=tier,
            reason=TierChange.PIN,
            note=pin.reason,
            created_at=now,
            created_by=staff_user,
        )
        status.pin, status.tier = pin, tier
        status.save(update_fields=["pin", "tier"])
    return pin


def remove_pin(account: PointsAccount, *, staff_user, now: datetime | None = None) -> bool:
    """End the account's pin now; the customer gets their earned tier. False if none."""
    now = now or timezone.now()
    with transaction.atomic():
        status = _locked_status(account)
        if status.pin is None:
            return False
        TierPin.objects.filter(pk=status.pin_id).update(removed_at=now, removed_by=staff_user)
        _unpin(status, TierChange.PIN_REMOVED, now, staff_user)
    return True


def _unpin(status: CustomerTier, reason: str, now: datetime, staff_user=None) -> None:
    TierChange.objects.create(
        account_id=status.account_id,
        from_tier_id=status.tier_id,
        to_tier_id=status.earned_tier_id,
        reason=reason,
        note=status.pin.reason,
        created_at=now,
        created_by=staff_user,
    )
    status.pin, status.tier_id = None, status.earned_tier_id
    status.save(update_fields=["pin", "tier"])


def end_expired_pins(now: datetime) -> int:
    """Periodic: pins past their end date give way to the earned tier. Idempotent."""
    ended = 0
    due = CustomerTier.objects.filter(pin__ends_at__lte=now)
    for batch in batched_by_pk(due):
        with transaction.atomic():
            locked = (
                CustomerTier.objects.select_for_update(of=("self",))
                .select_related("pin")
                .filter(pk__in=[status.pk for status in batch], pin__ends_at__lte=now)
            )
            for status in locked:
                _unpin(status, TierChange.PIN_ENDED, now)
                ended += 1
    return ended
