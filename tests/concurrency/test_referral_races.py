"""Referral races on real PostgreSQL connections: two sweeps, two first orders at once."""

from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_loyalty.models import Referral, ReferralSettings
from oscar_loyalty.referrals import settlement
from tests.concurrency.test_ledger_races import run_in_threads
from tests.integration.test_referral_first_order_claim import place, priced_basket
from tests.referrals import enable_referrals, first_order, make_referrer, refer_friend

Order = get_model("order", "Order")
Voucher = get_model("voucher", "Voucher")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_sweeps_at_once_issue_one_referrer_voucher():
    enable_referrals(
        referrer_reward_type=ReferralSettings.VOUCHER, referrer_discount_value=Decimal("10.00")
    )
    _ada, code = make_referrer()
    bob, referral = refer_friend(code)
    first_order(bob)
    now = timezone.now()
    Referral.objects.filter(pk=referral.pk).update(confirm_at=now)

    paid = run_in_threads(2, lambda _i: settlement.settle_due_referrals(now))

    assert [type(result) for result in paid] == [int, int]
    assert sorted(paid) == [0, 1]
    referral.refresh_from_db()
    assert referral.status == Referral.REWARDED
    assert list(Voucher.objects.all()) == [referral.referrer_voucher]


def test_two_orders_placed_at_once_get_the_friend_discount_once():
    enable_referrals()
    _ada, code = make_referrer()
    bob, referral = refer_friend(code)
    baskets = [priced_basket(bob), priced_basket(bob)]
    assert [basket.total_incl_tax for basket in baskets] == [Decimal("30.00")] * 2

    placed = run_in_threads(2, lambda i: place(baskets[i], bob))

    orders = [result for result in placed if isinstance(result, Order)]
    refused = [type(result).__name__ for result in placed if not isinstance(result, Order)]
    assert len(orders) == 1, placed
    assert refused == ["UnableToPlaceOrder"]
    assert list(Order.objects.values_list("number", "total_incl_tax")) == [
        (str(orders[0].number), Decimal("30.00"))
    ]
    referral.refresh_from_db()
    assert referral.order_number == str(orders[0].number)
