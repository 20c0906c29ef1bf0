"""Shopper-facing pages. Every view works on the signed-in shopper's own account only: an id
that comes from a URL is always looked up within that account (someone else's gives 404)."""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from oscar.core.loading import get_class

from oscar_loyalty.utils import format_points

from . import actions, conf, ledger, redemption, rewards, tiers
from .forms import CustomerProfileForm, RedeemPointsForm
from .history import with_readable_descriptions
from .models import (
    CustomerProfile,
    GiftReward,
    LedgerEntry,
    NewsletterRule,
    PointsLot,
    ProgramSettings,
    RewardRedemption,
    SocialFollowRule,
)
from .untrusted import safe_next_url

PageTitleMixin = get_class("customer.mixins", "PageTitleMixin")
CheckoutSessionMixin = get_class("checkout.session", "CheckoutSessionMixin")
CheckoutSessionData = get_class("checkout.utils", "CheckoutSessionData")
Repository = get_class("shipping.repository", "Repository")

HIDDEN_FROM_HISTORY = [LedgerEntry.HOLD, LedgerEntry.RELEASE]


class RewardsView(PageTitleMixin, TemplateView):
    """The shopper's Rewards tab: balance, pending points, next expiry, history."""

    template_name = "oscar_loyalty/account/rewards.html"
    page_title = _("Rewards")
    active_tab = "loyalty"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account = ledger.account_for_user(self.request.user)
        lots = PointsLot.objects.filter(account=account, remaining__gt=0)
        profile, _created = CustomerProfile.objects.get_or_create(account=account)
        history = account.entries.exclude(kind__in=HIDDEN_FROM_HISTORY).order_by(
            "-created_at", "-id"
        )
        page = Paginator(history, conf.get("HISTORY_PER_PAGE")).get_page(
            self.request.GET.get("page")
        )
        context.update(
            account=account,
            program=ProgramSettings.load(),
            pending_lots=lots.filter(status=PointsLot.PENDING).order_by("available_at")[:5],
            next_expiry=lots.filter(status=PointsLot.AVAILABLE, expires_at__isnull=False)
            .values("expires_at")
            .annotate(points=Sum("remaining"))
            .order_by("expires_at")
            .first(),
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            entries=with_readable_descriptions(page.object_list),
            profile_form=CustomerProfileForm(instance=profile),
            follow_rules=SocialFollowRule.objects.active(),
            rewards=[
                _with_missing(reward, account.available)
                for reward in rewards_for_shopper(self.request.user)
            ],
            my_rewards=account.reward_redemptions.filter(status=RewardRedemption.ISSUED)
            .select_related("voucher", "reward")
            .order_by("expires_at"),
            token=uuid.uuid4().hex,
        )
        return context


def rewards_for_shopper(user):
    """Rewards the shopper can redeem now: everyone's, plus those exclusive to their tier."""
    return tiers.rewards_for_tier(rewards.available_rewards(), tiers.tier_for_user(user))


def _with_missing(reward, available: int):
    reward.points_missing = max(0, reward.points_cost - available)
    return reward


class ProfileView(View):
    """Save the shopper's birthday and newsletter choice; opting in earns newsletter points."""

    def post(self, request):
        account = ledger.account_for_user(request.user)
        profile, _created = CustomerProfile.objects.get_or_create(account=account)
        form = CustomerProfileForm(request.POST, instance=profile)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("oscar_loyalty:account")
        form.save()
        if profile.newsletter_opt_in:
            for entry in actions.award_action(account, NewsletterRule, reference="newsletter"):
                messages.success(
                    request,
                    _("Thanks for subscribing: %(points)s points added.")
                    % {"points": format_points(entry.points)},
                )
        messages.success(request, _("Your rewards profile has been saved."))
        return redirect("oscar_loyalty:account")


class SocialFollowView(View):
    """Click-through to a social profile; the first click per network earns the rule's points."""

    def post(self, request, rule_id: int):
        rule = get_object_or_404(SocialFollowRule.objects.active(), pk=rule_id)
        account = ledger.account_for_user(request.user)
        entries = actions.award_action(
            account,
            SocialFollowRule,
            reference=f"social:{rule.network}",
            rules=[rule],
            at=timezone.now(),
        )
        if entries:
            messages.success(
                request,
                _("Thanks for following us: %(points)s points added.")
                % {"points": format_points(rule.points)},
            )
        return HttpResponseRedirect(rule.follow_url)


