"""Tier discounts and free shipping are real Oscar offers; their condition is usable in Oscar's
own offer dashboard."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory, create_order

from oscar_loyalty import ledger, tiers
from oscar_loyalty.models import CustomerTier, Tier
from oscar_loyalty.offers import free_shipping
from tests.factories import create_buyable_product, open_basket, with_offers

ConditionalOffer = get_model("offer", "ConditionalOffer")
Condition = get_model("offer", "Condition")
Benefit = get_model("offer", "Benefit")
OrderDiscount = get_model("order", "OrderDiscount")
Range = get_model("offer", "Range")
FixedPrice = get_class("shipping.methods", "FixedPrice")
Repository = get_class("shipping.repository", "Repository")

pytestmark = pytest.mark.django_db


def member_of(tier: Tier):
    user = UserFactory()
    CustomerTier.objects.create(account=ledger.account_for_user(user), tier=tier, earned_tier=tier)
    return user


@pytest.fixture
def vip():
    return Tier.objects.create(
        name="VIP",
        position=2,
        threshold=Decimal("500"),
        discount_percentage=Decimal("10"),
        free_shipping=Tier.SHIPPING_ABOVE,
        free_shipping_threshold=Decimal("50"),
    )


class FiveStandard(Repository):
    methods = [FixedPrice(Decimal("5.00"), Decimal("5.00"))]


def shipping_charge(basket) -> Decimal:
    return FiveStandard().get_default_shipping_method(basket).calculate(basket).incl_tax


def test_members_get_the_tier_discount_in_basket_totals(vip):
    member = member_of(vip)
    basket = with_offers(open_basket(member, [("20.00", 3)]), member)
    assert basket.total_discount == Decimal("6.00")
    assert basket.offer_applications.offers[vip.discount_offer_id].name == "VIP tier discount"


def test_other_customers_and_guests_pay_full_price(vip):
    family = Tier.objects.create(name="Family", position=1, threshold=Decimal("100"))
    for user in (member_of(family), UserFactory()):
        basket = with_offers(open_basket(user, [("20.00", 3)]), user)
        assert basket.total_discount == 0
        assert shipping_charge(basket) == Decimal("5.00")


def test_free_shipping_only_above_the_tier_threshold(vip):
    member = member_of(vip)
    small = with_offers(open_basket(member, [("20.00", 2)]), member)
    assert shipping_charge(small) == Decimal("5.00")
    open_basket(member, [("20.00", 1)])
    big = with_offers(small, member)
    assert big.has_shipping_discounts
    assert shipping_charge(big) == Decimal("0.00")


def test_free_shipping_always(vip):
    vip.free_shipping = Tier.SHIPPING_ALWAYS
    vip.save()
    member = member_of(vip)
    basket = with_offers(open_basket(member, [("5.00", 1)]), member)
    assert shipping_charge(basket) == Decimal("0.00")


def shops_free_shipping_over(value: str) -> None:
    """The merchant's own offer, made as in Oscar's dashboard (default priority)."""
    everything = Range.objects.create(name="Everything", includes_all_products=True)
    ConditionalOffer.objects.create(
        name=f"Free shipping over £{value}",
        offer_type=ConditionalOffer.SITE,
        condition=Condition.objects.create(
            range=everything, type=Condition.VALUE, value=Decimal(value)
        ),
        benefit=Benefit.objects.create(type=Benefit.SHIPPING_PERCENTAGE, value=100),
    )


@pytest.mark.parametrize(
    "quantity, discounted_by",
    [(3, "Free shipping over £50"), (1, "VIP tier free shipping")],  # £60 and £20 of items
)
def test_a_members_shipping_is_discounted_once_by_the_shops_offer_or_the_tier(
    vip, quantity, discounted_by
):
    vip.free_shipping, vip.discount_percentage = Tier.SHIPPING_ALWAYS, Decimal("0")
    vip.save()
    shops_free_shipping_over("50")
    member = member_of(vip)
    basket = with_offers(open_basket(member, [("20.00", quantity)]), member)

    order = create_order(
        basket=basket,
        user=member,
        shipping_method=FiveStandard().get_default_shipping_method(basket),
    )

    shipping = OrderDiscount.objects.filter(order=order, category=OrderDiscount.SHIPPING)
    assert [(d.offer_name, d.amount) for d in shipping] == [(discounted_by, Decimal("5.00"))]
    assert order.shipping_before_discounts_incl_tax == Decimal("5.00")
    assert order.shipping_incl_tax == Decimal("0.00")


def test_the_shops_shipping_offer_for_every_customer_is_the_one_recorded(vip):
    """The shop's offer on a customer condition consumes no items, yet the tier's free
    shipping still sees it and stands aside."""
    vip.free_shipping = Tier.SHIPPING_ALWAYS
    vip.save()
    ConditionalOffer.objects.create(
        name="Free shipping for everyone",
        offer_type=ConditionalOffer.SITE,
        condition=Condition.objects.create(
            proxy_class="oscar_loyalty.offers.customer_conditions.EveryoneCondition"
        ),
        benefit=Benefit.objects.create(type=Benefit.SHIPPING_PERCENTAGE, value=100),
    )
    member = member_of(vip)
    basket = with_offers(open_basket(member, [("20.00", 1)]), member)

    order = create_order(
        basket=basket,
        user=member,
        shipping_method=FiveStandard().get_default_shipping_method(basket),
    )

    shipping = OrderDiscount.objects.filter(order=order, category=OrderDiscount.SHIPPING)
    assert [(d.offer_name, d.amount) for d in shipping] == [
        ("Free shipping for everyone", Decimal("5.00"))
    ]
    assert order.shipping_incl_tax == Decimal("0.00")


def test_migration_moves_tier_shipping_offers_and_leaves_the_merchants(vip):
    vip.refresh_from_db()
    ours = vip.shipping_offer
    Benefit.objects.filter(pk=ours.benefit_id).update(proxy_class=None)  # as before 0022
    ConditionalOffer.objects.filter(pk=ours.pk).update(priority=0)
    shops_free_shipping_over("50")
    migration = importlib.import_module("oscar_loyalty.migrations.0022_tier_free_shipping_once")

    migration.to_once(apps, None)

    ours.refresh_from_db()
    ours.benefit.refresh_from_db()
    merchants = ConditionalOffer.objects.get(name="Free shipping over £50")
    assert (ours.priority, ours.benefit.proxy_class) == (free_shipping.PRIORITY, free_shipping.PATH)
    assert (merchants.priority, merchants.benefit.proxy_class) == (0, "")  # "": Oscar's NULL


def test_basket_page_shows_the_tier_discount(vip, client):
    member = member_of(vip)
    client.force_login(member)
    product = create_buyable_product("Regency Cakestand", "40.00")
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    page = client.get(reverse("basket:summary")).content.decode()
    totals = page[page.index('id="basket_totals"') :]
    assert "VIP tier discount" in totals and "-£4.00" in totals


def test_pinned_customer_gets_the_pinned_tiers_discount(vip):
    user = UserFactory()
    account = ledger.account_for_user(user)
    ends = timezone.now() + timedelta(days=7)
    tiers.pin_customer(
        account, vip, reason="VIP event", ends_at=ends, staff_user=UserFactory(is_staff=True)
    )
    basket = with_offers(open_basket(user, [("10.00", 1)]), user)
    assert basket.total_discount == Decimal("1.00")


def test_perks_switched_off_suspend_the_offers_rather_than_delete_them(vip):
    vip.discount_percentage = 0
    vip.free_shipping = Tier.NO_SHIPPING
    vip.save()
    vip.refresh_from_db()
    assert vip.discount_offer.status == ConditionalOffer.SUSPENDED
    assert vip.shipping_offer.status == ConditionalOffer.SUSPENDED
    member = member_of(vip)
    basket = with_offers(open_basket(member, [("10.00", 1)]), member)
    assert basket.total_discount == 0


def test_admins_build_their_own_offer_on_the_tier_condition_in_oscars_dashboard(vip, client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.post(
        reverse("dashboard:offer-metadata"),
        {"name": "VIP gift wrap", "description": "", "offer_type": "Site"},
    )
    client.post(
        reverse("dashboard:offer-benefit"),
        {"range": vip.discount_offer.benefit.range_id, "type": "Absolute", "value": "2.00"},
    )
    condition_step = client.get(reverse("dashboard:offer-condition"))
    assert "Customer is in tier VIP" in condition_step.content.decode()
    client.post(reverse("dashboard:offer-condition"), {"custom_condition": vip.condition_id})
    response = client.post(
        reverse("dashboard:offer-restrictions"),
        {"priority": 0, "exclusive": "", "start_datetime": "", "end_datetime": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    offer = ConditionalOffer.objects.get(name="VIP gift wrap")
    assert offer.condition_id == vip.condition_id

    member = member_of(vip)
    basket = with_offers(open_basket(member, [("10.00", 1)]), member)
    # 10% tier discount and the admin's £2 off, both on the tier condition.
    assert basket.total_discount == Decimal("3.00")
    stranger = UserFactory()
    assert with_offers(open_basket(stranger, [("10.00", 1)]), stranger).total_discount == 0
