from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CustomerProfile


class CustomerProfileForm(forms.ModelForm):
    """Birthday (set once, so it cannot be moved to collect the bonus again) and newsletter."""

    class Meta:
        model = CustomerProfile
        fields = ["birth_date", "newsletter_opt_in"]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}
        labels = {"newsletter_opt_in": _("Send me the newsletter")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.birth_date:
            self.fields["birth_date"].disabled = True
            self.fields["birth_date"].help_text = _("Contact us if your birthday needs correcting.")

    def clean_birth_date(self):
        birth_date = self.cleaned_data.get("birth_date")
        if birth_date and not (
            timezone.localdate().replace(year=timezone.localdate().year - 120)
            <= birth_date
            <= timezone.localdate()
        ):
            raise forms.ValidationError(_("Enter your real date of birth."))
        return birth_date


class RedeemPointsForm(forms.Form):
    """Apply points to the basket. ``token`` is fresh per rendered form, so a double submit of
    the same form holds the points once."""

    APPLY, MAXIMUM, REMOVE = "apply", "max", "remove"

    action = forms.ChoiceField(choices=[(APPLY, APPLY), (MAXIMUM, MAXIMUM), (REMOVE, REMOVE)])
    points = forms.IntegerField(
        label=_("Points to use"), required=False, min_value=1, max_value=1_000_000_000
    )
    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("action") == self.APPLY
            and cleaned.get("points") is None
            and not self.errors
        ):
            raise forms.ValidationError(_("Enter how many points to use."))
        return cleaned
