"""Moving customers between tiers: upgrades at once, downgrades after a grace period, pins.

:func:`evaluate` works on a whole batch of accounts: their values come from one grouped query
and their standings from one more; only accounts whose tier changes are then written, under a
row lock on their :class:`CustomerTier` rows, with bulk writes where the ledger and emails do not
need one call per customer. Entry bonuses are ledger postings whose idempotency key names the
account, the tier and the qualification period, so replays and races pay each bonus once.
"""

from __future__ import annotations

from collections import Counter, defaultdict, namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import ledger, notices
from ..models import CustomerTier, LedgerEntry, Tier, TierChange, TierSettings
from .qualification import (
    Ladder,
    Standing,
    Window,
    qualification_period,
    standings,
    unsettled,
)

UPGRADE_EMAIL = "LOYALTY_TIER_UPGRADE"
DOWNGRADE_NOTICE = "LOYALTY_TIER_DOWNGRADE"
# The entry bonus's points history line, shown again in the reader's language by ``history``.
WELCOME_LINE = _("Welcome to %(tier)s")

UPGRADE, START_DOWNGRADE, DOWNGRADE, CANCEL_DOWNGRADE = "upgrade", "notice", "downgrade", "cancel"

# Set by :func:`quiet_upgrades` while a backfill replays past orders.
_QUIET: ContextVar[bool] = ContextVar("oscar_loyalty_quiet_tier_upgrades", default=False)

# What :func:`decide` reads of a ``CustomerTier`` row.
TierRow = namedtuple("TierRow", "earned_tier_id downgrade_due_at")


@dataclass
class Context:
    """What one evaluation reads once: now, the settings, their window and the ladder."""

    now: datetime
    settings: TierSettings
    window: Window
    ladder: Ladder
    email: bool = True  # False: upgrades caused by past orders, never news to the customer

    @classmethod
    def load(cls, now: datetime | None = None, *, email: bool = True) -> Context:
        now = now or timezone.now()
        settings = TierSettings.load()
        return cls(now, settings, Window.for_settings(settings, now), Ladder.load(), email)

    @property
    def emails_upgrades(self) -> bool:
        return self.email and self.settings.email_upgrades


@contextmanager
def quiet_upgrades() -> Iterator[None]:
    """Upgrades caused by points posted inside this block send no email (bonuses are paid).

    For backfills: replaying years of orders would otherwise welcome every past customer to
    their tier at once. The flag travels with the ``qualify_for_tier`` task's arguments, so it
    holds on a Celery worker that runs the task long after the block has ended, and live
    customers' upgrades meanwhile are still emailed (unlike switching ``email_upgrades`` off).
    """
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def upgrades_are_quiet() -> bool:
    """Whether the code running now is inside :func:`quiet_upgrades`."""
    return _QUIET.get()


def decide(status, target: Tier | None, ctx: Context, upgrades_only: bool) -> str | None:
    """What to do for one customer: ``status`` is their ``CustomerTier`` (or the same two
    fields as a tuple), None if they have none; ``target`` is the tier their value reaches."""
    earned = ctx.ladder.rank(status.earned_tier_id if status else None)
    wanted = target.position if target else 0
    if wanted > earned:
        return UPGRADE
    if upgrades_only or status is None:
        return None
    if wanted < earned:
        if status.downgrade_due_at is None:
            return DOWNGRADE if ctx.settings.grace_days == 0 else START_DOWNGRADE
        return DOWNGRADE if status.downgrade_due_at <= ctx.now else None
    return CANCEL_DOWNGRADE if status.downgrade_due_at else None


