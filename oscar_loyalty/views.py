"""Shopper-facing pages. Every view works on the signed-in shopper's own account only: no
account or entry id ever comes from the URL or the form."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from oscar.core.loading import get_class

from . import actions, conf, ledger
from .forms import CustomerProfileForm
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
