"""Earning rule views: list, create in two steps (type, then that type's form), edit, delete.

The two-step create, the edit with the form of the rule's real type and switch-off-or-delete
come from :mod:`.polymorphic`, shared with the rewards catalogue. Rules that earned points are
referenced by ledger entries and can only be switched off, never deleted.
"""

from django.db import connection
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django_tables2 import SingleTableView

from ..models import EarningRule, LedgerEntry, SpendRule
from .common import DashboardTableMixin
from .polymorphic import (
    SwitchOffOrDeleteView,
    TypedCreateView,
    TypedFormMixin,
    TypedUpdateView,
    TypeSelectView,
)
from .rule_forms import MultiplierFormSet, RuleTypeForm, rule_form_class
from .tables import EarningRuleTable


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


class RuleListView(DashboardTableMixin, SingleTableView):
    template_name = "oscar_loyalty/dashboard/rule_list.html"
    table_class = EarningRuleTable
    context_table_name = "rules"

    def get_queryset(self):
        return EarningRule.objects.annotate(multiplier_count=Count("spendrule__multipliers"))


class RuleSection:
    url_prefix = "loyalty-rule"
    type_form_class = RuleTypeForm


class RuleTypeSelectView(RuleSection, TypeSelectView):
    """Step one: pick the kind of rule; step two is that kind's own form."""

    template_name = "oscar_loyalty/dashboard/rule_type_select.html"


class RuleFormMixin(RuleSection, TypedFormMixin):
    """The rule form plus, for spend rules, the multipliers formset, saved together."""

    template_name = "oscar_loyalty/dashboard/rule_form.html"
    form_class_for = rule_form_class
    saved_message = _("Earning rule “%(name)s” saved.")

    def get_formset(self, instance: EarningRule | None):
        if not issubclass(self.type_model, SpendRule):
            return None
        data = self.request.POST if self.request.method == "POST" else None
        return MultiplierFormSet(data, instance=instance or SpendRule(), prefix="multipliers")


class RuleCreateView(RuleFormMixin, TypedCreateView):
    """Step two: the form of the type chosen in step one (the type is in the URL)."""

    unknown_type_message = _("There is no earning rule type called %s.")


class RuleUpdateView(RuleFormMixin, TypedUpdateView):
    """Edit a rule with the form of its real type."""

    model = EarningRule


class RuleDeleteView(RuleSection, SwitchOffOrDeleteView):
    """Delete a rule that never earned anything; otherwise offer to switch it off, so the
    ledger's ``rule_id`` references stay meaningful."""

    model = EarningRule
    template_name = "oscar_loyalty/dashboard/rule_delete.html"
    context_object_name = "rule"
    deleted_message = _("Earning rule “%(name)s” deleted.")
    switched_off_message = _("Earning rule “%(name)s” switched off.")
    in_use_message = _(
        "“%(name)s” has earned points, so it cannot be deleted. Switch it off instead."
    )

    def is_in_use(self, obj: EarningRule) -> bool:
        return rule_has_earned(obj)
