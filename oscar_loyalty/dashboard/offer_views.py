"""Offer building blocks: customer conditions and spend brackets for Oscar's offer dashboard.

Staff make the blocks here and then pick them in Oscar's own offer flow ("Custom condition",
"Custom incentive"), where offers are named, scheduled, prioritised, limited per customer and
made exclusive or not. Oscar's offer page links back here (``offer_detail.html`` override).
"""

from collections import defaultdict

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, View
from oscar.core.loading import get_class, get_model

from ..offers.brackets import SpendBracketsBenefit
from ..offers.customer_conditions import CUSTOMER_CONDITIONS
from .common import dashboard_url
from .offer_forms import BracketBenefitForm, BracketFormSet, CustomerConditionForm

Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
ConditionalOffer = get_model("offer", "ConditionalOffer")
create_benefit = get_class("offer.custom", "create_benefit")


def class_path(klass: type) -> str:
    return f"{klass.__module__}.{klass.__name__}"


BRACKETS_PATH = class_path(SpendBracketsBenefit)
CONDITION_PATHS = [class_path(klass) for klass in CUSTOMER_CONDITIONS.values()]


def offers_by(field: str, ids: list[int]) -> dict[int, list]:
    """The offers using each condition or benefit row, in one query."""
    found = defaultdict(list)
    for offer in ConditionalOffer.objects.filter(**{f"{field}__in": ids}).order_by("name"):
        found[getattr(offer, f"{field}_id")].append(offer)
    return found


class OfferBlocksView(FormView):
    """Both kinds of block, the offers using each, and the form for a new customer condition."""

    template_name = "oscar_loyalty/dashboard/offer_blocks.html"
    form_class = CustomerConditionForm

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        conditions = list(
            Condition.objects.filter(proxy_class__in=CONDITION_PATHS).order_by(
                "proxy_class", "value"
            )
        )
        brackets = list(
            Benefit.objects.filter(proxy_class=BRACKETS_PATH)
            .select_related("range")
            .prefetch_related("loyalty_brackets")
            .order_by("pk")
        )
        condition_offers = offers_by("condition", [row.pk for row in conditions])
        benefit_offers = offers_by("benefit", [row.pk for row in brackets])
        context.update(
            conditions=[(row.proxy(), condition_offers[row.pk]) for row in conditions],
            bracket_benefits=[(row, benefit_offers[row.pk]) for row in brackets],
        )
        return context

    def form_valid(self, form: CustomerConditionForm) -> HttpResponse:
        condition = form.save()
        messages.success(
            self.request,
            _("“%(name)s” is ready: pick it as the custom condition of an offer.")
            % {"name": condition.proxy().name},
        )
        return redirect(dashboard_url("loyalty-offer-blocks"))


class BracketsEditView(View):
    """Create (no ``pk``) or edit one spend-brackets benefit and its brackets together."""

    template_name = "oscar_loyalty/dashboard/brackets_form.html"

    def get_object(self):
        pk = self.kwargs.get("pk")
        if pk is None:
            return None
        benefit = Benefit.objects.filter(pk=pk, proxy_class=BRACKETS_PATH).first()
        if benefit is None:
            raise Http404(_("There are no spend brackets with this number."))
        return benefit

    def get(self, request, *args, **kwargs) -> HttpResponse:
        benefit = self.get_object()
        return self.render(BracketBenefitForm(instance=benefit), self.formset(benefit), benefit)

    def post(self, request, *args, **kwargs) -> HttpResponse:
        benefit = self.get_object()
        form = BracketBenefitForm(request.POST, instance=benefit)
        formset = self.formset(benefit, request.POST)
        if not (form.is_valid() and formset.is_valid()):
            return self.render(form, formset, benefit)
        with transaction.atomic():
            if benefit is None:
                benefit = create_benefit(SpendBracketsBenefit, range=form.cleaned_data["range"])
            else:
                benefit = form.save()
            formset.instance = benefit
            formset.save()
        messages.success(
            request,
            _("Spend brackets #%(id)s saved: pick them as the custom incentive of an offer.")
            % {"id": benefit.pk},
        )
        return redirect(dashboard_url("loyalty-brackets-update", benefit.pk))

    def formset(self, benefit, data=None) -> BracketFormSet:
        return BracketFormSet(data, instance=benefit or Benefit(), prefix="brackets")

    def render(self, form, formset, benefit) -> HttpResponse:
        offers = offers_by("benefit", [benefit.pk])[benefit.pk] if benefit else []
        context = {"form": form, "formset": formset, "object": benefit, "offers": offers}
        return render(self.request, self.template_name, context)
