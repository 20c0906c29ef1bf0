"""Customer accounts in the dashboard: search, detail, manual adjustments, CSV export; plus the
overview figures and programme settings."""

import csv
import io
from datetime import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import LedgerEntry, ProgramSettings, SignupRule
from tests.factories import dashboard_url as url

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user():
    user = UserFactory(is_staff=True, first_name="Sam", last_name="Support")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="oscar_loyalty", codename="add_ledgerentry")
    )
    return user


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def jane():
    return UserFactory(email="jane@example.com", first_name="Jane", last_name="Doe")


@pytest.fixture
def account(jane):
    return ledger.account_for_user(jane)


def adjust_form(client, account) -> dict:
    """What the account page's adjustment form would post, with its one-off key."""
    form = client.get(url("loyalty-account-detail", account.pk)).context["adjust_form"]
    return {"key": form.initial["key"], "points": "", "reason": ""}


def post_adjustment(client, account, points, reason="Goodwill"):
    data = {**adjust_form(client, account), "points": points, "reason": reason}
    return client.post(url("loyalty-account-adjust", account.pk), data, follow=True)


# --- search ------------------------------------------------------------------------------------


@pytest.fixture
def accounts(account):
    bob = ledger.account_for_user(UserFactory(email="bob@example.org", first_name="Bob"))
    outside = ledger.account_for_owner("saleor:shop.example:42")
    return {"jane": account, "bob": bob, "saleor": outside}


@pytest.mark.parametrize(
    "query,expected",
    [
        ("jane@", {"jane"}),
        ("EXAMPLE.ORG", {"bob"}),
        ("Jane Doe", {"jane"}),
        ("doe", {"jane"}),
        ("saleor:shop", {"saleor"}),
        ("", {"jane", "bob", "saleor"}),
    ],
)
def test_search_by_email_name_or_owner_key(staff, accounts, query, expected):
    response = staff.get(url("loyalty-account-list"), {"q": query})
    found = {row.record.pk for row in response.context["accounts"].page.object_list}
    assert found == {accounts[name].pk for name in expected}


def test_search_without_a_match_says_so(staff, accounts):
    page = staff.get(url("loyalty-account-list"), {"q": "nobody"}).content.decode()
    assert "No account matches “nobody”." in page


def test_account_list_shows_balances_and_links_to_the_account(staff, account, staff_user):
    ledger.adjust(account, 1234, key="seed", reason="seed", staff_user=staff_user)
    page = staff.get(url("loyalty-account-list")).content.decode()
    assert "1,234" in page
    assert f'href="{url("loyalty-account-detail", account.pk)}"' in page
    assert "Jane Doe" in page


def test_account_list_is_paginated(staff):
    for number in range(23):
        ledger.account_for_owner(f"import:{number}")
    page = staff.get(url("loyalty-account-list")).content.decode()
    assert "23 accounts" in page and "Page 1 of 2" in page


# --- detail ------------------------------------------------------------------------------------


def test_detail_shows_balances_lots_and_the_ledger(staff, account, staff_user):
    ledger.earn(account, 300, key="e1", description="Order 100001", order_number="100001")
    ledger.adjust(account, -50, key="a1", reason="Damaged parcel", staff_user=staff_user)
    response = staff.get(url("loyalty-account-detail", account.pk))
    page = response.content.decode()
    assert 'data-balance="available"><strong>250</strong>' in page
    assert "Order 100001" in page and "Damaged parcel" in page
    assert "Sam Support" in page
    assert "+300" in page and "-50" in page
    lot = response.context["lots"][0]
    assert (lot.points, lot.remaining) == (300, 250)


def test_ledger_on_the_detail_page_is_paginated(staff, account):
    for number in range(25):
        ledger.earn(account, 1, key=f"e{number}", description=f"Gift {number:02d}")
    first = staff.get(url("loyalty-account-detail", account.pk)).content.decode()
    assert "25 ledger entries" in first and "Page 1 of 2" in first
    assert "Gift 24" in first and "Gift 00" not in first
    second = staff.get(url("loyalty-account-detail", account.pk), {"page": 2}).content.decode()
    assert "Gift 00" in second


def test_detail_of_an_empty_account_explains(staff, account):
    page = staff.get(url("loyalty-account-detail", account.pk)).content.decode()
    assert "Nothing on the ledger yet" in page
    assert "No points left in any batch." in page


def test_unknown_account_is_not_found(staff):
    assert staff.get(url("loyalty-account-detail", 999999)).status_code == 404


# --- adjustments -------------------------------------------------------------------------------


