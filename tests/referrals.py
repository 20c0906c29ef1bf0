"""Referral test helpers: switch referrals on, make a referrer, and refer a friend the way a
shopper does (link, then sign-up) with Django's test client."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory, create_order

from oscar_loyalty import ledger, tasks
from oscar_loyalty.models import Referral, ReferralSettings
from oscar_loyalty.referrals import settlement
from oscar_loyalty.referrals.codes import code_for_user
from tests.factories import _add_lines

Applicator = get_class("offer.applicator", "Applicator")
Basket = get_model("basket", "Basket")
Default = get_class("partner.strategy", "Default")
Order = get_model("order", "Order")
PaymentEventType = get_model("order", "PaymentEventType")
ShippingAddress = get_model("order", "ShippingAddress")
Country = get_model("address", "Country")
PASSWORD = "a-Strong-passw0rd"


def enable_referrals(**fields) -> ReferralSettings:
    """Referrals on (which creates the friend's offer), with ``fields`` changed."""
    settings = ReferralSettings.load()
    settings.is_enabled = True
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def make_referrer(email: str = "ada@example.com"):
    user = UserFactory(email=email, first_name="Ada")
    return user, code_for_user(user)


def register(client: Client, email: str, code: str = "") -> object:
    """Register through Oscar's registration page (with an optional typed code)."""
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    if code:
        data["referral_code"] = code
    response = client.post(reverse("customer:register"), data, follow=True)
    assert response.status_code == 200
    return get_user_model().objects.filter(email=email).first()


def refer_friend(referrer_code: str, email: str = "bob@example.net", client: Client | None = None):
    """A friend opens the referral link and registers: returns (friend, referral)."""
    client = client or Client()
    client.get(f"/?ref={referrer_code}")
    friend = register(client, email)
    return friend, Referral.objects.filter(friend=friend).first()


def address(line1: str = "1 Analytical Street", postcode: str = "N1 9GU"):
    country, _created = Country.objects.get_or_create(
        iso_3166_1_a2="GB", defaults={"name": "United Kingdom", "is_shipping_country": True}
    )
    return ShippingAddress.objects.create(
        first_name="Bob",
        last_name="Friend",
        line1=line1,
        line4="London",
        postcode=postcode,
        country=country,
    )


def first_order(user=None, *, basket=None, price: str = "40.00", **kwargs):
    """A real order (Oscar's OrderCreator, offers applied as at checkout) of one product."""
    basket = basket or Basket.objects.create(owner=user)
    _add_lines(basket, [(price, 1)])
    basket = Basket.objects.get(pk=basket.pk)
    basket.strategy = Default()
    Applicator().apply(basket, user)
    kwargs.setdefault("shipping_address", address())
    return create_order(basket=basket, user=user, **kwargs)


def balance(user) -> int:
    return ledger.account_for_user(user).available


def set_status(order, status: str, on_commit) -> None:
    order = Order.objects.get(pk=order.pk)
    on_commit(order.set_status, status)


def confirm(order, on_commit) -> None:
    """The order moves to a confirming status: the return window no longer matters."""
    set_status(order, "Being processed", on_commit)
    set_status(order, "Complete", on_commit)


def refund(order, amount: Decimal, on_commit) -> None:
    refunded, _created = PaymentEventType.objects.get_or_create(name="Refunded")
    on_commit(order.payment_events.create, event_type=refunded, amount=amount)


def far_future(referral):
    return referral.created_at.replace(year=2100)


def replay_confirmations(order, referral, on_commit) -> None:
    """Every way the friend's first order gets confirmed, each more than once: status
    changes, direct calls, and sweeps after the return window."""
    confirm(order, on_commit)
    settlement.order_confirmed(order)
    settlement.pay_referrer(referral.pk)
    settlement.settle_due_referrals(far_future(referral))
    tasks.confirm_due_points.apply()


def money(value: str) -> Decimal:
    return Decimal(value)
