"""Parameters of our offer benefits that Oscar's benefit row has no room for."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SpendBracket(models.Model):
    """One step of a progressive spend benefit: from ``threshold`` up, ``value`` % or amount off.

    The brackets belong to the benefit row (a "Custom incentive" in Oscar's offer dashboard),
    so one offer holds any number of them and the best bracket reached wins.
    """

    PERCENTAGE, AMOUNT = "percentage", "amount"
    # xgettext:no-python-format
    KIND_CHOICES = [(PERCENTAGE, _("% off")), (AMOUNT, _("amount off"))]

    benefit = models.ForeignKey(
        "offer.Benefit", on_delete=models.CASCADE, related_name="loyalty_brackets"
    )
    threshold = models.DecimalField(
        _("from a spend of"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    kind = models.CharField(_("discount"), max_length=16, choices=KIND_CHOICES, default=PERCENTAGE)
    value = models.DecimalField(
        _("value"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(1_000_000)],
    )

    class Meta:
        verbose_name = _("spend bracket")
        verbose_name_plural = _("spend brackets")
        ordering = ["benefit", "threshold"]
        constraints = [
            models.UniqueConstraint(
                fields=["benefit", "threshold"], name="loyalty_bracket_threshold_once"
            ),
            models.CheckConstraint(condition=Q(threshold__gte=0), name="loyalty_bracket_gte_0"),
            models.CheckConstraint(
                condition=Q(value__gt=0) & (Q(kind="amount") | Q(value__lte=100)),
                name="loyalty_bracket_value_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.threshold}: {self.value} {self.kind}"
