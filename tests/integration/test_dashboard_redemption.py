"""Redeeming points in the dashboard: the settings for paying with points (one row per currency,
validated, with the "Pay with your points" offer that applies them one click away) and the list
of rewards customers redeemed."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_loyalty import caching, ledger, redemption, rewards
from oscar_loyalty.models import (
    FreeShippingReward,
    RedemptionSettings,
    RewardRedemption,
)
from tests.factories import create_redemption_settings
from tests.factories import dashboard_url as url

ConditionalOffer = get_model("offer", "ConditionalOffer")

pytestmark = pytest.mark.django_db


def redeem(reward, email="jane@example.com", token="1") -> RewardRedemption:
    """A customer with enough points redeems the reward."""
    user = UserFactory(email=email, first_name="Jane", last_name="Doe")
    account = ledger.account_for_user(user)
    ledger.earn(account, reward.points_cost, key=f"funding:{email}:{token}")
    return rewards.redeem_reward(account, reward, key=f"redeem:{reward.pk}:{email}:{token}")


@pytest.fixture
def gbp():
    return create_redemption_settings(points_per_unit=100)


def settings_data(**overrides) -> dict:
    data = {
        "currency": "EUR",
        "is_enabled": "on",
        "points_per_unit": "200",
        "min_points": "500",
        "max_order_share": "50",
        "combine_with_vouchers": "on",
    }  # combine_with_offers left unticked
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- permissions -------------------------------------------------------------------------------


@pytest.fixture
def urls(gbp):
    return {
        "loyalty-redemption-list": url("loyalty-redemption-list"),
        "loyalty-redemption-create": url("loyalty-redemption-create"),
        "loyalty-redemption-update": url("loyalty-redemption-update", gbp.pk),
    }


URL_NAMES = ["loyalty-redemption-list", "loyalty-redemption-create", "loyalty-redemption-update"]


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_the_dashboard_login(client, urls, name, method):
    response = getattr(client, method)(urls[name], settings_data())
    assert response.status_code == 302
    assert response.url.startswith(reverse("dashboard:login"))
    assert not RedemptionSettings.objects.filter(currency="EUR").exists()


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_customers_are_refused(client, urls, name, method):
    client.force_login(UserFactory(is_staff=False))
    response = getattr(client, method)(urls[name], settings_data())
    assert response.status_code == 403
    assert not RedemptionSettings.objects.filter(currency="EUR").exists()


@pytest.mark.parametrize("name", URL_NAMES)
def test_staff_can_open_every_page(staff, urls, name):
    assert staff.get(urls[name]).status_code == 200


# --- list and help -----------------------------------------------------------------------------


def test_list_shows_each_currency(staff, gbp):
    RedemptionSettings.objects.create(currency="EUR", points_per_unit=250, is_enabled=False)
    page = staff.get(url("loyalty-redemption-list")).content.decode()
    assert "2 currencies" in page
    assert f'href="{url("loyalty-redemption-update", gbp.pk)}"' in page
    assert "GBP" in page and "EUR" in page and "250" in page
    assert "On" in page and "Off" in page


def test_list_empty_state_invites_adding_a_currency(staff):
    page = staff.get(url("loyalty-redemption-list")).content.decode()
    assert "Shoppers cannot pay with points yet." in page
    assert f'href="{url("loyalty-redemption-create")}"' in page


def test_help_names_the_points_offer_and_links_to_it_for_staff_who_may_see_offers(client):
    offer_id = redemption.points_offer_id()
    assert offer_id
    offer_url = reverse("dashboard:offer-detail", kwargs={"pk": offer_id})

    client.force_login(UserFactory(is_staff=True))
    page = client.get(url("loyalty-redemption-create")).content.decode()
    assert "“Pay with your points” site offer" in page
    assert offer_url not in page  # Oscar would refuse them the offer page

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="offer", codename="view_conditionaloffer")
    )
    client.force_login(viewer)
    for name in ["loyalty-redemption-list", "loyalty-redemption-create"]:
        page = client.get(url(name)).content.decode()
        assert f'href="{offer_url}"' in page
    assert client.get(offer_url).status_code == 200


def test_help_says_when_the_points_offer_is_missing(staff):
    ConditionalOffer.objects.filter(pk=redemption.points_offer_id()).delete()
    caching.forget("points_offers")
    page = staff.get(url("loyalty-redemption-list")).content.decode()
    assert "is missing from Oscar's offers dashboard" in page


# --- create and update -------------------------------------------------------------------------


def test_create_settings_for_a_currency(staff, gbp):
    response = staff.post(url("loyalty-redemption-create"), settings_data(), follow=True)
    assert response.redirect_chain[-1][0] == url("loyalty-redemption-list")
    assert "Settings for paying with points in EUR saved." in response.content.decode()
    eur = RedemptionSettings.objects.get(currency="EUR")
    assert (eur.points_per_unit, eur.min_points, eur.max_order_share) == (200, 500, 50)
    assert eur.is_enabled and eur.combine_with_vouchers and not eur.combine_with_offers
    assert redemption.redemption_settings("EUR") == eur


def test_the_create_form_suggests_the_shop_currency_until_it_has_settings(staff, settings):
    assert staff.get(url("loyalty-redemption-create")).context["form"].initial["currency"] == (
        settings.OSCAR_DEFAULT_CURRENCY
    )
    create_redemption_settings()
    assert staff.get(url("loyalty-redemption-create")).context["form"].initial["currency"] == ""


BAD_INPUT = [
    ({"currency": "eur"}, "currency", "three capital letters"),
    ({"currency": "EURO"}, "currency", "three capital letters"),
    ({"currency": ""}, "currency", "This field is required."),
    ({"currency": "XYZ"}, "currency", "XYZ is not a known currency code."),
    ({"currency": "GBP"}, "currency", "There are settings for GBP already"),
    ({"points_per_unit": "0"}, "points_per_unit", "Enter at least 1 point."),
    ({"points_per_unit": "-100"}, "points_per_unit", "Enter at least 1 point."),
    ({"points_per_unit": "1000001"}, "points_per_unit", "Enter at most 1,000,000 points."),
    ({"points_per_unit": "1.5"}, "points_per_unit", "Enter a whole number."),
    ({"points_per_unit": None}, "points_per_unit", "This field is required."),
    ({"min_points": "-1"}, "min_points", "Enter 0 or more points."),
    ({"min_points": "100000001"}, "min_points", "Enter at most 100,000,000 points."),
    ({"min_points": "99999999999999999999999"}, "min_points", "100,000,000"),
    ({"max_order_share": "0"}, "max_order_share", "Enter a percentage from 1 to 100."),
    ({"max_order_share": "101"}, "max_order_share", "Enter a percentage from 1 to 100."),
    ({"max_order_share": "half"}, "max_order_share", "Enter a whole number."),
]


@pytest.mark.parametrize("overrides,field,message", BAD_INPUT)
def test_bad_input_on_create_is_a_form_error(staff, gbp, overrides, field, message):
    response = staff.post(url("loyalty-redemption-create"), settings_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert "Oops! We found some errors" in response.content.decode()
    assert list(RedemptionSettings.objects.values_list("currency", flat=True)) == ["GBP"]


def test_update_settings(staff, gbp):
    data = settings_data(currency="GBP", points_per_unit="50", is_enabled=None)
    assert redemption.redemption_settings("GBP") == gbp  # cached before the change
    response = staff.post(url("loyalty-redemption-update", gbp.pk), data, follow=True)
    assert "Settings for paying with points in GBP saved." in response.content.decode()
    gbp.refresh_from_db()
    assert (gbp.points_per_unit, gbp.is_enabled) == (50, False)
    assert redemption.redemption_settings("GBP") is None  # switched off, cache dropped


@pytest.mark.parametrize("overrides,field,message", BAD_INPUT)
def test_bad_input_on_update_is_a_form_error_and_nothing_changes(
    staff, gbp, overrides, field, message
):
    eur = RedemptionSettings.objects.create(currency="EUR", points_per_unit=100)
    overrides = {"currency": "EUR", **overrides}  # {"currency": "GBP"} clashes with gbp
    response = staff.post(url("loyalty-redemption-update", eur.pk), settings_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    eur.refresh_from_db()
    assert (eur.currency, eur.points_per_unit, eur.max_order_share) == ("EUR", 100, 100)


def test_a_currency_saved_by_someone_else_meanwhile_is_a_form_error(staff, monkeypatch):
    """Both forms passed the uniqueness check; the database's unique index decides."""
    from oscar_loyalty.dashboard.forms import RedemptionSettingsForm

    monkeypatch.setattr(RedemptionSettingsForm, "clean_currency", lambda form: "GBP")
    monkeypatch.setattr(RedemptionSettingsForm, "validate_unique", lambda form: None)
    create_redemption_settings()
    response = staff.post(url("loyalty-redemption-create"), settings_data(currency="GBP"))
    assert response.status_code == 200
    assert "There are settings for GBP already" in response.content.decode()
    assert RedemptionSettings.objects.count() == 1


