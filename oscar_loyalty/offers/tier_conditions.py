"""The "customer is in tier X" condition for Oscar offers.

Each tier owns one condition row of this class (created with the tier), so admins can pick
"Customer is in tier VIP" as a custom condition in Oscar's own offer dashboard and build any
offer on it. A row with a ``value`` also asks for a basket worth at least that much before
discounts (the tier's free shipping above a threshold).
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency

from oscar_loyalty.offers import free_shipping
from oscar_loyalty.tiers import perks

Condition = get_model("offer", "Condition")


class CustomerInTierCondition(Condition):
    """Satisfied when the basket's owner is currently in this row's tier (pins included)."""

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Customer is in a loyalty tier")

    @property
    def tier(self) -> tuple[int, str] | None:
        return perks.tier_by_condition().get(self.pk)

    @property
    def name(self) -> str:
        tier = self.tier
        label = tier[1] if tier else gettext("(deleted tier)")
        if self.value:
            return gettext("Customer is in tier %(tier)s and spends %(amount)s or more") % {
                "tier": label,
                "amount": currency(self.value),
            }
        return gettext("Customer is in tier %(tier)s") % {"tier": label}

    @property
    def description(self) -> str:
        return self.name

    def is_satisfied(self, offer, basket) -> bool:
        tier = self.tier
        if tier is None or basket.is_empty:
            return False
        current = perks.tier_for_basket(basket)
        if current is None or current.pk != tier[0]:
            return False
        if self.value:
            total = (
                basket.total_incl_tax_excl_discounts
                if basket.is_tax_known
                else basket.total_excl_tax_excl_discounts
            )
            return total >= self.value
        return True

    def is_partially_satisfied(self, offer, basket) -> bool:
        return False

    def consume_items(self, offer, basket, affected_lines) -> None:
        """Being in a tier is not about items: the benefit consumes what it discounts. The
        offer is noted instead, so that other shipping offers see a tier's free shipping."""
        free_shipping.note_applied(offer, basket)
