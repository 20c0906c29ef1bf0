"""Referral codes: generation, normalisation and throttled lookup; email normalisation."""

from __future__ import annotations

import re
import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .. import conf, throttle
from ..models import ReferralCode

# No 0/O or 1/I to misread; 32**8 (about 10**12) codes, drawn with ``secrets``.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


class ReferralCodeError(Exception):
    """A message for the shopper (malformed, unknown, own code, too many attempts)."""


def code_for_user(user) -> str:
    """The user's code, created on first use (safe under concurrent first use)."""
    existing = ReferralCode.objects.filter(user=user).values_list("code", flat=True).first()
    if existing:
        return existing
    for _attempt in range(10):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                return ReferralCode.objects.create(user=user, code=code).code
        except IntegrityError:
            mine = ReferralCode.objects.filter(user=user).values_list("code", flat=True).first()
            if mine:
                return mine
    raise RuntimeError("could not draw a free referral code")


def normalise_code(raw: object) -> str:
    """Capitals without spaces or dashes: ``abcd-efgh`` and ``ABCDEFGH`` are the same code."""
    return re.sub(r"[\s-]", "", str(raw or "")).upper()


def client_ip(request) -> str:
    """The client's address as Django sees it (configure your proxy to set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or ""


def referrer_for_code(raw: object, request, *, friend=None):
    """The user whose code ``raw`` is, or :class:`ReferralCodeError` with a message to show.

    Every lookup from one client counts against ``OSCAR_LOYALTY_REFERRAL_LOOKUPS_PER_HOUR``,
    checked before the database is asked, so guessing codes gets nowhere.
    """
    code = normalise_code(raw)
    if not CODE_RE.match(code):
        raise ReferralCodeError(
            _("That is not a referral code: codes are %(length)s letters and digits.")
            % {"length": CODE_LENGTH}
        )
    if not throttle.allow(
        "referral-lookup",
        client_ip(request) or "unknown",
        conf.get("REFERRAL_LOOKUPS_PER_HOUR"),
        3600,
    ):
        raise ReferralCodeError(
            _("Too many referral codes tried from here. Please try again in an hour.")
        )
    return referrer_of(code, friend=friend)


def referrer_of(code: str, *, friend=None):
    """The user whose code ``code`` is, for a code already vetted (normalised, and counted
    against the lookup limit when it was first given, e.g. the one in our signed link
    cookie): every page a referred visitor opens must not spend their lookups."""
    found = ReferralCode.objects.filter(code=code).select_related("user").first()
    if found is None or not found.user.is_active:
        raise ReferralCodeError(_("We don't know the referral code %(code)s.") % {"code": code})
    if friend is not None and found.user_id == friend.pk:
        raise ReferralCodeError(_("That is your own referral code: share it with your friends."))
    return found.user


# --- emails ------------------------------------------------------------------------------------

User = get_user_model()


def _domains(setting: str) -> set[str]:
    return {domain.lower() for domain in conf.get(setting)}


def normalise_email(email: str) -> str:
    """The address a mailbox really is: lower case, without ``+tags`` where the provider
    ignores them, without dots in the local part where the provider ignores those, and
    googlemail.com as gmail.com."""
    email = (email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    domain = conf.get("EMAIL_DOMAIN_ALIASES").get(domain, domain)
    if domain in _domains("EMAIL_PLUS_TAG_DOMAINS"):
        local = local.split("+", 1)[0]
    if domain in _domains("EMAIL_DOTS_IGNORED_DOMAINS"):
        local = local.replace(".", "")
    return f"{local}@{domain}"


def email_regex(email: str) -> str:
    """A case-insensitive regex matching every address that :func:`normalise_email` maps to
    the same mailbox as ``email``, for one indexed-free query instead of a scan in Python."""
    normal = normalise_email(email)
    local, _at, domain = normal.rpartition("@")
    domains = [domain] + [
        alias for alias, target in conf.get("EMAIL_DOMAIN_ALIASES").items() if target == domain
    ]
    if domain in _domains("EMAIL_DOTS_IGNORED_DOMAINS"):
        local_re = r"\.*".join(re.escape(char) for char in local)
    else:
        local_re = re.escape(local)
    if domain in _domains("EMAIL_PLUS_TAG_DOMAINS"):
        local_re += r"(\+[^@]*)?"
    domain_re = "|".join(re.escape(name) for name in domains)
    return rf"^{local_re}@({domain_re})$"
