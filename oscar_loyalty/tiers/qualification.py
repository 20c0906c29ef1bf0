"""What a customer qualifies for: their qualifying value over the window, and the tier it buys.

Values come from :class:`TierActivity` (one row per confirmed order), summed per account in one
grouped query for a whole batch of accounts, never one query per customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from .. import caching
from ..models import CustomerTier, Tier, TierActivity, TierSettings

ZERO = Decimal("0")


def months_before(moment: datetime, months: int) -> datetime:
    """The same local day ``months`` months earlier (the month's last day when it is shorter)."""
    local = timezone.localtime(moment)
    index = local.year * 12 + local.month - 1 - months
    year, month = divmod(index, 12)
    day = local.day
    while True:
        try:
            return local.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


def year_start(year: int) -> datetime:
    return timezone.make_aware(datetime(year, 1, 1))


@dataclass(frozen=True)
class Window:
    """The span qualifying activity counts in, for one moment and the programme's settings.

    ``start`` is None for lifetime. Calendar years also look at the previous year, because a
    tier reached in a year is kept all through the next (``previous_start``).
    """

    kind: str
    start: datetime | None
    previous_start: datetime | None = None
    ends_at: datetime | None = None  # when the current count stops (calendar year only)

    @classmethod
    def for_settings(cls, settings: TierSettings, now: datetime) -> Window:
        if settings.window == TierSettings.CALENDAR_YEAR:
            year = timezone.localtime(now).year
            return cls(
                settings.window,
                start=year_start(year),
                previous_start=year_start(year - 1),
                ends_at=year_start(year + 1),
            )
        if settings.window == TierSettings.ROLLING:
            return cls(settings.window, start=months_before(now, settings.rolling_months))
        return cls(settings.window, start=None)


@dataclass
class Standing:
    """One account's qualifying values: in the current count and (calendar year) the last."""

    current: Decimal = ZERO
    previous: Decimal = ZERO

    @property
    def value(self) -> Decimal:
        return max(self.current, self.previous)


class Ladder:
    """The tiers in order, loaded once per evaluation."""

    def __init__(self, tiers: Sequence[Tier]):
        self.tiers = sorted(tiers, key=lambda tier: tier.position)
        self.by_id = {tier.pk: tier for tier in self.tiers}

    @classmethod
    def load(cls) -> Ladder:
        return cls(list(Tier.objects.all()))

    @classmethod
    def cached(cls) -> Ladder:
        """For storefront pages: from the cache, dropped when a tier is saved."""
        return caching.cached("tier_ladder", cls.load)

    def for_value(self, value: Decimal) -> Tier | None:
        """The highest tier whose threshold ``value`` reaches."""
        reached = None
        for tier in self.tiers:
            if value >= tier.threshold:
                reached = tier
        return reached

    @property
    def entry_tier(self) -> Tier | None:
        """The tier every customer reaches (threshold 0), if the shop has one: theirs until an
        evaluation records a tier for them, e.g. straight after sign-up."""
        return self.for_value(ZERO)

    def rank(self, tier_id: int | None) -> int:
        tier = self.by_id.get(tier_id)
        return tier.position if tier else 0

    def between(self, low_id: int | None, high: Tier) -> list[Tier]:
        """Tiers above ``low_id`` up to and including ``high`` (what one jump passes)."""
        low = self.rank(low_id)
        return [tier for tier in self.tiers if low < tier.position <= high.position]

    def next_above(self, tier_id: int | None) -> Tier | None:
        rank = self.rank(tier_id)
        return next((tier for tier in self.tiers if tier.position > rank), None)


def cached_settings() -> TierSettings:
    """The tier settings for storefront pages, from the cache (dropped when saved)."""
    return caching.cached("tier_settings", TierSettings.load)


def standings(
    account_ids: Iterable[int] | tuple[int, int],
    settings: TierSettings,
    window: Window,
) -> dict[int, Standing]:
    """Qualifying values per account, in one grouped query. ``account_ids`` is a list of ids or
    an id range ``(low, high)`` (inclusive low, exclusive high) for batch sweeps."""
    column = "points" if settings.metric == TierSettings.POINTS else "spend"
    rows = TierActivity.objects.all()
    if isinstance(account_ids, tuple):
        rows = rows.filter(account_id__gte=account_ids[0], account_id__lt=account_ids[1])
    else:
        rows = rows.filter(account_id__in=list(account_ids))
    aggregates = {}
    if window.start is None:
        aggregates["current"] = Sum(column)
    else:
        earliest = window.previous_start or window.start
        rows = rows.filter(occurred_at__gte=earliest)
        aggregates["current"] = Sum(column, filter=Q(occurred_at__gte=window.start))
        if window.previous_start is not None:
            aggregates["previous"] = Sum(column, filter=Q(occurred_at__lt=window.start))
    found = {}
    for row in rows.values("account_id").annotate(**aggregates).order_by():
        found[row["account_id"]] = Standing(
            current=Decimal(row["current"] or 0), previous=Decimal(row.get("previous") or 0)
        )
    return found


def standing_for(account_id: int, settings: TierSettings, now: datetime) -> Standing:
    window = Window.for_settings(settings, now)
    return standings([account_id], settings, window).get(account_id, Standing())


def qualification_period(
    tier: Tier, standing: Standing, settings: TierSettings, window: Window, now: datetime
) -> str:
    """The period an entry bonus for ``tier`` belongs to, so it is paid once per period:
    ``lifetime``; the calendar year whose activity reached the tier; or the block of N months
    (counted from January 2000) a rolling qualification happened in."""
    if settings.window == TierSettings.CALENDAR_YEAR:
        year = timezone.localtime(now).year
        return str(year if standing.current >= tier.threshold else year - 1)
    if settings.window == TierSettings.ROLLING:
        local = timezone.localtime(now)
        block = ((local.year - 2000) * 12 + local.month - 1) // settings.rolling_months
        return f"{settings.rolling_months}m{block}"
    return "lifetime"


Unsettled = dict[int, tuple[Standing, tuple[int | None, datetime | None] | None]]


def unsettled(
    low: int, high: int, settings: TierSettings, window: Window, ladder: Ladder
) -> Unsettled:
    """Accounts with ids in ``[low, high)`` whose standing may need action: their value reaches
    another tier than the one they earned, or a downgrade is pending. Two statements per
    batch, and the comparison with the ladder happens in the database, so a batch where
    nobody changes sends (almost) nothing back. Returns per account its standing and its
    ``(earned_tier_id, downgrade_due_at)``, None when it has no tier row yet."""
    found: Unsettled = {}
    activity, statuses = TierActivity._meta.db_table, CustomerTier._meta.db_table
    column = "points" if settings.metric == TierSettings.POINTS else "spend"
    params: list = []
    if window.start is None:
        sums, since = f"SUM({column}) AS cur, 0 AS prev", ""
    else:
        sums = (
            f"SUM(CASE WHEN occurred_at >= %s THEN {column} ELSE 0 END) AS cur, "
            f"SUM(CASE WHEN occurred_at < %s THEN {column} ELSE 0 END) AS prev"
        )
        since = "AND occurred_at >= %s"
    value = "(CASE WHEN v.cur >= v.prev THEN v.cur ELSE v.prev END)"
    ranked = list(reversed(ladder.tiers))
    reached = " ".join(f"WHEN {value} >= CAST(%s AS NUMERIC) THEN {t.position}" for t in ranked)
    earned = " ".join(f"WHEN %s THEN {tier.position}" for tier in ladder.tiers)
    moved = (
        f"(CASE {reached} ELSE 0 END) <> (CASE s.earned_tier_id {earned} ELSE 0 END)"
        if ladder.tiers
        else "s.earned_tier_id IS NOT NULL"
    )
    sql = f"""
        SELECT v.account_id, v.cur, v.prev, s.account_id, s.earned_tier_id, s.downgrade_due_at
        FROM (
            SELECT account_id, {sums} FROM {activity}
            WHERE account_id >= %s AND account_id < %s {since}
            GROUP BY account_id
        ) v
        LEFT JOIN {statuses} s ON s.account_id = v.account_id
            AND s.account_id >= %s AND s.account_id < %s
        WHERE {moved} OR s.downgrade_due_at IS NOT NULL
    """
    ops = connection.ops
    if window.start is not None:
        params += [ops.adapt_datetimefield_value(window.start)] * 2
    params += [low, high]
    if window.start is not None:
        params.append(ops.adapt_datetimefield_value(window.previous_start or window.start))
    params += [low, high]  # the join reads only the batch's tier rows, by primary key
    params += [ops.adapt_decimalfield_value(tier.threshold) for tier in ranked]
    params += [tier.pk for tier in ladder.tiers]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for account_id, cur, prev, status_id, earned_id, due in cursor.fetchall():
            standing = Standing(Decimal(str(cur or 0)), Decimal(str(prev or 0)))
            row = (earned_id, _aware(due)) if status_id is not None else None
            found[account_id] = (standing, row)
    # Members with no activity in the window at all: their value is 0.
    floor = ladder.for_value(ZERO)
    quiet = (
        CustomerTier.objects.filter(account_id__gte=low, account_id__lt=high)
        .exclude(Exists(_activity_since(window)))
        .filter(~Q(earned_tier_id=floor.pk if floor else None) | Q(downgrade_due_at__isnull=False))
    )
    for account_id, earned_id, due in quiet.values_list(
        "account_id", "earned_tier_id", "downgrade_due_at"
    ):
        found[account_id] = (Standing(), (earned_id, due))
    return found


def _activity_since(window: Window):
    rows = TierActivity.objects.filter(account_id=OuterRef("account_id"))
    if window.start is not None:
        rows = rows.filter(occurred_at__gte=window.previous_start or window.start)
    return rows


def _aware(moment):
    """Raw SQL gives SQLite's datetimes naive (UTC); the ORM would make them aware."""
    if moment is None or isinstance(moment, datetime) and timezone.is_aware(moment):
        return moment
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return timezone.make_aware(moment, UTC)
