"""Emails to customers through Oscar's communication event types, each sent at most once.

The shop edits the texts in Dashboard > Content > Email templates. A :class:`SentNotice` row,
unique per account, code and period, is written in the same transaction as the send, so a
retried task or two sweeps at once never email twice.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from oscar.core.loading import get_class

from .models import PointsAccount, SentNotice

logger = logging.getLogger(__name__)


def send_once(account: PointsAccount, code: str, period: str, context: dict) -> bool:
    """Email the account's customer the ``code`` message for ``period`` unless already sent.
    Returns whether it was sent now. Accounts without a shop user get nothing."""
    if account.user_id is None:
        return False
    Dispatcher = get_class("communication.utils", "Dispatcher")
    dispatcher = Dispatcher(logger=logger)
    try:
        with transaction.atomic():
            SentNotice.objects.create(account=account, code=code, period=period[:64])
            messages = dispatcher.get_messages(code, {"user": account.user, **context})
            dispatcher.dispatch_user_messages(account.user, messages)
    except IntegrityError:
        return False  # already sent for this period
    return True
