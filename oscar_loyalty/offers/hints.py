""" "Spend X more" hints for the basket page: the next spend bracket and free shipping.

Oscar's own upsell box only speaks of offers that do not apply yet, in its generic words
("Spend £12.00 more from All products to qualify for ..."), so a basket already on 5 % never
hears about 10 %. These hints cover both, in the shopper's words, and disappear once reached:

- each spend-brackets offer applied in this request says what the next bracket needs (from the
  spend its benefit recorded, so no query);
- each threshold offer with a shipping benefit that Oscar's upsell lists (its value condition is
  partly met) becomes "Add £12.00 for free shipping" and leaves Oscar's generic line; when no
  shipping method charges the basket anything after the offers already applied (free shipping
  anyway, a VIP tier's free shipping, or no shipping needed), both go: the offer would promise
  what the shopper already has.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext
from oscar.core.loading import get_class, get_classes
from oscar.templatetags.currency_filters import currency

from .brackets import bracket_progress

ValueCondition = get_class("offer.conditions", "ValueCondition")
Repository = get_class("shipping.repository", "Repository")
ShippingBenefit, ShippingPercentageDiscountBenefit, ShippingFixedPriceBenefit = get_classes(
    "offer.benefits",
    ["ShippingBenefit", "ShippingPercentageDiscountBenefit", "ShippingFixedPriceBenefit"],
)


@dataclass(frozen=True)
class Hint:
    offer_id: int
    offer_name: str
    message: str
    missing: Decimal


def bracket_hints(basket) -> list[Hint]:
    hints = []
    for progress in bracket_progress(basket):
        if progress.next is None or progress.missing <= 0:
            continue
        hints.append(
            Hint(
                offer_id=progress.offer_id,
                offer_name=progress.offer_name,
                message=gettext("Add %(amount)s to get %(discount)s")
                % {
                    "amount": currency(progress.missing, progress.currency),
                    "discount": progress.next.discount_label(progress.currency),
                },
                missing=progress.missing,
            )
        )
    return hints


def makes_shipping_free(benefit) -> bool:
    if isinstance(benefit, ShippingPercentageDiscountBenefit):
        return benefit.value >= 100
    if isinstance(benefit, ShippingFixedPriceBenefit):
        return not benefit.value
    return False


def shipping_hint(offer, basket) -> Hint | None:
    """The hint for a site offer "spend X, get a shipping discount", or None if it is not one."""
    condition, benefit = offer.condition.proxy(), offer.benefit.proxy()
    if not isinstance(condition, ValueCondition) or not isinstance(benefit, ShippingBenefit):
        return None
    missing = condition.value - condition._get_value_of_matches(offer, basket)
    if missing <= 0:
        return None
    amount = currency(missing, basket.currency)
    if makes_shipping_free(benefit):
        message = gettext("Add %(amount)s for free shipping") % {"amount": amount}
    else:
        message = gettext("Add %(amount)s for cheaper shipping") % {"amount": amount}
    return Hint(offer_id=offer.pk, offer_name=offer.name, message=message, missing=missing)


def shipping_costs_nothing(basket, request=None) -> bool:
    """True when the basket needs no shipping or none of the shop's shipping methods, with the
    shipping offers the basket already has (e.g. a tier's), would charge it anything."""
    if not basket.is_shipping_required():
        return True
    methods = Repository().get_shipping_methods(
        basket=basket, shipping_addr=None, user=getattr(request, "user", None), request=request
    )
    return all(method.calculate(basket).excl_tax == 0 for method in methods)


def basket_hints(
    basket, upsell_messages: list[dict] | None, request=None
) -> tuple[list[Hint], list[dict]]:
    """The hints for ``basket`` and Oscar's upsell messages that are left once the shipping
    ones are phrased as hints (``upsell_messages`` is ``BasketView``'s context entry)."""
    hints = bracket_hints(basket)
    remaining = []
    already_free = None
    for upsell in upsell_messages or []:
        hint = shipping_hint(upsell["offer"], basket)
        if hint is None:
            remaining.append(upsell)
            continue
        if already_free is None:
            already_free = shipping_costs_nothing(basket, request)
        if not already_free:
            hints.append(hint)
    return hints, remaining
