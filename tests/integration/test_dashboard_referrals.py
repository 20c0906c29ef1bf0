"""Referrals in the dashboard: settings, the list and review queue, the funnel, permissions."""

import re
import zoneinfo
from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import Referral, ReferralSettings, ReferralVisit
from oscar_loyalty.offers.referrals import friend_offer
from oscar_loyalty.referrals import settlement
from tests.factories import dashboard_url
from tests.referrals import enable_referrals, first_order, make_referrer, refer_friend

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(on_commit):
    """Bob's first order is under the minimum value: his referral waits for review."""
    enable_referrals(min_first_order_value=Decimal("50.00"))
    ada, code = make_referrer()
    bob, referral = refer_friend(code)
    order = on_commit(first_order, bob)
    settlement.order_confirmed(order)
    referral.refresh_from_db()
    assert referral.status == Referral.REVIEW
    return ada, referral


def reviewer():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="oscar_loyalty", codename="change_referral")
    )
    return user


def pages(referral) -> list[str]:
    return [
        dashboard_url("loyalty-referral-list"),
        dashboard_url("loyalty-referral-detail", referral.pk),
        dashboard_url("loyalty-referral-settings"),
        dashboard_url("loyalty-referral-report"),
    ]


def test_anonymous_and_customers_are_refused_every_referral_page(client, flagged):
    _ada, referral = flagged
    review = dashboard_url("loyalty-referral-review", referral.pk)
    for url in [*pages(referral), review]:
        assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    for url in [*pages(referral), review]:
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": "approve"}).status_code == 403
    referral.refresh_from_db()
    assert referral.status == Referral.REVIEW


def test_staff_see_the_list_with_the_rule_that_fired(staff, flagged):
    _ada, referral = flagged
    for url in pages(referral):
        assert staff.get(url).status_code == 200
    html = staff.get(dashboard_url("loyalty-referral-list") + "?status=review").content.decode()
    assert "The first order is worth £40.00, below the minimum of £50.00." in html
    assert "1 to review" in html


def referral_list(staff) -> tuple[int, str]:
    """The referral list's page and how many queries it took (caches warmed first)."""
    url = dashboard_url("loyalty-referral-list")
    staff.get(url)
    with CaptureQueriesContext(connection) as queries:
        html = staff.get(url).content.decode()
    return len(queries), html


def test_list_shows_each_first_orders_number_and_total_without_a_query_per_row(staff, on_commit):
    enable_referrals()
    _ada, code = make_referrer()
    for count, email in enumerate(["bob@example.net", "cat@example.net", "dan@example.net"]):
        friend, _referral = refer_friend(code, email)
        on_commit(first_order, friend, price=f"{40 + count}.00")
        if count == 0:
            one_row, _html = referral_list(staff)
    three_rows, html = referral_list(staff)
    assert three_rows == one_row
    orders = Order.objects.filter(number__in=Referral.objects.values("order_number"))
    assert orders.count() == 3
    for order in orders:
        link = reverse("dashboard:order-detail", kwargs={"number": order.number})
        total = currency(order.total_incl_tax, order.currency)
        assert (
            f'<a href="{link}">{order.number}</a> &middot; '
            f'<span data-loyalty="first-order-total">{total}</span>'
        ) in html


def test_detail_shows_the_first_order_total_in_its_currency(staff, flagged):
    _ada, referral = flagged
    order = Order.objects.get(number=referral.order_number)
    html = staff.get(dashboard_url("loyalty-referral-detail", referral.pk)).content.decode()
    total = html.split('data-loyalty="first-order-total">')[1].split("<")[0]
    assert total == currency(order.total_incl_tax, order.currency) == "£30.00"
    assert reverse("dashboard:order-detail", kwargs={"number": order.number}) in html


def test_detail_names_the_rules_that_fired_in_words(staff, flagged):
    _ada, referral = flagged
    html = staff.get(dashboard_url("loyalty-referral-detail", referral.pk)).content.decode()
    rules = html[html.index('data-loyalty="fired-rules"') :].split("</table>")[0]
    assert "<td>First order below the minimum</td>" in rules
    assert ">min_order_value<" not in rules


def test_reviewing_needs_the_change_referral_permission(staff, flagged):
    ada, referral = flagged
    url = dashboard_url("loyalty-referral-review", referral.pk)
    assert staff.post(url, {"action": "approve"}).status_code == 403
    assert ledger.account_for_user(ada).available == 0


def test_approving_pays_the_referrer_once(client, flagged):
    ada, referral = flagged
    client.force_login(reviewer())
    url = dashboard_url("loyalty-referral-review", referral.pk)
    response = client.post(url, {"action": "approve", "note": "Small first order, fine"})
    assert response.status_code == 302
    again = client.post(url, {"action": "approve"})
    assert "This referral is no longer waiting for review." in again.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.REWARDED
    assert "Small first order, fine" in referral.review_note
    assert ledger.account_for_user(ada).available == 1000


def test_rejecting_pays_nothing_and_notes_need_text(client, flagged):
    ada, referral = flagged
    client.force_login(reviewer())
    url = dashboard_url("loyalty-referral-review", referral.pk)
    assert "Write the note to add." in client.post(url, {"action": "note"}).content.decode()
    assert client.post(url, {"action": "bogus"}).status_code == 200
    client.post(url, {"action": "reject", "note": "Same household"})
    referral.refresh_from_db()
    assert referral.status == Referral.REJECTED
    assert ledger.account_for_user(ada).available == 0


