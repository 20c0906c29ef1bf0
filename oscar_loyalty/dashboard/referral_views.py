"""Dashboard pages for referrals: settings, the list with its review queue, one referral with
the review decision, and the funnel report with the top referrers."""

from datetime import datetime

from django.contrib import messages
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, TemplateView, UpdateView
from django_tables2 import SingleTableView
from oscar.core.loading import get_model

from ..models import Referral, ReferralSettings, ReferralVisit
from ..offers.referrals import discount_label, referrer_discount_label
from ..referrals import settlement
from ..referrals.fraud import rule_label
from ..utils import format_points
from .common import DashboardTableMixin, dashboard_url
from .referral_forms import (
    FunnelPeriodForm,
    ReferralReviewForm,
    ReferralSearchForm,
    ReferralSettingsForm,
)
from .referral_tables import ReferralTable

Order = get_model("order", "Order")

REVIEW_PERMISSION = "oscar_loyalty.change_referral"


def settings_summary(settings: ReferralSettings) -> str:
    """'Give £10.00, get 1,000 points': the saved deal in one line, above its settings."""
    give = discount_label(settings)
    if settings.pays_referrer_voucher:
        return gettext("Give %(give)s, get a %(voucher)s voucher") % {
            "give": give,
            "voucher": referrer_discount_label(settings),
        }
    points = settings.referrer_points
    return ngettext(
        "Give %(give)s, get %(points)s point", "Give %(give)s, get %(points)s points", points
    ) % {"give": give, "points": format_points(points)}


class ReferralSettingsView(UpdateView):
    form_class = ReferralSettingsForm
    template_name = "oscar_loyalty/dashboard/referral_settings_form.html"

    def get_object(self, queryset=None) -> ReferralSettings:
        return ReferralSettings.load()

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["summary"] = settings_summary(self.object)
        return context

    def form_valid(self, form) -> HttpResponse:
        messages.success(self.request, _("Referral settings saved."))
        return super().form_valid(form)

    def get_success_url(self) -> str:
        return dashboard_url("loyalty-referral-settings")


class ReferralListView(DashboardTableMixin, SingleTableView):
    """Every referral, newest first; ``?status=review`` is the review queue."""

    template_name = "oscar_loyalty/dashboard/referral_list.html"
    table_class = ReferralTable
    context_table_name = "referrals"

    def get_queryset(self):
        self.form = ReferralSearchForm(self.request.GET or None)
        # The first order's total and currency, for its amount, in the list's one query.
        first_order = Order.objects.filter(number=OuterRef("order_number"))
        queryset = Referral.objects.select_related(
            "referrer", "friend", "reward_entry", "referrer_voucher"
        ).annotate(
            first_order_total=Subquery(first_order.values("total_incl_tax")[:1]),
            first_order_currency=Subquery(first_order.values("currency")[:1]),
        )
        self.filtered = False
        if self.form.is_valid():
            query = self.form.cleaned_data["q"].strip()
            if query:
                queryset = queryset.filter(
                    Q(referrer__email__icontains=query)
                    | Q(friend__email__icontains=query)
                    | Q(friend_email__icontains=query)
                )
            if self.form.cleaned_data["status"]:
                queryset = queryset.filter(status=self.form.cleaned_data["status"])
            self.filtered = bool(query or self.form.cleaned_data["status"])
        return queryset

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(
            form=self.form,
            filtered=self.filtered,
            in_review=Referral.objects.filter(status=Referral.REVIEW).count(),
        )
        return context


