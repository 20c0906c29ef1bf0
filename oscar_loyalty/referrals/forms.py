from django import forms
from django.utils.translation import gettext_lazy as _


class ReferralCodeForm(forms.Form):
    """A friend's code typed at checkout (the basket page)."""

    code = forms.CharField(label=_("Referral code"), max_length=32)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class InviteFriendForm(forms.Form):
    email = forms.EmailField(label=_("Your friend's email"), max_length=254)
