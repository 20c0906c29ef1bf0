"""Earning rules: how customers earn points, edited by store admins in the dashboard.

django-polymorphic is used here (configuration), never for ledger rows.
"""

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from polymorphic.managers import PolymorphicManager
from polymorphic.models import PolymorphicModel
from polymorphic.query import PolymorphicQuerySet

MAX_POINTS_PER_AWARD = 10_000_000


class ScheduledQuerySet(PolymorphicQuerySet):
    """Rows switched on and within their optional start and end dates."""

    def active(self, at: datetime | None = None) -> "ScheduledQuerySet":
        at = at or timezone.now()
        return self.filter(
            Q(is_active=True),
            Q(starts_at__isnull=True) | Q(starts_at__lte=at),
            Q(ends_at__isnull=True) | Q(ends_at__gt=at),
        )


class EarningRule(PolymorphicModel):
    """Base of every rule: a name, an on/off switch and active dates."""

    name = models.CharField(_("name"), max_length=128)
    is_active = models.BooleanField(_("active"), default=True)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PolymorphicManager.from_queryset(ScheduledQuerySet)()

    class Meta:
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="loyalty_rule_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SpendRule(EarningRule):
    """Points per currency unit spent, on an explicit earn base.

    The base is merchandise after all discounts (so the share paid with points earns nothing);
    shipping and tax are added only when switched on. Points are rounded down per order.
    """

    currency = models.CharField(
        _("currency"),
        max_length=12,
        default=settings.OSCAR_DEFAULT_CURRENCY,
        help_text=_("Only orders in this currency earn with this rule."),
    )
    points_per_unit = models.DecimalField(
        _("points per currency unit"),
        max_digits=10,
        decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(100_000)],
    )
    min_order_total = models.DecimalField(
        _("minimum order"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Orders whose earn base is below this earn nothing with this rule."),
    )
    include_shipping = models.BooleanField(_("shipping earns points"), default=False)
    include_tax = models.BooleanField(_("tax earns points"), default=False)

    class Meta:
        verbose_name = _("spend rule")
        verbose_name_plural = _("spend rules")


class RuleMultiplier(models.Model):
    """A spend rule's multiplier for one product or category; 0 excludes it."""

    rule = models.ForeignKey(SpendRule, on_delete=models.CASCADE, related_name="multipliers")
    product = models.ForeignKey(
        "catalogue.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        "catalogue.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    multiplier = models.DecimalField(
        _("multiplier"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0 excludes the product or category from earning."),
    )

    class Meta:
        verbose_name = _("multiplier")
        verbose_name_plural = _("multipliers")
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=True, category__isnull=False)
                | Q(product__isnull=False, category__isnull=True),
                name="loyalty_multiplier_one_target",
            ),
            models.CheckConstraint(condition=Q(multiplier__gte=0), name="loyalty_multiplier_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.product or self.category} x{self.multiplier}"


class ActionRule(EarningRule):
    """A fixed number of points for something the customer does, at most N times per period."""

    DAY, WEEK, MONTH, YEAR, LIFETIME = "day", "week", "month", "year", "lifetime"
    PERIOD_CHOICES = [
        (DAY, _("per day")),
        (WEEK, _("per week")),
        (MONTH, _("per month")),
        (YEAR, _("per year")),
        (LIFETIME, _("ever")),
    ]
    action = ""

    points = models.PositiveIntegerField(
        _("points"), validators=[MinValueValidator(1), MaxValueValidator(MAX_POINTS_PER_AWARD)]
    )
    limit_count = models.PositiveIntegerField(
        _("at most"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    limit_period = models.CharField(
        _("times"), max_length=16, choices=PERIOD_CHOICES, default=LIFETIME
    )

    class Meta:
        verbose_name = _("action rule")
        verbose_name_plural = _("action rules")


class SignupRule(ActionRule):
    action = "signup"

    class Meta:
        verbose_name = _("account sign-up rule")
        verbose_name_plural = _("account sign-up rules")


class FirstOrderRule(ActionRule):
    action = "first_order"

    class Meta:
        verbose_name = _("first order rule")
        verbose_name_plural = _("first order rules")


class ReviewRule(ActionRule):
    action = "review"

    class Meta:
        verbose_name = _("approved product review rule")
        verbose_name_plural = _("approved product review rules")


class NewsletterRule(ActionRule):
    action = "newsletter"

    class Meta:
        verbose_name = _("newsletter opt-in rule")
        verbose_name_plural = _("newsletter opt-in rules")


class BirthdayRule(ActionRule):
    action = "birthday"

    class Meta:
        verbose_name = _("birthday rule")
        verbose_name_plural = _("birthday rules")


class SocialFollowRule(ActionRule):
    action = "social"

    network = models.SlugField(_("network"), max_length=32, help_text=_("e.g. instagram"))
    follow_url = models.URLField(_("profile address"))

    class Meta:
        verbose_name = _("social follow rule")
        verbose_name_plural = _("social follow rules")
