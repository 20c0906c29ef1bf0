"""Points paying for shipping: the "Pay shipping with your points" offer through Oscar's own
Applicator, shipping Repository and OrderCreator, then the stock checkout pages."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory, create_order

from oscar_loyalty import ledger, redemption, rewards
from oscar_loyalty.models import (
    CustomerTier,
    FreeShippingReward,
    LedgerEntry,
    PointsHold,
    Tier,
)
from oscar_loyalty.verification import find_discrepancies
from tests.checkout import ADDRESS, offer_shipping, shipping_method
from tests.factories import (
    create_buyable_product,
    create_redemption_settings,
    create_shipping_country,
    open_basket,
    with_offers,
)

Free = get_class("shipping.methods", "Free")
OrderCreator = get_class("order.utils", "OrderCreator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
Repository = get_class("shipping.repository", "Repository")
Order = get_model("order", "Order")
OrderDiscount = get_model("order", "OrderDiscount")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")

pytestmark = pytest.mark.django_db

POINTS, SHIPPING = "Pay with your points", "Pay shipping with your points"


@pytest.fixture
def shopper():
    user = UserFactory()
    ledger.earn(ledger.account_for_user(user), 3000, key="funding")
    return user


def account_of(user):
    return ledger.account_for_user(user)


def basket_paying_with(user, points: int, lines=(("10.00", 1),)):
    """The shopper's basket (10.00 of goods by default) with ``points`` held for it, priced by
    Oscar's Applicator as on any page."""
    basket = with_offers(open_basket(user, list(lines)), user)
    default = Repository().get_default_shipping_method(basket)
    redemption.apply_points(
        basket, account_of(user), points, key=f"hold:{basket.id}:{points}", shipping_method=default
    )
    return with_offers(basket, user)


def methods_for(basket) -> dict:
    """The shop's shipping methods as Oscar's Repository offers them to this basket."""
    return {method.code: method for method in Repository().get_shipping_methods(basket)}


def discounts_of(order) -> dict:
    return {
        discount.offer_name: (discount.category, discount.amount, discount.message)
        for discount in OrderDiscount.objects.filter(order=order)
    }


def captured_points() -> int:
    return -LedgerEntry.objects.get(kind=LedgerEntry.CAPTURE).points


def test_points_left_after_the_items_pay_tax_inclusive_shipping(shopper, monkeypatch):
    create_redemption_settings(pay_shipping=True)
    offer_shipping(monkeypatch, shipping_method("standard", "5.00", "6.00"))
    basket = basket_paying_with(shopper, 1500)
    standard = methods_for(basket)["standard"]

    assert standard.discount_name == SHIPPING
    assert standard.calculate(basket).incl_tax == Decimal("1.00")
    assert redemption.allowance(basket, account_of(shopper), standard).used == 1500
    order = create_order(basket=basket, user=shopper, shipping_method=standard)

    assert order.total_incl_tax == Decimal("1.00")
    assert (order.shipping_incl_tax, order.shipping_before_discounts_incl_tax) == (
        Decimal("1.00"),
        Decimal("6.00"),
    )
    assert discounts_of(order) == {
        POINTS: ("Basket", Decimal("10.00"), "1,000 points redeemed"),
        SHIPPING: ("Shipping", Decimal("5.00"), "500 points redeemed for shipping"),
    }
    assert captured_points() == 1500
    assert (account_of(shopper).available, account_of(shopper).held) == (1500, 0)
    assert find_discrepancies() == []


def test_tax_exclusive_shipping_is_discounted_before_tax(shopper, monkeypatch):
    create_redemption_settings(pay_shipping=True)
    offer_shipping(monkeypatch, shipping_method("standard", "5.00"))  # tax not known
    basket = basket_paying_with(shopper, 1300)
    standard = methods_for(basket)["standard"]
    charge = standard.calculate(basket)
    assert (charge.excl_tax, charge.is_tax_known) == (Decimal("2.00"), False)
    charge.tax = Decimal("0.40")  # the shop's tax on what is left to pay, as checkout requires

    order = OrderCreator().place_order(
        basket=basket,
        user=shopper,
        total=OrderTotalCalculator().calculate(basket, charge),
        shipping_method=standard,
        shipping_charge=charge,
    )

    assert (order.total_excl_tax, order.total_incl_tax) == (Decimal("2.00"), Decimal("2.40"))
    assert discounts_of(order)[SHIPPING][1] == Decimal("3.00")
    assert captured_points() == 1300
    assert account_of(shopper).available == 1700


def test_points_pay_at_most_the_share_of_items_and_shipping(shopper, monkeypatch):
    create_redemption_settings(pay_shipping=True, max_order_share=50)
    offer_shipping(monkeypatch, shipping_method("standard", "5.00", "6.00"))
    priced = with_offers(open_basket(shopper, [("10.00", 1)]), shopper)
    before = methods_for(priced)["standard"]
    assert redemption.allowance(priced, account_of(shopper), before).max_points == 800
    with pytest.raises(redemption.RedemptionError, match="At most 800"):
        redemption.apply_points(
            priced, account_of(shopper), 900, key="too-many", shipping_method=before
        )

    redemption.apply_points(priced, account_of(shopper), 800, key="most", shipping_method=before)
    basket = with_offers(priced, shopper)
    order = create_order(
        basket=basket, user=shopper, shipping_method=methods_for(basket)["standard"]
    )

    assert order.total_incl_tax == Decimal("8.00")  # half of 16.00
    assert {name: amount for name, (_c, amount, _m) in discounts_of(order).items()} == {
        POINTS: Decimal("5.00"),
        SHIPPING: Decimal("3.00"),
    }
    assert captured_points() == 800


