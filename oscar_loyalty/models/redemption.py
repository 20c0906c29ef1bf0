"""Spending points at checkout: the rules per currency and the holds on shoppers' baskets."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ledger import LedgerEntry, PointsAccount


class RedemptionSettings(models.Model):
    """What points are worth in one currency and how much of an order they may pay."""

    currency = models.CharField(
        _("currency"), max_length=12, unique=True, default=settings.OSCAR_DEFAULT_CURRENCY
    )
    is_enabled = models.BooleanField(_("shoppers can pay with points"), default=True)
    points_per_unit = models.PositiveIntegerField(
        _("points worth 1.00"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)],
        help_text=_("e.g. 100: 100 points take 1.00 off an order."),
    )
    min_points = models.PositiveIntegerField(
        _("minimum points per order"), default=0, validators=[MaxValueValidator(100_000_000)]
    )
    max_order_share = models.PositiveSmallIntegerField(
        _("maximum share of the order payable with points (%)"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    combine_with_vouchers = models.BooleanField(_("can be used with vouchers"), default=True)
    combine_with_offers = models.BooleanField(_("can be used with other discounts"), default=True)
    pay_shipping = models.BooleanField(_("points can pay for shipping"), default=False)

    class Meta:
        verbose_name = _("points redemption settings")
        verbose_name_plural = _("points redemption settings")

    def __str__(self) -> str:
        return f"{self.currency}: {self.points_per_unit} = 1.00"

    @property
    def step(self) -> int:
        """Points are applied in steps worth one hundredth of the currency unit."""
        return max(1, self.points_per_unit // 100)


class PointsHold(models.Model):
    """Points set aside for one basket until its order is placed (captured) or not (released).

    The ledger moves the points from available to held when the hold is made, so they cannot be
    spent twice; ``status`` and ``captured_points`` record how the hold ended.
    """

    ACTIVE, CAPTURED, RELEASED = "active", "captured", "released"
    STATUS_CHOICES = [
        (ACTIVE, _("Active")),
        (CAPTURED, _("Spent")),
        (RELEASED, _("Released")),
    ]

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="holds")
    basket_id = models.PositiveIntegerField(_("basket"), db_index=True)
    currency = models.CharField(_("currency"), max_length=12)
    points = models.BigIntegerField(_("points"), validators=[MinValueValidator(1)])
    entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="hold", verbose_name=_("hold entry")
    )
    status = models.CharField(_("status"), max_length=16, choices=STATUS_CHOICES, default=ACTIVE)
    captured_points = models.BigIntegerField(_("points spent"), default=0)
    order_number = models.CharField(_("order number"), max_length=128, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("points hold")
        verbose_name_plural = _("points holds")
        constraints = [
            models.UniqueConstraint(
                fields=["basket_id"],
                condition=Q(status="active"),
                name="loyalty_one_active_hold_per_basket",
            ),
            models.CheckConstraint(
                condition=Q(captured_points__gte=0) & Q(captured_points__lte=models.F("points")),
                name="loyalty_hold_capture_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.points} points for basket {self.basket_id} ({self.get_status_display()})"
