"""The referrer's reward: paid once the friend's first order is confirmed, never twice, never
for cancelled or refunded orders, and reversed per policy when refunded afterwards."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from oscar_loyalty import tasks
from oscar_loyalty.models import LedgerEntry, ProgramSettings, Referral, ReferralSettings
from oscar_loyalty.referrals import settlement
from tests.referrals import (
    balance,
    confirm,
    enable_referrals,
    far_future,
    first_order,
    make_referrer,
    refer_friend,
    refund,
    replay_confirmations,
    set_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred():
    """Ada referred Bob, who registered through her link."""
    enable_referrals(referrer_points=1000)
    ada, code = make_referrer()
    bob, referral = refer_friend(code)
    return ada, bob, referral


def test_friend_gets_the_discount_on_the_first_order_only(referred, on_commit):
    _ada, bob, _referral = referred
    order = on_commit(first_order, bob)
    assert order.total_incl_tax == Decimal("30.00")  # 40.00 - 10.00
    second = on_commit(first_order, bob)
    assert second.total_incl_tax == Decimal("40.00")


def test_referrer_is_paid_only_when_the_return_window_is_over(referred, on_commit):
    ada, bob, referral = referred
    on_commit(first_order, bob)
    referral.refresh_from_db()
    assert referral.status == Referral.ORDERED
    tasks.confirm_due_points.apply()
    assert balance(ada) == 0

    ProgramSettings.objects.filter(pk=1).update(return_window_days=0)
    Referral.objects.filter(pk=referral.pk).update(confirm_at=referral.ordered_at)
    tasks.confirm_due_points.apply()
    referral.refresh_from_db()
    assert referral.status == Referral.REWARDED
    assert balance(ada) == 1000


def test_replayed_confirmations_pay_once(referred, on_commit):
    ada, bob, referral = referred
    order = on_commit(first_order, bob)
    replay_confirmations(order, referral, on_commit)
    assert balance(ada) == 1000
    assert LedgerEntry.objects.filter(idempotency_key=f"referral:{referral.pk}:reward").count() == 1


def test_cancelled_first_order_pays_nothing(referred, on_commit):
    ada, bob, referral = referred
    order = on_commit(first_order, bob)
    set_status(order, "Cancelled", on_commit)
    settlement.settle_due_referrals(far_future(referral))
    referral.refresh_from_db()
    assert referral.status == Referral.CANCELLED
    assert balance(ada) == 0


def test_fully_refunded_first_order_pays_nothing(referred, on_commit):
    ada, bob, referral = referred
    order = on_commit(first_order, bob)
    refund(order, order.total_incl_tax, on_commit)
    settlement.settle_due_referrals(far_future(referral))
    referral.refresh_from_db()
    assert referral.status == Referral.CANCELLED
    assert balance(ada) == 0


def test_refund_after_the_reward_takes_it_back(referred, on_commit):
    ada, bob, referral = referred
    order = on_commit(first_order, bob)
    confirm(order, on_commit)
    assert balance(ada) == 1000
    refund(order, order.total_incl_tax, on_commit)
    referral.refresh_from_db()
    assert referral.status == Referral.REVERSED
    assert balance(ada) == 0


def test_refund_after_the_reward_keeps_it_when_the_policy_says_so(referred, on_commit):
    ada, bob, referral = referred
    enable_referrals(refund_policy=ReferralSettings.REVERSE_NEVER)
    order = on_commit(first_order, bob)
    confirm(order, on_commit)
    refund(order, order.total_incl_tax, on_commit)
    referral.refresh_from_db()
    assert referral.status == Referral.REWARDED
    assert balance(ada) == 1000


def test_referrer_sees_the_reward_and_friends_status_on_the_rewards_page(referred, on_commit):
    ada, bob, referral = referred
    order = on_commit(first_order, bob)
    client = Client()
    client.force_login(ada)
    html = client.get(reverse("oscar_loyalty:account")).content.decode()
    assert "First order placed, waiting for the return window" in html
    assert "b•••@example.net" in html and "bob@example.net" not in html
    confirm(order, on_commit)
    html = client.get(reverse("oscar_loyalty:account")).content.decode()
    assert "Rewarded" in html and "+1,000" in html


def test_shoppers_see_only_their_own_referrals(referred):
    grace, _code = make_referrer("grace@example.com")
    client = Client()
    client.force_login(grace)
    html = client.get(reverse("oscar_loyalty:account")).content.decode()
    assert "b•••@example.net" not in html
    assert "Friends who use your link or code show here." in html


def test_reward_is_what_the_settings_said_when_the_first_order_was_placed(referred, on_commit):
    ada, bob, referral = referred
    order = on_commit(first_order, bob)
    enable_referrals(referrer_reward_type=ReferralSettings.VOUCHER, referrer_points=5)

    confirm(order, on_commit)
    referral.refresh_from_db()
    assert referral.status == Referral.REWARDED
    assert referral.referrer_voucher is None
    assert balance(ada) == 1000


def test_switching_referrals_off_still_pays_for_first_orders_already_placed(referred, on_commit):
    ada, bob, _referral = referred
    order = on_commit(first_order, bob)
    enable_referrals(is_enabled=False)

    confirm(order, on_commit)
    assert balance(ada) == 1000


def test_first_order_placed_while_referrals_are_switched_off_pays_nothing(referred, on_commit):
    ada, bob, referral = referred
    enable_referrals(is_enabled=False)
    order = on_commit(first_order, bob)
    assert order.total_incl_tax == Decimal("40.00")

    confirm(order, on_commit)
    referral.refresh_from_db()
    assert referral.status == Referral.REJECTED
    assert "switched off" in referral.fired_rule_reasons[0]
    assert balance(ada) == 0
