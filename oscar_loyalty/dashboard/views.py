"""Dashboard views: overview, programme settings and customer accounts.

Earning rules live in :mod:`.rule_views`, rewards in :mod:`.reward_views` and the points
redemption settings in :mod:`.redemption_views`. Staff-only access and the extra permission for
adjustments are applied to the URLs by :class:`.apps.LoyaltyDashboardConfig`, the Oscar way.
Balances change only through :func:`oscar_loyalty.ledger.adjust`.
"""

import csv
from collections.abc import Iterator
from datetime import timedelta

from django.contrib import messages
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, TemplateView, UpdateView, View
from django_tables2 import SingleTableMixin, SingleTableView

from oscar_loyalty.utils import format_points

from .. import ledger
from ..models import (
    EarningRule,
    LedgerEntry,
    PointsAccount,
    PointsLot,
    ProgramSettings,
    Reward,
    RewardRedemption,
)
from ..rewards import available_rewards
from . import overview
from .common import DashboardTableMixin, dashboard_url
from .forms import AccountSearchForm, AdjustmentForm, ProgramSettingsForm
from .tables import LedgerEntryTable, PointsAccountTable, signed

ADJUST_PERMISSION = "oscar_loyalty.add_ledgerentry"
RECENT_DAYS = 30
MAX_LOTS_SHOWN = 50


class IndexView(TemplateView):
    """Key figures first, because the question staff ask most is "what do we owe?"; then a
    card per section, with its figures (:mod:`.overview`) and a link."""

    template_name = "oscar_loyalty/dashboard/index.html"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        totals = PointsAccount.objects.aggregate(
            accounts=Count("pk"),
            available=Coalesce(Sum("available"), 0),
            pending=Coalesce(Sum("pending"), 0),
            held=Coalesce(Sum("held"), 0),
        )
        since = timezone.now() - timedelta(days=RECENT_DAYS)
        context.update(
            totals=totals,
            liability=totals["available"] + totals["pending"] + totals["held"],
            recent_days=RECENT_DAYS,
            recent_entries=LedgerEntry.objects.filter(created_at__gte=since).count(),
            recent_accounts=PointsAccount.objects.filter(last_activity_at__gte=since).count(),
            active_rules=EarningRule.objects.active().count(),
            all_rules=EarningRule.objects.count(),
            available_rewards=available_rewards().count(),
            all_rewards=Reward.objects.count(),
            recent_redemptions=RewardRedemption.objects.filter(created_at__gte=since).count(),
            program=ProgramSettings.load(),
            tiers=overview.tiers_with_members(),
            offer_blocks=overview.offer_blocks(),
            referrals=overview.referral_figures(),
        )
        context["newest_build"], context["serving_build"] = overview.latest_builds()
        return context


class ProgramSettingsView(UpdateView):
    """The one settings row, edited in place (``ProgramSettings.load()`` creates it)."""

    form_class = ProgramSettingsForm
    template_name = "oscar_loyalty/dashboard/settings_form.html"
    context_object_name = "program"

    def get_object(self, queryset=None) -> ProgramSettings:
        return ProgramSettings.load()

    def form_valid(self, form) -> HttpResponse:
        messages.success(self.request, _("Loyalty programme settings saved."))
        return super().form_valid(form)

    def get_success_url(self) -> str:
        return dashboard_url("loyalty-settings")


class AccountListView(DashboardTableMixin, SingleTableView):
    """Find a customer's account by email, name or owner key (non-Oscar customers)."""

    template_name = "oscar_loyalty/dashboard/account_list.html"
    table_class = PointsAccountTable
    context_table_name = "accounts"

    def get_queryset(self):
        self.form = AccountSearchForm(self.request.GET or None)
        queryset = PointsAccount.objects.select_related("user").order_by(
            F("last_activity_at").desc(nulls_last=True), "-pk"
        )
        self.query = ""
        if self.form.is_valid() and self.form.cleaned_data["q"].strip():
            self.query = self.form.cleaned_data["q"].strip()
            queryset = queryset.filter(search_filter(self.query))
        return queryset

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(form=self.form, query=self.query)
        return context


