"""Percentage discounts that add up: the shopper's discount, the lines and the order agree to
the penny (``offers.percentage``)."""

import importlib
from decimal import ROUND_DOWN, Decimal

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory, create_order

from oscar_loyalty import ledger, rewards
from oscar_loyalty.models import CustomerTier, PercentageOffReward, ReferralSettings, Tier
from oscar_loyalty.offers.percentage import PATH, percentage_benefit
from oscar_loyalty.offers.referrals import friend_offer
from tests.checkout import go_to_preview
from tests.factories import (
    create_buyable_product,
    create_redemption_settings,
    create_shipping_country,
    open_basket,
    with_offers,
)
from tests.offers import customer_offer, discounts_by_offer, everything, new_basket, percent_off
from tests.referrals import enable_referrals

Benefit = get_model("offer", "Benefit")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db


def rounded_offer(percent: str, **fields):
    benefit = percentage_benefit(Decimal(percent), everything(), **fields)
    return customer_offer("Members' discount", "everyone", benefit=benefit)


def priced(lines):
    user = UserFactory()
    return with_offers(new_basket(user, lines), user)


def line_discounts(basket) -> list[Decimal]:
    return [line.discount_value for line in basket.all_lines()]


def assert_adds_up(basket, discount: Decimal) -> None:
    """What the shopper sees: the discount line, the lines and the total tell the same story."""
    assert sum(line_discounts(basket)) == discount
    for line in basket.all_lines():
        assert line.line_price_incl_tax_incl_discounts == line.line_price_incl_tax - (
            line.discount_value
        )
        assert line.line_price_excl_tax_incl_discounts == line.line_price_excl_tax - (
            line.discount_value
        )
    assert basket.total_incl_tax == basket.total_incl_tax_excl_discounts - discount
    assert basket.total_excl_tax == basket.total_excl_tax_excl_discounts - discount


def test_oscars_stock_percentage_is_a_penny_out():
    """Why the class exists: Oscar's own benefit shows £0.38 off £3.80 but charges £3.43."""
    customer_offer("Stock", "everyone", benefit=percent_off("10"))
    basket = priced([("0.85", 1), ("2.95", 1)])
    assert discounts_by_offer(basket) == {"Stock": Decimal("0.38")}
    assert basket.total_incl_tax == Decimal("3.43")


def test_ten_percent_of_85p_and_2_95_is_38p_off_and_3_42_to_pay():
    rounded_offer("10")
    basket = priced([("0.85", 1), ("2.95", 1)])
    assert discounts_by_offer(basket) == {"Members' discount": Decimal("0.38")}
    assert basket.total_incl_tax == basket.total_excl_tax == Decimal("3.42")
    assert [line.line_price_incl_tax_incl_discounts for line in basket.all_lines()] == [
        Decimal("0.76"),
        Decimal("2.66"),
    ]
    assert_adds_up(basket, Decimal("0.38"))


def test_thirty_three_percent_of_three_lines():
    rounded_offer("33")
    basket = priced([("0.99", 1), ("1.01", 1), ("3.33", 1)])
    # 0.3267 + 0.3333 + 1.0989 = 1.7589, rounded down (Oscar's convention) to 1.75.
    assert discounts_by_offer(basket) == {"Members' discount": Decimal("1.75")}
    assert sorted(line_discounts(basket)) == [Decimal("0.33"), Decimal("0.33"), Decimal("1.09")]
    assert basket.total_incl_tax == Decimal("3.58")
    assert_adds_up(basket, Decimal("1.75"))


@pytest.mark.parametrize(
    "percent, lines",
    [
        ("15", [("0.85", 3), ("2.95", 2)]),
        ("33", [("0.10", 7), ("19.99", 3), ("4.45", 1)]),
        ("33.33", [("0.01", 1), ("0.02", 5), ("1.99", 2)]),
        ("12.5", [("0.99", 3), ("0.99", 1), ("7.77", 9)]),
        ("10", [("0.05", 1)]),
        ("100", [("0.85", 2), ("2.95", 1)]),
    ],
)
def test_awkward_baskets_add_up(percent, lines):
    rounded_offer(percent)
    basket = priced(lines)
    exact = sum(Decimal(percent) / 100 * Decimal(price) * qty for price, qty in lines)
    discount = exact.quantize(Decimal("0.01"), ROUND_DOWN)
    assert basket.total_discount == discount
    assert_adds_up(basket, discount)


def test_max_affected_items_discounts_the_cheapest_items_only():
    rounded_offer("10", max_affected_items=2)
    basket = priced([("0.85", 3), ("2.95", 1)])
    assert basket.total_discount == Decimal("0.17")  # two of the 85p items
    cheap, dear = basket.all_lines()
    assert (cheap.quantity_with_discount, cheap.discount_value) == (2, Decimal("0.17"))
    assert dear.discount_value == 0
    assert_adds_up(basket, Decimal("0.17"))


