"""``loyalty_backfill``: historical orders earn once, in batches, whatever is re-run."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger, tiers
from oscar_loyalty.models import LedgerEntry, Tier
from oscar_loyalty.verification import find_discrepancies
from tests.factories import create_spend_rule, place_order

pytestmark = pytest.mark.django_db


def backfill(*args) -> str:
    out = StringIO()
    call_command("loyalty_backfill", *args, stdout=out)
    return out.getvalue()


def test_backfill_awards_historical_orders_once():
    shopper = UserFactory()
    orders = [place_order(shopper, [("10.00", 1)]) for _ in range(5)]  # placed before any rule
    for order in orders:
        order.date_placed = timezone.now() - timedelta(days=30)
        order.save()
    orders[-1].set_status("Cancelled")
    create_spend_rule("1")
    since = (timezone.now() - timedelta(days=60)).date().isoformat()
    output = backfill("--since", since, "--batch-size", "2")
    assert "4 awarded 40 points" in output
    assert ledger.account_for_user(shopper).available == 40  # the return window is long over
    assert "0 awarded" in backfill("--since", "2000-01-01")
    assert LedgerEntry.objects.count() == 4
    assert find_discrepancies() == []


def test_summary_accounts_for_orders_that_earn_nothing():
    shopper = UserFactory()
    place_order(shopper, [("10.00", 1)])
    place_order(shopper, [("0.50", 1)])  # under £1 at 1 point per £: nothing to award
    create_spend_rule("1")
    output = backfill("--since", "2000-01-01")
    assert "2 orders checked" in output
    assert "1 awarded 10 points, 0 had already earned, 1 earned nothing." in output


def test_backfill_respects_the_since_date():
    shopper = UserFactory()
    old = place_order(shopper, [("10.00", 1)])
    old.date_placed = timezone.now() - timedelta(days=400)
    old.save()
    place_order(shopper, [("20.00", 1)])
    create_spend_rule("1")
    backfill("--since", (timezone.now() - timedelta(days=30)).date().isoformat())
    assert (
        ledger.account_for_user(shopper).pending + ledger.account_for_user(shopper).available == 20
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--since", "yesterday"],
        ["--since", "2011-02-30"],
        ["--since", "2011-05-01", "--until", "2011-01-01"],
        ["--since", "2011-01-01", "--batch-size", "0"],
    ],
)
def test_bad_arguments_get_a_clear_message(args):
    with pytest.raises(CommandError):
        backfill(*args)


def test_backfill_places_past_customers_in_tiers_without_welcome_emails(
    django_capture_on_commit_callbacks,
):
    past, live = UserFactory(), UserFactory()
    order = place_order(past, [("150.00", 1)])  # placed before the programme existed
    order.date_placed = timezone.now() - timedelta(days=60)
    order.save()
    create_spend_rule("1")
    Tier.objects.create(name="Family", position=1, threshold=Decimal("100"), entry_bonus=10)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks() as queued:
        backfill("--since", "2000-01-01")
    for task in queued:  # a Celery worker runs the tier tasks after the backfill has finished
        task()

    assert tiers.tier_for_user(past).name == "Family"
    assert ledger.account_for_user(past).available == 150 + 10  # the entry bonus is still paid
    assert not [m for m in mail.outbox if m.subject.startswith("Welcome to")]
    with django_capture_on_commit_callbacks(execute=True):  # a live customer is still welcomed
        order = place_order(live, [("150.00", 1)])
    with django_capture_on_commit_callbacks(execute=True):
        order.set_status("Being processed")
        order.set_status("Complete")
    welcome = [m for m in mail.outbox if m.subject == "Welcome to Family"]
    assert [m.to for m in welcome] == [[live.email]]
