"""Figures for the loyalty overview's section cards: tiers, offers, referrals, recommendations.

Each function costs a fixed number of queries, whatever the size of the shop (the overview's
budget is checked in ``tests/integration/test_dashboard_overview.py``).
"""

from dataclasses import dataclass

from django.db.models import Count, Q, Subquery
from django.utils import timezone
from oscar.core.loading import get_model

from ..models import RecommendationBuild, Referral, ReferralSettings, Tier
from .offer_views import BRACKETS_PATH, CONDITION_PATHS

Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
ConditionalOffer = get_model("offer", "ConditionalOffer")


def tiers_with_members() -> list[Tier]:
    """Every tier, lowest first, with ``member_count`` (customers in it now). One query."""
    return list(Tier.objects.annotate(member_count=Count("members")).order_by("position"))


@dataclass(frozen=True)
class OfferBlocks:
    active_offers: int
    conditions: int
    brackets: int


def offer_blocks() -> OfferBlocks:
    """How many running offers (open, within their dates) use our customer conditions or spend
    brackets, and how many of those blocks exist. Three queries."""
    ours = Q(condition__proxy_class__in=CONDITION_PATHS) | Q(benefit__proxy_class=BRACKETS_PATH)
    return OfferBlocks(
        active_offers=ConditionalOffer.active.filter(ours).count(),
        conditions=Condition.objects.filter(proxy_class__in=CONDITION_PATHS).count(),
        brackets=Benefit.objects.filter(proxy_class=BRACKETS_PATH).count(),
    )


def referral_figures() -> dict:
    """Referrals waiting for staff review, rewarded since the start of this month (shop's
    time zone) and in all, and whether referrals are switched on. Two queries."""
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    figures = Referral.objects.aggregate(
        total=Count("pk"),
        in_review=Count("pk", filter=Q(status=Referral.REVIEW)),
        rewarded_this_month=Count("pk", filter=Q(rewarded_at__gte=month_start)),
    )
    figures["is_enabled"] = ReferralSettings.load().is_enabled
    return figures


def latest_builds() -> tuple[RecommendationBuild | None, RecommendationBuild | None]:
    """(the newest build of any status, the newest successful one: what the shop serves), in
    one query. The popular lists and quality report (large JSON) are not read."""
    ordered = RecommendationBuild.objects.order_by("-started_at", "-pk")
    newest = ordered.values("pk")[:1]
    serving = ordered.filter(status=RecommendationBuild.SUCCEEDED).values("pk")[:1]
    builds = list(
        ordered.defer("popular", "report").filter(Q(pk=Subquery(newest)) | Q(pk=Subquery(serving)))
    )
    return (
        builds[0] if builds else None,
        next((b for b in builds if b.status == RecommendationBuild.SUCCEEDED), None),
    )
