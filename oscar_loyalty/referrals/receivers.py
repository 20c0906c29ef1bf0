"""Oscar's and Django's signals -> referrals. Order work is enqueued after commit, like the
rest of the loyalty receivers; sign-up and basket work needs the request, so it runs here."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from oscar.core.loading import get_class, get_model

from .. import caching, conf
from ..models import Referral, ReferralSettings
from ..receivers import _is_refund, enqueue_after_commit
from . import capture, settlement, tasks
from .codes import ReferralCodeError, normalise_code, referrer_for_code

order_placed = get_class("order.signals", "order_placed")
order_status_changed = get_class("order.signals", "order_status_changed")
user_registered = get_class("customer.signals", "user_registered")
basket_addition = get_class("basket.signals", "basket_addition")
PaymentEvent = get_model("order", "PaymentEvent")
Order = get_model("order", "Order")
OrderDiscount = get_model("order", "OrderDiscount")

SIGNUP_FIELD = "referral_code"


@receiver(post_save, sender=Order, dispatch_uid="oscar_loyalty.referrals.claim_first_order")
def claim_first_order(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        settlement.claim_first_order(instance)


@receiver(post_save, sender=OrderDiscount, dispatch_uid="oscar_loyalty.referrals.discount")
def check_friend_discount(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        settlement.check_friend_discount(instance)


@receiver(order_placed, dispatch_uid="oscar_loyalty.referrals.order_placed")
def record_referred_order(sender, order, **kwargs):
    enqueue_after_commit(tasks.record_referred_order, order.pk)


@receiver(order_status_changed, dispatch_uid="oscar_loyalty.referrals.status_changed")
def settle_referral_on_status(sender, order, old_status, new_status, **kwargs):
    if new_status in [*conf.get("CONFIRM_STATUSES"), *conf.get("REVERSE_STATUSES")]:
        enqueue_after_commit(tasks.settle_referral_on_status, order.pk, new_status)


@receiver(post_save, sender=PaymentEvent, dispatch_uid="oscar_loyalty.referrals.refund")
def settle_referral_on_refund(sender, instance, created, **kwargs):
    if created and _is_refund(instance):
        enqueue_after_commit(tasks.settle_referral_on_refund, instance.pk)


@receiver(user_registered, dispatch_uid="oscar_loyalty.referrals.user_registered")
def refer_new_customer(sender, request, user, **kwargs):
    """The code typed at registration wins over a remembered link; a bad code never blocks
    the registration, the new customer just sees why it did not count. The field comes filled
    in from the link: left as it is, it is the link's referral (no code lookup spent)."""
    if request is None or not capture.referral_settings().is_enabled:
        return
    typed = normalise_code(request.POST.get(SIGNUP_FIELD))
    if not typed or typed == normalise_code(capture.code_from_cookie(request)):
        capture.claim_for_user(request, user)
        _refer_as(request, user, lambda: capture.refer_from_cookie(request, Referral.LINK))
        return
    try:
        referrer = referrer_for_code(typed, request, friend=user)
        _refer_as(request, user, lambda: capture.refer(request, referrer, Referral.SIGNUP))
    except ReferralCodeError as error:
        messages.warning(request, str(error))


def _refer_as(request, user, refer):
    """Run ``refer`` as the new user (the request is still anonymous during registration)."""
    anonymous, request.user = request.user, user
    try:
        return refer()
    except ReferralCodeError as error:
        messages.warning(request, str(error))
    finally:
        request.user = anonymous


@receiver(basket_addition, dispatch_uid="oscar_loyalty.referrals.basket_addition")
def refer_basket_from_link(sender, product, user, request, **kwargs):
    capture.refer_from_cookie(request)


@receiver(user_logged_in, dispatch_uid="oscar_loyalty.referrals.logged_in")
def referral_follows_guest_to_account(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        capture.claim_for_user(request, user)


@receiver([post_save, post_delete], sender=ReferralSettings, dispatch_uid="oscar_loyalty.refset")
def referral_settings_changed(sender, instance, **kwargs):
    from ..offers.referrals import sync_friend_offer

    caching.forget("referral_settings")
    if kwargs.get("signal") is post_save and not kwargs.get("raw"):
        sync_friend_offer(instance)
