"""Capturing referrals: links, cookies, codes at sign-up and checkout, and bad input."""

import secrets
from unittest import mock

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.test.factories import UserFactory

from oscar_loyalty.models import Referral, ReferralVisit
from oscar_loyalty.referrals.capture import COOKIE_SALT
from oscar_loyalty.referrals.codes import CODE_ALPHABET
from tests.factories import create_buyable_product
from tests.referrals import enable_referrals, first_order, make_referrer, refer_friend, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def referrer():
    enable_referrals()
    return make_referrer()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_friend_who_opens_the_link_and_registers_is_referred(referrer):
    user, code = referrer
    friend, referral = refer_friend(code)
    assert referral.referrer == user
    assert referral.source == Referral.LINK
    assert referral.status == Referral.WAITING
    assert ReferralVisit.objects.filter(referrer=user).count() == 1


@override_settings(OSCAR_LOYALTY_REFERRAL_LOOKUPS_PER_HOUR=2)
def test_registering_with_the_field_the_link_filled_in_counts_as_the_link(referrer):
    user, code = referrer
    client = Client()
    client.get(f"/?ref={code}")
    page = client.get(reverse("customer:register")).content.decode()
    assert f'value="{code}"' in page  # the browser submits the field as it was filled in
    friend = register(client, "bob@example.net", code=code)
    referral = Referral.objects.get(friend=friend)
    assert referral.referrer == user and referral.source == Referral.LINK
    # Opening the link was this client's one lookup so far: they may still try a typed code.
    other, other_code = make_referrer("carol@example.com")
    client.logout()
    messages = messages_of(
        client.post(reverse("oscar_loyalty:referral-code"), {"code": other_code}, follow=True)
    )
    assert not any("Too many referral codes" in message for message in messages)


def test_codes_are_case_insensitive_and_ignore_dashes(referrer):
    user, code = referrer
    friend, referral = refer_friend(f"{code[:4].lower()}-{code[4:].lower()}")
    assert referral.referrer == user


def test_link_shows_the_friend_what_they_get(referrer):
    _user, code = referrer
    response = Client().get(f"/?ref={code}", follow=True)
    assert "Ada invited you: you get £10.00 off your first order." in messages_of(response)


def test_first_click_wins_by_default(referrer):
    user, code = referrer
    _other, other_code = make_referrer("grace@example.com")
    client = Client()
    client.get(f"/?ref={code}")
    client.get(f"/?ref={other_code}")
    _friend, referral = refer_friend(code, client=client)  # opens the first link again
    assert referral.referrer == user


def test_last_click_wins_when_configured(referrer):
    _user, code = referrer
    other, other_code = make_referrer("grace@example.com")
    enable_referrals(last_click_wins=True)
    client = Client()
    client.get(f"/?ref={code}")
    client.get(f"/?ref={other_code}")
    friend = register(client, "bob@example.net")
    assert Referral.objects.get(friend=friend).referrer == other


def test_expired_cookie_refers_nobody(referrer):
    _user, code = referrer
    client = Client()
    forty_days_ago = signing.TimestampSigner().timestamp()
    with mock.patch.object(
        signing.TimestampSigner,
        "timestamp",
        return_value=signing.b62_encode(signing.b62_decode(forty_days_ago) - 40 * 86400),
    ):
        client.cookies["loyalty_ref"] = signing.dumps({"code": code}, salt=COOKIE_SALT)
    friend = register(client, "bob@example.net")
    assert not Referral.objects.filter(friend=friend).exists()


def test_tampered_cookie_refers_nobody(referrer):
    _user, code = referrer
    client = Client()
    client.cookies["loyalty_ref"] = signing.dumps({"code": code}, salt=COOKIE_SALT) + "x"
    friend = register(client, "bob@example.net")
    assert not Referral.objects.filter(friend=friend).exists()


