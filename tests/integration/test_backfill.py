"""``loyalty_backfill``: historical orders earn once, in batches, whatever is re-run."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import LedgerEntry
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
