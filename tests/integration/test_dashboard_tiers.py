"""Tiers in the loyalty dashboard: CRUD with clear form errors, members, history, pins, access."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger, tasks, tiers
from oscar_loyalty.models import (
    CustomerTier,
    Tier,
    TierActivity,
    TierChange,
    TierPin,
    TierSettings,
)
from tests.factories import dashboard_url

ConditionalOffer = get_model("offer", "ConditionalOffer")

pytestmark = pytest.mark.django_db

TIER_FORM = {
    "name": "Gold",
    "position": "2",
    "threshold": "500.00",
    "badge_colour": "#c9a227",
    "badge_icon": "fas fa-crown",
    "description": "",
    "points_multiplier": "1.5",
    "entry_bonus": "100",
    "birthday_bonus": "0",
    "discount_percentage": "5",
    "free_shipping": "",
    "free_shipping_threshold": "",
}


@pytest.fixture
def family():
    return Tier.objects.create(name="Family", position=1, threshold=Decimal("100"))


@pytest.fixture
def member(family):
    account = ledger.account_for_user(UserFactory(email="jane@example.com"))
    CustomerTier.objects.create(account=account, tier=family, earned_tier=family)
    TierChange.objects.create(account=account, to_tier=family, reason=TierChange.UPGRADE)
    return account


def test_staff_create_a_tier_and_its_discount_offer(staff, family):
    response = staff.post(dashboard_url("loyalty-tier-create"), TIER_FORM)
    assert response.status_code == 302
    gold = Tier.objects.get(name="Gold")
    assert gold.points_multiplier == Decimal("1.5")
    assert gold.discount_offer.status == ConditionalOffer.OPEN
    page = staff.get(dashboard_url("loyalty-tier-list")).content.decode()
    assert "Gold" in page and "5% off every order" in page


def create_gold_below(member, staff, capture_on_commit):
    """Staff add Gold at £300 below the member's confirmed £420; the tasks run on commit."""
    TierActivity.objects.create(
        account=member,
        order_number="100042",
        spend=Decimal("420.00"),
        points=420,
        occurred_at=timezone.now(),
    )
    with capture_on_commit(execute=True):
        return staff.post(dashboard_url("loyalty-tier-create"), TIER_FORM | {"threshold": "300"})


def test_a_new_tier_moves_the_customers_who_reach_it_at_once(
    staff, member, client, mailoutbox, django_capture_on_commit_callbacks
):
    response = create_gold_below(member, staff, django_capture_on_commit_callbacks)

    assert (
        "Customers are being moved to the tiers they now reach."
        in staff.get(response.url).content.decode()
    )
    assert CustomerTier.objects.get(account=member).tier.name == "Gold"
    client.force_login(member.user)
    page = client.get(reverse("oscar_loyalty:account")).content.decode()
    assert 'data-loyalty="current-tier"' in page and "Gold" in page
    assert [m.to for m in mailoutbox] == [["jane@example.com"]]  # the upgrade email


def test_changing_a_tiers_look_or_perks_moves_nobody(
    staff, family, member, mailoutbox, django_capture_on_commit_callbacks
):
    """Only a new tier, a threshold or an order can move a customer: a member whose count fell
    gets no downgrade notice because staff changed a tier's description."""
    form = TIER_FORM | {"name": "Family", "position": "1", "threshold": "100.00"}
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            dashboard_url("loyalty-tier-update", family.pk), form | {"description": "Welcome"}
        )

    page = staff.get(response.url).content.decode()
    assert "Tier “Family” saved." in page and "Customers are being moved" not in page
    assert CustomerTier.objects.get(account=member).downgrade_due_at is None
    assert mailoutbox == []


@pytest.fixture
def unreachable_broker(monkeypatch):
    """The project has a Celery broker, but it is down: sending a task fails as kombu does.
    (Patched rather than pointing the shared app at a dead port, which would leave its cached
    producers and routes to later tests.)"""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    app = tasks.reevaluate_tiers.app
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr(tasks.reevaluate_tiers, "apply_async", refuse)


