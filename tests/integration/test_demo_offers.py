"""The sandbox's demo programme includes one offer of each kind this package adds."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_loyalty.models import PointsEvent
from tests.factories import place_order, with_offers
from tests.offers import discounts_by_offer, new_basket

ConditionalOffer = get_model("offer", "ConditionalOffer")

pytestmark = pytest.mark.django_db


def test_demo_offers_are_created_once_and_work():
    for _ in range(2):
        call_command("loyalty_demo_programme", stdout=StringIO(), stderr=StringIO())

    names = set(ConditionalOffer.objects.values_list("name", flat=True))
    assert {
        "Spend more, save more",
        "Thank you for coming back: 10 % off your second order",
        "Free shipping over £50",
    } <= names
    assert PointsEvent.objects.filter(name="Double points weekend").count() == 1

    returning = UserFactory()
    place_order(returning, [("10.00", 1)])
    basket = with_offers(new_basket(returning, [("250.00", 1)]), returning)
    assert discounts_by_offer(basket) == {
        "Spend more, save more": Decimal("25.00"),
        "Thank you for coming back: 10 % off your second order": Decimal("25.00"),
    }
