"""The rewards catalogue in the dashboard: two-step creation per type, validation, switch off or
delete, the product chooser and who may open each page (the redemptions list is tested with
the redemption settings)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from oscar.test.factories import UserFactory, create_product

from oscar_loyalty.models import (
    AmountOffReward,
    FreeProductReward,
    FreeShippingReward,
    GiftReward,
    PercentageOffReward,
    ProgramSettings,
    Reward,
    RewardRedemption,
    SignupRule,
)
from tests.factories import dashboard_url as url
from tests.integration.test_dashboard_redemption import redeem

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return create_product(title="Gold mug", upc="MUG-1")


BASE = {
    "name": "Reward",
    "description": "",
    "points_cost": "500",
    "is_active": "on",
    "stock": "",
    "voucher_valid_days": "30",
}

TYPES = [
    ("amountoffreward", AmountOffReward, {"amount": "5.00", "currency": "GBP"}),
    ("percentageoffreward", PercentageOffReward, {"percentage": "10"}),
    ("freeshippingreward", FreeShippingReward, {}),
    ("freeproductreward", FreeProductReward, {"product": "PRODUCT"}),
    ("giftreward", GiftReward, {"product": "PRODUCT"}),
]


def reward_data(product=None, extra: dict | None = None, **overrides) -> dict:
    data = {**BASE, **(extra or {}), **overrides}
    return {
        key: str(product.pk) if value == "PRODUCT" and product else value
        for key, value in data.items()
    }


# --- permissions -------------------------------------------------------------------------------


@pytest.fixture
def urls(five_off):
    return {
        "loyalty-reward-list": url("loyalty-reward-list"),
        "loyalty-reward-create": url("loyalty-reward-create"),
        "loyalty-reward-create-type": url("loyalty-reward-create-type", "amountoffreward"),
        "loyalty-reward-update": url("loyalty-reward-update", five_off.pk),
        "loyalty-reward-delete": url("loyalty-reward-delete", five_off.pk),
        "loyalty-reward-redemptions": url("loyalty-reward-redemptions"),
        "loyalty-reward-redemptions-of-one": url("loyalty-reward-redemptions", five_off.pk),
        "loyalty-product-lookup": url("loyalty-product-lookup"),
    }


URL_NAMES = [
    "loyalty-reward-list",
    "loyalty-reward-create",
    "loyalty-reward-create-type",
    "loyalty-reward-update",
    "loyalty-reward-delete",
    "loyalty-reward-redemptions",
    "loyalty-reward-redemptions-of-one",
    "loyalty-product-lookup",
]


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_the_dashboard_login(client, urls, name, method):
    response = getattr(client, method)(urls[name])
    assert response.status_code == 302
    assert response.url.startswith(reverse("dashboard:login"))


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_customers_are_refused(client, urls, name, method, five_off):
    client.force_login(UserFactory(is_staff=False))
    response = getattr(client, method)(urls[name], {"deactivate": "1"})
    assert response.status_code == 403
    assert Reward.objects.get(pk=five_off.pk).is_active


@pytest.mark.parametrize("name", URL_NAMES)
def test_staff_can_open_every_page(staff, urls, name):
    assert staff.get(urls[name]).status_code == 200


def test_the_menu_and_the_overview_link_to_the_reward_pages(staff, five_off):
    page = staff.get(url("loyalty-index")).content.decode()
    for name in ["loyalty-reward-list", "loyalty-reward-redemptions", "loyalty-redemption-list"]:
        assert f'href="{url(name)}"' in page
    for label in ["Rewards", "Reward redemptions", "Paying with points"]:
        assert label in page
    assert "1 of 1 reward available" in page


# --- creating ----------------------------------------------------------------------------------


def test_step_one_offers_every_reward_type(staff):
    page = staff.get(url("loyalty-reward-create")).content.decode()
    for slug, _model, _extra in TYPES:
        assert f'value="{slug}"' in page
    assert 'value="reward"' not in page


@pytest.mark.parametrize("slug,model,extra", TYPES, ids=[slug for slug, *_ in TYPES])
def test_create_each_type_in_two_steps(staff, product, slug, model, extra):
    step_one = staff.post(url("loyalty-reward-create"), {"reward_type": slug})
    assert step_one.status_code == 302
    assert step_one.url == url("loyalty-reward-create-type", slug)

    form_page = staff.get(step_one.url)
    assert form_page.status_code == 200
    assert form_page.context["form"]._meta.model is model

    data = reward_data(product, extra, name=f"New {slug}")
    response = staff.post(step_one.url, data, follow=True)
    assert response.redirect_chain[-1][0] == url("loyalty-reward-list")
    reward = Reward.objects.get()
    assert type(reward) is model
    assert reward.name == f"New {slug}" and reward.points_cost == 500
    if "product" in extra:
        assert reward.product == product
    page = response.content.decode()
    assert f"Reward “New {slug}” saved." in page
    assert capfirst(str(model._meta.verbose_name)) in page


def test_an_unknown_type_is_not_found(staff):
    assert staff.get(url("loyalty-reward-create-type", "reward")).status_code == 404
    assert staff.get(url("loyalty-reward-create-type", "nonsense")).status_code == 404


def test_step_one_needs_a_choice(staff):
    response = staff.post(url("loyalty-reward-create"), {"reward_type": "nonsense"})
    assert response.status_code == 200
    assert response.context["form"].errors["reward_type"]


AMOUNT = {"amount": "5.00", "currency": "GBP"}
AMOUNT_RANGE = "Enter a number from 0.01 to 1,000,000."
PERCENTAGE_RANGE = "Enter a number from 0.01 to 100."


@pytest.mark.parametrize(
    "slug,overrides,field,message",
    [
        ("amountoffreward", {**AMOUNT, "points_cost": "0"}, "points_cost", "at least 1 point"),
        ("amountoffreward", {**AMOUNT, "points_cost": "-5"}, "points_cost", "at least 1 point"),
        (
            "amountoffreward",
            {**AMOUNT, "points_cost": "100000001"},
            "points_cost",
            "at most 100,000,000 points",
        ),
        ("amountoffreward", {**AMOUNT, "points_cost": "lots"}, "points_cost", "whole number"),
        (
            "amountoffreward",
            {**AMOUNT, "starts_at": "2030-01-02 10:00", "ends_at": "2030-01-01 10:00"},
            "ends_at",
            "The end must be after the start.",
        ),
        ("amountoffreward", {**AMOUNT, "stock": "0"}, "stock", "Enter at least 1"),
        ("amountoffreward", {**AMOUNT, "stock": "-1"}, "stock", ""),
        ("amountoffreward", {**AMOUNT, "voucher_valid_days": "0"}, "voucher_valid_days", "3650"),
        ("amountoffreward", {**AMOUNT, "voucher_valid_days": "3651"}, "voucher_valid_days", "3650"),
        ("amountoffreward", {**AMOUNT, "amount": "0"}, "amount", AMOUNT_RANGE),
        ("amountoffreward", {**AMOUNT, "amount": "-5"}, "amount", AMOUNT_RANGE),
        ("amountoffreward", {**AMOUNT, "amount": "5000000"}, "amount", AMOUNT_RANGE),
        ("amountoffreward", {**AMOUNT, "amount": "9" * 13}, "amount", AMOUNT_RANGE),
        ("amountoffreward", {**AMOUNT, "currency": "gbp"}, "currency", "three capital letters"),
        ("amountoffreward", {**AMOUNT, "currency": "XYZ"}, "currency", "not a known currency"),
        ("amountoffreward", {**AMOUNT, "name": ""}, "name", "This field is required."),
        ("percentageoffreward", {"percentage": "0"}, "percentage", PERCENTAGE_RANGE),
        ("percentageoffreward", {"percentage": "100.5"}, "percentage", PERCENTAGE_RANGE),
        ("percentageoffreward", {"percentage": "-10"}, "percentage", PERCENTAGE_RANGE),
        ("percentageoffreward", {"percentage": "1" * 20}, "percentage", PERCENTAGE_RANGE),
        ("freeproductreward", {}, "product", "Choose the product this reward gives."),
        ("giftreward", {"product": "999999"}, "product", "can be bought on its own"),
        ("giftreward", {"product": "PARENT"}, "product", "can be bought on its own"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_saved(staff, slug, overrides, field, message):
    if overrides.get("product") == "PARENT":
        overrides = {"product": str(create_product(title="T-shirt", structure="parent").pk)}
    response = staff.post(url("loyalty-reward-create-type", slug), reward_data(None, overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    page = response.content.decode()
    assert message.replace("’", "&#x27;") in page or message in page
    assert "Oops! We found some errors" in page
    assert not Reward.objects.exists()


def test_a_variant_can_be_the_reward_product(staff):
    parent = create_product(title="T-shirt", structure="parent")
    variant = create_product(title="T-shirt, red", parent=parent)
    data = reward_data(None, {"product": str(variant.pk)}, name="Red T-shirt")
    assert staff.post(url("loyalty-reward-create-type", "giftreward"), data).status_code == 302
    assert GiftReward.objects.get().product == variant


# --- editing -----------------------------------------------------------------------------------


def test_edit_uses_the_form_of_the_real_type(staff, product):
    gift = GiftReward.objects.create(name="Mug", points_cost=800, product=product)
    page = staff.get(url("loyalty-reward-update", gift.pk))
    form = page.context["form"]
    assert form._meta.model is GiftReward
    assert "product" in form.fields and "amount" not in form.fields
    assert f'<option value="{product.pk}" selected>Gold mug</option>' in page.content.decode()
    data = reward_data(product, {"product": "PRODUCT"}, name="Gold mug", points_cost="900")
    assert staff.post(url("loyalty-reward-update", gift.pk), data).status_code == 302
    gift.refresh_from_db()
    assert (gift.name, gift.points_cost) == ("Gold mug", 900)


def test_stock_cannot_go_below_what_was_redeemed(staff, five_off):
    redeem(five_off, "a@example.com")
    redeem(five_off, "b@example.com")
    response = staff.post(
        url("loyalty-reward-update", five_off.pk), reward_data(None, AMOUNT, stock="1")
    )
    assert response.status_code == 200
    assert "Enter at least 2 (already redeemed)" in response.content.decode()
    five_off.refresh_from_db()
    assert five_off.stock is None and five_off.redeemed_count == 2

    ok = staff.post(url("loyalty-reward-update", five_off.pk), reward_data(None, AMOUNT, stock="2"))
    assert ok.status_code == 302
    five_off.refresh_from_db()
    assert (five_off.stock, five_off.redeemed_count, five_off.in_stock) == (2, 2, False)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("stock", "9223372036854775807", "Enter a whole number from 0 to 1,000,000,000."),
        ("ends_at", "9999-12-31 00:00", "Choose a date within 10 years from today."),
        ("ends_at", "0212-12-02 00:00", "Check the year: choose a date in 2000 or later."),
        ("amount", "9" * 13, AMOUNT_RANGE),
    ],
    ids=["huge-stock", "year-9999", "year-0212", "13-digit-amount"],
)
def test_out_of_range_values_are_refused_with_the_limit_in_words(
    staff, five_off, field, value, message
):
    data = reward_data(None, AMOUNT, **{field: value})
    response = staff.post(url("loyalty-reward-update", five_off.pk), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    five_off.refresh_from_db()
    assert (five_off.stock, five_off.ends_at) == (None, None)


def redeemed_meanwhile(monkeypatch, reward, count: int) -> None:
    """Redemptions land after the edit page read the reward, just before it saves."""
    from oscar_loyalty.dashboard import reward_views

    save = reward_views.RewardFormMixin.save

    def late_save(view, form, formset):
        Reward.objects.filter(pk=reward.pk).update(redeemed_count=count)
        return save(view, form, formset)

    monkeypatch.setattr(reward_views.RewardFormMixin, "save", late_save)


def test_saving_keeps_redemptions_made_while_the_form_was_open(staff, five_off, monkeypatch):
    redeemed_meanwhile(monkeypatch, five_off, 3)
    data = reward_data(None, AMOUNT, name="Renamed")
    assert staff.post(url("loyalty-reward-update", five_off.pk), data).status_code == 302
    five_off.refresh_from_db()
    assert (five_off.name, five_off.redeemed_count) == ("Renamed", 3)


def test_a_stock_below_redemptions_made_meanwhile_is_a_form_error(staff, five_off, monkeypatch):
    redeemed_meanwhile(monkeypatch, five_off, 4)
    data = reward_data(None, AMOUNT, stock="3")
    response = staff.post(url("loyalty-reward-update", five_off.pk), data)
    assert response.status_code == 200
    assert "4 have been redeemed by now: enter at least 4." in response.content.decode()
    five_off.refresh_from_db()
    assert five_off.stock is None


# --- list --------------------------------------------------------------------------------------


def test_list_shows_type_points_stock_status_and_dates(staff, five_off, product):
    five_off.stock = 10
    five_off.save()
    redeem(five_off)
    starts = timezone.now() + timedelta(days=3)
    GiftReward.objects.create(name="Mug", points_cost=1200, product=product, starts_at=starts)
    PercentageOffReward.objects.create(name="Old 10%", points_cost=300, percentage=10, stock=0)
    FreeShippingReward.objects.create(name="Shipping", points_cost=200, is_active=False)
    page = staff.get(url("loyalty-reward-list")).content.decode()
    assert "4 rewards" in page
    for text in ["£5 off", "Amount off", "Gift", "Percentage off", "Free shipping", "1,200"]:
        assert text in page
    assert "1 / 10" in page  # redeemed / stock
    assert "0 / no limit" in page
    for status in ["Available", "Scheduled", "Sold out", "Off"]:
        assert status in page
    for name in ["loyalty-reward-update", "loyalty-reward-redemptions", "loyalty-reward-delete"]:
        assert f'href="{url(name, five_off.pk)}"' in page  # the row's actions menu


def test_the_rule_list_keeps_its_row_actions_menu(staff):
    """Rules and rewards share the list columns and the actions menu."""
    rule = SignupRule.objects.create(name="Welcome", points=5)
    page = staff.get(url("loyalty-rule-list")).content.decode()
    for name in ["loyalty-rule-update", "loyalty-rule-delete"]:
        assert f'href="{url(name, rule.pk)}"' in page


def test_list_empty_state_invites_creating_a_reward(staff):
    page = staff.get(url("loyalty-reward-list")).content.decode()
    assert "No rewards yet." in page
    assert f'href="{url("loyalty-reward-create")}"' in page


def test_list_is_paginated_and_sortable(staff):
    for number in range(25):
        FreeShippingReward.objects.create(name=f"Reward {number:02d}", points_cost=100 + number)
    first = staff.get(url("loyalty-reward-list")).content.decode()
    assert "25 rewards" in first and "Page 1 of 2" in first
    assert "Reward 00" in first and "Reward 24" not in first
    assert "Reward 24" in staff.get(url("loyalty-reward-list") + "?page=2").content.decode()
    for sort in ["name", "-points_cost", "stock", "status", "-starts_at", "ends_at"]:
        assert staff.get(url("loyalty-reward-list"), {"sort": sort}).status_code == 200


# --- delete or switch off ----------------------------------------------------------------------


def test_a_reward_nobody_redeemed_can_be_deleted(staff, five_off):
    page = staff.get(url("loyalty-reward-delete", five_off.pk)).content.decode()
    assert "Nobody has redeemed this reward." in page
    response = staff.post(url("loyalty-reward-delete", five_off.pk), follow=True)
    assert "Reward “£5 off” deleted." in response.content.decode()
    assert not Reward.objects.exists()


def test_a_redeemed_reward_cannot_be_deleted_only_switched_off(staff, five_off):
    redeem(five_off)
    page = staff.get(url("loyalty-reward-delete", five_off.pk)).content.decode()
    assert "cannot be deleted" in page
    assert 'name="deactivate"' in page

    refused = staff.post(url("loyalty-reward-delete", five_off.pk), follow=True)
    assert "has been redeemed, so it cannot be deleted" in refused.content.decode()
    assert Reward.objects.filter(pk=five_off.pk, is_active=True).exists()

    switched = staff.post(
        url("loyalty-reward-delete", five_off.pk), {"deactivate": "1"}, follow=True
    )
    assert "Reward “£5 off” switched off." in switched.content.decode()
    assert Reward.objects.get(pk=five_off.pk).is_active is False
    assert RewardRedemption.objects.filter(reward=five_off).count() == 1


# --- product chooser ---------------------------------------------------------------------------


def test_product_lookup_lists_standalone_products_and_variants_not_parents(staff, product):
    parent = create_product(title="T-shirt", structure="parent")
    variant = create_product(title="", upc="TEE-RED", parent=parent)
    lookup = url("loyalty-product-lookup")

    found = staff.get(lookup, {"q": "t-shirt"}).json()["results"]
    assert [row["id"] for row in found] == [variant.pk]
    assert staff.get(lookup, {"q": "mug-1"}).json()["results"] == [
        {"id": product.pk, "text": "Gold mug (MUG-1)"}
    ]
    assert staff.get(lookup, {"initial": f"{product.pk},x"}).json()["results"][0]["id"] == (
        product.pk
    )
    for junk in [{"page": "x"}, {"page_limit": "-1"}, {"page": "99999999999999999999999"}]:
        assert staff.get(lookup, junk).status_code == 200


# --- programme settings ------------------------------------------------------------------------


def test_programme_settings_include_giving_points_back_for_expired_rewards(staff):
    data = {
        "is_enabled": "on",
        "return_window_days": "14",
        "lot_expiry_days": "",
        "inactivity_expiry_days": "",
        "expiry_warning_days": "14",
    }  # the checkbox left unticked
    page = staff.get(url("loyalty-settings")).content.decode()
    assert 'name="return_points_for_expired_rewards"' in page
    assert staff.post(url("loyalty-settings"), data).status_code == 302
    assert ProgramSettings.load().return_points_for_expired_rewards is False
    data["return_points_for_expired_rewards"] = "on"
    assert staff.post(url("loyalty-settings"), data).status_code == 302
    assert ProgramSettings.load().return_points_for_expired_rewards is True