def evaluate(
    accounts: list[int] | tuple[int, int], ctx: Context, *, upgrades_only: bool = False
) -> Counter:
    """Evaluate a batch of accounts (ids, or an id range ``(low, high)``) and apply what
    changes. Returns a count per kind of change."""
    if isinstance(accounts, tuple):
        found = unsettled(*accounts, ctx.settings, ctx.window, ctx.ladder)
    else:
        found = _standings_of(accounts, ctx)
    wanted = {}
    for account_id, (standing, row) in found.items():
        target = ctx.ladder.for_value(standing.value)
        if decide(row and TierRow(*row), target, ctx, upgrades_only):
            wanted[account_id] = standing
    if not wanted:
        return Counter()
    return apply_changes(wanted, ctx, upgrades_only)


def _standings_of(accounts: list[int], ctx: Context) -> dict:
    """Standing and tier row of a few accounts, for :func:`qualify_account`."""
    values = standings(accounts, ctx.settings, ctx.window)
    rows = CustomerTier.objects.filter(account_id__in=accounts).values_list(
        "account_id", "earned_tier_id", "downgrade_due_at"
    )
    current = {account_id: (earned, due) for account_id, earned, due in rows}
    return {
        account_id: (values.get(account_id, Standing()), current.get(account_id))
        for account_id in values.keys() | current.keys()
    }


def apply_changes(wanted: dict[int, Standing], ctx: Context, upgrades_only: bool) -> Counter:
    """Lock the rows, decide again on what is locked, write with one UPDATE per distinct
    outcome (a handful per batch), then pay bonuses and send emails (each idempotent)."""
    done: Counter = Counter()
    upgrades, notices_due = [], []
    with transaction.atomic():
        CustomerTier.objects.bulk_create(
            [CustomerTier(account_id=pk) for pk in wanted], ignore_conflicts=True
        )
        locked = (
            CustomerTier.objects.select_for_update(of=("self",))
            .filter(account_id__in=list(wanted))
            .order_by("account_id")
        )
        changes, outcomes = [], defaultdict(list)
        for status in locked:
            standing = wanted[status.account_id]
            target = ctx.ladder.for_value(standing.value)
            action = decide(status, target, ctx, upgrades_only)
            if action is None:
                continue
            done[action] += 1
            apply_decision(status, action, target, standing, ctx, changes)
            if action == UPGRADE:
                upgrades.append((status, standing))
            elif action == START_DOWNGRADE and status.pin_id is None:
                notices_due.append(status)  # a pinned customer keeps their tier meanwhile
            outcome = (
                status.tier_id,
                status.earned_tier_id,
                status.downgrade_due_at,
                status.downgrade_to_id,
            )
            outcomes[outcome].append(status.pk)
        for (tier_id, earned_id, due_at, to_id), ids in outcomes.items():
            CustomerTier.objects.filter(pk__in=ids).update(
                tier_id=tier_id,
                earned_tier_id=earned_id,
                downgrade_due_at=due_at,
                downgrade_to_id=to_id,
                evaluated_at=ctx.now,
            )
        TierChange.objects.bulk_create(changes)
    accounts = _accounts_of([status for status, *_rest in upgrades] + notices_due)
    with transaction.atomic():  # one commit for the batch's bonuses, not one per posting
        for status, standing in upgrades:
            pay_entry_bonuses(accounts[status.account_id], status, standing, ctx)
    for status, standing in upgrades:
        if status.pin_id is None and ctx.emails_upgrades:
            send_upgrade_email(accounts[status.account_id], status, standing, ctx)
    for status in notices_due:
        notices.send_once(
            accounts[status.account_id],
            DOWNGRADE_NOTICE,
            f"{status.earned_tier_id}:{status.downgrade_due_at:%Y-%m-%d}",
            {
                "tier": ctx.ladder.by_id.get(status.earned_tier_id),
                "new_tier": ctx.ladder.by_id.get(status.downgrade_to_id),
                "due_at": status.downgrade_due_at,
            },
        )
    return done


