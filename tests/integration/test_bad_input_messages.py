"""The server errors the hostile-input sweep (``test_hostile_input.py``) found, one test each:
what the visitor gets now instead of a 500."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import SocialFollowRule, SpendRule, Tier
from tests.factories import create_buyable_product, create_redemption_settings
from tests.factories import dashboard_url as url
from tests.referrals import enable_referrals

pytestmark = pytest.mark.django_db

HUGE_ID = "9" * 40


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_next_address_that_is_not_a_path_is_ignored_not_looked_up_as_a_url_name(client):
    enable_referrals()
    page = client.post(
        reverse("oscar_loyalty:referral-code"), {"code": "x", "next": "checkout"}, follow=True
    )
    assert page.redirect_chain[0] == ("/basket/", 302)
    assert "That is not a referral code" in page.content.decode()


def test_points_form_with_a_bare_word_as_next_goes_back_to_the_basket(client):
    shopper = UserFactory()
    ledger.earn(ledger.account_for_user(shopper), 1000, key="funding")
    create_redemption_settings()
    client.force_login(shopper)
    product = create_buyable_product("Doily", "20.00")
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    data = {"action": "apply", "points": "abc", "token": "d" * 32, "next": "NaN"}
    page = client.post(reverse("oscar_loyalty:redeem-points"), data, follow=True)
    assert page.redirect_chain[0] == (reverse("basket:summary"), 302)
    assert "Enter a whole number." in page.content.decode()


@pytest.mark.parametrize("query", ["per_page=0", "per_page=-1&page=-1", f"per_page={HUGE_ID}"])
def test_dashboard_tables_keep_a_sane_page_size_whatever_the_address_says(staff, query):
    ledger.account_for_user(UserFactory(email="jane@example.com"))
    page = staff.get(f"{url('loyalty-account-list')}?{query}")
    assert page.status_code == 200
    assert "jane@example.com" in page.content.decode()


def test_posting_to_the_recommendations_page_is_refused_not_an_error(staff):
    assert staff.post(url("loyalty-recommendations"), {"customer": ""}).status_code == 405


def test_editing_rule_number_zero_is_not_found(staff):
    assert staff.post("/dashboard/loyalty/rules/0/", {"name": "x"}).status_code == 404
    assert staff.post("/dashboard/loyalty/rewards/0/", {"name": "x"}).status_code == 404


def test_an_id_too_long_for_the_database_is_not_found(client):
    rule = SocialFollowRule.objects.create(
        name="Follow", points=5, network="insta", follow_url="https://example.com/us"
    )
    client.force_login(UserFactory())
    assert client.post(f"/loyalty/follow/{2**63}/").status_code == 404
    assert client.post(f"/loyalty/follow/{rule.pk}/").status_code == 302


def test_tier_form_refuses_a_reward_id_too_long_for_the_database(staff):
    data = {"name": "Gold", "position": "1", "threshold": "100", "exclusive_rewards": HUGE_ID}
    page = staff.post(url("loyalty-tier-create"), data)
    assert page.status_code == 200
    assert f"“{HUGE_ID}” is not a valid value." in page.content.decode()
    assert not Tier.objects.exists()


def test_spend_rule_multiplier_refuses_a_product_id_too_long_for_the_database(staff):
    data = {
        "name": "Points on spend",
        "currency": "GBP",
        "points_per_unit": "1",
        "min_order_total": "0",
        "multipliers-TOTAL_FORMS": "1",
        "multipliers-INITIAL_FORMS": "0",
        "multipliers-0-product": HUGE_ID,
        "multipliers-0-multiplier": "2",
    }
    page = staff.post(url("loyalty-rule-create-type", "spendrule"), data)
    assert page.status_code == 200
    assert "Select a valid choice." in page.content.decode()
    assert not SpendRule.objects.exists()


@pytest.mark.parametrize("product", ["NaN", "1e309", HUGE_ID, "\x00"])
def test_free_product_reward_refuses_a_product_that_is_not_an_id(staff, product):
    data = {"name": "Free bag", "points_cost": "100", "product": product}
    page = staff.post(url("loyalty-reward-create-type", "freeproductreward"), data)
    assert page.status_code == 200
    assert "Choose a product that can be bought on its own." in page.content.decode()


def test_a_forged_form_count_builds_at_most_twenty_brackets(staff):
    data = {
        "range": "",
        "brackets-TOTAL_FORMS": "1000000",
        "brackets-INITIAL_FORMS": "0",
        "brackets-0-threshold": "100",
        "brackets-0-kind": "percentage",
        "brackets-0-value": Decimal("5"),
    }
    page = staff.post(url("loyalty-brackets-create"), data).content.decode()
    assert "Please submit at most 20 forms." in page
    assert "brackets-19-threshold" in page and "brackets-20-threshold" not in page
