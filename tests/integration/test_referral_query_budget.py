"""Switching referrals on costs the basket page at most 2 SQL queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.checkout import basket_with_points_applied
from tests.referrals import enable_referrals

pytestmark = pytest.mark.django_db


def basket_page_queries(client) -> int:
    url = reverse("basket:summary")
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_referrals_add_at_most_two_queries_to_the_basket_page(client):
    basket_with_points_applied(client)
    without_referrals = basket_page_queries(client)
    enable_referrals()
    with_referrals = basket_page_queries(client)
    html = client.get(reverse("basket:summary")).content.decode()
    assert 'data-loyalty="referral-code-form"' in html  # the block rendered
    assert with_referrals - without_referrals <= 2
