"""The sandbox shop's shipping methods: Standard delivery £3.95 (the default) and Express £7.95.

Oscar's stock Repository offers only "Free shipping", where the loyalty features about shipping
(free-shipping rewards, offers and tier perks, the "Add £X for free shipping" hint, paying
shipping with points) have nothing to discount. ``sandbox.class_loading`` makes Oscar load this
Repository. The sandbox's prices carry no separate tax (Oscar's default strategy), so the charges
are the same with and without tax; a known tax makes Oscar discount shipping inclusive of it.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from oscar.core.loading import default_class_loader, get_class

FixedPrice = get_class("shipping.methods", "FixedPrice")
# Oscar's Repository (or a forked shipping app's) as the base: get_class would answer with ours.
(ShopRepository,) = default_class_loader("shipping.repository", ["Repository"], "oscar.apps")


class StandardDelivery(FixedPrice):
    code = "standard-delivery"
    name = _("Standard delivery")
    description = _("3 to 5 working days")
    charge_excl_tax = charge_incl_tax = Decimal("3.95")


class ExpressDelivery(FixedPrice):
    code = "express-delivery"
    name = _("Express delivery")
    description = _("Next working day")
    charge_excl_tax = charge_incl_tax = Decimal("7.95")


class Repository(ShopRepository):
    """Standard delivery first: Oscar shows the first method on the basket page."""

    methods = (StandardDelivery(), ExpressDelivery())
