"""Offer conditions about the customer rather than the basket's contents.

Each is a proxy of Oscar's ``Condition`` (``app_label="oscar_loyalty"``) that admins pick as a
"Custom condition" in Oscar's own offer dashboard; the number it needs (orders, days, segment
id) is the condition row's own ``value``, so an offer costs no extra query for its parameters.
They read :func:`~oscar_loyalty.offers.facts.customer_facts`, loaded once per basket.

A new customer condition (e.g. "customer is in tier X") follows the same pattern: subclass
:class:`CustomerCondition` and Oscar's ``Condition``, implement :meth:`~CustomerCondition.is_met`
on the facts (``facts.get("tier")`` after ``register_fact("tier", ...)``) and ``name``.

Customer conditions consume no items: the benefit marks the lines it discounts, which is what
Oscar's exclusivity rules look at.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oscar.core.loading import get_model

from . import free_shipping
from .facts import SEGMENTS, CustomerFacts, customer_facts

Condition = get_model("offer", "Condition")


class CustomerCondition:
    """Mixin for conditions decided by who the customer is, not by what is in the basket."""

    #: Whether the condition reads the row's ``value`` (orders, days, segment id).
    requires_value = True

    def is_met(self, facts: CustomerFacts) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def number(self) -> int:
        return int(self.value or 0)

    def is_satisfied(self, offer, basket) -> bool:
        if basket.is_empty:
            return False
        return self.is_met(customer_facts(basket))

    def is_partially_satisfied(self, offer, basket) -> bool:
        # Nobody can "add" a previous order to their basket: no upsell message.
        return False

    def consume_items(self, offer, basket, affected_lines) -> None:
        """The benefit consumes what it discounts; the customer condition takes nothing, and
        notes the offer so that other shipping offers see one that discounts shipping."""
        free_shipping.note_applied(offer, basket)


class EveryoneCondition(CustomerCondition, Condition):
    """Every non-empty basket: for offers whose benefit decides everything (spend brackets)."""

    requires_value = False

    @property
    def name(self) -> str:
        return str(_("Any basket, any customer"))

    description = name

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Any basket")

    def is_met(self, facts: CustomerFacts) -> bool:
        return True


class FirstOrderCondition(CustomerCondition, Condition):
    """A signed-in customer with no previous order (cancelled ones do not count)."""

    requires_value = False

    @property
    def name(self) -> str:
        return str(_("The customer's first order (signed in, no previous order)"))

    description = name

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("First order")

    def is_met(self, facts: CustomerFacts) -> bool:
        return facts.is_first_order


class MinimumOrdersCondition(CustomerCondition, Condition):
    """At least ``value`` previous orders ("loyal customers")."""

    @property
    def name(self) -> str:
        return ngettext(
            "Customers with at least %(count)s previous order",
            "Customers with at least %(count)s previous orders",
            self.number,
        ) % {"count": self.number}

    description = name

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("At least N previous orders")

    def is_met(self, facts: CustomerFacts) -> bool:
        return not facts.is_anonymous and facts.previous_orders >= self.number


class ExactOrdersCondition(CustomerCondition, Condition):
    """Exactly ``value`` previous orders: 1 is the customer's second order."""

    @property
    def name(self) -> str:
        return ngettext(
            "Customers with exactly %(count)s previous order (this is order %(next)s)",
            "Customers with exactly %(count)s previous orders (this is order %(next)s)",
            self.number,
        ) % {"count": self.number, "next": self.number + 1}

    description = name

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Exactly N previous orders")

    def is_met(self, facts: CustomerFacts) -> bool:
        return not facts.is_anonymous and facts.previous_orders == self.number


class WinBackCondition(CustomerCondition, Condition):
    """Customers who ordered before but not in the last ``value`` days."""

    @property
    def name(self) -> str:
        return ngettext(
            "Customers who ordered before but not in the last %(days)s day",
            "Customers who ordered before but not in the last %(days)s days",
            self.number,
        ) % {"days": self.number}

    description = name

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Win-back: no order for N days")

    def is_met(self, facts: CustomerFacts) -> bool:
        days = facts.days_since_last_order()
        return days is not None and days >= self.number


class SegmentCondition(CustomerCondition, Condition):
    """Customers in the saved segment whose id is ``value``.

    Segments are provided by whichever module registers the ``segments`` customer fact (a set
    of segment ids per user); until one does, nobody is in any segment.
    """

    @property
    def name(self) -> str:
        return str(_("Customers in saved segment %(segment)s")) % {"segment": self.number}

    description = name

    class Meta:
        app_label = "oscar_loyalty"
        proxy = True
        verbose_name = _("Customer in a saved segment")

    def is_met(self, facts: CustomerFacts) -> bool:
        return self.number in facts.get(SEGMENTS)


#: The customer conditions staff can create, by the short name used in forms and URLs.
CUSTOMER_CONDITIONS: dict[str, type] = {
    "everyone": EveryoneCondition,
    "first-order": FirstOrderCondition,
    "minimum-orders": MinimumOrdersCondition,
    "exact-orders": ExactOrdersCondition,
    "win-back": WinBackCondition,
    "segment": SegmentCondition,
}


def customer_condition(kind: str, value: int | None = None) -> Condition:
    """The condition row for ``kind`` (a key of :data:`CUSTOMER_CONDITIONS`) and ``value``,
    created on first use and shared by every offer that picks it, as Oscar does for custom
    conditions."""
    klass = CUSTOMER_CONDITIONS[kind]
    path = f"{klass.__module__}.{klass.__name__}"
    value = value if klass.requires_value else None
    condition, _created = Condition.objects.get_or_create(
        proxy_class=path, value=value, defaults={"range": None}
    )
    return condition
