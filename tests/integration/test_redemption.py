"""Paying with points: holds, the offer's discount, capture at order placement, give-backs."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory, create_order

from oscar_loyalty import ledger, redemption, tasks
from oscar_loyalty.models import LedgerEntry, PointsHold
from oscar_loyalty.verification import find_discrepancies
from tests.factories import create_redemption_settings, open_basket, with_offers

OrderDiscount = get_model("order", "OrderDiscount")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper():
    user = UserFactory()
    ledger.earn(ledger.account_for_user(user), 1000, key="funding")
    return user


@pytest.fixture
def rules():
    return create_redemption_settings(points_per_unit=100)


def account_of(user):
    return ledger.account_for_user(user)


def apply(basket, user, points, token="a" * 32):
    return redemption.apply_points(
        basket, account_of(user), points, key=f"hold:{basket.id}:{token}"
    )


def test_applied_points_become_a_discount_line_and_the_order_records_them(shopper, rules):
    basket = open_basket(shopper, [("30.00", 1)])
    apply(basket, shopper, 500)
    assert account_of(shopper).available == 500
    priced = with_offers(basket, shopper)
    assert priced.total_incl_tax == Decimal("25.00")
    [discount] = priced.offer_discounts
    assert discount["name"] == "Pay with your points" and discount["discount"] == Decimal("5.00")

    order = create_order(basket=priced, user=shopper)

    assert order.total_incl_tax == Decimal("25.00")
    recorded = OrderDiscount.objects.get(order=order)
    assert (recorded.amount, recorded.message) == (Decimal("5.00"), "500 points redeemed")
    account = account_of(shopper)
    assert (account.available, account.held) == (500, 0)
    assert LedgerEntry.objects.get(kind=LedgerEntry.CAPTURE).points == -500
    assert find_discrepancies() == []


def test_points_pay_after_an_exclusive_merchant_offer(shopper, rules):
    from oscar.test.factories import create_offer

    merchant = create_offer(name="Merchant offer", offer_type="Site")  # exclusive by default
    basket = open_basket(shopper, [("100.00", 1)])
    apply(basket, shopper, 1000)
    priced = with_offers(basket, shopper)
    discounts = {d["name"]: d["discount"] for d in priced.offer_discounts}
    assert discounts == {
        "Merchant offer": Decimal("20.00"),
        "Pay with your points": Decimal("10.00"),
    }
    assert merchant.exclusive and priced.total_incl_tax == Decimal("70.00")


def test_basket_shrinking_below_the_points_clamps_the_discount_and_returns_the_rest(shopper, rules):
    basket = open_basket(shopper, [("8.00", 1), ("2.00", 1)])
    apply(basket, shopper, 1000)
    expensive = basket.all_lines()[0]
    basket.delete_line = expensive.delete()
    priced = with_offers(basket, shopper)
    assert priced.total_incl_tax == Decimal("0.00")
    allowed = redemption.allowance(priced, account_of(shopper))
    assert allowed.clamped and allowed.used == 200
    order = create_order(basket=priced, user=shopper)
    assert OrderDiscount.objects.get(order=order).amount == Decimal("2.00")
    assert account_of(shopper).available == 800


def test_max_share_of_the_order_limits_the_points(shopper):
    create_redemption_settings(points_per_unit=100, max_order_share=50)
    basket = with_offers(open_basket(shopper, [("10.00", 1)]), shopper)
    assert redemption.allowance(basket, account_of(shopper)).max_points == 500
    with pytest.raises(redemption.RedemptionError, match="At most 500"):
        apply(basket, shopper, 600)


@pytest.mark.parametrize(
    ("points", "message"),
    [(50, "at least 100"), (155, "steps of 10"), (2000, "1,000 points to spend")],
)
def test_points_outside_the_rules_are_refused_with_a_reason(shopper, points, message):
    create_redemption_settings(points_per_unit=1000, min_points=100)
    basket = with_offers(open_basket(shopper, [("50.00", 1)]), shopper)
    with pytest.raises(redemption.RedemptionError, match=message):
        apply(basket, shopper, points)
    assert not PointsHold.objects.exists()


def test_points_do_not_combine_with_vouchers_when_switched_off(shopper):
    from oscar.test.factories import create_voucher

    create_redemption_settings(combine_with_vouchers=False)
    basket = open_basket(shopper, [("50.00", 1)])
    apply(basket, shopper, 500)
    voucher = create_voucher(code="TENOFF")
    voucher.offers.update(exclusive=False)
    basket.vouchers.add(voucher)
    priced = with_offers(basket, shopper)
    assert all(d["name"] != "Pay with your points" for d in priced.offer_discounts)
    assert "voucher" in redemption.allowance(priced, account_of(shopper)).reason


def test_applying_again_replaces_the_hold_and_double_submit_holds_once(shopper, rules):
    basket = open_basket(shopper, [("50.00", 1)])
    apply(basket, shopper, 300, token="b" * 32)
    apply(basket, shopper, 300, token="b" * 32)
    apply(basket, shopper, 700, token="c" * 32)
    account = account_of(shopper)
    assert (account.available, account.held) == (300, 700)
    assert PointsHold.objects.filter(status=PointsHold.ACTIVE).count() == 1


def test_removing_points_gives_them_back(shopper, rules):
    basket = open_basket(shopper, [("50.00", 1)])
    apply(basket, shopper, 400)
    redemption.remove_points(basket)
    account = account_of(shopper)
    assert (account.available, account.held) == (1000, 0)
    assert with_offers(basket, shopper).total_incl_tax == Decimal("50.00")


def test_order_is_not_placed_if_its_points_were_released_meanwhile(shopper, rules):
    basket = open_basket(shopper, [("50.00", 1)])
    apply(basket, shopper, 400)
    priced = with_offers(basket, shopper)
    ledger.release_hold(PointsHold.objects.get())
    with pytest.raises(UnableToPlaceOrder):
        create_order(basket=priced, user=shopper)
    assert account_of(shopper).available == 1000


def test_abandoned_basket_hold_is_released_after_a_day(shopper, rules):
    basket = open_basket(shopper, [("50.00", 1)])
    apply(basket, shopper, 400)
    assert tasks.release_stale_holds() == 0
    with freeze_time(timezone.now() + timedelta(hours=25)):
        assert tasks.release_stale_holds() == 1
    assert account_of(shopper).available == 1000


def test_cancelling_an_order_paid_with_points_gives_them_back_once(
    shopper, rules, django_capture_on_commit_callbacks
):
    basket = open_basket(shopper, [("50.00", 1)])
    apply(basket, shopper, 400)
    order = create_order(basket=with_offers(basket, shopper), user=shopper)
    with django_capture_on_commit_callbacks(execute=True):
        order.set_status("Cancelled")
    tasks.handle_order_status(order.pk, "Cancelled")
    assert account_of(shopper).available == 1000
    assert find_discrepancies() == []


# --- the form on the basket page --------------------------------------------------------------


@pytest.fixture
def signed_in(client, shopper, rules):
    client.force_login(shopper)
    from tests.factories import create_buyable_product

    product = create_buyable_product("Vintage Doily Jumbo Bag", "20.00")
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    return client


def post_points(client, **data):
    data.setdefault("token", "d" * 32)
    return client.post(reverse("oscar_loyalty:redeem-points"), data, follow=True)


def test_basket_page_shows_balance_and_applies_points(signed_in):
    page = signed_in.get(reverse("basket:summary")).content.decode()
    assert "You have 1,000 points to spend." in page and 'max="1000"' in page
    response = post_points(signed_in, action="apply", points="1000")
    page = response.content.decode()
    assert "1,000 points applied to your basket." in page
    assert "Pay with your points" in page and "£10.00" in page
    # The header's balance leaves out the points on the basket; the form says why it differs.
    assert "You have 1,000 points to spend." in page
    assert "(1,000 of them are on this basket.)" in page


def test_use_maximum_applies_as_many_points_as_allowed(signed_in, shopper):
    post_points(signed_in, action="max")
    assert PointsHold.objects.get().points == 1000


@pytest.mark.parametrize(
    "points",
    ["-5", "0", "abc", "1.5", "99999999999", "", "2000"],
)
def test_bad_point_amounts_get_a_message_and_change_nothing(signed_in, shopper, points):
    response = post_points(signed_in, action="apply", points=points)
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert not PointsHold.objects.exists()
    assert account_of(shopper).available == 1000


def test_forged_form_fields_are_refused(signed_in):
    assert post_points(signed_in, action="steal", points="10").status_code == 200
    assert post_points(signed_in, action="apply", points="100", token="../../x").status_code == 200
    assert not PointsHold.objects.exists()


def test_redirect_after_applying_never_leaves_the_shop(signed_in):
    response = signed_in.post(
        reverse("oscar_loyalty:redeem-points"),
        {"action": "apply", "points": "100", "token": "e" * 32, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("basket:summary")
