"""Dashboard forms: programme settings, points redemption settings, customer search and manual
point adjustments. Earning rule forms are in :mod:`.rule_forms`, reward forms in
:mod:`.reward_forms`.

Every check a shop admin can trip lives here, so the views turn bad input into form
errors and never into a 500 or a database constraint error.
"""

import re
import uuid
from datetime import date
from decimal import Decimal

from babel.numbers import list_currencies
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import DecimalValidator, MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext_lazy as _
from oscar.forms.widgets import DateTimePickerInput

from .. import ledger
from ..models import PointsAccount, ProgramSettings, RedemptionSettings
from ..utils import format_points

CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def validate_currency_code(value: str) -> str:
    """``value`` stripped, if it is a known ISO 4217 code in capitals; else a ValidationError."""
    currency = (value or "").strip()
    if not CURRENCY_RE.match(currency):
        raise forms.ValidationError(
            _("Enter a currency as three capital letters, e.g. GBP."), code="format"
        )
    if currency not in list_currencies():
        raise forms.ValidationError(
            _("%(code)s is not a known currency code.") % {"code": currency}, code="unknown"
        )
    return currency


class CurrencyFormMixin:
    """For model forms with a ``currency`` field: a real currency code in capitals."""

    def clean_currency(self) -> str:
        return validate_currency_code(self.cleaned_data.get("currency"))


#: The largest whole number a dashboard field takes where its model sets no smaller limit (a
#: reward's stock, a monthly cap): far above any real programme, far below the database's limit,
#: which Django would otherwise let through or show raw ("less than or equal to
#: 9223372036854775807").
MAX_WHOLE_NUMBER = 1_000_000_000


def _limits(validators, kind: type) -> list[int]:
    return [v.limit_value for v in validators if isinstance(v, kind)]


def bound_whole_number(field: forms.IntegerField, model_field=None) -> None:
    """Give ``field`` its tightest upper limit (the form's, the model's, the database's or
    :data:`MAX_WHOLE_NUMBER`) and a message that names the limits with grouped digits.

    A message the form already sets for ``min_value`` or ``max_value`` is kept.
    """
    model_validators = model_field.validators if model_field is not None else []
    highest = min(
        [MAX_WHOLE_NUMBER, *_limits(field.validators, MaxValueValidator)]
        + _limits(model_validators, MaxValueValidator)
    )
    lowest = max(
        _limits(field.validators, MinValueValidator) + _limits(model_validators, MinValueValidator),
        default=None,
    )
    if field.max_value is None or highest < field.max_value:
        field.max_value = highest
        field.validators.append(MaxValueValidator(highest))
        field.widget.attrs["max"] = highest
    if lowest is None:
        message = _("Enter a whole number of at most %(max)s.") % {"max": format_points(highest)}
    else:
        message = _("Enter a whole number from %(min)s to %(max)s.") % {
            "min": format_points(lowest),
            "max": format_points(highest),
        }
    for code in ("min_value", "max_value"):
        field.error_messages.setdefault(code, message)


def bound_decimal(
    field: forms.DecimalField, model_field=None, ceiling: Decimal | None = None
) -> None:
    """Give ``field`` the range its digits, the form, the model and ``ceiling`` allow, and a
    message that names it with grouped digits ("Enter a number from 0 to 9,999,999,999.99.")
    instead of Django's "Ensure that there are no more than 12 digits in total."

    Too many digits is refused as out of range, so one message covers every way past the
    limits; Django still counts the decimal places. A message the form already sets for
    ``min_value`` or ``max_value`` is kept.
    """
    places = field.decimal_places
    if field.max_digits is None or places is None:  # a form's own field without a digit limit
        digits = Decimal(MAX_WHOLE_NUMBER)
    else:
        digits = Decimal(10) ** (field.max_digits - places) - Decimal(10) ** -places
    model_validators = model_field.validators if model_field is not None else []
    uppers = _limits(field.validators, MaxValueValidator) + _limits(
        model_validators, MaxValueValidator
    )
    uppers += [digits] if ceiling is None else [digits, ceiling]
    highest = min(Decimal(str(limit)) for limit in uppers)
    lowers = _limits(field.validators, MinValueValidator) + _limits(
        model_validators, MinValueValidator
    )
    lowest = max((Decimal(str(limit)) for limit in lowers), default=-digits)
    field.validators = [
        DecimalValidator(None, places) if isinstance(v, DecimalValidator) else v
        for v in field.validators
    ]
    if field.max_value is None or highest < field.max_value:
        field.max_value = highest
        field.validators.append(MaxValueValidator(highest))
        field.widget.attrs["max"] = str(highest)
    if field.min_value is None:
        # The model's own lower limit is left to the model, after the form's checks, so a
        # form's own words for it ("Enter a discount above zero.") come first.
        field.validators.append(MinValueValidator(-digits))
    message = _("Enter a number from %(min)s to %(max)s.") % {
        "min": number_format(lowest, force_grouping=True),
        "max": number_format(highest, force_grouping=True),
    }
    for code in ("min_value", "max_value"):
        field.error_messages.setdefault(code, message)


class BoundedNumbersMixin:
    """For dashboard forms: every number field has a sensible range and says it in words, so
    a huge number is neither saved nor answered with Django's raw "Ensure this value is less
    than or equal to 9223372036854775807" or "no more than 12 digits in total"."""

    #: Upper limits this form sets on decimal fields beyond the model's, by field name.
    decimal_ceilings: dict[str, Decimal] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model = getattr(getattr(self, "_meta", None), "model", None)
        for name, field in self.fields.items():
            model_field = self._model_field(model, name)
            if isinstance(field, forms.DecimalField):
                bound_decimal(field, model_field, self.decimal_ceilings.get(name))
            elif isinstance(field, forms.IntegerField) and not isinstance(field, forms.FloatField):
                bound_whole_number(field, model_field)

    @staticmethod
    def _model_field(model, name: str):
        if model is None:
            return None
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            return None


