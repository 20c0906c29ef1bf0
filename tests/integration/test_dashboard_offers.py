"""Offer building blocks in the dashboard: spend brackets (validated inline table) and
customer conditions, ready to pick in Oscar's own offer flow."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_loyalty.models import SpendBracket
from tests.factories import dashboard_url as url
from tests.offers import bracket_offer, spend_brackets

Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")

pytestmark = pytest.mark.django_db

BRACKETS_PATH = "oscar_loyalty.offers.brackets.SpendBracketsBenefit"


def bracket_rows(*rows: tuple[str, str, str], initial: int = 0, extra: dict | None = None) -> dict:
    data = {
        "range": "",
        "brackets-TOTAL_FORMS": str(len(rows)),
        "brackets-INITIAL_FORMS": str(initial),
        "brackets-MIN_NUM_FORMS": "0",
        "brackets-MAX_NUM_FORMS": "1000",
    }
    for index, (threshold, kind, value) in enumerate(rows):
        kind = kind or "percentage"  # what the browser sends for an untouched row
        data.update(
            {
                f"brackets-{index}-threshold": threshold,
                f"brackets-{index}-kind": kind,
                f"brackets-{index}-value": value,
            }
        )
    data.update(extra or {})
    return data


def customer_conditions():
    return Condition.objects.filter(proxy_class__startswith="oscar_loyalty.offers.customer_")


def test_staff_create_brackets_in_one_form(staff):
    response = staff.post(
        url("loyalty-brackets-create"),
        bracket_rows(("100", "percentage", "5"), ("200", "percentage", "10"), ("", "", "")),
    )
    benefit = Benefit.objects.get(proxy_class=BRACKETS_PATH)
    assert response.status_code == 302
    assert response["Location"] == url("loyalty-brackets-update", benefit.pk)
    assert list(SpendBracket.objects.filter(benefit=benefit).values_list("threshold", "value")) == [
        (Decimal("100.00"), Decimal("5.00")),
        (Decimal("200.00"), Decimal("10.00")),
    ]
    assert "5 % off from £100.00, 10 % off from £200.00" in str(benefit)  # Oscar's dropdown label


@pytest.mark.parametrize(
    "rows, message",
    [
        (
            [("200", "percentage", "10"), ("100", "percentage", "5")],
            "Brackets go from the lowest spend to the highest: £100.00 comes before £200.00.",
        ),
        ([("100", "percentage", "-5")], "Enter a discount above zero."),
        ([("-1", "percentage", "5")], "Enter a number from 0 to 9,999,999,999.99."),
        ([("9" * 13, "percentage", "5")], "Enter a number from 0 to 9,999,999,999.99."),
        ([("100", "amount", "9" * 13)], "Enter a number from 0 to 1,000,000."),
        ([("100", "percentage", "0")], "Enter a discount above zero."),
        ([("100", "percentage", "120")], "A percentage cannot be more than 100 %."),
        (
            [("100", "percentage", "10"), ("100", "percentage", "15")],
            "Another bracket already starts at £100.00.",
        ),
        (
            [("100", "percentage", "10"), ("200", "percentage", "5")],
            "A higher spend must give a bigger discount than the bracket below it.",
        ),
        ([("", "", "")], "Add at least one bracket."),
    ],
)
def test_bad_brackets_get_form_errors(staff, rows, message):
    response = staff.post(url("loyalty-brackets-create"), bracket_rows(*rows))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Benefit.objects.filter(proxy_class=BRACKETS_PATH).exists()


def test_editing_brackets_replaces_and_removes_rows(staff):
    offer = bracket_offer()
    benefit = offer.benefit
    ids = list(SpendBracket.objects.filter(benefit=benefit).values_list("pk", flat=True))
    data = bracket_rows(
        ("100", "percentage", "5"),
        ("250", "percentage", "12.5"),
        ("300", "percentage", "15"),
        initial=3,
        extra={f"brackets-{i}-id": str(pk) for i, pk in enumerate(ids)}
        | {"brackets-2-DELETE": "on"},
    )
    response = staff.post(url("loyalty-brackets-update", benefit.pk), data)
    assert response.status_code == 302
    assert list(SpendBracket.objects.filter(benefit=benefit).values_list("threshold", "value")) == [
        (Decimal("100.00"), Decimal("5.00")),
        (Decimal("250.00"), Decimal("12.50")),
    ]
    page = staff.get(url("loyalty-brackets-update", benefit.pk)).content.decode()
    assert offer.name in page  # which offers use these brackets


def test_unknown_or_foreign_benefits_are_not_found(staff):
    stock = Benefit.objects.create(type=Benefit.PERCENTAGE, value=10)
    assert staff.get(url("loyalty-brackets-update", stock.pk)).status_code == 404
    assert staff.get(url("loyalty-brackets-update", 999999)).status_code == 404


def test_the_blocks_page_lists_brackets_conditions_and_their_offers(staff):
    bracket_offer("Big basket savings")
    page = staff.get(url("loyalty-offer-blocks")).content.decode()
    assert "Big basket savings" in page and "Any basket, any customer" in page
    assert "£300.00 &rarr; 15 %" in page


def test_staff_add_a_second_order_condition_once(staff):
    for _ in range(2):
        response = staff.post(url("loyalty-offer-blocks"), {"kind": "exact-orders", "value": "1"})
        assert response.status_code == 302
    (condition,) = customer_conditions()
    assert str(condition) == "Customers with exactly 1 previous order (this is order 2)"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "exact-orders", "value": ""}, "This kind of condition needs a number."),
        ({"kind": "win-back", "value": "0"}, "Enter 1 or more."),
        ({"kind": "minimum-orders", "value": "-2"}, "Enter a whole number from 0 to 100,000."),
        ({"kind": "nonsense", "value": "1"}, "Select a valid choice."),
    ],
)
def test_bad_customer_conditions_get_form_errors(staff, data, message):
    response = staff.post(url("loyalty-offer-blocks"), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not customer_conditions().exists()


@pytest.fixture
def block_urls():
    benefit = spend_brackets(("100", "percentage", "5"))
    return [
        url("loyalty-offer-blocks"),
        url("loyalty-brackets-create"),
        url("loyalty-brackets-update", benefit.pk),
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_the_dashboard_login(client, block_urls, method):
    for address in block_urls:
        response = getattr(client, method)(address)
        assert response.status_code == 302 and "/dashboard/login/" in response["Location"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_customers_are_refused(client, block_urls, method):
    client.force_login(UserFactory(is_staff=False))
    for address in block_urls:
        assert getattr(client, method)(address).status_code == 403
    assert SpendBracket.objects.count() == 1


def test_oscars_offer_page_links_to_its_brackets(client):
    offer = bracket_offer()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/dashboard/offers/{offer.pk}/").content.decode()
    assert url("loyalty-brackets-update", offer.benefit_id) in page
