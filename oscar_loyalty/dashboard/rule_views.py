"""Earning rule views: list, create in two steps (type, then that type's form), edit, delete.

Rules follow django-polymorphic's CBV recipe: the type is chosen first and the form class is
built for the concrete model, so each rule type keeps its own fields. Rules that earned points
are referenced by ledger entries and can only be switched off, never deleted.
"""

from django.conf import settings
from django.contrib import messages
from django.db import connection, transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DeleteView, FormView, UpdateView
from django_tables2 import SingleTableView

from ..models import EarningRule, LedgerEntry, SpendRule
from .forms import MultiplierFormSet, RuleTypeForm, rule_form_class, rule_types
from .tables import EarningRuleTable


def rule_list_url() -> str:
    return reverse("oscar_loyalty_dashboard:loyalty-rule-list")


def rule_has_earned(rule: EarningRule) -> bool:
    """Whether any ledger entry points at the rule.

    Action rules are stamped on their entries as ``rule_id``; spend rules share one entry per
    order and are listed in its ``detail["rules"]``.
    """
    if LedgerEntry.objects.filter(rule_id=rule.pk).exists():
        return True
    if not isinstance(rule, SpendRule):
        return False
    earns = LedgerEntry.objects.filter(kind__in=[LedgerEntry.EARN, LedgerEntry.BONUS])
    if connection.features.supports_json_field_contains:
        return earns.filter(detail__rules__contains=[{"id": rule.pk}]).exists()
    details = earns.filter(detail__has_key="rules").values_list("detail", flat=True)
    return any(
        isinstance(item, dict) and item.get("id") == rule.pk
        for detail in details.iterator(chunk_size=1000)
        for item in (detail or {}).get("rules") or []
    )


class RuleListView(SingleTableView):
    template_name = "oscar_loyalty/dashboard/rule_list.html"
    table_class = EarningRuleTable
    context_table_name = "rules"

    def get_queryset(self):
        return EarningRule.objects.annotate(multiplier_count=Count("spendrule__multipliers"))

    def get_table_pagination(self, table) -> dict:
        return {"per_page": settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE}


class RuleTypeSelectView(FormView):
    """Step one: pick the kind of rule; step two is that kind's own form."""

    form_class = RuleTypeForm
    template_name = "oscar_loyalty/dashboard/rule_type_select.html"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["rule_types"] = rule_types()
        return context

    def form_valid(self, form) -> HttpResponse:
        return redirect(
            "oscar_loyalty_dashboard:loyalty-rule-create-type",
            rule_type=form.cleaned_data["rule_type"],
        )


class RuleFormMixin:
    """The rule form plus, for spend rules, the multipliers formset, saved together."""

    template_name = "oscar_loyalty/dashboard/rule_form.html"
    rule_model: type[EarningRule]

    def get_form_class(self):
        return rule_form_class(self.rule_model)

    def get_formset(self, instance: EarningRule | None):
        if not issubclass(self.rule_model, SpendRule):
            return None
        data = self.request.POST if self.request.method == "POST" else None
        return MultiplierFormSet(data, instance=instance or SpendRule(), prefix="multipliers")

    def get_context_data(self, **kwargs) -> dict:
        if "formset" not in kwargs:
            kwargs["formset"] = self.get_formset(self.object)
        context = super().get_context_data(**kwargs)
        context["rule_type_name"] = self.rule_model._meta.verbose_name
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.object = self.get_object() if kwargs.get("pk") else None
        form = self.get_form()
        formset = self.get_formset(self.object)
        if not (form.is_valid() and (formset is None or formset.is_valid())):
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        with transaction.atomic():
            self.object = form.save()
            if formset is not None:
                formset.instance = self.object
                formset.save()
        messages.success(request, _("Earning rule “%(name)s” saved.") % {"name": self.object})
        return redirect(rule_list_url())


class RuleCreateView(RuleFormMixin, CreateView):
    """Step two: the form of the type chosen in step one (the type is in the URL)."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        model = rule_types().get(kwargs["rule_type"])
        if model is None:
            raise Http404(_("There is no earning rule type called %s.") % kwargs["rule_type"])
        self.rule_model = model
        return super().dispatch(request, *args, **kwargs)


class RuleUpdateView(RuleFormMixin, UpdateView):
    """Edit a rule with the form of its real type (polymorphic returns the subclass)."""

    model = EarningRule

    def get_object(self, queryset=None) -> EarningRule:
        rule = super().get_object(queryset)
        self.rule_model = type(rule)
        return rule


class RuleDeleteView(DeleteView):
    """Delete a rule that never earned anything; otherwise explain and offer to switch it off,
    so the ledger's ``rule_id`` references stay meaningful."""

    model = EarningRule
    template_name = "oscar_loyalty/dashboard/rule_delete.html"
    context_object_name = "rule"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["has_earned"] = rule_has_earned(self.object)
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        rule = self.object = self.get_object()
        if "deactivate" in request.POST:
            rule.is_active = False
            rule.save(update_fields=["is_active"])
            messages.success(request, _("Earning rule “%(name)s” switched off.") % {"name": rule})
            return redirect(rule_list_url())
        if rule_has_earned(rule):
            messages.error(
                request,
                _("“%(name)s” has earned points, so it cannot be deleted. Switch it off instead.")
                % {"name": rule},
            )
            return redirect("oscar_loyalty_dashboard:loyalty-rule-delete", pk=rule.pk)
        rule.delete()
        messages.success(request, _("Earning rule “%(name)s” deleted.") % {"name": rule})
        return redirect(rule_list_url())
