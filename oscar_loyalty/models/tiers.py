"""VIP tiers: the ladder admins define, where each customer stands on it, and why.

A customer's *earned* tier comes from their qualifying activity (confirmed orders) over the
programme's window; their *current* tier is the earned one unless staff pinned them to another
until a date. Perks (multiplier, discounts, free shipping, exclusive rewards) read the current
tier only. Every change of the current tier is a :class:`TierChange` row.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ledger import PointsAccount
from .rewards import Reward


class TierSettings(models.Model):
    """How every tier qualifies (one row, ``TierSettings.load()``): what counts, over which
    window, and how gently customers are moved down."""

    SPEND, POINTS = "spend", "points"
    METRIC_CHOICES = [
        (SPEND, _("Spend (the amount the earning rules count)")),
        (POINTS, _("Points earned on orders (spending points never lowers a tier)")),
    ]
    LIFETIME, CALENDAR_YEAR, ROLLING = "lifetime", "calendar_year", "rolling"
    WINDOW_CHOICES = [
        (LIFETIME, _("Lifetime")),
        (CALENDAR_YEAR, _("Calendar year (a tier reached in a year is kept all next year)")),
        (ROLLING, _("Rolling months")),
    ]

    metric = models.CharField(_("qualify on"), max_length=16, choices=METRIC_CHOICES, default=SPEND)
    window = models.CharField(
        _("qualification window"), max_length=16, choices=WINDOW_CHOICES, default=CALENDAR_YEAR
    )
    rolling_months = models.PositiveSmallIntegerField(
        _("rolling window (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Only for rolling windows: orders count for this many months."),
    )
    grace_days = models.PositiveIntegerField(
        _("grace period before a downgrade (days)"),
        default=30,
        validators=[MaxValueValidator(3650)],
        help_text=_(
            "A customer who no longer qualifies is told at once and moved down only after this "
            "many days, unless they qualify again meanwhile."
        ),
    )
    email_upgrades = models.BooleanField(
        _("email customers when they reach a higher tier"),
        default=True,
        help_text=_(
            "Switch off while you launch tiers on a shop with a long order history: existing "
            "customers are then placed in their tier quietly (bonuses are still paid). Switch "
            "it back on afterwards."
        ),
    )

    class Meta:
        verbose_name = _("tier settings")
        verbose_name_plural = _("tier settings")

    def __str__(self) -> str:
        return str(_("Tier settings"))

    @classmethod
    def load(cls) -> "TierSettings":
        found, _created = cls.objects.get_or_create(pk=1)
        return found


class Tier(models.Model):
    """One rung of the ladder and its perks. Higher ``position`` means a higher tier; the
    threshold must rise with the position (the dashboard refuses overlaps)."""

    NO_SHIPPING, SHIPPING_ALWAYS, SHIPPING_ABOVE = "", "always", "above"
    SHIPPING_CHOICES = [
        (NO_SHIPPING, _("No")),
        (SHIPPING_ALWAYS, _("Always")),
        (SHIPPING_ABOVE, _("On orders above a threshold")),
    ]

    name = models.CharField(_("name"), max_length=64, unique=True)
    position = models.PositiveSmallIntegerField(
        _("order"), unique=True, help_text=_("1 is the lowest tier; higher numbers rank higher.")
    )
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("Spend (in the shop's currency) or points earned within the window."),
    )
    badge_colour = models.CharField(
        _("badge colour"),
        max_length=7,
        default="#6c757d",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #c9a227."))],
    )
    badge_icon = models.CharField(
        _("badge icon"),
        max_length=64,
        blank=True,
        default="fas fa-star",
        validators=[
            RegexValidator(r"^[a-z0-9 -]*$", _("Use Font Awesome classes, e.g. fas fa-crown."))
        ],
    )
    description = models.CharField(_("description"), max_length=255, blank=True)

    points_multiplier = models.DecimalField(
        _("points multiplier"),
        max_digits=5,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Spend rules' points are multiplied by this (1 = no extra points)."),
    )
    entry_bonus = models.PositiveIntegerField(
        _("entry bonus (points)"),
        default=0,
        validators=[MaxValueValidator(1_000_000)],
        help_text=_("Paid once per qualification period on reaching the tier, skipped or not."),
    )
    birthday_bonus = models.PositiveIntegerField(
        _("birthday bonus (points)"), default=0, validators=[MaxValueValidator(1_000_000)]
    )
    discount_percentage = models.DecimalField(
        _("discount on every order (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    free_shipping = models.CharField(
        _("free shipping"), max_length=8, choices=SHIPPING_CHOICES, blank=True, default=""
    )
    free_shipping_threshold = models.DecimalField(
        _("free shipping above"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    exclusive_rewards = models.ManyToManyField(
        Reward,
        blank=True,
        related_name="exclusive_to_tiers",
        verbose_name=_("exclusive rewards"),
        help_text=_("Rewards only customers in this tier see and can redeem."),
    )

    # The Oscar offer rows that carry this tier's discount and free shipping (site offers with
    # our "customer is in tier" condition); ``condition`` is also what admins pick in Oscar's
    # own offer dashboard. Managed by ``tiers.perks.sync_tier_offers``.
    condition = models.OneToOneField(
        "offer.Condition", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shipping_condition = models.OneToOneField(
        "offer.Condition", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discount_offer = models.ForeignKey(
        "offer.ConditionalOffer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shipping_offer = models.ForeignKey(
        "offer.ConditionalOffer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["position"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")

    def __str__(self) -> str:
        return self.name


class CustomerTier(models.Model):
    """Where one customer stands: the tier they earned, the one that applies now (a pin can
    differ), and a downgrade that is due after the grace period."""

    account = models.OneToOneField(
        PointsAccount, on_delete=models.CASCADE, related_name="tier_status", primary_key=True
    )
    tier = models.ForeignKey(
        Tier,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("current tier"),
    )
    earned_tier = models.ForeignKey(
        Tier,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("earned tier"),
    )
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    downgrade_due_at = models.DateTimeField(_("downgrade due"), null=True, blank=True)
    downgrade_to = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pin = models.ForeignKey(
        "TierPin",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("active pin"),
    )

    class Meta:
        verbose_name = _("customer tier")
        verbose_name_plural = _("customer tiers")

    def __str__(self) -> str:
        return f"{self.account}: {self.tier or '-'}"


class TierPin(models.Model):
    """Staff put a customer in a tier until a date, whatever they qualify for. Never deleted:
    removing a pin early stamps who and when. When it ends the customer gets their earned tier,
    lower or not, so a pin never silently becomes a floor."""

    account = models.ForeignKey(PointsAccount, on_delete=models.CASCADE, related_name="tier_pins")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="pins")
    reason = models.CharField(_("reason"), max_length=255)
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    ends_at = models.DateTimeField(_("until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("tier pin")
        verbose_name_plural = _("tier pins")
        indexes = [models.Index(fields=["ends_at"], name="loyalty_pin_ends")]

    def __str__(self) -> str:
        return f"{self.account} -> {self.tier} until {self.ends_at:%Y-%m-%d}"


class TierChange(models.Model):
    """Every change of a customer's current tier: from, to, why and when (append-only)."""

    UPGRADE, DOWNGRADE, PIN, PIN_ENDED, PIN_REMOVED = (
        "upgrade",
        "downgrade",
        "pin",
        "pin_ended",
        "pin_removed",
    )
    REASON_CHOICES = [
        (UPGRADE, _("Qualified")),
        (DOWNGRADE, _("No longer qualified after the grace period")),
        (PIN, _("Pinned by staff")),
        (PIN_ENDED, _("Pin ended")),
        (PIN_REMOVED, _("Pin removed by staff")),
    ]

    account = models.ForeignKey(
        PointsAccount, on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("why"), max_length=16, choices=REASON_CHOICES)
    note = models.CharField(_("note"), max_length=255, blank=True)
    qualifying_value = models.DecimalField(
        _("qualifying value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")

    def __str__(self) -> str:
        return f"{self.from_tier or '-'} -> {self.to_tier or '-'} ({self.reason})"


class TierActivity(models.Model):
    """What one confirmed order counts towards tiers: its spend on the earn base and the points
    it earned, less what refunds took back. Dated when the order was placed, written when its
    points are confirmed: unconfirmed orders never lift a tier. The periodic re-evaluation sums
    these rows per account in set-based SQL."""

    account = models.ForeignKey(PointsAccount, on_delete=models.CASCADE, related_name="+")
    order_number = models.CharField(_("order number"), max_length=128)
    spend = models.DecimalField(_("spend"), max_digits=12, decimal_places=2)
    points = models.BigIntegerField(_("points earned"))
    occurred_at = models.DateTimeField(_("placed"))

    class Meta:
        verbose_name = _("tier activity")
        verbose_name_plural = _("tier activity")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "order_number"], name="loyalty_tier_activity_once"
            )
        ]
        indexes = [
            models.Index(fields=["account", "occurred_at"], name="loyalty_tier_activity_acct")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.order_number}"
