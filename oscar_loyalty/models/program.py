"""Programme-wide settings that store admins edit in the dashboard."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgramSettings(models.Model):
    """The one row of programme settings (``ProgramSettings.load()``)."""

    is_enabled = models.BooleanField(
        _("programme is running"),
        default=True,
        help_text=_("When off, no points are earned; balances and history stay visible."),
    )
    return_window_days = models.PositiveIntegerField(
        _("return window (days)"),
        default=14,
        validators=[MaxValueValidator(3650)],
        help_text=_(
            "Points earned on an order stay pending for this many days, unless the order "
            "reaches a confirming status first."
        ),
    )
    lot_expiry_days = models.PositiveIntegerField(
        _("points expire after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(36500)],
        help_text=_("Each batch of earned points expires this many days after it was earned."),
    )
    inactivity_expiry_days = models.PositiveIntegerField(
        _("expire the whole balance after inactivity (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(36500)],
        help_text=_("The whole balance expires when the customer neither earns nor spends."),
    )
    expiry_warning_days = models.PositiveIntegerField(
        _("warn before expiry (days)"),
        default=14,
        validators=[MaxValueValidator(365)],
    )

    return_points_for_expired_rewards = models.BooleanField(
        _("give points back for reward vouchers that expire unused"), default=True
    )

    class Meta:
        verbose_name = _("programme settings")
        verbose_name_plural = _("programme settings")

    def __str__(self) -> str:
        return str(_("Loyalty programme settings"))

    @classmethod
    def load(cls) -> "ProgramSettings":
        settings, _created = cls.objects.get_or_create(pk=1)
        return settings
