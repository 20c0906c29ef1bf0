"""Forms for the offer building blocks: customer conditions and spend brackets.

Oscar's offer dashboard lets staff pick a "Custom condition" or "Custom incentive" row but not
edit its parameters, so these forms create and edit those rows. Every check a shop admin can
trip is a form error here, never a 500 or a database constraint error.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency

from ..models import SpendBracket
from ..offers.customer_conditions import CUSTOMER_CONDITIONS, customer_condition
from .forms import BoundedNumbersMixin

Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
Range = get_model("offer", "Range")

MAX_NUMBER = 100_000


class CustomerConditionForm(BoundedNumbersMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Customers"),
        choices=[(key, klass._meta.verbose_name) for key, klass in CUSTOMER_CONDITIONS.items()],
    )
    value = forms.IntegerField(
        label=_("Number"),
        required=False,
        min_value=0,
        max_value=MAX_NUMBER,
        help_text=_(
            "Previous orders for the order conditions, days for win-back, the segment's id for "
            "a segment. Not used by “any basket” and “first order”."
        ),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        kind, value = cleaned.get("kind"), cleaned.get("value")
        klass = CUSTOMER_CONDITIONS.get(kind)
        if klass is None or self.has_error("value"):
            return cleaned
        if klass.requires_value and value is None:
            self.add_error("value", _("This kind of condition needs a number."))
        elif kind in ("minimum-orders", "win-back") and value is not None and value < 1:
            self.add_error("value", _("Enter 1 or more."))
        return cleaned

    def save(self) -> Condition:
        return customer_condition(self.cleaned_data["kind"], self.cleaned_data.get("value"))


class BracketBenefitForm(forms.ModelForm):
    """The products that count towards the spend and get the discount."""

    class Meta:
        model = Benefit
        fields = ["range"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["range"]
        field.required = False
        field.queryset = Range.objects.order_by("name")
        field.label = _("Products")
        field.empty_label = _("Every product")
        field.help_text = _(
            "Only these products count towards the spend and are discounted. Leave it on "
            "“Every product” for the whole basket."
        )


class SpendBracketForm(BoundedNumbersMixin, forms.ModelForm):
    class Meta:
        model = SpendBracket
        fields = ["threshold", "kind", "value"]

    def clean(self) -> dict:
        cleaned = super().clean()
        kind, value = cleaned.get("kind"), cleaned.get("value")
        if value is None or self.has_error("value"):
            return cleaned
        if value <= 0:
            self.add_error("value", _("Enter a discount above zero."))
        elif kind == SpendBracket.PERCENTAGE and value > 100:
            self.add_error("value", _("A percentage cannot be more than 100 %."))
        return cleaned


class BaseBracketFormSet(forms.BaseInlineFormSet):
    """Brackets go from the lowest spend to the highest, and each gives more than the last."""

    def filled_forms(self) -> list[SpendBracketForm]:
        return [
            form
            for form in self.forms
            if hasattr(form, "cleaned_data")
            and form.cleaned_data.get("threshold") is not None
            and not form.cleaned_data.get("DELETE")
        ]

    def clean(self) -> None:
        """Our checks first, so a repeated threshold gets our message rather than the
        formset's generic duplicate-data one."""
        if any(self.errors):
            return
        rows = self.filled_forms()
        if not rows:
            raise forms.ValidationError(_("Add at least one bracket."))
        for lower, form in zip(rows, rows[1:], strict=False):
            self._check_order(form, lower.cleaned_data, form.cleaned_data)
        if not any(self.errors):
            super().clean()

    def _check_order(self, form, lower: dict, bracket: dict) -> None:
        if bracket["threshold"] == lower["threshold"]:
            form.add_error(
                "threshold",
                _("Another bracket already starts at %(spend)s.")
                % {"spend": currency(lower["threshold"])},
            )
        elif bracket["threshold"] < lower["threshold"]:
            form.add_error(
                "threshold",
                _(
                    "Brackets go from the lowest spend to the highest: %(spend)s comes before "
                    "%(previous)s."
                )
                % {
                    "spend": currency(bracket["threshold"]),
                    "previous": currency(lower["threshold"]),
                },
            )
        elif bracket["kind"] == lower["kind"] and bracket["value"] <= lower["value"]:
            form.add_error(
                "value",
                _("A higher spend must give a bigger discount than the bracket below it."),
            )


#: More brackets than anyone needs; also caps the forms a forged TOTAL_FORMS makes Django build
#: (its default cap is 2,000, rendered back on the error page).
MAX_BRACKETS = 20

BracketFormSet = forms.inlineformset_factory(
    Benefit,
    SpendBracket,
    form=SpendBracketForm,
    formset=BaseBracketFormSet,
    fk_name="benefit",
    extra=3,
    can_delete=True,
    max_num=MAX_BRACKETS,
    absolute_max=MAX_BRACKETS,
    validate_max=True,
)
