"""Points multiplier events ("double points weekend"): spend rules earn N times while one runs."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_loyalty import earning, ledger
from oscar_loyalty.models import EarningRule, LedgerEntry, PointsEvent
from tests.factories import create_buyable_product, create_spend_rule, place_order
from tests.factories import dashboard_url as url

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db


def weekend(multiplier: str = "2", **fields) -> PointsEvent:
    now = timezone.now()
    fields.setdefault("starts_at", now - timedelta(hours=1))
    fields.setdefault("ends_at", now + timedelta(days=2))
    return PointsEvent.objects.create(
        name=fields.pop("name", "Double points weekend"), multiplier=Decimal(multiplier), **fields
    )


@pytest.fixture
def award(django_capture_on_commit_callbacks):
    def _award(user, lines):
        with django_capture_on_commit_callbacks(execute=True):
            order = place_order(user, lines)
        return LedgerEntry.objects.get(idempotency_key=earning.order_earn_key(order))

    return _award


def test_an_order_during_the_event_earns_double_and_says_why(award):
    create_spend_rule("1")
    event = weekend()
    entry = award(UserFactory(), [("40.00", 1)])
    assert entry.points == 80
    (rule,) = entry.detail["rules"]
    assert (rule["event"], rule["boost"]) == (event.pk, "2.00")


def test_orders_outside_the_event_or_with_it_switched_off_earn_the_usual(award):
    create_spend_rule("1")
    weekend(starts_at=timezone.now() + timedelta(days=1))
    weekend(name="Switched off", is_active=False)
    assert award(UserFactory(), [("40.00", 1)]).points == 40


def test_overlapping_events_do_not_stack_the_biggest_wins(award):
    create_spend_rule("1")
    weekend("2")
    weekend("3", name="Triple hour")
    assert award(UserFactory(), [("10.00", 1)]).points == 30


def test_cancelling_after_the_event_takes_back_the_boosted_points(award):
    create_spend_rule("1")
    weekend("2")
    user = UserFactory()
    entry = award(user, [("10.00", 1)])
    assert ledger.account_for_user(user).pending == 20
    PointsEvent.objects.update(is_active=False)

    earning.reverse_points_for_order(Order.objects.get(number=entry.order_number), key_suffix="x")

    assert ledger.account_for_user(user).pending == 0


def test_product_and_basket_pages_show_the_event_and_the_boosted_points(client):
    create_spend_rule("1")
    weekend("2")
    product = create_buyable_product("Glass Star Lantern", "12.50")

    page = client.get(product.get_absolute_url()).content.decode()
    assert "Earn 25 points" in page
    assert "<bdi>Double points weekend</bdi>: every purchase earns ×2 points" in page

    client.post(f"/basket/add/{product.pk}/", {"quantity": 1})
    page = client.get("/basket/").content.decode()
    assert "<bdi>Double points weekend</bdi>: every purchase earns ×2 points" in page
    assert "Sign in to earn 25 points with this order" in page


def test_no_banner_without_a_running_event(client):
    create_spend_rule("1")
    product = create_buyable_product("Glass Star Lantern", "12.50")
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Earn 12 points" in page and 'data-loyalty="points-event"' not in page


def test_staff_create_an_event_as_an_earning_rule(staff):
    data = {"name": "Double points weekend", "is_active": "on", "multiplier": "2"}
    response = staff.post(url("loyalty-rule-create-type", "pointsevent"), data)
    assert response.status_code == 302
    assert type(EarningRule.objects.get()) is PointsEvent


@pytest.mark.parametrize("multiplier", ["1", "0.5", "50"])
def test_a_multiplier_that_boosts_nothing_or_too_much_is_refused(staff, multiplier):
    data = {"name": "Odd", "is_active": "on", "multiplier": multiplier}
    response = staff.post(url("loyalty-rule-create-type", "pointsevent"), data)
    assert response.status_code == 200 and "multiplier" in response.context["form"].errors
    assert not PointsEvent.objects.exists()