# --- reward redemptions ------------------------------------------------------------------------


def test_redemptions_list_shows_the_voucher_code_customer_and_status(staff, five_off):
    redeemed = redeem(five_off)
    page = staff.get(url("loyalty-reward-redemptions")).content.decode()
    assert "1 redemption" in page
    assert redeemed.voucher.code in page
    assert "Jane Doe" in page and "£5 off" in page and "Ready to use" in page
    assert f'href="{url("loyalty-account-detail", redeemed.account_id)}"' in page


def test_redemptions_of_one_reward_and_search(staff, five_off):
    mine = redeem(five_off)
    shipping = FreeShippingReward.objects.create(name="Free shipping", points_cost=100)
    other = redeem(shipping, email="bob@example.org")
    RewardRedemption.objects.filter(pk=other.pk).update(status=RewardRedemption.USED)

    one = staff.get(url("loyalty-reward-redemptions", five_off.pk)).content.decode()
    assert mine.voucher.code in one and other.voucher.code not in one
    assert "Redemptions of “£5 off”" in one

    everything = url("loyalty-reward-redemptions")
    by_code = staff.get(everything, {"q": other.voucher.code.lower()}).content.decode()
    assert other.voucher.code in by_code and mine.voucher.code not in by_code
    by_status = staff.get(everything, {"status": "used"}).content.decode()
    assert other.voucher.code in by_status and mine.voucher.code not in by_status
    none = staff.get(everything, {"q": "nobody@nowhere"}).content.decode()
    assert "No redemption matches your search." in none
    assert staff.get(everything, {"status": "bogus"}).status_code == 200


