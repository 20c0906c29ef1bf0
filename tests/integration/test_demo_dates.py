"""The demo's 2010-2011 orders are moved to end yesterday, every interval between them kept.

Without the shift, everything that looks at recency (the quality report's test period, the
recommendations' half-life, tier windows, return windows) treats the demo shop as 15 years
asleep, and one order placed in the sandbox outweighs the whole history.
"""

from datetime import timedelta
from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from haystack import connections as haystack_connections
from oscar.core.loading import get_model

from oscar_loyalty.demo.online_retail import load_dataset
from oscar_loyalty.management.commands.loyalty_load_demo_data import Command
from oscar_loyalty.models import CustomerTier

from . import test_demo_data as demo
from .test_demo_data import LONDON, load

Order = get_model("order", "Order")
User = get_user_model()

pytestmark = pytest.mark.django_db


@pytest.fixture
def retail_file(tmp_path):
    return demo.write_csv(tmp_path / "online_retail.csv.gz", demo.KEPT + demo.DROPPED)


@pytest.fixture(autouse=True)
def _forget_indexed_products():
    """The loader writes to the search index, which no database rollback undoes."""
    yield
    haystack_connections["default"].get_backend().clear(models=[demo.Product])


def placed() -> dict[str, object]:
    return dict(Order.objects.values_list("number", "date_placed"))


def intervals(dates: dict[str, object]) -> list[timedelta]:
    ordered = sorted(dates.values())
    return [later - earlier for earlier, later in pairwise(ordered)]


def test_newest_order_falls_on_yesterday_and_intervals_are_kept(retail_file):
    load(retail_file, "--all", "--original-dates")
    original = placed()
    Order.objects.all().delete()

    out, _ = load(retail_file, "--all")

    moved = placed()
    newest = max(moved.values())
    assert timezone.localtime(newest).date() == timezone.localdate() - timedelta(days=1)
    offsets = {moved[number] - original[number] for number in original}
    assert len(offsets) == 1  # one offset for every order...
    (offset,) = offsets
    assert offset.days > 5000 and offset.seconds == 0  # ...a whole number of days
    assert intervals(moved) == intervals(original)
    assert f"Dates: moved {offset.days:,} days forward, every interval kept" in out
    assert f"newest order {timezone.localdate() - timedelta(days=1):%Y-%m-%d}" in out


def test_customers_join_on_their_shifted_first_order(retail_file):
    load(retail_file, "--all")

    irish = User.objects.get(email="customer13047@demo.example.com")
    assert irish.date_joined == Order.objects.get(number="536368").date_placed
    shopper = User.objects.get(email="shopper@example.com")
    assert shopper.date_joined == Order.objects.get(number="536365").date_placed


def test_original_dates_option_keeps_the_file_dates(retail_file):
    out, _ = load(retail_file, "--all", "--original-dates")

    newest = timezone.localtime(max(placed().values()), LONDON)
    assert (newest.year, newest.month, newest.day, newest.hour) == (2011, 7, 16, 10)
    assert "Dates: as in the file (newest order 2011-07-16)." in out


def test_a_re_run_on_a_later_day_keeps_the_first_offset(retail_file, monkeypatch):
    load(retail_file, "--customers", "1", "--seed", "3")  # the shopper's orders only
    first = placed()
    week_later = timezone.localdate() + timedelta(days=7)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: week_later)

    load(retail_file, "--all")  # the other customers' orders, a week later

    everything = placed()
    assert len(everything) > len(first)
    dataset = load_dataset(retail_file)
    offsets = {moment - dataset.orders[number].date_placed for number, moment in everything.items()}
    assert len(offsets) == 1  # the new orders took the first run's offset, not a new one
    newest = timezone.localtime(max(everything.values())).date()
    assert newest == week_later - timedelta(days=8)


def test_mixing_original_and_shifted_dates_is_refused(retail_file):
    load(retail_file, "--all")

    with pytest.raises(CommandError, match="shifted dates: load into a fresh database"):
        load(retail_file, "--all", "--original-dates")


def test_help_says_the_dates_are_moved():
    text = Command().create_parser("manage.py", "loyalty_load_demo_data").format_help()

    assert "--original-dates" in text and "falls on yesterday" in " ".join(text.split())


def test_demo_programme_places_customers_in_tiers_without_a_welcome_email(
    retail_file, django_capture_on_commit_callbacks
):
    load(retail_file, "--all")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("loyalty_demo_programme", stdout=StringIO(), stderr=StringIO())

    assert CustomerTier.objects.filter(tier__isnull=False).count() == 4  # everyone was placed
    assert mail.outbox == []
