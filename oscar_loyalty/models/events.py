"""Points events ("double points weekend"): while one runs, spend rules earn N times as much."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .rules import EarningRule


class PointsEvent(EarningRule):
    """Multiplies what every spend rule earns while it is switched on and within its dates.

    An earning rule of ours rather than an Oscar offer: points are worked out from the order
    at the time it was placed (pending points, backfills, refunds reversing per line at the
    rate of the day), so the boost belongs in the same calculation, stored on the order's
    ledger entry. When events overlap, the biggest multiplier applies (they do not stack).
    """

    multiplier = models.DecimalField(
        _("multiplier"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("2"),
        validators=[MinValueValidator(Decimal("1.01")), MaxValueValidator(Decimal("20"))],
        help_text=_("2 for double points. Every spend rule earns this many times its points."),
    )

    class Meta:
        verbose_name = _("points multiplier event")
        verbose_name_plural = _("points multiplier events")
        constraints = [
            models.CheckConstraint(
                condition=Q(multiplier__gt=1) & Q(multiplier__lte=20),
                name="loyalty_event_multiplier_range",
            )
        ]

    def is_running(self, at) -> bool:
        return (
            self.is_active
            and (self.starts_at is None or self.starts_at <= at)
            and (self.ends_at is None or self.ends_at > at)
        )
