"""Every loyalty dashboard page's browser tab names the Loyalty section, as its breadcrumbs do,
so staff with many tabs open can tell them apart."""

import re
from decimal import Decimal

import pytest
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import SignupRule, Tier
from tests.factories import create_redemption_settings, dashboard_url
from tests.offers import bracket_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def pages(five_off) -> list[tuple]:
    """(URL name, arguments) of every page a GET shows, the CSV download aside."""
    account = ledger.account_for_user(UserFactory(email="jane@example.com"))
    rule = SignupRule.objects.create(name="Welcome bonus", points=50)
    tier = Tier.objects.create(name="Gold", position=1, threshold=Decimal("100"))
    settings = create_redemption_settings()
    benefit = bracket_offer().benefit
    return [
        ("loyalty-index",),
        ("loyalty-settings",),
        ("loyalty-rule-list",),
        ("loyalty-rule-create",),
        ("loyalty-rule-create-type", "spendrule"),
        ("loyalty-rule-update", rule.pk),
        ("loyalty-rule-delete", rule.pk),
        ("loyalty-reward-list",),
        ("loyalty-reward-create",),
        ("loyalty-reward-create-type", "amountoffreward"),
        ("loyalty-reward-update", five_off.pk),
        ("loyalty-reward-delete", five_off.pk),
        ("loyalty-reward-redemptions",),
        ("loyalty-reward-redemptions", five_off.pk),
        ("loyalty-redemption-list",),
        ("loyalty-redemption-create",),
        ("loyalty-redemption-update", settings.pk),
        ("loyalty-offer-blocks",),
        ("loyalty-brackets-create",),
        ("loyalty-brackets-update", benefit.pk),
        ("loyalty-account-list",),
        ("loyalty-account-detail", account.pk),
        ("loyalty-account-tier", account.pk),
        ("loyalty-referral-list",),
        ("loyalty-referral-settings",),
        ("loyalty-referral-report",),
        ("loyalty-recommendations",),
        ("loyalty-tier-list",),
        ("loyalty-tier-create",),
        ("loyalty-tier-update", tier.pk),
        ("loyalty-tier-delete", tier.pk),
        ("loyalty-tier-members", tier.pk),
        ("loyalty-tier-settings",),
    ]


def title(html: str) -> str:
    return " ".join(re.search(r"<title>(.*?)</title>", html, re.S).group(1).split())


def test_every_page_title_names_the_loyalty_section(admin, pages):
    titles = {page: title(admin.get(dashboard_url(*page)).content.decode()) for page in pages}
    assert [page for page, text in titles.items() if "Loyalty |" not in text] == []
    assert titles[("loyalty-recommendations",)].startswith("Recommendations | Loyalty | ")
