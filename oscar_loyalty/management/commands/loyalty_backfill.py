"""``manage.py loyalty_backfill --since DATE``: points for orders placed before the programme."""

import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from oscar_loyalty.backfill import backfill_orders
from oscar_loyalty.progress import ProgressBar
from oscar_loyalty.utils import local_midnight


def _date(value: str) -> datetime:
    try:
        parsed = parse_date(value) if value else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(
            _("Dates are YYYY-MM-DD, e.g. 2011-01-31; got %(value)r.") % {"value": value}
        )
    return local_midnight(parsed)


class Command(BaseCommand):
    help = _(
        "Award points for customers' orders placed since DATE under the current spend rules. "
        "Idempotent: orders that already earned are skipped, so it can be re-run. Customers "
        "these orders lift into a tier get its entry bonus but no welcome email."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help=_("First order date, YYYY-MM-DD."))
        parser.add_argument("--until", help=_("Stop before this date, YYYY-MM-DD."))
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(
        self, *args, since: str, until: str | None, batch_size: int, verbosity: int, **options
    ):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        start, end = _date(since), (_date(until) if until else None)
        if end and end <= start:
            raise CommandError(_("--until must be after --since."))
        bar = ProgressBar(self.stdout, enabled=verbosity > 0)
        began = time.monotonic()
        result = backfill_orders(
            start,
            end,
            batch_size=batch_size,
            progress=lambda done, total: bar.update(_("orders"), done, total, _("orders")),
        )
        bar.finish()
        seconds = time.monotonic() - began
        self.stdout.write(
            _(
                "%(orders)s orders checked in %(seconds).1f s (%(rate).0f orders/s): "
                "%(awarded)s awarded %(points)s points, %(skipped)s had already earned, "
                "%(nothing)s earned nothing."
            )
            % {
                "orders": result.orders,
                "seconds": seconds,
                "rate": result.orders / seconds if seconds else 0,
                "awarded": result.awarded,
                "points": result.points,
                "skipped": result.skipped,
                "nothing": result.earned_nothing,
            }
        )
