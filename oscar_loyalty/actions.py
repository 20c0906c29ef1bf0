"""Points for things customers do (sign up, first order, review, newsletter, birthday, follow).

Each active rule of the action's type awards its points at most ``limit_count`` times per
``limit_period``. The limit is enforced by the idempotency key itself (one key per slot of the
period), so concurrent requests cannot award more than the limit.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import ledger
from .models import ActionRule, LedgerEntry, PointsAccount, ProgramSettings

DESCRIPTIONS = {
    "signup": _("Welcome bonus"),
    "first_order": _("First order bonus"),
    "review": _("Product review"),
    "newsletter": _("Newsletter sign-up"),
    "birthday": _("Happy birthday"),
    "social": _("Social follow"),
}


def period_of(rule: ActionRule, at: datetime) -> str:
    """The name of the period ``at`` falls in, for the rule's limit."""
    local = timezone.localtime(at)
    return {
        ActionRule.DAY: local.strftime("%Y-%m-%d"),
        ActionRule.WEEK: "{}-W{:02d}".format(*local.isocalendar()[:2]),
        ActionRule.MONTH: local.strftime("%Y-%m"),
        ActionRule.YEAR: local.strftime("%Y"),
        ActionRule.LIFETIME: "ever",
    }[rule.limit_period]


def award_action(
    account: PointsAccount,
    rule_class: type[ActionRule],
    *,
    reference: str,
    at: datetime | None = None,
    rules=None,
    pending_until: datetime | None = None,
    order_number: str = "",
    description: str = "",
) -> list[LedgerEntry]:
    """Award every active ``rule_class`` rule for one occurrence of its action.

    ``reference`` names the occurrence (``review:17``, ``user:5``); the same occurrence never
    earns twice. Returns the entries posted now (empty when limits are reached).
    """
    if not ProgramSettings.load().is_enabled:
        return []
    at = at or timezone.now()
    rules = rules if rules is not None else rule_class.objects.active(at)
    posted = []
    for rule in rules:
        earlier = LedgerEntry.objects.filter(account=account, rule_id=rule.pk)
        if earlier.filter(detail__reference=reference).exists():
            continue
        period = period_of(rule, at)
        used = earlier.filter(detail__period=period).count()
        if used >= rule.limit_count:
            continue
        entry = ledger.earn(
            account,
            rule.points,
            key=f"action:{rule.pk}:{account.pk}:{period}:{used + 1}",
            kind=LedgerEntry.BONUS,
            description=description or str(DESCRIPTIONS.get(rule.action, rule.name)),
            rule_id=rule.pk,
            detail={"reference": reference, "period": period},
            pending_until=pending_until,
            order_number=order_number,
            at=at,
        )
        if entry.detail.get("reference") == reference:
            posted.append(entry)
    return posted
