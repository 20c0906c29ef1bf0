"""``manage.py loyalty_demo_programme``: demo rules and rewards, then points for past orders."""

from datetime import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from oscar_loyalty.backfill import backfill_orders
from oscar_loyalty.demo.programme import set_up_demo_programme
from oscar_loyalty.progress import ProgressBar
from oscar_loyalty.utils import format_points


class Command(BaseCommand):
    help = _(
        "Set up a demo loyalty programme (spend and action rules, points redemption, rewards) "
        "and award points for the demo orders. Idempotent."
    )

    def handle(self, *args, verbosity: int, **options):
        created = set_up_demo_programme()
        if created:
            self.stdout.write(_("Created: %(names)s") % {"names": ", ".join(created)})
        bar = ProgressBar(self.stderr, enabled=verbosity > 0)
        result = backfill_orders(
            timezone.make_aware(datetime(2000, 1, 1)),
            progress=lambda done, total: bar.update(_("points"), done, total, _("orders")),
        )
        bar.finish()
        self.stdout.write(
            _("%(awarded)s orders earned %(points)s points.")
            % {"awarded": format_points(result.awarded), "points": format_points(result.points)}
        )
