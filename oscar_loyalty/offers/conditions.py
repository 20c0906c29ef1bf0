from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from oscar_loyalty import redemption

Condition = get_model("offer", "Condition")


class PointsAppliedCondition(Condition):
    """Satisfied when the basket's owner has put points on hold for this basket."""

    @property
    def name(self) -> str:
        return str(_("The customer applied loyalty points"))

    description = name

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Loyalty points applied")

    def is_satisfied(self, offer, basket) -> bool:
        hold = redemption.active_hold(basket)
        owner = getattr(basket, "owner", None)
        return bool(hold and owner and hold.account.user_id == owner.pk)

    def is_partially_satisfied(self, offer, basket) -> bool:
        return False

    def consume_items(self, offer, basket, affected_lines) -> None:
        """Points are tender, not an item offer: they consume nothing."""
