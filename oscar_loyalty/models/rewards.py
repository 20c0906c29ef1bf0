"""The rewards catalogue: what shoppers can exchange points for (django-polymorphic)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from polymorphic.managers import PolymorphicManager
from polymorphic.models import PolymorphicModel

from .ledger import LedgerEntry, PointsAccount
from .rules import ScheduledQuerySet


class Reward(PolymorphicModel):
    """Something a shopper buys with points. Each redemption issues a single-use voucher bound
    to that shopper (and, for gifts, puts the product in their basket)."""

    name = models.CharField(_("name"), max_length=128)
    description = models.TextField(_("description"), blank=True)
    points_cost = models.PositiveIntegerField(
        _("points"), validators=[MinValueValidator(1), MaxValueValidator(100_000_000)]
    )
    is_active = models.BooleanField(_("available"), default=True)
    starts_at = models.DateTimeField(_("from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    redeemed_count = models.PositiveIntegerField(_("redeemed"), default=0, editable=False)
    voucher_valid_days = models.PositiveIntegerField(
        _("voucher valid for (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PolymorphicManager.from_queryset(ScheduledQuerySet)()

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["points_cost", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(redeemed_count__lte=F("stock")),
                name="loyalty_reward_within_stock",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.redeemed_count < self.stock


class AmountOffReward(Reward):
    amount = models.DecimalField(
        _("amount off"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0.01)]
    )
    currency = models.CharField(
        _("currency"), max_length=12, default=settings.OSCAR_DEFAULT_CURRENCY
    )

    class Meta:
        verbose_name = _("amount off")
        verbose_name_plural = _("amount off rewards")


class PercentageOffReward(Reward):
    percentage = models.DecimalField(
        _("percentage off"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0.01), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("percentage off")
        verbose_name_plural = _("percentage off rewards")


class FreeShippingReward(Reward):
    class Meta:
        verbose_name = _("free shipping")
        verbose_name_plural = _("free shipping rewards")


class FreeProductReward(Reward):
    """The product is free on the shopper's next order that contains it."""

    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )

    class Meta:
        verbose_name = _("free product")
        verbose_name_plural = _("free product rewards")


class GiftReward(FreeProductReward):
    """An exclusive or collectible gift: put in the basket for free when redeemed."""

    class Meta:
        verbose_name = _("gift")
        verbose_name_plural = _("gifts")


class RewardRedemption(models.Model):
    """One reward bought with points, and the voucher it issued."""

    ISSUED, USED, EXPIRED = "issued", "used", "expired"
    STATUS_CHOICES = [(ISSUED, _("Ready to use")), (USED, _("Used")), (EXPIRED, _("Expired"))]

    account = models.ForeignKey(
        PointsAccount, on_delete=models.PROTECT, related_name="reward_redemptions"
    )
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    points = models.PositiveIntegerField(_("points"))
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="+")
    voucher = models.OneToOneField(
        "voucher.Voucher", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    offer_id = models.PositiveIntegerField(_("offer"), null=True, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=STATUS_CHOICES, default=ISSUED)
    created_at = models.DateTimeField(_("redeemed"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("reward redemption")
        verbose_name_plural = _("reward redemptions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reward} ({self.get_status_display()})"