def test_approving_after_the_first_order_was_cancelled_pays_nothing(client, flagged, on_commit):
    ada, referral = flagged
    order = Order.objects.get(number=referral.order_number)
    on_commit(order.set_status, "Cancelled")
    client.force_login(reviewer())
    url = dashboard_url("loyalty-referral-review", referral.pk)
    response = client.post(url, {"action": "approve"})
    assert "This referral is no longer waiting for review." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.CANCELLED
    assert ledger.account_for_user(ada).available == 0


def test_rejecting_after_it_was_approved_and_paid_keeps_one_decision(client, flagged):
    ada, referral = flagged
    client.force_login(reviewer())
    url = dashboard_url("loyalty-referral-review", referral.pk)
    client.post(url, {"action": "approve"})
    response = client.post(url, {"action": "reject"})
    assert "This referral is no longer waiting for review." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.REWARDED
    assert ledger.account_for_user(ada).available == 1000


def test_reviewing_an_unknown_referral_is_a_404(client):
    client.force_login(reviewer())
    url = dashboard_url("loyalty-referral-review", 999999)
    assert client.post(url, {"action": "approve"}).status_code == 404


def test_settings_switch_the_friends_offer_and_refuse_bad_values(staff):
    url = dashboard_url("loyalty-referral-settings")
    form = staff.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(is_enabled="on", friend_discount_type="percentage", friend_discount_value="150")
    response = staff.post(url, data)
    assert "A percentage can be at most 100." in response.content.decode()
    data["friend_discount_value"] = "15"
    assert staff.post(url, data).status_code == 302
    assert ReferralSettings.load().is_enabled
    assert friend_offer().name == "Referral: 15% off your first order"
    del data["is_enabled"]
    staff.post(url, data)
    assert friend_offer().status == "Suspended"


def test_a_huge_monthly_cap_is_refused_with_the_limit_in_words(staff):
    url = dashboard_url("loyalty-referral-settings")
    form = staff.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["max_rewarded_per_month"] = "9223372036854775807"
    response = staff.post(url, data)
    assert response.context["form"].errors["max_rewarded_per_month"] == [
        "Enter a whole number from 1 to 1,000,000,000."
    ]
    assert ReferralSettings.load().max_rewarded_per_month != 9223372036854775807


def test_funnel_counts_each_stage_and_ranks_referrers(staff, flagged):
    ada, _referral = flagged
    make_referrer("grace@example.com")
    html = staff.get(dashboard_url("loyalty-referral-report")).content.decode()
    context = staff.get(dashboard_url("loyalty-referral-report")).context
    assert context["totals"] == {"visits": 1, "signups": 1, "orders": 1, "rewarded": 0}
    assert context["top_referrers"][0]["referrer__email"] == ada.email
    assert "grace@example.com" not in html


def funnel_months(staff, query: str = "") -> list[str]:
    html = staff.get(dashboard_url("loyalty-referral-report") + query).content.decode()
    funnel = html[html.index('data-loyalty="referral-funnel"') : html.index("funnel-totals")]
    return re.findall(r"<tr><td>(\w+ \d{4})</td>", funnel)


@freeze_time("2026-11-30 23:30")
@pytest.mark.parametrize(
    "query, first, count",
    [("?months=3", "September 2026", 3), ("?months=6", "June 2026", 6), ("", "June 2026", 6)],
)
def test_each_funnel_period_lists_exactly_its_months(staff, query, first, count):
    months = funnel_months(staff, query)
    assert len(months) == count
    assert months[0] == "November 2026" and months[-1] == first


@freeze_time("2026-01-01 00:30")
def test_last_twelve_months_reach_back_across_the_year(staff):
    months = funnel_months(staff, "?months=12")
    assert len(months) == 12
    assert months[0] == "January 2026" and months[-1] == "February 2025"


@freeze_time("2026-11-15 12:00")
def test_funnel_counts_visits_from_the_first_day_of_the_period_only(staff):
    ada, _code = make_referrer()
    london = zoneinfo.ZoneInfo("Europe/London")
    for moment in (datetime(2026, 8, 31, 23, 59), datetime(2026, 9, 1, 0, 0)):
        ReferralVisit.objects.create(referrer=ada, visited_at=moment.replace(tzinfo=london))
    context = staff.get(dashboard_url("loyalty-referral-report") + "?months=3").context
    assert context["totals"]["visits"] == 1


def test_the_period_picker_shows_the_period_listed_by_default(staff):
    html = staff.get(dashboard_url("loyalty-referral-report")).content.decode()
    assert re.search(r'<option value="6"[^>]*selected', html)


def test_settings_heading_says_what_friend_and_referrer_get(staff):
    enable_referrals(friend_discount_type="amount", friend_discount_value=Decimal("10.00"))
    html = staff.get(dashboard_url("loyalty-referral-settings")).content.decode()
    assert "Give £10.00, get 1,000 points" in html and "Give X, get X" not in html

    enable_referrals(referrer_reward_type="voucher", referrer_discount_value=Decimal("10.00"))
    html = staff.get(dashboard_url("loyalty-referral-settings")).content.decode()
    assert "Give £10.00, get a £10.00 voucher" in html
