"""The rewards catalogue: points buy single-use vouchers bound to the customer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from oscar.test.factories import UserFactory, create_order

from oscar_loyalty import ledger, rewards, tasks
from oscar_loyalty.models import (
    AmountOffReward,
    GiftReward,
    PercentageOffReward,
    RewardRedemption,
)
from oscar_loyalty.verification import find_discrepancies
from tests.factories import create_buyable_product, open_basket, with_offers

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper():
    user = UserFactory()
    ledger.earn(ledger.account_for_user(user), 1000, key="funding")
    return user


def redeem(user, reward, token="1"):
    return rewards.redeem_reward(
        ledger.account_for_user(user), reward, key=f"r:{reward.pk}:{token}"
    )


def test_redeeming_deducts_points_and_issues_a_single_use_voucher(shopper, five_off):
    redeemed = redeem(shopper, five_off)
    assert ledger.account_for_user(shopper).available == 500
    assert redeemed.voucher.code.startswith("RWD-") and redeemed.voucher.usage == "Single use"
    basket = open_basket(shopper, [("20.00", 1)])
    basket.vouchers.add(redeemed.voucher)
    priced = with_offers(basket, shopper)
    assert priced.total_incl_tax == Decimal("15.00")
    order = create_order(basket=priced, user=shopper)
    assert order.total_incl_tax == Decimal("15.00")
    tasks.settle_reward_vouchers()
    redeemed.refresh_from_db()
    assert redeemed.status == RewardRedemption.USED


def test_another_customer_cannot_use_the_reward_code(shopper, five_off):
    redeemed = redeem(shopper, five_off)
    thief = UserFactory()
    basket = open_basket(thief, [("20.00", 1)])
    basket.vouchers.add(redeemed.voucher)
    assert with_offers(basket, thief).total_incl_tax == Decimal("20.00")


def test_double_click_redeems_once(shopper, five_off):
    first = redeem(shopper, five_off, token="same")
    second = redeem(shopper, five_off, token="same")
    assert first.pk == second.pk
    assert ledger.account_for_user(shopper).available == 500


def test_stock_limit_is_never_oversold(shopper):
    limited = PercentageOffReward.objects.create(
        name="Collector's 20%", points_cost=100, percentage=20, stock=1
    )
    redeem(shopper, limited, token="a")
    with pytest.raises(rewards.RewardError, match="no longer available"):
        redeem(shopper, limited, token="b")
    assert ledger.account_for_user(shopper).available == 900


def test_not_enough_points_issues_nothing(shopper):
    dear = AmountOffReward.objects.create(name="£50 off", points_cost=5000, amount=50)
    with pytest.raises(rewards.RewardError, match="1,000 points"):
        redeem(shopper, dear)
    assert not RewardRedemption.objects.exists()


def test_expired_unused_voucher_gives_points_back_once(shopper, five_off):
    redeem(shopper, five_off)
    with freeze_time(timezone.now() + timedelta(days=31)):
        assert tasks.settle_reward_vouchers() == 1
        assert tasks.settle_reward_vouchers() == 0
    assert ledger.account_for_user(shopper).available == 1000
    assert find_discrepancies() == []


def test_rewards_page_lists_affordable_and_close_rewards(client, shopper, five_off):
    AmountOffReward.objects.create(name="£20 off", points_cost=1300, amount=20)
    client.force_login(shopper)
    page = client.get(reverse("oscar_loyalty:account")).content.decode()
    assert "£5 off" in page and "Redeem" in page
    assert "300 more points to go" in page


def test_gift_goes_into_the_basket_for_free(client, shopper):
    product = create_buyable_product("Collectible Tin Robot", "12.00")
    gift = GiftReward.objects.create(name="Tin robot", points_cost=400, product=product, stock=10)
    client.force_login(shopper)
    response = client.post(
        reverse("oscar_loyalty:reward-redeem", args=[gift.pk]), {"token": "a" * 32}, follow=True
    )
    page = response.content.decode()
    assert "Collectible Tin Robot" in page and "added to your basket" in page
    assert response.context["basket"].total_incl_tax == Decimal("0.00")


def test_apply_button_puts_the_voucher_on_the_basket(client, shopper, five_off):
    redeemed = redeem(shopper, five_off)
    client.force_login(shopper)
    product = create_buyable_product("Lunch Bag", "9.00")
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    response = client.post(reverse("oscar_loyalty:reward-apply", args=[redeemed.pk]), follow=True)
    assert response.context["basket"].total_incl_tax == Decimal("4.00")


def test_basket_names_the_reward_voucher_by_its_reward_and_code_only(client, shopper, five_off):
    redeem(shopper, five_off, token="first")
    redeemed = redeem(shopper, five_off, token="second")
    client.force_login(shopper)
    product = create_buyable_product("Lunch Bag", "9.00")
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    client.post(reverse("oscar_loyalty:reward-apply", args=[redeemed.pk]))
    page = client.get(reverse("basket:summary")).content.decode()
    code = redeemed.voucher.code
    assert f"<bdi>{five_off.name}</bdi> ({code})" in page
    assert "#" not in page[page.index('id="basket_totals"') : page.index(f"({code})")]
    assert page[page.index('id="basket_totals"') :].count(code) == 1


def test_someone_elses_reward_is_not_found(client, shopper, five_off):
    redeemed = redeem(shopper, five_off)
    client.force_login(UserFactory())
    assert client.post(reverse("oscar_loyalty:reward-apply", args=[redeemed.pk])).status_code == 404
    assert (
        client.post(
            reverse("oscar_loyalty:reward-redeem", args=[99999]), {"token": "a" * 32}
        ).status_code
        == 404
    )


def test_forged_token_redeems_nothing(client, shopper, five_off):
    client.force_login(shopper)
    client.post(reverse("oscar_loyalty:reward-redeem", args=[five_off.pk]), {"token": "x"})
    assert not RewardRedemption.objects.exists()
