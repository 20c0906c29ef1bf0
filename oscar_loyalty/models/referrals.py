"""Referrals: each customer's code, the friends it brought, and the link visits that led there."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ledger import LedgerEntry


class ReferralSettings(models.Model):
    """The one row of referral settings (``ReferralSettings.load()``), edited in the dashboard.

    Off by default: switching referrals on (dashboard or ``loyalty_demo_programme``) creates the
    friend's automatic offer, so a shop that never uses referrals pays nothing for them.
    """

    PERCENTAGE, AMOUNT = "percentage", "amount"
    DISCOUNT_CHOICES = [(PERCENTAGE, _("Percentage off")), (AMOUNT, _("Amount off"))]
    POINTS, VOUCHER = "points", "voucher"
    REFERRER_REWARD_CHOICES = [
        (POINTS, _("Points")),
        (VOUCHER, _("A single-use voucher for the referrer")),
    ]
    REVERSE_NEVER, REVERSE_FULL, REVERSE_ANY = "never", "full", "any"
    REFUND_POLICY_CHOICES = [
        (REVERSE_FULL, _("Take the reward back when the order is fully refunded")),
        (REVERSE_ANY, _("Take the reward back on any refund of the order")),
        (REVERSE_NEVER, _("Keep the reward once it was paid")),
    ]

    is_enabled = models.BooleanField(_("referrals are running"), default=False)
    cookie_days = models.PositiveIntegerField(
        _("remember a referral link for (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    last_click_wins = models.BooleanField(
        _("a newer referral link replaces an earlier one"),
        default=False,
        help_text=_("Off: the first link a visitor opened counts (first click wins)."),
    )
    friend_discount_type = models.CharField(
        _("friend's reward"), max_length=16, choices=DISCOUNT_CHOICES, default=AMOUNT
    )
    friend_discount_value = models.DecimalField(
        _("friend's discount on their first order"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("An amount in the shop's currency, or a percentage (at most 100)."),
    )
    friend_reward_as_voucher = models.BooleanField(
        _("give the friend a single-use voucher code"),
        default=False,
        help_text=_(
            "Off: the discount applies by itself to the friend's first basket. On: the friend "
            "gets a voucher code, which only works on their own first order."
        ),
    )
    referrer_reward_type = models.CharField(
        _("referrer's reward"),
        max_length=16,
        choices=REFERRER_REWARD_CHOICES,
        default=POINTS,
        help_text=_("Paid when the friend's first order is confirmed (after the return window)."),
    )
    referrer_points = models.PositiveIntegerField(
        _("referrer's points"),
        default=1000,
        validators=[MinValueValidator(1), MaxValueValidator(10_000_000)],
        help_text=_("When the referrer's reward is points."),
    )
    referrer_discount_type = models.CharField(
        _("referrer's voucher"), max_length=16, choices=DISCOUNT_CHOICES, default=AMOUNT
    )
    referrer_discount_value = models.DecimalField(
        _("referrer's voucher discount"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100000"))],
        help_text=_(
            "When the referrer's reward is a voucher: an amount in the shop's currency, or a "
            "percentage (at most 100). Only the referrer can use it, once."
        ),
    )
    refund_policy = models.CharField(
        _("refund after the reward was paid"),
        max_length=8,
        choices=REFUND_POLICY_CHOICES,
        default=REVERSE_FULL,
    )
    # Fraud rules: each can be switched off; a rule that fires sends the referral for review.
    check_self_referral = models.BooleanField(
        _("flag self-referrals (same email, shipping address or payment)"), default=True
    )
    check_new_customer = models.BooleanField(
        _("flag friends who ordered before (by account or email)"), default=True
    )
    max_rewarded_per_month = models.PositiveIntegerField(
        _("rewarded referrals per referrer per month"),
        null=True,
        blank=True,
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for no limit; more go to review."),
    )
    max_signups_per_ip_per_day = models.PositiveIntegerField(
        _("referred sign-ups per IP address per day"),
        null=True,
        blank=True,
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for no limit; more go to review."),
    )
    min_first_order_value = models.DecimalField(
        _("minimum first order value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "Orders below this go to review: the items' value after the shop's other "
            "discounts, before the friend's own referral discount, without shipping."
        ),
    )

    class Meta:
        verbose_name = _("referral settings")
        verbose_name_plural = _("referral settings")

    def __str__(self) -> str:
        return str(_("Referral settings"))

    def clean(self) -> None:
        """A percentage discount (the friend's or the referrer's) can be at most 100."""
        errors = {}
        for kind, value in (
            ("friend_discount_type", "friend_discount_value"),
            ("referrer_discount_type", "referrer_discount_value"),
        ):
            amount = getattr(self, value)
            if getattr(self, kind) == self.PERCENTAGE and amount and amount > 100:
                errors[value] = _("A percentage can be at most 100.")
        if errors:
            raise ValidationError(errors)

    @property
    def pays_referrer_voucher(self) -> bool:
        return self.referrer_reward_type == self.VOUCHER

    def referrer_reward_terms(self) -> dict:
        """The referrer's reward as it stands, kept on a referral at its first order so that
        a later change of the settings does not change what that referral pays."""
        if self.pays_referrer_voucher:
            return {
                "type": self.VOUCHER,
                "discount_type": self.referrer_discount_type,
                "discount_value": str(self.referrer_discount_value),
            }
        return {"type": self.POINTS, "points": self.referrer_points}

    @classmethod
    def load(cls) -> "ReferralSettings":
        found, _created = cls.objects.get_or_create(pk=1)
        return found


class ReferralCode(models.Model):
    """A customer's own code (8 characters, shown in capitals, matched in any case)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="loyalty_referral_code",
        verbose_name=_("customer"),
    )
    code = models.CharField(_("code"), max_length=16, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("referral code")
        verbose_name_plural = _("referral codes")

    def __str__(self) -> str:
        return self.code


class Referral(models.Model):
    """One friend brought by one referrer, from capture to the referrer's reward.

    The friend is a user (signed up with the code) or, for a guest, the basket that carries the
    code to the order. ``fired_rules`` keeps every fraud rule that fired, with its reason.
    """

    WAITING, ORDERED, REVIEW, REWARDED, CANCELLED, REJECTED, REVERSED = (
        "waiting",
        "ordered",
        "review",
        "rewarded",
        "cancelled",
        "rejected",
        "reversed",
    )
    STATUS_CHOICES = [
        (WAITING, _("Waiting for the first order")),
        (ORDERED, _("First order placed, waiting for the return window")),
        (REVIEW, _("Pending review")),
        (REWARDED, _("Rewarded")),
        (CANCELLED, _("First order cancelled or refunded")),
        (REJECTED, _("Not eligible")),
        (REVERSED, _("Reward taken back after a refund")),
    ]
    LINK, SIGNUP, CHECKOUT = "link", "signup", "checkout"
    SOURCE_CHOICES = [
        (LINK, _("Referral link")),
        (SIGNUP, _("Code at registration")),
        (CHECKOUT, _("Code at checkout")),
    ]

    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="loyalty_referrals_made",
        verbose_name=_("referrer"),
    )
    friend = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="loyalty_referred_by",
        verbose_name=_("friend"),
    )
    basket_id = models.PositiveIntegerField(_("basket"), null=True, blank=True, unique=True)
    friend_email = models.CharField(_("friend's email (normalised)"), max_length=254, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=SOURCE_CHOICES)
    status = models.CharField(
        _("status"), max_length=16, choices=STATUS_CHOICES, default=WAITING, db_index=True
    )
    signup_ip = models.GenericIPAddressField(_("sign-up IP address"), null=True, blank=True)
    order_number = models.CharField(_("first order"), max_length=128, blank=True, db_index=True)
    order_value = models.DecimalField(
        _("first order value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Held against the minimum: before the friend's discount, without shipping."),
    )
    voucher_code = models.CharField(_("friend's voucher"), max_length=128, blank=True)
    fired_rules = models.JSONField(_("fraud rules that fired"), default=list, blank=True)
    approved = models.BooleanField(_("approved by staff"), default=False)
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reward_terms = models.JSONField(
        _("referrer's reward, as the settings said at the first order"),
        default=dict,
        blank=True,
        help_text=_("What the referrer is paid when the first order is confirmed."),
    )
    reward_entry = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referrer_voucher = models.OneToOneField(
        "voucher.Voucher",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("referrer's voucher"),
    )
    reward_kept_at = models.DateTimeField(
        _("refunded after the voucher was used"),
        null=True,
        blank=True,
        help_text=_("The refund policy would take the reward back, but it was already spent."),
    )
    created_at = models.DateTimeField(_("referred"), default=timezone.now, db_index=True)
    ordered_at = models.DateTimeField(_("first order at"), null=True, blank=True)
    confirm_at = models.DateTimeField(_("confirmed after"), null=True, blank=True, db_index=True)
    rewarded_at = models.DateTimeField(_("rewarded"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.referrer} -> {self.friend or self.friend_email or self.basket_id}"

    @property
    def fired_rule_reasons(self) -> list[str]:
        return [rule.get("reason", rule.get("rule", "")) for rule in self.fired_rules]


class ReferralVisit(models.Model):
    """A visitor opened someone's referral link (counted once per browser and code)."""

    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    visited_at = models.DateTimeField(_("visited"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("referral link visit")
        verbose_name_plural = _("referral link visits")

    def __str__(self) -> str:
        return f"{self.referrer} {self.visited_at:%Y-%m-%d}"
