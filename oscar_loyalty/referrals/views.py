"""Shopper-facing referral actions: a code typed at checkout, and inviting a friend by email.
The Rewards page card is the ``loyalty_referral_card`` tag (``referral_tags``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import View

from ..models import Referral
from ..untrusted import safe_next_url
from . import capture, invites
from .codes import ReferralCodeError, code_for_user, referrer_for_code
from .forms import InviteFriendForm, ReferralCodeForm


def referral_link(request, user) -> str:
    """The customer's link: the shop's home page with their code."""
    from .. import conf

    return request.build_absolute_uri(f"/?{conf.get('REFERRAL_QUERY_PARAMETER')}=") + (
        code_for_user(user)
    )


class ReferralCodeView(View):
    """A friend's code typed on the basket page; the discount shows on the next page load."""

    def post(self, request):
        form = ReferralCodeForm(request.POST)
        target = safe_next_url(request, request.POST.get("next", ""), "/basket/")
        if not capture.referral_settings().is_enabled:
            messages.error(request, _("Referral codes can't be used right now."))
            return redirect(target)
        if not form.is_valid():
            messages.error(request, _("Enter a referral code."))
            return redirect(target)
        user = request.user if request.user.is_authenticated else None
        try:
            referrer = referrer_for_code(form.cleaned_data["code"], request, friend=user)
            referral = capture.refer(request, referrer, Referral.CHECKOUT)
        except ReferralCodeError as error:
            messages.error(request, str(error))
            return redirect(target)
        if referral.status == Referral.WAITING:
            messages.success(
                request, capture.welcome_message(capture.referral_settings(), referrer)
            )
        else:
            messages.info(request, _("Thanks: your referral code is being checked."))
        return redirect(target)


class InviteFriendView(View):
    """Email an invitation. The answer is the same whether or not the address is a customer."""

    def post(self, request):
        form = InviteFriendForm(request.POST)
        if not capture.referral_settings().is_enabled:
            messages.error(request, _("Invitations can't be sent right now."))
        elif not form.is_valid():
            messages.error(request, _("Enter your friend's email address."))
        else:
            email = form.cleaned_data["email"]
            try:
                invites.invite_friend(request.user, email, referral_link(request, request.user))
            except invites.InviteLimitReached:
                messages.error(
                    request, _("You have sent the most invitations for today. Try again tomorrow.")
                )
            else:
                messages.success(
                    request,
                    _("Thanks! If %(email)s can be invited, they will get your invitation.")
                    % {"email": email},
                )
        return redirect("oscar_loyalty:account")


def referral_urls() -> list:
    return [
        path("referral/code/", ReferralCodeView.as_view(), name="referral-code"),
        path(
            "referral/invite/",
            login_required(InviteFriendView.as_view()),
            name="referral-invite",
        ),
    ]
