"""The shopper's points history in the reader's language.

A ledger entry's ``description`` is text in the language that was active when it was written:
the tier upgrade job writes "Welcome to VIP" in the shop's default language, a Dutch checkout
writes "Bestelling 100023". Entries are append-only and name no message, so the history page
rebuilds the lines it knows from the entry's own fields (its order number, the tier in its
``detail``) and shows them in the reader's language, but only where the stored text is exactly
that line in one of the shop's languages. Anything else (a tier renamed since, a line not listed
here) is shown as it was stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import actions, earning, redemption
from .ledger import postings
from .models import LedgerEntry, Tier
from .tiers import changes, perks
from .utils import isolate

Params = dict[str, str]
# How to fill a line's placeholders from an entry (given the names of the page's tiers), or
# None when the entry lacks what the line needs.
Filler = Callable[[LedgerEntry, dict[int, str]], Params | None]


def _no_params(entry: LedgerEntry, tier_names: dict[int, str]) -> Params:
    return {}


def _order(entry: LedgerEntry, tier_names: dict[int, str]) -> Params | None:
    return {"number": entry.order_number} if entry.order_number else None


def _tier(entry: LedgerEntry, tier_names: dict[int, str]) -> Params | None:
    name = tier_names.get(_tier_id(entry))
    return None if name is None else {"tier": name}


LINES: list[tuple[Promise, Filler]] = [
    (earning.ORDER_LINE, _order),
    (earning.ORDER_CANCELLED_LINE, _order),
    (earning.ORDER_REFUND_LINE, _order),
    (redemption.POINTS_RETURNED_LINE, _order),
    (changes.WELCOME_LINE, _tier),
    (perks.BIRTHDAY_LINE, _tier),
    (postings.EXPIRED_LINE, _no_params),
    (postings.EXPIRED_INACTIVE_LINE, _no_params),
    *((description, _no_params) for description in actions.DESCRIPTIONS.values()),
]


def _tier_id(entry: LedgerEntry) -> int | None:
    found = entry.detail.get("tier") if isinstance(entry.detail, dict) else None
    return found if isinstance(found, int) else None


def _as_text(line: Promise, params: Params) -> str:
    return str(line) % params if params else str(line)


def _as_html(line: Promise, params: Params) -> SafeString:
    """The line in the active language; each value isolated in ``<bdi>`` so that an English
    tier name keeps its punctuation inside an Arabic sentence."""
    if not params:
        return escape(str(line))
    isolated = {key: isolate(value) for key, value in params.items()}
    return mark_safe(escape(str(line)) % isolated)


def _languages() -> list[str]:
    """The reader's language and the default first: most lines were written in one of them."""
    codes = [translation.get_language(), settings.LANGUAGE_CODE, *dict(settings.LANGUAGES)]
    return list(dict.fromkeys(code for code in codes if code))


def with_readable_descriptions(entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """``entries`` with ``readable_description`` set: the line in the active language where it
    is one of :data:`LINES`, else the stored description. One query for the tiers named."""
    entries = list(entries)
    tier_ids = {_tier_id(entry) for entry in entries} - {None}
    tier_names = dict(Tier.objects.filter(pk__in=tier_ids).values_list("pk", "name"))
    unread = {}
    for entry in entries:
        lines = [
            (line, params)
            for line, fill in LINES
            if (params := fill(entry, tier_names)) is not None
        ]
        if entry.description and lines:
            unread[entry.pk] = lines
    matches = {}
    for language in _languages():
        if not unread:
            break
        with translation.override(language):
            for entry in entries:
                for line, params in unread.get(entry.pk, ()):
                    if _as_text(line, params) == entry.description:
                        matches[entry.pk] = (line, params)
                        del unread[entry.pk]
                        break
    for entry in entries:
        match = matches.get(entry.pk)
        entry.readable_description = _as_html(*match) if match else entry.description
    return entries