def test_code_typed_at_registration_refers_without_a_link(referrer):
    user, code = referrer
    friend = register(Client(), "bob@example.net", code=code.lower())
    referral = Referral.objects.get(friend=friend)
    assert referral.referrer == user and referral.source == Referral.SIGNUP


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("not a code!", "That is not a referral code: codes are 8 letters and digits."),
        ("ZZZZZZZZ", "We don't know the referral code ZZZZZZZZ."),
    ],
)
def test_bad_code_at_registration_still_registers_and_says_why(referrer, typed, message):
    client = Client()
    response = client.post(
        reverse("customer:register"),
        {
            "email": "bob@example.net",
            "password1": "a-Strong-passw0rd",
            "password2": "a-Strong-passw0rd",
            "referral_code": typed,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert message in messages_of(response)
    assert not Referral.objects.exists()


@pytest.mark.parametrize("raw", ["", "%00", "x" * 500, "<script>", "ZZZZZZZZ"])
def test_malformed_or_unknown_link_codes_never_break_the_page(referrer, raw):
    response = Client().get(f"/?ref={raw}", follow=True)
    assert response.status_code == 200
    assert "loyalty_ref" not in response.cookies


def test_own_code_is_refused_with_a_clear_message(referrer):
    user, code = referrer
    client = Client()
    client.force_login(user)
    response = client.get(f"/?ref={code}", follow=True)
    assert "That is your own referral code: share it with your friends." in messages_of(response)
    response = client.post(reverse("oscar_loyalty:referral-code"), {"code": code}, follow=True)
    assert "That is your own referral code: share it with your friends." in messages_of(response)
    assert not Referral.objects.exists()


def test_existing_customers_cannot_use_a_code_at_checkout(referrer):
    _user, code = referrer
    customer = UserFactory()
    first_order(customer)
    client = Client()
    client.force_login(customer)
    response = client.post(reverse("oscar_loyalty:referral-code"), {"code": code}, follow=True)
    assert "Referral codes are for a new customer's first order." in messages_of(response)


def test_guest_code_at_checkout_gives_the_discount_and_follows_the_basket_to_the_order(
    referrer, on_commit
):
    user, code = referrer
    client = Client()
    product = create_buyable_product("Regency Teapot", "30.00")
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    response = client.post(
        reverse("oscar_loyalty:referral-code"), {"code": code, "next": "/basket/"}, follow=True
    )
    html = response.content.decode()
    assert (
        "<bdi>Referral: £10.00 off your first order</bdi>" in html
    )  # the offer in the basket totals
    assert "Referred by <bdi>Ada</bdi>: £10.00 off your first order." in html
    referral = Referral.objects.get()
    assert referral.friend is None and referral.source == Referral.CHECKOUT
    order = on_commit(
        first_order, basket=response.wsgi_request.basket, guest_email="bob@example.net"
    )
    referral.refresh_from_db()
    assert referral.order_number == str(order.number)
    assert referral.friend_email == "bob@example.net"
    assert order.discounts.filter(offer_name__startswith="Referral").exists()


def test_guest_link_follows_the_basket_when_a_product_is_added(referrer):
    _user, code = referrer
    client = Client()
    client.get(f"/?ref={code}")
    product = create_buyable_product("Regency Teapot", "30.00")
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    html = client.get(reverse("basket:summary")).content.decode()
    assert "Referral: £10.00 off your first order" in html
    assert Referral.objects.get().basket_id is not None


def test_a_thousand_guessed_codes_from_one_client_are_throttled(referrer):
    user, code = referrer
    client = Client()
    throttled = 0

    url = reverse("oscar_loyalty:referral-code")
    with CaptureQueriesContext(connection) as queries:
        for _ in range(1000):
            guess = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
            response = client.post(url, {"code": guess})
            queued = response.wsgi_request._messages._queued_messages
            throttled += "Too many referral codes tried" in str(queued[-1])
    assert throttled == 1000 - 20
    lookups = [q for q in queries.captured_queries if "referralcode" in q["sql"].lower()]
    assert len(lookups) == 20  # the database was asked 20 times, then never again
    # Even the right code is refused now, without a database lookup.
    response = client.get(f"/?ref={code}", follow=True)
    assert any("Too many referral codes tried" in m for m in messages_of(response))
    assert "loyalty_ref" not in response.cookies
    # Another client is not affected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert "loyalty_ref" in other.get(f"/?ref={code}").cookies


def test_invitations_go_to_new_addresses_only_and_say_the_same_either_way(referrer):
    user, _code = referrer
    UserFactory(email="carol@example.com")
    client = Client()
    client.force_login(user)
    url = reverse("oscar_loyalty:referral-invite")
    new = client.post(url, {"email": "dave@example.org"}, follow=True)
    known = client.post(url, {"email": "carol@example.com"}, follow=True)
    assert messages_of(new)[-1].replace("dave@example.org", "X") == messages_of(known)[-1].replace(
        "carol@example.com", "X"
    )
    assert [message.to for message in mail.outbox] == [["dave@example.org"]]
    assert "?ref=" in mail.outbox[0].body


def test_invitations_are_rate_limited(referrer, settings):
    user, _code = referrer
    settings.OSCAR_LOYALTY_REFERRAL_INVITES_PER_DAY = 2
    client = Client()
    client.force_login(user)
    url = reverse("oscar_loyalty:referral-invite")
    for index in range(2):
        client.post(url, {"email": f"friend{index}@example.org"})
    response = client.post(url, {"email": "friend9@example.org"}, follow=True)
    assert "You have sent the most invitations for today. Try again tomorrow." in messages_of(
        response
    )
    assert len(mail.outbox) == 2


def test_voucher_mode_gives_the_friend_a_single_use_code_for_their_own_first_order(on_commit):
    enable_referrals(friend_reward_as_voucher=True)
    _ada, code = make_referrer()
    client = Client()
    client.get(f"/?ref={code}")
    product = create_buyable_product("Regency Teapot", "30.00")
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    referral = Referral.objects.get()
    assert referral.voucher_code.startswith("REF-")
    html = client.get(reverse("basket:summary")).content.decode()
    assert referral.voucher_code in html and "£20.00" in html  # on the basket by itself
    assert f"<bdi>Referral: £10.00 off your first order</bdi> ({referral.voucher_code})" in html

    # The code is worth nothing in anyone else's basket.
    stranger = Client()
    stranger.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    stranger.post(reverse("basket:vouchers-add"), {"code": referral.voucher_code})
    assert "£30.00" in stranger.get(reverse("basket:summary")).content.decode()


def test_voucher_mode_at_registration_puts_the_code_on_the_basket(on_commit):
    enable_referrals(friend_reward_as_voucher=True)
    _ada, code = make_referrer()
    client = Client()
    friend = register(client, "bob@example.net", code=code)
    referral = Referral.objects.get(friend=friend)
    product = create_buyable_product("Regency Teapot", "30.00")
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    response = client.get(reverse("basket:summary"))
    basket = response.wsgi_request.basket
    assert referral.voucher_code in response.content.decode() and basket.total_incl_tax == 20

    # Removed by mistake: the basket page offers it again.
    voucher = basket.vouchers.get()
    client.post(reverse("basket:vouchers-remove", args=[voucher.pk]))
    html = client.get(reverse("basket:summary")).content.decode()
    assert f'value="{referral.voucher_code}"' in html and "Apply voucher" in html
    client.post(reverse("basket:vouchers-add"), {"code": referral.voucher_code})
    response = client.get(reverse("basket:summary"))
    order = on_commit(first_order, friend, basket=response.wsgi_request.basket)
    assert order.discounts.get().voucher_code == referral.voucher_code
