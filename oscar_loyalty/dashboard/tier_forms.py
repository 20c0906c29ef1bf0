"""Dashboard forms for tiers: the ladder's rungs, how they qualify, and pins."""

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Reward, Tier, TierSettings
from ..untrusted import IdChoiceField, IdMultipleChoiceField
from .forms import BoundedNumbersMixin, check_date_in_range


class TierForm(BoundedNumbersMixin, forms.ModelForm):
    """A tier and its perks. Refuses thresholds that do not rise with the order (two tiers a
    customer could qualify for at once) and free shipping "above" without an amount; the model's
    validators refuse negative multipliers and amounts."""

    class Meta:
        model = Tier
        fields = [
            "name",
            "position",
            "threshold",
            "badge_colour",
            "badge_icon",
            "description",
            "points_multiplier",
            "entry_bonus",
            "birthday_bonus",
            "discount_percentage",
            "free_shipping",
            "free_shipping_threshold",
            "exclusive_rewards",
        ]
        widgets = {"badge_colour": forms.TextInput(attrs={"type": "color"})}
        field_classes = {"exclusive_rewards": IdMultipleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exclusive_rewards"].queryset = Reward.objects.non_polymorphic().order_by(
            "name"
        )
        self.fields["exclusive_rewards"].required = False

    def clean(self):
        data = super().clean()
        position, threshold = data.get("position"), data.get("threshold")
        if position is not None and threshold is not None:
            for other in Tier.objects.exclude(pk=self.instance.pk):
                below = other.position < position and other.threshold >= threshold
                above = other.position > position and other.threshold <= threshold
                if below or above or other.threshold == threshold:
                    self.add_error(
                        "threshold",
                        _(
                            "This overlaps %(tier)s (order %(position)s, threshold "
                            "%(threshold)s): thresholds must rise with the order."
                        )
                        % {
                            "tier": other.name,
                            "position": other.position,
                            "threshold": other.threshold,
                        },
                    )
                    break
        if data.get("free_shipping") == Tier.SHIPPING_ABOVE and not data.get(
            "free_shipping_threshold"
        ):
            self.add_error(
                "free_shipping_threshold",
                _("Enter the order value above which shipping is free."),
            )
        return data


class TierSettingsForm(BoundedNumbersMixin, forms.ModelForm):
    class Meta:
        model = TierSettings
        fields = ["metric", "window", "rolling_months", "grace_days", "email_upgrades"]


class PinForm(forms.Form):
    tier = IdChoiceField(Tier.objects.all(), label=_("Tier"))
    ends_on = forms.DateField(
        label=_("Until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        if ends_on < timezone.localdate():
            raise forms.ValidationError(_("The end date must be today or later."))
        check_date_in_range(ends_on)
        return ends_on

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why this customer is pinned."))
        return reason

    @property
    def ends_at(self) -> datetime:
        """The end of the chosen day in the shop's time zone."""
        return timezone.make_aware(datetime.combine(self.cleaned_data["ends_on"], time.max))
