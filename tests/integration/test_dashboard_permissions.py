"""Who may open the loyalty dashboard: staff only, and adjusting points needs a real permission."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import LedgerEntry, SignupRule

pytestmark = pytest.mark.django_db

NS = "oscar_loyalty_dashboard"


@pytest.fixture
def account():
    return ledger.account_for_user(UserFactory(email="jane@example.com"))


@pytest.fixture
def rule():
    return SignupRule.objects.create(name="Welcome bonus", points=50)


@pytest.fixture
def urls(account, rule):
    """Every loyalty dashboard URL, by name."""
    return {
        "loyalty-index": reverse(f"{NS}:loyalty-index"),
        "loyalty-settings": reverse(f"{NS}:loyalty-settings"),
        "loyalty-rule-list": reverse(f"{NS}:loyalty-rule-list"),
        "loyalty-rule-create": reverse(f"{NS}:loyalty-rule-create"),
        "loyalty-rule-create-type": reverse(f"{NS}:loyalty-rule-create-type", args=["spendrule"]),
        "loyalty-rule-update": reverse(f"{NS}:loyalty-rule-update", args=[rule.pk]),
        "loyalty-rule-delete": reverse(f"{NS}:loyalty-rule-delete", args=[rule.pk]),
        "loyalty-account-list": reverse(f"{NS}:loyalty-account-list"),
        "loyalty-account-detail": reverse(f"{NS}:loyalty-account-detail", args=[account.pk]),
        "loyalty-account-adjust": reverse(f"{NS}:loyalty-account-adjust", args=[account.pk]),
        "loyalty-account-ledger-csv": reverse(
            f"{NS}:loyalty-account-ledger-csv", args=[account.pk]
        ),
    }


URL_NAMES = [
    "loyalty-index",
    "loyalty-settings",
    "loyalty-rule-list",
    "loyalty-rule-create",
    "loyalty-rule-create-type",
    "loyalty-rule-update",
    "loyalty-rule-delete",
    "loyalty-account-list",
    "loyalty-account-detail",
    "loyalty-account-adjust",
    "loyalty-account-ledger-csv",
]


def adjuster():
    """A staff member allowed to change balances."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="oscar_loyalty", codename="add_ledgerentry")
    )
    return user


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_the_dashboard_login(client, urls, name, method):
    response = getattr(client, method)(urls[name])
    assert response.status_code == 302
    assert response.url.startswith(reverse("dashboard:login"))


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_customers_are_refused(client, urls, name, method):
    client.force_login(UserFactory(is_staff=False))
    response = getattr(client, method)(urls[name])
    assert response.status_code == 403


@pytest.mark.parametrize("name", [name for name in URL_NAMES if name != "loyalty-account-adjust"])
def test_staff_can_open_every_page(client, urls, name):
    client.force_login(UserFactory(is_staff=True))
    response = client.get(urls[name])
    assert response.status_code == 200


def test_inactive_staff_are_refused(client, urls):
    client.force_login(UserFactory(is_staff=True, is_active=False))
    assert client.get(urls["loyalty-index"]).status_code in (302, 403)


def test_adjusting_needs_the_ledger_permission_on_top_of_staff(client, urls, account):
    client.force_login(UserFactory(is_staff=True))
    data = {"points": "100", "reason": "Goodwill", "key": f"adjust:{account.pk}:x"}
    assert client.post(urls["loyalty-account-adjust"], data).status_code == 403
    assert client.get(urls["loyalty-account-adjust"]).status_code == 403
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.ADJUST).exists()
    page = client.get(urls["loyalty-account-detail"]).content.decode()
    assert 'data-loyalty="adjust-form"' not in page
    assert "needs the “Can add ledger entry” permission" in page


def test_staff_with_the_permission_see_the_form_and_get_on_adjust_goes_back(client, urls):
    client.force_login(adjuster())
    assert (
        'data-loyalty="adjust-form"' in client.get(urls["loyalty-account-detail"]).content.decode()
    )
    response = client.get(urls["loyalty-account-adjust"])
    assert response.status_code == 302
    assert response.url == urls["loyalty-account-detail"]


def test_superusers_can_adjust(client, urls, account):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = client.get(urls["loyalty-account-detail"]).context["adjust_form"]
    data = {"points": "10", "reason": "Goodwill", "key": form.initial["key"]}
    assert client.post(urls["loyalty-account-adjust"], data).status_code == 302
    account.refresh_from_db()
    assert account.available == 10


def test_the_dashboard_menu_lists_the_loyalty_sections(client, urls):
    client.force_login(UserFactory(is_staff=True))
    page = client.get(urls["loyalty-index"]).content.decode()
    for name in ["loyalty-index", "loyalty-account-list", "loyalty-rule-list", "loyalty-settings"]:
        assert f'href="{urls[name]}"' in page
    for label in ["Overview", "Accounts", "Earning rules", "Settings"]:
        assert label in page
