"""Fraud rules. Each is switched on or tuned in the referral settings; each one that fires is
recorded on the referral with its reason, and the referral goes to the dashboard's review queue
(never silently dropped).

Rules run when their facts are known: at sign-up (email, IP), at the first order (address,
payment, earlier orders, order value), when part of it is refunded before the reward (order
value) and when the reward is due (the referrer's account still active, monthly velocity).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django.conf import settings as django_settings
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency

from .. import conf
from ..models import Referral, ReferralSettings
from .codes import email_regex, normalise_email

Order = get_model("order", "Order")
ShippingAddress = get_model("order", "ShippingAddress")
UserAddress = get_model("address", "UserAddress")
Source = get_model("payment", "Source")

SELF_EMAIL = "self_email"
SELF_ADDRESS = "self_address"
SELF_PAYMENT = "self_payment"
NOT_NEW_ACCOUNT = "not_new_account"
NOT_NEW_EMAIL = "not_new_email"
SIGNUP_IP_VELOCITY = "signup_ip_velocity"
REFERRER_VELOCITY = "referrer_velocity"
REFERRER_INACTIVE = "referrer_inactive"
REFERRALS_OFF = "referrals_off"
MIN_ORDER_VALUE = "min_order_value"

#: What staff read for each rule; the code stays what ``fired_rules`` stores.
RULE_LABELS = {
    SELF_EMAIL: _("Same person: email"),
    SELF_ADDRESS: _("Same person: address"),
    SELF_PAYMENT: _("Same person: payment"),
    NOT_NEW_ACCOUNT: _("Not a new customer: account"),
    NOT_NEW_EMAIL: _("Not a new customer: email"),
    SIGNUP_IP_VELOCITY: _("Many sign-ups from one IP address"),
    REFERRER_VELOCITY: _("Referrer's monthly limit"),
    MIN_ORDER_VALUE: _("First order below the minimum"),
}


def rule_label(rule: str) -> str:
    """The rule's name for staff; a code this version does not know shows as it is."""
    return str(RULE_LABELS.get(rule, rule))


def fired(rule: str, reason) -> dict:
    return {
        "rule": rule,
        "reason": str(reason),
        "at": timezone.now().isoformat(),
        "approved": False,
    }


def approve_fired(referral: Referral) -> None:
    """Staff cleared the referral: the rules that fired so far no longer count. Rules that fire
    later (a monthly limit reached since, a deactivated referrer) still send it to review."""
    referral.fired_rules = [{**rule, "approved": True} for rule in referral.fired_rules]


def unapproved(referral: Referral, found: list[dict]) -> list[dict]:
    """``found`` less the rules staff already cleared on this referral (a rule recorded
    before approvals were per rule counts as cleared when the referral was approved)."""
    cleared = {
        rule["rule"] for rule in referral.fired_rules if rule.get("approved", referral.approved)
    }
    return [rule for rule in found if rule["rule"] not in cleared]


# --- at sign-up --------------------------------------------------------------------------------


def rules_at_signup(referral: Referral, settings: ReferralSettings) -> list[dict]:
    found = []
    if referral.friend_id and settings.check_self_referral:
        found += same_email(referral, referral.friend.email)
    if referral.friend_id and settings.check_new_customer:
        found += ordered_before(referral, referral.friend.email, None)
    if referral.signup_ip and settings.max_signups_per_ip_per_day:
        since = timezone.now() - timedelta(days=1)
        count = Referral.objects.filter(
            signup_ip=referral.signup_ip, created_at__gte=since, friend__isnull=False
        ).count()
        if referral.friend_id and count >= settings.max_signups_per_ip_per_day:
            found.append(
                fired(
                    SIGNUP_IP_VELOCITY,
                    _(
                        "%(count)s referred sign-ups came from %(ip)s in the last 24 hours "
                        "(limit %(limit)s)."
                    )
                    % {
                        "count": count + 1,
                        "ip": referral.signup_ip,
                        "limit": settings.max_signups_per_ip_per_day,
                    },
                )
            )
    return found


def same_email(referral: Referral, friend_email: str) -> list[dict]:
    mine = normalise_email(referral.referrer.email)
    if friend_email and normalise_email(friend_email) == mine:
        return [
            fired(
                SELF_EMAIL,
                _("The friend's email %(friend)s is the referrer's own address (%(mine)s).")
                % {"friend": friend_email, "mine": referral.referrer.email},
            )
        ]
    return []


def ordered_before(referral: Referral, email: str, order) -> list[dict]:
    """The friend is not new: their account, or any account or guest order with the same
    normalised email, has orders other than this first one."""
    others = Order.objects.all()
    if order is not None:
        others = others.exclude(pk=order.pk).filter(date_placed__lt=order.date_placed)
    found = []
    if referral.friend_id and others.filter(user_id=referral.friend_id).exists():
        found.append(fired(NOT_NEW_ACCOUNT, _("The friend's account has earlier orders.")))
    elif email:
        pattern = email_regex(email)
        by_email = others.filter(Q(guest_email__iregex=pattern) | Q(user__email__iregex=pattern))
        if by_email.exists():
            found.append(
                fired(
                    NOT_NEW_EMAIL,
                    _("Orders were placed before with the friend's email (%(email)s).")
                    % {"email": email},
                )
            )
    return found


# --- at the first order ------------------------------------------------------------------------


