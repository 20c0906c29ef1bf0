"""The sandbox's demo programme includes one offer of each kind this package adds."""

from datetime import time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
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


def test_demo_double_points_event_runs_whole_local_days():
    """The event page reads 'from today 00:00 until <three days on> 00:00', not the minute the
    demo happened to be loaded."""
    call_command("loyalty_demo_programme", stdout=StringIO(), stderr=StringIO())

    event = PointsEvent.objects.get(name="Double points weekend")
    starts, ends = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    assert starts.date() == timezone.localdate()
    assert ends.date() == timezone.localdate() + timedelta(days=3)
    assert starts.time() == ends.time() == time(0, 0)
