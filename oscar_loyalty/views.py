"""Shopper-facing pages. Every view works on the signed-in shopper's own account only: no
account or entry id ever comes from the URL or the form."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from oscar.core.loading import get_class

from . import actions, conf, ledger, redemption
from .forms import CustomerProfileForm, RedeemPointsForm
from .models import (
    CustomerProfile,
    LedgerEntry,
    NewsletterRule,
    PointsLot,
    ProgramSettings,
    SocialFollowRule,
)

PageTitleMixin = get_class("customer.mixins", "PageTitleMixin")

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
            entries=page.object_list,
            profile_form=CustomerProfileForm(instance=profile),
            follow_rules=SocialFollowRule.objects.active(),
        )
        return context


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
                    % {"points": entry.points},
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
                _("Thanks for following us: %(points)s points added.") % {"points": rule.points},
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
        if action == RedeemPointsForm.MAXIMUM:
            points = redemption.allowance(basket, account).max_points
        try:
            hold = redemption.apply_points(
                basket, account, points or 0, key=f"hold:{basket.id}:{form.cleaned_data['token']}"
            )
        except redemption.RedemptionError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("%(points)s points applied to your basket.") % {"points": hold.points}
            )
        return redirect(target)

    @staticmethod
    def _next_url(request) -> str:
        candidate = request.POST.get("next", "")
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
        return reverse("basket:summary")
