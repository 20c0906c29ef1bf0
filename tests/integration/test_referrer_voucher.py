"""Give £10, get £10: the referrer's reward as a single-use voucher instead of points. Paid
once when the friend's first order is confirmed, only usable by the referrer, and taken back
after a refund unless it was already spent."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_loyalty.models import Referral, ReferralSettings
from oscar_loyalty.referrals import settlement
from tests.factories import create_buyable_product, dashboard_url
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

Voucher = get_model("voucher", "Voucher")

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred():
    """Ada referred Bob through her link; referrers earn a £10 voucher."""
    enable_referrals(
        referrer_reward_type=ReferralSettings.VOUCHER,
        referrer_discount_type=ReferralSettings.AMOUNT,
        referrer_discount_value=Decimal("10.00"),
    )
    ada, code = make_referrer()
    bob, referral = refer_friend(code)
    return ada, bob, referral


@pytest.fixture
def rewarded(referred, on_commit):
    """Bob's first order was confirmed: Ada holds her voucher."""
    ada, bob, referral = referred
    order = on_commit(first_order, bob)
    confirm(order, on_commit)
    referral.refresh_from_db()
    return ada, order, referral


def shopper_with_teapot(user) -> Client:
    """The user, signed in, with a £30 product in their basket."""
    client = Client()
    client.force_login(user)
    product = create_buyable_product("Regency Teapot", "30.00")
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    return client


def basket_with_code(user, code: str) -> tuple[list[str], Decimal]:
    """The user puts a £30 product in their basket and types the voucher code, as a shopper
    does: returns the messages they see and the basket total."""
    client = shopper_with_teapot(user)
    response = client.post(reverse("basket:vouchers-add"), {"code": code}, follow=True)
    return [str(message) for message in response.context["messages"]], response.context[
        "basket"
    ].total_incl_tax


def test_referrer_gets_a_single_use_voucher_when_the_first_order_is_confirmed(referred, on_commit):
    ada, bob, referral = referred
    order = on_commit(first_order, bob)
    referral.refresh_from_db()
    assert referral.status == Referral.ORDERED and referral.referrer_voucher is None

    confirm(order, on_commit)
    referral.refresh_from_db()
    assert referral.status == Referral.REWARDED
    assert referral.referrer_voucher.usage == Voucher.SINGLE_USE
    assert balance(ada) == 0  # a voucher instead of points
    messages, total = basket_with_code(ada, referral.referrer_voucher.code)
    assert f"Voucher '{referral.referrer_voucher.code}' added to basket" in messages
    assert total == Decimal("20.00")


def test_basket_names_the_referrers_voucher_by_its_reward(rewarded):
    ada, _order, referral = rewarded
    client = shopper_with_teapot(ada)
    client.post(reverse("basket:vouchers-add"), {"code": referral.referrer_voucher.code})
    html = client.get(reverse("basket:summary")).content.decode()
    assert f"<bdi>Referral reward: £10.00 off</bdi> ({referral.referrer_voucher.code})" in html
    assert "Referral reward #" not in html


def test_percentage_voucher_takes_the_percentage_off(referred, on_commit):
    ada, bob, referral = referred
    enable_referrals(
        referrer_discount_type=ReferralSettings.PERCENTAGE, referrer_discount_value=Decimal(20)
    )
    confirm(on_commit(first_order, bob), on_commit)
    referral.refresh_from_db()
    _messages, total = basket_with_code(ada, referral.referrer_voucher.code)
    assert total == Decimal("24.00")


def test_replayed_confirmations_issue_one_voucher(referred, on_commit):
    _ada, bob, referral = referred
    order = on_commit(first_order, bob)
    replay_confirmations(order, referral, on_commit)
    referral.refresh_from_db()
    assert list(Voucher.objects.all()) == [referral.referrer_voucher]


def test_cancelled_first_order_issues_no_voucher(referred, on_commit):
    _ada, bob, referral = referred
    order = on_commit(first_order, bob)
    set_status(order, "Cancelled", on_commit)
    settlement.settle_due_referrals(far_future(referral))
    referral.refresh_from_db()
    assert referral.status == Referral.CANCELLED
    assert referral.referrer_voucher is None and not Voucher.objects.exists()


def test_another_customer_cannot_use_the_referrers_voucher(rewarded):
    _ada, _order, referral = rewarded
    messages, total = basket_with_code(UserFactory(), referral.referrer_voucher.code)
    assert "Your basket does not qualify for a voucher discount" in messages
    assert total == Decimal("30.00")