class RedeemPointsView(View):
    """Apply, maximise or remove the points paying for the shopper's current basket."""

    def post(self, request):
        form = RedeemPointsForm(request.POST)
        target = self._next_url(request)
        basket = request.basket
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(target)
        if not basket.id or basket.is_empty:
            messages.error(request, _("Add something to your basket before using points."))
            return redirect(target)
        action = form.cleaned_data["action"]
        if action == RedeemPointsForm.REMOVE:
            redemption.remove_points(basket)
            messages.info(request, _("Your points are back in your account."))
            return redirect(target)
        account = ledger.account_for_user(request.user)
        points = form.cleaned_data["points"]
        shipping_method = shipping_method_for(request, basket)
        if action == RedeemPointsForm.MAXIMUM:
            points = redemption.allowance(basket, account, shipping_method).max_points
        try:
            hold = redemption.apply_points(
                basket,
                account,
                points or 0,
                key=f"hold:{basket.id}:{form.cleaned_data['token']}",
                shipping_method=shipping_method,
            )
        except redemption.RedemptionError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(points)s points applied to your basket.")
                % {"points": format_points(hold.points)},
            )
        return redirect(target)

    @staticmethod
    def _next_url(request) -> str:
        return safe_next_url(request, request.POST.get("next", ""), reverse("basket:summary"))


def shipping_method_for(request, basket):
    """The shipping method the basket would ship with now: the one chosen in checkout, else
    the default that Oscar's basket page shows. Asks the shop's own shipping Repository, so
    points are checked against the charge the shopper sees."""
    checkout = CheckoutSessionMixin()
    checkout.request, checkout.checkout_session = request, CheckoutSessionData(request)
    address = checkout.get_shipping_address(basket)
    return checkout.get_shipping_method(basket, address) or (
        Repository().get_default_shipping_method(
            basket=basket, shipping_addr=address, user=request.user, request=request
        )
    )


class RedeemRewardView(View):
    """Buy a reward with points; a gift also goes straight into the basket."""

    def post(self, request, reward_id: int):
        reward = get_object_or_404(rewards_for_shopper(request.user), pk=reward_id)
        token = request.POST.get("token", "")
        if not (len(token) == 32 and all(c in "0123456789abcdef" for c in token)):
            messages.error(request, _("Please try again from your Rewards page."))
            return redirect("oscar_loyalty:account")
        account = ledger.account_for_user(request.user)
        try:
            redeemed = rewards.redeem_reward(
                account, reward, key=f"reward:{account.pk}:{reward.pk}:{token}"
            )
        except rewards.RewardError as error:
            messages.error(request, str(error))
            return redirect("oscar_loyalty:account")
        if isinstance(reward, GiftReward):
            _add_voucher_to_basket(request, redeemed, add_product=reward.product)
            return redirect("basket:summary")
        messages.success(
            request,
            _("Your reward is ready: use code %(code)s at checkout.")
            % {"code": redeemed.voucher.code},
        )
        return redirect("oscar_loyalty:account")


class ApplyRewardView(View):
    """Put one of the shopper's own reward vouchers on their basket in one click."""

    def post(self, request, redemption_id: int):
        redeemed = get_object_or_404(
            RewardRedemption.objects.select_related("voucher"),
            pk=redemption_id,
            account__user=request.user,
            status=RewardRedemption.ISSUED,
        )
        _add_voucher_to_basket(request, redeemed)
        return redirect("basket:summary")


def _add_voucher_to_basket(request, redeemed: RewardRedemption, add_product=None) -> None:
    basket = request.basket
    if not basket.id:
        basket.save()
    if add_product is not None:
        basket.add_product(add_product, 1)
    voucher = redeemed.voucher
    if voucher is None or not voucher.is_active():
        messages.error(request, _("This reward voucher has expired."))
        return
    basket.vouchers.add(voucher)
    messages.success(request, _("Reward %(code)s added to your basket.") % {"code": voucher.code})
