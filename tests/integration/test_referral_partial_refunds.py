"""Refunds of part of the friend's first order before the referrer is paid: what the refund
policy would take back after the reward is never paid before it, and a first order refunded
below the minimum first order value goes to review like one placed below it. A first order in
another currency than the shop's cannot be held against the minimum: it goes to review."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_order

from oscar_loyalty.models import Referral, ReferralSettings
from oscar_loyalty.referrals import fraud, settlement
from tests.factories import _add_lines
from tests.referrals import (
    address,
    balance,
    enable_referrals,
    far_future,
    first_order,
    make_referrer,
    refer_friend,
    refund,
)

Applicator = get_class("offer.applicator", "Applicator")
Basket = get_model("basket", "Basket")
Default = get_class("partner.strategy", "Default")

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred():
    """Ada referred Bob; referrals pay 1000 points, with a £40.00 minimum first order."""
    enable_referrals(referrer_points=1000, min_first_order_value=Decimal("40.00"))
    ada, code = make_referrer()
    bob, referral = refer_friend(code)
    return ada, bob, referral


def settle(referral) -> Referral:
    settlement.settle_due_referrals(far_future(referral))
    referral.refresh_from_db()
    return referral


def rules(referral) -> list[str]:
    return [rule["rule"] for rule in referral.fired_rules]


def test_partial_refund_below_the_minimum_sends_the_referral_to_review(referred, on_commit):
    ada, bob, referral = referred
    order = on_commit(first_order, bob, price="60.00")  # 50.00 paid after the friend's 10.00
    refund(order, Decimal("20.00"), on_commit)  # 60 % kept: 36.00 of items, below 40.00

    referral = settle(referral)
    assert referral.status == Referral.REVIEW
    assert rules(referral) == [fraud.MIN_ORDER_VALUE]
    assert "worth £36.00, below the minimum of £40.00" in referral.fired_rule_reasons[0]
    assert balance(ada) == 0


def test_partial_refund_above_the_minimum_still_pays(referred, on_commit):
    ada, bob, referral = referred
    order = on_commit(first_order, bob, price="60.00")
    refund(order, Decimal("5.00"), on_commit)  # 45.00 kept

    assert settle(referral).status == Referral.REWARDED
    assert balance(ada) == 1000


def test_partial_refund_before_the_reward_pays_nothing_when_any_refund_takes_it_back(
    referred, on_commit
):
    ada, bob, referral = referred
    enable_referrals(refund_policy=ReferralSettings.REVERSE_ANY)
    order = on_commit(first_order, bob, price="60.00")
    refund(order, Decimal("5.00"), on_commit)

    assert settle(referral).status == Referral.CANCELLED
    assert balance(ada) == 0


def test_first_order_in_another_currency_goes_to_review_against_the_minimum(referred, on_commit):
    ada, bob, referral = referred
    basket = Basket.objects.create(owner=bob)
    _add_lines(basket, [("60.00", 1)], currency="EUR")  # worth 50.00 EUR
    basket = Basket.objects.get(pk=basket.pk)
    basket.strategy = Default()
    Applicator().apply(basket, bob)
    order = on_commit(create_order, basket=basket, user=bob, shipping_address=address())
    assert order.currency == "EUR"

    referral = settle(referral)
    assert referral.status == Referral.REVIEW
    assert rules(referral) == [fraud.MIN_ORDER_VALUE]
    assert "EUR" in referral.fired_rule_reasons[0]
    assert balance(ada) == 0
