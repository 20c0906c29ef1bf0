"""What the programme knows about a customer beyond their points."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ledger import PointsAccount


class CustomerProfile(models.Model):
    """Facts a shopper gives the programme on their Rewards page (birthday, newsletter)."""

    account = models.OneToOneField(
        PointsAccount, on_delete=models.CASCADE, related_name="profile", verbose_name=_("account")
    )
    birth_date = models.DateField(_("birthday"), null=True, blank=True)
    newsletter_opt_in = models.BooleanField(_("newsletter"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer profile")
        verbose_name_plural = _("customer profiles")

    def __str__(self) -> str:
        return str(self.account)


class SentNotice(models.Model):
    """A notice sent to a customer, unique per code and period so retries never send twice."""

    account = models.ForeignKey(PointsAccount, on_delete=models.CASCADE, related_name="notices")
    code = models.CharField(_("code"), max_length=64)
    period = models.CharField(_("period"), max_length=64)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("sent notice")
        verbose_name_plural = _("sent notices")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "code", "period"], name="loyalty_notice_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.period}"
