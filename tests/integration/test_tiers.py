"""Tier qualification, upgrades at confirmation, entry bonuses, downgrades with grace, pins."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time
from oscar.test.factories import UserFactory

from oscar_loyalty import earning, ledger, tasks, tiers
from oscar_loyalty.models import (
    CustomerProfile,
    CustomerTier,
    LedgerEntry,
    Tier,
    TierActivity,
    TierChange,
    TierSettings,
)
from tests.factories import create_spend_rule, place_order

pytestmark = pytest.mark.django_db


def create_tier(name: str, position: int, threshold: str, **perks) -> Tier:
    return Tier.objects.create(name=name, position=position, threshold=Decimal(threshold), **perks)


@pytest.fixture
def ladder():
    """Family from 100, Gold from 300, VIP from 600 (spend), each with an entry bonus."""
    create_spend_rule("1")
    return [
        create_tier("Family", 1, "100", entry_bonus=10),
        create_tier("Gold", 2, "300", entry_bonus=30),
        create_tier("VIP", 3, "600", entry_bonus=60),
    ]


def use_settings(**fields) -> TierSettings:
    settings = TierSettings.load()
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    return settings


@pytest.fixture
def buy(django_capture_on_commit_callbacks):
    """Place an order and confirm it (as the shop marking it Complete would), running what the
    real receivers enqueue after commit."""

    def _buy(user, amount: str, *, confirm: bool = True):
        with django_capture_on_commit_callbacks(execute=True):
            order = place_order(user, [(amount, 1)])
        if confirm:
            with django_capture_on_commit_callbacks(execute=True):
                order.set_status("Being processed")
                order.set_status("Complete")
        return order

    return _buy


def tier_of(user) -> str | None:
    tier = tiers.tier_for_user(user)
    return tier.name if tier else None


def bonuses(user) -> list[str]:
    return sorted(
        entry.description
        for entry in LedgerEntry.objects.filter(
            account__user=user, kind=LedgerEntry.BONUS, detail__has_key="period"
        )
    )


def test_pending_order_counts_nothing_until_it_is_confirmed(
    ladder, buy, django_capture_on_commit_callbacks
):
    shopper = UserFactory()
    order = buy(shopper, "150.00", confirm=False)
    assert tier_of(shopper) is None
    assert not TierActivity.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        order.set_status("Being processed")
        order.set_status("Complete")
    assert tier_of(shopper) == "Family"


def test_end_of_the_return_window_confirms_and_upgrades(
    ladder, buy, django_capture_on_commit_callbacks
):
    shopper = UserFactory()
    buy(shopper, "150.00", confirm=False)
    with freeze_time(timezone.now() + timedelta(days=15)):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.confirm_due_points()
    assert tier_of(shopper) == "Family"


def test_spend_threshold_upgrades_when_the_qualifying_order_is_confirmed(ladder, buy):
    shopper = UserFactory()
    buy(shopper, "90.00")
    assert tier_of(shopper) is None
    buy(shopper, "15.00")
    assert tier_of(shopper) == "Family"
    change = TierChange.objects.get(account__user=shopper)
    assert (change.from_tier, change.to_tier.name, change.reason) == (
        None,
        "Family",
        TierChange.UPGRADE,
    )
    assert change.qualifying_value == Decimal("105.00")


def test_points_metric_counts_points_earned_never_the_balance(ladder, buy):
    use_settings(metric=TierSettings.POINTS)
    shopper = UserFactory()
    buy(shopper, "120.00")
    assert tier_of(shopper) == "Family"
    account = ledger.account_for_user(shopper)
    ledger.redeem(account, 100, key="spend-them")  # spending points never drops a tier
    tasks.reevaluate_tiers()
    assert tier_of(shopper) == "Family"
    assert CustomerTier.objects.get(account=account).downgrade_due_at is None


def test_skipping_tiers_pays_every_entry_bonus_once(ladder, buy):
    shopper = UserFactory()
    order = buy(shopper, "650.00")
    assert tier_of(shopper) == "VIP"
    assert bonuses(shopper) == ["Welcome to Family", "Welcome to Gold", "Welcome to VIP"]
    # Replays (a retried task, the nightly sweep) pay nothing again.
    tasks.qualify_for_tier(ledger.account_for_user(shopper).pk, order.number)
    tasks.reevaluate_tiers()
    assert len(bonuses(shopper)) == 3
    account = ledger.account_for_user(shopper)
    assert account.available == 650 + 10 + 30 + 60


def test_entry_bonus_is_not_paid_again_on_requalifying_in_the_same_year(
    ladder, buy, django_capture_on_commit_callbacks
):
    use_settings(grace_days=0)
    shopper = UserFactory()
    order = buy(shopper, "120.00")
    with django_capture_on_commit_callbacks(execute=True):
        earning.reverse_points_for_order(order, key_suffix="refund")  # a full refund
    tasks.reevaluate_tiers()
    assert tier_of(shopper) is None
    buy(shopper, "130.00")
    assert tier_of(shopper) == "Family"
    assert bonuses(shopper) == ["Welcome to Family"]


def test_calendar_year_window_keeps_a_tier_all_next_year_then_drops_it(ladder, buy):
    use_settings(window=TierSettings.CALENDAR_YEAR, grace_days=14)
    shopper = UserFactory()
    with freeze_time("2026-03-10 12:00"):
        buy(shopper, "320.00")
        assert tier_of(shopper) == "Gold"
    with freeze_time("2027-06-01 12:00"):
        tasks.reevaluate_tiers()
        assert tier_of(shopper) == "Gold"  # reached in 2026: kept through 2027
    with freeze_time("2028-01-02 03:00"):
        tasks.reevaluate_tiers()
        status = CustomerTier.objects.get(account__user=shopper)
        assert tier_of(shopper) == "Gold" and status.downgrade_due_at is not None
    with freeze_time("2028-01-17 03:00"):
        tasks.reevaluate_tiers()
        assert tier_of(shopper) is None


def test_calendar_year_counts_only_this_years_orders_towards_the_next_tier(ladder, buy):
    use_settings(window=TierSettings.CALENDAR_YEAR)
    shopper = UserFactory()
    with freeze_time("2026-12-20 12:00"):
        buy(shopper, "200.00")
    with freeze_time("2027-01-05 12:00"):
        buy(shopper, "200.00")
        assert tier_of(shopper) == "Family"  # 200 + 200 in different years: not Gold


def test_rolling_window_lets_old_orders_drop_out(ladder, buy):
    use_settings(window=TierSettings.ROLLING, rolling_months=6, grace_days=0)
    shopper = UserFactory()
    with freeze_time("2026-01-15 12:00"):
        buy(shopper, "150.00")
    with freeze_time("2026-05-01 12:00"):
        buy(shopper, "160.00")
        assert tier_of(shopper) == "Gold"
    with freeze_time("2026-07-20 12:00"):  # the January order is over 6 months old
        tasks.reevaluate_tiers()
        assert tier_of(shopper) == "Family"
    assert TierChange.objects.filter(reason=TierChange.DOWNGRADE).get().to_tier.name == "Family"


def test_lifetime_window_never_drops(ladder, buy):
    use_settings(window=TierSettings.LIFETIME)
    shopper = UserFactory()
    with freeze_time("2020-01-15 12:00"):
        buy(shopper, "310.00")
    with freeze_time("2030-01-15 12:00"):
        tasks.reevaluate_tiers()
        assert tier_of(shopper) == "Gold"


def test_downgrade_waits_for_the_grace_period_with_one_notice(ladder, buy):
    use_settings(window=TierSettings.ROLLING, rolling_months=3, grace_days=10)
    shopper = UserFactory()
    with freeze_time("2026-01-10 12:00"):
        buy(shopper, "320.00")
        mail.outbox.clear()
    with freeze_time("2026-04-15 12:00"):
        tasks.reevaluate_tiers()
        tasks.reevaluate_tiers()
        assert tier_of(shopper) == "Gold"
        notices = [m for m in mail.outbox if "Keep your Gold tier" in m.subject]
        assert len(notices) == 1 and "25 April 2026" in notices[0].body
    with freeze_time("2026-04-24 12:00"):
        tasks.reevaluate_tiers()
        assert tier_of(shopper) == "Gold"
    with freeze_time("2026-04-26 12:00"):
        tasks.reevaluate_tiers()
        assert tier_of(shopper) is None
    assert len([m for m in mail.outbox if "Keep your" in m.subject]) == 1


def test_qualifying_again_during_the_grace_period_calls_the_downgrade_off(ladder, buy):
    use_settings(window=TierSettings.ROLLING, rolling_months=3, grace_days=10)
    shopper = UserFactory()
    with freeze_time("2026-01-10 12:00"):
        buy(shopper, "120.00")
    with freeze_time("2026-04-15 12:00"):
        tasks.reevaluate_tiers()
        assert CustomerTier.objects.get(account__user=shopper).downgrade_due_at
        buy(shopper, "110.00")
        tasks.reevaluate_tiers()
        assert CustomerTier.objects.get(account__user=shopper).downgrade_due_at is None
    with freeze_time("2026-04-30 12:00"):
        tasks.reevaluate_tiers()
        assert tier_of(shopper) == "Family"


def test_refund_after_confirmation_counts_less(ladder, buy, django_capture_on_commit_callbacks):
    shopper = UserFactory()
    order = buy(shopper, "120.00")
    with django_capture_on_commit_callbacks(execute=True):
        earning.reverse_points_for_refunded_lines(
            order, {str(order.lines.get().pk): Decimal("0.5")}, key="half-refund"
        )
    activity = TierActivity.objects.get(order_number=order.number)
    assert (activity.spend, activity.points) == (Decimal("60.00"), 60)


def test_upgrade_email_is_sent_once(ladder, buy):
    shopper = UserFactory()
    mail.outbox.clear()
    order = buy(shopper, "110.00")
    tasks.qualify_for_tier(ledger.account_for_user(shopper).pk, order.number)
    tasks.reevaluate_tiers()
    welcome = [m for m in mail.outbox if m.subject == "Welcome to Family"]
    assert len(welcome) == 1 and welcome[0].to == [shopper.email]


def test_a_quiet_launch_places_customers_without_emails_then_emails_later_upgrades(ladder, buy):
    use_settings(email_upgrades=False)
    shopper = UserFactory()
    mail.outbox.clear()
    buy(shopper, "110.00")
    tasks.reevaluate_tiers()
    assert tier_of(shopper) == "Family"
    assert bonuses(shopper) == ["Welcome to Family"]  # the bonus is still paid
    assert not [m for m in mail.outbox if m.subject.startswith("Welcome to")]
    use_settings(email_upgrades=True)
    buy(shopper, "200.00")
    assert tier_of(shopper) == "Gold"
    assert [m.subject for m in mail.outbox if m.subject.startswith("Welcome to")] == [
        "Welcome to Gold"
    ]


def test_tier_multiplier_applies_to_spend_rule_points(ladder, buy):
    Tier.objects.filter(name="Family").update(points_multiplier=Decimal("2"))
    shopper = UserFactory()
    buy(shopper, "100.00")
    order = buy(shopper, "40.00")
    entry = LedgerEntry.objects.get(order_number=order.number, kind=LedgerEntry.EARN)
    assert entry.points == 80
    assert entry.detail["rules"][0]["tier_multiplier"] == "2.00"


def test_tier_birthday_bonus_once_a_year(ladder, buy):
    Tier.objects.filter(name="Family").update(birthday_bonus=50)
    shopper = UserFactory()
    with freeze_time("2026-05-01 12:00"):
        buy(shopper, "100.00")
    account = ledger.account_for_user(shopper)
    CustomerProfile.objects.create(account=account, birth_date="1990-06-02")
    with freeze_time("2026-06-02 08:00"):
        tasks.award_birthday_points()
        tasks.award_birthday_points()
    account.refresh_from_db()
    assert account.available == 100 + 10 + 50


def test_pin_sets_the_tier_until_its_end_then_the_earned_tier_applies(ladder, buy):
    staff = UserFactory(is_staff=True)
    shopper = UserFactory()
    buy(shopper, "120.00")
    account = ledger.account_for_user(shopper)
    vip = Tier.objects.get(name="VIP")
    ends = timezone.now() + timedelta(days=30)
    tiers.pin_customer(account, vip, reason="Complaint goodwill", ends_at=ends, staff_user=staff)
    assert tier_of(shopper) == "VIP"
    tasks.reevaluate_tiers()
    assert tier_of(shopper) == "VIP"
    with freeze_time(ends + timedelta(hours=1)):
        tasks.reevaluate_tiers()
    assert tier_of(shopper) == "Family"  # back to what they earned: never a floor
    reasons = list(
        TierChange.objects.filter(account=account)
        .order_by("created_at", "pk")
        .values_list("reason", "to_tier__name")
    )
    assert reasons == [
        (TierChange.UPGRADE, "Family"),
        (TierChange.PIN, "VIP"),
        (TierChange.PIN_ENDED, "Family"),
    ]
    assert TierChange.objects.get(reason=TierChange.PIN).created_by == staff


def test_pin_needs_a_reason_and_a_future_end(ladder):
    staff = UserFactory(is_staff=True)
    account = ledger.account_for_user(UserFactory())
    gold = Tier.objects.get(name="Gold")
    with pytest.raises(tiers.PinError):
        tiers.pin_customer(account, gold, reason=" ", ends_at=timezone.now(), staff_user=staff)
    with pytest.raises(tiers.PinError):
        tiers.pin_customer(
            account,
            gold,
            reason="ok",
            ends_at=timezone.now() - timedelta(days=1),
            staff_user=staff,
        )
