from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class, get_model

from oscar_loyalty import redemption, rewards

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


CountCondition = get_class("offer.conditions", "CountCondition")


class RewardCustomerCondition(CountCondition):
    """A reward voucher's condition: the basket belongs to the customer who bought the reward
    with points, and holds at least one item of the voucher's range."""

    @property
    def name(self) -> str:
        return str(_("Reward for the customer who redeemed it"))

    description = name

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Reward voucher customer")

    def is_satisfied(self, offer, basket) -> bool:
        owner = getattr(basket, "owner", None)
        if owner is None or not rewards.belongs_to(offer.pk, owner):
            return False
        return super().is_satisfied(offer, basket)
