"""Dashboard forms for referrals: settings, list filter and the review decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Referral, ReferralSettings
from .forms import BoundedNumbersMixin, search_field


class ReferralSettingsForm(BoundedNumbersMixin, forms.ModelForm):
    class Meta:
        model = ReferralSettings
        fields = [
            "is_enabled",
            "friend_discount_type",
            "friend_discount_value",
            "friend_reward_as_voucher",
            "referrer_reward_type",
            "referrer_points",
            "referrer_discount_type",
            "referrer_discount_value",
            "cookie_days",
            "last_click_wins",
            "refund_policy",
            "check_self_referral",
            "check_new_customer",
            "max_rewarded_per_month",
            "max_signups_per_ip_per_day",
            "min_first_order_value",
        ]

    # A percentage over 100 is refused by ``ReferralSettings.clean``, next to the field.


class ReferralSearchForm(forms.Form):
    q = search_field(_("Email"), _("Referrer or friend email"))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Referral.STATUS_CHOICES]
    )


class ReferralReviewForm(forms.Form):
    APPROVE, REJECT, NOTE = "approve", "reject", "note"

    action = forms.ChoiceField(choices=[(APPROVE, APPROVE), (REJECT, REJECT), (NOTE, NOTE)])
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.NOTE and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Write the note to add."))
        return cleaned


class FunnelPeriodForm(forms.Form):
    DEFAULT = 6

    months = forms.TypedChoiceField(
        label=_("Period"),
        coerce=int,
        required=False,
        initial=DEFAULT,
        choices=[(3, _("Last 3 months")), (6, _("Last 6 months")), (12, _("Last 12 months"))],
    )