def apply_decision(
    status: CustomerTier,
    action: str,
    target: Tier | None,
    standing: Standing,
    ctx: Context,
    changes: list[TierChange],
) -> None:
    """Set the row's new state in memory (the caller writes it) and record a change of the
    current tier, unless a pin holds it. ``status.previous_earned_id`` keeps what the customer
    had earned before, for the entry bonuses of every tier passed."""
    if action == START_DOWNGRADE:
        status.downgrade_due_at = ctx.now + timedelta(days=ctx.settings.grace_days)
        status.downgrade_to = target
        return
    status.downgrade_due_at = status.downgrade_to = None
    if action == CANCEL_DOWNGRADE:
        return
    status.previous_earned_id = status.earned_tier_id
    status.earned_tier = target
    if status.pin_id is None and status.tier_id != (target.pk if target else None):
        reason = TierChange.UPGRADE if action == UPGRADE else TierChange.DOWNGRADE
        changes.append(change_for(status, target, reason, standing, ctx.now))
        status.tier = target


def _accounts_of(statuses: list[CustomerTier]) -> dict:
    from ..models import PointsAccount

    ids = {status.account_id for status in statuses}
    return PointsAccount.objects.select_related("user").in_bulk(ids) if ids else {}


def change_for(
    status: CustomerTier,
    target: Tier | None,
    reason: str,
    standing: Standing | None,
    now: datetime,
    **fields,
) -> TierChange:
    return TierChange(
        account_id=status.account_id,
        from_tier_id=status.tier_id,
        to_tier=target,
        reason=reason,
        qualifying_value=standing.value if standing else None,
        created_at=now,
        **fields,
    )


def pay_entry_bonuses(account, status: CustomerTier, standing: Standing, ctx: Context) -> None:
    """Entry bonus for the reached tier and every tier skipped on the way, once per tier per
    qualification period (the idempotency key names all three)."""
    target = status.earned_tier
    for tier in ctx.ladder.between(status.previous_earned_id, target):
        period = qualification_period(tier, standing, ctx.settings, ctx.window, ctx.now)
        if tier.entry_bonus:
            ledger.earn(
                account,
                tier.entry_bonus,
                key=f"tier:{account.pk}:{tier.pk}:entry:{period}",
                kind=LedgerEntry.BONUS,
                description=WELCOME_LINE % {"tier": tier.name},
                detail={"tier": tier.pk, "period": period},
                at=ctx.now,
            )


def send_upgrade_email(account, status: CustomerTier, standing: Standing, ctx: Context) -> None:
    """The upgrade email, once per tier and qualification period."""
    target = status.earned_tier
    period = qualification_period(target, standing, ctx.settings, ctx.window, ctx.now)
    notices.send_once(account, UPGRADE_EMAIL, f"{target.pk}:{period}", {"tier": target})


def qualify_account(account_id: int, now: datetime | None = None, *, email: bool = True) -> Counter:
    """Upgrade one customer at once if their confirmed activity reaches a higher tier (called
    when an order's points are confirmed; ``email=False`` for past orders replayed by a
    backfill). Never starts a downgrade: that is the periodic re-evaluation's job, with its
    grace period."""
    return evaluate([account_id], Context.load(now, email=email), upgrades_only=True)


def reevaluate_all(now: datetime | None = None, batch_size: int = 20_000) -> Counter:
    """Periodic: end expired pins, then evaluate every account in id ranges of ``batch_size``
    (two grouped queries per range; writes only for accounts whose tier changes): upgrades
    missed, downgrades started (notice email), downgrades due after the grace period, and
    downgrades called off for customers who qualify again."""
    from ..models import PointsAccount
    from .pins import end_expired_pins

    ctx = Context.load(now)
    done = Counter(pin_ended=end_expired_pins(ctx.now))
    if not ctx.ladder.tiers and not CustomerTier.objects.exists():
        return done
    bounds = PointsAccount.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return done
    for low in range(bounds["low"], bounds["high"] + 1, batch_size):
        done.update(evaluate((low, low + batch_size), ctx))
    return done
