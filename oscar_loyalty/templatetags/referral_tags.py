"""Referral blocks: ``{% load referral_tags %}``. Each renders nothing while referrals are off,
at no query cost (the settings are cached)."""

from urllib.parse import quote

from django import template
from django.utils.translation import gettext

from oscar_loyalty.models import Referral
from oscar_loyalty.offers.referrals import (
    referral_for_basket,
    referral_in_review,
    referrer_voucher_label,
)
from oscar_loyalty.referrals import capture
from oscar_loyalty.referrals.codes import code_for_user
from oscar_loyalty.referrals.forms import InviteFriendForm
from oscar_loyalty.referrals.views import referral_link

register = template.Library()


def mask_email(email: str) -> str:
    """'ada@example.com' -> 'a•••@example.com': the referrer recognises a friend, nobody can
    harvest addresses from the page."""
    local, at, domain = (email or "").partition("@")
    return f"{local[:1]}•••@{domain}" if at else ""


@register.inclusion_tag("oscar_loyalty/referrals/card.html", takes_context=True)
def loyalty_referral_card(context):
    """The Rewards page card: code, link, copy button, share links, invite form, referrals."""
    request = context.get("request")
    settings = capture.referral_settings()
    user = getattr(request, "user", None)
    if not settings.is_enabled or user is None or not user.is_authenticated:
        return {"enabled": False}
    link = referral_link(request, user)
    reward = capture.friend_reward_label(settings)
    text = gettext("Get %(reward)s off your first order with my link:") % {"reward": reward}
    referrals = list(
        Referral.objects.filter(referrer=user).select_related(
            "friend", "reward_entry", "referrer_voucher"
        )[:50]
    )
    for referral in referrals:
        referral.display_friend = mask_email(
            referral.friend.email if referral.friend_id else referral.friend_email
        ) or gettext("A guest shopper")
    return {
        "enabled": True,
        "code": code_for_user(user),
        "link": link,
        "reward": reward,
        "points": settings.referrer_points,
        "referrer_voucher": (
            referrer_voucher_label(settings) if settings.pays_referrer_voucher else ""
        ),
        "share": {
            "email": f"mailto:?subject={quote(text)}&body={quote(text + ' ' + link)}",
            "whatsapp": f"https://wa.me/?text={quote(text + ' ' + link)}",
            "x": f"https://twitter.com/intent/tweet?text={quote(text)}&url={quote(link)}",
            "facebook": f"https://www.facebook.com/sharer/sharer.php?u={quote(link)}",
        },
        "invite_form": InviteFriendForm(),
        "referrals": referrals,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("oscar_loyalty/referrals/basket.html", takes_context=True)
def loyalty_referral_basket(context, basket):
    """On the basket page: who referred the shopper and what they get, or the code field for
    shoppers who can still use one."""
    request = context.get("request")
    settings = capture.referral_settings()
    if not settings.is_enabled or basket is None:
        return {"enabled": False}
    referral = referral_for_basket(basket)
    in_review = referral_in_review(basket) if referral is None else None
    user = getattr(request, "user", None)
    can_enter = (
        referral is None
        and in_review is None
        and not (user is not None and user.is_authenticated and capture.has_ordered(user))
    )
    on_basket = (
        referral is not None
        and any(voucher.code == referral.voucher_code for voucher in basket.vouchers.all())
        if basket.id
        else False
    )
    return {
        "enabled": True,
        "referral": referral,
        "in_review": in_review,
        "voucher_to_apply": referral.voucher_code if referral and not on_basket else "",
        "reward": capture.friend_reward_label(settings),
        "can_enter": can_enter,
        "next_url": request.get_full_path() if request else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("oscar_loyalty/referrals/signup_field.html", takes_context=True)
def loyalty_referral_signup_field(context, form_id="register_form"):
    """A referral code input that submits with Oscar's registration form (``form=``), filled
    in from a remembered link."""
    request = context.get("request")
    settings = capture.referral_settings()
    if not settings.is_enabled or request is None:
        return {"enabled": False}
    return {
        "enabled": True,
        "form_id": form_id,
        "value": request.POST.get("referral_code") or capture.code_from_cookie(request) or "",
        "reward": capture.friend_reward_label(settings),
    }
