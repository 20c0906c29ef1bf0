"""The friend's discount is for one first order: a second order priced while the referral was
still waiting (another basket or device, or before the order-placed task ran) is not placed
with the discount, and only the first order placed counts."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_order

from oscar_loyalty.models import Referral
from oscar_loyalty.referrals import settlement
from tests.factories import _add_lines
from tests.referrals import (
    address,
    balance,
    enable_referrals,
    far_future,
    first_order,
    make_referrer,
    refer_friend,
)

Applicator = get_class("offer.applicator", "Applicator")
Basket = get_model("basket", "Basket")
Default = get_class("partner.strategy", "Default")
Order = get_model("order", "Order")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")

pytestmark = pytest.mark.django_db


def priced_basket(user, price: str = "40.00"):
    """A basket of ``user`` with the site offers applied, as the checkout shows it."""
    basket = Basket.objects.create(owner=user)
    _add_lines(basket, [(price, 1)])
    basket = Basket.objects.get(pk=basket.pk)
    basket.strategy = Default()
    Applicator().apply(basket, user)
    return basket


def place(basket, user):
    return create_order(basket=basket, user=user, shipping_address=address())


@pytest.fixture
def bob():
    enable_referrals()
    _ada, code = make_referrer()
    bob, _referral = refer_friend(code)
    return bob


def test_two_baskets_priced_at_once_get_the_friend_discount_on_one_order_only(bob):
    phone, laptop = priced_basket(bob), priced_basket(bob)
    assert phone.total_incl_tax == laptop.total_incl_tax == Decimal("30.00")

    first = place(phone, bob)
    with pytest.raises(UnableToPlaceOrder):
        place(laptop, bob)

    assert first.total_incl_tax == Decimal("30.00")
    assert list(Order.objects.all()) == [first]
    assert Referral.objects.get().order_number == str(first.number)


def test_an_order_placed_before_the_first_orders_task_ran_pays_full_price(bob):
    """The order-placed task runs after the commit (here: never): the referral is claimed by
    the first order inside its own transaction all the same."""
    first = first_order(bob)
    second = first_order(bob)
    assert first.total_incl_tax == Decimal("30.00")
    assert second.total_incl_tax == Decimal("40.00")
    assert Referral.objects.get().order_number == str(first.number)


def test_first_order_cancelled_before_its_task_ran_never_pays(bob):
    """Tasks may run out of order (retries): the cancellation first, then the order-placed
    task, then the sweep."""
    order = first_order(bob)
    settlement.order_reversed(order)
    settlement.record_first_order(order)
    settlement.settle_due_referrals(far_future(Referral.objects.get()))

    assert Referral.objects.get().status == Referral.CANCELLED
    assert balance(Referral.objects.get().referrer) == 0