#: How far ahead a dashboard date may be set: further is a typo (9999 for 2029), not a plan.
MAX_YEARS_AHEAD = 10

#: The earliest year a dashboard date may have: earlier is a mistyped year (0212 from
#: "02/12/2026" typed into a year-first field), never a loyalty programme's date.
MIN_YEAR = 2000


def check_date_in_range(day: date | None) -> None:
    """Raise a ValidationError when ``day`` is before :data:`MIN_YEAR` or more than
    :data:`MAX_YEARS_AHEAD` years away."""
    if day is None:
        return
    if day.year < MIN_YEAR:
        raise forms.ValidationError(
            _("Check the year: choose a date in %(year)s or later.") % {"year": MIN_YEAR},
            code="too_early",
        )
    if day.year - timezone.localdate().year > MAX_YEARS_AHEAD:
        raise forms.ValidationError(
            _("Choose a date within %(years)s years from today.") % {"years": MAX_YEARS_AHEAD},
            code="too_far_ahead",
        )


#: Django's date format letters that have a strftime twin an input format can read back.
_STRFTIME_CODES = {"d": "%d", "j": "%d", "m": "%m", "n": "%m", "Y": "%Y"}

#: The date-time format every language reads back: year first, to the minute.
ISO_DATETIME_FORMAT = "%Y-%m-%d %H:%M"


def typed_datetime_format() -> str:
    """The format a date-time field shows its value in and its input mask asks for.

    The active language's short date, the way the dashboard's lists show dates (25/10/2026 in
    British English), then the time to the minute; year first where the language cannot read
    its own short date back. Oscar's picker asks for the language's first input format, which
    for British English is year first, so a date typed day first (02/12/2026) became the year
    0212.
    """
    day = "".join(_STRFTIME_CODES.get(char, char) for char in get_format("SHORT_DATE_FORMAT"))
    typed = f"{day} %H:%M"
    return typed if typed in get_format("DATETIME_INPUT_FORMATS") else ISO_DATETIME_FORMAT


def datetime_picker() -> DateTimePickerInput:
    """Oscar's date-time picker, masked and filled in :func:`typed_datetime_format`. Build it
    per form (per request), so it follows the language of the page."""
    return DateTimePickerInput(format=typed_datetime_format())


class ProgramSettingsForm(BoundedNumbersMixin, forms.ModelForm):
    class Meta:
        model = ProgramSettings
        fields = [
            "is_enabled",
            "return_window_days",
            "lot_expiry_days",
            "inactivity_expiry_days",
            "expiry_warning_days",
            "return_points_for_expired_rewards",
        ]
        help_texts = {
            "return_points_for_expired_rewards": _(
                "When a reward's voucher expires without being used, its points go back to the "
                "customer as a new batch."
            ),
        }


class RedemptionSettingsForm(BoundedNumbersMixin, CurrencyFormMixin, forms.ModelForm):
    """What points are worth in one currency and how much of an order they may pay."""

    class Meta:
        model = RedemptionSettings
        fields = [
            "currency",
            "is_enabled",
            "points_per_unit",
            "min_points",
            "max_order_share",
            "combine_with_vouchers",
            "combine_with_offers",
            "pay_shipping",
        ]
        help_texts = {
            "currency": _("Three capital letters, e.g. GBP. One set of settings per currency."),
            "min_points": _("Shoppers must use at least this many points at once (0: no minimum)."),
            "max_order_share": _(
                "e.g. 50: points pay at most half of what is left after other discounts."
            ),
            "combine_with_vouchers": _("When off, a basket with a voucher cannot use points."),
            "combine_with_offers": _(
                "When off, a basket with any other discount (offer or voucher) cannot use points."
            ),
            "pay_shipping": _(
                "When on, points the items do not use pay for shipping too (within the maximum "
                "share), through the “Pay shipping with your points” site offer. A basket whose "
                "shipping another offer already discounts pays its shipping without points."
            ),
        }
        error_messages = {
            "points_per_unit": {
                "min_value": _("Enter at least 1 point."),
                "max_value": _("Enter at most 1,000,000 points."),
            },
            "min_points": {
                "min_value": _("Enter 0 or more points."),
                "max_value": _("Enter at most 100,000,000 points."),
            },
            "max_order_share": {
                "min_value": _("Enter a percentage from 1 to 100."),
                "max_value": _("Enter a percentage from 1 to 100."),
            },
        }

    def clean_currency(self) -> str:
        currency = super().clean_currency()
        taken = RedemptionSettings.objects.filter(currency=currency).exclude(pk=self.instance.pk)
        if taken.exists():
            raise self.currency_taken_error(currency)
        return currency

    @staticmethod
    def currency_taken_error(currency: str) -> forms.ValidationError:
        return forms.ValidationError(
            _("There are settings for %(code)s already: edit those instead.") % {"code": currency},
            code="unique",
        )


def search_field(label: str, placeholder: str) -> forms.CharField:
    """The optional free-text box of a list page's search form."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"placeholder": placeholder}),
    )


class AccountSearchForm(forms.Form):
    q = search_field(_("Email, name or owner key"), _("e.g. jane@example.com"))


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
                % {"max": format_points(ledger.MAX_POINTS_PER_ENTRY)}
            )
        if points < 0 and -points > self.account.available:
            # The ledger checks again under its row lock; this is the friendly early answer.
            raise forms.ValidationError(
                _("Only %(available)s points are available to deduct.")
                % {"available": format_points(self.account.available)}
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