def test_positive_adjustment_credits_points_with_reason_and_staff(staff, account, staff_user):
    response = post_adjustment(staff, account, "150", reason="Late delivery")
    assert response.redirect_chain[-1][0] == url("loyalty-account-detail", account.pk)
    assert "+150 points adjusted. Available balance: 150." in response.content.decode()
    account.refresh_from_db()
    assert account.available == 150
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.points, entry.reason, entry.created_by) == (
        LedgerEntry.ADJUST,
        150,
        "Late delivery",
        staff_user,
    )
    assert entry.idempotency_key.startswith(f"adjust:{account.pk}:")


def test_negative_adjustment_deducts_points(staff, account):
    post_adjustment(staff, account, "100")
    response = post_adjustment(staff, account, "-40", reason="Returned gift")
    assert "-40 points adjusted. Available balance: 60." in response.content.decode()
    account.refresh_from_db()
    assert account.available == 60


@pytest.mark.parametrize(
    "points,reason,message",
    [
        ("100", "", "Give a reason: it is kept with the adjustment."),
        ("100", "   ", "Give a reason: it is kept with the adjustment."),
        ("ten", "Goodwill", "Enter a whole number of points, e.g. 50 or -50."),
        ("1.5", "Goodwill", "Enter a whole number of points, e.g. 50 or -50."),
        ("", "Goodwill", "This field is required."),
        ("0", "Goodwill", "Enter a number of points other than zero."),
        ("99999999999999999999999", "Goodwill", "At most 1,000,000,000 points can be adjusted"),
        ("-99999999999999999999999", "Goodwill", "At most 1,000,000,000 points can be adjusted"),
        ("-1", "Goodwill", "Only 0 points are available to deduct."),
    ],
    ids=["no-reason", "blank-reason", "words", "decimal", "empty", "zero", "huge", "-huge", "-1"],
)
def test_bad_adjustments_are_form_errors_not_postings(staff, account, points, reason, message):
    data = {**adjust_form(staff, account), "points": points, "reason": reason}
    response = staff.post(url("loyalty-account-adjust", account.pk), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Oops! We found some errors" in page
    assert not LedgerEntry.objects.exists()
    # The same key comes back, so correcting and resending still posts at most once.
    assert f'value="{data["key"]}"' in page


def test_adjustment_messages_group_thousands(staff, account):
    response = post_adjustment(staff, account, "11639")
    assert "+11,639 points adjusted. Available balance: 11,639." in response.content.decode()
    data = {**adjust_form(staff, account), "points": "-20000", "reason": "Oops"}
    response = staff.post(url("loyalty-account-adjust", account.pk), data)
    assert "Only 11,639 points are available to deduct." in response.content.decode()


def test_deducting_more_than_available_is_a_form_error(staff, account):
    post_adjustment(staff, account, "100")
    data = {**adjust_form(staff, account), "points": "-101", "reason": "Oops"}
    response = staff.post(url("loyalty-account-adjust", account.pk), data)
    assert response.status_code == 200
    assert "Only 100 points are available to deduct." in response.content.decode()
    account.refresh_from_db()
    assert account.available == 100
    assert LedgerEntry.objects.count() == 1


def test_a_ledger_refusal_after_validation_is_shown_on_the_form(staff, account):
    """The ledger re-checks under its row lock (e.g. points spent meanwhile): never a 500."""
    data = {**adjust_form(staff, account), "points": "5", "reason": "Goodwill"}
    refusal = ledger.InsufficientPoints("Only 3 points are available to deduct.")
    with mock.patch.object(ledger, "adjust", side_effect=refusal):
        response = staff.post(url("loyalty-account-adjust", account.pk), data)
    assert response.status_code == 200
    assert "Only 3 points are available to deduct." in response.content.decode()


def test_double_submit_with_the_same_key_posts_once(staff, account):
    data = {**adjust_form(staff, account), "points": "75", "reason": "Goodwill"}
    first = staff.post(url("loyalty-account-adjust", account.pk), data, follow=True)
    second = staff.post(url("loyalty-account-adjust", account.pk), data, follow=True)
    assert "+75 points adjusted" in first.content.decode()
    assert "This adjustment was already saved; nothing changed." in second.content.decode()
    account.refresh_from_db()
    assert account.available == 75
    assert LedgerEntry.objects.count() == 1


def test_each_page_view_gets_a_new_key(staff, account):
    assert adjust_form(staff, account)["key"] != adjust_form(staff, account)["key"]


@pytest.mark.parametrize(
    "key,message",
    [
        ("", "This field is required."),
        ("adjust:1:not-a-uuid", "This form has expired"),
        ("order:1:earn", "This form has expired"),
        ("KEY-OF-OTHER", "This form has expired"),
    ],
)
def test_a_missing_forged_or_foreign_key_is_refused(staff, account, key, message):
    """The key must be this account's own, so a posting can never land on another key."""
    if key == "KEY-OF-OTHER":
        key = adjust_form(staff, ledger.account_for_owner("other"))["key"]
    data = {"key": key, "points": "10", "reason": "Goodwill"}
    response = staff.post(url("loyalty-account-adjust", account.pk), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LedgerEntry.objects.exists()


# --- CSV export --------------------------------------------------------------------------------


def test_csv_export_streams_the_whole_ledger_with_a_header(staff, account, staff_user):
    ledger.earn(account, 300, key="e1", description="Order 100001", order_number="100001")
    ledger.adjust(account, -50, key="a1", reason="=HYPERLINK(evil)", staff_user=staff_user)
    ledger.earn(ledger.account_for_owner("someone-else"), 5, key="other", description="Not me")
    response = staff.get(url("loyalty-account-ledger-csv", account.pk))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="loyalty-ledger-{account.pk}.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["Date", "Kind", "Description", "Order number", "Points"]
    assert len(rows) == 3
    earn, adjustment = rows[1], rows[2]
    assert earn[1:5] == ["earn", "Order 100001", "100001", "300"]
    assert adjustment[1] == "adjust" and adjustment[4] == "-50"
    assert adjustment[8] == "'=HYPERLINK(evil)"  # never run as a spreadsheet formula
    assert adjustment[9] == staff_user.email
    assert datetime.fromisoformat(earn[0]).tzinfo is not None


def test_csv_export_of_an_empty_account_has_just_the_header(staff, account):
    response = staff.get(url("loyalty-account-ledger-csv", account.pk))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1 and rows[0][0] == "Date"


# --- overview and settings ---------------------------------------------------------------------


def test_overview_shows_what_the_programme_owes(staff, account, staff_user):
    ledger.adjust(account, 1000, key="a", reason="seed", staff_user=staff_user)
    from datetime import timedelta

    from django.utils import timezone

    other = ledger.account_for_owner("import:1")
    ledger.earn(other, 200, key="p", pending_until=timezone.now() + timedelta(days=14))
    SignupRule.objects.create(name="Welcome", points=10)
    SignupRule.objects.create(name="Off", points=10, is_active=False)
    response = staff.get(url("loyalty-index"))
    page = response.content.decode()
    assert 'data-figure="liability">1,200<' in page
    assert "1,000 available, 200 pending, 0 held at checkout" in page
    assert 'data-figure="accounts">2<' in page
    assert 'data-figure="recent-entries">2<' in page
    assert 'data-figure="active-rules">1<' in page
    for name in ["loyalty-account-list", "loyalty-rule-list", "loyalty-settings"]:
        assert f'href="{url(name)}"' in page


def test_overview_warns_when_the_programme_is_off(staff):
    program = ProgramSettings.load()
    program.is_enabled = False
    program.save()
    assert "The programme is switched off" in staff.get(url("loyalty-index")).content.decode()


def test_settings_are_saved_with_a_message(staff):
    data = {
        "is_enabled": "on",
        "return_window_days": "30",
        "lot_expiry_days": "365",
        "inactivity_expiry_days": "",
        "expiry_warning_days": "7",
    }
    response = staff.post(url("loyalty-settings"), data, follow=True)
    assert "Loyalty programme settings saved." in response.content.decode()
    program = ProgramSettings.load()
    assert (program.return_window_days, program.lot_expiry_days) == (30, 365)
    assert program.inactivity_expiry_days is None


@pytest.mark.parametrize(
    "field,value",
    [("return_window_days", "-1"), ("lot_expiry_days", "0"), ("expiry_warning_days", "x")],
)
def test_bad_settings_are_form_errors(staff, field, value):
    data = {"is_enabled": "on", "return_window_days": "14", "expiry_warning_days": "14"}
    response = staff.post(url("loyalty-settings"), {**data, field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert ProgramSettings.load().return_window_days == 14


@pytest.mark.parametrize(
    "sort", ["customer", "-email", "owner_key", "-available", "last_activity_at"]
)
def test_account_list_can_be_sorted_by_its_column_headers(staff, accounts, staff_user, sort):
    ledger.adjust(accounts["bob"], 500, key="bob", reason="seed", staff_user=staff_user)
    response = staff.get(url("loyalty-account-list"), {"sort": sort})
    assert response.status_code == 200
    records = [row.record for row in response.context["accounts"].page.object_list]
    assert len(records) == 3
    if sort == "-available":
        assert records[0] == accounts["bob"]
