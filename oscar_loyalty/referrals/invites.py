"""'Invite a friend by email': rate-limited, and silent about who is already a customer."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from oscar.core.loading import get_class

from .. import conf, ledger, throttle
from ..models import SentNotice
from .capture import friend_reward_label, referral_settings
from .codes import code_for_user, normalise_email

logger = logging.getLogger(__name__)
INVITE = "LOYALTY_REFERRAL_INVITE"


class InviteLimitReached(Exception):
    pass


def invite_friend(referrer, email: str, link: str) -> bool:
    """Email ``email`` an invitation from ``referrer``. Returns whether an email went out;
    callers show the same message either way, so the form never tells whether an address
    belongs to a customer. Each address is invited once per referrer.

    Raises :class:`InviteLimitReached` after ``OSCAR_LOYALTY_REFERRAL_INVITES_PER_DAY``.
    """
    if not throttle.allow(
        "referral-invite", str(referrer.pk), conf.get("REFERRAL_INVITES_PER_DAY"), 86400
    ):
        raise InviteLimitReached
    User = get_user_model()
    normal = normalise_email(email)
    if (
        normal == normalise_email(referrer.email)
        or User.objects.filter(email__iexact=email.strip()).exists()
    ):
        return False
    Dispatcher = get_class("communication.utils", "Dispatcher")
    dispatcher = Dispatcher(logger=logger)
    try:
        with transaction.atomic():
            SentNotice.objects.create(
                account=ledger.account_for_user(referrer), code=INVITE, period=normal[:64]
            )
            messages = dispatcher.get_messages(
                INVITE,
                {
                    "referrer": referrer,
                    "link": link,
                    "code": code_for_user(referrer),
                    "reward": friend_reward_label(referral_settings()),
                },
            )
            dispatcher.dispatch_direct_messages(email.strip(), messages)
    except IntegrityError:
        return False  # already invited
    return True
