"""Rewards catalogue views: list, create in two steps (type, then that type's form), edit,
switch off or delete, the redemptions list and the product chooser's search.

The two-step create, the edit and switch-off-or-delete are the :mod:`.polymorphic` views the
earning rules use too. A reward someone redeemed is referenced by their redemption and voucher,
so it can only be switched off, never deleted.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_tables2 import SingleTableView
from oscar.views.generic import ObjectLookupView

from ..models import Reward, RewardRedemption
from ..untrusted import is_id
from .common import DashboardTableMixin
from .polymorphic import (
    SwitchOffOrDeleteView,
    TypedCreateView,
    TypedFormMixin,
    TypedUpdateView,
    TypeSelectView,
)
from .reward_forms import (
    RedemptionFilterForm,
    RewardForm,
    RewardTypeForm,
    choosable_products,
    product_label,
    reward_form_class,
)
from .reward_tables import RewardRedemptionTable, RewardTable

MAX_LOOKUP_RESULTS = 50
MAX_LOOKUP_PAGE = 1000


class RewardListView(DashboardTableMixin, SingleTableView):
    template_name = "oscar_loyalty/dashboard/reward_list.html"
    table_class = RewardTable
    context_table_name = "rewards"

    def get_queryset(self):
        return Reward.objects.all()


class RewardSection:
    url_prefix = "loyalty-reward"
    type_form_class = RewardTypeForm


class RewardTypeSelectView(RewardSection, TypeSelectView):
    """Step one: pick the kind of reward; step two is that kind's own form."""

    template_name = "oscar_loyalty/dashboard/reward_type_select.html"


class RewardFormMixin(RewardSection, TypedFormMixin):
    template_name = "oscar_loyalty/dashboard/reward_form.html"
    form_class_for = reward_form_class
    saved_message = _("Reward “%(name)s” saved.")

    def save(self, form: RewardForm, formset: None) -> bool:
        """Save with the redeemed count as it is now, read under the reward's row lock: the
        form's copy may be stale, and saving it would undo redemptions made meanwhile."""
        reward = form.instance
        if reward.pk:
            locked = Reward.objects.non_polymorphic().select_for_update().get(pk=reward.pk)
            reward.redeemed_count = locked.redeemed_count
            stock = form.cleaned_data.get("stock")
            if stock is not None and stock < reward.redeemed_count:
                form.add_error(
                    "stock",
                    _("%(count)s have been redeemed by now: enter at least %(count)s.")
                    % {"count": reward.redeemed_count},
                )
                return False
        return super().save(form, formset)


class RewardCreateView(RewardFormMixin, TypedCreateView):
    """Step two: the form of the type chosen in step one (the type is in the URL)."""

    unknown_type_message = _("There is no reward type called %s.")


class RewardUpdateView(RewardFormMixin, TypedUpdateView):
    """Edit a reward with the form of its real type."""

    model = Reward

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["redemption_count"] = self.object.redemptions.count()
        return context


class RewardDeleteView(RewardSection, SwitchOffOrDeleteView):
    """Delete a reward nobody redeemed; otherwise offer to switch it off."""

    model = Reward
    template_name = "oscar_loyalty/dashboard/reward_delete.html"
    context_object_name = "reward"
    deleted_message = _("Reward “%(name)s” deleted.")
    switched_off_message = _("Reward “%(name)s” switched off.")
    in_use_message = _(
        "“%(name)s” has been redeemed, so it cannot be deleted. Switch it off instead."
    )

    def is_in_use(self, obj: Reward) -> bool:
        return obj.redeemed_count > 0 or obj.redemptions.exists()


def redemption_search(query: str) -> Q:
    """Voucher code or email contains the query, or every word is in the first or last name."""
    condition = Q(voucher__code__icontains=query) | Q(account__user__email__icontains=query)
    names = Q()
    for part in query.split():
        names &= Q(account__user__first_name__icontains=part) | Q(
            account__user__last_name__icontains=part
        )
    return condition | names


class RewardRedemptionListView(DashboardTableMixin, SingleTableView):
    """Every redemption, newest first, or one reward's (``pk``); searchable by voucher code."""

    template_name = "oscar_loyalty/dashboard/reward_redemption_list.html"
    table_class = RewardRedemptionTable
    context_table_name = "redemptions"

    def get_queryset(self):
        self.reward = None
        queryset = RewardRedemption.objects.select_related("account__user", "reward", "voucher")
        if "pk" in self.kwargs:
            self.reward = get_object_or_404(Reward, pk=self.kwargs["pk"])
            queryset = queryset.filter(reward=self.reward)
        self.form = RedemptionFilterForm(self.request.GET or None)
        self.filtered = False
        if self.form.is_valid():
            query, status = self.form.cleaned_data["q"].strip(), self.form.cleaned_data["status"]
            if query:
                queryset = queryset.filter(redemption_search(query))
            if status:
                queryset = queryset.filter(status=status)
            self.filtered = bool(query or status)
        return queryset.order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(reward=self.reward, form=self.form, filtered=self.filtered)
        return context


class RewardProductLookupView(ObjectLookupView):
    """JSON search for the reward form's product chooser: standalone products and variants by
    title, parent title or exact UPC (Oscar's own lookup lists parents, never variants, and
    needs the catalogue permission)."""

    def get_queryset(self):
        return choosable_products().order_by("title", "pk")

    def get_args(self) -> tuple:
        get = self.request.GET

        def number(name: str, default: int, most: int) -> int:
            value = get.get(name, "")
            return min(int(value), most) if is_id(value) and int(value) > 0 else default

        return (
            get.get("initial"),
            get.get("q"),
            number("page", 1, MAX_LOOKUP_PAGE),
            number("page_limit", 20, MAX_LOOKUP_RESULTS),
        )

    def initial_filter(self, qs, value: str):
        return qs.filter(pk__in=[pk for pk in value.split(",") if is_id(pk)])

    def lookup_filter(self, qs, term: str):
        return qs.filter(
            Q(title__icontains=term) | Q(parent__title__icontains=term) | Q(upc__iexact=term)
        )

    def format_object(self, obj) -> dict:
        return {"id": obj.pk, "text": product_label(obj)}
