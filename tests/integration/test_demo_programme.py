"""The sandbox's ready-made programme: created once, and past orders earn straight away."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger, tiers
from oscar_loyalty.models import RedemptionSettings, Reward, SpendRule, Tier
from tests.factories import place_order

pytestmark = pytest.mark.django_db


def test_demo_programme_is_idempotent_and_pays_points_for_past_orders(
    django_capture_on_commit_callbacks,
):
    shopper = UserFactory()
    order = place_order(shopper, [("40.00", 1)])
    order.date_placed = timezone.now() - timedelta(days=90)
    order.save()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("loyalty_demo_programme", stdout=StringIO(), stderr=StringIO())
    call_command("loyalty_demo_programme", stdout=StringIO(), stderr=StringIO())

    assert SpendRule.objects.count() == 1 and RedemptionSettings.objects.count() == 1
    assert RedemptionSettings.objects.get().pay_shipping  # points may pay for shipping
    assert Reward.objects.count() == 3  # no "tin" product in this shop: no gift
    assert ledger.account_for_user(shopper).available == 40
    assert Tier.objects.count() == 3
    assert tiers.tier_for_user(shopper).name == "Friends"  # past orders count towards tiers


def test_demo_programme_switches_referrals_on_with_the_friends_offer():
    from oscar_loyalty.models import ReferralSettings
    from oscar_loyalty.offers.referrals import friend_offer

    call_command("loyalty_demo_programme", stdout=StringIO(), stderr=StringIO())

    settings = ReferralSettings.load()
    assert settings.is_enabled
    assert friend_offer().name == "Referral: £10.00 off your first order"
    # A friend's £10 basket, free after the discount, does not earn the referrer 1000 points.
    assert settings.min_first_order_value == Decimal("20.00")
