"""Customer facts: loaded once per basket, empty and free for guests, extensible by name."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_loyalty.offers import facts
from tests.factories import open_basket, place_order

Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db


def test_a_guest_basket_has_empty_facts_without_a_query():
    basket = Basket.objects.create()
    basket.owner = None
    with CaptureQueriesContext(connection) as queries:
        found = facts.customer_facts(basket)
        assert found.get(facts.SEGMENTS) == frozenset()
    assert len(queries) == 0
    assert found.is_anonymous and found.previous_orders == 0 and not found.is_first_order


def test_an_anonymous_user_object_counts_as_a_guest():
    assert facts.load_customer_facts(AnonymousUser()).is_anonymous


def test_order_history_is_one_query_then_cached_on_the_basket():
    user = UserFactory()
    place_order(user, [("10.00", 1)])
    latest = place_order(user, [("20.00", 1)])
    basket = open_basket(user, [("5.00", 1)])

    with CaptureQueriesContext(connection) as queries:
        first = facts.customer_facts(basket)
        again = facts.customer_facts(basket)
    assert len(queries) == 1
    assert first is again
    assert first.previous_orders == 2
    assert first.last_order_at == latest.date_placed
    assert not first.is_first_order


def test_cancelled_orders_do_not_count(settings):
    settings.OSCAR_LOYALTY_REVERSE_STATUSES = ["Cancelled"]
    user = UserFactory()
    place_order(user, [("10.00", 1)])
    cancelled = place_order(user, [("20.00", 1)])
    type(cancelled).objects.filter(pk=cancelled.pk).update(status="Cancelled")

    found = facts.load_customer_facts(user)

    assert found.previous_orders == 1


def test_a_new_customer_is_on_their_first_order():
    found = facts.load_customer_facts(UserFactory())
    assert found.is_first_order and found.last_order_at is None


def test_facts_are_reloaded_when_the_basket_changes_hands():
    basket = Basket.objects.create()
    basket.owner = None
    assert facts.customer_facts(basket).is_anonymous
    user = UserFactory()
    place_order(user, [("10.00", 1)])
    basket.owner = user
    assert facts.customer_facts(basket).previous_orders == 1


@pytest.fixture
def favourite_colour():
    calls = []

    def load(user):
        calls.append(user.pk)
        return "green"

    facts.register_fact("colour", load, anonymous="unknown")
    yield calls
    facts.unregister_fact("colour")


def test_a_registered_fact_loads_lazily_once_per_basket(favourite_colour):
    user = UserFactory()
    basket = open_basket(user, [("5.00", 1)])
    found = facts.customer_facts(basket)
    assert favourite_colour == []  # nothing asked yet, nothing loaded

    assert found.get("colour") == "green"
    assert facts.customer_facts(basket).get("colour") == "green"

    assert favourite_colour == [user.pk]
    assert "colour" in facts.registered_facts()


def test_a_registered_fact_gives_guests_its_anonymous_value(favourite_colour):
    assert facts.CustomerFacts().get("colour") == "unknown"
    assert favourite_colour == []


def test_a_fact_name_cannot_be_taken_twice_by_accident(favourite_colour):
    with pytest.raises(ValueError, match="colour"):
        facts.register_fact("colour", lambda user: "red")
    facts.register_fact("colour", lambda user: "red", replace=True)
    assert facts.load_customer_facts(UserFactory()).get("colour") == "red"


def test_an_unknown_fact_is_a_key_error():
    with pytest.raises(KeyError):
        facts.CustomerFacts().get("no-such-fact")
