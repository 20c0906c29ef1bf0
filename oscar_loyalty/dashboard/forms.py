"""Dashboard forms: programme settings, earning rules (one form per rule type), multipliers,
customer search and manual point adjustments.

Every check a shop admin can trip lives here, so the views turn bad input into form
errors and never into a 500 or a database constraint error.
"""

import re
import uuid
from decimal import Decimal

from babel.numbers import list_currencies
from django import forms
from django.apps import apps
from django.db import models
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class, get_model
from oscar.forms.widgets import DateTimePickerInput

from .. import ledger
from ..models import EarningRule, PointsAccount, ProgramSettings, RuleMultiplier, SpendRule

ProductSelect = get_class("dashboard.catalogue.widgets", "ProductSelect")
Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")

#: Fields every rule form leaves out: polymorphic bookkeeping and timestamps.
RULE_EXCLUDED_FIELDS = {"polymorphic_ctype", "created_at"}
MAX_MIN_ORDER_TOTAL = Decimal("1000000")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def rule_types() -> dict[str, type[EarningRule]]:
    """The rule types staff can create, keyed by model name: every concrete leaf model below
    :class:`EarningRule` (so a project's own subclass shows up without touching the dashboard,
    and intermediate bases such as ``ActionRule`` do not)."""
    subclasses = [
        model
        for model in apps.get_models()
        if issubclass(model, EarningRule) and model is not EarningRule and not model._meta.proxy
    ]
    return {
        model._meta.model_name: model
        for model in subclasses
        if not any(other is not model and issubclass(other, model) for other in subclasses)
    }


def rule_form_fields(model: type[EarningRule]) -> list[str]:
    """The editable fields of ``model``, base fields first, without parent links."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.editable
        and not field.primary_key
        and not (isinstance(field, models.OneToOneField) and field.remote_field.parent_link)
        and field.name not in RULE_EXCLUDED_FIELDS
    ]


class ProgramSettingsForm(forms.ModelForm):
    class Meta:
        model = ProgramSettings
        fields = [
            "is_enabled",
            "return_window_days",
            "lot_expiry_days",
            "inactivity_expiry_days",
            "expiry_warning_days",
        ]


#: What each rule type does, shown when choosing one (a project's own types show no text).
RULE_TYPE_HELP = {
    "spendrule": _(
        "Points for every currency unit an order spends, with optional multipliers per product "
        "or category."
    ),
    "signuprule": _("A bonus when a customer creates an account."),
    "firstorderrule": _("A bonus on a customer's first order."),
    "reviewrule": _("Points when a customer's product review is approved."),
    "newsletterrule": _("Points for opting in to the newsletter."),
    "birthdayrule": _("Points on the customer's birthday."),
    "socialfollowrule": _("Points for following the shop on a social network."),
}


class RuleTypeForm(forms.Form):
    """Step one of creating a rule: which kind of rule (polymorphic's two-step recipe)."""

    rule_type = forms.ChoiceField(
        label=_("Type of rule"), widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (
                name,
                format_html(
                    '<strong>{}</strong><br><small class="text-muted">{}</small>',
                    capfirst(model._meta.verbose_name),
                    RULE_TYPE_HELP.get(name, ""),
                ),
            )
            for name, model in rule_types().items()
        ]
        self.fields["rule_type"].choices = choices
        if choices:
            self.fields["rule_type"].initial = choices[0][0]


class EarningRuleForm(forms.ModelForm):
    """Base of every rule type's form: name, switch and a date range that makes sense."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            if name in self.fields:
                self.fields[name].widget = DateTimePickerInput()
        self.fields["name"].help_text = _("Staff see this name; customers see what they earn.")

    def clean(self) -> dict:
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            # On the field, so Django skips the model's date constraint (one message, not two).
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned


class SpendRuleForm(EarningRuleForm):
    def clean_currency(self) -> str:
        currency = (self.cleaned_data.get("currency") or "").strip()
        if not CURRENCY_RE.match(currency):
            raise forms.ValidationError(
                _("Enter a currency as three capital letters, e.g. GBP."), code="format"
            )
        if currency not in list_currencies():
            raise forms.ValidationError(
                _("%(code)s is not a known currency code.") % {"code": currency}, code="unknown"
            )
        return currency

    def clean_points_per_unit(self) -> Decimal:
        rate = self.cleaned_data.get("points_per_unit")
        if rate is not None and rate <= 0:
            raise forms.ValidationError(
                _("Enter a rate above zero. To stop earning, switch the rule off instead.")
            )
        return rate

    def clean_min_order_total(self) -> Decimal:
        minimum = self.cleaned_data.get("min_order_total")
        if minimum is not None and minimum > MAX_MIN_ORDER_TOTAL:
            raise forms.ValidationError(
                _("Enter a minimum order of at most %(max)s.") % {"max": MAX_MIN_ORDER_TOTAL}
            )
        return minimum


def _formfield(field: models.Field, **kwargs) -> forms.Field | None:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"  # a profile address typed without a scheme
    return field.formfield(**kwargs)


def rule_form_class(model: type[EarningRule]) -> type[EarningRuleForm]:
    """The ModelForm for one concrete rule type (polymorphic's dynamic ``form_class``)."""
    base = SpendRuleForm if issubclass(model, SpendRule) else EarningRuleForm
    return forms.modelform_factory(
        model, form=base, fields=rule_form_fields(model), formfield_callback=_formfield
    )


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        # Indent by depth rather than call full_name, which queries each category's ancestors.
        return "\u2014 " * (obj.depth - 1) + obj.name


class RuleMultiplierForm(forms.ModelForm):
    """One multiplier row: exactly one product or one category, and a factor (0 excludes)."""

    product = forms.ModelChoiceField(
        queryset=Product.objects.all(),
        required=False,
        label=_("Product"),
        widget=ProductSelect(attrs={"style": "width: 100%"}),
    )
    category = CategoryChoiceField(
        queryset=Category.objects.order_by("path"),
        required=False,
        label=_("Category"),
        widget=forms.Select(attrs={"style": "width: 100%"}),
    )

    class Meta:
        model = RuleMultiplier
        fields = ["product", "category", "multiplier"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["multiplier"].help_text = ""  # explained once above the rows

    def clean(self) -> dict:
        cleaned = super().clean()
        product, category = cleaned.get("product"), cleaned.get("category")
        if product and category:
            self.add_error(
                "category", _("Choose a product or a category, not both: use one row for each.")
            )
        elif not product and not category and not self.has_error("product"):
            self.add_error("product", _("Choose a product or a category."))
        return cleaned


class BaseMultiplierFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        """Two rows for the same product or category would make the rate ambiguous."""
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            target = form.cleaned_data.get("product") or form.cleaned_data.get("category")
            if target is None:
                continue
            if target in seen:
                form.add_error(None, _("%(target)s has more than one row.") % {"target": target})
            seen.add(target)


MultiplierFormSet = forms.inlineformset_factory(
    SpendRule,
    RuleMultiplier,
    form=RuleMultiplierForm,
    formset=BaseMultiplierFormSet,
    extra=3,
    can_delete=True,
)


class AccountSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Email, name or owner key"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. jane@example.com")}),
    )


