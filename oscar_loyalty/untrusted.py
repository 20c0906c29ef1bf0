"""Reading values that come straight from the browser: ids in URLs and forms, "next" addresses.

Each reaches code that trusts it (a database lookup, ``redirect()``), so it is checked here
once, for every view: an id too long for a 64-bit column is a 404 from the URL resolver or a
form error (SQLite raises OverflowError on it: a 500), and a "next" that is not a path on this
site is ignored.
"""

from django import forms
from django.http import HttpRequest
from django.urls import register_converter
from django.utils.http import url_has_allowed_host_and_scheme

MAX_ID_DIGITS = 18  # every 18-digit number fits a signed 64-bit integer column


def is_id(value: str) -> bool:
    """A plain non-negative number small enough for any database's integer column."""
    return value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS


class IdConverter:
    """``<loyalty_id:pk>``: Django's ``int`` converter, at most 18 digits long."""

    regex = f"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "loyalty_id")


class IdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that refuses a value which cannot be an id before the query."""

    def to_python(self, value):
        if value not in self.empty_values and not is_id(str(value)):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses a value which cannot be an id before the query."""

    def _check_values(self, value):
        for pk in value:
            if not is_id(str(pk)):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


def safe_next_url(request: HttpRequest, candidate: str, default: str) -> str:
    """``candidate`` if it is a path on this site, else ``default``: never another site's
    address, and never a bare word, which ``redirect()`` would look up as a URL name (a 500)."""
    if (
        candidate.startswith("/")
        and "\x00" not in candidate
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default


class SelectedIdsOnly:
    """For Oscar's ``RemoteSelect`` widgets, which query the submitted value to show it again
    on a form with errors: a value that cannot be an id made that query fail (ValueError, or
    OverflowError on SQLite). Such a value is already a form error; it is just not shown."""

    def optgroups(self, name, value, attrs=None):
        return super().optgroups(name, [v for v in value if is_id(str(v))], attrs)