def test_refund_after_the_reward_ends_the_unused_voucher(rewarded, on_commit):
    ada, order, referral = rewarded
    refund(order, order.total_incl_tax, on_commit)
    referral.refresh_from_db()
    assert referral.status == Referral.REVERSED and referral.reward_kept_at is None
    code = referral.referrer_voucher.code
    messages, total = basket_with_code(ada, code)
    assert f"The '{code}' voucher has expired" in messages
    assert total == Decimal("30.00")


def test_refund_ends_the_voucher_already_on_the_referrers_basket(rewarded, on_commit):
    ada, order, referral = rewarded
    _messages, total = basket_with_code(ada, referral.referrer_voucher.code)
    assert total == Decimal("20.00")
    refund(order, order.total_incl_tax, on_commit)
    client = Client()
    client.force_login(ada)
    assert client.get(reverse("basket:summary")).context["basket"].total_incl_tax == 30


def test_refund_after_the_voucher_was_used_is_recorded_for_staff(rewarded, on_commit, staff):
    ada, order, referral = rewarded
    basket = shopper_with_teapot(ada)
    basket.post(reverse("basket:vouchers-add"), {"code": referral.referrer_voucher.code})
    used_on = on_commit(
        first_order, ada, basket=basket.get(reverse("basket:summary")).wsgi_request.basket
    )
    assert used_on.discounts.get().voucher_code == referral.referrer_voucher.code

    refund(order, order.total_incl_tax, on_commit)
    refund(order, Decimal("0.01"), on_commit)  # a second refund event changes nothing
    referral.refresh_from_db()
    assert referral.status == Referral.REWARDED and referral.reward_kept_at is not None
    response = staff.get(dashboard_url("loyalty-referral-detail", referral.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "after the referrer had already used the voucher" in html
    assert referral.referrer_voucher.code in html and str(used_on.number) in html


def test_referrer_sees_the_voucher_code_and_the_offer_on_the_rewards_page(rewarded):
    ada, _order, referral = rewarded
    client = Client()
    client.force_login(ada)
    html = client.get(reverse("oscar_loyalty:account")).content.decode()
    assert (
        "Give your friends £10.00 off their first order. You get a voucher for £10.00 off "
        "your next order when their order is confirmed." in html
    )
    assert "points when their order is confirmed" not in html
    assert f'data-loyalty="referrer-voucher">{referral.referrer_voucher.code}<' in html


def test_staff_see_the_voucher_code_in_the_referral_list(rewarded, staff):
    _ada, _order, referral = rewarded
    html = staff.get(dashboard_url("loyalty-referral-list")).content.decode()
    assert referral.referrer_voucher.code in html


def test_points_stay_the_default_reward():
    settings = ReferralSettings.load()
    assert settings.referrer_reward_type == ReferralSettings.POINTS
    assert not settings.pays_referrer_voucher


def settings_data(staff) -> dict:
    form = staff.get(dashboard_url("loyalty-referral-settings")).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(is_enabled="on", referrer_reward_type=ReferralSettings.VOUCHER)
    return data


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("amount", "0", "Enter a number from 0.01 to 100,000."),
        ("amount", "-5", "Enter a number from 0.01 to 100,000."),
        ("amount", "250000", "Enter a number from 0.01 to 100,000."),
        ("amount", "9" * 13, "Enter a number from 0.01 to 100,000."),
        ("percentage", "101", "A percentage can be at most 100."),
        ("amount", "ten", "Enter a number."),
    ],
)
def test_settings_refuse_a_bad_referrer_voucher_with_a_message(staff, kind, value, message):
    data = settings_data(staff)
    data.update(referrer_discount_type=kind, referrer_discount_value=value)
    response = staff.post(dashboard_url("loyalty-referral-settings"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ReferralSettings.load().referrer_reward_type == ReferralSettings.POINTS


def test_settings_switch_the_referrer_reward_to_a_voucher(staff):
    data = settings_data(staff)
    data.update(referrer_discount_type="percentage", referrer_discount_value="15")
    assert staff.post(dashboard_url("loyalty-referral-settings"), data).status_code == 302
    settings = ReferralSettings.load()
    assert settings.pays_referrer_voucher
    assert settings.referrer_discount_value == Decimal("15")