class AdjustmentForm(forms.Form):
    """A manual correction of one account's points, posted once however often it is sent.

    ``key`` is made once per render and travels in a hidden field, so a double click or a
    browser resubmit reaches :func:`ledger.adjust` with the same idempotency key.
    """

    points = forms.IntegerField(
        label=_("Points"),
        help_text=_("Positive to add points, negative (e.g. -50) to deduct them."),
        error_messages={"invalid": _("Enter a whole number of points, e.g. 50 or -50.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded on the ledger with your name."),
        error_messages={"required": _("Give a reason: it is kept with the adjustment.")},
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=255)

    def __init__(self, *args, account: PointsAccount, **kwargs):
        self.account = account
        kwargs.setdefault("initial", {}).setdefault("key", self.new_key(account))
        super().__init__(*args, **kwargs)

    @staticmethod
    def new_key(account: PointsAccount) -> str:
        return f"adjust:{account.pk}:{uuid.uuid4()}"

    def clean_points(self) -> int:
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("Enter a number of points other than zero."))
        if abs(points) > ledger.MAX_POINTS_PER_ENTRY:
            raise forms.ValidationError(
                _("At most %(max)s points can be adjusted at once.")
                % {"max": ledger.MAX_POINTS_PER_ENTRY}
            )
        if points < 0 and -points > self.account.available:
            # The ledger checks again under its row lock; this is the friendly early answer.
            raise forms.ValidationError(
                _("Only %(available)s points are available to deduct.")
                % {"available": self.account.available}
            )
        return points

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason: it is kept with the adjustment."))
        return reason

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        prefix = f"adjust:{self.account.pk}:"
        try:
            valid = key.startswith(prefix) and uuid.UUID(key[len(prefix) :])
        except ValueError:
            valid = False
        if not valid:
            raise forms.ValidationError(_("This form has expired: reload the page and try again."))
        return key
