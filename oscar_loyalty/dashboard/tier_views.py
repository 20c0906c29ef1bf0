"""Dashboard views for tiers: the ladder (CRUD, member counts), how tiers qualify, a tier's
members, one customer's tier history, and pins.

Staff-only access, and the extra permission to pin, are applied to the URLs by
:class:`.apps.LoyaltyDashboardConfig`.
"""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView, View
from django_tables2 import SingleTableMixin, SingleTableView

from .. import tasks, tiers
from ..models import CustomerTier, PointsAccount, Tier, TierChange, TierPin, TierSettings
from ..receivers import enqueue_after_commit
from .common import DashboardTableMixin, dashboard_url
from .tier_forms import PinForm, TierForm, TierSettingsForm
from .tier_tables import TierChangeTable, TierMemberTable, TierTable

PIN_PERMISSION = "oscar_loyalty.add_tierpin"
TIER_LIST = reverse_lazy("oscar_loyalty_dashboard:loyalty-tier-list")


# What can move a customer to another tier; a tier's name, look or perks cannot.
MOVING_FIELDS = {"threshold", "position"}


def reevaluate_after_commit() -> None:
    """Once a change to the ladder or how it qualifies is saved, move customers to the tiers
    they now reach (upgrades at once; downgrades with their notice and grace period), rather
    than at the nightly re-evaluation: a tier added below customers' counts would otherwise
    tell them to spend nothing more to reach it. Enqueued as the package's other tasks, so a
    missing or unreachable broker runs it here rather than failing the saved page."""
    enqueue_after_commit(tasks.reevaluate_tiers)


class TierListView(DashboardTableMixin, SingleTableView):
    template_name = "oscar_loyalty/dashboard/tier_list.html"
    table_class = TierTable
    context_table_name = "tiers"

    def get_queryset(self):
        return Tier.objects.annotate(member_count=Count("members"))

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["tier_settings"] = TierSettings.load()
        context["without_tier"] = PointsAccount.objects.exclude(tier_status__tier__isnull=False)
        return context


class TierFormMixin:
    model = Tier
    form_class = TierForm
    template_name = "oscar_loyalty/dashboard/tier_form.html"
    success_url = TIER_LIST

    def get_context_data(self, **kwargs) -> dict:
        name = self.object.name if self.object else gettext("Create tier")
        return {**super().get_context_data(**kwargs), "page_name": name}

    def form_valid(self, form):
        moves = self.object is None or bool(MOVING_FIELDS & set(form.changed_data))
        response = super().form_valid(form)
        message = gettext("Tier “%(name)s” saved.")
        if moves:
            reevaluate_after_commit()
            message = gettext(
                "Tier “%(name)s” saved. Customers are being moved to the tiers they now reach."
            )
        messages.success(self.request, message % {"name": self.object})
        return response


class TierCreateView(TierFormMixin, CreateView):
    pass


class TierUpdateView(TierFormMixin, UpdateView):
    pass


class TierDeleteView(DeleteView):
    """Only a tier nobody was ever in can be deleted; otherwise its history needs it."""

    model = Tier
    template_name = "oscar_loyalty/dashboard/tier_delete.html"
    success_url = TIER_LIST

    def in_use(self) -> bool:
        tier = self.object
        return (
            CustomerTier.objects.filter(tier=tier).exists()
            or CustomerTier.objects.filter(earned_tier=tier).exists()
            or TierChange.objects.filter(to_tier=tier).exists()
            or TierPin.objects.filter(tier=tier).exists()
        )

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "in_use": self.in_use()}

    def form_valid(self, form):
        if self.in_use():
            messages.error(
                self.request,
                gettext(
                    "“%(name)s” has or had members, so its history needs it: rename it or "
                    "change its perks instead."
                )
                % {"name": self.object},
            )
            return redirect(TIER_LIST)
        messages.success(self.request, gettext("Tier “%(name)s” deleted.") % {"name": self.object})
        return super().form_valid(form)


class TierSettingsView(UpdateView):
    form_class = TierSettingsForm
    template_name = "oscar_loyalty/dashboard/tier_settings_form.html"
    success_url = TIER_LIST

    def get_object(self, queryset=None):
        return TierSettings.load()

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "page_name": gettext("How tiers qualify")}

    def form_valid(self, form):
        response = super().form_valid(form)
        reevaluate_after_commit()
        messages.success(
            self.request,
            gettext("Tier settings saved. Customers are being moved to the tiers they now reach."),
        )
        return response


class TierMembersView(DashboardTableMixin, SingleTableView):
    template_name = "oscar_loyalty/dashboard/tier_members.html"
    table_class = TierMemberTable
    context_table_name = "members"

    def dispatch(self, request, *args, **kwargs):
        self.tier = get_object_or_404(Tier, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return CustomerTier.objects.filter(tier=self.tier).select_related(
            "account__user", "earned_tier", "pin"
        )

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "tier": self.tier}


class AccountTierView(DashboardTableMixin, SingleTableMixin, DetailView):
    """One customer's tier: where they stand, every change (from, to, why, when, who), their
    pins, and the pin form."""

    model = PointsAccount
    template_name = "oscar_loyalty/dashboard/account_tier.html"
    context_object_name = "account"
    table_class = TierChangeTable
    context_table_name = "changes"

    def get_queryset(self):
        return PointsAccount.objects.select_related("user")

    def get_table_data(self):
        return self.object.tier_changes.select_related("from_tier", "to_tier", "created_by")

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(
            status=CustomerTier.objects.filter(account=self.object)
            .select_related("tier", "earned_tier", "pin__tier", "downgrade_to")
            .first(),
            pins=self.object.tier_pins.select_related("tier", "created_by", "removed_by")[:20],
            can_pin=self.request.user.has_perm(PIN_PERMISSION),
        )
        context.setdefault("pin_form", PinForm())
        return context


class AccountPinView(View):
    """Pin the customer to a tier until a date, or remove their pin (audited either way)."""

    def post(self, request, pk: int):
        account = get_object_or_404(PointsAccount, pk=pk)
        back = dashboard_url("loyalty-account-tier", account.pk)
        if request.POST.get("action") == "remove":
            if tiers.remove_pin(account, staff_user=request.user):
                messages.success(request, gettext("Pin removed: the earned tier applies again."))
            return redirect(back)
        form = PinForm(request.POST)
        if not form.is_valid():
            view = AccountTierView(request=request, kwargs={"pk": pk}, object=account)
            view.object = account
            context = view.get_context_data(pin_form=form)
            return view.render_to_response(context, status=400)
        try:
            tiers.pin_customer(
                account,
                form.cleaned_data["tier"],
                reason=form.cleaned_data["reason"],
                ends_at=form.ends_at,
                staff_user=request.user,
            )
        except tiers.PinError as error:
            messages.error(request, str(error))
            return redirect(back)
        messages.success(
            request,
            _("Pinned to %(tier)s until %(date)s.")
            % {"tier": form.cleaned_data["tier"], "date": form.cleaned_data["ends_on"]},
        )
        return redirect(back)
