"""Points redemption settings: what points are worth per currency and how much of an order
they may pay. The "Pay with your points" site offer (Oscar's offers dashboard) applies them."""

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, UpdateView
from django_tables2 import SingleTableView
from oscar.core.loading import get_model

from .. import redemption
from ..models import RedemptionSettings
from .common import DashboardTableMixin, dashboard_url
from .forms import RedemptionSettingsForm
from .reward_tables import RedemptionSettingsTable

ConditionalOffer = get_model("offer", "ConditionalOffer")
OFFER_PERMISSION = "offer.view_conditionaloffer"


class PointsOfferMixin:
    """The "Pay with your points" offer, for the help text and the link to it."""

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        offer_id = redemption.points_offer_id()
        context.update(
            points_offer=ConditionalOffer.objects.filter(pk=offer_id).first() if offer_id else None,
            can_view_offer=self.request.user.has_perm(OFFER_PERMISSION),
        )
        return context


class RedemptionSettingsListView(DashboardTableMixin, PointsOfferMixin, SingleTableView):
    template_name = "oscar_loyalty/dashboard/redemption_list.html"
    table_class = RedemptionSettingsTable
    context_table_name = "currencies"
    model = RedemptionSettings


class RedemptionSettingsFormMixin(PointsOfferMixin):
    model = RedemptionSettings
    form_class = RedemptionSettingsForm
    template_name = "oscar_loyalty/dashboard/redemption_form.html"
    context_object_name = "redemption_settings"

    def form_valid(self, form: RedemptionSettingsForm) -> HttpResponse:
        try:
            with transaction.atomic():
                self.object = form.save()
        except IntegrityError:  # another member of staff saved this currency a moment ago
            form.add_error("currency", form.currency_taken_error(form.instance.currency))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Settings for paying with points in %(currency)s saved.")
            % {"currency": self.object.currency},
        )
        return redirect(self.get_success_url())

    def get_success_url(self) -> str:
        return dashboard_url("loyalty-redemption-list")


class RedemptionSettingsCreateView(RedemptionSettingsFormMixin, CreateView):
    def get_initial(self) -> dict:
        # The shop's currency first, unless it has settings already.
        taken = RedemptionSettings.objects.filter(currency=settings.OSCAR_DEFAULT_CURRENCY)
        return {"currency": "" if taken.exists() else settings.OSCAR_DEFAULT_CURRENCY}


class RedemptionSettingsUpdateView(RedemptionSettingsFormMixin, UpdateView):
    pass
