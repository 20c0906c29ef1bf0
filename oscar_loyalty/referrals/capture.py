"""Capturing a referral: the ``?ref=CODE`` link, the code fields, and tying it to the friend.

A link visit stores the code in a signed cookie for the configured number of days (first click
wins unless the settings say otherwise). The referral becomes a :class:`Referral` row when the
friend is known: at sign-up (account), or when a guest puts something in their basket or types
the code at checkout (basket, carried to the order). Nothing here ever raises to the shopper:
bad codes become messages.
"""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from .. import caching, conf
from ..models import Referral, ReferralSettings, ReferralVisit
from .codes import (
    ReferralCodeError,
    client_ip,
    normalise_code,
    normalise_email,
    referrer_for_code,
    referrer_of,
)
from .fraud import rules_at_signup

Order = get_model("order", "Order")

COOKIE_SALT = "oscar_loyalty.referral"
SESSION_KEY = "loyalty_referral_id"


def referral_settings() -> ReferralSettings:
    """The settings row, cached (read on every request that carries a referral)."""
    return caching.cached("referral_settings", ReferralSettings.load)


def cookie_value(code: str) -> str:
    return signing.dumps({"code": code}, salt=COOKIE_SALT)


def code_from_cookie(request, settings: ReferralSettings | None = None) -> str | None:
    """The code remembered for this browser, if the cookie is genuine and not older than the
    configured days (checked here too: a browser may keep an expired cookie)."""
    raw = request.COOKIES.get(conf.get("REFERRAL_COOKIE_NAME"))
    if not raw:
        return None
    settings = settings or referral_settings()
    try:
        data = signing.loads(raw, salt=COOKIE_SALT, max_age=settings.cookie_days * 86400)
    except signing.BadSignature:  # tampered or expired (SignatureExpired is a subclass)
        return None
    return data.get("code") if isinstance(data, dict) else None


class ReferralMiddleware:
    """Remembers ``?ref=CODE`` on any page. Add it after Django's auth and message middleware
    (and after Oscar's BasketMiddleware)::

        MIDDLEWARE = [..., "oscar_loyalty.referrals.capture.ReferralMiddleware"]

    Costs nothing on requests without the parameter.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.GET.get(conf.get("REFERRAL_QUERY_PARAMETER"))
        remember = capture_link(request, raw) if raw is not None else None
        response = self.get_response(request)
        if remember:
            settings = referral_settings()
            response.set_cookie(
                conf.get("REFERRAL_COOKIE_NAME"),
                cookie_value(remember),
                max_age=settings.cookie_days * 86400,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response


def capture_link(request, raw: str) -> str | None:
    """The code to remember from a link visit, or None (referrals off, first click already
    counted, bad code: the visitor sees why)."""
    settings = referral_settings()
    if not settings.is_enabled:
        return None
    current = code_from_cookie(request, settings)
    if current == normalise_code(raw) or (current and not settings.last_click_wins):
        return None
    user = request.user if request.user.is_authenticated else None
    try:
        referrer = referrer_for_code(raw, request, friend=user)
    except ReferralCodeError as error:
        messages.warning(request, str(error))
        return None
    ReferralVisit.objects.create(referrer=referrer)
    messages.info(request, welcome_message(settings, referrer))
    return normalise_code(raw)


def welcome_message(settings: ReferralSettings, referrer) -> str:
    name = referrer.get_short_name() or _("A friend")
    return _("%(name)s invited you: you get %(reward)s off your first order.") % {
        "name": name,
        "reward": friend_reward_label(settings),
    }


def friend_reward_label(settings: ReferralSettings) -> str:
    from ..offers.referrals import discount_label

    return discount_label(settings)


# --- tying the referral to the friend ----------------------------------------------------------


def has_ordered(user) -> bool:
    return Order.objects.filter(user=user).exists()


def refer(request, referrer, source: str) -> Referral:
    """Tie the shopper of ``request`` (their account, else their basket) to ``referrer``.

    Raises :class:`ReferralCodeError` with a message when the shopper cannot be referred (an
    existing customer, already referred by someone else). Idempotent for the same referrer.
    """
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        if user.pk == referrer.pk:
            raise ReferralCodeError(
                _("That is your own referral code: share it with your friends.")
            )
        existing = Referral.objects.filter(friend=user).first()
        if existing is not None:
            if existing.referrer_id == referrer.pk:
                return existing
            raise ReferralCodeError(_("You were already referred by someone else."))
        if has_ordered(user):
            raise ReferralCodeError(_("Referral codes are for a new customer's first order."))
        return _create(request, referrer=referrer, friend=user, source=source)
    basket = request.basket
    if not basket.id:
        basket.save()
    existing = Referral.objects.filter(basket_id=basket.id).first()
    if existing is not None:
        if existing.referrer_id == referrer.pk:
            return existing
        raise ReferralCodeError(_("This basket already has a referral code."))
    return _create(request, referrer=referrer, basket_id=basket.id, source=source)


def _create(request, **fields) -> Referral:
    friend = fields.get("friend")
    referral = Referral(signup_ip=client_ip(request) or None, **fields)
    if friend is not None:
        referral.friend_email = normalise_email(friend.email)
    referral.fired_rules = rules_at_signup(referral, referral_settings())
    if referral.fired_rules:
        referral.status = Referral.REVIEW
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:  # a concurrent request tied the same friend or basket first
        lookup = {"friend": friend} if friend is not None else {"basket_id": fields["basket_id"]}
        return Referral.objects.get(**lookup)
    request.session[SESSION_KEY] = referral.pk
    if referral.status == Referral.WAITING:
        give_friend_voucher(referral, getattr(request, "basket", None))
    return referral


def give_friend_voucher(referral: Referral, basket=None) -> None:
    """Voucher mode: issue the friend's code and put it on their basket when there is one
    (the basket page shows it too, with a button to apply it)."""
    from ..offers.referrals import issue_friend_voucher

    voucher = issue_friend_voucher(referral, referral_settings())
    if voucher is not None and basket is not None and basket.id:
        basket.vouchers.add(voucher)
        # As Oscar's own "add voucher" view counts it (its remove view counts it back).
        type(voucher).objects.filter(pk=voucher.pk).update(
            num_basket_additions=F("num_basket_additions") + 1
        )


def refer_from_cookie(request, source: str = Referral.LINK) -> Referral | None:
    """At sign-up or when a product goes into the basket: turn a remembered link into a
    referral, quietly (the shopper already saw the link's message)."""
    settings = referral_settings()
    if not settings.is_enabled:
        return None
    code = code_from_cookie(request, settings)
    if not code:
        return None
    if request.session.get(SESSION_KEY):
        return None
    try:
        referrer = referrer_of(code, friend=_user(request))
        return refer(request, referrer, source)
    except ReferralCodeError:
        return None


def claim_for_user(request, user) -> None:
    """A guest referred through their basket signed in: the referral follows them to their
    account (Oscar merges the basket), if they can still be referred."""
    referral_id = request.session.get(SESSION_KEY)
    if not referral_id:
        return
    referral = Referral.objects.filter(pk=referral_id, friend__isnull=True).first()
    if referral is None:
        return
    if (
        referral.referrer_id == user.pk
        or has_ordered(user)
        or Referral.objects.filter(friend=user).exists()
    ):
        return
    referral.friend = user
    referral.friend_email = normalise_email(user.email)
    referral.save(update_fields=["friend", "friend_email"])


def _user(request):
    return request.user if request.user.is_authenticated else None
