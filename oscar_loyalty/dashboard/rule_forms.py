"""Earning rule forms: one form per rule type (built by :mod:`.polymorphic`) and multipliers.

Every check a shop admin can trip lives here, so the views turn bad input into form
errors and never into a 500 or a database constraint error.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_class, get_model

from ..models import EarningRule, RuleMultiplier, SpendRule
from ..untrusted import IdChoiceField, SelectedIdsOnly
from .forms import BoundedNumbersMixin, CurrencyFormMixin
from .polymorphic import ScheduledForm, TypeChoiceForm, concrete_subtypes, typed_form_class

ProductSelect = get_class("dashboard.catalogue.widgets", "ProductSelect")
Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")


class ProductChooser(SelectedIdsOnly, ProductSelect):
    """Oscar's product chooser, safe to show again with a forged value."""


MAX_MIN_ORDER_TOTAL = Decimal("1000000")


def rule_types() -> dict[str, type[EarningRule]]:
    """The rule types staff can create: every concrete leaf model below :class:`EarningRule`
    (intermediate bases such as ``ActionRule`` are left out)."""
    return concrete_subtypes(EarningRule, leaves_only=True)


class RuleTypeForm(TypeChoiceForm):
    """Step one of creating a rule: which kind of rule."""

    field_name = "rule_type"
    label = _("Type of rule")
    help_texts = {
        "spendrule": _(
            "Points for every currency unit an order spends, with optional multipliers per "
            "product or category."
        ),
        "signuprule": _("A bonus when a customer creates an account."),
        "firstorderrule": _("A bonus on a customer's first order."),
        "reviewrule": _("Points when a customer's product review is approved."),
        "newsletterrule": _("Points for opting in to the newsletter."),
        "birthdayrule": _("Points on the customer's birthday."),
        "socialfollowrule": _("Points for following the shop on a social network."),
        "pointsevent": _(
            "“Double points weekend”: while it runs, every spend rule earns N times its points."
        ),
    }

    @classmethod
    def types(cls) -> dict[str, type[EarningRule]]:
        return rule_types()


class EarningRuleForm(ScheduledForm):
    """Base of every rule type's form: name, switch and a date range that makes sense."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].help_text = _("Staff see this name; customers see what they earn.")


class SpendRuleForm(CurrencyFormMixin, EarningRuleForm):
    decimal_ceilings = {"min_order_total": MAX_MIN_ORDER_TOTAL}

    def clean_points_per_unit(self) -> Decimal:
        rate = self.cleaned_data.get("points_per_unit")
        if rate is not None and rate <= 0:
            raise forms.ValidationError(
                _("Enter a rate above zero. To stop earning, switch the rule off instead.")
            )
        return rate


def rule_form_class(model: type[EarningRule]) -> type[EarningRuleForm]:
    """The ModelForm for one concrete rule type."""
    return typed_form_class(
        model, SpendRuleForm if issubclass(model, SpendRule) else EarningRuleForm
    )


class CategoryChoiceField(IdChoiceField):
    def label_from_instance(self, obj) -> str:
        # Indent by depth rather than call full_name, which queries each category's ancestors.
        return "\u2014 " * (obj.depth - 1) + obj.name


class RuleMultiplierForm(BoundedNumbersMixin, forms.ModelForm):
    """One multiplier row: exactly one product or one category, and a factor (0 excludes)."""

    product = IdChoiceField(
        queryset=Product.objects.all(),
        required=False,
        label=_("Product"),
        widget=ProductChooser(attrs={"style": "width: 100%"}),
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


#: Caps the forms a forged TOTAL_FORMS makes Django build (its default cap is 2,000).
MAX_MULTIPLIERS = 200

MultiplierFormSet = forms.inlineformset_factory(
    SpendRule,
    RuleMultiplier,
    form=RuleMultiplierForm,
    formset=BaseMultiplierFormSet,
    extra=3,
    can_delete=True,
    max_num=MAX_MULTIPLIERS,
    absolute_max=MAX_MULTIPLIERS,
    validate_max=True,
)
