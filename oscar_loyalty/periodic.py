"""The periodic sweeps Celery beat runs: confirm, warn, expire, birthdays.

Each sweep walks its rows in primary-key batches and posts through the idempotent ledger, so a
sweep that is interrupted, retried or run twice at once changes nothing twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db.models import Count, Min, Sum
from django.utils import timezone
from oscar.core.loading import get_model

from . import actions, ledger, notices
from .models import (
    BirthdayRule,
    CustomerProfile,
    PointsAccount,
    PointsHold,
    PointsLot,
    ProgramSettings,
)
from .utils import batched_by_pk

logger = logging.getLogger(__name__)
EXPIRY_WARNING = "LOYALTY_POINTS_EXPIRING"


def confirm_due_lots(now: datetime) -> int:
    due = PointsLot.objects.filter(
        status=PointsLot.PENDING, available_at__lte=now, remaining__gt=0
    ).select_related("entry")
    confirmed = 0
    for lots in batched_by_pk(due):
        confirmed += sum(1 for lot in lots if ledger.confirm_lot(lot, at=now))
    return confirmed


def expire_due(now: datetime) -> int:
    """Expire lots past their date, then whole balances after the inactivity period."""
    expired = 0
    due = PointsLot.objects.filter(status=PointsLot.AVAILABLE, expires_at__lte=now, remaining__gt=0)
    for lots in batched_by_pk(due):
        expired += sum(1 for lot in lots if ledger.expire_lot(lot, at=now))
    days = ProgramSettings.load().inactivity_expiry_days
    if days:
        inactive = PointsAccount.objects.filter(
            available__gt=0, last_activity_at__lt=now - timedelta(days=days)
        )
        for accounts in batched_by_pk(inactive):
            expired += sum(1 for account in accounts if ledger.expire_balance(account, at=now))
    return expired


def expiring_points(now: datetime, within_days: int) -> dict[int, tuple[int, datetime]]:
    """Per account: points that expire within the window and the first date they do."""
    horizon = now + timedelta(days=within_days)
    rows = (
        PointsLot.objects.filter(
            status=PointsLot.AVAILABLE, remaining__gt=0, expires_at__gt=now, expires_at__lte=horizon
        )
        .values("account_id")
        .annotate(points=Sum("remaining"), first=Min("expires_at"))
    )
    found = {row["account_id"]: (row["points"], row["first"]) for row in rows}
    program = ProgramSettings.load()
    if program.inactivity_expiry_days:
        limit = timedelta(days=program.inactivity_expiry_days)
        for account in PointsAccount.objects.filter(
            available__gt=0, last_activity_at__lte=horizon - limit, last_activity_at__gt=now - limit
        ).only("pk", "available", "last_activity_at"):
            found[account.pk] = (account.available, account.last_activity_at + limit)
    return found


def send_expiry_warnings(now: datetime) -> int:
    """Email each customer once per expiry date about points that will expire soon."""
    program = ProgramSettings.load()
    if not program.expiry_warning_days:
        return 0
    warnings = expiring_points(now, program.expiry_warning_days)
    accounts = PointsAccount.objects.filter(pk__in=warnings, user__isnull=False).select_related(
        "user"
    )
    sent = 0
    for account in accounts:
        points, expires_at = warnings[account.pk]
        period = timezone.localdate(expires_at).isoformat()
        context = {"points": points, "expires_at": expires_at}
        sent += notices.send_once(account, EXPIRY_WARNING, period, context)
    return sent


def award_birthdays(now: datetime) -> int:
    """Birthday rules for customers born today (29 February celebrates on the 28th otherwise)."""
    today = timezone.localdate(now)
    profiles = CustomerProfile.objects.filter(
        birth_date__month=today.month, birth_date__day__in=birthday_days(today)
    ).select_related("account")
    rules = list(BirthdayRule.objects.active(now))
    awarded = 0
    for batch in batched_by_pk(profiles):
        for profile in batch:
            entries = actions.award_action(
                profile.account,
                BirthdayRule,
                reference=f"birthday:{today.year}",
                rules=rules,
                at=now,
            )
            awarded += len(entries)
    return awarded


def birthday_days(today: date) -> list[int]:
    """Days of this month whose birthdays are celebrated today (29 February on the 28th in
    years without one)."""
    if today.month == 2 and today.day == 28 and not _is_leap(today.year):
        return [28, 29]
    return [today.day]


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


STALE_HOLD_AGE = timedelta(hours=24)


def release_stale_holds(now: datetime) -> int:
    """Release holds on baskets that are empty, gone, or left open for a day. Frozen baskets
    (checkout under way) keep their holds: their order may still be placed."""
    Basket = get_model("basket", "Basket")
    released = 0
    for holds in batched_by_pk(PointsHold.objects.filter(status=PointsHold.ACTIVE)):
        baskets = (
            Basket.objects.filter(pk__in=[hold.basket_id for hold in holds])
            .annotate(line_count=Count("lines"))
            .in_bulk()
        )
        for hold in holds:
            basket = baskets.get(hold.basket_id)
            stale = (
                basket is None
                or basket.status in (Basket.SUBMITTED, Basket.MERGED)
                or basket.line_count == 0
                or (basket.status == Basket.OPEN and hold.updated_at < now - STALE_HOLD_AGE)
            )
            if stale:
                ledger.release_hold(hold, at=now)
                released += 1
    return released
