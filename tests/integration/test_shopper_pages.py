"""What shoppers see: Rewards tab, points on product and basket pages, header badge."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import LedgerEntry, NewsletterRule, SocialFollowRule
from tests.factories import create_buyable_product, create_spend_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_rewards_page_shows_balance_pending_date_and_history(client, shopper):
    account = ledger.account_for_user(shopper)
    ledger.earn(account, 120, key="a", description="Order 100023")
    available_on = timezone.now() + timedelta(days=10)
    ledger.earn(account, 45, key="b", description="Order 100024", pending_until=available_on)
    page = client.get(reverse("oscar_loyalty:account")).content.decode()
    assert 'data-loyalty="available">120<' in page
    assert 'data-loyalty="pending">45<' in page
    assert f"45 points available on {available_on:%-d %b %Y}" in page
    assert "Order 100023" in page and "Order 100024" in page


def test_history_names_a_staff_adjustment_once_with_its_reason(client, shopper):
    staff = UserFactory(is_staff=True)
    account = ledger.account_for_user(shopper)
    ledger.adjust(account, 50, key="adj", reason="Sorry the parcel was late", staff_user=staff)
    page = client.get(reverse("oscar_loyalty:account")).content.decode()
    history = page[page.index('data-loyalty="history"') :]
    assert "Adjusted by staff: <bdi>Sorry the parcel was late</bdi>" in history
    assert history.count("Adjusted by staff") == 1


def test_large_point_counts_are_grouped_in_thousands(client, shopper):
    ledger.earn(ledger.account_for_user(shopper), 12367, key="big", description="Order 100025")
    create_spend_rule("100")
    product = create_buyable_product("Garden Parasol", "12.50")

    rewards_page = client.get(reverse("oscar_loyalty:account")).content.decode()
    product_page = client.get(product.get_absolute_url()).content.decode()

    assert 'data-loyalty="available">12,367<' in rewards_page
    assert "+12,367" in rewards_page
    badge = rewards_page[rewards_page.index('data-loyalty="header-badge"') :]
    assert "12,367 points" in badge[: badge.index("</li>")]
    assert "Earn 1,250 points" in product_page


def test_rewards_history_is_paginated(client, shopper):
    account = ledger.account_for_user(shopper)
    for i in range(25):
        ledger.earn(account, 1, key=f"e{i}", description=f"Gift {i:02d}")
    first = client.get(reverse("oscar_loyalty:account")).content.decode()
    second = client.get(reverse("oscar_loyalty:account") + "?page=2").content.decode()
    assert "Gift 24" in first and "Gift 04" not in first
    assert "Gift 04" in second
    assert client.get(reverse("oscar_loyalty:account") + "?page=abc").status_code == 200


def test_shopper_never_sees_another_customers_points(client, shopper):
    other = ledger.account_for_user(UserFactory())
    ledger.earn(other, 987_654, key="other", description="Someone else's order")
    for query in ("", f"?account={other.pk}", f"?user={other.user_id}"):
        page = client.get(reverse("oscar_loyalty:account") + query).content.decode()
        # Grouped as shown; the digits alone can turn up in a CSRF token.
        assert "987,654" not in page and "Someone else" not in page


def test_empty_history_explains_how_to_earn(client, shopper):
    page = client.get(reverse("oscar_loyalty:account")).content.decode()
    assert 'data-loyalty="history-empty"' in page


def test_product_page_shows_points_to_earn(client):
    create_spend_rule("2")
    product = create_buyable_product("Glass Star Lantern", "12.50")
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Earn 25 points" in page


def test_basket_page_shows_points_for_this_order_and_follows_changes(client, shopper):
    create_spend_rule("1")
    product = create_buyable_product("Glass Star Lantern", "12.50")
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 2})
    assert (
        "You will earn 25 points with this order"
        in client.get(reverse("basket:summary")).content.decode()
    )
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 2})
    assert (
        "You will earn 50 points with this order"
        in client.get(reverse("basket:summary")).content.decode()
    )


def test_header_badge_shows_spendable_points(client, shopper):
    ledger.earn(ledger.account_for_user(shopper), 77, key="e")
    page = client.get(reverse("catalogue:index")).content.decode()
    assert 'data-loyalty="header-badge"' in page and "77 points" in page


def test_newsletter_opt_in_earns_once(client, shopper):
    NewsletterRule.objects.create(name="Newsletter", points=30)
    url = reverse("oscar_loyalty:account-profile")
    client.post(url, {"newsletter_opt_in": "on"})
    client.post(url, {"newsletter_opt_in": ""})
    client.post(url, {"newsletter_opt_in": "on"})
    assert ledger.account_for_user(shopper).available == 30


@pytest.mark.parametrize("birth_date", ["not-a-date", "1800-01-01", "2999-01-01"])
def test_bad_birthday_gets_a_message_not_an_error_page(client, shopper, birth_date):
    response = client.post(
        reverse("oscar_loyalty:account-profile"), {"birth_date": birth_date}, follow=True
    )
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert ledger.account_for_user(shopper).profile.birth_date is None


def test_birthday_cannot_be_moved_once_set(client, shopper):
    url = reverse("oscar_loyalty:account-profile")
    client.post(url, {"birth_date": "1990-05-04"})
    client.post(url, {"birth_date": "1990-11-23"})
    assert str(ledger.account_for_user(shopper).profile.birth_date) == "1990-05-04"


def test_social_follow_click_through_earns_once_per_network(client, shopper):
    rule = SocialFollowRule.objects.create(
        name="Instagram",
        points=15,
        network="instagram",
        follow_url="https://instagram.example/shop",
    )
    url = reverse("oscar_loyalty:social-follow", args=[rule.pk])
    assert client.get(url).status_code == 405
    first = client.post(url)
    client.post(url)
    assert first["Location"] == "https://instagram.example/shop"
    assert LedgerEntry.objects.filter(rule_id=rule.pk).count() == 1
    assert client.post(reverse("oscar_loyalty:social-follow", args=[99999])).status_code == 404


def test_loyalty_pages_need_sign_in(client):
    for name in ("oscar_loyalty:account", "oscar_loyalty:account-profile"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_spend_rule_rate_with_decimals_rounds_down(client):
    create_spend_rule("0.3333")
    product = create_buyable_product("Tea Towel", "10.00")
    assert "Earn 3 points" in client.get(product.get_absolute_url()).content.decode()
