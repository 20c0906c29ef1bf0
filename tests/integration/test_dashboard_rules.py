"""Earning rules in the dashboard: two-step creation per type, multipliers, validation, delete."""

import html
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.text import capfirst
from oscar.core.loading import get_class
from oscar.test.factories import UserFactory, create_product

from oscar_loyalty import ledger
from oscar_loyalty.models import (
    BirthdayRule,
    EarningRule,
    FirstOrderRule,
    NewsletterRule,
    ReviewRule,
    RuleMultiplier,
    SignupRule,
    SocialFollowRule,
    SpendRule,
)
from tests.factories import dashboard_url as url

create_from_breadcrumbs = get_class("catalogue.categories", "create_from_breadcrumbs")

pytestmark = pytest.mark.django_db

LIST_URL = "/dashboard/loyalty/rules/"


def multipliers(*rows: dict, initial: int = 0) -> dict:
    """Management form plus rows for the multipliers formset."""
    data = {
        "multipliers-TOTAL_FORMS": str(len(rows)),
        "multipliers-INITIAL_FORMS": str(initial),
        "multipliers-MIN_NUM_FORMS": "0",
        "multipliers-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for field, value in row.items():
            data[f"multipliers-{index}-{field}"] = value
    return data


def spend_data(**overrides) -> dict:
    data = {
        "name": "Points on spend",
        "is_active": "on",
        "currency": "GBP",
        "points_per_unit": "1.5",
        "min_order_total": "0",
        **multipliers(),
    }
    data.update(overrides)
    return data


ACTION_DATA = {"name": "Bonus", "is_active": "on", "points": "50", "limit_count": "1"}

TYPES = [
    ("spendrule", SpendRule, spend_data()),
    ("signuprule", SignupRule, {**ACTION_DATA, "limit_period": "lifetime"}),
    ("firstorderrule", FirstOrderRule, {**ACTION_DATA, "limit_period": "lifetime"}),
    ("reviewrule", ReviewRule, {**ACTION_DATA, "limit_count": "3", "limit_period": "month"}),
    ("newsletterrule", NewsletterRule, {**ACTION_DATA, "limit_period": "lifetime"}),
    ("birthdayrule", BirthdayRule, {**ACTION_DATA, "limit_period": "year"}),
    (
        "socialfollowrule",
        SocialFollowRule,
        {
            **ACTION_DATA,
            "limit_period": "lifetime",
            "network": "instagram",
            "follow_url": "https://instagram.com/shop",
        },
    ),
]


def test_step_one_offers_every_concrete_rule_type_and_not_the_bases(staff):
    page = staff.get(url("loyalty-rule-create")).content.decode()
    for slug, _model, _data in TYPES:
        assert f'value="{slug}"' in page
    assert 'value="actionrule"' not in page
    assert 'value="earningrule"' not in page


@pytest.mark.parametrize("slug,model,data", TYPES, ids=[slug for slug, *_ in TYPES])
def test_create_each_type_in_two_steps(staff, slug, model, data):
    step_one = staff.post(url("loyalty-rule-create"), {"rule_type": slug})
    assert step_one.status_code == 302
    assert step_one.url == url("loyalty-rule-create-type", slug)

    form_page = staff.get(step_one.url)
    assert form_page.status_code == 200
    assert form_page.context["form"]._meta.model is model

    response = staff.post(step_one.url, data, follow=True)
    assert response.redirect_chain[-1][0] == url("loyalty-rule-list")
    rule = EarningRule.objects.get()
    assert type(rule) is model
    assert rule.name == data["name"]
    page = response.content.decode()
    assert f"Earning rule “{data['name']}” saved." in page
    assert capfirst(str(model._meta.verbose_name)) in page


def test_an_unknown_type_is_not_found(staff):
    assert staff.get(url("loyalty-rule-create-type", "actionrule")).status_code == 404
    assert staff.get(url("loyalty-rule-create-type", "nonsense")).status_code == 404


def test_step_one_needs_a_choice(staff):
    response = staff.post(url("loyalty-rule-create"), {"rule_type": "nonsense"})
    assert response.status_code == 200
    assert response.context["form"].errors["rule_type"]


def test_spend_rule_with_product_and_category_multipliers(staff):
    product = create_product(title="Gold mug")
    category = create_from_breadcrumbs("Gifts > Candles")
    data = spend_data(
        **multipliers(
            {"product": str(product.pk), "multiplier": "2"},
            {"category": str(category.pk), "multiplier": "0"},
            {},  # an untouched extra row is ignored
        )
    )
    response = staff.post(url("loyalty-rule-create-type", "spendrule"), data)
    assert response.status_code == 302
    rule = SpendRule.objects.get()
    rows = {(m.product_id, m.category_id): m.multiplier for m in rule.multipliers.all()}
    assert rows == {(product.pk, None): Decimal("2"), (None, category.pk): Decimal("0")}

    listing = staff.get(LIST_URL).content.decode()
    assert "1.5 points per GBP, 2 multipliers" in listing

    # Editing shows the rows and can remove one.
    edit = staff.get(url("loyalty-rule-update", rule.pk))
    formset = edit.context["formset"]
    assert formset.initial_form_count() == 2
    ids = [str(form.instance.pk) for form in formset.forms[:2]]
    data = spend_data(
        name="Points on spend",
        **multipliers(
            {"id": ids[0], "product": str(product.pk), "multiplier": "3"},
            {"id": ids[1], "category": str(category.pk), "multiplier": "0", "DELETE": "on"},
            initial=2,
        ),
    )
    assert staff.post(url("loyalty-rule-update", rule.pk), data).status_code == 302
    assert list(rule.multipliers.values_list("product_id", "multiplier")) == [
        (product.pk, Decimal("3"))
    ]


@pytest.mark.parametrize(
    "row,message",
    [
        ({"multiplier": "2"}, "Choose a product or a category."),
        ("both", "Choose a product or a category, not both"),
        ({"category": "CATEGORY", "multiplier": "-1"}, "Enter a number from 0 to 100."),
        ({"category": "CATEGORY", "multiplier": "1000"}, "Enter a number from 0 to 100."),
        ({"category": "CATEGORY", "multiplier": "1" * 20}, "Enter a number from 0 to 100."),
    ],
    ids=["neither", "both", "negative", "large", "too-many-digits"],
)
def test_bad_multiplier_rows_are_form_errors(staff, row, message):
    product = create_product(title="Gold mug")
    category = create_from_breadcrumbs("Gifts > Candles")
    if row == "both":
        row = {"product": str(product.pk), "category": "CATEGORY", "multiplier": "2"}
    row = {key: str(category.pk) if value == "CATEGORY" else value for key, value in row.items()}
    response = staff.post(
        url("loyalty-rule-create-type", "spendrule"), spend_data(**multipliers(row))
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "please check the multiplier rows below" in page
    assert not EarningRule.objects.exists()
    assert not RuleMultiplier.objects.exists()


def test_the_same_product_twice_is_refused(staff):
    product = create_product(title="Gold mug")
    rows = [{"product": str(product.pk), "multiplier": "2"}] * 2
    response = staff.post(
        url("loyalty-rule-create-type", "spendrule"), spend_data(**multipliers(*rows))
    )
    assert response.status_code == 200
    assert "Gold mug has more than one row." in response.content.decode()
    assert not EarningRule.objects.exists()


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        (
            {"starts_at": "2030-01-02 10:00", "ends_at": "2030-01-01 10:00"},
            "ends_at",
            "The end must be after the start.",
        ),
        ({"points_per_unit": "-1"}, "points_per_unit", "Enter a rate above zero"),
        ({"points_per_unit": "0"}, "points_per_unit", "Enter a rate above zero"),
        ({"points_per_unit": "999999999"}, "points_per_unit", ""),
        ({"points_per_unit": "abc"}, "points_per_unit", "Enter a number."),
        ({"min_order_total": "-5"}, "min_order_total", ""),
        ({"min_order_total": "5000000"}, "min_order_total", "Enter a number from 0 to 1,000,000."),
        ({"min_order_total": "9" * 13}, "min_order_total", "Enter a number from 0 to 1,000,000."),
        ({"points_per_unit": "1" * 12}, "points_per_unit", "Enter a number from 0 to 100,000."),
        ({"currency": "gbp"}, "currency", "three capital letters"),
        ({"currency": "POUNDS"}, "currency", "three capital letters"),
        ({"currency": "XYZ"}, "currency", "XYZ is not a known currency code."),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_bad_spend_rule_input_is_a_form_error(staff, overrides, field, message):
    response = staff.post(url("loyalty-rule-create-type", "spendrule"), spend_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert message in response.content.decode()
    assert not EarningRule.objects.exists()


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"points": "0"}, "points"),
        ({"points": "-10"}, "points"),
        ({"points": "100000000000000000000"}, "points"),
        ({"points": "ten"}, "points"),
        ({"limit_count": "0"}, "limit_count"),
        ({"limit_count": "99999999"}, "limit_count"),
        ({"limit_period": "fortnight"}, "limit_period"),
        ({"starts_at": "2030-01-01 10:00", "ends_at": "2030-01-01 10:00"}, "ends_at"),
    ],
)
def test_bad_action_rule_input_is_a_form_error(staff, overrides, field):
    data = {**ACTION_DATA, "limit_period": "lifetime", **overrides}
    response = staff.post(url("loyalty-rule-create-type", "signuprule"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "Oops! We found some errors" in response.content.decode()
    assert not EarningRule.objects.exists()


def test_dates_are_typed_and_shown_day_first_like_the_lists_show_them(staff):
    create = url("loyalty-rule-create-type", "signuprule")
    assert "'inputFormat': 'dd/mm/yyyy HH:MM'" in html.unescape(staff.get(create).content.decode())
    data = {**ACTION_DATA, "limit_period": "lifetime", "starts_at": "02/12/2026 10:30"}
    assert staff.post(create, data).status_code == 302
    rule = SignupRule.objects.get()
    assert timezone.localtime(rule.starts_at).strftime("%d %B %Y %H:%M") == "02 December 2026 10:30"
    edit = staff.get(url("loyalty-rule-update", rule.pk)).content.decode()
    assert 'name="starts_at" value="02/12/2026 10:30"' in edit


@pytest.mark.parametrize("typed", ["0212-12-02 10:30", "0001-01-01 00:00", "1999-12-31 23:59"])
def test_a_year_before_2000_is_refused_as_a_typo(staff, typed):
    data = {**ACTION_DATA, "limit_period": "lifetime", "starts_at": typed}
    response = staff.post(url("loyalty-rule-create-type", "signuprule"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["starts_at"] == [
        "Check the year: choose a date in 2000 or later."
    ]
    assert not EarningRule.objects.exists()


def test_edit_uses_the_form_of_the_real_type(staff):
    rule = SocialFollowRule.objects.create(
        name="Follow us", points=20, network="instagram", follow_url="https://instagram.com/s"
    )
    page = staff.get(url("loyalty-rule-update", rule.pk))
    assert set(page.context["form"].fields) >= {"points", "network", "follow_url"}
    assert "currency" not in page.context["form"].fields
    assert page.context["formset"] is None
    data = {
        **ACTION_DATA,
        "name": "Follow us on Instagram",
        "points": "25",
        "limit_period": "lifetime",
        "network": "instagram",
        "follow_url": "https://instagram.com/s",
    }
    assert staff.post(url("loyalty-rule-update", rule.pk), data).status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.points) == ("Follow us on Instagram", 25)


def test_list_shows_type_status_and_parameters(staff):
    SpendRule.objects.create(name="Spend", points_per_unit=Decimal("2"), currency="GBP")
    ReviewRule.objects.create(name="Reviews", points=10, limit_count=3, limit_period="month")
    SignupRule.objects.create(name="Old welcome", points=5, is_active=False)
    page = staff.get(LIST_URL).content.decode()
    assert "3 earning rules" in page
    assert "2 points per GBP" in page
    assert "10 points, at most 3 times per month" in page
    assert "Approved product review rule" in page
    assert "Running" in page and "Off" in page


def test_list_empty_state_invites_creating_a_rule(staff):
    page = staff.get(LIST_URL).content.decode()
    assert "No earning rules yet." in page
    assert f'href="{url("loyalty-rule-create")}"' in page


def test_list_is_paginated(staff):
    for number in range(25):
        SignupRule.objects.create(name=f"Rule {number:02d}", points=1)
    first = staff.get(LIST_URL).content.decode()
    assert "25 earning rules" in first
    assert "Page 1 of 2" in first
    assert "Rule 00" in first and "Rule 24" not in first
    assert "Rule 24" in staff.get(LIST_URL + "?page=2").content.decode()


def test_a_rule_that_never_earned_can_be_deleted(staff):
    rule = SignupRule.objects.create(name="Unused", points=5)
    page = staff.get(url("loyalty-rule-delete", rule.pk)).content.decode()
    assert "No points were ever earned with this rule." in page
    response = staff.post(url("loyalty-rule-delete", rule.pk), follow=True)
    assert "Earning rule “Unused” deleted." in response.content.decode()
    assert not EarningRule.objects.exists()


def test_a_spend_rule_and_its_multipliers_can_be_deleted(staff):
    rule = SpendRule.objects.create(name="Unused spend", points_per_unit=Decimal("1"))
    RuleMultiplier.objects.create(rule=rule, category=create_from_breadcrumbs("A"), multiplier=2)
    assert staff.post(url("loyalty-rule-delete", rule.pk)).status_code == 302
    assert not EarningRule.objects.exists()
    assert not RuleMultiplier.objects.exists()


def earned_with(rule, **fields):
    account = ledger.account_for_user(UserFactory())
    return ledger.earn(account, 10, key=f"test:{rule.pk}:{account.pk}", **fields)


@pytest.mark.parametrize("kind", ["action", "spend"])
def test_a_rule_that_earned_points_cannot_be_deleted_only_switched_off(staff, kind):
    if kind == "action":
        rule = SignupRule.objects.create(name="Welcome", points=10)
        earned_with(rule, rule_id=rule.pk)
    else:
        rule = SpendRule.objects.create(name="Spend", points_per_unit=Decimal("1"))
        earned_with(rule, detail={"rules": [{"id": rule.pk, "name": "Spend", "points": "10"}]})
    page = staff.get(url("loyalty-rule-delete", rule.pk)).content.decode()
    assert "cannot be deleted" in page
    assert 'name="deactivate"' in page

    refused = staff.post(url("loyalty-rule-delete", rule.pk), follow=True)
    assert "has earned points, so it cannot be deleted" in refused.content.decode()
    assert EarningRule.objects.filter(pk=rule.pk, is_active=True).exists()

    switched = staff.post(url("loyalty-rule-delete", rule.pk), {"deactivate": "1"}, follow=True)
    assert f"Earning rule “{rule.name}” switched off." in switched.content.decode()
    assert EarningRule.objects.get(pk=rule.pk).is_active is False


def test_another_spend_rule_in_the_ledger_does_not_block_deleting(staff):
    used = SpendRule.objects.create(name="Used", points_per_unit=Decimal("1"))
    unused = SpendRule.objects.create(name="Unused", points_per_unit=Decimal("1"))
    earned_with(used, detail={"rules": [{"id": used.pk}]})
    assert staff.post(url("loyalty-rule-delete", unused.pk)).status_code == 302
    assert list(EarningRule.objects.values_list("name", flat=True)) == ["Used"]


@pytest.mark.parametrize("sort", ["name", "-name", "status", "-status", "starts_at", "-ends_at"])
def test_list_can_be_sorted_by_its_column_headers(staff, sort):
    SignupRule.objects.create(name="B on", points=1)
    SignupRule.objects.create(name="A off", points=1, is_active=False)
    response = staff.get(LIST_URL, {"sort": sort})
    assert response.status_code == 200
    names = [row.record.name for row in response.context["rules"].page.object_list]
    assert sorted(names) == ["A off", "B on"]
    if sort in ("name", "-name"):
        assert names == sorted(names, reverse=sort.startswith("-"))
    if sort == "status":
        assert names == ["A off", "B on"]  # switched-off rules first
