"""Reward forms: one form per reward type (built by :mod:`.polymorphic`), a product chooser
limited to products a basket can hold, and the redemptions filter."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model
from oscar.forms.widgets import RemoteSelect

from ..models import Reward, RewardRedemption
from ..untrusted import IdChoiceField, SelectedIdsOnly
from ..utils import format_points
from .common import dashboard_url
from .forms import CurrencyFormMixin, search_field
from .polymorphic import (
    ScheduledForm,
    TypeChoiceForm,
    concrete_subtypes,
    typed_form_class,
)

Product = get_model("catalogue", "Product")


class RewardProductChooser(SelectedIdsOnly, RemoteSelect):
    """The select2 product search, safe to show again with a forged value."""


MAX_POINTS_COST = 100_000_000
MAX_AMOUNT = Decimal("1000000")


def reward_types() -> dict[str, type[Reward]]:
    """Every concrete reward model, a free product and a gift (a kind of free product) alike."""
    return concrete_subtypes(Reward, leaves_only=False)


class RewardTypeForm(TypeChoiceForm):
    """Step one of creating a reward: which kind of reward."""

    field_name = "reward_type"
    label = _("Type of reward")
    help_texts = {
        "amountoffreward": _("A fixed amount off the customer's next order, e.g. £5 off."),
        # xgettext:no-python-format
        "percentageoffreward": _("A percentage off the customer's next order, e.g. 10% off."),
        "freeshippingreward": _("Free shipping on the customer's next order."),
        "freeproductreward": _("One product free on the next order that contains it."),
        "giftreward": _(
            "An exclusive or collectible gift, put in the customer's basket for free when "
            "they redeem it."
        ),
    }

    @classmethod
    def types(cls) -> dict[str, type[Reward]]:
        return reward_types()


def product_label(product) -> str:
    """A product as the chooser's search lists it: its name (a variant's names its parent and
    attributes) and UPC."""
    return f"{product} ({product.upc})" if product.upc else str(product)


def choosable_products():
    """Products a reward can give: standalone products and variants, not parents (a parent is
    never in a basket, only one of its variants)."""
    return Product.objects.exclude(structure=Product.PARENT).select_related("parent")


class RewardForm(CurrencyFormMixin, ScheduledForm):
    """Base of every reward type's form. The ``clean_*`` methods of a type's own fields
    (product, currency) only run on forms that have the field."""

    decimal_ceilings = {"amount": MAX_AMOUNT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].help_text = _("Customers see this name in the rewards catalogue.")
        self.fields["description"].widget.attrs["rows"] = 3
        self.fields["points_cost"].error_messages.update(
            min_value=_("A reward costs at least 1 point."),
            max_value=_("A reward costs at most %(max)s points.")
            % {"max": format_points(MAX_POINTS_COST)},
        )
        self.fields["voucher_valid_days"].error_messages.update(
            min_value=_("Enter from 1 to 3650 days (ten years)."),
            max_value=_("Enter from 1 to 3650 days (ten years)."),
        )
        self.fields["voucher_valid_days"].help_text = _(
            "The customer's voucher code can be used for this many days after redeeming."
        )
        if "stock" in self.fields and self.instance.redeemed_count:
            self.fields["stock"].help_text = _(
                "Leave empty for no limit. %(count)s already redeemed, so at least %(count)s."
            ) % {"count": self.instance.redeemed_count}
        if "product" in self.fields:
            self.fields["product"] = IdChoiceField(
                queryset=choosable_products(),
                label=_("Product"),
                help_text=_("Search by title or UPC. Variants are listed, not their parents."),
                error_messages={
                    "required": _("Choose the product this reward gives."),
                    "invalid_choice": _("Choose a product that can be bought on its own."),
                },
                widget=RewardProductChooser(
                    lookup_url=dashboard_url("loyalty-product-lookup"),
                    attrs={"class": "select2", "style": "width: 100%"},
                ),
            )

    def clean_stock(self) -> int | None:
        stock = self.cleaned_data.get("stock")
        minimum = max(1, self.instance.redeemed_count)
        if stock is not None and stock < minimum:
            raise forms.ValidationError(
                _(
                    "Enter at least %(min)s (already redeemed), or leave empty for no limit. "
                    "To stop offering the reward, switch it off."
                )
                % {"min": minimum},
                code="stock",
            )
        return stock


def reward_form_class(model: type[Reward]) -> type[RewardForm]:
    """The ModelForm for one concrete reward type."""
    return typed_form_class(model, RewardForm)


class RedemptionFilterForm(forms.Form):
    q = search_field(_("Voucher code, email or name"), _("e.g. RWD-"))
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *RewardRedemption.STATUS_CHOICES],
    )