def test_redemptions_empty_state_and_pagination(staff, five_off):
    assert (
        "Nobody has redeemed a reward yet."
        in staff.get(url("loyalty-reward-redemptions")).content.decode()
    )
    assert (
        "Nobody has redeemed this reward yet."
        in staff.get(url("loyalty-reward-redemptions", five_off.pk)).content.decode()
    )
    assert staff.get(url("loyalty-reward-redemptions", 999999)).status_code == 404

    for number in range(21):
        redeem(five_off, email=f"c{number}@example.com")
    page = staff.get(url("loyalty-reward-redemptions")).content.decode()
    assert "21 redemptions" in page and "Page 1 of 2" in page


def test_points_paying_for_shipping_is_switched_on_per_currency(staff, gbp):
    assert not gbp.pay_shipping  # off unless staff switch it on
    form = staff.get(url("loyalty-redemption-update", gbp.pk)).content.decode()
    assert "points can pay for shipping" in form.lower()
    assert "“Pay shipping with your points” site offer" in form

    data = settings_data(currency="GBP", pay_shipping="on")
    staff.post(url("loyalty-redemption-update", gbp.pk), data, follow=True)
    gbp.refresh_from_db()
    assert gbp.pay_shipping and redemption.redemption_settings("GBP").pay_shipping
    assert "Pays shipping" in staff.get(url("loyalty-redemption-list")).content.decode()
