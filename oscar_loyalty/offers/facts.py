"""What offers know about the customer who owns a basket, loaded once per basket.

Customer-specific offers are site offers whose conditions read the basket's owner (Oscar's
user-offer hook would need a forked offer app). Oscar evaluates every site offer's condition on
every basket load, and some conditions once per application, so the facts they read are loaded
once and kept on the basket instance: ``customer_facts(basket)`` costs one query for the order
history however many offers and lines read it, and nothing at all for anonymous baskets.

Other modules add facts without touching this one::

    from oscar_loyalty.offers.facts import register_fact

    def tier_of(user):                      # one query, run at most once per basket
        return Tier.objects.for_user(user)

    register_fact("tier", tier_of)          # e.g. in a module imported by AppConfig.ready()

    customer_facts(basket).get("tier")      # loaded on first use, then cached

Registered facts are lazy: a page whose offers never ask for ``tier`` never loads it.
Anonymous baskets get each fact's ``anonymous`` value without calling its loader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_loyalty import conf

CACHE_ATTRIBUTE = "_loyalty_customer_facts"

#: Segments a customer belongs to. Nothing defines segments yet: a segments module registers
#: its own loader under this name (``register_fact(SEGMENTS, loader, replace=True)``) returning
#: the set of segment ids the user is in.
SEGMENTS = "segments"


@dataclass(frozen=True)
class Fact:
    loader: Callable[[Any], Any]
    anonymous: Any = None


_registry: dict[str, Fact] = {}


def register_fact(
    name: str, loader: Callable[[Any], Any], *, anonymous: Any = None, replace: bool = False
) -> None:
    """Make ``customer_facts(basket).get(name)`` available.

    ``loader(user)`` is called at most once per basket, the first time an offer asks for the
    fact; ``anonymous`` is the value for baskets without a signed-in owner (the loader is not
    called). Registering a name twice raises ``ValueError`` unless ``replace`` is true, so two
    modules cannot silently fight over one fact.
    """
    if name in _registry and not replace:
        raise ValueError(f"A customer fact called {name!r} is already registered.")
    _registry[name] = Fact(loader, anonymous)


def unregister_fact(name: str) -> None:
    _registry.pop(name, None)


def registered_facts() -> list[str]:
    return sorted(_registry)


@dataclass
class CustomerFacts:
    """The basket owner's order history and any registered facts.

    ``previous_orders`` counts the customer's placed orders, leaving out those in
    ``OSCAR_LOYALTY_REVERSE_STATUSES`` (cancelled orders do not make a repeat customer).
    """

    user: Any = None
    previous_orders: int = 0
    last_order_at: datetime | None = None
    _loaded: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_anonymous(self) -> bool:
        return self.user is None

    @property
    def is_first_order(self) -> bool:
        """A signed-in customer with no previous order (guests' history is unknown)."""
        return not self.is_anonymous and self.previous_orders == 0

    def days_since_last_order(self, now: datetime | None = None) -> int | None:
        if self.last_order_at is None:
            return None
        return ((now or timezone.now()) - self.last_order_at) // timedelta(days=1)

    def get(self, name: str) -> Any:
        """A registered fact, loaded on first use. Unknown names raise ``KeyError``."""
        if name not in self._loaded:
            fact = _registry[name]
            self._loaded[name] = fact.anonymous if self.is_anonymous else fact.loader(self.user)
        return self._loaded[name]


def load_customer_facts(user) -> CustomerFacts:
    """The facts for ``user`` (None or anonymous: empty facts, no query). One query."""
    if user is None or not getattr(user, "is_authenticated", False):
        return CustomerFacts()
    Order = get_model("order", "Order")
    history = (
        Order._default_manager.filter(user=user)
        .exclude(status__in=conf.get("REVERSE_STATUSES"))
        .aggregate(count=Count("pk"), last=Max("date_placed"))
    )
    return CustomerFacts(user=user, previous_orders=history["count"], last_order_at=history["last"])


def customer_facts(basket) -> CustomerFacts:
    """The facts about ``basket.owner``, loaded once per basket instance.

    The cache lives on the basket object (one per request in Oscar's middleware), so it never
    outlives a request; it is reloaded if the basket changes hands (e.g. on sign-in merging).
    """
    owner = getattr(basket, "owner", None)
    cached = getattr(basket, CACHE_ATTRIBUTE, None)
    if cached is not None and cached.user == owner:
        return cached
    facts = load_customer_facts(owner)
    setattr(basket, CACHE_ATTRIBUTE, facts)
    return facts


def forget_customer_facts(basket) -> None:
    """Drop the cached facts, e.g. after placing an order with the same basket object."""
    if hasattr(basket, CACHE_ATTRIBUTE):
        delattr(basket, CACHE_ATTRIBUTE)


register_fact(SEGMENTS, lambda user: frozenset(), anonymous=frozenset())