def test_a_new_tier_moves_customers_even_when_the_broker_is_down(
    staff, member, unreachable_broker, django_capture_on_commit_callbacks
):
    """As the package's other tasks: the move runs in the request instead of failing the saved
    page."""
    response = create_gold_below(member, staff, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert CustomerTier.objects.get(account=member).tier.name == "Gold"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"threshold": "100.00"}, "threshold", "overlaps Family"),
        ({"position": "0", "threshold": "600"}, "threshold", "overlaps Family"),
        ({"points_multiplier": "-1"}, "points_multiplier", "Enter a number from 0 to 100."),
        ({"threshold": "9" * 13}, "threshold", "Enter a number from 0 to 9,999,999,999.99."),
        ({"threshold": "-" + "9" * 13}, "threshold", "Enter a number from 0 to 9,999,999,999.99."),
        ({"free_shipping": "above"}, "free_shipping_threshold", "Enter the order value"),
        ({"badge_colour": "gold"}, "badge_colour", "#c9a227"),
    ],
)
def test_bad_tier_input_gets_form_errors(staff, family, changes, field, message):
    response = staff.post(dashboard_url("loyalty-tier-create"), {**TIER_FORM, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert not Tier.objects.filter(name="Gold").exists()


@pytest.mark.parametrize(
    "field, message",
    [
        ("entry_bonus", "Enter a whole number from 0 to 1,000,000."),
        ("birthday_bonus", "Enter a whole number from 0 to 1,000,000."),
    ],
)
def test_huge_tier_numbers_are_refused_with_the_limit_in_words(staff, field, message):
    response = staff.post(
        dashboard_url("loyalty-tier-create"), {**TIER_FORM, field: "9223372036854775807"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert not Tier.objects.filter(name="Gold").exists()


def test_a_huge_tier_order_is_refused_not_saved(staff):
    response = staff.post(
        dashboard_url("loyalty-tier-create"), {**TIER_FORM, "position": "9223372036854775807"}
    )
    assert response.status_code == 200
    assert "9223372036854775807" not in " ".join(response.context["form"].errors["position"])
    assert not Tier.objects.filter(name="Gold").exists()


def test_a_pin_ending_in_the_year_9999_is_refused(staff, member, family):
    staff_user = UserFactory(is_staff=True)
    staff_user.user_permissions.add(Permission.objects.get(codename="add_tierpin"))
    staff.force_login(staff_user)
    url = dashboard_url("loyalty-account-pin", member.pk)
    response = staff.post(url, {"tier": family.pk, "ends_on": "9999-12-31", "reason": "Typo"})
    assert response.status_code == 400
    assert "Choose a date within 10 years from today." in response.content.decode()
    assert not TierPin.objects.exists()


def test_rolling_window_of_zero_months_is_refused(staff):
    form = {"metric": "spend", "window": "rolling", "rolling_months": "0", "grace_days": "30"}
    response = staff.post(dashboard_url("loyalty-tier-settings"), form)
    assert response.status_code == 200
    assert response.context["form"].errors["rolling_months"]
    form["rolling_months"] = "6"
    assert staff.post(dashboard_url("loyalty-tier-settings"), form).status_code == 302
    assert TierSettings.load().rolling_months == 6


def test_members_per_tier_with_counts(staff, member, family):
    page = staff.get(dashboard_url("loyalty-tier-list")).content.decode()
    assert 'data-loyalty="tier-members">1</a>' in page
    members = staff.get(dashboard_url("loyalty-tier-members", family.pk)).content.decode()
    assert "jane@example.com" in members or str(member) in members


def test_a_tier_with_history_cannot_be_deleted(staff, member, family):
    response = staff.post(dashboard_url("loyalty-tier-delete", family.pk))
    assert response.status_code == 302
    assert Tier.objects.filter(pk=family.pk).exists()


def test_pin_with_permission_is_recorded_and_shown(client, member, family):
    gold = Tier.objects.create(name="Gold", position=2, threshold=Decimal("500"))
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_tierpin"))
    client.force_login(user)
    ends = (timezone.localdate() + timedelta(days=30)).isoformat()
    url = dashboard_url("loyalty-account-pin", member.pk)
    response = client.post(url, {"tier": gold.pk, "ends_on": ends, "reason": "Goodwill"})
    assert response.status_code == 302
    assert CustomerTier.objects.get(account=member).tier == gold
    page = client.get(dashboard_url("loyalty-account-tier", member.pk)).content.decode()
    assert "Goodwill" in page and "Pinned by staff" in page

    bad = client.post(url, {"tier": gold.pk, "ends_on": "2000-01-01", "reason": " "})
    assert bad.status_code == 400
    assert "The end date must be today or later." in bad.content.decode()

    client.post(url, {"action": "remove"})
    assert CustomerTier.objects.get(account=member).tier == family
    assert TierPin.objects.get().removed_by == user


def test_staff_without_the_pin_permission_cannot_pin(staff, member, family):
    ends = (timezone.localdate() + timedelta(days=30)).isoformat()
    url = dashboard_url("loyalty-account-pin", member.pk)
    response = staff.post(url, {"tier": family.pk, "ends_on": ends, "reason": "x"})
    assert response.status_code == 403
    assert not TierPin.objects.exists()


@pytest.mark.parametrize(
    "name, needs_pk",
    [
        ("loyalty-tier-list", False),
        ("loyalty-tier-create", False),
        ("loyalty-tier-settings", False),
        ("loyalty-tier-update", "tier"),
        ("loyalty-tier-delete", "tier"),
        ("loyalty-tier-members", "tier"),
        ("loyalty-account-tier", "account"),
        ("loyalty-account-pin", "account"),
    ],
)
def test_anonymous_and_customers_are_refused(client, member, family, name, needs_pk):
    args = {"tier": [family.pk], "account": [member.pk]}.get(needs_pk, [])
    url = dashboard_url(name, *args)
    assert client.get(url).status_code == 302  # to the dashboard login
    client.force_login(UserFactory())
    assert client.get(url).status_code in (302, 403)
    assert client.post(url, {}).status_code in (302, 403)
    assert Tier.objects.count() == 1 and not TierPin.objects.exists()


def test_tier_history_lists_every_change(staff, member, family):
    vip = Tier.objects.create(name="VIP", position=3, threshold=Decimal("900"))
    tiers.pin_customer(
        member,
        vip,
        reason="Launch party",
        ends_at=timezone.now() + timedelta(days=3),
        staff_user=UserFactory(is_staff=True, email="boss@example.com"),
    )
    page = staff.get(dashboard_url("loyalty-account-tier", member.pk)).content.decode()
    history = page[page.index("tier changes") :] if "tier changes" in page else page
    assert "Qualified" in history and "Pinned by staff" in history and "Launch party" in history


def test_thresholds_and_qualifying_values_are_shown_as_money(staff, member, family):
    Tier.objects.create(name="VIP", position=2, threshold=Decimal("1500"))
    TierChange.objects.create(
        account=member,
        to_tier=family,
        reason=TierChange.UPGRADE,
        qualifying_value=Decimal("1586.34"),
    )
    ladder = staff.get(dashboard_url("loyalty-tier-list")).content.decode()
    history = staff.get(dashboard_url("loyalty-account-tier", member.pk)).content.decode()
    assert "£1,500.00" in ladder and "1500.00" not in ladder
    assert "£1,586.34" in history and "1586.34" not in history


def test_points_thresholds_stay_points(staff, family):
    settings = TierSettings.load()
    settings.metric = TierSettings.POINTS
    settings.save()
    Tier.objects.create(name="VIP", position=2, threshold=Decimal("1500"))
    ladder = staff.get(dashboard_url("loyalty-tier-list")).content.decode()
    assert "1,500 points" in ladder and "£1,500" not in ladder
