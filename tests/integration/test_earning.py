"""Points from orders: pending for the return window, confirmed, reversed on cancel and refund."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time
from oscar.core.loading import get_class, get_model
from oscar.test.factories import UserFactory

from oscar_loyalty import actions, earning, ledger, tasks
from oscar_loyalty.models import (
    FirstOrderRule,
    LedgerEntry,
    PointsLot,
    ProgramSettings,
    ReviewRule,
    RuleMultiplier,
    SignupRule,
)
from oscar_loyalty.verification import find_discrepancies
from tests.factories import create_spend_rule, place_order

PaymentEventType = get_model("order", "PaymentEventType")
ProductReview = get_model("reviews", "ProductReview")
create_from_breadcrumbs = get_class("catalogue.categories", "create_from_breadcrumbs")
ProductCategory = get_model("catalogue", "ProductCategory")
user_registered = get_class("customer.signals", "user_registered")

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper():
    return UserFactory()


@pytest.fixture
def place(django_capture_on_commit_callbacks):
    """Place an order and run what Oscar's order_placed triggers after commit (real receivers)."""

    def _place(user, lines, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return place_order(user, lines, **kwargs)

    return _place


def balances(user) -> tuple[int, int]:
    account = ledger.account_for_user(user)
    return account.available, account.pending


def test_order_earns_pending_points_for_the_return_window(shopper, place):
    create_spend_rule("2")
    order = place(shopper, [("10.00", 3)])
    assert balances(shopper) == (0, 60)
    lot = PointsLot.objects.get(order_number=order.number)
    assert lot.available_at == order.date_placed + timedelta(days=14)


def test_replayed_order_signal_awards_nothing_twice(shopper, place):
    create_spend_rule("1")
    order = place(shopper, [("25.00", 1)])
    tasks.award_order_points(order.pk)
    tasks.award_order_points.delay(order.pk)
    assert balances(shopper) == (0, 25)
    assert LedgerEntry.objects.filter(order_number=order.number).count() == 1


def test_guest_orders_earn_nothing(place):
    create_spend_rule("1")
    place(None, [("25.00", 1)], guest_email="guest@example.com")
    assert not LedgerEntry.objects.exists()


def test_points_round_down_once_per_order_not_per_line(shopper, place):
    create_spend_rule("0.5")
    place(shopper, [("1.00", 1), ("1.00", 1), ("1.00", 1)])  # 0.5 + 0.5 + 0.5
    assert balances(shopper) == (0, 1)


def test_minimum_order_is_checked_on_the_earn_base(shopper, place):
    create_spend_rule("1", min_order_total=Decimal("50.00"))
    place(shopper, [("49.99", 1)])
    assert balances(shopper) == (0, 0)
    place(shopper, [("50.00", 1)])
    assert balances(shopper) == (0, 50)


def test_order_in_another_currency_never_earns_in_the_wrong_unit(shopper, place):
    create_spend_rule("1", currency="GBP")
    create_spend_rule("3", currency="EUR")
    place(shopper, [("10.00", 1)], currency="EUR")
    assert balances(shopper) == (0, 30)


def test_category_exclusion_and_product_multiplier(shopper, place):
    rule = create_spend_rule("1")
    order = place(shopper, [("10.00", 1), ("10.00", 1), ("10.00", 1)])
    excluded, doubled, plain = (line.product for line in order.lines.order_by("pk"))
    vouchers = create_from_breadcrumbs("Gift cards > Vouchers")
    gift_cards = vouchers.get_parent()
    ProductCategory.objects.create(product=excluded, category=vouchers)
    RuleMultiplier.objects.create(rule=rule, category=gift_cards, multiplier=0)
    RuleMultiplier.objects.create(rule=rule, product=doubled, multiplier=2)
    assert (
        earning.calculate(earning.order_lines(order), "GBP", earning.RuleBook.load()).points == 30
    )


def test_inactive_or_future_rules_do_not_earn(shopper, place):
    create_spend_rule("1", is_active=False)
    create_spend_rule("1", starts_at=timezone.now() + timedelta(days=1))
    place(shopper, [("10.00", 1)])
    assert balances(shopper) == (0, 0)


def test_switched_off_programme_earns_nothing(shopper, place):
    create_spend_rule("1")
    ProgramSettings.objects.update_or_create(pk=1, defaults={"is_enabled": False})
    place(shopper, [("10.00", 1)])
    assert balances(shopper) == (0, 0)


def test_reaching_a_confirming_status_makes_points_spendable(
    shopper, place, django_capture_on_commit_callbacks
):
    create_spend_rule("1")
    order = place(shopper, [("40.00", 1)])
    with django_capture_on_commit_callbacks(execute=True):
        order.set_status("Being processed")
        order.set_status("Complete")
    assert balances(shopper) == (40, 0)


def test_return_window_end_confirms_points(shopper, place):
    create_spend_rule("1")
    place(shopper, [("40.00", 1)])
    with freeze_time(timezone.now() + timedelta(days=13)):
        tasks.confirm_due_points()
    assert balances(shopper) == (0, 40)
    with freeze_time(timezone.now() + timedelta(days=15)):
        assert tasks.confirm_due_points() == 1
        assert tasks.confirm_due_points() == 0
    assert balances(shopper) == (40, 0)


def test_cancellation_reverses_exactly_what_the_order_earned(
    shopper, place, django_capture_on_commit_callbacks
):
    create_spend_rule("1")
    FirstOrderRule.objects.create(name="First order", points=100)
    keep = place(shopper, [("10.00", 1)])
    cancel = place(shopper, [("30.00", 1)])
    assert balances(shopper) == (0, 140)
    with django_capture_on_commit_callbacks(execute=True):
        cancel.set_status("Cancelled")
        cancel.set_status("Cancelled")
    assert balances(shopper) == (0, 110)
    assert LedgerEntry.objects.filter(order_number=keep.number).count() == 2


def _refund(order, lines_and_quantities=(), amount=None):
    refund_type, _ = PaymentEventType.objects.get_or_create(name="Refunded")
    event = order.payment_events.create(
        event_type=refund_type, amount=amount if amount is not None else Decimal("0.00")
    )
    for line, quantity in lines_and_quantities:
        event.line_quantities.create(line=line, quantity=quantity)
    return event


def test_partial_refund_reverses_only_that_lines_points_at_the_earn_time_rate(
    shopper, place, django_capture_on_commit_callbacks
):
    rule = create_spend_rule("1")
    order = place(shopper, [("10.00", 4), ("5.00", 1)])  # 40 + 5 points
    rule.points_per_unit = Decimal("10")  # today's rate must not matter
    rule.save()
    big_line = order.lines.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        _refund(order, [(big_line, 1)], amount=Decimal("10.00"))
    assert balances(shopper) == (0, 35)
    with django_capture_on_commit_callbacks(execute=True):
        _refund(order, [(big_line, 3)], amount=Decimal("30.00"))
    assert balances(shopper) == (0, 5)


def test_refunding_every_line_reverses_every_point_despite_rounding(
    shopper, place, django_capture_on_commit_callbacks
):
    create_spend_rule("0.5")
    order = place(shopper, [("1.00", 1), ("1.00", 1), ("1.00", 1)])  # 1.5 -> 1 point
    for line in order.lines.all():
        with django_capture_on_commit_callbacks(execute=True):
            _refund(order, [(line, 1)], amount=Decimal("1.00"))
    assert balances(shopper) == (0, 0)
    assert find_discrepancies() == []


def test_amount_only_refund_reverses_pro_rata(shopper, place, django_capture_on_commit_callbacks):
    create_spend_rule("1")
    order = place(shopper, [("50.00", 2)])
    with django_capture_on_commit_callbacks(execute=True):
        event = _refund(order, amount=Decimal("25.00"))
    tasks.reverse_refunded_points(event.pk)  # a retried task changes nothing
    assert balances(shopper) == (0, 75)


def test_signup_bonus_once_however_the_account_is_created(django_capture_on_commit_callbacks):
    SignupRule.objects.create(name="Welcome", points=50)
    user = UserFactory()  # post_save: an account created outside Oscar's registration view
    user_registered.send(sender=None, request=None, user=user)
    assert balances(user) == (50, 0)


def test_approved_review_earns_once(shopper):
    ReviewRule.objects.create(name="Reviews", points=20, limit_count=5, limit_period="month")
    order_product = place_order(shopper, [("5.00", 1)]).lines.get().product
    review = ProductReview.objects.create(
        product=order_product, user=shopper, title="Lovely", body="Lovely", score=5, status=0
    )
    assert balances(shopper) == (0, 0)
    review.status = ProductReview.APPROVED
    review.save()
    review.save()
    assert balances(shopper) == (20, 0)


def test_action_limit_per_period_is_enforced(shopper):
    ReviewRule.objects.create(name="Reviews", points=10, limit_count=2, limit_period="day")
    account = ledger.account_for_user(shopper)
    for review_id in range(4):
        actions.award_action(account, ReviewRule, reference=f"review:{review_id}")
    assert balances(shopper) == (20, 0)
    with freeze_time(timezone.now() + timedelta(days=1)):
        actions.award_action(account, ReviewRule, reference="review:9")
    assert balances(shopper) == (30, 0)


def test_points_expire_after_the_configured_days_with_one_warning_first(shopper):
    ProgramSettings.objects.update_or_create(
        pk=1, defaults={"lot_expiry_days": 30, "expiry_warning_days": 7}
    )
    account = ledger.account_for_user(shopper)
    ledger.earn(account, 80, key="e", expires_at=timezone.now() + timedelta(days=30))
    with freeze_time(timezone.now() + timedelta(days=24)):
        tasks.expire_points()
        tasks.expire_points()
    assert len(mail.outbox) == 1
    assert "80" in mail.outbox[0].subject
    assert balances(shopper) == (80, 0)
    with freeze_time(timezone.now() + timedelta(days=31)):
        assert tasks.expire_points() == 1
    assert balances(shopper) == (0, 0)


def test_whole_balance_expires_after_inactivity(shopper):
    ProgramSettings.objects.update_or_create(pk=1, defaults={"inactivity_expiry_days": 365})
    account = ledger.account_for_user(shopper)
    ledger.earn(account, 10, key="a")
    with freeze_time(timezone.now() + timedelta(days=300)):
        tasks.expire_points()
    assert balances(shopper) == (10, 0)
    with freeze_time(timezone.now() + timedelta(days=366)):
        tasks.expire_points()
    assert balances(shopper) == (0, 0)