class ReferralDetailView(DetailView):
    model = Referral
    template_name = "oscar_loyalty/dashboard/referral_detail.html"
    context_object_name = "referral"

    def get_queryset(self):
        return Referral.objects.select_related(
            "referrer", "friend", "reviewed_by", "reward_entry", "referrer_voucher"
        )

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        voucher = self.object.referrer_voucher
        context["voucher_orders"] = (
            list(voucher.applications.values_list("order__number", flat=True)) if voucher else []
        )
        # The order itself, for its total in its own currency (the referral keeps no currency).
        context["first_order"] = (
            Order.objects.filter(number=self.object.order_number).first()
            if self.object.order_number
            else None
        )
        context["fired_rules"] = [
            {**fired, "label": rule_label(fired.get("rule", ""))}
            for fired in self.object.fired_rules
        ]
        context.setdefault("review_form", ReferralReviewForm())
        context["can_review"] = self.request.user.has_perm(REVIEW_PERMISSION)
        return context


class ReferralReviewView(ReferralDetailView):
    """POST approve, reject or a note; errors re-render the referral page."""

    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        return redirect(dashboard_url("loyalty-referral-detail", kwargs["pk"]))

    def post(self, request, *args, **kwargs):
        self.object = referral = get_object_or_404(Referral, pk=kwargs["pk"])
        form = ReferralReviewForm(request.POST)
        if form.is_valid():
            action, note = form.cleaned_data["action"], form.cleaned_data["note"]
            try:
                if action == form.APPROVE:
                    settlement.approve(referral, request.user, note)
                    messages.success(request, _("Referral approved."))
                elif action == form.REJECT:
                    settlement.reject(referral, request.user, note)
                    messages.success(request, _("Referral rejected: no reward will be paid."))
                else:
                    settlement.add_note(referral, request.user, note)
                    messages.success(request, _("Note added."))
            except settlement.ReviewError as error:
                form.add_error(None, str(error))
            else:
                return redirect(dashboard_url("loyalty-referral-detail", referral.pk))
        return self.render_to_response(self.get_context_data(review_form=form))


def _by_month(queryset, field: str) -> dict:
    rows = (
        queryset.annotate(month=TruncMonth(field))
        .values("month")
        .annotate(count=Count("pk"))
        .values_list("month", "count")
    )
    return {month.strftime("%Y-%m"): count for month, count in rows}


def _months_up_to(now: datetime, months: int) -> list[datetime]:
    """The first instants of the last ``months`` calendar months, this one included, oldest
    first (so "Last 3 months" in November is September, October and November)."""
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    found = []
    for back in range(months - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        found.append(first.replace(year=year, month=month + 1))
    return found


class ReferralReportView(TemplateView):
    """The funnel (link visits -> sign-ups -> first orders -> rewarded) per month, and the
    referrers who brought the most rewarded friends."""

    template_name = "oscar_loyalty/dashboard/referral_report.html"
    TOP = 10

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        form = FunnelPeriodForm(self.request.GET or None)
        months = (form.is_valid() and form.cleaned_data["months"]) or FunnelPeriodForm.DEFAULT
        periods = _months_up_to(timezone.localtime(), months)
        start = periods[0]
        stages = {
            "visits": _by_month(ReferralVisit.objects.filter(visited_at__gte=start), "visited_at"),
            "signups": _by_month(
                Referral.objects.filter(friend__isnull=False, created_at__gte=start), "created_at"
            ),
            "orders": _by_month(Referral.objects.filter(ordered_at__gte=start), "ordered_at"),
            "rewarded": _by_month(Referral.objects.filter(rewarded_at__gte=start), "rewarded_at"),
        }
        periods = [
            {
                "month": month,
                **{name: rows.get(f"{month:%Y-%m}", 0) for name, rows in stages.items()},
            }
            for month in periods
        ]
        totals = {name: sum(rows.values()) for name, rows in stages.items()}
        top = (
            Referral.objects.values("referrer_id", "referrer__email")
            .annotate(
                referred=Count("pk"),
                rewarded=Count("pk", filter=Q(status=Referral.REWARDED)),
                in_review=Count("pk", filter=Q(status=Referral.REVIEW)),
            )
            .filter(referred__gt=0)
            .order_by("-rewarded", "-referred", "referrer__email")[: self.TOP]
        )
        context.update(
            form=form, periods=list(reversed(periods)), totals=totals, top_referrers=list(top)
        )
        return context