def referrals_were_off() -> dict:
    """Not a fraud rule: recorded on a referral whose first order was placed while referrals
    were switched off, which ends it unpaid."""
    return fired(REFERRALS_OFF, _("Referrals were switched off when the first order was placed."))


def rules_at_first_order(referral: Referral, order, settings: ReferralSettings) -> list[dict]:
    found = []
    if settings.check_self_referral:
        if not referral.friend_id:
            found += same_email(referral, order.email)
        found += same_address(referral, order)
        found += same_payment(referral, order)
    if settings.check_new_customer:
        found += ordered_before(referral, order.email, order)
    found += below_minimum(referral, order, settings)
    return found


def below_minimum(referral: Referral, order, settings: ReferralSettings) -> list[dict]:
    """The order's value (``Referral.order_value``: after the shop's other discounts, before
    the friend's own, without shipping) against the minimum. The minimum is in the shop's
    currency: an order in another cannot be held against it (no exchange rates here), so staff
    decide."""
    minimum = settings.min_first_order_value
    if minimum is None:
        return []
    shop_currency = django_settings.OSCAR_DEFAULT_CURRENCY
    if order.currency and order.currency != shop_currency:
        return [
            fired(
                MIN_ORDER_VALUE,
                _(
                    "The first order is in %(currency)s; the minimum first order value is in "
                    "%(shop_currency)s."
                )
                % {"currency": order.currency, "shop_currency": shop_currency},
            )
        ]
    if referral.order_value < minimum:
        return [
            fired(
                MIN_ORDER_VALUE,
                _("The first order is worth %(value)s, below the minimum of %(minimum)s.")
                % {
                    "value": currency(referral.order_value, shop_currency),
                    "minimum": currency(minimum, shop_currency),
                },
            )
        ]
    return []


def below_minimum_after_refunds(
    referral: Referral, refunded_share: Decimal, settings: ReferralSettings
) -> list[dict]:
    """Part of the first order was refunded before the reward: what the friend kept is held
    against the minimum, as the whole order was when it was placed."""
    minimum = settings.min_first_order_value
    if minimum is None or referral.order_value is None:
        return []
    kept = (referral.order_value * (1 - refunded_share)).quantize(Decimal("0.01"))
    if kept >= minimum:
        return []
    return [
        fired(
            MIN_ORDER_VALUE,
            _("After refunds the first order is worth %(value)s, below the minimum of %(minimum)s.")
            % {"value": currency(kept), "minimum": currency(minimum)},
        )
    ]


def address_key(line1: str, postcode: str) -> str:
    """Letters and digits of the first line and postcode, lower case: '1 High St., N1 9GU'
    and '1 high st n19gu' are one address."""
    return re.sub(r"[^0-9a-z]", "", f"{line1}{postcode}".lower())


def same_address(referral: Referral, order) -> list[dict]:
    shipping = order.shipping_address
    if shipping is None:
        return []
    key = address_key(shipping.line1, shipping.postcode)
    theirs = list(
        UserAddress.objects.filter(user_id=referral.referrer_id).values_list("line1", "postcode")
    ) + list(
        ShippingAddress.objects.filter(order__user_id=referral.referrer_id).values_list(
            "line1", "postcode"
        )
    )
    if key and any(address_key(*address) == key for address in theirs):
        return [
            fired(
                SELF_ADDRESS,
                _("The first order ships to an address the referrer uses (%(address)s).")
                % {"address": f"{shipping.line1}, {shipping.postcode}"},
            )
        ]
    return []


def payment_source_labels(order) -> set[str]:
    """Default payment fingerprints: the labels of the order's payment sources (e.g. a masked
    card number). Set ``OSCAR_LOYALTY_PAYMENT_FINGERPRINTS`` to use your provider's."""
    return {source.label for source in order.sources.all() if source.label}


def same_payment(referral: Referral, order) -> list[dict]:
    fingerprints = import_string(conf.get("PAYMENT_FINGERPRINTS"))
    mine = fingerprints(order)
    if not mine:
        return []
    earlier = Order.objects.filter(user_id=referral.referrer_id).prefetch_related("sources")
    theirs = set()
    for referrer_order in earlier:
        theirs |= fingerprints(referrer_order)
    shared = sorted(mine & theirs)
    if shared:
        return [
            fired(
                SELF_PAYMENT,
                _("The first order was paid like an order of the referrer (%(payment)s).")
                % {"payment": ", ".join(shared)},
            )
        ]
    return []


# --- when the reward is due --------------------------------------------------------------------


def rules_at_reward(referral: Referral, settings: ReferralSettings) -> list[dict]:
    """Always: a referrer whose account was deactivated (closed, or blocked by staff) since
    is not paid without a decision. Then the monthly velocity limit, if set."""
    if not referral.referrer.is_active:
        return [fired(REFERRER_INACTIVE, _("The referrer's account is inactive."))]
    limit = settings.max_rewarded_per_month
    if not limit:
        return []
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    count = Referral.objects.filter(
        referrer_id=referral.referrer_id,
        status=Referral.REWARDED,
        rewarded_at__gte=month_start,
    ).count()
    if count >= limit:
        return [
            fired(
                REFERRER_VELOCITY,
                _(
                    "The referrer already has %(count)s rewarded referrals this month (limit "
                    "%(limit)s)."
                )
                % {"count": count, "limit": limit},
            )
        ]
    return []