@pytest.fixture
def express_paid(shopper, monkeypatch):
    """Express (8.00, the default) and standard (3.00) shipping; the shopper's 1800 points pay
    for the 10.00 of goods and the express shipping. Returns (basket, methods by code)."""
    create_redemption_settings(pay_shipping=True)
    offer_shipping(
        monkeypatch,
        shipping_method("express", "8.00", "8.00"),
        shipping_method("standard", "3.00", "3.00"),
    )
    basket = basket_paying_with(shopper, 1800)
    return basket, methods_for(basket)


def test_a_cheaper_shipping_method_uses_fewer_points_and_gives_the_rest_back(shopper, express_paid):
    basket, methods = express_paid
    account = account_of(shopper)
    assert redemption.allowance(basket, account, methods["express"]).used == 1800

    cheaper = redemption.allowance(basket, account, methods["standard"])
    assert (cheaper.used, cheaper.held, cheaper.clamped) == (1300, 1800, True)
    order = create_order(basket=basket, user=shopper, shipping_method=methods["standard"])

    assert order.total_incl_tax == Decimal("0.00")
    assert discounts_of(order)[SHIPPING][1] == Decimal("3.00")
    assert captured_points() == 1300
    assert account_of(shopper).available == 1700
    assert PointsHold.objects.get().captured_points == 1300


def test_the_order_is_not_placed_when_its_shipping_discount_is_not_the_one_paid(
    shopper, express_paid
):
    """Whatever happens between pricing and placing, captured points equal the recorded
    discount: here the order is placed with a charge other than the last one quoted to it."""
    basket, methods = express_paid
    express_charge = methods["express"].calculate(basket)
    methods["standard"].calculate(basket)  # quoted last: both leave nothing to pay

    with pytest.raises(UnableToPlaceOrder, match="shipping charge changed"):
        OrderCreator().place_order(
            basket=basket,
            user=shopper,
            total=OrderTotalCalculator().calculate(basket, express_charge),
            shipping_method=methods["express"],
            shipping_charge=express_charge,
        )

    assert not Order.objects.exists() and not LedgerEntry.objects.filter(kind="capture").exists()
    assert (account_of(shopper).available, account_of(shopper).held) == (1200, 1800)


def test_with_the_setting_off_points_pay_only_for_the_items(shopper, monkeypatch):
    rules = create_redemption_settings(pay_shipping=True)
    offer_shipping(monkeypatch, shipping_method("standard", "5.00", "6.00"))
    basket = basket_paying_with(shopper, 1500)
    rules.pay_shipping = False
    rules.save()
    basket = with_offers(basket, shopper)
    standard = methods_for(basket)["standard"]

    assert not standard.is_discounted
    assert [a["name"] for a in basket.offer_applications] == [POINTS]
    allowed = redemption.allowance(basket, account_of(shopper), standard)
    assert (allowed.max_points, allowed.used, allowed.clamped) == (1000, 1000, True)
    order = create_order(basket=basket, user=shopper, shipping_method=standard)

    assert order.total_incl_tax == Decimal("6.00")
    assert list(discounts_of(order)) == [POINTS]
    assert captured_points() == 1000
    assert account_of(shopper).available == 2000


def test_choosing_free_shipping_leaves_the_shipping_points_unspent(shopper, monkeypatch):
    create_redemption_settings(pay_shipping=True)
    offer_shipping(monkeypatch, shipping_method("standard", "5.00", "6.00"), Free())
    basket = basket_paying_with(shopper, 1500)
    free = methods_for(basket)[Free.code]
    assert redemption.allowance(basket, account_of(shopper), free).used == 1000
    order = create_order(basket=basket, user=shopper, shipping_method=free)

    assert order.total_incl_tax == Decimal("0.00")
    assert list(discounts_of(order)) == [POINTS]
    assert captured_points() == 1000


def test_a_free_shipping_reward_takes_the_shipping_and_points_pay_the_items(shopper, monkeypatch):
    create_redemption_settings(pay_shipping=True)
    offer_shipping(monkeypatch, shipping_method("standard", "5.00", "6.00"))
    reward = FreeShippingReward.objects.create(name="Free shipping", points_cost=200)
    voucher = rewards.redeem_reward(account_of(shopper), reward, key="free-shipping").voucher
    basket = basket_paying_with(shopper, 1500)
    basket.vouchers.add(voucher)
    basket = with_offers(basket, shopper)
    standard = methods_for(basket)["standard"]

    assert standard.discount_name.startswith("Free shipping")
    assert redemption.allowance(basket, account_of(shopper), standard).max_points == 1000
    order = create_order(basket=basket, user=shopper, shipping_method=standard)

    assert order.total_incl_tax == Decimal("0.00")
    recorded = discounts_of(order)
    assert SHIPPING not in recorded and recorded[POINTS][1] == Decimal("10.00")
    assert [d.amount for d in OrderDiscount.objects.filter(category="Shipping")] == [
        Decimal("6.00")
    ]
    assert captured_points() == 1000
    assert account_of(shopper).available == 3000 - 200 - 1000