def search_filter(query: str) -> Q:
    """Owner key or email contains the query, or every word is in the first or last name."""
    condition = Q(owner_key__icontains=query) | Q(user__email__icontains=query)
    names = Q()
    for part in query.split():
        names &= Q(user__first_name__icontains=part) | Q(user__last_name__icontains=part)
    return condition | names


class AccountDetailView(DashboardTableMixin, SingleTableMixin, DetailView):
    """Balances, open lots and the paginated ledger, with the adjustment form alongside."""

    model = PointsAccount
    template_name = "oscar_loyalty/dashboard/account_detail.html"
    context_object_name = "account"
    table_class = LedgerEntryTable
    context_table_name = "ledger"

    def get_queryset(self):
        return PointsAccount.objects.select_related("user")

    def get_table_data(self):
        return self.object.entries.select_related("created_by").order_by("-created_at", "-id")

    def can_adjust(self) -> bool:
        return self.request.user.has_perm(ADJUST_PERMISSION)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        account = self.object
        if self.can_adjust() and "adjust_form" not in context:
            context["adjust_form"] = AdjustmentForm(account=account)
        lots = PointsLot.objects.filter(account=account, remaining__gt=0).order_by(
            F("expires_at").asc(nulls_last=True), "earned_at", "pk"
        )
        context.update(
            can_adjust=self.can_adjust(),
            lots=lots[:MAX_LOTS_SHOWN],
            lot_count=lots.count(),
            max_lots=MAX_LOTS_SHOWN,
            profile=getattr(account, "profile", None),
        )
        return context


class AccountAdjustView(AccountDetailView):
    """POST a manual adjustment; errors re-render the account page with the form (status 200).

    The hidden idempotency key means a double submit posts once: the ledger returns the entry
    the first submit wrote instead of writing another.
    """

    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return redirect(dashboard_url("loyalty-account-detail", kwargs["pk"]))

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.object = account = self.get_object()
        form = AdjustmentForm(request.POST, account=account)
        if form.is_valid():
            data = form.cleaned_data
            repeated = LedgerEntry.objects.filter(idempotency_key=data["key"]).exists()
            try:
                ledger.adjust(
                    account,
                    data["points"],
                    key=data["key"],
                    reason=data["reason"],
                    staff_user=request.user,
                )
            except ledger.LedgerError as error:
                form.add_error(None, str(error))
            else:
                if repeated:
                    messages.info(request, _("This adjustment was already saved; nothing changed."))
                else:
                    messages.success(
                        request,
                        _("%(points)s points adjusted. Available balance: %(available)s.")
                        % {
                            "points": signed(data["points"]),
                            "available": format_points(account.available),
                        },
                    )
                return redirect(dashboard_url("loyalty-account-detail", account.pk))
        return self.render_to_response(self.get_context_data(adjust_form=form))


class Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


CSV_DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """Text a spreadsheet will not run as a formula (reasons are typed by people)."""
    value = str(value or "")
    return "'" + value if value.startswith(CSV_DANGEROUS_PREFIXES) else value


def ledger_rows(account: PointsAccount) -> Iterator[list]:
    yield [
        gettext("Date"),
        gettext("Kind"),
        gettext("Description"),
        gettext("Order number"),
        gettext("Points"),
        gettext("Available change"),
        gettext("Pending change"),
        gettext("Held change"),
        gettext("Reason"),
        gettext("Staff member"),
        gettext("Reference"),
    ]
    entries = (
        LedgerEntry.objects.filter(account=account)
        .select_related("created_by")
        .order_by("created_at", "id")
    )
    for entry in entries.iterator(chunk_size=500):
        staff = entry.created_by.email if entry.created_by_id else ""
        yield [
            entry.created_at.isoformat(),
            entry.kind,
            csv_text(entry.description),
            csv_text(entry.order_number),
            entry.points,
            entry.available_delta,
            entry.pending_delta,
            entry.held_delta,
            csv_text(entry.reason),
            csv_text(staff),
            csv_text(entry.idempotency_key),
        ]


class AccountLedgerCsvView(View):
    """One account's whole ledger as CSV, streamed so a long history never sits in memory."""

    def get(self, request: HttpRequest, pk: int) -> StreamingHttpResponse:
        account = get_object_or_404(PointsAccount, pk=pk)
        writer = csv.writer(Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in ledger_rows(account)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="loyalty-ledger-{account.pk}.csv"'
        return response