def test_max_total_discount_caps_the_lines_too():
    offer = rounded_offer("10")
    user = UserFactory()
    basket = new_basket(user, [("0.85", 1), ("2.95", 1)])
    result = offer.benefit.proxy().apply(
        basket, offer.condition, offer, max_total_discount=Decimal("0.20")
    )
    assert result.discount == Decimal("0.20")
    assert sum(line_discounts(basket)) == Decimal("0.20")


def member_of(tier: Tier):
    user = UserFactory()
    CustomerTier.objects.create(account=ledger.account_for_user(user), tier=tier, earned_tier=tier)
    return user


def test_tier_discount_and_points_through_checkout_add_up_on_the_order():
    """The sandbox case: 10 % tier discount and £1.00 of points on £0.85 + £2.95."""
    tier = Tier.objects.create(
        name="VIP", position=1, threshold=Decimal("0"), discount_percentage=Decimal("10")
    )
    tier.refresh_from_db()
    assert tier.discount_offer.benefit.proxy_class == PATH
    create_redemption_settings()
    create_shipping_country()
    shopper = member_of(tier)
    ledger.earn(ledger.account_for_user(shopper), 1000, key="funding")
    client = Client()
    client.force_login(shopper)
    for title, price in (("Pencil", "0.85"), ("Notebook", "2.95")):
        product = create_buyable_product(title, price)
        client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    client.post(
        reverse("oscar_loyalty:redeem-points"),
        {"action": "apply", "points": "100", "token": "b" * 32},
    )
    go_to_preview(client)
    basket = client.get(reverse("checkout:preview")).context["basket"]
    assert discounts_by_offer(basket)["VIP tier discount"] == Decimal("0.38")
    assert basket.total_incl_tax == Decimal("2.42")
    client.post(reverse("checkout:preview"), {"action": "place_order"})

    order = Order.objects.get(user=shopper)
    assert order.total_incl_tax == order.total_excl_tax == Decimal("2.42")
    assert order.total_discount_incl_tax == order.total_discount_excl_tax == Decimal("1.38")
    lines = order.lines.all()
    line_discounts = [
        line.line_price_before_discounts_incl_tax - line.line_price_incl_tax for line in lines
    ]
    assert sum(line_discounts) == sum(d.amount for d in order.discounts.all()) == Decimal("1.38")
    assert sum(line.line_price_incl_tax for line in lines) == Decimal("2.42")


def test_percentage_reward_voucher_adds_up_on_the_order():
    shopper = UserFactory()
    ledger.earn(ledger.account_for_user(shopper), 1000, key="funding")
    reward = PercentageOffReward.objects.create(name="10% off", points_cost=100, percentage=10)
    redeemed = rewards.redeem_reward(ledger.account_for_user(shopper), reward, key="r:1")
    basket = open_basket(shopper, [("0.85", 1), ("2.95", 1)])
    basket.vouchers.add(redeemed.voucher)
    basket = with_offers(basket, shopper)
    assert basket.total_discount == Decimal("0.38")
    assert basket.total_incl_tax == Decimal("3.42")
    order = create_order(basket=basket, user=shopper)
    assert order.total_incl_tax == Decimal("3.42")
    assert sum(line.line_price_incl_tax for line in order.lines.all()) == Decimal("3.42")


def test_referral_friend_offer_follows_the_discount_type():
    settings = enable_referrals(
        friend_discount_type=ReferralSettings.PERCENTAGE, friend_discount_value=Decimal("10")
    )
    assert friend_offer().benefit.proxy_class == PATH
    settings.friend_discount_type = ReferralSettings.AMOUNT
    settings.save()
    benefit = friend_offer().benefit
    assert (benefit.type, benefit.proxy_class) == (Benefit.FIXED, "")


def test_migration_converts_our_offers_and_leaves_the_merchants():
    tier = Tier.objects.create(
        name="Gold", position=1, threshold=Decimal("0"), discount_percentage=Decimal("10")
    )
    tier.refresh_from_db()
    ours = tier.discount_offer.benefit
    Benefit.objects.filter(pk=ours.pk).update(proxy_class=None)  # as created before 0020
    merchants = customer_offer("Merchant's 10 %", "everyone", benefit=percent_off("10")).benefit
    migration = importlib.import_module("oscar_loyalty.migrations.0020_rounded_percentage")

    migration.to_rounded(apps, None)

    ours.refresh_from_db()
    merchants.refresh_from_db()
    assert (ours.proxy_class, merchants.proxy_class) == (PATH, "")  # "": Oscar's NULL
    assert ours.type == Benefit.PERCENTAGE


def test_dashboard_names_the_benefit_like_oscars_percentage(admin_client):
    offer = rounded_offer("10")
    page = admin_client.get(reverse("dashboard:offer-detail", args=[offer.pk])).content.decode()
    assert "<td>10.00% discount on Everything</td>" in page
    form = admin_client.get(reverse("dashboard:offer-benefit", args=[offer.pk]))
    assert form.status_code == 200
    assert "10.00% discount on Everything" in form.content.decode()  # the custom incentive
