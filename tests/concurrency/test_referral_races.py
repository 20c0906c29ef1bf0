"""Referral races on real PostgreSQL connections: two sweeps, two first orders, a sweep and a
refund, two staff approving, the order-placed task twice, each at once."""

from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_loyalty.models import Referral, ReferralSettings
from oscar_loyalty.referrals import settlement
from tests.concurrency.test_ledger_races import run_in_threads
from tests.integration.test_referral_first_order_claim import place, priced_basket
from tests.referrals import balance, enable_referrals, first_order, make_referrer, refer_friend

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


@pytest.mark.parametrize("reward", [ReferralSettings.POINTS, ReferralSettings.VOUCHER])
def test_sweep_and_full_refund_at_once_leave_no_reward(reward):
    """Whichever takes the referral's lock first, the referrer ends with nothing: no reward, or
    the reward and then its reversal (the default policy takes it back on a full refund)."""
    enable_referrals(referrer_reward_type=reward)
    ada, code = make_referrer()
    bob, referral = refer_friend(code)
    order = first_order(bob)
    settlement.record_first_order(order)
    now = timezone.now()
    Referral.objects.filter(pk=referral.pk).update(confirm_at=now)

    results = run_in_threads(
        2,
        lambda i: settlement.settle_due_referrals(now) if i else settlement.order_reversed(order),
    )

    assert not [result for result in results if isinstance(result, Exception)], results
    referral.refresh_from_db()
    assert referral.status in (Referral.CANCELLED, Referral.REVERSED)
    assert balance(ada) == 0
    if referral.referrer_voucher is not None:
        assert not referral.referrer_voucher.is_active()


def test_two_staff_approving_at_once_pay_once():
    enable_referrals(min_first_order_value=Decimal("100.00"))
    ada, code = make_referrer()
    bob, referral = refer_friend(code)
    order = first_order(bob)
    settlement.record_first_order(order)
    settlement.order_confirmed(order)
    referral.refresh_from_db()
    assert referral.status == Referral.REVIEW
    staff = [UserFactory(is_staff=True), UserFactory(is_staff=True)]

    results = run_in_threads(2, lambda i: settlement.approve(referral, staff[i], "ok"))

    outcomes = sorted(type(result).__name__ for result in results)
    assert outcomes == ["Referral", "ReviewError"]
    assert balance(ada) == 1000


def test_order_placed_task_twice_at_once_records_the_first_order_once():
    enable_referrals()
    _ada, code = make_referrer()
    bob, referral = refer_friend(code)
    order = first_order(bob)

    results = run_in_threads(2, lambda _i: settlement.record_first_order(order))

    assert [type(result) for result in results] == [Referral, Referral]
    referral.refresh_from_db()
    assert (referral.status, referral.order_number) == (Referral.ORDERED, str(order.number))


def test_two_referrals_paid_at_once_respect_the_monthly_limit():
    enable_referrals(max_rewarded_per_month=1)
    ada, code = make_referrer()
    referrals = []
    for email in ("bob@example.net", "carol@example.net"):
        friend, referral = refer_friend(code, email)
        settlement.record_first_order(first_order(friend))
        referrals.append(referral)

    paid = run_in_threads(2, lambda i: settlement.pay_referrer(referrals[i].pk))

    assert sorted(type(result).__name__ for result in paid) == ["NoneType", "Referral"]
    statuses = sorted(Referral.objects.values_list("status", flat=True))
    assert statuses == [Referral.REVIEW, Referral.REWARDED]
    assert balance(ada) == 1000
