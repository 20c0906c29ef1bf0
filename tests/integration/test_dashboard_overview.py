"""The loyalty overview's section cards: tiers, offer blocks, referrals, recommendations.

Each card shows its figures and a link, or says what to do when there is nothing yet; the page
costs the same few queries however much the shop holds.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import CustomerTier, RecommendationBuild, Referral, Tier
from tests.factories import dashboard_url
from tests.offers import bracket_offer, customer_offer
from tests.referrals import enable_referrals

pytestmark = pytest.mark.django_db

# The figures at the top (8), the programme settings (1), the four section cards (7: tiers 1,
# offer blocks 3, referrals 2, recommendations 1) and the request's own (7: session, user, the
# request's savepoint and its release, Oscar's notifications badge, permissions for the menu).
QUERY_BUDGET = 23


def overview(staff) -> str:
    response = staff.get(dashboard_url("loyalty-index"))
    assert response.status_code == 200
    return response.content.decode()


def card(page: str, name: str) -> str:
    """The HTML of one section card."""
    start = page.index(f'data-loyalty="overview-{name}"')
    return page[start : page.index("</div></div>", start)]


def put_in_tier(tier: Tier, email: str) -> None:
    account = ledger.account_for_user(UserFactory(email=email))
    CustomerTier.objects.create(account=account, tier=tier, earned_tier=tier)


def referral(status: str, rewarded_at=None) -> Referral:
    return Referral.objects.create(
        referrer=UserFactory(), source=Referral.LINK, status=status, rewarded_at=rewarded_at
    )


def test_a_new_shop_gets_a_next_step_on_every_card(staff):
    page = overview(staff)

    assert "No tiers yet" in card(page, "tiers")
    assert f'href="{dashboard_url("loyalty-tier-create")}"' in card(page, "tiers")
    assert "None built yet" in card(page, "offers")
    assert "Referrals are switched off" in card(page, "referrals")
    assert f'href="{dashboard_url("loyalty-referral-settings")}"' in card(page, "referrals")
    assert "Not built yet" in card(page, "recommendations")
    assert f'href="{dashboard_url("loyalty-recommendations")}"' in card(page, "recommendations")


def test_tiers_card_counts_the_customers_in_each_tier(staff):
    family = Tier.objects.create(name="Family", position=1, threshold=Decimal("100"))
    vip = Tier.objects.create(name="VIP", position=2, threshold=Decimal("1000"))
    for n in range(3):
        put_in_tier(family, f"family{n}@example.com")
    put_in_tier(vip, "vip@example.com")

    tiers = card(overview(staff), "tiers")

    assert f'data-tier="{family.pk}">3<' in tiers
    assert f'data-tier="{vip.pk}">1<' in tiers
    assert tiers.index("Family") < tiers.index("VIP")
    assert f'href="{dashboard_url("loyalty-tier-members", vip.pk)}"' in tiers


def test_offers_card_counts_running_offers_built_from_our_blocks(staff):
    bracket_offer()
    customer_offer("Welcome back", "win-back", 90)
    customer_offer("Ended", "first-order", end_datetime=timezone.now() - timedelta(days=1))

    offers = card(overview(staff), "offers")

    assert "2 running offers use them" in offers
    assert f'href="{dashboard_url("loyalty-offer-blocks")}"' in offers


def test_offers_card_says_when_blocks_exist_but_no_offer_runs(staff):
    customer_offer("Ended", "first-order", end_datetime=timezone.now() - timedelta(days=1))

    assert "No running offer uses them" in card(overview(staff), "offers")


def test_referrals_card_shows_the_review_queue_and_this_months_rewards(staff):
    enable_referrals()
    referral(Referral.REVIEW)
    referral(Referral.REVIEW)
    referral(Referral.WAITING)
    referral(Referral.REWARDED, rewarded_at=timezone.now())
    referral(Referral.REWARDED, rewarded_at=timezone.now() - timedelta(days=40))

    referrals = card(overview(staff), "referrals")

    assert "2 pending review" in referrals
    assert f'href="{dashboard_url("loyalty-referral-list")}?status=review"' in referrals
    assert "1 rewarded this month" in referrals


def test_referrals_card_says_when_referrals_run_but_nobody_referred_yet(staff):
    enable_referrals()

    assert "no customer has brought a friend yet" in card(overview(staff), "referrals")


def test_recommendations_card_shows_the_build_the_shop_serves_and_a_failed_rebuild(staff):
    RecommendationBuild.objects.create(
        status=RecommendationBuild.SUCCEEDED,
        finished_at=timezone.now(),
        products=2971,
        neighbours=148550,
    )
    RecommendationBuild.objects.create(status=RecommendationBuild.FAILED, message="boom")

    recommendations = card(overview(staff), "recommendations")

    assert "148,550 links between 2,971 products" in recommendations
    assert "Failed" in recommendations


def count_queries(staff) -> int:
    overview(staff)  # settings rows created, as on any running shop
    with CaptureQueriesContext(connection) as queries:
        overview(staff)
    return len(queries)


def test_overview_costs_the_same_few_queries_however_much_the_shop_holds(staff):
    empty_shop = count_queries(staff)

    enable_referrals()
    for position in range(1, 6):
        tier = Tier.objects.create(name=f"T{position}", position=position, threshold=position)
        put_in_tier(tier, f"member{position}@example.com")
    for status in [Referral.REVIEW, Referral.WAITING, Referral.REWARDED] * 4:
        referral(status, rewarded_at=timezone.now() if status == Referral.REWARDED else None)
    for name in ["A", "B", "C"]:
        bracket_offer(name)
    for status in [RecommendationBuild.SUCCEEDED, RecommendationBuild.FAILED] * 3:
        RecommendationBuild.objects.create(status=status, finished_at=timezone.now())
    busy_shop = count_queries(staff)

    assert busy_shop == empty_shop <= QUERY_BUDGET
