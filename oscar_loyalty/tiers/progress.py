"""What the shopper is told about tiers: where they stand, what is next, and when it resets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from ..models import CustomerTier, PointsAccount, Tier, TierSettings
from .qualification import ZERO, Ladder, Standing, Window, cached_settings, standing_for


@dataclass
class TierProgress:
    """Everything the Rewards page shows about tiers, for one customer at one moment."""

    settings: TierSettings
    ladder: Ladder
    status: CustomerTier | None
    standing: Standing
    window: Window
    now: datetime

    @property
    def tier(self) -> Tier | None:
        """Pins included; the entry tier while no tier is recorded (as :func:`tier_for_user`)."""
        recorded = self.status.tier if self.status else None
        return recorded or self.ladder.entry_tier

    @property
    def earned_tier(self) -> Tier | None:
        recorded = self.status.earned_tier if self.status else None
        return recorded or self.ladder.entry_tier

    @property
    def is_top(self) -> bool:
        """In the highest tier: not when staff pinned the customer below what they earned."""
        return self.tier is not None and self.ladder.next_above(self.tier.pk) is None

    @property
    def pin(self):
        return self.status.pin if self.status else None

    @property
    def counting(self) -> Decimal:
        """What counts towards the next tier: this year's count for calendar windows (last
        year's is closed), else the whole window."""
        if self.window.previous_start is not None:
            return self.standing.current
        return self.standing.value

    @property
    def next_tier(self) -> Tier | None:
        ranks = [t.pk for t in (self.tier, self.earned_tier) if t is not None]
        highest = max(ranks, key=self.ladder.rank, default=None)
        return self.ladder.next_above(highest)

    @property
    def next_reached(self) -> bool:
        """The count already reaches the next tier, but the customer has not been moved yet
        (a tier staff just added below their count, until the re-evaluation runs)."""
        target = self.next_tier
        return target is not None and self.counting >= target.threshold

    @property
    def missing(self) -> Decimal:
        target = self.next_tier
        return max(target.threshold - self.counting, ZERO) if target else ZERO

    @property
    def percent(self) -> int:
        target = self.next_tier
        if target is None or target.threshold <= 0:
            return 100
        return min(100, int(self.counting * 100 / target.threshold))

    @property
    def deadline(self) -> date | None:
        """The last day the current count runs (calendar years only)."""
        if self.window.ends_at is None:
            return None
        return timezone.localdate(self.window.ends_at - timedelta(seconds=1))

    @property
    def keep_missing(self) -> Decimal:
        """For calendar years: what is still needed this year to keep the earned tier through
        next year (0 when already done)."""
        earned = self.earned_tier
        if earned is None or self.window.previous_start is None:
            return ZERO
        return max(earned.threshold - self.standing.current, ZERO)

    @property
    def is_points(self) -> bool:
        return self.settings.metric == TierSettings.POINTS


def progress_for(account: PointsAccount | None, now: datetime | None = None) -> TierProgress:
    now = now or timezone.now()
    settings = cached_settings()
    status = None
    standing = Standing()
    if account is not None and account.pk:
        status = (
            CustomerTier.objects.filter(account=account)
            .select_related("tier", "earned_tier", "pin__tier", "downgrade_to")
            .first()
        )
        standing = standing_for(account.pk, settings, now)
    return TierProgress(
        settings=settings,
        ladder=Ladder.cached(),
        status=status,
        standing=standing,
        window=Window.for_settings(settings, now),
        now=now,
    )


def would_reach(progress: TierProgress, basket_value: Decimal) -> Tier | None:
    """The highest tier above the current one this basket's spend or points would reach; None
    when the count reaches it already without this basket (see ``next_reached``)."""
    target = progress.ladder.for_value(progress.counting + basket_value)
    nxt = progress.next_tier
    if target is None or nxt is None or target.position < nxt.position:
        return None
    if progress.ladder.for_value(progress.counting) == target:
        return None
    return target