# --- the stock checkout pages ------------------------------------------------------------------


def redeem_form(page):
    [form] = [f for f in page.forms.values() if f.action == reverse("oscar_loyalty:redeem-points")]
    return form


def test_shopper_pays_items_and_shipping_with_points_through_checkout(
    django_app, shopper, monkeypatch
):
    create_redemption_settings(pay_shipping=True)
    create_shipping_country()
    offer_shipping(monkeypatch, shipping_method("standard", "5.00", "6.00"))
    product = create_buyable_product("Regency Cakestand", "10.00")
    page = django_app.get(product.get_absolute_url(), user=shopper)
    page.forms["add_to_basket_form"].submit()

    basket = django_app.get(reverse("basket:summary"), user=shopper)
    assert "Up to 1,600 points can be used on this basket." in basket.text
    basket = redeem_form(basket).submit("action", value="max").follow()
    assert "1,600 points applied to your basket." in basket.text
    assert SHIPPING in basket.text and "-£6.00" in basket.text

    address = django_app.get(reverse("checkout:shipping-address"), user=shopper)
    form = address.forms["new_shipping_address"]
    for field, value in ADDRESS.items():
        if field in form.fields:  # no country choice in a shop shipping to one country
            form[field] = value
    preview = form.submit().maybe_follow()
    assert preview.request.path == reverse("checkout:preview")
    assert SHIPPING in preview.text
    preview.forms["place_order_form"].submit().maybe_follow()

    order = Order.objects.get(user=shopper)
    assert (order.total_incl_tax, order.shipping_incl_tax) == (Decimal("0.00"), Decimal("0.00"))
    assert discounts_of(order) == {
        POINTS: ("Basket", Decimal("10.00"), "1,000 points redeemed"),
        SHIPPING: ("Shipping", Decimal("6.00"), "600 points redeemed for shipping"),
    }
    assert captured_points() == 1600
    assert account_of(shopper).available == 1400


def test_basket_page_allowance_leaves_shipping_out_when_switched_off(
    django_app, shopper, monkeypatch
):
    create_redemption_settings(pay_shipping=False)
    offer_shipping(monkeypatch, shipping_method("standard", "5.00", "6.00"))
    product = create_buyable_product("Regency Cakestand", "10.00")
    django_app.get(product.get_absolute_url(), user=shopper).forms["add_to_basket_form"].submit()
    basket = django_app.get(reverse("basket:summary"), user=shopper)
    assert "Up to 1,000 points can be used on this basket." in basket.text
    basket = redeem_form(basket).submit("action", value="max").follow()
    assert SHIPPING not in basket.text and "£6.00" in basket.text


def join_tier_with_free_shipping(user) -> None:
    vip = Tier.objects.create(
        name="VIP", position=1, threshold=Decimal("0"), free_shipping=Tier.SHIPPING_ALWAYS
    )
    CustomerTier.objects.create(account=account_of(user), tier=vip, earned_tier=vip)


def recorded_shipping() -> list[tuple[str, Decimal]]:
    return [(d.offer_name, d.amount) for d in OrderDiscount.objects.filter(category="Shipping")]


def test_a_tiers_free_shipping_takes_the_shipping_and_points_pay_the_items(shopper, monkeypatch):
    create_redemption_settings(pay_shipping=True)
    offer_shipping(monkeypatch, shipping_method("standard", "5.00", "6.00"))
    join_tier_with_free_shipping(shopper)
    basket = basket_paying_with(shopper, 1000)
    standard = methods_for(basket)["standard"]
    order = create_order(basket=basket, user=shopper, shipping_method=standard)

    assert order.total_incl_tax == Decimal("0.00")
    assert recorded_shipping() == [("VIP tier free shipping", Decimal("6.00"))]
    assert captured_points() == 1000


def test_a_tiers_free_shipping_leaves_the_points_for_later(shopper, monkeypatch):
    """Points held beyond the items do not pay shipping the tier already made free: the order
    records one shipping discount and captures only the items' points."""
    create_redemption_settings(pay_shipping=True)
    offer_shipping(monkeypatch, shipping_method("standard", "5.00", "6.00"))
    basket = basket_paying_with(shopper, 1500)  # points for the items and the shipping
    join_tier_with_free_shipping(shopper)
    basket = with_offers(basket, shopper)  # then they join the tier
    standard = methods_for(basket)["standard"]
    order = create_order(basket=basket, user=shopper, shipping_method=standard)

    assert order.total_incl_tax == Decimal("0.00")
    assert recorded_shipping() == [("VIP tier free shipping", Decimal("6.00"))]
    assert captured_points() == 1000
