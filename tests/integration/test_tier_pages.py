"""What shoppers see about tiers: Rewards page, basket nudge, tier-exclusive rewards."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger, tiers
from oscar_loyalty.models import (
    AmountOffReward,
    CustomerTier,
    PointsEvent,
    Tier,
    TierActivity,
    TierSettings,
)
from tests.factories import create_buyable_product, create_spend_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder():
    create_spend_rule("1")
    family = Tier.objects.create(
        name="Family", position=1, threshold=Decimal("100"), discount_percentage=Decimal("5")
    )
    vip = Tier.objects.create(
        name="VIP",
        position=2,
        threshold=Decimal("500"),
        points_multiplier=Decimal("2"),
        free_shipping=Tier.SHIPPING_ALWAYS,
        badge_colour="#c9a227",
        badge_icon="fas fa-crown",
    )
    return family, vip


def shopper_with_spend(client, amount: str, tier: Tier | None = None):
    user = UserFactory()
    account = ledger.account_for_user(user)
    TierActivity.objects.create(
        account=account,
        order_number=f"T{user.pk}",
        spend=Decimal(amount),
        points=int(Decimal(amount)),
        occurred_at=timezone.now(),
    )
    if tier is not None:
        CustomerTier.objects.create(account=account, tier=tier, earned_tier=tier)
    client.force_login(user)
    return user


def rewards_page(client) -> str:
    return client.get(reverse("oscar_loyalty:account")).content.decode()


@freeze_time("2026-11-30 12:00")
def test_rewards_page_shows_tier_perks_and_progress_to_the_next(ladder, client):
    family, _vip = ladder
    shopper_with_spend(client, "420.00", family)
    page = rewards_page(client)
    assert 'data-loyalty="current-tier"' in page and "Family" in page
    assert "5% off every order" in page
    assert "Spend £80.00 more by 31 Dec to reach <bdi>VIP</bdi>" in page
    assert 'aria-valuenow="84"' in page
    assert "The count starts again after 31 Dec 2026" in page
    table = page[page.index('data-loyalty="tier-table"') :]
    assert "2&times; points on every order" in table and "Free shipping" in table
    assert "fas fa-crown" in table


def test_points_metric_and_rolling_window_explained(ladder, client):
    settings = TierSettings.load()
    settings.metric, settings.window, settings.rolling_months = "points", "rolling", 6
    settings.save()
    shopper_with_spend(client, "40.00")
    page = rewards_page(client)
    assert "You have not reached a tier yet." in page
    assert "Earn 60 points more to reach <bdi>Family</bdi>" in page
    assert "Orders count for 6 months." in page


def test_points_to_the_next_tier_are_grouped(client):
    settings = TierSettings.load()
    settings.metric, settings.window = "points", "lifetime"
    settings.save()
    Tier.objects.create(name="Gold", position=1, threshold=Decimal("2500"))
    shopper_with_spend(client, "40.00")
    assert "Earn 2,460 points more to reach <bdi>Gold</bdi>" in rewards_page(client)


def test_pin_is_shown_and_explained(ladder, client):
    family, vip = ladder
    user = shopper_with_spend(client, "150.00", family)
    ends = timezone.now() + timedelta(days=20)
    tiers.pin_customer(
        ledger.account_for_user(user),
        vip,
        reason="Press event",
        ends_at=ends,
        staff_user=UserFactory(is_staff=True),
    )
    pin = rewards_page(client)
    pin = pin[pin.index('data-loyalty="tier-pin"') :]
    assert "Our team has put you in <bdi>VIP</bdi> until" in pin and "<bdi>Press event</bdi>" in pin
    assert "After that your tier will be the one your orders reach: <bdi>Family</bdi> today." in pin


def test_staff_pin_below_the_top_tier_is_not_called_the_highest(ladder, client):
    family, vip = ladder
    user = shopper_with_spend(client, "600.00", vip)
    tiers.pin_customer(
        ledger.account_for_user(user),
        family,
        reason="Chargeback review",
        ends_at=timezone.now() + timedelta(days=20),
        staff_user=UserFactory(is_staff=True),
    )
    page = rewards_page(client)
    assert "Our team has put you in <bdi>Family</bdi> until" in page
    assert "your orders reach: <bdi>VIP</bdi> today." in page
    assert "You are in our highest tier" not in page


def test_a_new_customer_is_in_the_entry_tier_at_once(ladder, client):
    family, vip = ladder
    Tier.objects.create(
        name="Friends", position=0, threshold=Decimal("0"), points_multiplier=Decimal("1.5")
    )
    user = UserFactory()
    client.force_login(user)  # registered a minute ago: no order, no tier recorded yet
    page = rewards_page(client)
    status = page[
        page.index('data-loyalty="tier-status"') : page.index('data-loyalty="tier-table"')
    ]
    assert "Friends" in status and "You have not reached a tier yet" not in status
    assert "Spend £100.00 more" in status and "to reach <bdi>Family</bdi>" in status
    assert "£0.00" not in status
    # The entry tier's perks apply too: 1.5x points on a £40 product.
    product = create_buyable_product("Tea towel", "40.00")
    assert "Earn 60 points" in client.get(product.get_absolute_url()).content.decode()


def test_shopper_sees_only_their_own_tier(ladder, client):
    family, vip = ladder
    other = UserFactory()
    CustomerTier.objects.create(account=ledger.account_for_user(other), tier=vip, earned_tier=vip)
    shopper_with_spend(client, "150.00", family)
    page = rewards_page(client)
    status = page[
        page.index('data-loyalty="tier-status"') : page.index('data-loyalty="tier-table"')
    ]
    assert "Family" in status and "VIP" not in status.split("to reach")[0]


def test_basket_nudge_when_this_order_reaches_the_next_tier(ladder, client):
    family, _vip = ladder
    shopper_with_spend(client, "420.00", family)
    small = create_buyable_product("Tea towel", "30.00")
    client.post(reverse("basket:add", args=[small.pk]), {"quantity": 1})
    page = client.get(reverse("basket:summary")).content.decode()
    assert 'data-loyalty="tier-nudge"' not in page
    big = create_buyable_product("Regency Cakestand", "60.00")
    client.post(reverse("basket:add", args=[big.pk]), {"quantity": 1})
    page = client.get(reverse("basket:summary")).content.decode()
    nudge = page[page.index('data-loyalty="tier-nudge"') :]
    assert "Once this order is confirmed you reach <bdi>VIP</bdi>!" in nudge


def test_a_tier_added_below_the_count_is_not_promised_for_nothing(ladder, client):
    """Until the re-evaluation moves them, a customer whose count already reaches a new tier is
    told so, not asked to spend £0.00 more, and the basket claims no credit for it."""
    family, _vip = ladder
    shopper_with_spend(client, "420.00", family)
    Tier.objects.create(name="Silver", position=3, threshold=Decimal("300"))  # no re-evaluation
    Tier.objects.filter(name="VIP").update(position=4)

    status = rewards_page(client)
    reached = "Your orders already reach <bdi>Silver</bdi>: your new tier shows here shortly."
    assert reached in status
    assert "more to reach" not in status
    client.post(reverse("basket:add", args=[create_buyable_product("Mug", "30.00").pk]))
    assert 'data-loyalty="tier-nudge"' not in client.get(reverse("basket:summary")).content.decode()


def test_tier_exclusive_rewards_are_hidden_and_refused_for_others(ladder, client):
    family, vip = ladder
    lounge = AmountOffReward.objects.create(name="VIP lounge voucher", points_cost=10, amount=5)
    vip.exclusive_rewards.add(lounge)
    user = shopper_with_spend(client, "150.00", family)
    ledger.earn(ledger.account_for_user(user), 100, key="gift")
    assert "VIP lounge voucher" not in rewards_page(client)
    response = client.post(
        reverse("oscar_loyalty:reward-redeem", args=[lounge.pk]), {"token": "a" * 32}
    )
    assert response.status_code == 404

    CustomerTier.objects.filter(account__user=user).update(tier=vip)
    assert "VIP lounge voucher" in rewards_page(client)


def test_product_page_promises_what_the_basket_awards_a_vip_during_an_event(ladder, client):
    _family, vip = ladder
    now = timezone.now()
    PointsEvent.objects.create(
        name="Double points weekend",
        multiplier=Decimal("2"),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    shopper_with_spend(client, "600.00", vip)
    parasol = create_buyable_product("Parasol", "2.50")

    product_page = client.get(parasol.get_absolute_url()).content.decode()
    client.post(reverse("basket:add", args=[parasol.pk]), {"quantity": 1})
    basket_page = client.get(reverse("basket:summary")).content.decode()

    assert "You will earn 10 points" in basket_page
    assert "Earn 10 points" in product_page
